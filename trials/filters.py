"""What a person asks for: the recruitment status groups, the filters, and the parsing
of what people type (CLI options, URL parameters) into filters.

Status groups live here because they are first of all a filter: the patient's
question is "could I join?", so the API's statuses fold into a few groups.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, fields, replace

import pandas as pd

from .classify import GIVES, THERAPY_TYPES
from .errors import InputError

STATUS_GROUPS: dict[str, tuple[str, ...]] = {
    "Recruiting now": ("RECRUITING",),
    "Not yet recruiting": ("NOT_YET_RECRUITING",),
    "By invitation": ("ENROLLING_BY_INVITATION",),
    # Expanded access is a way to get a treatment outside a trial, not a trial to join.
    "Available outside a trial (expanded access)": ("AVAILABLE",),
    "Closed": (
        "ACTIVE_NOT_RECRUITING",
        "TEMPORARILY_NOT_AVAILABLE",
        "NO_LONGER_AVAILABLE",
        "APPROVED_FOR_MARKETING",
        "WITHHELD",
    ),
    "Completed": ("COMPLETED",),
    "Stopped early": ("SUSPENDED", "TERMINATED", "WITHDRAWN"),
    "Status unknown": ("UNKNOWN",),
}
ALL_STATUSES: tuple[str, ...] = tuple(s for group in STATUS_GROUPS.values() for s in group)
_GROUP_OF = {status: group for group, statuses in STATUS_GROUPS.items() for status in statuses}

PHASES = ("EARLY_PHASE1", "PHASE1", "PHASE2", "PHASE3", "PHASE4", "NA")
STUDY_TYPES = ("INTERVENTIONAL", "OBSERVATIONAL", "EXPANDED_ACCESS")
MAX_TEXT = 200  # longer search text is cut: nobody types more, and it bounds the work

# How a table cell holds several values ("PHASE1; PHASE2", "HSCT; MSC"). One separator for
# every list column, in the table, the CSV and the filters.
LIST_SEPARATOR = "; "


def split(cell: str) -> set[str]:
    """The values of a list cell."""
    return {part for part in cell.split(LIST_SEPARATOR) if part} if cell else set()


def status_group(status: str) -> str:
    """The patient's word for an API status; unknown new values count as unknown."""
    return _GROUP_OF.get(status, "Status unknown")


@dataclass(frozen=True)
class Filters:
    """What a user asked for; an empty tuple means 'any'."""

    therapies: tuple[str, ...] = ()
    status_groups: tuple[str, ...] = ()
    statuses: tuple[str, ...] = ()  # the API's exact values, for experts
    phases: tuple[str, ...] = ()
    study_types: tuple[str, ...] = ()
    countries: tuple[str, ...] = ()
    text: str = ""
    gives_therapy: bool = False  # only studies whose participants receive the therapy

    @property
    def is_empty(self) -> bool:
        return self == Filters()

    def without(self, name: str) -> "Filters":
        """The same filters with one of them cleared."""
        return replace(self, **{name: type(getattr(self, name))()})

    def active(self) -> tuple[str, ...]:
        """Names of the filters that narrow the result."""
        return tuple(f.name for f in fields(self) if getattr(self, f.name))


def _any_of(cells: pd.Series, wanted: Iterable[str]) -> pd.Series:
    wanted = set(wanted)
    return cells.map(lambda cell: bool(split(cell) & wanted))


SEARCHED = ("nct_id", "title", "conditions", "interventions", "sponsor", "locations",
            "therapy_evidence")


def apply(df: pd.DataFrame, filters: Filters) -> pd.DataFrame:
    """The rows of ``df`` that match every filter."""
    keep = pd.Series(True, index=df.index)
    if filters.therapies:
        keep &= _any_of(df["therapy_types"], filters.therapies)
    statuses = set(filters.statuses)
    for group in filters.status_groups:
        statuses.update(STATUS_GROUPS.get(group, ()))
    if filters.status_groups or filters.statuses:
        keep &= df["overall_status"].isin(statuses) | df["status_group"].isin(filters.status_groups)
    if filters.phases:
        keep &= _any_of(df["phases"], filters.phases)
    if filters.study_types:
        keep &= df["study_type"].isin(filters.study_types)
    if filters.countries:
        keep &= _any_of(df["countries"], filters.countries)
    if filters.gives_therapy:
        keep &= df["study_role"] == GIVES
    words = filters.text.split()
    if words:
        text = df[list(SEARCHED)].fillna("")
        # Vectorised join: a per-row Python join costs ~0.5 s at 6,000 rows.
        haystack = text[SEARCHED[0]].str.cat([text[c] for c in SEARCHED[1:]], sep=" ").str.casefold()
        for word in words:
            # Plain substring search: any character a user types is just text.
            keep &= haystack.str.contains(word.casefold(), regex=False)
    return df[keep]


