"""Shared test helpers: where the real ClinicalTrials.gov records are, and clients
that do not wait between requests."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from trials.api import Client
from trials.standin import shared_dir

REPO = Path(__file__).resolve().parents[1]
CTGOV = shared_dir() / "ctgov"
MS_2025 = CTGOV / "ms-2025-09" / "studies.jsonl"
MSC_2022 = CTGOV / "msc-2022" / "studies.jsonl"
FULL_RECORDS = CTGOV / "full-records" / "studies.json"

needs_shared = pytest.mark.skipif(
    not CTGOV.is_dir(),
    reason=f"the real ClinicalTrials.gov records are not at {CTGOV} (set TRIALS_SHARED_DIR)",
)

BASE = "https://ctgov.test/api/v2"


def load_jsonl(path: Path) -> list[dict]:
    with open(path, encoding="utf-8") as fh:
        return [json.loads(line) for line in fh]


def by_id(studies: list[dict], nct_id: str) -> dict:
    return next(s for s in studies if s["protocolSection"]["identificationModule"]["nctId"] == nct_id)


def study(nct_id: str, **status) -> dict:
    """A minimal study in the v2 shape (the shape of the ms-2025-09 records)."""
    return {
        "protocolSection": {
            "identificationModule": {"nctId": nct_id, "briefTitle": f"Study {nct_id}"},
            "statusModule": {
                "overallStatus": status.get("status", "RECRUITING"),
                "lastUpdatePostDateStruct": {"date": status.get("updated", "2025-01-01")},
            },
        },
        "hasResults": False,
    }


@pytest.fixture
def client():
    with Client(BASE, interval=0, backoff=0) as c:
        yield c
