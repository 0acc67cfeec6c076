"""An ISRCTN ``<fullTrial>`` read into the study model.

This module and its siblings are the only code that knows the ISRCTN XML layout
(namespace ``http://www.67bricks.com/isrctn``; see ``tests/data/registries/README.md``).

The stored form of a record is ``{"xml": "<fullTrial ...>...</fullTrial>"}``: one
``<fullTrial>`` element (its ``<trial>`` and the ``<sponsor>``, ``<funder>`` and ``<contact>``
elements beside it) serialised with its namespace, every text cut to ``MAX_FIELD_CHARS``.
The store's record column is JSON, so the XML travels as one JSON string; ``read`` reads
exactly that form and nothing else.

ISRCTN has no recruitment status field. The status is worked out from the recruitment dates
(or an override the registrant set) against today's UTC date, when the record is read, and
``Study.status_basis`` says so in words with the dates used: a stored status therefore moves
on as time passes without the record changing, as the registry's own page does.

Every element is optional (legacy records lack whole sections; an imported file may hold
anything), so each reader returns an empty value for a missing part. Registry text is only
stripped; nothing builds a link from it.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Iterable, Iterator
from datetime import UTC, date, datetime
from typing import Any

from ...errors import InputError
from ...ids import ISRCTN, ids_of, url_of
from ...model import (
    Contact,
    Design,
    Eligibility,
    Intervention,
    Reference,
    Site,
    Study,
    StudyId,
    common_country,
)
from ..values import MAX_FIELD_CHARS, shown, xml_root

NS = "http://www.67bricks.com/isrctn"
_N = {"i": NS}
ALL_TRIALS = f"{{{NS}}}allTrials"
FULL_TRIAL = f"{{{NS}}}fullTrial"

# A real <fullTrial> nests 6 levels (fullTrial/trial/trialDescription/primaryOutcomes/
# outcomeMeasure/variable); deeper is no trial, and the serialiser recurses per level.
MAX_DEPTH = 12
# A full record with every centre and contact is 10-30 KB; one far larger is no trial.
MAX_RECORD_CHARS = 4 * 1024 * 1024


def today() -> date:
    """Today's UTC date, the one moment every worked-out status is measured against (tests
    replace it to fix "today")."""
    return datetime.now(UTC).date()


# -- ids -------------------------------------------------------------------------------------

# "ISRCTN" and exactly eight ASCII digits: the id goes into links, file names and SQL keys,
# so a look-alike (Arabic-Indic digits, a zero-width space) is refused rather than cleaned.
_ISRCTN_ID = re.compile(r"ISRCTN[0-9]{8}")
_DIGITS = re.compile(r"[0-9]{8}")


def is_isrctn_id(value: Any) -> bool:
    return isinstance(value, str) and _ISRCTN_ID.fullmatch(value) is not None


def study_id(isrctn: str) -> StudyId:
    return StudyId(ISRCTN, isrctn)


def parse_id(text: str) -> StudyId:
    """What a person typed as an ISRCTN id ("ISRCTN88667898", "isrctn 88667898"); InputError
    otherwise. The prefix is required: eight bare digits could be any registry's number."""
    match = re.fullmatch(r"ISRCTN\s*([0-9]{8})", text.strip(), re.IGNORECASE)
    if not match:
        raise InputError(f"{text!r} is not an ISRCTN id; they look like ISRCTN88667898.")
    return study_id("ISRCTN" + match.group(1))


def raw_id(full: ET.Element) -> tuple[str | None, str]:
    """(the trial's ISRCTN id, "") or (None, why there is none)."""
    trial = full.find("i:trial", _N)
    if trial is None:
        return None, "no <trial> element"
    digits = (trial.findtext("i:isrctn", "", _N) or "").strip()
    canonical = trial.get("publicIdentifierCanonical")
    if digits:
        if not _DIGITS.fullmatch(digits):
            return None, f"isrctn {shown(digits)} is not an ISRCTN number (8 digits)"
        if canonical is not None and canonical.strip() and canonical.strip() != "ISRCTN" + digits:
            return None, f"its ids disagree (ISRCTN{digits} and {shown(canonical)})"
        return "ISRCTN" + digits, ""
    if canonical is None:
        return None, "no ISRCTN id"
    if not is_isrctn_id(canonical):
        return None, f"publicIdentifierCanonical {shown(canonical)} is not an ISRCTN id"
    return canonical, ""