# -- parsing what people type (CLI options, URL parameters) -------------------

def clean_text(text: str) -> str:
    """Search text with control characters dropped and length bounded."""
    printable = "".join(ch if ch.isprintable() else " " for ch in text)
    return " ".join(printable.split())[:MAX_TEXT]


def parse_therapy(value: str) -> str:
    wanted = value.strip().casefold()
    for therapy in THERAPY_TYPES:
        if wanted in (therapy.casefold(), therapy.split()[0].casefold()):
            return therapy
    raise InputError(f"Unknown therapy type {value!r}. Choose from: HSCT, MSC, iPSC, other.")


def parse_status(value: str) -> tuple[str, str]:
    """('group', name) for a patient word, ('status', VALUE) for an API value."""
    text = value.strip()
    api_value = text.upper().replace(" ", "_").replace("-", "_")
    if api_value in ALL_STATUSES:
        return "status", api_value
    for group in STATUS_GROUPS:
        if text.casefold() == group.casefold():
            return "group", group
    choices = ", ".join(ALL_STATUSES)
    groups = ", ".join(f'"{g}"' for g in STATUS_GROUPS)
    raise InputError(f"Unknown status {value!r}. Use one of {choices}, or {groups}.")


def parse_phase(value: str) -> str:
    text = value.strip().upper().replace(" ", "").replace("_", "")
    aliases = {p.replace("_", ""): p for p in PHASES}
    aliases.update({str(n): f"PHASE{n}" for n in range(1, 5)})
    aliases.update({"EARLY1": "EARLY_PHASE1", "0": "EARLY_PHASE1", "N/A": "NA", "NOPHASE": "NA"})
    if text in aliases:
        return aliases[text]
    raise InputError(f"Unknown phase {value!r}. Use one of {', '.join(PHASES)} (or 1-4).")


def parse_study_type(value: str) -> str:
    text = value.strip().upper().replace(" ", "_").replace("-", "_")
    if text in STUDY_TYPES:
        return text
    raise InputError(f"Unknown study type {value!r}. Use one of {', '.join(STUDY_TYPES)}.")


def make_filters(
    therapies: Iterable[str] = (),
    statuses: Iterable[str] = (),
    phases: Iterable[str] = (),
    study_types: Iterable[str] = (),
    countries: Iterable[str] = (),
    text: str = "",
    gives_therapy: bool = False,
) -> Filters:
    """Filters from what a person typed; raises InputError on a value it cannot use."""
    parsed_statuses = [parse_status(s) for s in statuses]
    return Filters(
        therapies=tuple(dict.fromkeys(parse_therapy(t) for t in therapies)),
        status_groups=tuple(dict.fromkeys(v for kind, v in parsed_statuses if kind == "group")),
        statuses=tuple(dict.fromkeys(v for kind, v in parsed_statuses if kind == "status")),
        phases=tuple(dict.fromkeys(parse_phase(p) for p in phases)),
        study_types=tuple(dict.fromkeys(parse_study_type(t) for t in study_types)),
        countries=tuple(dict.fromkeys(c.strip() for c in countries if c.strip())),
        text=clean_text(text),
        gives_therapy=bool(gives_therapy),
    )


# -- the page's link: URL parameters <-> filters -------------------------------------------------

# One URL parameter per filter; the page's widgets use the same names as keys.
PARAM_OF = {
    "therapies": "therapy",
    "status_groups": "status",
    "statuses": "registry_status",
    "phases": "phase",
    "study_types": "type",
    "countries": "country",
    "text": "q",
    "gives_therapy": "gives",
}
STUDY_PARAM = "study"
MAX_VALUES = 20  # values read per parameter: a link holds a handful, and this bounds the work
_SHOWN_CHARS = 60  # how much of a value a notice repeats
_NCT_ID = re.compile(r"NCT\d{8}")
_YES = {"true", "yes", "on", "1"}
_NO = {"false", "no", "off", "0"}
# Short names people write for countries the registry spells out.
_COUNTRY_ALIASES = {"uk": "United Kingdom", "great britain": "United Kingdom", "usa": "United States",
                    "us": "United States", "u.s.": "United States", "america": "United States"}


@dataclass(frozen=True)
class Link:
    """What a link asks for, read forgivingly: the filters, the study to open, and a notice
    for every value that could not be used (never dropped silently)."""

    filters: Filters
    study: str | None
    notices: tuple[str, ...]


def _shown(value: str) -> str:
    value = clean_text(value)
    return f"“{value[:_SHOWN_CHARS]}{'…' if len(value) > _SHOWN_CHARS else ''}”"


def _country(value: str, known: Iterable[str]) -> str | None:
    wanted = " ".join(value.split()).casefold()
    wanted = _COUNTRY_ALIASES.get(wanted, wanted).casefold()
    return next((c for c in known if c.casefold() == wanted), None)


