"""An EU CTIS record read into the study model.

CTIS (the EU Clinical Trials Information System, https://euclinicaltrials.eu) publishes a
trial in two shapes (tests/data/registries/README.md, "CTIS"):

- a ``/search`` element: a slim summary (``ctNumber``, ``ctStatus`` as the public status
  code, ``ctTitle``, ``conditions``, ``product``, ``trialCountries`` as "Spain:4", dates as
  DD/MM/YYYY);
- a ``/retrieve`` body: the full record (``authorizedApplication.authorizedPartI`` with
  titles, conditions, products, criteria and sponsors; ``authorizedPartsII[]`` with the
  sites of each member state; ISO dates; ``ctPublicStatusCode``; ``ctStatus`` there is the
  application status in words, not recruitment).

The store keeps the retrieve body with the search element's keys merged over it (as the
recorded files are), so the reader reads all three forms: where both have a value, the
search element's (merged) value is read first. Every key is optional and may have any type;
a missing or mistyped part reads as empty. English text only: every ``...Translations``
list is left alone. Nothing here changes registry text beyond stripping and bounding it,
and no link is built from registry text (``url`` comes from the normalised number).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from typing import Any

from ...errors import InputError
from ...ids import CTIS, ids_of, url_of
from ...model import Contact, Eligibility, Intervention, Site, Study, StudyId, Term, common_country
from ..values import MAX_FIELD_CHARS, depth, dig, shown

# A CTIS number: a year, six digits and two pairs (2023-505613-24-00). It goes into links,
# file names and SQL keys, so a look-alike is refused rather than cleaned.
_CT_NUMBER = re.compile(r"(?:19|20)[0-9]{2}-[0-9]{6}-[0-9]{2}-[0-9]{2}")

# The public status codes (search ``ctStatus``, retrieve ``ctPublicStatusCode``, per country in
# ``trialCountries``), in CTIS's own words, and the model's status for each. The labels are the
# portal's (gregory-ai docs/ctis-public-api-schema.md, checked against the portal's code).
PUBLIC_STATUS: dict[int, tuple[str, str]] = {
    1: ("under evaluation", "NOT_YET_RECRUITING"),
    2: ("authorised, recruitment pending", "NOT_YET_RECRUITING"),
    3: ("authorised, recruiting", "RECRUITING"),
    4: ("ongoing, recruiting", "RECRUITING"),
    5: ("ongoing, recruitment ended", "ACTIVE_NOT_RECRUITING"),
    6: ("temporarily halted", "SUSPENDED"),
    7: ("suspended", "SUSPENDED"),
    # CTIS's "ended" covers a trial that ran its course and one stopped early: the words say so.
    8: ("ended (CTIS does not say here whether it ran to its planned end or stopped early)", "COMPLETED"),
    9: ("expired", "WITHDRAWN"),
    10: ("revoked", "TERMINATED"),
    11: ("not authorised", "WITHDRAWN"),
    12: ("cancelled", "WITHDRAWN"),
}
UNKNOWN = "UNKNOWN"

# A member state's application status (``mscInfo.trialStatus``) is another vocabulary than the
# public one; only the words that settle recruitment are read, and only when the country has no
# public code. "Authorised" says nothing about recruitment, so it is not here.
_APPLICATION_STATUS = {
    "ended": "COMPLETED",
    "halted": "SUSPENDED",
    "temporarily halted": "SUSPENDED",
    "suspended": "SUSPENDED",
    "revoked": "TERMINATED",
    "cancelled": "WITHDRAWN",
    "not authorised": "WITHDRAWN",
    "expired": "WITHDRAWN",
}

# ``trialCategory.trialPhase`` codes of a retrieve body (rfhb/ctrdata R/ctrShowOneTrial...:
# "ctis value list"), and the search element's words for the same phases.
_PHASE_CODES: dict[str, tuple[str, ...]] = {
    "1": ("PHASE1",), "2": ("PHASE1",), "3": ("PHASE1",), "4": ("PHASE2",), "5": ("PHASE3",),
    "6": ("PHASE4",), "7": ("PHASE1", "PHASE2"), "8": ("PHASE1", "PHASE2"), "9": ("PHASE1", "PHASE2"),
    "10": ("PHASE2", "PHASE3"), "11": ("PHASE3", "PHASE4"),
}
_PHASE_WORD = re.compile(r"phase\s*(IV|III|II|I)\b", re.IGNORECASE)
_ROMAN = {"I": "PHASE1", "II": "PHASE2", "III": "PHASE3", "IV": "PHASE4"}

# The search element's age groups: CTIS's fixed categories, ticked by the sponsor. A trial
# ticking only "18-64 years" admits nobody under 18 or over 64, so the groups are true limits,
# though coarse; a group this table lacks leaves the ages unknown rather than guessed.
_AGE_GROUPS: dict[str, tuple[int | None, int | None]] = {
    "0-17 years": (None, 17),
    "18-64 years": (18, 64),
    "65+ years": (65, None),
}

_DAY_FIRST = re.compile(r"([0-9]{2})/([0-9]{2})/([0-9]{4})")
_ISO_DATE = re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2})")


# -- the number ----------------------------------------------------------------------------

def is_ct_number(value: Any) -> bool:
    return isinstance(value, str) and _CT_NUMBER.fullmatch(value) is not None


def raw_ct_number(record: Any) -> Any:
    """The record's ``ctNumber`` exactly as written (any type), for validation."""
    return record.get("ctNumber") if isinstance(record, dict) else None


