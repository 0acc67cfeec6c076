"""Study records: a ClinicalTrials.gov v2 ``Study`` JSON object read into typed values.

Every module and key of a record is optional (a ``fields=`` answer is sparse,
old records lack whole modules), so each reader here returns an empty value
instead of failing. Nothing here changes registry text: escaping for Markdown
or CSV happens where the text is shown or written.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

STUDY_URL = "https://clinicaltrials.gov/study/{}"
# The API writes 99999999 when the enrollment is not known.
UNKNOWN_ENROLLMENT = 99_999_999


def dig(obj: Any, *path: str) -> Any:
    """``obj[path[0]][path[1]]...``, or None as soon as a step is missing."""
    for key in path:
        if not isinstance(obj, dict):
            return None
        obj = obj.get(key)
    return obj


# The registry caps its longest free text (a detailed description) at 32,000 characters.
# Longer is not what it published; cutting there keeps a hostile 10 MB title from costing
# every reader (classifier, table, page) what it would, since matching grows faster than text.
MAX_FIELD_CHARS = 32_000


def bounded(value: Any) -> Any:
    """A record (or any JSON value) with every string cut to ``MAX_FIELD_CHARS``."""
    if isinstance(value, str):
        return value if len(value) <= MAX_FIELD_CHARS else value[: MAX_FIELD_CHARS - 1] + "…"
    if isinstance(value, dict):
        return {key: bounded(item) for key, item in value.items()}
    if isinstance(value, list):
        return [bounded(item) for item in value]
    return value


# "NCT" and exactly eight ASCII digits, nothing around it: the id goes into links, file
# names and SQL keys, so a look-alike (a zero-width space, Markdown, Arabic-Indic digits)
# is refused rather than cleaned.
_NCT_ID = re.compile(r"NCT[0-9]{8}")


def is_nct_id(value: Any) -> bool:
    return isinstance(value, str) and _NCT_ID.fullmatch(value) is not None


def raw_nct_id(study: dict) -> Any:
    """The record's ``nctId`` exactly as written (any type), for validation."""
    return dig(study, "protocolSection", "identificationModule", "nctId")


def nct_id_of(study: dict) -> str:
    return _text(dig(study, "protocolSection", "identificationModule", "nctId"))


def status_of(study: dict) -> str:
    return _text(dig(study, "protocolSection", "statusModule", "overallStatus"))


def last_update_of(study: dict) -> str:
    return _text(dig(study, "protocolSection", "statusModule", "lastUpdatePostDateStruct", "date"))


def _text(value: Any) -> str:
    return value.strip() if isinstance(value, str) else ""


def _texts(value: Any) -> tuple[str, ...]:
    if not isinstance(value, list):
        return ()
    return tuple(t for t in (_text(v) for v in value) if t)


def _dicts(value: Any) -> list[dict]:
    return [v for v in value if isinstance(v, dict)] if isinstance(value, list) else []


@dataclass(frozen=True)
class Contact:
    name: str
    phone: str = ""
    email: str = ""
    affiliation: str = ""

    @property
    def text(self) -> str:
        """Name, phone and e-mail in one line, as the table, the card and the CLI show it."""
        return ", ".join(part for part in (self.name, self.phone, self.email) if part)


@dataclass(frozen=True)
class Site:
    facility: str
    city: str
    state: str
    country: str
    status: str  # the site's own RecruitmentStatus; "" when the record does not say
    contacts: tuple[Contact, ...] = ()
    geo_point: tuple[float, float] | None = None  # (lat, lon) from the registry's geoPoint

    @property
    def place(self) -> str:
        return ", ".join(p for p in (self.city, self.state, self.country) if p)


@dataclass(frozen=True)
class Eligibility:
    criteria: str
    minimum_age: str
    maximum_age: str
    sex: str
    healthy_volunteers: bool | None


@dataclass(frozen=True)
class Intervention:
    type: str
    name: str

    @property
    def label(self) -> str:
        kind = self.type.replace("_", " ").capitalize()
        return f"{kind}: {self.name}" if kind else self.name


@dataclass(frozen=True)
class Arm:
    label: str
    type: str  # EXPERIMENTAL, ACTIVE_COMPARATOR, PLACEBO_COMPARATOR, SHAM_COMPARATOR, NO_INTERVENTION, OTHER
    description: str
    interventions: tuple[str, ...]  # "Drug: Saline", as the record names them


@dataclass(frozen=True)
class Design:
    allocation: str  # RANDOMIZED, NON_RANDOMIZED, NA
    intervention_model: str  # SINGLE_GROUP, PARALLEL, CROSSOVER ...
    masking: str  # NONE, SINGLE, DOUBLE, TRIPLE, QUADRUPLE
    who_masked: tuple[str, ...]  # PARTICIPANT, CARE_PROVIDER, INVESTIGATOR, OUTCOMES_ASSESSOR
    arms: tuple[Arm, ...]


