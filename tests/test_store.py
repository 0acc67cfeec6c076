"""The SQLite store: atomic writes, status changes, and unreadable files set aside."""

from __future__ import annotations

import json
import multiprocessing
import sqlite3
import subprocess
import sys
import threading

import pytest

from trials.errors import StoreError, UpdateRunning
from trials.registries.ctgov.download import import_download
from trials.store import sqlite as store_module
from trials.store.sqlite import SCHEMA_VERSION, Classified, Store

from .conftest import MS_2025, MSC_2022, REPO, bundled_records, put, sid, study, trials_env, without_root_powers

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
        put(w, study("NCT00000001"), STEM, is_full=True, **STAMP)
        put(w, study("NCT00000002"), NONE, is_full=False, **STAMP)
        w.set_registry_meta("ctgov", data_timestamp="2025-09-25T00:00:00", fetched_at="2025-09-25T10:00:00Z")
    info = store.info()
    assert (info.study_count, info.stem_cell_count) == (2, 1)
    assert info.data_timestamp == "2025-09-25T00:00:00"
    [found] = store.stem_cell_studies()
    assert found.id == sid("NCT00000001") and found.labels == ("HSCT",) and found.is_full
    assert found.record == study("NCT00000001")
    assert store.study(sid("NCT00000002")).labels == ()
    assert store.study(sid("NCT09999999")) is None
    assert store.last_updates("ctgov") == {"NCT00000001": ("2025-01-01", True),
                                    "NCT00000002": ("2025-01-01", False)}


def test_a_failed_write_leaves_the_previous_data(store):
    with store.writing() as w:
        put(w, study("NCT00000001"), STEM, is_full=True, **STAMP)
        w.set_registry_meta("ctgov", data_timestamp="old")
    with pytest.raises(RuntimeError):
        with store.writing() as w:
            put(w, study("NCT00000001", status="COMPLETED"), STEM, is_full=True, **STAMP)
            put(w, study("NCT00000002"), STEM, is_full=True, **STAMP)
            w.set_registry_meta("ctgov", data_timestamp="new")
            raise RuntimeError("network died halfway")
    assert store.info().data_timestamp == "old"
    assert [s.id for s in store.stem_cell_studies()] == [sid("NCT00000001")]
    assert store.study(sid("NCT00000001")).record["protocolSection"]["statusModule"]["overallStatus"] == "RECRUITING"
    assert store.status_changes() == []


def test_status_changes_are_recorded(store):
    with store.writing() as w:
        put(w, study("NCT00000001", status="RECRUITING"), STEM, is_full=True, **STAMP)
    later = {"data_timestamp": "2025-10-01T00:00:00", "fetched_at": "2025-10-01T10:00:00Z"}
    with store.writing() as w:
        put(w, study("NCT00000001", status="COMPLETED"), STEM, is_full=True, **later)
        put(w, study("NCT00000001", status="COMPLETED"), STEM, is_full=True, **later)
    [change] = store.status_changes()
    assert (change.id, change.old_status, change.new_status) == (sid("NCT00000001"), "RECRUITING", "COMPLETED")
    assert change.seen_at == "2025-10-01T10:00:00Z"
    assert store.status_changes({sid("NCT00000002")}) == []


def test_an_older_record_is_no_status_change(store):
    with store.writing() as w:
        put(w, study("NCT00000001", status="COMPLETED", updated="2025-08-01"), STEM, is_full=True, **STAMP)
        put(w, study("NCT00000001", status="RECRUITING", updated="2022-10-06"), STEM, is_full=True, **STAMP)
    assert store.status_changes() == []


def test_keep_only_seen_drops_vanished_studies(store):
    with store.writing() as w:
        put(w, study("NCT00000001"), STEM, is_full=True, **STAMP)
        put(w, study("NCT00000002"), STEM, is_full=True, **STAMP)
    with store.writing() as w:
        put(w, study("NCT00000002"), STEM, is_full=True, **STAMP)
        assert w.keep_only_seen("ctgov", drop_imported=False) == 1
    assert [s.id for s in store.stem_cell_studies()] == [sid("NCT00000002")]


def test_reclassify_updates_labels(store):
    with store.writing() as w:
        put(w, study("NCT00000001"), NONE, is_full=True, **STAMP)
    with store.writing() as w:
        w.reclassify(sid("NCT00000001"), STEM)
    assert store.study(sid("NCT00000001")).labels == ("HSCT",)


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
        put(w, study("NCT00000001"), STEM, is_full=True, **STAMP)
    again = Store(store.path)
    assert again.notice is None and again.info().study_count == 1


