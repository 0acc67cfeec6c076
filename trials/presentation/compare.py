"""Two to four studies side by side: one row per question a patient or neurologist asks,
one column per study, every value as the registry (or our reading of its criteria) gives it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pandas as pd

from ..analysis.eligibility import Criteria, read_criteria
from ..analysis.status import LIST_SEPARATOR, status_words
from ..analysis.table import Entry
from ..model import Study
from . import plain

COMPARATOR_ARMS = ("PLACEBO_COMPARATOR", "ACTIVE_COMPARATOR", "SHAM_COMPARATOR", "NO_INTERVENTION")


def _design(trial: Study) -> str:
    d = trial.design
    allocation = {"RANDOMIZED": "randomised", "NON_RANDOMIZED": "not randomised",
                  "NA": "one group"}.get(d.allocation, "")
    comparators = [a for a in d.arms if a.type in COMPARATOR_ARMS]
    compared = ("compared with " + "; ".join(
        f"{a.label} ({', '.join(a.interventions)})" if a.interventions else a.label for a in comparators)
        if comparators else ("no placebo or comparator group listed" if d.arms else ""))
    masking = {"NONE": "open label"}.get(d.masking, f"{d.masking.lower()} blind" if d.masking else "")
    parts = [p for p in (allocation, compared, masking) if p]
    return ", ".join(parts) or "not described in the stored record"


def _edss(row: pd.Series, criteria: Criteria, has_criteria: bool, no_criteria: str) -> str:
    """The EDSS range, or why there is none: no criteria, a requirement without a readable
    value, or a limit for some participants only."""
    if not has_criteria:
        return no_criteria
    if pd.isna(row["edss_min"]) and pd.isna(row["edss_max"]) and (criteria.edss_unread or criteria.edss_subgroup):
        return "stated, but not as a range for everyone: see the criteria"
    return _limits(row["edss_min"], row["edss_max"])


def _limits(low: Any, high: Any, unit: str = "") -> str:
    """A range from the table's cells (a number, or pandas' NA when not published)."""
    def number(x: Any) -> str:
        return f"{float(x):g}{unit}"
    low = None if pd.isna(low) else low
    high = None if pd.isna(high) else high
    if low is None and high is None:
        return "not stated"
    if high is None:
        return f"{number(low)} or more"
    if low is None:
        return f"up to {number(high)}"
    return f"{number(low)} to {number(high)}"


def _status(group: str, status: str) -> str:
    words = status_words(status)
    return group if words.casefold() == group.casefold() else f"{group} ({words})"


def _size(trial: Study) -> str:
    if trial.enrollment is None:
        return "not stated"
    return f"{trial.enrollment} ({'planned' if trial.enrollment_type == 'ESTIMATED' else 'taking part'})"


def on_screen(comparison: pd.DataFrame) -> pd.DataFrame:
    """The comparison for a page: questions as the index, the registry links left to the CSV
    (too wide to wrap; the column heads are the ids), and every cell escaped, since a
    page's table renders Markdown."""
    shown = comparison[comparison["question"] != REGISTRY_RECORD].set_index("question").rename_axis(None)
    return shown.map(plain.md_escape)


REGISTRY_RECORD = "Registry record"


def who_can_take_part(row: pd.Series, trial: Study) -> dict[str, str]:
    """Age, sex, MS types and EDSS limits read from the record (the table's row), or why
    there are none: for the comparison and the clinic sheet."""
    no_criteria = "not stated in the record (no criteria stored)"
    has_criteria = bool(trial.eligibility.criteria)
    return {
        "Age (years)": _limits(row["min_age"], row["max_age"]),
        "Sex": {"ALL": "all", "FEMALE": "women only", "MALE": "men only"}.get(row["sex"], row["sex"] or "not stated"),
        "MS types admitted": (row["ms_types"].replace(";", LIST_SEPARATOR) or "not restricted in the criteria"
                              if has_criteria else no_criteria),
        "EDSS limits": _edss(row, read_criteria(trial), has_criteria, no_criteria),
    }


def comparison(entries: list[Entry], table: pd.DataFrame,
               nearest: Mapping[str, str] | None = None) -> pd.DataFrame:
    """The side-by-side table: column ``question``, then one column per study in the given order.

    ``table`` is the classified table (one row per study); ``nearest`` maps a study's id to
    its nearest open site with the distance, when a place was given.
    """
    rows = table.set_index("study_id")
    columns: dict[str, list[str]] = {}
    questions: list[str] = []
    for entry in entries:
        trial, key = entry.study, entry.id.value
        r = rows.loc[key]
        answers = {
            "Title": trial.named_title,
            REGISTRY_RECORD: trial.url,
            "Registered in": r["registry_ids"],  # every number of the trial, in every registry
            "Therapy": r["therapy_types"],
            "Kind (as the record states it)": r["therapy_kind"],
            "Study role": plain.ROLE_WORDS.get(r["study_role"], r["study_role"]),
            "Phase": plain.phase_words(trial.phases),
            "Status": _status(r["status_group"], trial.overall_status)
            + (f" {r['status_caution']}" if r["status_caution"] else ""),
            "Size": _size(trial),
            "Design": _design(trial),
            **who_can_take_part(r, trial),
            "Primary outcome": LIST_SEPARATOR.join(trial.primary_outcomes) or "not in the stored record",
            "Nearest open site": ("give a place to see it" if nearest is None
                                  else nearest.get(key) or "no site open to new participants"),
            "Sites recruiting": ("not stated (no site gives its own status)" if pd.isna(r["recruiting_sites"])
                                 else str(r["recruiting_sites"])),
            "Countries": r["countries"] or "not stated",
            "Sponsor": trial.sponsor or "not stated",
            "Start": trial.start_date or "not stated",
            "Primary completion": trial.primary_completion_date or "not stated",
            "Last update": trial.last_update or "not stated",
            "Last verified": trial.last_verified or "not stated",
            "Flags": r["flags"] or "none",
            "Registry data as of": entry.data_timestamp,
            "Fetched": entry.fetched_at,
        }
        if not questions:
            questions = list(answers)
        columns[key] = [str(answers[q]) for q in questions]
    return pd.DataFrame({"question": questions, **columns})