def study_id(ct_number: str) -> StudyId:
    return StudyId(CTIS, ct_number)


def parse_id(text: str) -> StudyId:
    """What a person typed as a CTIS number ("2023-505613-24-00", "CTIS2023-505613-24-00");
    InputError when it is none."""
    cleaned = text.strip().upper().replace(" ", "").removeprefix("CTIS")
    if not _CT_NUMBER.fullmatch(cleaned):
        raise InputError(f"{text[:60]!r} is not an EU CTIS number; they look like 2023-505613-24-00 "
                         "(a year, six digits and two pairs of digits).")
    return study_id(cleaned)


# Keys a reader relies on, with the JSON types CTIS gives them: a record that gives one another
# type is refused (not stored) rather than half read, as ctgov's records are checked by its spec.
_TYPES: dict[str, tuple[type, ...]] = {
    "ctStatus": (int, str),
    "ctPublicStatusCode": (int,),
    "trialCountries": (list,),
    "authorizedApplication": (dict,),
    "lastUpdated": (str,),
    "ctTitle": (str,),
    "conditions": (str,),
}


# A full CTIS record nests 10 levels; far deeper is no record, and every reader recurses per level.
MAX_DEPTH = 32


def refusal(record: Any) -> str | None:
    """Why a record from the API or a file is not stored, or None: it must be an object with a
    valid CTIS number, and the keys the reader relies on must have CTIS's types."""
    if not isinstance(record, dict):
        return "not a JSON object"
    number = raw_ct_number(record)
    if number is None:
        return "no ctNumber"
    if not is_ct_number(number):
        return f"ctNumber {shown(number)} is not a CTIS number (YYYY-NNNNNN-NN-NN)"
    for key, types in _TYPES.items():
        value = record.get(key)
        if value is not None and (isinstance(value, bool) or not isinstance(value, types)):
            return f"{number}: {key} is a {type(value).__name__}, not a {' or '.join(t.__name__ for t in types)}"
    if depth(record, MAX_DEPTH):
        return f"{number}: it nests deeper than {MAX_DEPTH} levels, more than any CTIS record"
    return None


# -- small readers -------------------------------------------------------------------------

def _text(value: Any) -> str:
    """A string value stripped and cut to ``MAX_FIELD_CHARS``; "" for anything else."""
    if not isinstance(value, str):
        return ""
    text = value.strip()
    return text if len(text) <= MAX_FIELD_CHARS else text[: MAX_FIELD_CHARS - 1] + "…"


