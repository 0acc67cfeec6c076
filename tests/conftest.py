"""Shared test helpers: where the real ClinicalTrials.gov records are, and clients
that do not wait between requests."""

from __future__ import annotations

import gzip
import json
import os
import shutil
import time
from pathlib import Path

import pytest

from trials.analysis.classify import classified
from trials.analysis.table import Entry
from trials.model import StudyId
from trials.registries.ctgov.api import Client
from trials.registries.ctgov.record import read_study
from trials.store.sqlite import Classified, Writer

from .support.standin import shared_dir

REPO = Path(__file__).resolve().parents[1]
CTGOV = shared_dir() / "ctgov"
MS_2025 = CTGOV / "ms-2025-09" / "studies.jsonl"
MSC_2022 = CTGOV / "msc-2022" / "studies.jsonl"
FULL_RECORDS = CTGOV / "full-records" / "studies.json"


BASE = "https://ctgov.test/api/v2"


def load_jsonl(path: Path) -> list[dict]:
    with open(path, encoding="utf-8") as fh:
        return [json.loads(line) for line in fh]


def bundled_records() -> list[dict]:
    """The real records of the bundled copy the package ships (61 MS stem-cell studies):
    real data as the package ships it."""
    with gzip.open(REPO / "trials" / "data" / "bundled.json.gz", "rt", encoding="utf-8") as fh:
        return [s["record"] for s in json.load(fh)["studies"]]


def by_id(studies: list[dict], study_id: str) -> dict:
    return next(s for s in studies if s["protocolSection"]["identificationModule"]["nctId"] == study_id)


def study(study_id: str, **status) -> dict:
    """A minimal study in the v2 shape (the shape of the ms-2025-09 records)."""
    return {
        "protocolSection": {
            "identificationModule": {"nctId": study_id, "briefTitle": f"Study {study_id}"},
            "statusModule": {
                "overallStatus": status.get("status", "RECRUITING"),
                "lastUpdatePostDateStruct": {"date": status.get("updated", "2025-01-01")},
            },
        },
        "hasResults": False,
    }


def sid(study_id: str) -> StudyId:
    """A ClinicalTrials.gov study's id in the store."""
    return StudyId("ctgov", study_id)


def put(writer: Writer, record: dict, classified: Classified, **kw) -> bool:
    """Store a v2 record as the registry adapter does: read into the model, then written."""
    return writer.put(record, read_study(record), classified, **kw)


def entry(record: dict, data_timestamp: str = "2025-09-25T00:00:00", *, labels: tuple[str, ...] | None = None,
          fetched_at: str = "2025-09-25T10:00:00Z") -> Entry:
    """A v2 record as the finder shows it: read, classified (or given ``labels``), dated."""
    study = read_study(record)
    found = classified(study)
    return Entry(study, found.labels if labels is None else labels, found.evidence, found.study_role,
                 data_timestamp, fetched_at, "api", True)


@pytest.fixture
def client():
    with Client(BASE, interval=0, backoff=0) as c:
        yield c


def without_root_powers() -> list[str]:
    """A command prefix that takes away root's power to ignore file permissions.

    Tests of read-only files and folders must see what an ordinary user sees; as root
    (CI runs as root) chmod alone changes nothing. ``setpriv`` drops the capabilities
    that override permissions, for the one command it starts.
    """
    if os.geteuid() != 0:
        return []
    if not shutil.which("setpriv"):
        pytest.skip("running as root without setpriv: file permissions cannot be tested")
    return ["setpriv", "--bounding-set=-dac_override,-dac_read_search,-fowner"]


