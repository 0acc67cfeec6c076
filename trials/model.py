"""The study model every registry's records are read into, and everything else reads.

A registry adapter (``trials.registries.<name>``) is the only code that knows a registry's
record layout; it turns one record into a ``Study``. The classifier, the flags, the
eligibility reader, the table, the cards and the store read these values, never a raw
record, so a second registry attaches by adding an adapter.

Every field is optional in a registry (a listing answer is sparse, old records lack whole
sections), so every field has an empty value: "" for text, () for lists, None for numbers.
Text is stripped, never otherwise changed: escaping happens where it is shown or written.
"""

from __future__ import annotations

from dataclasses import dataclass

CTGOV = "ctgov"  # the registry code of ClinicalTrials.gov, the default registry

# A country has one name in the model: its common English name. Registries wrote some in the
# ISO 3166 formal style ("Iran, Islamic Republic of") and changed their spelling over time, so
# one country could be listed twice (issue 18); people type short forms. Keys are casefolded.
COMMON_COUNTRY_NAMES = {
    "bolivia, plurinational state of": "Bolivia",
    "congo, the democratic republic of the": "Democratic Republic of the Congo",
    "congo, democratic republic of the": "Democratic Republic of the Congo",
    "congo (kinshasa)": "Democratic Republic of the Congo",
    "czech republic": "Czechia",
    "iran, islamic republic of": "Iran",
    "korea, democratic people's republic of": "North Korea",
    "korea, republic of": "South Korea",
    "republic of korea": "South Korea",
    "lao people's democratic republic": "Laos",
    "libyan arab jamahiriya": "Libya",
    "macedonia, the former yugoslav republic of": "North Macedonia",
    "micronesia, federated states of": "Micronesia",
    "moldova, republic of": "Moldova",
    "palestinian territory, occupied": "Palestine",
    "russian federation": "Russia",
    "syrian arab republic": "Syria",
    "taiwan, province of china": "Taiwan",
    "tanzania, united republic of": "Tanzania",
    "turkey (türkiye)": "Turkey",
    "türkiye": "Turkey",
    "turkiye": "Turkey",
    "venezuela, bolivarian republic of": "Venezuela",
    "viet nam": "Vietnam",
    "the netherlands": "Netherlands",
    "uk": "United Kingdom",
    "great britain": "United Kingdom",
    "usa": "United States",
    "us": "United States",
    "u.s.": "United States",
    "america": "United States",
}


def common_country(name: str) -> str:
    """A country's common English name ("Iran, Islamic Republic of" -> "Iran"); other names
    as given."""
    return COMMON_COUNTRY_NAMES.get(name.casefold(), name)


def with_acronym(title: str, acronym: str) -> str:
    """A title with the study's short name before it when the title does not hold it
    ("StarMS: Autologous haematopoietic ..."): people know a trial by its acronym."""
    return f"{acronym}: {title}" if acronym and acronym.casefold() not in title.casefold() else title


@dataclass(frozen=True, order=True)
class StudyId:
    """A study's id in its registry: ("ctgov", "NCT04047628")."""

    registry: str
    value: str

    def __str__(self) -> str:
        return self.value


@dataclass(frozen=True)
class Contact:
    name: str
    phone: str = ""
    email: str = ""
    affiliation: str = ""
    # On a merged trial (trials.analysis.merge), the registry whose record lists a contact the
    # lead record does not.
    listed_by: str = ""

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
    status: str  # the site's own recruitment status; "" when the record does not say
    contacts: tuple[Contact, ...] = ()
    geo_point: tuple[float, float] | None = None  # (lat, lon) as the registry gives it
    # On a merged trial (trials.analysis.merge), the registry whose record lists a site the
    # lead record does not; its status is then that record's own when the site gives none.
    listed_by: str = ""

    @property
    def place(self) -> str:
        return ", ".join(p for p in (self.city, self.state, self.country) if p)


