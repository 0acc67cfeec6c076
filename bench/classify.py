"""Precision and recall of trials.classify on the shared ClinicalTrials.gov test data.

Run from the repository root: ``python bench/classify.py``. The data is read in place from
``shared/ctgov`` next to the repository, or from ``$TRIALS_SHARED_DIR/ctgov``.

Every study record is scored on its own, so a study present in two corpora (sparse in
ms-2025-09, full in msc-2022) counts twice: the classifier must work on both shapes.
"""

from __future__ import annotations

import csv
import json
import sys
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from trials import standin  # noqa: E402
from trials.classify import (  # noqa: E402
    CANDIDATE_FIELDS,
    THERAPY_TYPES,
    Classification,
    classify,
    describe,
    is_candidate,
)

JSONL_CORPORA = ("ms-2025-09", "msc-2022")
FULL_RECORDS = "full-records"  # one JSON array
FIRST_PASS_CORPUS = "ms-2025-09"  # the answer to query.cond=multiple sclerosis
MS_STEM_CELL = "MS stem-cell study"


def ctgov_dir() -> Path:
    return standin.shared_dir() / "ctgov"


@dataclass(frozen=True)
class Record:
    corpus: str
    study: dict
    nct_id: str
    expected: frozenset[str]  # no label row means not a stem-cell study
    expected_ms: bool | None  # None: no label row, MS status unknown

    @property
    def title(self) -> str:
        ident = self.study.get("protocolSection", {}).get("identificationModule", {})
        return ident.get("briefTitle", "")


def _read_studies(ctgov: Path) -> list[tuple[str, dict]]:
    studies = []
    for corpus in JSONL_CORPORA:
        with open(ctgov / corpus / "studies.jsonl", encoding="utf-8") as fh:
            studies += [(corpus, json.loads(line)) for line in fh if line.strip()]
    full = json.loads((ctgov / FULL_RECORDS / "studies.json").read_text(encoding="utf-8"))
    return studies + [(FULL_RECORDS, study) for study in full]


def load_records(ctgov: Path | None = None) -> list[Record]:
    ctgov = ctgov or ctgov_dir()
    with open(ctgov / "labels-public.csv", encoding="utf-8", newline="") as fh:
        labels = {row["nct_id"]: row for row in csv.DictReader(fh)}
    records = []
    for corpus, study in _read_studies(ctgov):
        nct_id = study["protocolSection"]["identificationModule"]["nctId"]
        row = labels.get(nct_id)
        expected = frozenset(filter(None, row["labels"].split(";"))) if row else frozenset()
        expected_ms = row["is_ms"] == "true" if row else None
        records.append(Record(corpus, study, nct_id, expected, expected_ms))
    return records


@dataclass(frozen=True)
class Score:
    name: str
    tp: int
    fp: int
    fn: int

    @property
    def support(self) -> int:
        return self.tp + self.fn

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        return self.tp / self.support if self.support else 1.0


def _score(name: str, pairs: list[tuple[bool, bool]]) -> Score:
    """pairs: (expected, predicted) per record."""
    return Score(
        name,
        tp=sum(e and p for e, p in pairs),
        fp=sum(p and not e for e, p in pairs),
        fn=sum(e and not p for e, p in pairs),
    )


@dataclass(frozen=True)
class Report:
    scores: tuple[Score, ...]
    candidate_recall: float
    candidate_count: int
    first_pass_size: int
    misses: tuple[tuple[Record, Classification], ...]


def _is_ms_stem_cell(labels: object, is_ms: bool | None) -> bool:
    return bool(labels) and bool(is_ms)


def project(study: dict, fields: tuple[str, ...]) -> dict:
    """The study as the API returns it for ``fields=``, using the local stand-in's rules."""
    return standin.project(study, fields)


def candidate_recall(records: list[Record], fields: tuple[str, ...]) -> tuple[float, int]:
    """Share of stem-cell records kept by is_candidate on the projected record, and the
    number of first-pass studies kept."""
    positives = [r for r in records if r.expected]
    kept = sum(is_candidate(project(r.study, fields)) for r in positives)
    count = sum(is_candidate(project(r.study, fields)) for r in records if r.corpus == FIRST_PASS_CORPUS)
    return kept / len(positives), count


def evaluate(records: list[Record]) -> Report:
    results = [(r, classify(r.study)) for r in records]
    labelled = [(r, c) for r, c in results if r.expected_ms is not None]
    scores = [
        _score(label, [(label in r.expected, label in c.labels) for r, c in results])
        for label in THERAPY_TYPES
    ]
    scores.append(_score("is_ms", [(bool(r.expected_ms), c.is_ms) for r, c in labelled]))
    ms_stem_cell = [
        (_is_ms_stem_cell(r.expected, r.expected_ms), _is_ms_stem_cell(c.labels, c.is_ms))
        for r, c in labelled
    ]
    scores.append(_score(MS_STEM_CELL, ms_stem_cell))
    recall, count = candidate_recall(records, CANDIDATE_FIELDS)
    misses = tuple(
        (r, c)
        for r, c in results
        if set(c.labels) != r.expected or (r.expected_ms is not None and c.is_ms != r.expected_ms)
    )
    return Report(
        tuple(scores), recall, count, sum(r.corpus == FIRST_PASS_CORPUS for r in records), misses
    )


def _print_field_choice(records: list[Record]) -> None:
    print("\nCandidate fields, measured (recall over stem-cell records / ms-2025-09 candidates):")
    print(f"  {'CANDIDATE_FIELDS':40} {'recall':>7} {'count':>6}")
    variants = [(f"without {f}", tuple(x for x in CANDIDATE_FIELDS if x != f)) for f in CANDIDATE_FIELDS[1:]]
    variants += [
        (f"with {f}", CANDIDATE_FIELDS + (f,))
        for f in ("Acronym", "Keyword", "ArmGroupLabel", "InterventionDescription", "BriefSummary")
    ]
    for name, fields in variants:
        recall, count = candidate_recall(records, fields)
        print(f"  {name:40} {recall:7.3f} {count:6d}")


def main() -> int:
    records = load_records()
    report = evaluate(records)
    print(f"{len(records)} study records: " + ", ".join(
        f"{corpus} {sum(r.corpus == corpus for r in records)}"
        for corpus in (*JSONL_CORPORA, FULL_RECORDS)
    ))
    print(f"\n{'':20} {'support':>7} {'TP':>4} {'FP':>4} {'FN':>4} {'precision':>9} {'recall':>7}")
    for s in report.scores:
        print(f"{s.name:20} {s.support:7d} {s.tp:4d} {s.fp:4d} {s.fn:4d} {s.precision:9.3f} {s.recall:7.3f}")
    print(f"\nCANDIDATE_FIELDS = {', '.join(CANDIDATE_FIELDS)}")
    print(f"candidate recall (stem-cell records, projected): {report.candidate_recall:.3f}")
    print(f"candidates in {FIRST_PASS_CORPUS}: {report.candidate_count} of {report.first_pass_size}")
    _print_field_choice(records)
    print(f"\nMisses ({len(report.misses)}):")
    for r, c in report.misses:
        expected = ";".join(t for t in THERAPY_TYPES if t in r.expected) or "-"
        got = ";".join(c.labels) or "-"
        print(f"  {r.nct_id} [{r.corpus}] expected {expected} ms={r.expected_ms}, got {got} ms={c.is_ms}")
        print(f"      {describe(c)}")
        print(f"      title: {r.title}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