# -- the stored form -------------------------------------------------------------------------

def _cut(text: str | None) -> str | None:
    if text is None or len(text) <= MAX_FIELD_CHARS:
        return text
    return text[: MAX_FIELD_CHARS - 1] + "…"


def _depth(element: ET.Element) -> int:
    """How deep ``element`` nests, counted without recursion (a hostile file may nest deep)."""
    deepest, stack = 0, [(element, 1)]
    while stack:
        node, level = stack.pop()
        deepest = max(deepest, level)
        if level > MAX_DEPTH:
            return level
        stack.extend((child, level + 1) for child in node)
    return deepest


def stored(full: ET.Element) -> dict[str, str]:
    """One ``<fullTrial>`` element in the stored form, every text and attribute cut to
    ``MAX_FIELD_CHARS``. The element must have passed ``element_refusal``."""
    for node in full.iter():
        node.text, node.tail = _cut(node.text), _cut(node.tail)
        for key, value in node.attrib.items():
            node.attrib[key] = _cut(value) or ""
    # (A default namespace cannot be written back: ElementTree refuses it beside the
    # unqualified attributes every record has, so the namespace gets a prefix.)
    text = ET.tostring(full, encoding="unicode")
    return {"xml": text}


def element_refusal(full: Any) -> str | None:
    """Why one element of an answer or a file is not a storable trial, or None."""
    if not isinstance(full, ET.Element) or full.tag != FULL_TRIAL:
        return "not an ISRCTN <fullTrial> element"
    if _depth(full) > MAX_DEPTH:
        return f"it nests deeper than {MAX_DEPTH} levels, more than any trial record"
    isrctn, why = raw_id(full)
    return None if isrctn else why


def _element(record: Any) -> tuple[ET.Element | None, str]:
    """The stored form's ``<fullTrial>``, or (None, why not)."""
    if not isinstance(record, dict) or not isinstance(record.get("xml"), str):
        return None, "not a stored ISRCTN record (an object with its XML)"
    if len(record["xml"]) > MAX_RECORD_CHARS:
        return None, f"a record larger than {MAX_RECORD_CHARS // (1024 * 1024)} MB"
    try:
        full = xml_root(record["xml"])
    except ValueError as exc:
        return None, str(exc)
    why = element_refusal(full)
    return (None, why) if why else (full, "")


def refusal(record: Any) -> str | None:
    """Why a record in the stored form is not stored (or read), or None: it must hold one
    well-formed ``<fullTrial>`` with a valid ISRCTN id and no document type."""
    full, why = _element(record)
    return None if full is not None else why


def split_answer(root: ET.Element) -> Iterator[ET.Element]:
    """The ``<fullTrial>`` elements of a search answer (``<allTrials>``), or the one element
    itself. Each keeps its own ``<sponsor>``, ``<funder>`` and ``<contact>`` children, which
    its ``trial/parties`` ids point at."""
    if root.tag == FULL_TRIAL:
        yield root
        return
    yield from root.findall("i:fullTrial", _N)


def split(root: ET.Element) -> list[dict[str, str]]:
    """A search answer as records in the stored form (refused elements left out: see
    ``element_refusal`` for a caller that counts them)."""
    return [stored(full) for full in split_answer(root) if element_refusal(full) is None]


# -- small readers -----------------------------------------------------------------------------

# What registrants write where they have nothing to say: no words of the trial's own.
_PLACEHOLDER = re.compile(
    r"(?:(?:plain english summary(?: of protocol)?|summary)\s+)?"
    r"(?:not\s+(?:provided|applicable|available|specified)(?:\s+at\s+(?:the\s+)?time\s+of\s+registration)?"
    r"|nil known|none|n/?a|-)\.?",
    re.IGNORECASE,
)


def _text(node: ET.Element | None, path: str) -> str:
    if node is None:
        return ""
    found = node.find(path, _N)
    return "".join(found.itertext()).strip() if found is not None else ""