@dataclass(frozen=True)
class Eligibility:
    criteria: str  # the criteria text as published
    minimum_age: str  # as the registry writes it: "18 Years"
    maximum_age: str
    sex: str  # ALL, FEMALE, MALE; "" when not stated
    healthy_volunteers: bool | None


@dataclass(frozen=True)
class Intervention:
    type: str  # DRUG, BIOLOGICAL, PROCEDURE ...
    name: str
    other_names: tuple[str, ...] = ()
    description: str = ""

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


NO_DESIGN = Design("", "", "", (), ())


@dataclass(frozen=True)
class Term:
    """An index term the registry attached (MeSH on ClinicalTrials.gov): support, not the record's words."""

    id: str
    term: str


@dataclass(frozen=True)
class Reference:
    pmid: str
    type: str  # RESULT, DERIVED (linked automatically by PubMed), BACKGROUND
    citation: str


@dataclass(frozen=True)
class Study:
    """One registry record, read. Dates are partial as registered: "2019", "2019-12" or "2019-12-19"."""

    id: StudyId
    url: str  # the record on its registry's website
    brief_title: str = ""
    official_title: str = ""
    acronym: str = ""
    overall_status: str = ""  # ClinicalTrials.gov's status values are the model's vocabulary
    # How the status was found when the registry has no field of that vocabulary, in words a
    # reader can check against the record ("ISRCTN has no status field: worked out from the
    # recruitment dates, recruitment ended on 2024-08-19"); "" for ClinicalTrials.gov's own field.
    status_basis: str = ""
    last_known_status: str = ""
    why_stopped: str = ""
    last_verified: str = ""  # when the sponsor last confirmed the record
    study_type: str = ""  # INTERVENTIONAL, OBSERVATIONAL, EXPANDED_ACCESS
    phases: tuple[str, ...] = ()
    conditions: tuple[str, ...] = ()
    keywords: tuple[str, ...] = ()
    condition_terms: tuple[Term, ...] = ()
    intervention_terms: tuple[Term, ...] = ()
    summary: str = ""
    description: str = ""
    interventions: tuple[Intervention, ...] = ()
    design: Design = NO_DESIGN
    sponsor: str = ""
    sponsor_class: str = ""  # the registry's class of the lead sponsor: INDUSTRY, NIH, OTHER ...
    collaborators: tuple[str, ...] = ()
    start_date: str = ""
    primary_completion_date: str = ""
    completion_date: str = ""
    first_posted: str = ""
    last_update: str = ""
    enrollment: int | None = None
    enrollment_type: str = ""  # ACTUAL or ESTIMATED
    eligibility: Eligibility = Eligibility("", "", "", "", None)
    sites: tuple[Site, ...] = ()
    central_contacts: tuple[Contact, ...] = ()
    officials: tuple[Contact, ...] = ()
    has_results: bool = False
    results_first_posted: str = ""  # when the registry first posted the study's results
    primary_outcomes: tuple[str, ...] = ()  # the measures, as registered
    references: tuple[Reference, ...] = ()
    # Every text the listing writes about itself, with a reader's name for its field ("brief
    # summary", "arm description"), in record order; names of people, sites and sponsors and
    # cited papers are left out. The flags read listings' own wording here.
    texts: tuple[tuple[str, str], ...] = ()
    # The same trial's numbers in other registries, as this record names them, normalised by
    # ``trials.ids`` (a EudraCT number is StudyId("euctr", "2019-001549-42")): records are merged
    # on them (``trials.analysis.merge``).
    other_ids: tuple[StudyId, ...] = ()
    funders: tuple[str, ...] = ()  # who pays for the trial, where the registry says (ISRCTN)

    @property
    def title(self) -> str:
        """The title to show: the brief one, else the official one."""
        return self.brief_title or self.official_title

    @property
    def named_title(self) -> str:
        return with_acronym(self.title, self.acronym)

    @property
    def countries(self) -> tuple[str, ...]:
        return tuple(sorted({s.country for s in self.sites if s.country}))