def _dicts(value: Any) -> list[dict]:
    return [v for v in value if isinstance(v, dict)] if isinstance(value, list) else []


def _unique(texts: Iterable[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(t for t in texts if t))


def _code(value: Any) -> int | None:
    """A public status code: an int, or digits in a string ("4"); None otherwise."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().isdigit() and len(value.strip()) <= 3:
        return int(value.strip())
    return None


def _date(value: Any) -> str:
    """A CTIS date as the model's "YYYY-MM-DD": search dates are DD/MM/YYYY, retrieve dates ISO
    (with a time, sometimes). Anything else, or a year no trial can have, is unknown ("")."""
    text = _text(value)
    day_first = _DAY_FIRST.fullmatch(text)
    iso = _ISO_DATE.match(text)
    if day_first:
        day, month, year = day_first.groups()
    elif iso:
        year, month, day = iso.groups()
    else:
        return ""
    if year[:2] not in ("19", "20") or not ("01" <= month <= "12") or not ("01" <= day <= "31"):
        return ""
    return f"{year}-{month}-{day}"


def _sorted_by_number(items: list[dict]) -> list[dict]:
    """Criteria and end points in their published order (``number``), unnumbered last."""
    def key(item: dict) -> int:
        number = item.get("number")
        return number if isinstance(number, int) and not isinstance(number, bool) else 10**9
    return sorted(items, key=key)


# -- the parts of a record -----------------------------------------------------------------

def _part_one(record: dict) -> dict:
    part = dig(record, "authorizedApplication", "authorizedPartI")
    return part if isinstance(part, dict) else {}


def _identifiers(part_one: dict) -> dict:
    found = dig(part_one, "trialDetails", "clinicalTrialIdentifiers")
    return found if isinstance(found, dict) else {}


def _information(part_one: dict) -> dict:
    found = dig(part_one, "trialDetails", "trialInformation")
    return found if isinstance(found, dict) else {}


def status_of(record: dict) -> tuple[str, str]:
    """(the model's status, CTIS's words with the code). The search's ``ctStatus`` (merged over
    the retrieve body) is read first; a retrieve body's ``ctStatus`` is text and is skipped."""
    code = _code(record.get("ctStatus")) if not isinstance(record.get("ctStatus"), str) else None
    if code is None:
        code = _code(record.get("ctPublicStatusCode"))
    if code is None:
        return UNKNOWN, "CTIS gives no public status for this trial"
    if code not in PUBLIC_STATUS:
        return UNKNOWN, f"CTIS public status {code}: a code this program does not know"
    words, status = PUBLIC_STATUS[code]
    return status, f"CTIS public status {code}: {words}"


def _country_codes(record: dict) -> dict[str, int]:
    """Each member state's public status code: ``trialCountries`` ("Spain:4"), else the
    retrieve body's ``memberStatesConcerned[].mscPublicStatusCode``. Keys are casefolded."""
    codes: dict[str, int] = {}
    for state in _dicts(dig(record, "authorizedApplication", "memberStatesConcerned")):
        code = _code(state.get("mscPublicStatusCode"))
        if _text(state.get("mscName")) and code is not None:
            codes[_text(state.get("mscName")).casefold()] = code
    entries = record.get("trialCountries")
    for entry in entries if isinstance(entries, list) else []:
        name, _, code_text = _text(entry).rpartition(":")
        code = _code(code_text)
        if name.strip() and code is not None:
            codes[name.strip().casefold()] = code
    return codes


def _country_names(record: dict) -> list[str]:
    """The member states the record names, in its order: ``trialCountries``, then the parts II."""
    names = []
    entries = record.get("trialCountries")
    for entry in entries if isinstance(entries, list) else []:
        text = _text(entry)
        names.append(text.rpartition(":")[0].strip() if ":" in text else text)
    for part in _dicts(dig(record, "authorizedApplication", "authorizedPartsII")):
        names.append(_text(dig(part, "mscInfo", "countryName")) or _text(dig(part, "mscInfo", "mscName")))
    return list(_unique(names))