def _said(node: ET.Element | None, path: str) -> str:
    """A free text, or "" when it is a placeholder ("Not provided at time of registration")."""
    text = _text(node, path)
    return "" if _PLACEHOLDER.fullmatch(text) else text


def _texts(node: ET.Element | None, path: str) -> list[str]:
    if node is None:
        return []
    return [t for t in ("".join(e.itertext()).strip() for e in node.findall(path, _N)) if t]


def _day(value: str) -> str:
    """The date part of an ISO timestamp ("2021-10-07T00:00:00.000Z" -> "2021-10-07"), or ""
    for anything that is no date of a year a trial can have."""
    text = value.strip()[:10]
    try:
        date.fromisoformat(text)
    except ValueError:
        return ""
    return text if len(text) == 10 and text[:2] in ("19", "20") else ""


def _lines(text: str) -> tuple[str, ...]:
    return tuple(dict.fromkeys(t for t in (line.strip() for line in text.splitlines()) if t))


# -- status ----------------------------------------------------------------------------------

# The override words ISRCTN shows, in ClinicalTrials.gov's vocabulary. "Stopped" is ISRCTN's
# one word for a trial ended early (WHO's data set: Ongoing, Completed or Stopped); the others
# are the recruitment words of its pages, in case a registrant's override uses them.
OVERRIDES = {
    "stopped": "TERMINATED",
    "suspended": "SUSPENDED",
    "completed": "COMPLETED",
    "recruiting": "RECRUITING",
    "not yet recruiting": "NOT_YET_RECRUITING",
    "no longer recruiting": "ACTIVE_NOT_RECRUITING",
}
_NO_STATUS = "ISRCTN has no status field"


def status(trial: ET.Element, on: date) -> tuple[str, str]:
    """(status in ClinicalTrials.gov's words, how it was found) on the day ``on``."""
    parts = trial.find("i:participants", _N)
    start = _day(_text(parts, "i:recruitmentStart"))
    end = _day(_text(parts, "i:recruitmentEnd"))
    overall_end = _day(_text(trial, "i:trialDesign/i:overallEndDate"))
    day = on.isoformat()
    # The start override speaks of recruitment before it starts: once the recruitment end
    # has passed, it no longer says anything about today.
    overrides = [("recruitmentStatusOverride", "recruitment status override")]
    if not (end and day > end):
        overrides.append(("recruitmentStartStatusOverride", "recruitment start status override"))
    for element, words in overrides:
        override = _text(parts, f"i:{element}")
        if override:
            found = OVERRIDES.get(" ".join(override.split()).casefold())
            if found is None:
                return "UNKNOWN", (f"{_NO_STATUS}; the record's {words} says "
                                   f"{override[:60]!r}, a value this program does not know")
            return found, f"{_NO_STATUS}: taken from the record's {words} ({override[:60]!r})"
    said = f"{_NO_STATUS}: worked out on {day} from the record's dates: "
    if overall_end and day > overall_end and not (end and day <= end):
        # The trial itself has ended, whatever the recruitment dates say (or leave out).
        ended = f"recruitment ended on {end} and " if end else ""
        return "COMPLETED", said + f"{ended}the trial ended on {overall_end}"
    if not start and not end:
        return "UNKNOWN", f"{_NO_STATUS}, and the record gives no recruitment dates to work it out from"
    if start and day < start:
        return "NOT_YET_RECRUITING", said + f"recruitment starts on {start}"
    if end and day > end:
        ends = f"; the trial ends on {overall_end}" if overall_end else "; the record gives no end of the trial"
        return "ACTIVE_NOT_RECRUITING", said + f"recruitment ended on {end}" + ends
    if not end:
        # Open-ended recruitment is no evidence that it is still open: the record cannot say.
        return "UNKNOWN", (f"{_NO_STATUS}, and the record gives no end of recruitment (it started on "
                           f"{start}), so whether it still recruits cannot be worked out")
    if not start:
        return "UNKNOWN", (f"{_NO_STATUS}, and the record gives no start of recruitment (it ends on {end}), "
                           "so whether it recruits yet cannot be worked out")
    return "RECRUITING", said + f"recruitment runs from {start} to {end}"


# -- design and interventions --------------------------------------------------------------

