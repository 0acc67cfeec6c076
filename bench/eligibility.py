"""How much trials.analysis.eligibility reads from real criteria texts, and whether it reads it right.

Run from the repository root: ``python bench/eligibility.py``. Reads every study with
eligibility criteria text in ``tests/data/ctgov`` (or ``$TRIALS_SHARED_DIR/ctgov``) and prints:

1. per corpus, how many studies yield an age range from the text, an MS type restriction
   and an EDSS range;
2. every difference from the hand-made table ``tests/data/eligibility_expected.csv``
   (what each text says, read by a person, with its NCT id);
3. for three patient profiles, the verdict counts, and every ``does not fit`` that the
   hand-made table does not support (for studies in it) or that rests on no published
   sentence or field (for the others).

Exit status 1 when the table has a difference or a ``does not fit`` is unsupported.
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
from collections import Counter
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from tests.support import criteria as sentence_table  # noqa: E402
from tests.support.standin import shared_dir  # noqa: E402
from trials.analysis.eligibility import Criteria, read_criteria  # noqa: E402
from trials.analysis.prescreen import DOES_NOT_FIT, NO, VERDICTS, Profile, assess  # noqa: E402
from trials.registries.ctgov.record import raw_nct_id, read_study  # noqa: E402

EXPECTED = REPO / "tests" / "data" / "eligibility_expected.csv"
PROFILES = {
    "35-year-old woman, RRMS, EDSS 3.0": Profile(35, "female", "RRMS", 3.0),
    "52-year-old man, SPMS, EDSS 6.0": Profile(52, "male", "SPMS", 6.0),
    "45-year-old woman, PPMS, EDSS 4.5": Profile(45, "female", "PPMS", 4.5),
}


def ctgov_dir() -> Path:
    """``tests/data/ctgov`` (or ``$TRIALS_SHARED_DIR/ctgov``), as tests/conftest.py finds it."""
    return shared_dir() / "ctgov"


def corpora(root: Path) -> dict[str, list[dict]]:
    found: dict[str, list[dict]] = {}
    for name in ("ms-2025-09", "msc-2022"):
        path = root / name / "studies.jsonl"
        if path.is_file():
            with open(path, encoding="utf-8") as fh:
                found[name] = [json.loads(line) for line in fh if line.strip()]
    full = root / "full-records" / "studies.json"
    if full.is_file():
        found["full-records"] = json.loads(full.read_text(encoding="utf-8"))
    return found


def has_criteria(study: dict) -> bool:
    module = (study.get("protocolSection") or {}).get("eligibilityModule") or {}
    return bool(str(module.get("eligibilityCriteria") or "").strip())


def number(cell: str) -> float | None:
    return float(cell) if cell.strip() else None


def extracted(c: Criteria) -> dict[str, object]:
    """What the extractor says, in the table's columns."""
    age = c.age_text
    return {
        "sex": c.sex,
        "text_min_age": age.low if age else None,
        "text_max_age": age.high if age else None,
        "ms_types": ";".join(c.ms_types),
        "edss_min": c.edss.low if c.edss else None,
        "edss_max": c.edss.high if c.edss else None,
    }