def _site_status(country: str, codes: dict[str, int], application_status: str = "") -> str:
    code = codes.get(country.casefold())
    if code is not None:
        return PUBLIC_STATUS.get(code, ("", ""))[1]
    return _APPLICATION_STATUS.get(application_status.casefold(), "")


def _site(raw: dict, part_country: str, status: str) -> Site | None:
    info = raw.get("organisationAddressInfo")
    info = info if isinstance(info, dict) else {}
    address = info.get("address")
    address = address if isinstance(address, dict) else {}
    person = raw.get("personInfo")
    person = person if isinstance(person, dict) else {}
    facility = _text(dig(info, "organisation", "name"))
    city = _text(address.get("city"))
    if not facility and not city:
        return None
    name = " ".join(t for t in (_text(person.get("firstName")), _text(person.get("lastName"))) if t)
    phone, email = _text(person.get("telephone")), _text(person.get("email"))
    contacts = (Contact(name=name, phone=phone, email=email, affiliation=facility),) if name or phone or email else ()
    return Site(
        facility=facility,
        city=city,
        state="",
        country=common_country(_text(address.get("countryName")) or part_country),
        status=status,
        contacts=contacts,
    )


def _sites(record: dict) -> tuple[Site, ...]:
    """Every trial site of every member state (``authorizedPartsII[].trialSites``), each with its
    country's status; a member state without a listed site is a country-only site, so the
    trial's countries are never lost."""
    codes = _country_codes(record)
    sites: list[Site] = []
    for part in _dicts(dig(record, "authorizedApplication", "authorizedPartsII")):
        info = part.get("mscInfo")
        info = info if isinstance(info, dict) else {}
        country = _text(info.get("countryName")) or _text(info.get("mscName"))
        status = _site_status(country, codes, _text(info.get("trialStatus")))
        for raw in _dicts(part.get("trialSites")):
            site = _site(raw, country, status)
            if site:
                sites.append(site)
    covered = {s.country.casefold() for s in sites}
    for country in _country_names(record):
        if common_country(country).casefold() not in covered:
            sites.append(Site("", "", "", common_country(country), _site_status(country, codes)))
            covered.add(common_country(country).casefold())
    return tuple(sites)


def _product_type(product: dict) -> str:
    """BIOLOGICAL for an advanced therapy (``therapies`` filled: cell, gene or tissue product)
    or a product with a substance of biological origin; DRUG for an all-chemical one; "" when
    the record does not say."""
    if _dicts(product.get("therapies")):
        return "BIOLOGICAL"
    if product.get("allSubstancesChemicals") is True:
        return "DRUG"
    substances = _dicts(dig(product, "productDictionaryInfo", "productSubstances"))
    origins = {(_text(s.get("actSubstOrigin")) or _text(s.get("substanceOrigin"))).casefold() for s in substances}
    origins.discard("")
    if origins - {"chemical"}:
        return "BIOLOGICAL"
    return "DRUG" if origins else ""


def _therapy_words(product: dict) -> str:
    """What an advanced therapy is, in the record's words (type, cell type, description)."""
    words = []
    for therapy in _dicts(product.get("therapies")):
        words += [_text(therapy.get(k)) for k in ("advancedTherapyType", "cellTypeMoreInformation",
                                                   "cellTypeOtherSomatic", "description")]
    return "; ".join(_unique(words))


def _interventions(record: dict, part_one: dict) -> tuple[Intervention, ...]:
    """The trial's products (part I), or the search element's ``product`` words."""
    found: dict[str, Intervention] = {}
    for product in _dicts(part_one.get("products")):
        dictionary = product.get("productDictionaryInfo")
        dictionary = dictionary if isinstance(dictionary, dict) else {}
        substances = _unique([
            _text(product.get("jsonActiveSubstanceNames")), _text(dictionary.get("activeSubstanceName")),
            *(_text(s.get("actSubstName")) for s in _dicts(dictionary.get("productSubstances"))),
        ])
        name = _text(product.get("productName")) or _text(dictionary.get("prodName")) or next(iter(substances), "")
        if not name or name.casefold() in found:
            continue
        found[name.casefold()] = Intervention(
            type=_product_type(product),
            name=name,
            other_names=tuple(s for s in substances if s.casefold() != name.casefold()),
            description=_therapy_words(product),
        )
    if not found and _text(record.get("product")):
        # The search element names products in one string ("Ocrevus, Ocrelizumab") and does not
        # say what kind they are: the type stays unknown rather than guessed.
        return (Intervention(type="", name=_text(record.get("product"))),)
    return tuple(found.values())