def parse_link(params: Mapping[str, Sequence[str]], countries: Sequence[str],
               recruiting_countries: Sequence[str] = (), studies: Iterable[str] = ()) -> Link:
    """The page's URL parameters (every value of each, as ``st.query_params.get_all`` gives
    them) read as the CLI reads its options: any case, an API value or a plain label, phase
    ``2`` or ``PHASE2``. ``countries`` are those in the data; ``recruiting_countries`` are
    offered when a country is not; ``studies`` are the known NCT ids.

    Without a ``gives`` parameter only trials that give the therapy are shown, as on the page.
    """
    notices: list[str] = []

    def values(name: str) -> list[str]:
        return [v for v in list(params.get(name, ()))[:MAX_VALUES] if v.strip()]

    def read(name: str, what: str, parse, choices: str) -> list:
        found, unknown = [], []
        for value in values(name):
            try:
                found.append(parse(value))
            except InputError:
                unknown.append(value)
        if unknown:
            rest = "showing the others" if found else f"showing every {what}"
            notices.append(f"This link asks for {what} {', '.join(_shown(v) for v in unknown)}, which "
                           f"this page does not know; {rest}. Choose from: {choices}.")
        return found

    therapies = read("therapy", "therapy type", parse_therapy, ", ".join(THERAPY_TYPES))
    statuses = read("status", "status", parse_status, ", ".join(STATUS_GROUPS))
    statuses += read("registry_status", "registry status", parse_status, ", ".join(ALL_STATUSES))
    phases = read("phase", "phase", parse_phase, "1, 2, 3, 4, early phase 1, no phase")
    types = read("type", "study type", parse_study_type, ", ".join(STUDY_TYPES).lower())

    chosen, missing = [], []
    for value in values("country"):
        match = _country(value, countries)
        (chosen.append(match) if match else missing.append(value))
    if missing:
        rest = "showing the other countries asked for" if chosen else "showing all countries"
        offer = (f" Countries with a study recruiting now: {', '.join(recruiting_countries)}."
                 if recruiting_countries else "")
        notices.append(f"No study lists {', '.join(_shown(v) for v in missing)}; {rest}.{offer}")

    gives = True
    for value in values("gives")[:1]:
        if value.strip().casefold() in _YES | _NO:
            gives = value.strip().casefold() in _YES
        else:
            notices.append(f"This link asks for {_shown(value)} for “only trials that give the "
                           "therapy”, which is neither yes nor no; showing only trials that give it.")

    study = None
    for value in values(STUDY_PARAM)[:1]:
        nct_id = value.strip().upper()
        if _NCT_ID.fullmatch(nct_id) and nct_id in set(studies):
            study = nct_id
        else:
            notices.append(f"This link asks for study {_shown(value)}, which is not in the data on "
                           "this page; choose a study from the list.")

    # A registry status that is a whole group on its own ("RECRUITING") is that group.
    groups = [v for kind, v in statuses if kind == "group"]
    groups += [status_group(v) for kind, v in statuses if kind == "status" and STATUS_GROUPS[status_group(v)] == (v,)]
    exact = [v for kind, v in statuses if kind == "status" and STATUS_GROUPS[status_group(v)] != (v,)]
    text = " ".join(values("q"))
    filters = Filters(
        therapies=tuple(dict.fromkeys(therapies)),
        status_groups=tuple(dict.fromkeys(groups)),
        statuses=tuple(dict.fromkeys(exact)),
        phases=tuple(dict.fromkeys(phases)),
        study_types=tuple(dict.fromkeys(types)),
        countries=tuple(dict.fromkeys(chosen)),
        text=clean_text(text),
        gives_therapy=gives,
    )
    return Link(filters, study, tuple(notices))


def link_params(filters: Filters, study: str | None = None) -> dict[str, list[str]]:
    """The canonical URL parameters of ``filters`` (what ``parse_link`` reads back as the same
    filters); the default, only trials that give the therapy, is left out."""
    params = {PARAM_OF[f.name]: list(getattr(filters, f.name)) for f in fields(filters)
              if f.name not in ("text", "gives_therapy") and getattr(filters, f.name)}
    if filters.text:
        params["q"] = [filters.text]
    if not filters.gives_therapy:
        params["gives"] = ["false"]
    if study:
        params[STUDY_PARAM] = [study]
    return params


def widget_values(filters: Filters, study: str | None = None) -> dict[str, object]:
    """The page's widget values (by URL parameter name, which is also the widget key)."""
    values: dict[str, object] = {PARAM_OF[f.name]: list(getattr(filters, f.name)) for f in fields(filters)
                                 if f.name not in ("text", "gives_therapy")}
    values.update(q=filters.text, gives=filters.gives_therapy, study=study)
    return values
