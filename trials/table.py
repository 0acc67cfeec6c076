"""The classified table (one row per study) and its filters.

The page and the CSV export both read this table, so what a neurologist
downloads is exactly what the page showed.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import pandas as pd

from . import plain
from .classify import THERAPY_TYPES
from .errors import InputError
from .records import Trial, read_trial
from .store import StoredStudy

COLUMNS = (
    "nct_id",
    "title",
    "therapy_types",
    "therapy_evidence",
    "overall_status",
    "status_group",
    "phases",
    "study_type",
    "conditions",
    "interventions",
    "sponsor",
    "start_date",
    "primary_completion_date",
    "enrollment",
    "countries",
    "locations",
    "recruiting_sites",
    "last_update",
    "url",
    "data_timestamp",
    "fetched_at",
)
LIST_SEPARATOR = "; "
PHASES = ("EARLY_PHASE1", "PHASE1", "PHASE2", "PHASE3", "PHASE4", "NA")
STUDY_TYPES = tuple(plain.STUDY_TYPE_WORDS)
MAX_TEXT = 200  # longer search text is cut: nobody types more, and it bounds the work


def _site_text(site) -> str:
    place = ", ".join(p for p in (site.facility, site.city, site.state, site.country) if p)
    return f"{place} ({site.status})" if site.status else place


def row(trial: Trial, stored: StoredStudy) -> dict:
    return {
        "nct_id": trial.nct_id,
        "title": trial.title,
        "therapy_types": ";".join(stored.labels),
        "therapy_evidence": stored.evidence,
        "overall_status": trial.overall_status,
        "status_group": plain.status_group(trial.overall_status),
        "phases": LIST_SEPARATOR.join(trial.phases),
        "study_type": trial.study_type,
        "conditions": LIST_SEPARATOR.join(trial.conditions),
        "interventions": LIST_SEPARATOR.join(i.label for i in trial.interventions),
        "sponsor": trial.sponsor,
        "start_date": trial.start_date,
        "primary_completion_date": trial.primary_completion_date,
        "enrollment": trial.enrollment,
        "countries": LIST_SEPARATOR.join(trial.countries),
        "locations": LIST_SEPARATOR.join(_site_text(s) for s in trial.sites),
        "recruiting_sites": sum(s.status == "RECRUITING" for s in trial.sites),
        "last_update": trial.last_update,
        "url": trial.url,
        "data_timestamp": stored.data_timestamp,
        "fetched_at": stored.fetched_at,
    }


def build_table(studies: Iterable[StoredStudy]) -> pd.DataFrame:
    """One row per study, newest update first."""
    rows = [row(read_trial(s.record), s) for s in studies]
    df = pd.DataFrame(rows, columns=list(COLUMNS))
    df["enrollment"] = df["enrollment"].astype("Int64")
    df["recruiting_sites"] = df["recruiting_sites"].astype("int64")
    return df.sort_values(["last_update", "nct_id"], ascending=[False, True], ignore_index=True)


DISPLAY_COLUMNS = ("url", "title", "therapy_types", "status_group", "phases", "countries",
                   "recruiting_sites", "last_update")


def for_display(df: pd.DataFrame) -> pd.DataFrame:
    """The page's columns, with phases in words ("Phase 1 / Phase 2")."""
    shown = df[list(DISPLAY_COLUMNS)].copy()
    shown["phases"] = shown["phases"].map(lambda cell: plain.phase_words(cell.split(LIST_SEPARATOR) if cell else ()))
    return shown


def split(cell: str, separator: str = LIST_SEPARATOR) -> set[str]:
    return {part for part in cell.split(separator) if part} if cell else set()


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

    @property
    def is_empty(self) -> bool:
        return self == Filters()


def _any_of(cells: pd.Series, wanted: Iterable[str], separator: str = LIST_SEPARATOR) -> pd.Series:
    wanted = set(wanted)
    return cells.map(lambda cell: bool(split(cell, separator) & wanted))


SEARCHED = ("nct_id", "title", "conditions", "interventions", "sponsor", "locations",
            "therapy_evidence")


def apply(df: pd.DataFrame, filters: Filters) -> pd.DataFrame:
    """The rows of ``df`` that match every filter."""
    keep = pd.Series(True, index=df.index)
    if filters.therapies:
        keep &= _any_of(df["therapy_types"], filters.therapies, ";")
    statuses = set(filters.statuses)
    for group in filters.status_groups:
        statuses.update(plain.STATUS_GROUPS.get(group, ()))
    if filters.status_groups or filters.statuses:
        keep &= df["overall_status"].isin(statuses) | (
            df["status_group"].isin(filters.status_groups)
        )
    if filters.phases:
        keep &= _any_of(df["phases"], filters.phases)
    if filters.study_types:
        keep &= df["study_type"].isin(filters.study_types)
    if filters.countries:
        keep &= _any_of(df["countries"], filters.countries)
    words = filters.text.split()
    if words:
        text = df[list(SEARCHED)].fillna("")
        # Vectorised join: a per-row Python join costs ~0.5 s at 6,000 rows.
        haystack = text[SEARCHED[0]].str.cat([text[c] for c in SEARCHED[1:]], sep=" ").str.casefold()
        for word in words:
            # Plain substring search: any character a user types is just text.
            keep &= haystack.str.contains(word.casefold(), regex=False)
    return df[keep]


