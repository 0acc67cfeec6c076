"""Every study in the shared ClinicalTrials.gov test data that trials.analysis.flags flags, with reasons.

Run from the repository root: ``python bench/flags.py``. The data is read in place from
``tests/data/ctgov`` (the copy of the shared records), or from ``$TRIALS_SHARED_DIR/ctgov``.

Each record is judged as of its own data date: the record's ``versionHolder`` when it has
one, else the date of its corpus (ms-2025-09 has no derived section). Sponsor rules apply
to stem-cell studies only, so each record is classified first, as the finder does.
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.support.evaluation import load_records  # noqa: E402
from tests.support.standin import DEFAULT_DATA_TIMESTAMP, shared_dir  # noqa: E402
from trials.analysis.classify import classify  # noqa: E402
from trials.analysis.flags import TITLES, flags_for  # noqa: E402
from trials.registries.ctgov.record import read_study  # noqa: E402
from trials.registries.values import dig  # noqa: E402

CORPUS_DATES = {"ms-2025-09": date.fromisoformat(DEFAULT_DATA_TIMESTAMP[:10])}


def data_date(corpus: str, study: dict) -> date:
    version = dig(study, "derivedSection", "miscInfoModule", "versionHolder")
    if isinstance(version, str) and version:
        return date.fromisoformat(version[:10])
    return CORPUS_DATES[corpus]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.parse_args()
    ctgov = shared_dir() / "ctgov"
    records = load_records(ctgov)
    print(f"{len(records)} records from {ctgov}\n")
    per_rule: Counter[str] = Counter()
    flagged = 0
    for record in records:
        study = read_study(record.study)
        labels = classify(study).labels
        when = data_date(record.corpus, record.study)
        found = flags_for(study, when, labels)
        if not found:
            continue
        flagged += 1
        per_rule.update(f.code for f in found)
        kinds = ";".join(labels) or "not a stem-cell study"
        print(f"{record.study_id}  [{record.corpus}, data of {when}]  {kinds}  {record.title}")
        for flag in found:
            print(f"    - {flag.title}: {flag.reason}")
    print(f"\n{flagged} flagged records (a study in two corpora counts twice)")
    for code, title in TITLES.items():
        print(f"  {per_rule[code]:3d}  {title}")


if __name__ == "__main__":
    main()