def expected_rows() -> list[dict[str, object]]:
    with open(EXPECTED, encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    for row in rows:
        for key in ("text_min_age", "text_max_age", "edss_min", "edss_max"):
            row[key] = number(row[key])
    return rows


def hand_excludes(row: dict, c: Criteria, profile: Profile) -> bool:
    """Whether the hand-read values clearly leave the profile out (independent of trials.analysis.prescreen).

    Age counts only when the registry's fields and the hand-read text both exclude it.
    """
    def outside(low, high, age):
        return (low is not None and age + 1 <= low) or (high is not None and age > high)

    structured = c.age_structured
    text_out = outside(row["text_min_age"], row["text_max_age"], profile.age)
    has_text_age = row["text_min_age"] is not None or row["text_max_age"] is not None
    fields_out = structured is not None and outside(structured.low, structured.high, profile.age)
    if fields_out and (text_out or not has_text_age):
        return True
    if not structured and text_out:
        return True
    if row["sex"] in ("FEMALE", "MALE") and row["sex"].lower() != profile.sex:
        return True
    types = set(filter(None, str(row["ms_types"]).split(";")))
    if types and profile.ms_type not in types and not ("RMS" in types and profile.ms_type in ("SPMS", "CIS")):
        return True
    low, high = row["edss_min"], row["edss_max"]
    return (low is not None and profile.edss < low) or (high is not None and profile.edss > high)


def main(argv: list[str] | None = None) -> int:
    argparse.ArgumentParser(description=__doc__.splitlines()[0]).parse_args(argv)
    root = ctgov_dir()
    data = corpora(root)
    if not data:
        sys.exit(f"No ClinicalTrials.gov records at {root}; set TRIALS_SHARED_DIR to the shared/ folder.")

    criteria: dict[str, Criteria] = {}
    print("Studies with criteria text, and what the extractor finds in them:")
    print(f"  {'corpus':<14}{'studies':>9}{'with text':>11}{'age range':>11}{'MS types':>10}{'EDSS':>7}")
    for name, studies in data.items():
        with_text = [s for s in studies if has_criteria(s)]
        read = [read_criteria(read_study(s)) for s in with_text]
        for s, c in zip(with_text, read):
            criteria.setdefault(str(raw_nct_id(s)), c)
        print(f"  {name:<14}{len(studies):>9}{len(with_text):>11}"
              f"{sum(c.age_text is not None for c in read):>11}"
              f"{sum(bool(c.ms_types) for c in read):>10}{sum(c.edss is not None for c in read):>7}")

    rows = expected_rows()
    wrong = 0
    checked = 0
    for row in rows:
        c = criteria.get(row["nct_id"])
        if c is None:
            print(f"  {row['nct_id']}: not found in {root}")
            wrong += 1
            continue
        got = extracted(c)
        for key, value in got.items():
            checked += 1
            if value != row[key]:
                wrong += 1
                print(f"  WRONG {row['nct_id']} {key}: expected {row[key]!r}, extracted {value!r}")
    ms_rows = sum(r["ms"] == "yes" for r in rows)
    print(f"\nHand-made table: {len(rows)} criteria texts ({ms_rows} of MS studies), "
          f"{checked} values checked, {wrong} wrong.")

    unsupported = 0
    table = {r["nct_id"]: r for r in rows}
    print("\nPre-screen verdicts over every study with criteria text:")
    for label, profile in PROFILES.items():
        verdicts: Counter[str] = Counter()
        for study_id, c in criteria.items():
            fit = assess(c, profile)
            verdicts[fit.verdict] += 1
            if fit.verdict != DOES_NOT_FIT:
                continue
            if study_id in table:
                if not hand_excludes(table[study_id], c, profile):
                    unsupported += 1
                    print(f"  UNSUPPORTED {study_id} for {label}: {fit.text}")
            elif not all(r.source for r in fit.reasons if r.status == NO):
                unsupported += 1
                print(f"  NO SOURCE {study_id} for {label}: {fit.text}")
        counts = ", ".join(f"{verdicts[v]} {v}" for v in VERDICTS)
        print(f"  {label}: {counts}")
    print(f"Unsupported 'does not fit' verdicts: {unsupported}.")
    sentences = sentence_table.rows()
    wrong = [r for r in sentences if sentence_table.observed(sentence_table.reading(r["part"], r["sentence"]))
             != sentence_table.expected(r)]
    print(f"\nCriteria sentences read as a clinician reads them (tests/data/criteria_sentences.csv: alternatives, "
          f"examples, subgroups, drug names, other diseases): {len(sentences) - len(wrong)} of {len(sentences)} exact.")
    for r in wrong:
        print(f"  WRONG {r['source']}: {r['sentence'][:90]}")
    unsupported += len(wrong)
    return 1 if wrong or unsupported else 0


if __name__ == "__main__":
    sys.exit(main())