_STUDY_TYPES = {"interventional": "INTERVENTIONAL", "observational": "OBSERVATIONAL"}
_INTERVENTION_TYPES = {
    "drug": "DRUG", "biological/vaccine": "BIOLOGICAL", "biological": "BIOLOGICAL", "vaccine": "BIOLOGICAL",
    "device": "DEVICE", "procedure/surgery": "PROCEDURE", "procedure": "PROCEDURE", "surgery": "PROCEDURE",
    "behavioural": "BEHAVIORAL", "behavioral": "BEHAVIORAL", "supplement": "DIETARY_SUPPLEMENT",
    "genetic": "GENETIC", "radiotherapy": "RADIATION", "other": "OTHER", "mixed": "OTHER",
    "not specified": "OTHER",
}
_ROMAN = {"0": "EARLY_PHASE1", "i": "PHASE1", "ii": "PHASE2", "iii": "PHASE3", "iv": "PHASE4",
          "1": "PHASE1", "2": "PHASE2", "3": "PHASE3", "4": "PHASE4"}
_ASSIGNMENTS = {"parallel": "PARALLEL", "crossover": "CROSSOVER", "single": "SINGLE_GROUP",
                "factorial": "FACTORIAL", "sequential": "SEQUENTIAL"}


def _phases(words: Iterable[str]) -> tuple[str, ...]:
    """"Phase I/II" -> ("PHASE1", "PHASE2"), "Not Applicable" -> ("NA",), in ClinicalTrials.gov's
    vocabulary; words it cannot read ("Not Specified") add nothing."""
    found: dict[str, None] = {}
    for word in words:
        folded = word.casefold()
        if folded.startswith("phase"):
            for numeral in re.split(r"\s*/\s*|\s*-\s*|\s+and\s+", folded.removeprefix("phase").strip()):
                phase = _ROMAN.get(numeral.removeprefix("phase").strip())
                if phase:
                    found[phase] = None
        elif folded == "not applicable":
            found["NA"] = None
    return tuple(found)


def _allocation(text: str) -> str:
    folded = text.casefold()
    if re.search(r"\bnon[\s-]?randomi[sz]ed", folded):
        return "NON_RANDOMIZED"
    if re.search(r"\brandomi[sz]ed", folded):
        return "RANDOMIZED"
    return ""


def _masking(text: str) -> str:
    """ClinicalTrials.gov counts the masked parties; ISRCTN's "Blinded (masking used)" does
    not say how many, so only what the words say is kept."""
    folded = text.casefold()
    if folded.startswith("open") or "masking not used" in folded:
        return "NONE"
    for word in ("quadruple", "triple", "double", "single"):
        if word in folded:
            return word.upper()
    return ""


def _design(trial: ET.Element) -> Design:
    design = trial.find("i:trialDesign", _N)
    interventional = design.find("i:interventionalTrialDesign", _N) if design is not None else None
    # Legacy records name the design in words only ("Multicentre randomised controlled trial").
    allocation = _allocation(_text(interventional, "i:allocation")) or _allocation(
        " ".join((_text(design, "i:secondaryStudyDesign"), _text(design, "i:studyDesign"))))
    assignment = _text(interventional, "i:assignment").casefold()
    return Design(
        allocation=allocation,
        intervention_model=next((v for k, v in _ASSIGNMENTS.items() if assignment.startswith(k)), ""),
        masking=_masking(_text(interventional, "i:masking")),
        who_masked=(),
        arms=(),  # ISRCTN has no arms: the interventions' descriptions tell them
    )


def _first_sentence(text: str) -> str:
    """An intervention's name when the record gives no drug name: its description's first
    line, up to its first sentence's end, cut at a word near 150 characters."""
    line = next(iter(_lines(text)), "")
    sentence = re.split(r"(?<=[.;:])\s", line, maxsplit=1)[0].rstrip(".;:")
    if len(sentence) <= 150:
        return sentence
    return sentence[:150].rsplit(" ", 1)[0] + "…"


