"""The classified table: one row per study.

The page and the CSV export both read this table, so what a neurologist
downloads is exactly what the page showed.
"""

from __future__ import annotations

from collections.abc import Iterable

import pandas as pd

from . import plain
from .filters import LIST_SEPARATOR, status_group
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
    "data_source",
    "fetched_at",
)


def _site_text(site) -> str:
    place = ", ".join(p for p in (site.facility, site.city, site.state, site.country) if p)
    return f"{place} ({site.status})" if site.status else place


def row(trial: Trial, stored: StoredStudy) -> dict:
    return {
        "nct_id": trial.nct_id,
        "title": trial.title,
        "therapy_types": LIST_SEPARATOR.join(stored.labels),
        "therapy_evidence": stored.evidence,
        "overall_status": trial.overall_status,
        "status_group": status_group(trial.overall_status),
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
        "data_source": stored.source,
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
    """The page's columns, with phases in words ("Phase 1 / Phase 2") and titles cut
    to a readable length."""
    shown = df[list(DISPLAY_COLUMNS)].copy()
    shown["title"] = shown["title"].map(lambda t: plain.clip(t, plain.TITLE_LIMIT))
    shown["phases"] = shown["phases"].map(lambda cell: plain.phase_words(cell.split(LIST_SEPARATOR) if cell else ()))
    return shown
