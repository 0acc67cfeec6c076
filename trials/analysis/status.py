"""Recruitment status in a patient's words: the registry's statuses folded into a few groups.

The patient's question is "could I join?", so the groups answer that; the registry's
exact statuses stay available to clinicians.
"""

from __future__ import annotations

import csv
import io
import re
from calendar import monthrange
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from importlib import resources

from ..model import Study

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

# How a table cell holds several values ("PHASE1; PHASE2", "HSCT; MSC"). One separator for
# every list column, in the table, the CSV and the filters.
LIST_SEPARATOR = "; "


def split(cell: str) -> set[str]:
    """The values of a list cell."""
    return {part for part in cell.split(LIST_SEPARATOR) if part} if cell else set()


def status_group(status: str) -> str:
    """The patient's word for a registry status; unknown new values count as unknown."""
    return _GROUP_OF.get(status, "Status unknown")


def is_whole_group(status: str) -> bool:
    """Whether a registry status is a group on its own ("RECRUITING" is "Recruiting now")."""
    return STATUS_GROUPS[status_group(status)] == (status,)


def status_words(status: str) -> str:
    """A registry status as words: "ACTIVE_NOT_RECRUITING" -> "Active not recruiting"."""
    return status.replace("_", " ").capitalize() if status else "Not stated"


# -- how old a status is ------------------------------------------------------------------

# Statuses that say the study still runs: each is a claim about now that ages.
STILL_OPEN = frozenset({"RECRUITING", "NOT_YET_RECRUITING", "ENROLLING_BY_INVITATION",
                        "AVAILABLE", "ACTIVE_NOT_RECRUITING"})
OPEN_TO_NEW = frozenset({"RECRUITING", "NOT_YET_RECRUITING", "ENROLLING_BY_INVITATION", "AVAILABLE"})
STATUS_MAX_AGE_YEARS = 1  # a status not updated or verified for longer may no longer hold


def end_of(partial: str) -> date | None:
    """The last day a partial registry date can mean: '2019' -> 2019-12-31."""
    match = re.fullmatch(r"(\d{4})(?:-(\d{2}))?(?:-(\d{2}))?", partial.strip())
    if not match:
        return None
    year = int(match[1])
    month = int(match[2] or 12)
    if not 1 <= month <= 12:
        return None
    day = int(match[3] or monthrange(year, month)[1])
    try:
        return date(year, month, day)
    except ValueError:
        return None


def years_before(moment: date, years: int) -> date:
    try:
        return moment.replace(year=moment.year - years)
    except ValueError:  # 29 February
        return moment.replace(year=moment.year - years, day=28)


@dataclass(frozen=True)
class RecruitmentReport:
    """A trial's closing of recruitment as a published source reports it, when the registry
    record has not caught up (trials/data/recruitment_reports.csv, each row checked on a date)."""

    study_id: str
    closed: str  # YYYY-MM
    recruited: str
    planned: str
    results_expected: str  # YYYY-MM or ""
    source: str
    url: str
    checked_on: date

    @property
    def closed_words(self) -> str:
        month = date.fromisoformat(self.closed + "-01").strftime("%B %Y")
        return f"{self.source} reports that recruitment closed in {month}"

    @property
    def sentence(self) -> str:
        results = (f"; results are expected in {date.fromisoformat(self.results_expected + '-01').strftime('%B %Y')}"
                   if self.results_expected else "")
        return (f"{self.closed_words}, with {self.recruited} people of "
                f"{self.planned} planned{results} (checked on {self.checked_on.isoformat()}).")


@lru_cache(maxsize=1)
def recruitment_reports() -> dict[str, RecruitmentReport]:
    text = resources.files("trials").joinpath("data", "recruitment_reports.csv").read_text("utf-8")
    return {row["study_id"]: RecruitmentReport(
        row["study_id"], row["closed"], row["recruited"], row["planned"], row["results_expected"], row["source"],
        row["url"], date.fromisoformat(row["checked_on"])) for row in csv.DictReader(io.StringIO(text))}


def recruitment_report(study: Study) -> RecruitmentReport | None:
    """The published report of the trial's recruitment closing, by any of its numbers."""
    reports = recruitment_reports()
    return next((reports[i.value] for i in (study.id, *study.other_ids) if i.value in reports), None)


def status_caution(study: Study, data_date: date | None) -> str:
    """Why a status that says the study still runs may be out of date, or "".

    Judged from the registry's own dates against the data date (not today's clock), for
    every sponsor: past the study's own completion date, or not updated nor verified for
    over a year."""
    if data_date is None or study.overall_status not in STILL_OPEN:
        return ""
    reasons = []
    ends = study.completion_date or study.primary_completion_date
    ended = end_of(ends) if ends else None
    if ended and ended < data_date:
        reasons.append(f"its own completion date ({ends}) has passed")
    touched = [(day, text) for text in (study.last_update, study.last_verified) if text
               for day in (end_of(text),) if day]
    if touched and max(touched)[0] < years_before(data_date, STATUS_MAX_AGE_YEARS):
        reasons.append(f"it was last updated or verified in {max(touched)[1]}, over a year before the data date")
    report = recruitment_report(study)
    if report and study.overall_status in OPEN_TO_NEW:
        reasons.append(f"{report.closed_words} (checked on {report.checked_on.isoformat()})")
    if not reasons:
        return ""
    # A record may list no contact: then the registry record is where to check.
    ask = ("Check with the study contact before relying on it." if _reachable(study)
           else "The record lists no contact: check the registry record before relying on it.")
    return f"This status may be out of date: {' and '.join(reasons)} (as of {data_date.isoformat()}). {ask}"


def _reachable(study: Study) -> bool:
    return any(c.name or c.phone or c.email for c in (*study.central_contacts, *study.officials,
                                                      *(c for s in study.sites for c in s.contacts)))
