"""Precision and recall of trials.analysis.classify, on our wording sets and on the labelled
ClinicalTrials.gov records; the vocabulary by source; bytes of the MeSH fields; speed.

Run from the repository root: ``python bench/classify.py [--before COMMIT]``. The data is
read in place from ``tests/data`` (the copy of the shared records), or from
``$TRIALS_SHARED_DIR/ctgov``.

It prints, in this order:

- the wording sets (``tests/data/wordings``): ``development`` (written before the version-4
  rules and frozen; the rules were written reading it) and ``held-out`` (written by someone who
  never saw the rules, kept unread until they were final, never tuned on): precision and recall
  per label and per study role, and every study it gets wrong;
- the vocabulary's size, by source family, and the context cues';
- the labelled records: scores per label, per source corpus and per half of the fixed split in
  ``tests/support/evaluation.py`` (``held-out`` is the half no rule was written from); the older
  phrasings written for the tests; the first-pass candidate recall; study roles against the hand
  labels; the accuracy of the therapy kinds; every miss;
- the extra bytes the MeSH fields cost a listing page and a full record (real v2 records);
- the time to classify every record, next to the classifier of an earlier commit in a temporary
  git worktree, in one run (``--before``, default the last version-3 commit).

A study present in two corpora (sparse in ms-2025-09, full in msc-2022) counts twice: the
classifier must work on both shapes.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.support import evaluation as ev  # noqa: E402
from tests.support import standin  # noqa: E402
from tests.support.standin import shared_dir  # noqa: E402
from trials.analysis import context, vocabulary  # noqa: E402
from trials.analysis.classify import THERAPY_TYPES, classify, describe, is_candidate  # noqa: E402
from trials.analysis.subtype import subtype  # noqa: E402
from trials.registries.ctgov.plan import CANDIDATE_FIELDS, DETAIL_FIELDS  # noqa: E402
from trials.registries.ctgov.record import read_study  # noqa: E402
from trials.registries.values import dig  # noqa: E402

DATA = Path(__file__).resolve().parents[1] / "tests" / "data"
PHRASINGS = DATA / "classifier_phrasings.csv"
ROLE_PHRASINGS = DATA / "role_phrasings.csv"
ROLES_EXPECTED = DATA / "roles_expected.csv"
FIRST_PASS_CORPUS = "ms-2025-09"  # the answer to query.cond=multiple sclerosis
REPO = Path(__file__).resolve().parents[1]
BEFORE = "ac8a95a"  # the last commit of classifier version 3 (the rules before the vocabulary)
MS_STUDIES = 3616  # what query.cond=multiple sclerosis listed on 2025-09-25 (shared/ctgov/README.md)


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


def _wording_set(name: str, path: Path) -> None:
    wordings = ev.load_wordings(path)
    got = [classify(read_study(w.as_study())) for w in wordings]
    labels, roles = ev.wording_scores(wordings, got)
    exact = sum(c.labels == w.expected and c.study_role == w.expected_role
                for w, c in zip(wordings, got, strict=True))
    _table(f"Wording set {name} ({len(wordings)} studies, {path.name}): labels", labels)
    _table(f"Wording set {name}: study roles", roles)
    print(f"  labels and role both right: {exact}/{len(wordings)}")
    for w, c in zip(wordings, got, strict=True):
        if c.labels != w.expected or c.study_role != w.expected_role:
            print(f"  {w.id} expected {'; '.join(w.expected) or '-'} / {w.expected_role or '-'}, got "
                  f"{'; '.join(c.labels) or '-'} / {c.study_role or '-'}: {w.title[:70]}")
            print(f"      {describe(c)[:220]}")


def _vocabulary() -> None:
    vocab = vocabulary.vocabulary()
    print(f"\nVocabulary: {len(vocab.terms)} terms of {len({t.concept.id for t in vocab.terms})} concepts "
          f"(trials/data/{vocabulary.VOCABULARY_FILE}); by source:")
    for family, count in vocab.by_source().items():
        print(f"  {count:5d}  {family}")
    kinds: dict[str, int] = {}
    for t in vocab.terms:
        kinds[t.kind] = kinds.get(t.kind, 0) + 1
    print("  by kind of term: " + ", ".join(f"{k} {n}" for k, n in sorted(kinds.items(), key=lambda i: -i[1])))
    cues = (REPO / "trials" / "data" / context.CUES_FILE).read_text(encoding="utf-8").splitlines()[1:]
    print(f"Context cues: {len(cues)} (trials/data/{context.CUES_FILE})")


def _mesh_bytes() -> None:
    """What the MeSH fields add to a listing page and to a full record, on the real v2 records
    (the full-records corpus: the others were rebuilt without the derived section)."""
    full = json.loads((shared_dir() / "ctgov" / ev.FULL_RECORDS / "studies.json").read_text(encoding="utf-8"))

    def size(fields: tuple[str, ...]) -> float:
        return sum(len(json.dumps(standin.project(s, fields), separators=(",", ":"))) for s in full) / len(full)

    without = tuple(f for f in CANDIDATE_FIELDS if f != "InterventionMeshTerm")
    listing = size(CANDIDATE_FIELDS) - size(without)
    detail_without = tuple(f for f in DETAIL_FIELDS if f != "InterventionMeshId")
    detail = size(DETAIL_FIELDS) - size(detail_without)
    print(f"\nMeSH fields, mean bytes per study over {len(full)} real v2 records:")
    print(f"  first pass: InterventionMeshTerm adds {listing:.0f} B to {size(without):.0f} B "
          f"({listing / size(without):.0%}); over {MS_STUDIES} MS studies about {listing * MS_STUDIES / 1024:.0f} KiB "
          "a full listing (an incremental one asks only for studies updated since)")
    print(f"  full records: InterventionMeshId adds {detail:.1f} B to {size(detail_without):.0f} B "
          f"({detail / size(detail_without):.2%})")
    indexed = [s for s in full if dig(s, "derivedSection", "interventionBrowseModule", "meshes")]
    terms = sum(len(dig(s, "derivedSection", "interventionBrowseModule", "meshes")) for s in indexed)
    per_term = (size(CANDIDATE_FIELDS) - size(without)) * len(full) / max(terms, 1)
    per_id = detail * len(full) / max(terms, 1)
    print(f"  {len(indexed)} of these records carry intervention index terms ({terms} in all): each costs about "
          f"{per_term:.0f} B in the first pass and its id {per_id:.0f} B more in the full record")


_TIMING = """
import sys, time
sys.path.insert(0, sys.argv[1])
sys.path.insert(1, sys.argv[2])
from tests.support import evaluation as ev
from tests.support.standin import shared_dir
from trials.analysis.classify import classify
from trials.registries.ctgov.record import read_study
studies = [read_study(r.study) for r in ev.load_records(shared_dir() / "ctgov")]
classify(studies[0])
best = float("inf")
for _ in range(5):
    start = time.perf_counter()
    for s in studies:
        classify(s)
    best = min(best, time.perf_counter() - start)