def _interventions(trial: ET.Element) -> tuple[Intervention, ...]:
    found = []
    for node in trial.findall("i:interventions/i:intervention", _N):
        kind = _text(node, "i:interventionType")
        description = _said(node, "i:description")
        name = _said(node, "i:drugNames") or _first_sentence(description)
        if not (name or description):
            continue
        found.append(Intervention(
            type=_INTERVENTION_TYPES.get(kind.casefold(), re.sub(r"\W+", "_", kind.upper()).strip("_")),
            name=name, description=description))
    return tuple(found)


# -- people and places ---------------------------------------------------------------------

# ISRCTN lists the nations of the United Kingdom as countries beside it; the model has one
# name per country, so a site in Sheffield, England is in the United Kingdom.
UK_NATIONS = frozenset({"england", "scotland", "wales", "northern ireland"})


def country(name: str) -> str:
    return "United Kingdom" if name.casefold() in UK_NATIONS else common_country(name)


def _sites(parts: ET.Element | None) -> tuple[Site, ...]:
    """The trial centres, then each recruitment country no centre is in (a site with only a
    country: ``Study.countries`` is read from the sites). ISRCTN gives no status per site."""
    sites = [
        Site(facility=_text(c, "i:name"), city=_text(c, "i:city"), state=_text(c, "i:state"),
             country=country(_text(c, "i:country")), status="")
        for c in (parts.findall("i:trialCentres/i:trialCentre", _N) if parts is not None else ())
    ]
    sites = [s for s in sites if s.facility or s.city or s.country]
    covered = {s.country for s in sites}
    for name in dict.fromkeys(country(c) for c in _texts(parts, "i:recruitmentCountries/i:country")):
        if name not in covered:
            sites.append(Site("", "", "", name, ""))
    return tuple(sites)


def _linked(full: ET.Element, tag: str, ids: list[str]) -> list[ET.Element]:
    """The ``<tag>`` children of the fullTrial that ``ids`` point at, in that order; all of
    them when the trial names none (old records)."""
    children = full.findall(f"i:{tag}", _N)
    if not ids:
        return children
    by_id = {c.get("id"): c for c in children}
    return [by_id[i] for i in dict.fromkeys(ids) if i in by_id]


def _detail(text: str) -> str:
    """A phone number or address, or "" for a placeholder ("-")."""
    return "" if _PLACEHOLDER.fullmatch(text) else text


def _contacts(full: ET.Element, ids: list[str]) -> tuple[tuple[Contact, ...], tuple[Contact, ...]]:
    """(contacts for the public, scientific contacts and investigators). A contact the
    registrant marked other than public (``privacy``) is left out: they asked not to be shown."""
    public: list[Contact] = []
    scientific: list[Contact] = []
    for node in _linked(full, "contact", ids):
        privacy = _text(node, "i:privacy")
        if privacy and privacy.casefold() != "public":
            continue
        name = " ".join(t for t in (_text(node, "i:title"), _text(node, "i:forename"),
                                    _text(node, "i:surname")) if t)
        person = Contact(name=name, phone=_detail(_text(node, "i:contactDetails/i:telephone")),
                         email=_detail(_text(node, "i:contactDetails/i:email")))
        if not (person.name or person.phone or person.email):
            continue
        kinds = {k.casefold() for k in _texts(node, "i:contactTypes/i:contactType")}
        (public if "public" in kinds or not kinds else scientific).append(person)
    return tuple(public), tuple(scientific)


def _sponsor_class(sponsor: ET.Element | None) -> str:
    if sponsor is None:
        return ""
    commercial = _text(sponsor, "i:commercialStatus").casefold()
    kind = _text(sponsor, "i:sponsorType").casefold()
    return "INDUSTRY" if commercial == "commercial" or kind == "industry" else "OTHER"


# -- results ---------------------------------------------------------------------------------

_PMID = re.compile(r"(?:pubmed(?:\.ncbi\.nlm\.nih\.gov)?/|\bPMID:?\s*)([0-9]{1,9})\b", re.IGNORECASE)


def _references(results: ET.Element | None) -> tuple[Reference, ...]:
    """Publications whose PubMed id the record states (a PubMed address or "PMID"); a line
    that calls itself results is a RESULT. Nothing is looked up or guessed."""
    found = []
    for line in _lines(_text(results, "i:publicationDetails")):
        match = _PMID.search(line)
        if match:
            kind = "RESULT" if re.search(r"\bresults?\b", line, re.IGNORECASE) else "BACKGROUND"
            found.append(Reference(match.group(1), kind, line))
    return tuple(found)


