"""A ClinicalTrials.gov API v2 ``Study`` JSON object read into the study model.

This module and its siblings are the only code that knows the v2 record layout
(``protocolSection.statusModule.overallStatus`` and so on). Every module and key of
a record is optional (a ``fields=`` answer is sparse, old records lack whole
modules, and an imported file may hold anything), so each reader returns an empty
value for a missing or mistyped part instead of failing. Nothing here changes
registry text beyond stripping it: escaping happens where the text is shown.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterator
from functools import lru_cache
from typing import Any

from ...errors import InputError
from ...ids import ids_of
from ...model import (
    CTGOV,
    Arm,
    Contact,
    Design,
    Eligibility,
    Intervention,
    Reference,
    Site,
    Study,
    StudyId,
    Term,
    common_country,
)
from ..values import dig, shown
from . import shapes

STUDY_URL = "https://clinicaltrials.gov/study/{}"
# The API writes 99999999 when the enrollment is not known.
UNKNOWN_ENROLLMENT = 99_999_999


# "NCT" and exactly eight ASCII digits, nothing around it: the id goes into links, file
# names and SQL keys, so a look-alike (a zero-width space, Markdown, Arabic-Indic digits)
# is refused rather than cleaned.
_NCT_ID = re.compile(r"NCT[0-9]{8}")


def is_nct_id(value: Any) -> bool:
    return isinstance(value, str) and _NCT_ID.fullmatch(value) is not None


def raw_nct_id(record: Any) -> Any:
    """The record's ``nctId`` exactly as written (any type), for validation."""
    return dig(record, "protocolSection", "identificationModule", "nctId")


def refusal(record: Any) -> str | None:
    """Why a record from the API or a file is not stored, or None: it must be an object
    with a valid NCT id, and every field the spec knows must have the spec's type."""
    if not isinstance(record, dict):
        return "not a JSON object"
    nct_id = raw_nct_id(record)
    if nct_id is None:
        return "no nctId"
    if not is_nct_id(nct_id):
        return f"nctId {shown(nct_id)} is not an NCT id (NCT and 8 digits)"
    found = shapes.problem(record)
    return f"{nct_id}: {found}" if found else None


def study_id(nct_id: str) -> StudyId:
    return StudyId(CTGOV, nct_id)


def parse_id(text: str) -> StudyId:
    """What a person typed as a ClinicalTrials.gov id; InputError when it is none."""
    return study_id(normalise_nct_id(text))


def normalise_nct_id(text: str) -> str:
    """``nct 1234`` or ``NCT00001234`` -> ``NCT00001234``; anything else is an InputError."""
    cleaned = text.strip().upper().replace(" ", "")
    match = re.fullmatch(r"NCT0*(\d{1,8})", cleaned)
    if not match or int(match.group(1)) == 0:
        raise InputError(
            f"{text!r} is not a ClinicalTrials.gov id; they look like NCT04047628."
        )
    return f"NCT{int(match.group(1)):08d}"


def _text(value: Any) -> str:
    return value.strip() if isinstance(value, str) else ""


def _texts(value: Any) -> tuple[str, ...]:
    if not isinstance(value, list):
        return ()
    return tuple(t for t in (_text(v) for v in value) if t)


def _dicts(value: Any) -> list[dict]:
    return [v for v in value if isinstance(v, dict)] if isinstance(value, list) else []


def _module(protocol: dict, name: str) -> dict:
    """A module of the protocol section; {} when missing or not an object."""
    module = protocol.get(name)
    return module if isinstance(module, dict) else {}


def _partial_date(value: Any) -> str:
    """A partial date as the registry writes it (``2019``, ``2019-12`` or ``2019-12-19``);
    anything else ("zzzz", "99/99/9999") is unknown: dates are compared and a word must not
    outrank every real date; a well-formed one of a year no study can have is unknown too."""
    text = _text(value)
    return text if shapes.PARTIAL_DATE.fullmatch(text) and text[:2] in ("19", "20") else ""


def _date(status_module: dict, key: str) -> str:
    return _partial_date(dig(status_module, key, "date"))


def _contact(raw: dict) -> Contact:
    return Contact(
        name=_text(raw.get("name")),
        phone=" ext. ".join(t for t in (_text(raw.get("phone")), _text(raw.get("phoneExt"))) if t),
        email=_text(raw.get("email")),
        affiliation=_text(raw.get("affiliation")),
    )