def test_a_writer_that_cannot_begin_gets_a_clear_message_not_a_rollback_error(store, monkeypatch):
    monkeypatch.setattr(store_module, "BUSY_TIMEOUT", 0.2)
    holder = sqlite3.connect(store.path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")  # another program holds the write lock
    try:
        with pytest.raises(StoreError, match="is busy: another program") as error:
            with store.writing() as w:
                w.set_registry_meta("ctgov", checked_at="never")
        assert "rollback" not in str(error.value).lower()
        assert store.info().checked_at is None  # readers are not blocked meanwhile (WAL)
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    with store.writing() as w:  # and the store is fine afterwards
        w.set_registry_meta("ctgov", checked_at="now")
    assert store.info().checked_at == "now"


def test_the_update_lock_lets_one_thread_in_and_tells_the_other(store):
    inside, release = threading.Event(), threading.Event()

    def hold():
        with store.update_lock(5):
            inside.set()
            release.wait(10)

    holder = threading.Thread(target=hold)
    holder.start()
    inside.wait(5)
    try:
        with pytest.raises(UpdateRunning, match="already running"):
            with store.update_lock(0.2):
                pass
    finally:
        release.set()
        holder.join()
    with store.update_lock(0.2):  # free again
        pass


def _open_when_all_are_ready(path, barrier):
    barrier.wait()
    return Store(path).notice


@pytest.mark.slow
def test_eight_simultaneous_first_opens_share_one_new_store(tmp_path):
    # Real processes, released together on an empty folder, several rounds.
    context = multiprocessing.get_context("spawn")
    with context.Manager() as manager, context.Pool(8) as pool:
        for round_ in range(3):
            folder = tmp_path / f"round{round_}"
            barrier = manager.Barrier(8)
            notices = pool.starmap(_open_when_all_are_ready,
                                   [(folder / "trials.sqlite3", barrier)] * 8)
            assert notices == [None] * 8
            assert not list(folder.glob("*unreadable*"))
            assert Store(folder / "trials.sqlite3").info().is_empty


@pytest.mark.slow
def test_damaged_pages_in_the_middle_are_found_on_open_and_set_aside(tmp_path):
    path = tmp_path / "trials.sqlite3"
    import_download(Store(path), MS_2025)
    size = path.stat().st_size
    assert size > 64 * 4096
    with open(path, "r+b") as fh:  # a run of pages in the middle, overwritten
        fh.seek((size // 2) // 4096 * 4096)
        fh.write(b"\x00\xff" * 4 * 4096)
    reopened = Store(path)
    assert "could not be read" in reopened.notice and "damaged" in reopened.notice
    assert reopened.info().is_empty
    assert len(list(tmp_path.glob("trials.sqlite3.unreadable-*"))) == 1


def _trials(*args, env):
    return subprocess.run([*without_root_powers(), sys.executable, "-m", "trials", *args],
                          env=env, capture_output=True, text=True, timeout=120)


@pytest.mark.slow
def test_a_healthy_store_in_a_read_only_folder_is_read_not_replaced(tmp_path):
    folder = tmp_path / "cache"
    import_download(Store(folder / "trials.sqlite3"), MSC_2022)
    folder.chmod(0o555)
    try:
        env = trials_env(folder)
        found = _trials("search", "--offline", env=env)
        assert found.returncode == 0, found.stderr
        assert "NCT01854957" in found.stdout and "unreadable" not in found.stderr
        # Issue 17: a plain search shows the stored data and says why it could not update it.
        plain_search = _trials("search", env=env)
        assert plain_search.returncode == 0, plain_search.stderr
        assert "NCT01854957" in plain_search.stdout and "read-only" in plain_search.stderr
        refused = _trials("refresh", env=env)
        assert refused.returncode == 1 and "Traceback" not in refused.stderr
        assert "Permission denied" in refused.stderr and str(folder) in refused.stderr
        assert "read-only" in refused.stderr
    finally:
        folder.chmod(0o755)
    assert not list(folder.glob("*unreadable*"))


@pytest.mark.slow
def test_a_read_only_store_file_is_read_and_refresh_says_why_it_cannot_write(tmp_path):
    folder = tmp_path / "cache"
    import_download(Store(folder / "trials.sqlite3"), MSC_2022)
    (folder / "trials.sqlite3").chmod(0o444)
    env = trials_env(folder)
    found = _trials("search", "--offline", env=env)
    assert found.returncode == 0, found.stderr
    assert "NCT01854957" in found.stdout
    for command in (["refresh"], ["import", str(MSC_2022)]):
        refused = _trials(*command, env=env)
        assert refused.returncode == 1 and "Traceback" not in refused.stderr
        assert "Permission denied" in refused.stderr and "is read-only" in refused.stderr
        assert str(folder / "trials.sqlite3") in refused.stderr


# Runs in a mount namespace of its own (``unshare -m``): a 2 MB tmpfs over the folder, a
# store filled by an import, then the disk filled to the last byte. The mount goes with
# the process.
_FULL_DISK = r"""
import json, os, subprocess, sys
folder, records = sys.argv[1], sys.argv[2]
subprocess.run(["mount", "-t", "tmpfs", "-o", "size=2M", "tmpfs", folder], check=True)
env = {**os.environ, "TRIALS_CACHE_DIR": folder + "/cache", "TRIALS_API_URL": "http://127.0.0.1:9/api/v2"}
def trials(*args):
    done = subprocess.run([sys.executable, "-m", "trials", *args], env=env, capture_output=True, text=True)
    return {"rc": done.returncode, "out": done.stdout, "err": done.stderr}
results = {"import": trials("import", records)}
filler = os.open(folder + "/filler", os.O_WRONLY | os.O_CREAT)
try:
    while os.write(filler, bytes(4096)):
        pass
except OSError:
    os.close(filler)
for name, args in [("search", ("search", "--offline", "--therapy", "HSCT")), ("plain", ("search",)),
                   ("refresh", ("refresh",)), ("import_again", ("import", records))]:
    results[name] = trials(*args)
# A long-running process (the page) sees the space once it is freed, without a restart.
from trials.store.sqlite import Store
store = Store(folder + "/cache/trials.sqlite3")
results["while_full"] = store.read_only
os.remove(folder + "/filler")
with store.writing():
    pass
results["after_freeing"] = store.read_only
print(json.dumps(results))
"""


@pytest.mark.slow
def test_on_a_full_disk_the_stored_data_is_read_and_updates_say_the_disk_is_full(tmp_path):
    """Issue 17: on a full disk even ``--offline`` failed (SQLite could not grow its
    shared-memory file to open the store)."""
    records = tmp_path / "records.json"
    records.write_text(json.dumps(bundled_records()), encoding="utf-8")
    (tmp_path / "disk").mkdir()
    done = subprocess.run(["unshare", "-m", sys.executable, "-c", _FULL_DISK, str(tmp_path / "disk"),
                           str(records)], capture_output=True, text=True, timeout=300, cwd=REPO)
    assert done.returncode == 0, done.stderr
    results = json.loads(done.stdout)
    assert results["import"]["rc"] == 0, results["import"]["err"]
    for name in ("search", "plain"):
        assert results[name]["rc"] == 0, results[name]["err"]
        assert "HSCT" in results[name]["out"] and "Traceback" not in results[name]["err"]
    assert "cannot be updated because the disk is full. It can still be read." in results["plain"]["err"]
    assert "Showing the last good data" in results["plain"]["err"]
    for name in ("refresh", "import_again"):
        assert results[name]["rc"] == 1 and "Traceback" not in results[name]["err"]
        assert ("cannot be updated because the disk is full. It can still be read. Free some disk space; "
                "nothing stored was changed.") in results[name]["err"]
    assert (results["while_full"], results["after_freeing"]) == ("the disk is full", None)


@pytest.mark.slow
def test_a_folder_that_cannot_be_created_is_named(tmp_path):
    parent = tmp_path / "locked"
    parent.mkdir(mode=0o555)
    try:
        result = _trials("search", "--offline", env=trials_env(parent / "cache"))
    finally:
        parent.chmod(0o755)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert "Cannot create the cache folder" in result.stderr and "Permission denied" in result.stderr
    assert str(parent / "cache") in result.stderr


# The layout of schema version 4 (the release before studies were keyed by registry), as
# that version created it.
VERSION_4 = """
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE studies (nct_id TEXT PRIMARY KEY, overall_status TEXT NOT NULL, last_update TEXT NOT NULL,
    record TEXT NOT NULL, is_full INTEGER NOT NULL, labels TEXT NOT NULL, is_ms INTEGER NOT NULL,
    evidence TEXT NOT NULL, data_timestamp TEXT NOT NULL, fetched_at TEXT NOT NULL, first_seen TEXT,
    source TEXT NOT NULL DEFAULT 'api', study_role TEXT NOT NULL DEFAULT '');
CREATE INDEX studies_stem_cell ON studies (nct_id) WHERE labels != '' AND is_ms = 1;
CREATE INDEX studies_from_file ON studies (nct_id) WHERE source = 'file';
CREATE TABLE status_changes (nct_id TEXT NOT NULL, old_status TEXT NOT NULL, new_status TEXT NOT NULL,
    seen_at TEXT NOT NULL, data_timestamp TEXT NOT NULL);
"""


def test_a_version_4_store_is_keyed_by_registry_and_keeps_every_study_and_change(tmp_path):
    path = tmp_path / "trials.sqlite3"
    with sqlite3.connect(path) as conn:
        conn.executescript(VERSION_4)
        conn.executemany("INSERT INTO meta VALUES (?, ?)", [
            ("schema_version", "4"), ("classifier_version", "2"), ("tracking_since", "2025-09-01T00:00:00Z")])
        conn.execute("INSERT INTO studies VALUES ('NCT00000001', 'COMPLETED', '2025-01-01', ?, 1, 'HSCT', 1, "
                     "'e', '2025-09-25T00:00:00', '2025-09-25T10:00:00Z', '2025-09-20T00:00:00Z', 'file', "
                     "'gives therapy')", (json.dumps(study("NCT00000001", status="COMPLETED")),))
        conn.execute("INSERT INTO status_changes VALUES ('NCT00000001', 'RECRUITING', 'COMPLETED', "
                     "'2025-09-25T10:00:00Z', '2025-09-25T00:00:00')")
    store = Store(path)
    assert store.notice is None and not list(tmp_path.glob("*.unreadable-*"))
    [kept] = store.stem_cell_studies()
    assert (kept.id, kept.labels, kept.source, kept.study_role) == (sid("NCT00000001"), ("HSCT",), "file",
                                                                    "gives therapy")
    [change] = store.status_changes()
    assert (change.id, change.old_status, change.new_status) == (sid("NCT00000001"), "RECRUITING", "COMPLETED")
    assert [n.id for n in store.new_studies()] == [sid("NCT00000001")]
    assert store.imported_ids() == {sid("NCT00000001")}
    with store.writing() as w:  # the migrated tables take new writes, in the new column order
        put(w, study("NCT00000001", status="TERMINATED", updated="2025-02-01"), STEM, is_full=True, **STAMP)
    assert {(c.old_status, c.new_status) for c in store.status_changes()} == {
        ("RECRUITING", "COMPLETED"), ("COMPLETED", "TERMINATED")}
    with sqlite3.connect(path) as conn:
        assert conn.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone() == (SCHEMA_VERSION,)
        columns = [r[1] for r in conn.execute("PRAGMA table_info(studies)")]
        assert columns[:2] == ["registry", "study_id"]


def test_a_stored_row_that_no_longer_parses_is_left_out_and_named(tmp_path):
    """Issue 17: one broken row (by a crash, a disk or a hand) never hides the others."""
    import sqlite3

    from trials.registries.ctgov.download import import_download
    from trials.snapshot import read

    store = Store(tmp_path / "s.sqlite3")
    import_download(store, MSC_2022)
    count = len(read(store).entries)
    with sqlite3.connect(tmp_path / "s.sqlite3") as conn:
        conn.execute("UPDATE studies SET record = '{not json' WHERE study_id = 'NCT02034188'")
        conn.execute("UPDATE studies SET record = '[1, 2]' WHERE study_id = 'NCT02035514'")
    shown = read(Store(tmp_path / "s.sqlite3"))
    assert len(shown.entries) == count - 2 and "NCT02034188" not in shown.entries
    assert shown.notice.startswith("2 stored studies could not be read") and "NCT02034188" in shown.notice


def test_a_store_from_a_newer_program_is_left_untouched_and_says_to_upgrade(tmp_path):
    """Issue 17: it used to be moved aside and replaced by an empty store."""
    import sqlite3

    path = tmp_path / "trials.sqlite3"
    Store(path)
    with sqlite3.connect(path) as conn:
        conn.execute("UPDATE meta SET value = '99' WHERE key = 'schema_version'")
    before = path.read_bytes()
    with pytest.raises(StoreError, match="newer version of this program.*Upgrade"):
        Store(path)
    assert path.read_bytes() == before and not list(tmp_path.glob("*.unreadable-*"))