def _phases(record: dict, information: dict) -> tuple[str, ...]:
    code = _text(dig(information, "trialCategory", "trialPhase"))
    if code in _PHASE_CODES:
        return _PHASE_CODES[code]
    words = _text(record.get("trialPhase"))
    return _unique(_ROMAN[m.upper()] for m in _PHASE_WORD.findall(words))


def _criteria(information: dict) -> str:
    """Inclusion and exclusion criteria under the headings the eligibility reader splits on."""
    criteria = information.get("eligibilityCriteria")
    criteria = criteria if isinstance(criteria, dict) else {}
    parts = []
    for heading, key in (("Inclusion criteria:", "principalInclusionCriteria"),
                         ("Exclusion criteria:", "principalExclusionCriteria")):
        items = [_text(i.get(key)) for i in _sorted_by_number(_dicts(criteria.get(key)))]
        lines = [f"{n}. {t}" for n, t in enumerate((t for t in items if t), start=1)]
        if lines:
            parts.append("\n".join([heading, *lines]))
    return "\n\n".join(parts)


def _ages(record: dict) -> tuple[str, str]:
    """(minimum, maximum) age as "18 Years" from the search's age groups; ("", "") when none
    is given or one is not a group CTIS is known to use."""
    groups = [g.strip() for g in _text(record.get("ageGroup")).split(",") if g.strip()]
    if not groups or any(g not in _AGE_GROUPS for g in groups):
        return "", ""
    lows = [_AGE_GROUPS[g][0] for g in groups]
    highs = [_AGE_GROUPS[g][1] for g in groups]
    low = None if None in lows else min(x for x in lows if x is not None)
    high = None if None in highs else max(x for x in highs if x is not None)
    return (f"{low} Years" if low else ""), (f"{high} Years" if high is not None else "")


def _sex(record: dict, information: dict) -> str:
    words = {w.strip().casefold() for w in _text(record.get("gender")).split(",") if w.strip()}
    population = information.get("populationOfTrialSubjects")
    population = population if isinstance(population, dict) else {}
    female = "female" in words or population.get("isFemaleSubjects") is True
    male = "male" in words or population.get("isMaleSubjects") is True
    return "ALL" if female and male else "FEMALE" if female else "MALE" if male else ""


def _healthy_volunteers(information: dict) -> bool | None:
    groups = [_text(g.get("name")).casefold() for g in
              _dicts(dig(information, "populationOfTrialSubjects", "clinicalTrialGroups"))]
    if not any(groups):
        return None
    return any("healthy" in g for g in groups)


def _enrollment(record: dict, part_one: dict) -> int | None:
    """The planned number of participants: the search's ``totalNumberEnrolled``, else the
    member states' and other countries' counts added up."""
    total = _text(record.get("totalNumberEnrolled"))
    if total.isascii() and total.isdigit() and len(total) <= 7:
        return int(total)
    counts = [part_one.get("rowSubjectCount"),
              *(p.get("recruitmentSubjectCount") for p in
                _dicts(dig(record, "authorizedApplication", "authorizedPartsII")))]
    numbers = [c for c in counts if isinstance(c, int) and not isinstance(c, bool) and 0 <= c < 10_000_000]
    return sum(numbers) if any(numbers) else None


def _primary_sponsor(part_one: dict) -> dict:
    sponsors = _dicts(part_one.get("sponsors"))
    return next((s for s in sponsors if s.get("primary") is True), sponsors[0] if sponsors else {})


