"""The classified table: one row per study.

The page and the CSV export both read this table, so what a neurologist
downloads is exactly what the page showed.
"""

from __future__ import annotations

from collections.abc import Iterable

import pandas as pd

from . import plain
from .filters import LIST_SEPARATOR, status_group
from .eligibility import read_criteria
from .flags import data_date_of, flags_for
from .records import Trial, read_trial
from .store import StoredStudy

COLUMNS = (
    "nct_id",
    "title",
    "therapy_types",
    "therapy_evidence",
    "study_role",
    "overall_status",
    "status_group",
    "phases",
    "study_type",
    "conditions",
    "interventions",
    "sponsor",
    "flags",
    "start_date",
    "primary_completion_date",
    "enrollment",
    "countries",
    "locations",
    "recruiting_sites",
    "last_update",
    "min_age",
    "max_age",
    "sex",
    "ms_types",
    "edss_min",
    "edss_max",
    "eligibility_notes",
    "central_contact",
    "eligibility_criteria",
    "last_verified",
    "url",
    "data_timestamp",
    "data_source",
    "fetched_at",
)


def _site_text(site) -> str:
    place = ", ".join(p for p in (site.facility, site.city, site.state, site.country) if p)
    return f"{place} ({site.status})" if site.status else place


def _eligibility(trial: Trial) -> dict:
    c = read_criteria(trial)
    return {
        "min_age": c.min_age,
        "max_age": c.max_age,
        "sex": c.sex,
        "ms_types": ";".join(c.ms_types),  # alphabetical codes; empty = not restricted
        "edss_min": c.edss.low if c.edss else None,
        "edss_max": c.edss.high if c.edss else None,
        "eligibility_notes": " ".join(c.notes),
        "central_contact": LIST_SEPARATOR.join(x.text for x in trial.central_contacts),
        "eligibility_criteria": trial.eligibility.criteria,
        "last_verified": trial.last_verified,
    }


def row(trial: Trial, stored: StoredStudy) -> dict:
    return {
        "nct_id": trial.nct_id,
        "title": trial.title,
        "therapy_types": LIST_SEPARATOR.join(stored.labels),
        "therapy_evidence": stored.evidence,
        "study_role": stored.study_role,
        "overall_status": trial.overall_status,
        "status_group": status_group(trial.overall_status),
        "phases": LIST_SEPARATOR.join(trial.phases),
        "study_type": trial.study_type,
        "conditions": LIST_SEPARATOR.join(trial.conditions),
        "interventions": LIST_SEPARATOR.join(i.label for i in trial.interventions),
        "sponsor": trial.sponsor,
        "flags": LIST_SEPARATOR.join(
            f.title for f in flags_for(stored.record, data_date_of(stored.data_timestamp),
                                       stored.labels)),
        "start_date": trial.start_date,
        "primary_completion_date": trial.primary_completion_date,
        "enrollment": trial.enrollment,
        "countries": LIST_SEPARATOR.join(trial.countries),
        "locations": LIST_SEPARATOR.join(_site_text(s) for s in trial.sites),
        # Unknown (None), not 0, when no site reports a status of its own.
        "recruiting_sites": (sum(s.status == "RECRUITING" for s in trial.sites)
                             if any(s.status for s in trial.sites) else None),
        "last_update": trial.last_update,
        **_eligibility(trial),
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
    df["recruiting_sites"] = df["recruiting_sites"].astype("Int64")
    for column in ("min_age", "max_age", "edss_min", "edss_max"):
        df[column] = df[column].astype("Float64")
    return df.sort_values(["last_update", "nct_id"], ascending=[False, True], ignore_index=True)


FLAG_MARKER = "⚠"  # the table's sign for "read the warning on this study's card"
DISPLAY_COLUMNS = ("url", "title", "therapy_types", "study_role", "status_group", "phases", "countries",
                   "recruiting_sites", "flags", "last_update")


# Columns that lead the page's table when a search adds them: what changed, the distance
# from the patient (trials.nearby), the pre-screen's fit.
LEADING_COLUMNS = ("changed", "distance_km", "nearest_site", "fit")


def for_display(df: pd.DataFrame) -> pd.DataFrame:
    """The page's columns (what a search added first: changes, distance, fit), phases in words,
    titles cut to a readable length, and a warning marker in front of a flagged study's reasons."""
    # A column a search added is shown when it says something for at least one study.
    leading = [c for c in LEADING_COLUMNS if c in df and df[c].map(lambda v: not pd.isna(v) and v != "").any()]
    shown = df[leading + list(DISPLAY_COLUMNS)].copy()
    shown["title"] = shown["title"].map(lambda t: plain.clip(t, plain.TITLE_LIMIT))
    shown["phases"] = shown["phases"].map(lambda cell: plain.phase_words(cell.split(LIST_SEPARATOR) if cell else ()))
    shown["flags"] = shown["flags"].map(lambda cell: f"{FLAG_MARKER} {cell}" if cell else "")
    shown["recruiting_sites"] = shown["recruiting_sites"].map(lambda n: "unknown" if pd.isna(n) else str(n))
    if "distance_km" in shown:  # in words, "about" when approximate; empty when unknown
        shown["distance_km"] = [
            "" if pd.isna(km) else f"{'about ' if approx == 'yes' else ''}{km:,} km"
            for km, approx in zip(df.loc[shown.index, "distance_km"], df.loc[shown.index, "distance_approximate"])]
    return shown