# -- the record's own words, for the flags and the classifier ------------------------------

def _own_words(study_texts: list[tuple[str, str]]) -> tuple[tuple[str, str], ...]:
    return tuple((name, text) for name, text in study_texts if text)


# -- the whole record ------------------------------------------------------------------------

def _enrollment(parts: ET.Element | None) -> tuple[int | None, str]:
    """(count, ACTUAL or ESTIMATED). ISRCTN writes a final enrolment of 0 before recruitment
    ends, so only a positive one counts as actual."""
    for path, kind in (("i:totalFinalEnrolment", "ACTUAL"), ("i:targetEnrolment", "ESTIMATED")):
        text = _text(parts, path)
        if re.fullmatch(r"[0-9]{1,7}", text) and (int(text) > 0 or kind == "ESTIMATED"):
            return int(text), kind
    return None, ""


_UNITS = {"years": "Years", "year": "Years", "months": "Months", "month": "Months",
          "weeks": "Weeks", "week": "Weeks", "days": "Days", "day": "Days"}


def _age(parts: ET.Element | None, path: str) -> str:
    """An age limit as ClinicalTrials.gov writes it ("18 Years"), from ``@value`` and ``@unit``."""
    node = parts.find(path, _N) if parts is not None else None
    if node is None:
        return ""
    unit = _UNITS.get((node.get("unit") or "").strip().casefold())
    try:
        value = float(node.get("value") or "")
    except ValueError:
        return ""
    if unit is None or not 0 <= value < 200:
        return ""
    return f"{value:g} {unit}"


def _criteria(parts: ET.Element | None) -> str:
    """Inclusion and exclusion under the headings the eligibility reader splits at."""
    inclusion, exclusion = _said(parts, "i:inclusion"), _said(parts, "i:exclusion")
    return "\n\n".join(t for t in (f"Inclusion criteria:\n{inclusion}" if inclusion else "",
                                   f"Exclusion criteria:\n{exclusion}" if exclusion else "") if t)


def _outcomes(description: ET.Element | None) -> tuple[str, ...]:
    """The primary outcome measures: structured ones by their variable, else the legacy text."""
    structured = _texts(description, "i:primaryOutcomes/i:outcomeMeasure/i:variable")
    if structured:
        return tuple(structured)
    # A legacy text numbers its outcomes ("1.\tNumber of patients ..."): the number is no word of it.
    return tuple(t for t in (re.sub(r"^[0-9]{1,2}[.)]\s*", "", line)
                             for line in _lines(_said(description, "i:primaryOutcome"))) if t)


def read(record: Any, *, on: date | None = None) -> Study:
    """A record in the stored form (``{"xml": ...}``) as a ``Study``, its status worked out on
    the day ``on`` (default: ``today()``). Raises ValueError when it holds no trial with a
    valid ISRCTN id."""
    full, why = _element(record)
    if full is None:
        raise ValueError(f"an ISRCTN record without a valid id ({why})")
    return read_element(full, on=on)