@dataclass(frozen=True)
class Trial:
    nct_id: str
    title: str
    official_title: str
    overall_status: str
    last_known_status: str
    why_stopped: str
    study_type: str
    phases: tuple[str, ...]
    conditions: tuple[str, ...]
    interventions: tuple[Intervention, ...]
    sponsor: str
    collaborators: tuple[str, ...]
    start_date: str
    primary_completion_date: str
    completion_date: str
    first_posted: str
    last_update: str
    enrollment: int | None
    enrollment_type: str
    eligibility: Eligibility
    sites: tuple[Site, ...]
    central_contacts: tuple[Contact, ...]
    officials: tuple[Contact, ...]
    has_results: bool
    last_verified: str = ""  # statusVerifiedDate: when the sponsor last confirmed the record
    design: Design = Design("", "", "", (), ())
    primary_outcomes: tuple[str, ...] = ()  # the measures, as registered

    @property
    def url(self) -> str:
        return STUDY_URL.format(self.nct_id)

    @property
    def countries(self) -> tuple[str, ...]:
        return tuple(sorted({s.country for s in self.sites if s.country}))


def _date(status_module: Any, key: str) -> str:
    """A partial date as the registry wrote it: ``2019``, ``2019-12`` or ``2019-12-19``."""
    return _text(dig(status_module, key, "date"))


def _contact(raw: dict) -> Contact:
    return Contact(
        name=_text(raw.get("name")),
        phone=" ext. ".join(t for t in (_text(raw.get("phone")), _text(raw.get("phoneExt"))) if t),
        email=_text(raw.get("email")),
        affiliation=_text(raw.get("affiliation")),
    )


def _site(raw: dict) -> Site:
    return Site(
        facility=_text(raw.get("facility")),
        city=_text(raw.get("city")),
        state=_text(raw.get("state")),
        country=_text(raw.get("country")),
        status=_text(raw.get("status")),
        contacts=tuple(_contact(c) for c in _dicts(raw.get("contacts"))),
        geo_point=_geo_point(raw.get("geoPoint")),
    )


def _geo_point(raw: Any) -> tuple[float, float] | None:
    """(lat, lon) when both are numbers on the globe; registry data is not trusted blindly."""
    lat, lon = dig(raw, "lat"), dig(raw, "lon")
    if any(isinstance(v, bool) or not isinstance(v, (int, float)) for v in (lat, lon)):
        return None
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        return None
    return float(lat), float(lon)


def _enrollment(design: Any) -> int | None:
    count = dig(design, "enrollmentInfo", "count")
    if isinstance(count, bool) or not isinstance(count, (int, float)):
        return None
    if count < 0 or count >= UNKNOWN_ENROLLMENT:
        return None
    return int(count)


def _design(design: Any, arms: Any) -> Design:
    info = dig(design, "designInfo") or {}
    return Design(
        allocation=_text(dig(info, "allocation")),
        intervention_model=_text(dig(info, "interventionModel")),
        masking=_text(dig(info, "maskingInfo", "masking")),
        who_masked=_texts(dig(info, "maskingInfo", "whoMasked")),
        arms=tuple(
            Arm(label=_text(a.get("label")), type=_text(a.get("type")),
                description=_text(a.get("description")), interventions=_texts(a.get("interventionNames")))
            for a in _dicts(dig(arms, "armGroups"))
        ),
    )


def read_trial(study: dict) -> Trial:
    """Read one v2 ``Study`` object. Raises ValueError only when it has no NCT id."""
    protocol = dig(study, "protocolSection") or {}
    ident = protocol.get("identificationModule") or {}
    nct_id = _text(ident.get("nctId"))
    if not nct_id:
        raise ValueError("a study record without an NCT id")
    status = protocol.get("statusModule") or {}
    sponsors = protocol.get("sponsorCollaboratorsModule") or {}
    conditions = protocol.get("conditionsModule") or {}
    design = protocol.get("designModule") or {}
    arms = protocol.get("armsInterventionsModule") or {}
    eligibility = protocol.get("eligibilityModule") or {}
    contacts = protocol.get("contactsLocationsModule") or {}
    healthy = eligibility.get("healthyVolunteers")
    return Trial(
        nct_id=nct_id,
        title=_text(ident.get("briefTitle")) or _text(ident.get("officialTitle")),
        official_title=_text(ident.get("officialTitle")),
        overall_status=_text(status.get("overallStatus")),
        last_known_status=_text(status.get("lastKnownStatus")),
        why_stopped=_text(status.get("whyStopped")),
        study_type=_text(design.get("studyType")),
        phases=_texts(design.get("phases")),
        conditions=_texts(conditions.get("conditions")),
        interventions=tuple(
            Intervention(
                type=_text(i.get("type")),
                name=_text(i.get("name")),
            )
            for i in _dicts(arms.get("interventions"))
        ),
        sponsor=_text(dig(sponsors, "leadSponsor", "name")),
        collaborators=tuple(
            t for t in (_text(c.get("name")) for c in _dicts(sponsors.get("collaborators"))) if t
        ),
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
        has_results=study.get("hasResults") is True,
        last_verified=_text(status.get("statusVerifiedDate")),
        design=_design(design, arms),
        primary_outcomes=tuple(
            t for t in (_text(o.get("measure")) for o in
                        _dicts(dig(protocol, "outcomesModule", "primaryOutcomes"))) if t
        ),
    )
