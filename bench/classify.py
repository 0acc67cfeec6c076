"""Precision and recall of trials.analysis.classify on the labelled ClinicalTrials.gov records.

Run from the repository root: ``python bench/classify.py``. The data is read in place from
``tests/data/ctgov`` (the copy of the shared records), or from ``$TRIALS_SHARED_DIR/ctgov``.

It prints the scores per label on every record, per source corpus, and per half of the fixed
split in ``tests/support/evaluation.py`` (``held-out`` is the half no rule was written from: the
figure that says how the rules generalise); then the score on the phrasings written for the
tests (``tests/data/classifier_phrasings.csv``), the first-pass candidate recall, the study
roles against the hand labels (``tests/data/roles_expected.csv``) and our own role phrasings
(``tests/data/role_phrasings.csv``), the accuracy of the therapy kinds (whose cells, tissue,
route), and every miss. A study present in two corpora (sparse in ms-2025-09, full in msc-2022) counts twice:
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
from trials.analysis.subtype import subtype  # noqa: E402
from trials.registries.ctgov.plan import CANDIDATE_FIELDS  # noqa: E402
from trials.registries.ctgov.record import read_study  # noqa: E402

DATA = Path(__file__).resolve().parents[1] / "tests" / "data"
PHRASINGS = DATA / "classifier_phrasings.csv"
ROLE_PHRASINGS = DATA / "role_phrasings.csv"
ROLES_EXPECTED = DATA / "roles_expected.csv"
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


def _roles_and_kinds(records: list[ev.Record], results: list[ev.Result]) -> None:
    """Study roles against the hand labels and our own phrasings; kinds (whose cells, which
    tissue, which route) against the hand labels on each study's fullest record."""
    expected = ev.load_expected(ROLES_EXPECTED)
    pairs = [(expected[r.study_id].role, c.study_role) for r, c in results if r.study_id in expected]
    wrong = [f"  {r.study_id} [{r.corpus}]: expected {expected[r.study_id].role}, got {c.study_role or '-'}"
             for r, c in results if r.study_id in expected and c.study_role != expected[r.study_id].role]
    phrasings = ev.load_role_phrasings(ROLE_PHRASINGS)
    got = [(p, classify(read_study(p.as_study())).study_role) for p in phrasings]
    wrong += [f"  phrasing {p.title!r}: expected {p.expected}, got {role or '-'}" for p, role in got
              if role != p.expected]
    for half in (ev.RULES, ev.HELD_OUT):
        part = [(expected[r.study_id].role, c.study_role) for r, c in results
                if r.study_id in expected and r.split == half]
        _table(f"Study roles, split {half} ({len(part)} labelled records)", ev.role_scores(part))
    _table(f"Study roles, all labelled records ({len(pairs)})", ev.role_scores(pairs))
    _table(f"Study roles, phrasings written for the tests ({len(phrasings)}, {ROLE_PHRASINGS.name})",
           ev.role_scores([(p.expected, role) for p, role in got]))
    for line in wrong:
        print(line)

    right = {"whose cells": [0, 0], "tissue": [0, 0], "route": [0, 0]}
    misses = []
    for r in ev.fullest([r for r in records if r.study_id in expected]):
        study = read_study(r.study)
        kind = subtype(study, classify(study).labels)
        e = expected[r.study_id]
        checks = [("route", ev.routes_agree(e.routes, kind.routes), e.routes, kind.routes)]
        if e.donors is not None:
            checks.append(("whose cells", e.donors == tuple(sorted(kind.donors)), e.donors, kind.donors))
        if e.tissues is not None:
            checks.append(("tissue", e.tissues == tuple(sorted(kind.tissues)), e.tissues, kind.tissues))
        for name, agrees, want, have in checks:
            right[name][0] += agrees
            right[name][1] += 1
            if not agrees:
                misses.append(f"  {r.study_id} [{r.corpus}] {name}: expected {', '.join(want) or 'not stated'}, "
                              f"got {', '.join(have) or 'not stated'}")
    print("\nTherapy kind accuracy (fullest record of each labelled study):")
    for name, (ok, total) in right.items():
        print(f"  {name:12} {ok}/{total} = {ok / total:.3f}")
    for line in misses:
        print(line)


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

    _roles_and_kinds(records, results)

    missed = ev.misses(results)
    print(f"\nMisses ({len(missed)}):")
    for r, c in missed:
        expected = ";".join(t for t in THERAPY_TYPES if t in r.expected) or "-"
        got = ";".join(c.labels) or "-"
        print(f"  {r.study_id} [{r.corpus}, {r.split}] expected {expected} ms={r.expected_ms}, "
              f"got {got} ms={c.is_ms}")
        print(f"      {describe(c)}")
        print(f"      title: {r.title}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