def read_element(full: ET.Element, *, on: date | None = None) -> Study:
    """One ``<fullTrial>`` element that passed ``element_refusal`` as a ``Study``."""
    isrctn, why = raw_id(full)
    if not isrctn:
        raise ValueError(f"an ISRCTN record without a valid id ({why})")
    trial = full.find("i:trial", _N)
    assert trial is not None  # raw_id found one
    own = study_id(isrctn)
    description = trial.find("i:trialDescription", _N)
    parts = trial.find("i:participants", _N)
    design = trial.find("i:trialDesign", _N)
    results = trial.find("i:results", _N)
    parties = trial.find("i:parties", _N)
    overall, basis = status(trial, on or today())
    sponsors = [_text(s, "i:organisation") for s in _linked(full, "sponsor", _texts(parties, "i:sponsorId"))]
    lead = next(iter(_linked(full, "sponsor", _texts(parties, "i:sponsorId"))), None)
    public, scientific = _contacts(full, _texts(parties, "i:contactId"))
    plain, hypothesis = _said(description, "i:plainEnglishSummary"), _said(description, "i:studyHypothesis")
    conditions = tuple(dict.fromkeys(line for text in _texts(trial, "i:conditions/i:condition/i:description")
                                     for line in _lines(text)))
    interventions = _interventions(trial)
    enrollment, enrollment_type = _enrollment(parts)
    healthy = _text(parts, "i:healthyVolunteersAllowed").casefold()
    isrctn_node = trial.find("i:isrctn", _N)
    criteria = _criteria(parts)
    outcomes = _outcomes(description)
    study_type = _text(design, "i:primaryStudyDesign")
    return Study(
        id=own,
        url=url_of(own),
        brief_title=_text(description, "i:title"),
        official_title=_text(description, "i:scientificTitle"),
        acronym=_said(description, "i:acronym"),
        overall_status=overall,
        status_basis=basis,
        study_type=_STUDY_TYPES.get(study_type.casefold(), ""),
        phases=_phases(_texts(trial, "i:interventions/i:intervention/i:phase")),
        conditions=conditions,
        summary=plain or hypothesis,
        description=hypothesis if plain else "",
        interventions=interventions,
        design=_design(trial),
        sponsor=sponsors[0] if sponsors else "",
        sponsor_class=_sponsor_class(lead),
        collaborators=tuple(s for s in sponsors[1:] if s),
        funders=tuple(dict.fromkeys(t for t in (_text(f, "i:name") for f in
                                                _linked(full, "funder", _texts(parties, "i:funderId"))) if t)),
        start_date=_day(_text(parts, "i:recruitmentStart")),
        completion_date=_day(_text(design, "i:overallEndDate")),
        first_posted=_day((isrctn_node.get("dateAssigned") if isrctn_node is not None else None)
                          or trial.get("publicIdentifierDateAssigned") or ""),
        last_update=_day(trial.get("lastUpdated") or ""),
        enrollment=enrollment,
        enrollment_type=enrollment_type,
        eligibility=Eligibility(
            criteria=criteria,
            minimum_age=_age(parts, "i:lowerAgeLimit"),
            maximum_age=_age(parts, "i:upperAgeLimit"),
            sex={"all": "ALL", "female": "FEMALE", "male": "MALE"}.get(_text(parts, "i:gender").casefold(), ""),
            healthy_volunteers={"true": True, "false": False}.get(healthy),
        ),
        sites=_sites(parts),
        central_contacts=public,
        officials=scientific,
        # Results posted on the registry itself (a basic results report); a publication stage
        # of "Results" only says papers exist, which the references carry when they are named.
        has_results=bool(_said(results, "i:basicReport") or _said(results, "i:plainEnglishReport")),
        primary_outcomes=outcomes,
        references=_references(results),
        texts=_own_words([
            ("brief title", _text(description, "i:title")),
            ("official title", _text(description, "i:scientificTitle")),
            ("acronym", _said(description, "i:acronym")),
            ("brief summary", plain),
            ("study hypothesis", hypothesis),
            *(("conditions", c) for c in conditions),
            *(("intervention name", i.name) for i in interventions),
            *(("intervention description", i.description) for i in interventions),
            ("eligibility criteria", criteria),
            *(("outcome measure", o) for o in outcomes),
        ]),
        other_ids=_other_ids(trial, own),
    )


def _other_ids(trial: ET.Element, own: StudyId) -> tuple[StudyId, ...]:
    """The trial's numbers in other registries, from its external references. A typed
    secondary number is read with its type's prefix (a "ctis" number 2020-005891-36 is the CTIS
    number its canonical form names), and placeholders ("Nil known") name nothing."""
    refs = trial.find("i:externalRefs", _N)
    written = [_text(refs, "i:clinicalTrialsGovNumber"), _text(refs, "i:eudraCTNumber"),
               _text(refs, "i:protocolSerialNumber")]
    for number in (refs.findall("i:secondaryNumbers/i:secondaryNumber", _N) if refs is not None else ()):
        written.append("".join(number.itertext()))
        written.append(number.get("canonicalSecondaryNumber") or "")
    return ids_of(written, own)
