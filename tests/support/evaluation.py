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
import re
from dataclasses import dataclass
from pathlib import Path

from trials.analysis.classify import STUDY_ROLES, THERAPY_TYPES, Classification, classify
from trials.registries.ctgov.record import raw_nct_id, read_study
from trials.registries.values import dig

JSONL_CORPORA = ("ms-2025-09", "msc-2022")
FULL_RECORDS = "full-records"  # one JSON array, no label rows: none is a stem-cell study
RULES, HELD_OUT = "rules", "held-out"
MS_STEM_CELL = "MS stem-cell study"


def split_of(study_id: str) -> str:
    """The half a study belongs to: a fixed function of its id."""
    return HELD_OUT if hashlib.sha256(study_id.encode()).digest()[0] % 2 else RULES


@dataclass(frozen=True)
class Record:
    corpus: str
    study: dict
    study_id: str
    expected: frozenset[str]  # no label row means not a stem-cell study
    expected_ms: bool | None  # None: no label row, MS status unknown

    @property
    def split(self) -> str:
        return split_of(self.study_id)

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
        study_id = str(raw_nct_id(study))
        row = labels.get(study_id)
        expected = frozenset(filter(None, row["labels"].split(";"))) if row else frozenset()
        expected_ms = row["is_ms"] == "true" if row else None
        records.append(Record(corpus, study, study_id, expected, expected_ms))
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


# -- study roles and therapy kinds, labelled by hand (tests/data/roles_expected.csv) ------
#
# Every labelled stem-cell study was read by a person who did not see the classifier, and
# given its role and, where the record says it, whose cells, which tissue and which route.
# The labels are true of the study, read from its fullest record, so the kinds are scored
# on that record only (a sparse listing cannot say what only the description says).

KIND_NOT_STATED = "not stated"
OTHER_ROUTE = "other"  # the labels' word for intranasal and surgical routes


@dataclass(frozen=True)
class Expected:
    study_id: str
    role: str
    donors: tuple[str, ...] | None  # None: not asked (neither HSCT nor MSC)
    tissues: tuple[str, ...] | None  # None: not an MSC study
    routes: tuple[str, ...]


def _values(cell: str) -> tuple[str, ...]:
    return tuple(sorted(v for v in cell.split(";") if v and v != KIND_NOT_STATED))