def _sponsor_class(record: dict, sponsor: dict) -> str:
    """INDUSTRY for a commercial sponsor, OTHER for a non-commercial one, "" when not said."""
    if sponsor.get("isCommercial") is True or _text(sponsor.get("commercial")).casefold() == "commercial":
        return "INDUSTRY"
    if sponsor.get("isCommercial") is False or _text(sponsor.get("commercial")):
        return "OTHER"
    kind = _text(record.get("sponsorType"))
    if not kind:
        return ""
    return "INDUSTRY" if "pharmaceutical company" in kind.casefold() else "OTHER"


def _contacts(sponsor: dict) -> tuple[Contact, ...]:
    return tuple(
        Contact(name=_text(c.get("functionalName")), phone=_text(c.get("telephone")),
                email=_text(c.get("functionalEmailAddress")), affiliation=_text(dig(c, "organisation", "name")))
        for c in _dicts(sponsor.get("publicContacts"))
        if _text(c.get("functionalName")) or _text(c.get("telephone")) or _text(c.get("functionalEmailAddress"))
    )


def _start_date(record: dict) -> str:
    if _date(record.get("startDateEU")):
        return _date(record.get("startDateEU"))
    starts = [_date(dig(p, "mscInfo", "activeTrialPeriod", "trialStartDate"))
              for p in _dicts(dig(record, "authorizedApplication", "authorizedPartsII"))]
    return min((d for d in starts if d), default="")


def _completion_date(record: dict, information: dict) -> str:
    """The trial's end in the EU, else the sponsor's estimate of the global end."""
    for value in (record.get("endDateEU"), record.get("endDate"),
                  dig(information, "trialDuration", "estimatedGlobalEndDate"),
                  dig(information, "trialDuration", "estimatedEndDate")):
        if _date(value):
            return _date(value)
    return ""


def _end_points(information: dict, key: str) -> tuple[str, ...]:
    return _unique(_text(e.get("endPoint")) for e in _sorted_by_number(_dicts(dig(information, "endPoint", key))))


def _conditions(record: dict, part_one: dict, information: dict) -> tuple[str, ...]:
    # The search's ``conditions`` is one string; names hold commas ("Influenza, Human"), so it
    # is kept whole rather than split.
    return _unique([
        *(_text(c.get("medicalCondition")) for c in _dicts(dig(information, "medicalCondition",
                                                                   "partIMedicalConditions"))),
        *(_text(c.get("medicalCondition")) for c in _dicts(part_one.get("medicalConditions"))),
        _text(record.get("conditions")),
    ])


def _other_ids(record: dict, identifiers: dict, own: StudyId) -> tuple[StudyId, ...]:
    """The trial's numbers elsewhere: its EudraCT number (a trial moved from the EU register),
    the NCT, ISRCTN and WHO numbers and any other registry's, read by ``trials.ids``."""
    numbers = dig(identifiers, "secondaryIdentifyingNumbers")
    numbers = numbers if isinstance(numbers, dict) else {}
    written = [
        _text(dig(record, "authorizedApplication", "eudraCt", "eudraCtCode")),
        _text(dig(numbers, "nctNumber", "number")),
        _text(dig(numbers, "isrctnNumber", "number")),
        _text(dig(numbers, "whoUniversalTrialNumber", "number")),
        *(_text(r.get("number")) for r in _dicts(numbers.get("additionalRegistries"))),
    ]
    return ids_of(written, own)


