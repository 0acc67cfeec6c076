"""Precision and recall of trials.analysis.classify on the labelled ClinicalTrials.gov records.

Run from the repository root: ``python bench/classify.py``. The data is read in place from
``shared/ctgov`` next to the repository, or from ``$TRIALS_SHARED_DIR/ctgov``.

It prints the scores per label on every record, per source corpus, and per half of the fixed
split in ``tests/support/evaluation.py`` (``held-out`` is the half no rule was written from: the
figure that says how the rules generalise); then the score on the phrasings written for the
tests (``tests/data/classifier_phrasings.csv``), the first-pass candidate recall, and every
miss. A study present in two corpora (sparse in ms-2025-09, full in msc-2022) counts twice:
the classifier must work on both shapes.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.support import evaluation as ev  # noqa: E402
from tests.support import standin  # noqa: E402
from tests.support.standin import shared_dir  # noqa: E402
from trials.analysis.classify import THERAPY_TYPES, classify, describe, is_candidate  # noqa: E402
from trials.registries.ctgov.plan import CANDIDATE_FIELDS  # noqa: E402
from trials.registries.ctgov.record import read_study  # noqa: E402

PHRASINGS = Path(__file__).resolve().parents[1] / "tests" / "data" / "classifier_phrasings.csv"
FIRST_PASS_CORPUS = "ms-2025-09"  # the answer to query.cond=multiple sclerosis


def candidate_recall(records: list[ev.Record], fields: tuple[str, ...]) -> tuple[float, int]:
    """Share of stem-cell records kept by is_candidate on the record as a ``fields=`` answer
    (projected by the stand-in's rules), and how many first-pass studies it keeps."""
    positives = [r for r in records if r.expected]
    kept = sum(is_candidate(read_study(standin.project(r.study, fields))) for r in positives)
    count = sum(is_candidate(read_study(standin.project(r.study, fields)))
                for r in records if r.corpus == FIRST_PASS_CORPUS)
    return kept / len(positives), count


def _table(title: str, scores: list[ev.Score]) -> None:
    print(f"\n{title}")
    print(f"  {'':20} {'support':>7} {'TP':>4} {'FP':>4} {'FN':>4} {'precision':>9} {'recall':>7}")
    for s in scores:
        print(f"  {s.name:20} {s.support:7d} {s.tp:4d} {s.fp:4d} {s.fn:4d} {s.precision:9.3f} {s.recall:7.3f}")


def _phrasing_scores(phrasings: list[ev.Phrasing]) -> tuple[list[ev.Score], list[str]]:
    got = [(p, classify(read_study(p.as_study())).labels) for p in phrasings]
    scores = [ev.score(label, [(label in p.expected, label in labels) for p, labels in got])
              for label in THERAPY_TYPES]
    wrong = [f"  {p.text!r}: expected {'; '.join(p.expected) or '-'}, got {'; '.join(labels) or '-'}"
             for p, labels in got if labels != p.expected]
    return scores, wrong


def main() -> int:
    records = ev.load_records(shared_dir() / "ctgov")
    results = ev.classify_all(records)
    corpora = (*ev.JSONL_CORPORA, ev.FULL_RECORDS)
    print(f"{len(records)} study records: " + ", ".join(
        f"{corpus} {sum(r.corpus == corpus for r in records)}" for corpus in corpora))

    _table("All records", ev.scores(results))
    for corpus in corpora:
        _table(f"Corpus {corpus}", ev.scores([(r, c) for r, c in results if r.corpus == corpus]))
    for half in (ev.RULES, ev.HELD_OUT):
        part = [(r, c) for r, c in results if r.split == half]
        note = " (no rule was written from these)" if half == ev.HELD_OUT else " (read while writing rules)"
        _table(f"Split {half}: {len(part)} records{note}", ev.scores(part))

    phrasings = ev.load_phrasings(PHRASINGS)
    scores, wrong = _phrasing_scores(phrasings)
    _table(f"Phrasings written for the tests ({len(phrasings)}, {PHRASINGS.name})", scores)
    for line in wrong:
        print(line)

    recall, count = candidate_recall(records, CANDIDATE_FIELDS)
    print(f"\nCANDIDATE_FIELDS = {', '.join(CANDIDATE_FIELDS)}")
    print(f"candidate recall (stem-cell records, projected): {recall:.3f}")
    print(f"candidates in {FIRST_PASS_CORPUS}: {count} of "
          f"{sum(r.corpus == FIRST_PASS_CORPUS for r in records)}")

    roles: dict[str, int] = {}
    for r, c in results:
        if c.labels and c.is_ms:
            roles[c.study_role] = roles.get(c.study_role, 0) + 1
    print("\nStudy roles of MS stem-cell records: "
          + ", ".join(f"{role} {n}" for role, n in sorted(roles.items())))

    missed = ev.misses(results)
    print(f"\nMisses ({len(missed)}):")
    for r, c in missed:
        expected = ";".join(t for t in THERAPY_TYPES if t in r.expected) or "-"
        got = ";".join(c.labels) or "-"
        print(f"  {r.nct_id} [{r.corpus}, {r.split}] expected {expected} ms={r.expected_ms}, "
              f"got {got} ms={c.is_ms}")
        print(f"      {describe(c)}")
        print(f"      title: {r.title}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