def load_expected(path: Path) -> dict[str, Expected]:
    with open(path, encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    out = {}
    for row in rows:
        donor_cell = row["hsct_source"] or row["msc_origin"]
        out[row["nct_id"]] = Expected(
            row["nct_id"], row["role"],
            _values(donor_cell) if donor_cell else None,
            _values(row["msc_source"]) if row["msc_source"] else None,
            _values(row["routes"]))
    return out


def fullest(records: list[Record]) -> list[Record]:
    """One record per study: the msc-2022 one (descriptions, arms) where there is one."""
    chosen: dict[str, Record] = {}
    for r in records:
        if r.corpus == FULL_RECORDS:
            continue
        if r.study_id not in chosen or r.corpus == "msc-2022":
            chosen[r.study_id] = r
    return list(chosen.values())


def routes_agree(expected: tuple[str, ...], got: tuple[str, ...]) -> bool:
    named = tuple(sorted(r for r in got if r not in ("intranasal", "into the brain")))
    others = [r for r in got if r in ("intranasal", "into the brain")]
    return (tuple(r for r in expected if r != OTHER_ROUTE) == named
            and (OTHER_ROUTE in expected) == bool(others))


@dataclass(frozen=True)
class RolePhrasing:
    """A study of our own words: what a registry writes when a study gives, follows or only
    samples (tests/data/role_phrasings.csv)."""

    title: str
    study_type: str
    interventions: tuple[tuple[str, str], ...]  # (type, name)
    summary: str
    expected: str
    note: str

    def as_study(self) -> dict:
        protocol: dict = {
            "identificationModule": {"nctId": "NCT00000000", "briefTitle": self.title},
            "conditionsModule": {"conditions": ["Multiple Sclerosis"]},
            "designModule": {"studyType": self.study_type},
            "armsInterventionsModule": {"interventions": [
                {"type": kind, "name": name} for kind, name in self.interventions]},
        }
        if self.summary:
            protocol["descriptionModule"] = {"briefSummary": self.summary}
        return {"protocolSection": protocol}


def load_role_phrasings(path: Path) -> list[RolePhrasing]:
    with open(path, encoding="utf-8", newline="") as fh:
        return [
            RolePhrasing(row["title"], row["study_type"], tuple(
                tuple(item.split(":", 1)) for item in row["interventions"].split(";") if item),  # type: ignore[misc]
                row["summary"], row["expected"], row["note"])
            for row in csv.DictReader(fh)
        ]


def role_scores(pairs: list[tuple[str, str]]) -> list[Score]:
    """Precision and recall per study role, from (expected, predicted) roles."""
    return [score(role, [(e == role, p == role) for e, p in pairs]) for role in STUDY_ROLES]


# -- wording sets (tests/data/wordings, see its README) ---------------------------------------


@dataclass(frozen=True)
class Wording:
    """A small study of our own words, with the labels and role a reader gives it."""

    id: str
    data: dict
    expected: tuple[str, ...]
    expected_role: str

    @property
    def title(self) -> str:
        return str(self.data.get("title", ""))

    def as_study(self) -> dict:
        """The study as a ClinicalTrials.gov v2 record, so the real adapter reads it."""
        d = self.data
        identification = {"nctId": "NCT00000000", "briefTitle": d.get("title", "")}
        for key, field in (("official_title", "officialTitle"), ("acronym", "acronym")):
            if d.get(key):
                identification[field] = d[key]
        protocol: dict = {
            "identificationModule": identification,
            "conditionsModule": {"conditions": d.get("conditions", []), "keywords": d.get("keywords", [])},
            "armsInterventionsModule": {
                "interventions": [
                    {"type": i.get("type", "OTHER"), "name": i.get("name", ""),
                     **({"description": i["description"]} if i.get("description") else {}),
                     **({"otherNames": i["other_names"]} if i.get("other_names") else {})}
                    for i in d.get("interventions", [])],
                "armGroups": [
                    {"label": a.get("label", ""), "type": a.get("type", "OTHER"),
                     **({"description": a["description"]} if a.get("description") else {})}
                    for a in d.get("arms", [])],
            },
        }
        if d.get("study_type"):
            protocol["designModule"] = {"studyType": d["study_type"]}
        if d.get("summary"):
            protocol["descriptionModule"] = {"briefSummary": d["summary"]}
        return {"protocolSection": protocol}


WORDINGS = Path(__file__).resolve().parents[1] / "data" / "wordings"


def wording_sets(folder: Path = WORDINGS) -> list[Path]:
    """The development set, then the held-out sets in the order they were written (2 before 10)."""
    held_out = sorted(folder.glob("held_out*.jsonl"), key=lambda p: int(re.sub(r"\D", "", p.stem) or 1))
    return [folder / "development.jsonl", *held_out]


def load_wordings(path: Path) -> list[Wording]:
    with open(path, encoding="utf-8") as fh:
        rows = [json.loads(line) for line in fh if line.strip()]
    return [Wording(r["id"], r, tuple(t for t in THERAPY_TYPES if t in r["expected_labels"]), r["expected_role"])
            for r in rows]


def wording_scores(wordings: list[Wording], got: list[Classification]) -> tuple[list[Score], list[Score]]:
    """Per label, and per study role ("" counts as no role), on a wording set."""
    labels = [score(label, [(label in w.expected, label in c.labels) for w, c in zip(wordings, got, strict=True)])
              for label in THERAPY_TYPES]
    return labels, role_scores([(w.expected_role, c.study_role) for w, c in zip(wordings, got, strict=True)])
