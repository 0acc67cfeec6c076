"""What a result says about itself: the summary line, counts for the chart and the
filter choices, and why a search found nothing."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from . import facts
from .filters import Filters, apply, split


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


def counts_by(df: pd.DataFrame, column: str) -> dict[str, int]:
    """How many rows carry each value of a list column (a study can count twice)."""
    counts: dict[str, int] = {}
    for cell in df[column]:
        for value in split(cell):
            counts[value] = counts.get(value, 0) + 1
    return dict(sorted(counts.items()))


def therapy_status_counts(df: pd.DataFrame) -> pd.DataFrame:
    """Studies per therapy type and patient status group, for the chart."""
    pairs = [
        (therapy, group)
        for cell, group in zip(df["therapy_types"], df["status_group"])
        for therapy in split(cell)
    ]
    counted = pd.DataFrame(pairs, columns=["therapy_type", "status"])
    return (
        counted.value_counts().rename("studies").reset_index()
        .sort_values(["therapy_type", "status"], ignore_index=True)
    )


_FILTER_NAMES = {
    "therapies": "therapy type",
    "status_groups": "recruitment status",
    "statuses": "registry status",
    "phases": "phase",
    "study_types": "study type",
    "countries": "country",
    "text": "search text",
    "gives_therapy": '"only trials that give the therapy"',
}


def explain_empty(df: pd.DataFrame, filters: Filters) -> str:
    """Why a search found nothing, and which single change would find something."""
    if df.empty:
        return "There are no studies in the local data yet."
    present = counts_by(df, "therapy_types")
    as_of = df["data_timestamp"].dropna().max() or None
    reasons = [facts.registry_sentence(t, 0, as_of) for t in filters.therapies if t not in present]
    hints = []
    for name in filters.active():
        found = len(apply(df, filters.without(name)))
        if found:
            hints.append(f"without the {_FILTER_NAMES[name]} filter, {found} would match")
    text = " ".join(reasons) or "No study matches all of these filters."
    if hints:
        text += " " + "; ".join(hints).capitalize() + "."
    return text
