"""What a person asks for: the recruitment status groups, the filters, and the parsing
of what people type (CLI options, URL parameters) into filters.

Status groups live here because they are first of all a filter: the patient's
question is "could I join?", so the API's statuses fold into a few groups.
"""

from __future__ import annotations

from collections.abc import Iterable
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
    aliases.update({"EARLY1": "EARLY_PHASE1", "0": "EARLY_PHASE1", "N/A": "NA"})
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