def wait_for(condition, timeout: float = 60.0, what: str = "a condition") -> None:
    """Poll ``condition`` until it holds (for real processes and servers to get somewhere)."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out waiting for {what}")
        time.sleep(0.05)


def trials_env(cache_dir: Path, api_url: str = "http://127.0.0.1:9/api/v2") -> dict[str, str]:
    """Environment for `python -m trials` in a subprocess: this checkout, a private store,
    no pause between requests (port 9 answers nothing: no API)."""
    return {**os.environ, "PYTHONPATH": str(REPO), "TRIALS_CACHE_DIR": str(cache_dir),
            "TRIALS_API_URL": api_url, "TRIALS_REQUEST_INTERVAL": "0"}


def hostile_study(study_id: str = "NCT00000001", title: str | None = None) -> dict:
    """A recruiting HSCT study for MS in the real v2 shape (modelled on BEAT-MS,
    NCT04047628), whose registry text carries what a page or terminal must not act on:
    web and e-mail addresses, Markdown, control characters and bidi overrides."""
    return {"protocolSection": {
        "identificationModule": {
            "nctId": study_id,
            "briefTitle": title if title is not None else (
                "Stem cells for MS \x1b[31mRED\x1b[0m \u202eTXET\u202c \x07 see http://title.evil.example/a,"
                " www.title-evil.example or write to title@evil.example"),
        },
        "statusModule": {"overallStatus": "RECRUITING",
                         "lastUpdatePostDateStruct": {"date": "2025-08-29"}},
        "sponsorCollaboratorsModule": {"leadSponsor": {"name": "Clinic www.sponsor-evil.example"}},
        "conditionsModule": {"conditions": ["Multiple Sclerosis", "=cmd|' /C calc'!A0"]},
        "designModule": {"studyType": "INTERVENTIONAL", "phases": ["PHASE3"]},
        "armsInterventionsModule": {"interventions": [
            {"type": "PROCEDURE", "name": "Autologous Hematopoietic Stem Cell Transplantation"},
            {"type": "DRUG", "name": "+cyclophosphamide, @rituximab"}]},
        "eligibilityModule": {"eligibilityCriteria":
                              "Inclusion Criteria:\n* see https://criteria.evil.example\n* mail crit@evil.example",
                              "minimumAge": "18 Years", "maximumAge": "55 Years", "sex": "ALL"},
        "contactsLocationsModule": {
            "centralContacts": [
                {"name": "Study desk http://contact.evil.example", "role": "CONTACT",
                 "phone": "+1 (555) 123-4567", "phoneExt": "12", "email": "study@uni.example"},
                {"name": "Second", "role": "CONTACT", "phone": "call http://phone.evil.example",
                 "email": "not an address www.mail-evil.example"}],
            "overallOfficials": [{"name": "Dr Who", "affiliation": "http://affiliation.evil.example",
                                  "role": "PRINCIPAL_INVESTIGATOR"}],
            "locations": [{"facility": "Site www.site-evil.example", "city": "Genova",
                           "country": "Italy", "status": "RECRUITING",
                           "contacts": [{"name": "Site desk", "email": "site@evil.example"}]}]},
    }, "hasResults": False}


@pytest.fixture(autouse=True)
def _store_in_a_temporary_folder(tmp_path_factory, monkeypatch):
    """No test writes into the repository: a test that sets no cache folder of its own gets
    an empty temporary one (the default would be the checkout's cache/)."""
    monkeypatch.setenv("TRIALS_CACHE_DIR", str(tmp_path_factory.mktemp("cache")))
    # Most tests serve one registry's stand-in; the tests of the others (and of all three
    # together, tests/test_registries.py) name the registries they serve.
    monkeypatch.setenv("TRIALS_REGISTRIES", "ctgov")


def pytest_sessionfinish(session, exitstatus):
    """In CI a skipped test is a failed run: it proves nothing, so nothing may be skipped."""
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    skipped = reporter.stats.get("skipped", []) if reporter else []
    if os.environ.get("CI") and skipped and exitstatus == pytest.ExitCode.OK:
        reporter.write_line(f"\nCI: {len(skipped)} tests were skipped; every test must run here.", red=True)
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
