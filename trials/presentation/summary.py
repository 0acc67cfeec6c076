"""What a result says about itself: the summary line, and counts for the chart and the
filter choices."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from ..analysis.status import split
from . import plain


@dataclass(frozen=True)
class Summary:
    studies: int
    recruiting: int
    countries: int

    @property
    def text(self) -> str:
        where = f", in {plain.count(self.countries, 'country', 'countries')}"
        return (
            f"{plain.count(self.studies, 'study', 'studies')}, {self.recruiting} recruiting now"
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


def recruiting_countries(df: pd.DataFrame) -> list[str]:
    """Countries with at least one study recruiting now."""
    return list(counts_by(df[df["status_group"] == "Recruiting now"], "countries"))


def therapy_status_counts(df: pd.DataFrame) -> pd.DataFrame:
    """Studies per therapy type and patient status group, for the chart."""
    pairs = [
        (therapy, group)
        for cell, group in zip(df["therapy_types"], df["status_group"], strict=True)
        for therapy in split(cell)
    ]
    counted = pd.DataFrame(pairs, columns=["therapy_type", "status"])
    return (
        counted.value_counts().rename("studies").reset_index()
        .sort_values(["therapy_type", "status"], ignore_index=True)
    )