print(best, len(studies))
"""


def _speed(before: str) -> None:
    """Both classifiers in fresh processes, alternating, best of five passes each."""
    with tempfile.TemporaryDirectory() as folder:
        tree = Path(folder) / "before"
        subprocess.run(["git", "-C", str(REPO), "worktree", "add", "--detach", "-q", str(tree), before], check=True)
        try:
            seconds: dict[str, list[float]] = {"before": [], "after": []}
            count = 0
            for _ in range(2):
                for label, root in (("before", tree), ("after", REPO)):
                    out = subprocess.run([sys.executable, "-c", _TIMING, str(root), str(REPO)], cwd=root,
                                         capture_output=True, text=True, check=True).stdout.split()
                    seconds[label].append(float(out[0]))
                    count = int(out[1])
        finally:
            subprocess.run(["git", "-C", str(REPO), "worktree", "remove", "--force", str(tree)], check=False)
    b, a = min(seconds["before"]), min(seconds["after"])
    print(f"\nTime to classify all {count} records (best of 5 passes, twice, alternating):")
    print(f"  before ({before}): {b:.3f} s   after (this checkout): {a:.3f} s   after / before {a / b:.2f}x")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--before", default=BEFORE, help=f"the earlier commit timed beside this one ({BEFORE})")
    parser.add_argument("--no-speed", action="store_true", help="skip the timing")
    args = parser.parse_args()
    for path in ev.wording_sets():
        _wording_set(path.stem.replace("_", "-"), path)
    _vocabulary()
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
    _mesh_bytes()
    if not args.no_speed:
        _speed(args.before)
    return 0


if __name__ == "__main__":
    sys.exit(main())