def _geo_point(raw: Any) -> tuple[float, float] | None:
    """(lat, lon) when both are numbers on the globe; registry data is not trusted blindly."""
    lat, lon = dig(raw, "lat"), dig(raw, "lon")
    if any(isinstance(v, bool) or not isinstance(v, (int, float)) for v in (lat, lon)):
        return None
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        return None
    return float(lat), float(lon)


def _site(raw: dict) -> Site:
    return Site(
        facility=_text(raw.get("facility")),
        city=_text(raw.get("city")),
        state=_text(raw.get("state")),
        country=common_country(_text(raw.get("country"))),
        status=_text(raw.get("status")),
        contacts=tuple(_contact(c) for c in _dicts(raw.get("contacts"))),
        geo_point=_geo_point(raw.get("geoPoint")),
    )


def _enrollment(design: dict) -> int | None:
    count = dig(design, "enrollmentInfo", "count")
    if isinstance(count, bool) or not isinstance(count, (int, float)):
        return None
    if isinstance(count, float) and not math.isfinite(count):  # (isfinite overflows on a huge int)
        return None
    if count < 0 or count >= UNKNOWN_ENROLLMENT:
        return None
    return int(count)


def _design(design: dict, arms: dict) -> Design:
    info = dig(design, "designInfo")
    info = info if isinstance(info, dict) else {}
    return Design(
        allocation=_text(info.get("allocation")),
        intervention_model=_text(info.get("interventionModel")),
        masking=_text(dig(info, "maskingInfo", "masking")),
        who_masked=_texts(dig(info, "maskingInfo", "whoMasked")),
        arms=tuple(
            Arm(label=_text(a.get("label")), type=_text(a.get("type")),
                description=_text(a.get("description")), interventions=_texts(a.get("interventionNames")))
            for a in _dicts(arms.get("armGroups"))
        ),
    )


def _terms(browse: Any) -> tuple[Term, ...]:
    return tuple(Term(_text(m.get("id")), _text(m.get("term")))
                 for m in _dicts(dig(browse, "meshes")) if _text(m.get("id")) or _text(m.get("term")))


# -- the listing's own words, for the flags ------------------------------------------

# Contacts, sites and sponsors are names; references cite papers (a health-economics
# paper's "cost of treatment" is no request to pay).
_NAME_MODULES = ("contactsLocationsModule", "sponsorCollaboratorsModule", "referencesModule")
_FIELD_NAMES = {
    "briefTitle": "brief title", "officialTitle": "official title", "acronym": "acronym",
    "briefSummary": "brief summary", "detailedDescription": "detailed description",
    "eligibilityCriteria": "eligibility criteria", "keywords": "keywords",
    "conditions": "conditions", "description": "description", "name": "name",
    "otherNames": "other names", "label": "label", "measure": "outcome measure",
}


@lru_cache(maxsize=1024)  # a record has a few hundred paths, most of them in every record
def _field_name(path: tuple[str, ...]) -> str:
    module = path[0].removesuffix("Module")
    key = _FIELD_NAMES.get(path[-1], re.sub(r"(?<!^)([A-Z])", r" \1", path[-1]).lower())
    if module == "armsInterventions":
        return f"{'arm' if 'armGroups' in path else 'intervention'} {key}"
    if module == "outcomes":
        return "outcome " + key.removeprefix("outcome ")
    return key


def _own_words(obj: Any, path: tuple[str, ...] = ()) -> Iterator[tuple[str, str]]:
    """(field name, text) for every string in the protocol, skipping names and citations."""
    if isinstance(obj, dict):
        for key, value in obj.items():
            if not path and key in _NAME_MODULES:
                continue
            yield from _own_words(value, (*path, str(key)))
    elif isinstance(obj, list):
        for value in obj:
            yield from _own_words(value, path)
    elif isinstance(obj, str) and path:
        yield _field_name(path), obj


# -- the whole record ------------------------------------------------------------------

