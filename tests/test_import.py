"""Imports that never lie: real files on disk, streamed with bounded depth, size and
memory; every id checked; an older file never replaces newer data; imported studies keep
their own date and survive refreshes until a full refresh finds them gone."""

from __future__ import annotations

import json
import copy
import logging
import os
import re
import sqlite3
import subprocess
import sys
from datetime import datetime, timezone

import httpx
import pytest
import respx

from trials.cli import main
from trials.presentation import plain
from trials.registries.ctgov.api import Client
from trials.config import Settings
from trials.errors import ApiError, InputError
from trials.registries.ctgov.download import MAX_RECORD_CHARS, import_download
from trials.registries.ctgov.plan import refresh
from trials.snapshot import read as load
from trials.store.sqlite import FILE, SCHEMA_VERSION, Classified, Store

from .conftest import BASE, FULL_RECORDS, MSC_2022, REPO, put, sid

# A hematopoietic stem-cell study in the shape of the ms-2025-09 records (built from BEAT-MS).
def hsct(study_id: object = "NCT00000001", status: str = "RECRUITING", updated: str = "2025-08-29",
         version_holder: str | None = None) -> dict:
    study = {"protocolSection": {
        "identificationModule": {"nctId": study_id,
                                 "briefTitle": "Autologous Hematopoietic Stem Cell Transplant for MS"},
        "statusModule": {"overallStatus": status, "lastUpdatePostDateStruct": {"date": updated}},
        "conditionsModule": {"conditions": ["Multiple Sclerosis"]},
        "armsInterventionsModule": {"interventions": [
            {"type": "PROCEDURE", "name": "Autologous Hematopoietic Stem Cell Transplantation"}]},
    }}
    if version_holder:
        study["derivedSection"] = {"miscInfoModule": {"versionHolder": version_holder}}
    return study


@pytest.fixture
def store(tmp_path):
    return Store(tmp_path / "cache" / "trials.sqlite3")


def write(tmp_path, name: str, studies: list, lines: bool = False):
    path = tmp_path / name
    text = "\n".join(json.dumps(s) for s in studies) if lines else json.dumps(studies)
    path.write_text(text, encoding="utf-8")
    return path


def status_of(store, study_id):
    return store.study(sid(study_id)).record["protocolSection"]["statusModule"]["overallStatus"]


# -- structure: depth, size, shapes ------------------------------------------------------

@pytest.mark.parametrize("opening, closing", [
    ("[", "]"),  # arrays in arrays
    ('[{"protocolSection":', "}]"),  # objects inside a record
    ('{"studies": [', "]}"),  # inside an API answer
])
def test_a_100000_deep_file_is_refused_clearly(store, tmp_path, opening, closing):
    deep = 100_000
    path = tmp_path / "deep.json"
    inner = '{"a":' * deep + "1" + "}" * deep
    path.write_text(opening + inner + closing, encoding="utf-8")
    with pytest.raises(InputError, match="nests deeper than 16 levels") as caught:
        import_download(store, path)
    assert "RecursionError" not in repr(caught.value)
    assert store.info().is_empty


