"""The labelled ClinicalTrials.gov records and how the classifier is scored on them.

Used by ``bench/classify.py`` (which prints the figures) and by the tests (which hold the
classifier to them). The records live in ``shared/ctgov`` beside the repository; see its
README for what each corpus is.

The split. Before the rules of classifier version 2 were written, every labelled study
was put in one of two halves by its NCT id alone: ``rules`` (read while writing rules) and
``held-out`` (never read; scored only). A study keeps its half in every corpus, so its
sparse and full records fall together. The split is fixed here and must not change:
scores on ``held-out`` are the measure of how the rules generalise.
"""

from __future__ import annotations

import csv
import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

from trials.analysis.classify import THERAPY_TYPES, Classification, classify
from trials.registries.ctgov.record import dig, raw_nct_id, read_study

JSONL_CORPORA = ("ms-2025-09", "msc-2022")
FULL_RECORDS = "full-records"  # one JSON array, no label rows: none is a stem-cell study
RULES, HELD_OUT = "rules", "held-out"
MS_STEM_CELL = "MS stem-cell study"


def split_of(nct_id: str) -> str:
    """The half a study belongs to: a fixed function of its id."""
    return HELD_OUT if hashlib.sha256(nct_id.encode()).digest()[0] % 2 else RULES


@dataclass(frozen=True)
class Record:
    corpus: str
    study: dict
    nct_id: str
    expected: frozenset[str]  # no label row means not a stem-cell study
    expected_ms: bool | None  # None: no label row, MS status unknown

    @property
    def split(self) -> str:
        return split_of(self.nct_id)

    @property
    def title(self) -> str:
        return str(dig(self.study, "protocolSection", "identificationModule", "briefTitle") or "")


def _read_studies(ctgov: Path) -> list[tuple[str, dict]]:
    studies = []
    for corpus in JSONL_CORPORA:
        with open(ctgov / corpus / "studies.jsonl", encoding="utf-8") as fh:
            studies += [(corpus, json.loads(line)) for line in fh if line.strip()]
    full = json.loads((ctgov / FULL_RECORDS / "studies.json").read_text(encoding="utf-8"))
    return studies + [(FULL_RECORDS, study) for study in full]


def load_records(ctgov: Path) -> list[Record]:
    with open(ctgov / "labels-public.csv", encoding="utf-8", newline="") as fh:
        labels = {row["nct_id"]: row for row in csv.DictReader(fh)}
    records = []
    for corpus, study in _read_studies(ctgov):
        nct_id = str(raw_nct_id(study))
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


def score(name: str, pairs: list[tuple[bool, bool]]) -> Score:
    """pairs: (expected, predicted) per record."""
    return Score(
        name,
        tp=sum(e and p for e, p in pairs),
        fp=sum(p and not e for e, p in pairs),
        fn=sum(e and not p for e, p in pairs),
    )


Result = tuple[Record, Classification]


def classify_all(records: list[Record]) -> list[Result]:
    return [(r, classify(read_study(r.study))) for r in records]


def scores(results: list[Result]) -> list[Score]:
    """Precision and recall per therapy label, for the MS filter and for 'MS stem-cell study'."""
    labelled = [(r, c) for r, c in results if r.expected_ms is not None]
    out = [score(label, [(label in r.expected, label in c.labels) for r, c in results])
           for label in THERAPY_TYPES]
    out.append(score("is_ms", [(bool(r.expected_ms), c.is_ms) for r, c in labelled]))
    out.append(score(MS_STEM_CELL, [
        (bool(r.expected) and bool(r.expected_ms), bool(c.labels) and c.is_ms) for r, c in labelled
    ]))
    return out


def misses(results: list[Result]) -> list[Result]:
    return [
        (r, c) for r, c in results
        if set(c.labels) != r.expected or (r.expected_ms is not None and c.is_ms != r.expected_ms)
    ]


# -- phrasings written for the tests: what registries write, not copied from records ------

@dataclass(frozen=True)
class Phrasing:
    field: str  # "intervention" or "title"
    text: str
    expected: tuple[str, ...]
    note: str

    def as_study(self) -> dict:
        """The phrasing as the only text of a minimal interventional study."""
        title = self.text if self.field == "title" else "A study in multiple sclerosis"
        protocol: dict = {
            "identificationModule": {"nctId": "NCT00000000", "briefTitle": title},
            "designModule": {"studyType": "INTERVENTIONAL"},
        }
        if self.field == "intervention":
            protocol["armsInterventionsModule"] = {
                "interventions": [{"type": "BIOLOGICAL", "name": self.text}]
            }
        return {"protocolSection": protocol}


def load_phrasings(path: Path) -> list[Phrasing]:
    with open(path, encoding="utf-8", newline="") as fh:
        return [
            Phrasing(row["field"], row["text"],
                     tuple(t for t in THERAPY_TYPES if t in row["expected"].split(";")), row["note"])
            for row in csv.DictReader(fh)
        ]