def clean_text(text: str) -> str:
    """Search text with control characters dropped and length bounded."""
    printable = "".join(ch if ch.isprintable() else " " for ch in text)
    return " ".join(printable.split())[:MAX_TEXT]


# -- parsing what people type (CLI options, URL parameters) -------------------

def parse_therapy(value: str) -> str:
    wanted = value.strip().casefold()
    for therapy in THERAPY_TYPES:
        if wanted in (therapy.casefold(), therapy.split()[0].casefold()):
            return therapy
    raise InputError(
        f"Unknown therapy type {value!r}. Choose from: HSCT, MSC, iPSC, other."
    )


def parse_status(value: str) -> tuple[str, str]:
    """('group', name) for a patient word, ('status', VALUE) for an API value."""
    text = value.strip()
    api_value = text.upper().replace(" ", "_").replace("-", "_")
    if api_value in plain.ALL_STATUSES:
        return "status", api_value
    for group in plain.STATUS_GROUPS:
        if text.casefold() == group.casefold():
            return "group", group
    choices = ", ".join(plain.ALL_STATUSES)
    groups = ", ".join(f'"{g}"' for g in plain.STATUS_GROUPS)
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
) -> Filters:
    """Filters from what a person typed; raises InputError on a value it cannot use."""
    parsed_statuses = [parse_status(s) for s in statuses]
    return Filters(
        therapies=tuple(dict.fromkeys(parse_therapy(t) for t in therapies)),
        status_groups=tuple(v for kind, v in parsed_statuses if kind == "group"),
        statuses=tuple(v for kind, v in parsed_statuses if kind == "status"),
        phases=tuple(dict.fromkeys(parse_phase(p) for p in phases)),
        study_types=tuple(dict.fromkeys(parse_study_type(t) for t in study_types)),
        countries=tuple(c.strip() for c in countries if c.strip()),
        text=clean_text(text),
    )


# -- what a result says about itself --------------------------------------------

@dataclass(frozen=True)
class Summary:
    studies: int
    recruiting: int
    countries: int

    @property
    def text(self) -> str:
        noun = "study" if self.studies == 1 else "studies"
        where = f", in {self.countries} {'country' if self.countries == 1 else 'countries'}"
        return (
            f"{self.studies} {noun}, {self.recruiting} recruiting now"
            + (where if self.countries else "")
        )


def summarize(df: pd.DataFrame) -> Summary:
    countries: set[str] = set()
    for cell in df["countries"]:
        countries |= split(cell)
    return Summary(
        studies=len(df),
        recruiting=int((df["status_group"] == "Recruiting now").sum()),
        countries=len(countries),
    )


def counts_by(df: pd.DataFrame, column: str, separator: str = LIST_SEPARATOR) -> dict[str, int]:
    """How many rows carry each value of a list column (a study can count twice)."""
    counts: dict[str, int] = {}
    for cell in df[column]:
        for value in split(cell, separator):
            counts[value] = counts.get(value, 0) + 1
    return dict(sorted(counts.items()))


def therapy_status_counts(df: pd.DataFrame) -> pd.DataFrame:
    """Studies per therapy type and patient status group, for the chart."""
    pairs = [
        (therapy, group)
        for cell, group in zip(df["therapy_types"], df["status_group"])
        for therapy in split(cell, ";")
    ]
    counted = pd.DataFrame(pairs, columns=["therapy_type", "status"])
    return (
        counted.value_counts().rename("studies").reset_index()
        .sort_values(["therapy_type", "status"], ignore_index=True)
    )


def explain_empty(df: pd.DataFrame, filters: Filters) -> str:
    """Why a search found nothing, and which single change would find something."""
    if df.empty:
        return "There are no studies in the local data yet."
    reasons = [plain.NO_TRIALS_YET[t] for t in filters.therapies
               if t in plain.NO_TRIALS_YET and not _any_of(df["therapy_types"], [t], ";").any()]
    hints = []
    for name in ("therapies", "status_groups", "statuses", "phases", "study_types",
                 "countries", "text"):
        if getattr(filters, name):
            looser = Filters(**{**filters.__dict__, name: "" if name == "text" else ()})
            found = len(apply(df, looser))
            if found:
                hints.append(f"without the {_FILTER_NAMES[name]} filter, {found} would match")
    text = " ".join(reasons) or "No study matches all of these filters."
    if hints:
        text += " " + "; ".join(hints).capitalize() + "."
    return text


_FILTER_NAMES = {
    "therapies": "therapy type",
    "status_groups": "recruitment status",
    "statuses": "registry status",
    "phases": "phase",
    "study_types": "study type",
    "countries": "country",
    "text": "search text",
}
