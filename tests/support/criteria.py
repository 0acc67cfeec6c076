"""The table of criteria sentences and their reading (issue 29): what a clinician reads in each
sentence, and what the criteria reader reads, in the table's words. Used by
``tests/test_criteria_sentences.py`` (which holds the reader to every row) and by
``bench/eligibility.py`` (which prints how many rows it reads exactly)."""

from __future__ import annotations

import csv
from pathlib import Path

from trials.analysis.eligibility import Criteria, read_criteria
from trials.model import CTGOV, Eligibility, Study, StudyId

TABLE = Path(__file__).resolve().parents[1] / "data" / "criteria_sentences.csv"
READ = ("edss", "activity", "failed", "duration", "drugs")  # the columns a reading fills


def rows() -> list[dict[str, str]]:
    with TABLE.open(encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def reading(part: str, sentence: str) -> Criteria:
    """One sentence read as the only criterion of its part."""
    heading = "Inclusion Criteria:" if part == "inclusion" else "Exclusion Criteria:"
    study = Study(StudyId(CTGOV, "NCT00000001"), "",
                  eligibility=Eligibility(f"{heading}\n\n* {sentence}", "", "", "", None))
    return read_criteria(study)


def observed(c: Criteria) -> dict[str, str]:
    """The reading in the table's words."""
    kinds = {i.kind: i for i in c.items}
    activity, failed = kinds.get("activity"), kinds.get("failed_treatment")
    return {
        "edss": "" if c.edss is None else "-".join("" if v is None else f"{v:.1f}" for v in (c.edss.low, c.edss.high)),
        "activity": ("none" if "no_recent_relapse" in kinds else "" if activity is None
                     else "any" if "any one of the ways" in activity.text.lower() else "required"),
        "failed": "" if failed is None else "other way in" if "another way in" in failed.text else "required",
        "duration": "yes" if "duration" in kinds else "",
        "drugs": "" if failed is None or "(named: " not in failed.text
        else failed.text.split("(named: ")[1].split(")")[0].replace(", ", ";"),
    }


def expected(row: dict[str, str]) -> dict[str, str]:
    return {k: row[k] for k in READ}