def _own_words(record: dict, part_one: dict, identifiers: dict, information: dict) -> Iterator[tuple[str, str]]:
    """(field name, text) for the record's own words, in English, as the flags read them:
    titles, conditions, objectives, criteria, end points and products. Names of people,
    sites and sponsors are left out, as on ClinicalTrials.gov."""
    yield "public title", _text(identifiers.get("publicTitle"))
    yield "full title", _text(identifiers.get("fullTitle"))
    yield "title", _text(record.get("ctTitle"))
    yield "short title", _text(identifiers.get("shortTitle")) or _text(record.get("shortTitle"))
    for condition in _conditions(record, part_one, information):
        yield "conditions", condition
    yield "main objective", _text(dig(information, "trialObjective", "mainObjective"))
    for objective in _sorted_by_number(_dicts(dig(information, "trialObjective", "secondaryObjectives"))):
        yield "secondary objective", _text(objective.get("secondaryObjective"))
    yield "eligibility criteria", _criteria(information)
    for end_point in _end_points(information, "primaryEndPoints") or (_text(record.get("primaryEndPoint")),):
        yield "primary end point", end_point
    for end_point in _end_points(information, "secondaryEndPoints") or (_text(record.get("endPoint")),):
        yield "secondary end point", end_point
    for intervention in _interventions(record, part_one):
        yield "product", intervention.name
        yield "product description", intervention.description


# -- the whole record ------------------------------------------------------------------------

def read(record: Any) -> Study:
    """One CTIS record (search element, retrieve body, or the two merged) as a ``Study``.
    Raises ValueError when it has no valid CTIS number; any other part may be missing or
    malformed."""
    number = raw_ct_number(record)
    if not is_ct_number(number):
        raise ValueError(f"a CTIS record without a valid CTIS number ({shown(number)})")
    own = study_id(number)
    part_one = _part_one(record)
    identifiers = _identifiers(part_one)
    information = _information(part_one)
    sponsor = _primary_sponsor(part_one)
    status, basis = status_of(record)
    minimum_age, maximum_age = _ages(record)
    secondary = [_text(o.get("secondaryObjective")) for o in
                 _sorted_by_number(_dicts(dig(information, "trialObjective", "secondaryObjectives")))]
    return Study(
        id=own,
        url=url_of(own),
        brief_title=_text(identifiers.get("publicTitle")) or _text(record.get("ctTitle")),
        official_title=_text(identifiers.get("fullTitle")),
        acronym=_text(identifiers.get("shortTitle")) or _text(record.get("shortTitle")),
        overall_status=status,
        status_basis=basis,
        # CTIS registers clinical trials of medicinal products only: every record is interventional.
        study_type="INTERVENTIONAL",
        phases=_phases(record, information),
        conditions=_conditions(record, part_one, information),
        condition_terms=tuple(Term(_text(t.get("classificationCode")), _text(t.get("termName")))
                              for t in _dicts(dig(information, "medicalCondition", "meddraConditionTerms"))
                              if _text(t.get("termName"))),
        summary=_text(dig(information, "trialObjective", "mainObjective")),
        description="\n".join(t for t in secondary if t),
        interventions=_interventions(record, part_one),
        sponsor=_text(dig(sponsor, "organisation", "name")) or _text(record.get("sponsor")),
        sponsor_class=_sponsor_class(record, sponsor),
        collaborators=_unique(_text(dig(s, "organisation", "name")) for s in _dicts(part_one.get("sponsors"))
                              if s is not sponsor),
        funders=_unique(_text(f.get("organisationName")) for f in _dicts(information.get("sourceOfMonetarySupport"))),
        start_date=_start_date(record),
        completion_date=_completion_date(record, information),
        last_update=_date(record.get("lastUpdated")) or _date(record.get("publishDate")),
        enrollment=_enrollment(record, part_one),
        eligibility=Eligibility(
            criteria=_criteria(information),
            minimum_age=minimum_age,
            maximum_age=maximum_age,
            sex=_sex(record, information),
            healthy_volunteers=_healthy_volunteers(information),
        ),
        sites=_sites(record),
        central_contacts=_contacts(sponsor),
        has_results=_text(record.get("resultsFirstReceived")).casefold() == "yes",
        primary_outcomes=(_end_points(information, "primaryEndPoints")
                          or _unique([_text(record.get("primaryEndPoint"))])),
        texts=tuple((name, text) for name, text in _own_words(record, part_one, identifiers, information) if text),
        other_ids=_other_ids(record, identifiers, own),
    )
