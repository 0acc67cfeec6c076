"""The SQLite store: atomic writes, status changes, and unreadable files set aside."""

from __future__ import annotations

import sqlite3

import pytest

from trials.store import Classified, Store

from .conftest import study

STEM = Classified(("HSCT",), True, 'HSCT: intervention name "aHSCT"')
NONE = Classified((), True, "")
STAMP = {"data_timestamp": "2025-09-25T00:00:00", "fetched_at": "2025-09-25T10:00:00Z"}


@pytest.fixture
def store(tmp_path):
    return Store(tmp_path / "cache" / "trials.sqlite3")


def test_new_store_is_empty_and_creates_its_folder(store):
    info = store.info()
    assert info.is_empty and info.data_timestamp is None
    assert store.path.exists() and store.notice is None


def test_written_studies_come_back(store):
    with store.writing() as w:
        w.put(study("NCT00000001"), STEM, is_full=True, **STAMP)
        w.put(study("NCT00000002"), NONE, is_full=False, **STAMP)
        w.set_meta(data_timestamp="2025-09-25T00:00:00", fetched_at="2025-09-25T10:00:00Z")
    info = store.info()
    assert (info.study_count, info.stem_cell_count) == (2, 1)
    assert info.data_timestamp == "2025-09-25T00:00:00"
    [found] = store.stem_cell_studies()
    assert found.nct_id == "NCT00000001" and found.labels == ("HSCT",) and found.is_full
    assert found.record == study("NCT00000001")
    assert store.study("NCT00000002").labels == ()
    assert store.study("NCT09999999") is None
    assert store.last_updates() == {"NCT00000001": ("2025-01-01", True),
                                    "NCT00000002": ("2025-01-01", False)}


def test_a_failed_write_leaves_the_previous_data(store):
    with store.writing() as w:
        w.put(study("NCT00000001"), STEM, is_full=True, **STAMP)
        w.set_meta(data_timestamp="old")
    with pytest.raises(RuntimeError):
        with store.writing() as w:
            w.put(study("NCT00000001", status="COMPLETED"), STEM, is_full=True, **STAMP)
            w.put(study("NCT00000002"), STEM, is_full=True, **STAMP)
            w.set_meta(data_timestamp="new")
            raise RuntimeError("network died halfway")
    assert store.info().data_timestamp == "old"
    assert [s.nct_id for s in store.stem_cell_studies()] == ["NCT00000001"]
    assert store.study("NCT00000001").record["protocolSection"]["statusModule"]["overallStatus"] == "RECRUITING"
    assert store.status_changes() == []


def test_status_changes_are_recorded(store):
    with store.writing() as w:
        w.put(study("NCT00000001", status="RECRUITING"), STEM, is_full=True, **STAMP)
    later = {"data_timestamp": "2025-10-01T00:00:00", "fetched_at": "2025-10-01T10:00:00Z"}
    with store.writing() as w:
        w.put(study("NCT00000001", status="COMPLETED"), STEM, is_full=True, **later)
        w.put(study("NCT00000001", status="COMPLETED"), STEM, is_full=True, **later)
    [change] = store.status_changes()
    assert (change.nct_id, change.old_status, change.new_status) == ("NCT00000001", "RECRUITING", "COMPLETED")
    assert change.seen_at == "2025-10-01T10:00:00Z"
    assert store.status_changes({"NCT00000002"}) == []


def test_an_older_record_is_no_status_change(store):
    with store.writing() as w:
        w.put(study("NCT00000001", status="COMPLETED", updated="2025-08-01"), STEM, is_full=True, **STAMP)
        w.put(study("NCT00000001", status="RECRUITING", updated="2022-10-06"), STEM, is_full=True, **STAMP)
    assert store.status_changes() == []


def test_keep_only_seen_drops_vanished_studies(store):
    with store.writing() as w:
        w.put(study("NCT00000001"), STEM, is_full=True, **STAMP)
        w.put(study("NCT00000002"), STEM, is_full=True, **STAMP)
    with store.writing() as w:
        w.put(study("NCT00000002"), STEM, is_full=True, **STAMP)
        assert w.keep_only_seen(drop_imported=False) == 1
    assert [s.nct_id for s in store.stem_cell_studies()] == ["NCT00000002"]


def test_reclassify_updates_labels(store):
    with store.writing() as w:
        w.put(study("NCT00000001"), NONE, is_full=True, **STAMP)
    with store.writing() as w:
        w.reclassify("NCT00000001", STEM)
    assert store.study("NCT00000001").labels == ("HSCT",)


@pytest.mark.parametrize("content", [
    b"this is not a database at all" * 100,
    b"SQLite format 3\x00" + b"\xff" * 4000,  # a damaged header
])
def test_corrupt_file_is_set_aside_and_replaced(tmp_path, content):
    path = tmp_path / "trials.sqlite3"
    path.write_bytes(content)
    store = Store(path)
    assert store.info().is_empty
    assert "could not be read" in store.notice and "new, empty store" in store.notice
    kept = list(tmp_path.glob("trials.sqlite3.unreadable-*"))
    assert len(kept) == 1 and kept[0].read_bytes() == content


def test_foreign_sqlite_file_is_set_aside(tmp_path):
    path = tmp_path / "trials.sqlite3"
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE recipes (name TEXT)")
    store = Store(path)
    assert store.notice and "not a store of this version" in store.notice
    assert store.info().is_empty


def test_store_reopens_without_notice(store):
    with store.writing() as w:
        w.put(study("NCT00000001"), STEM, is_full=True, **STAMP)
    again = Store(store.path)
    assert again.notice is None and again.info().study_count == 1