@pytest.mark.slow
def test_a_100000_deep_file_on_the_command_line_is_one_line(tmp_path):
    path = tmp_path / "deep.json"
    path.write_text("[" * 100_000 + "]" * 100_000, encoding="utf-8")
    done = subprocess.run([sys.executable, "-m", "trials", "import", str(path)],
                          env={**os.environ, "TRIALS_CACHE_DIR": str(tmp_path / "cache"),
                               "PYTHONPATH": str(REPO)},
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 1
    assert done.stderr.startswith("trials: ") and done.stderr.count("\n") == 1
    assert "nests deeper" in done.stderr and "Traceback" not in done.stderr


@pytest.mark.slow
def test_a_record_larger_than_the_bound_is_refused(store, tmp_path):
    path = write(tmp_path, "big.json", [hsct("NCT00000001"), hsct("NCT00000002")])
    big = hsct("NCT00000003")
    big["protocolSection"]["descriptionModule"] = {"briefSummary": "x" * (MAX_RECORD_CHARS + 10)}
    text = path.read_text()[:-1] + "," + json.dumps(big) + "]"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(InputError, match=r"a record is larger than 16 MB \(after record 2\)"):
        import_download(store, path)
    assert store.info().is_empty  # the two good records before it are not half-imported


def test_json_lines_api_answer_array_and_byte_order_mark_are_read(store, tmp_path):
    write(tmp_path, "a.jsonl", [hsct("NCT00000001"), hsct("NCT00000002")], lines=True)
    (tmp_path / "b.json").write_text(json.dumps(
        {"studies": [hsct("NCT00000003")], "nextPageToken": "abc", "totalCount": 1}))
    (tmp_path / "c.json").write_bytes(b"\xef\xbb\xbf" + json.dumps([hsct("NCT00000004")]).encode())
    counts = [import_download(store, tmp_path / n).imported for n in ("a.jsonl", "b.json", "c.json")]
    assert counts == [2, 1, 1]
    assert [s.id.value for s in store.stem_cell_studies()] == [f"NCT0000000{i}" for i in range(1, 5)]


def test_a_file_cut_short_imports_nothing(store, tmp_path):
    path = write(tmp_path, "cut.json", [hsct("NCT00000001"), hsct("NCT00000002")])
    path.write_text(path.read_text()[:-40])
    with pytest.raises(InputError, match="does not parse as JSON after record 1"):
        import_download(store, path)
    assert store.info().is_empty


@pytest.mark.slow
def test_memory_stays_bounded_on_a_large_file(tmp_path):
    """A 30 MB download (copies of the real website records) imported in a fresh process:
    its peak memory rises by far less than the file's size (reading it whole rises ~150 MB).
    bench/import_memory.py measures the 200 MB case."""
    records = json.loads(FULL_RECORDS.read_text(encoding="utf-8"))
    path = tmp_path / "ctg-studies.json"
    written = count = 0
    with open(path, "w", encoding="utf-8") as out:
        out.write("[")
        while written < 30 * 1024 * 1024:
            record = records[count % len(records)]
            record["protocolSection"]["identificationModule"]["nctId"] = f"NCT9{count:07d}"
            text = ("," if count else "") + json.dumps(record)
            written += out.write(text)
            count += 1
        out.write("]")
    # VmHWM is this process's peak resident memory (ru_maxrss would carry pytest's own
    # peak over from before the exec).
    child = (
        "import json, sys\n"
        "from pathlib import Path\n"
        "from trials.registries.ctgov.download import import_download\n"
        "from trials.store.sqlite import Store\n"
        "def kb(key):\n"
        "    status = Path('/proc/self/status').read_text().splitlines()\n"
        "    return int(next(l for l in status if l.startswith(key)).split()[1])\n"
        "base = kb('VmRSS:')\n"
        "result = import_download(Store(Path(sys.argv[2])), Path(sys.argv[1]))\n"
        "print(json.dumps({'rise_mb': (kb('VmHWM:') - base) / 1024, 'imported': result.imported}))\n"
    )
    done = subprocess.run([sys.executable, "-c", child, str(path), str(tmp_path / "s.sqlite3")],
                          env={**os.environ, "PYTHONPATH": str(REPO)},
                          capture_output=True, text=True, timeout=120, check=True)
    got = json.loads(done.stdout)
    assert got["imported"] == count
    assert got["rise_mb"] < 60, got


# -- ids -----------------------------------------------------------------------------------

BAD_IDS = [
    "NCT0404762",  # seven digits
    "NCT040476280",  # nine
    "[NCT04047628](http://evil.example)",  # Markdown
    "NCT0404\u200b7628",  # a zero-width space
    " NCT04047628",  # surrounding junk
    "NCT04047628\n",
    "nct04047628",
    "NCT\u0660\u0664\u0660\u0664\u0667\u0666\u0662\u0668",  # Arabic-Indic digits
    4047628,
]


def test_records_with_bad_ids_are_skipped_counted_and_named(store, tmp_path):
    no_id = hsct()
    del no_id["protocolSection"]["identificationModule"]["nctId"]
    studies = [hsct(i) for i in BAD_IDS] + [no_id, "a string", hsct("NCT04047628")]
    path = write(tmp_path, "mixed.json", studies)
    result = import_download(store, path)
    assert (result.imported, result.skipped) == (1, len(BAD_IDS) + 2)
    assert [s.id.value for s in store.stem_cell_studies()] == ["NCT04047628"]
    assert result.reasons == (
        "record 1: nctId 'NCT0404762' is not an NCT id (NCT and 8 digits)",
        "record 2: nctId 'NCT040476280' is not an NCT id (NCT and 8 digits)",
        "record 3: nctId '[NCT04047628](http://evil.example)' is not an NCT id (NCT and 8 digits)",
    )
    assert f"Skipped, as no valid study record: {len(BAD_IDS) + 2} records" in plain.import_summary(result)
    assert f"and {len(BAD_IDS) + 2 - 3} more" in plain.import_summary(result)


def test_a_zero_width_space_in_an_id_is_shown_visibly(store, tmp_path):
    path = write(tmp_path, "zw.json", [hsct("NCT0404\u200b7628"), hsct("NCT00000001")])
    [reason] = import_download(store, path).reasons
    assert "NCT0404\\u200b7628" in reason


def test_a_file_of_only_bad_records_is_an_input_error(store, tmp_path):
    path = write(tmp_path, "bad.json", [hsct("NCT1"), hsct("NCT0404\u200b7628")])
    with pytest.raises(InputError, match=r"holds no ClinicalTrials.gov study records \(record 1: "
                                         r"nctId 'NCT1' is not an NCT id"):
        import_download(store, path)
    assert store.info().is_empty


@pytest.mark.slow
def test_the_command_line_prints_the_count_and_reasons(tmp_path):
    path = write(tmp_path, "mixed.json", [hsct("NCT1"), hsct("NCT00000001")])
    done = subprocess.run([sys.executable, "-m", "trials", "import", str(path)],
                          env={**os.environ, "TRIALS_CACHE_DIR": str(tmp_path / "cache"),
                               "PYTHONPATH": str(REPO)},
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert "Imported 1 study from mixed.json" in done.stderr
    assert "Skipped, as no valid study record: 1 record (record 1: nctId 'NCT1'" in done.stderr


# -- which record wins ------------------------------------------------------------------

@pytest.mark.parametrize("order", [("old", "new"), ("new", "old")])
def test_the_same_id_twice_keeps_the_newer_and_logs_no_change(store, tmp_path, order):
    versions = {"old": hsct(status="RECRUITING", updated="2024-01-01"),
                "new": hsct(status="COMPLETED", updated="2025-06-01")}
    result = import_download(store, write(tmp_path, "twice.json", [versions[o] for o in order]))
    assert (result.imported, result.duplicates) == (1, 1)
    assert status_of(store, "NCT00000001") == "COMPLETED"
    assert store.status_changes() == []


def test_an_older_import_never_replaces_newer_api_data(store, tmp_path):
    api_stamp = {"data_timestamp": "2025-09-25T00:00:00", "fetched_at": "2025-09-25T10:00:00Z"}
    with store.writing() as w:
        put(w, hsct("NCT00000001", status="COMPLETED", updated="2025-08-01"),
              Classified(("HSCT",), True, "HSCT"), is_full=True, **api_stamp)
        w.set_registry_meta("ctgov", data_timestamp=api_stamp["data_timestamp"], fetched_at=api_stamp["fetched_at"],
                            source="ClinicalTrials.gov API 2.0.5")
    old = [hsct("NCT00000001", status="RECRUITING", updated="2022-10-06", version_holder="2022-10-07"),
           hsct("NCT00000002", status="RECRUITING", updated="2022-10-06", version_holder="2022-10-07")]
    result = import_download(store, write(tmp_path, "old.json", old))
    assert (result.imported, result.kept_newer) == (1, 1)
    assert "1 study was kept as stored, because the stored record is newer" in plain.import_summary(result)
    kept = store.study(sid("NCT00000001"))
    assert status_of(store, "NCT00000001") == "COMPLETED" and kept.source == "api"
    assert kept.data_timestamp == "2025-09-25T00:00:00"
    assert store.status_changes() == []
    info = store.info()
    assert info.data_timestamp == "2025-09-25T00:00:00"  # the file's date is not the store's
    assert store.study(sid("NCT00000002")).data_timestamp == "2022-10-07"  # ... but its own studies'


def test_a_newer_import_replaces_an_older_record_and_logs_the_change(store, tmp_path):
    with store.writing() as w:
        put(w, hsct(status="RECRUITING", updated="2024-01-01"), Classified(("HSCT",), True, "HSCT"),
              is_full=True, data_timestamp="2024-01-02T00:00:00", fetched_at="2024-01-02T10:00:00Z")
    import_download(store, write(tmp_path, "new.json", [hsct(status="COMPLETED", updated="2025-06-01")]))
    assert status_of(store, "NCT00000001") == "COMPLETED"
    assert store.study(sid("NCT00000001")).source == FILE
    [change] = store.status_changes()
    assert (change.old_status, change.new_status) == ("RECRUITING", "COMPLETED")


# -- the data's age --------------------------------------------------------------------------

NOW = datetime(2025, 9, 25, 11, 0, tzinfo=timezone.utc)


def test_the_age_line_names_imported_studies_and_their_date(store, tmp_path):
    import_download(store, write(tmp_path, "old.json", [
        hsct(f"NCT0000000{i}", version_holder="2022-10-07") for i in range(1, 4)]))
    info = store.info()
    assert plain.store_age(info, NOW).startswith(
        "Data from an imported file dated 2022-10-07, imported ")
    assert plain.store_age(info, NOW).endswith("; not yet checked against its registry.")
    with store.writing() as w:
        put(w, hsct("NCT00000009"), Classified(("HSCT",), True, "HSCT"), is_full=True,
              data_timestamp="2025-09-25T09:00:00", fetched_at="2025-09-25T09:00:00Z")
        w.set_registry_meta("ctgov", data_timestamp="2025-09-25T09:00:00", fetched_at="2025-09-25T09:00:00Z")
    assert plain.store_age(store.info(), NOW) == (
        "ClinicalTrials.gov data as of 2025-09-25 09:00 UTC, fetched 2 hours ago; "
        "3 studies from an imported file dated 2022-10-07.")


def test_each_imported_study_keeps_its_files_date(store):
    import_download(store, FULL_RECORDS)  # versionHolder 2025-05-07
    import_download(store, MSC_2022)
    assert store.study(sid("NCT01854957")).data_timestamp == "2022-10-07"  # its versionHolder
    info = store.info()
    assert (info.imported.oldest, info.imported.newest) == ("2022-10-07", "2025-05-07")
    assert plain.store_age(info, NOW).startswith("Data from an imported file dated "
                                                 "2022-10-07 to 2025-05-07")


def test_a_record_without_a_version_holder_takes_the_files_date(store, tmp_path):
    path = write(tmp_path, "api-answer.json", [hsct()])
    os.utime(path, (1_600_000_000, 1_600_000_000))  # 2020-09-13
    import_download(store, path)
    assert store.study(sid("NCT00000001")).data_timestamp == "2020-09-13"
    assert store.info().imported.file == "api-answer.json"


# -- later refreshes ---------------------------------------------------------------------------

def mock_api(respx_mock, listed: list[dict], data_timestamp: str = "2025-09-25T00:00:00"):
    respx_mock.get(f"{BASE}/version").mock(return_value=httpx.Response(
        200, json={"apiVersion": "2.0.5", "dataTimestamp": data_timestamp}))

    def studies(request):
        ids = request.url.params.get("filter.ids")
        chosen = [s for s in listed if not ids or
                  s["protocolSection"]["identificationModule"]["nctId"] in ids.split(",")]
        return httpx.Response(200, json={"studies": chosen, "totalCount": len(chosen)})

    respx_mock.get(f"{BASE}/studies").mock(side_effect=studies)


def run_refresh(store, **kwargs):
    with Client(BASE, interval=0, backoff=0) as client:
        return refresh(store, client, **kwargs)


def test_refreshes_keep_imported_studies_until_a_full_refresh(store, tmp_path, respx_mock):
    mock_api(respx_mock, [hsct("NCT00000001")])
    run_refresh(store)  # the API's data first
    imported = [hsct("NCT00000002", updated="2022-10-06", version_holder="2022-10-07"),
                hsct("NCT00000003", updated="2022-10-06", version_holder="2022-10-07")]
    import_download(store, write(tmp_path, "old.json", imported))

    # A new data release: an incremental refresh never drops what came from a file.
    mock_api(respx_mock, [hsct("NCT00000001")], "2025-09-26T00:00:00")
    result = run_refresh(store)
    assert result.mode == "incremental" and result.dropped == 0 and result.still_imported == 2
    assert {s.id.value for s in store.stem_cell_studies()} == {"NCT00000001", "NCT00000002",
                                                             "NCT00000003"}
    # The registry still lists NCT00000002 (now from the API), no longer NCT00000003.
    mock_api(respx_mock, [hsct("NCT00000001"), hsct("NCT00000002", updated="2025-09-01")],
             "2025-09-27T00:00:00")
    result = run_refresh(store, full=True)
    assert result.mode == "full" and result.dropped == 1 and result.still_imported == 0
    assert {s.id.value for s in store.stem_cell_studies()} == {"NCT00000001", "NCT00000002"}
    assert store.study(sid("NCT00000002")).source == "api"
    assert store.info().imported is None


def test_a_first_refresh_after_an_import_keeps_the_imported_studies(store, tmp_path, respx_mock):
    import_download(store, write(tmp_path, "old.json", [hsct("NCT00000002", updated="2022-10-06")]))
    mock_api(respx_mock, [hsct("NCT00000001")])
    result = run_refresh(store)  # a complete listing, but not a full refresh the user asked for
    assert result.mode == "full" and result.dropped == 0 and result.still_imported == 1
    assert store.study(sid("NCT00000002")).source == FILE
    assert store.info().data_timestamp == "2025-09-25T00:00:00"


def test_an_imported_study_the_registry_lists_becomes_the_apis(store, tmp_path, respx_mock):
    import_download(store, write(tmp_path, "old.json", [hsct(updated="2025-08-29")]))
    mock_api(respx_mock, [hsct(updated="2025-08-29")])  # the same date: fetched again anyway
    result = run_refresh(store)
    assert result.detailed == 1 and result.still_imported == 0
    assert store.study(sid("NCT00000001")).source == "api"


# -- an older store ----------------------------------------------------------------------------

V1_SCHEMA = """
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE studies (nct_id TEXT PRIMARY KEY, overall_status TEXT NOT NULL,
    last_update TEXT NOT NULL, record TEXT NOT NULL, is_full INTEGER NOT NULL,
    labels TEXT NOT NULL, is_ms INTEGER NOT NULL, evidence TEXT NOT NULL,
    data_timestamp TEXT NOT NULL, fetched_at TEXT NOT NULL);
CREATE INDEX studies_stem_cell ON studies (nct_id) WHERE labels != '' AND is_ms = 1;
CREATE TABLE status_changes (nct_id TEXT NOT NULL, old_status TEXT NOT NULL,
    new_status TEXT NOT NULL, seen_at TEXT NOT NULL, data_timestamp TEXT NOT NULL);
"""


def test_a_version_1_store_is_migrated_and_keeps_its_data(tmp_path):
    """The layout of version 1, after a refresh and then an import of an older file (which
    stamped the store's meta with the file's date), brought through every migration."""
    path = tmp_path / "trials.sqlite3"
    with sqlite3.connect(path) as conn:
        conn.executescript(V1_SCHEMA)
        for study_id, stamp, fetched in (("NCT00000001", "2025-09-25T00:00:00", "2025-09-25T10:00:00Z"),
                                       ("NCT00000002", "2022-10-07T00:00:00", "2025-09-26T08:00:00Z")):
            conn.execute("INSERT INTO studies VALUES (?, 'RECRUITING', '2025-08-29', ?, 1, 'HSCT', 1, "
                         "'HSCT', ?, ?)", (study_id, json.dumps(hsct(study_id)), stamp, fetched))
        conn.executemany("INSERT INTO meta VALUES (?, ?)", [
            ("schema_version", "1"), ("data_timestamp", "2022-10-07T00:00:00"),
            ("fetched_at", "2025-09-26T08:00:00Z"), ("checked_at", "2025-09-25T10:00:00Z"),
            ("source", "import of old.json"), ("classifier_version", "x")])
    store = Store(path)
    assert store.notice is None  # nothing set aside
    assert not list(tmp_path.glob("*.unreadable-*"))
    assert [s.source for s in store.stem_cell_studies()] == ["api", FILE]
    info = store.info()
    assert (info.data_timestamp, info.fetched_at) == ("2025-09-25T00:00:00", "2025-09-25T10:00:00Z")
    assert (info.imported.studies, info.imported.file, info.imported.imported_at) == (
        1, "old.json", "2025-09-26T08:00:00Z")
    with sqlite3.connect(path) as conn:
        assert conn.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone() == (SCHEMA_VERSION,)
    assert Store(path).notice is None  # and it opens again as it is


def test_data_source_column_in_the_table(store, tmp_path):
    import_download(store, write(tmp_path, "f.json", [hsct(version_holder="2022-10-07")]))
    table = load(store).table
    assert list(table[["data_timestamp", "data_source"]].iloc[0]) == ["2022-10-07", "file"]


def test_refresh_skips_listed_records_without_a_valid_id(store, respx_mock):
    mock_api(respx_mock, [hsct("NCT0000000X"), hsct("NCT00000001")])
    result = run_refresh(store)
    assert result.listed == 1 and result.skipped == 1
    assert [s.id.value for s in store.stem_cell_studies()] == ["NCT00000001"]



def test_a_record_with_a_field_of_the_wrong_type_is_never_stored_from_a_file_or_the_api(store, tmp_path,
                                                                                        respx_mock):
    # The attacker's probes: a module that is a number or a list, a date that is a word.
    broken_status, broken_arms, broken_date = hsct("NCT00000002"), hsct("NCT00000003"), hsct("NCT00000004")
    broken_status["protocolSection"]["statusModule"] = 1.5
    broken_arms["protocolSection"]["armsInterventionsModule"] = [{}]
    broken_date["protocolSection"]["statusModule"]["lastUpdatePostDateStruct"] = {"date": "zzzz"}
    result = import_download(store, write(tmp_path, "f.json", [broken_status, broken_arms, broken_date,
                                                              hsct("NCT00000001")]))
    assert (result.imported, result.skipped) == (1, 3)
    assert result.reasons == (
        "record 1: NCT00000002: protocolSection.statusModule is a number, not an object",
        "record 2: NCT00000003: protocolSection.armsInterventionsModule is a list, not an object",
        "record 3: NCT00000004: protocolSection.statusModule.lastUpdatePostDateStruct.date is the text "
        "'zzzz', not a date (yyyy-MM-dd)",
    )
    assert [s.id.value for s in store.stem_cell_studies()] == ["NCT00000001"]

    # From the API: the refused study keeps its last good record, and a study the complete
    # listing no longer holds is still removed (the refused one has an id: it is no unknown).
    mock_api(respx_mock, [hsct("NCT00000001", status="COMPLETED", updated="2025-09-01"), hsct("NCT00000005")])
    run_refresh(store, full=True)
    worse = hsct("NCT00000001", status="RECRUITING", updated="2025-09-20")
    worse["protocolSection"]["statusModule"]["startDateStruct"] = {"date": "soon"}
    mock_api(respx_mock, [worse], data_timestamp="2025-09-26T00:00:00")
    result = run_refresh(store, full=True)
    assert (result.skipped, result.unnamed, result.dropped) == (1, 0, 1)
    assert result.reasons == ("NCT00000001: protocolSection.statusModule.startDateStruct.date is the text "
                              "'soon', not a date (yyyy, yyyy-MM or yyyy-MM-dd)",)
    assert status_of(store, "NCT00000001") == "COMPLETED"
    assert {s.id.value for s in store.stem_cell_studies()} == {"NCT00000001"}


def test_a_refused_full_record_leaves_the_stored_full_copy_whole(store, respx_mock):
    # The review's case: the listing is fine, only the full record is broken (a site's
    # latitude that is a word). The stored full record must not become the slim listing one.
    first = hsct("NCT00000001", updated="2025-09-01")
    first["protocolSection"]["contactsLocationsModule"] = {"locations": [{"city": "Milan", "country": "Italy"}]}
    mock_api(respx_mock, [first])
    run_refresh(store)
    newer = copy.deepcopy(first)
    newer["protocolSection"]["statusModule"]["lastUpdatePostDateStruct"] = {"date": "2025-09-20"}
    newer["protocolSection"]["contactsLocationsModule"]["locations"][0]["geoPoint"] = {"lat": "north", "lon": 9}
    slim = {"protocolSection": {k: v for k, v in newer["protocolSection"].items()
                                if k in ("identificationModule", "statusModule", "armsInterventionsModule")}}
    respx_mock.get(f"{BASE}/version").mock(return_value=httpx.Response(
        200, json={"apiVersion": "2.0.5", "dataTimestamp": "2025-09-26T00:00:00"}))
    respx_mock.get(f"{BASE}/studies").mock(side_effect=lambda request: httpx.Response(200, json={
        "studies": [newer if "filter.ids" in request.url.params else slim], "totalCount": 1}))
    result = run_refresh(store)
    assert (result.skipped, result.detailed) == (1, 0)
    kept = store.study(sid("NCT00000001"))
    assert kept.record == first and kept.is_full


def test_the_command_line_names_refused_records_and_says_nothing_was_removed(tmp_path, respx_mock, capsys,
                                                                            monkeypatch):
    monkeypatch.setenv("TRIALS_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("TRIALS_API_URL", BASE)
    monkeypatch.setenv("TRIALS_REQUEST_INTERVAL", "0")
    broken = hsct("NCT00000002")
    broken["protocolSection"]["statusModule"] = 1.5
    mock_api(respx_mock, [hsct("NCT00000001"), broken])
    assert main(["refresh"]) == 0
    assert ("Not stored, as no valid study record: 1 record from ClinicalTrials.gov (NCT00000002: "
            "protocolSection.statusModule is a number, not an object); the copy stored before is kept.\n"
            in capsys.readouterr().err)
    mock_api(respx_mock, [hsct("NCT00000001"), broken, hsct("NCT0000000X")], data_timestamp="2025-09-26T00:00:00")
    assert main(["refresh"]) == 0
    assert ("Not stored, as no valid study record: 2 records from ClinicalTrials.gov (NCT00000002: "
            "protocolSection.statusModule is a number, not an object; nctId 'NCT0000000X' is not an NCT id "
            "(NCT and 8 digits)); the copy stored before is kept. 1 record has no valid id and could be any "
            "stored study, so no study was removed by this refresh.") in capsys.readouterr().err


def test_each_refresh_and_each_failure_is_one_line_of_the_log(tmp_path, respx_mock, caplog, monkeypatch):
    from trials.updates import refresh as update

    settings = Settings(api_url=BASE, cache_dir=tmp_path, request_interval=0)
    mock_api(respx_mock, [hsct("NCT00000001"), hsct("NCT00000002")])
    caplog.set_level("INFO", logger="trials")
    update(settings)
    [line] = [r for r in caplog.records if r.name == "trials.updates"]
    assert line.levelname == "INFO"
    assert re.fullmatch(r"refresh full: 3 requests, \d+ bytes, 2 listed, \d+ fetched in full, 0 status changes, "
                        r"0 removed, 0 refused; data of 2025-09-25T00:00:00; \d+\.\d s", line.getMessage())
    caplog.clear()
    respx_mock.get(f"{BASE}/version").mock(return_value=httpx.Response(500, text="down"))
    with pytest.raises(ApiError):
        update(settings, full=True)
    [line] = [r for r in caplog.records if r.name == "trials.updates"]
    assert line.levelname == "WARNING" and line.getMessage().startswith("refresh failed after ")
    assert "500" in line.getMessage()


def test_a_failed_refresh_on_the_command_line_is_one_line_and_the_servers_log_has_no_control_characters(
        tmp_path, monkeypatch, capfd):
    # The review's case: an error body with terminal escapes, printed raw a second time by
    # Python's fallback log handler.
    body = "bad \x1b[31mRED\x1b[0m \x1b]0;TITLE\x07 end"
    env = {**os.environ, "TRIALS_CACHE_DIR": str(tmp_path / "cache"), "TRIALS_REQUEST_INTERVAL": "0"}
    with respx.mock(assert_all_called=False) as mock:
        mock.get(f"{BASE}/version").mock(return_value=httpx.Response(400, text=body))
        monkeypatch.setenv("TRIALS_API_URL", BASE)
        monkeypatch.setenv("TRIALS_CACHE_DIR", env["TRIALS_CACHE_DIR"])
        assert main(["refresh"]) == 1
    err = capfd.readouterr().err
    assert err.count("\n") == 1 and err.startswith("trials: ") and "\x1b" not in err

    from trials.page import _SafeFormatter

    record = logging.LogRecord("trials.updates", logging.WARNING, __file__, 1, "refresh failed: %s", (body,), None)
    assert "\x1b" not in _SafeFormatter("%(message)s").format(record)


@pytest.mark.parametrize("kind", ["fifo", "folder"])
def test_what_is_not_a_regular_file_is_refused_before_the_lock(tmp_path, kind):
    # Issue 31: `trials import` of a named pipe blocked for ever holding the update lock, so every
    # later update failed. Run in a thread: before the change this thread never ended.
    import threading

    from trials import updates

    path = tmp_path / "download.json"
    os.mkfifo(path) if kind == "fifo" else path.mkdir()
    settings = Settings(api_url=BASE, cache_dir=tmp_path / "cache")
    raised: list[BaseException] = []
    worker = threading.Thread(target=lambda: _catch(raised, updates.import_file, settings, path), daemon=True)
    worker.start()
    worker.join(10)
    assert not worker.is_alive(), "the import blocked"
    assert len(raised) == 1 and isinstance(raised[0], InputError)
    assert "it is not a regular file" in str(raised[0])
    # The lock is free: a real import right after goes through.
    assert updates.import_file(settings, MSC_2022).imported > 0


def _catch(raised, function, *args):
    try:
        function(*args)
    except BaseException as exc:  # noqa: BLE001 - asserted by the caller
        raised.append(exc)