def read_study(record: Any) -> Study:
    """One v2 ``Study`` object as a ``Study``. Raises ValueError when it has no valid NCT id;
    any other part may be missing or malformed."""
    nct_id = raw_nct_id(record)
    if not is_nct_id(nct_id):
        raise ValueError(f"a study record without a valid NCT id ({nct_id!r})")
    protocol = dig(record, "protocolSection")
    protocol = protocol if isinstance(protocol, dict) else {}
    ident = _module(protocol, "identificationModule")
    status = _module(protocol, "statusModule")
    sponsors = _module(protocol, "sponsorCollaboratorsModule")
    conditions = _module(protocol, "conditionsModule")
    design = _module(protocol, "designModule")
    arms = _module(protocol, "armsInterventionsModule")
    eligibility = _module(protocol, "eligibilityModule")
    contacts = _module(protocol, "contactsLocationsModule")
    description = _module(protocol, "descriptionModule")
    healthy = eligibility.get("healthyVolunteers")
    return Study(
        id=study_id(nct_id),
        url=STUDY_URL.format(nct_id),
        brief_title=_text(ident.get("briefTitle")),
        official_title=_text(ident.get("officialTitle")),
        acronym=_text(ident.get("acronym")),
        overall_status=_text(status.get("overallStatus")),
        last_known_status=_text(status.get("lastKnownStatus")),
        why_stopped=_text(status.get("whyStopped")),
        last_verified=_partial_date(status.get("statusVerifiedDate")),
        study_type=_text(design.get("studyType")),
        phases=_texts(design.get("phases")),
        conditions=_texts(conditions.get("conditions")),
        keywords=_texts(conditions.get("keywords")),
        condition_terms=_terms(dig(record, "derivedSection", "conditionBrowseModule")),
        intervention_terms=_terms(dig(record, "derivedSection", "interventionBrowseModule")),
        summary=_text(description.get("briefSummary")),
        description=_text(description.get("detailedDescription")),
        interventions=tuple(
            Intervention(type=_text(i.get("type")), name=_text(i.get("name")),
                         other_names=_texts(i.get("otherNames")), description=_text(i.get("description")))
            for i in _dicts(arms.get("interventions"))
        ),
        design=_design(design, arms),
        sponsor=_text(dig(sponsors, "leadSponsor", "name")),
        sponsor_class=_text(dig(sponsors, "leadSponsor", "class")),
        collaborators=tuple(t for t in (_text(c.get("name")) for c in _dicts(sponsors.get("collaborators"))) if t),
        start_date=_date(status, "startDateStruct"),
        primary_completion_date=_date(status, "primaryCompletionDateStruct"),
        completion_date=_date(status, "completionDateStruct"),
        first_posted=_date(status, "studyFirstPostDateStruct"),
        last_update=_date(status, "lastUpdatePostDateStruct"),
        enrollment=_enrollment(design),
        enrollment_type=_text(dig(design, "enrollmentInfo", "type")),
        eligibility=Eligibility(
            criteria=_text(eligibility.get("eligibilityCriteria")),
            minimum_age=_text(eligibility.get("minimumAge")),
            maximum_age=_text(eligibility.get("maximumAge")),
            sex=_text(eligibility.get("sex")),
            healthy_volunteers=healthy if isinstance(healthy, bool) else None,
        ),
        sites=tuple(_site(s) for s in _dicts(contacts.get("locations"))),
        central_contacts=tuple(_contact(c) for c in _dicts(contacts.get("centralContacts"))),
        officials=tuple(_contact(c) for c in _dicts(contacts.get("overallOfficials"))),
        has_results=isinstance(record, dict) and record.get("hasResults") is True,
        results_first_posted=_date(status, "resultsFirstPostDateStruct"),
        primary_outcomes=tuple(t for t in (_text(o.get("measure")) for o in
                                           _dicts(dig(protocol, "outcomesModule", "primaryOutcomes"))) if t),
        references=tuple(Reference(_text(r.get("pmid")), _text(r.get("type")), _text(r.get("citation")))
                         for r in _dicts(dig(protocol, "referencesModule", "references"))),
        texts=tuple(_own_words(protocol)),
        other_ids=_other_ids(ident, study_id(nct_id)),
    )


def _other_ids(ident: dict, own: StudyId) -> tuple[StudyId, ...]:
    """The trial's numbers in other registries: the sponsor's and the secondary ids, where
    EudraCT, ISRCTN and CTIS numbers are written (in any of their spellings)."""
    written = [_text(dig(ident, "orgStudyIdInfo", "id")),
               *(_text(i.get("id")) for i in _dicts(ident.get("secondaryIdInfos")))]
    return ids_of(written, own)
