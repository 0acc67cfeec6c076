"""What changed since: new studies and status changes across two refreshes against the
local stand-in, the schema migration that keeps a user's store, the summary line, the
`changed` column and the Atom feed."""

from __future__ import annotations

import copy
import csv
import json
import sqlite3
import xml.etree.ElementTree as ET

import pytest

import trials
from trials import cli
from trials.analysis import changes
from trials.analysis.classify import classified
from trials.config import Settings
from trials.errors import InputError
from trials.presentation import feed, views
from trials.registries.ctgov.record import read_study
from trials.store.sqlite import SCHEMA_VERSION, Store

from .conftest import MS_2025, by_id, put, study
from .support.standin import StandIn, load_corpus

feedparser = pytest.importorskip("feedparser")

ATOM = "{http://www.w3.org/2005/Atom}"
BEAT_MS = "NCT04047628"  # HSCT, recruiting in the 2025-09 data
NUROWN = "NCT03799718"  # MSC (NurOwn), a real record that will "appear" in the second release


def nct(s: dict) -> str:
    return s["protocolSection"]["identificationModule"]["nctId"]


def load(settings: Settings) -> trials.Snapshot:
    return trials.load(settings)


def changed(snapshot: trials.Snapshot, since: str | None = None) -> list[changes.Change]:
    """Every change the store recorded (after ``since``) to a study in the snapshot."""
    return changes.changes_since(snapshot.table, snapshot.changes, snapshot.new_studies,
                                 changes.parse_since(since))


@pytest.fixture(scope="module")
def two_refreshes(tmp_path_factory):  # the tests that use it are marked slow: it serves two releases
    """A store refreshed from the stand-in twice; between the two the records change.

    Built from the real ms-2025-09 records: the first release lacks NurOwn (as if it were
    registered later), the second has it, and BEAT-MS has completed. Only their dates and
    BEAT-MS's status are changed."""
    corpus = load_corpus(MS_2025)
    cache = tmp_path_factory.mktemp("cache")
    first = [s for s in corpus if nct(s) != NUROWN]
    with StandIn(copy.deepcopy(first)) as api:
        settings = Settings(api_url=api.url, cache_dir=cache, request_interval=0)
        trials.refresh(settings)
        after_first = load(settings)
        nurown = copy.deepcopy(by_id(corpus, NUROWN))
        nurown["protocolSection"]["statusModule"]["lastUpdatePostDateStruct"]["date"] = "2025-10-02"
        beat = copy.deepcopy(by_id(first, BEAT_MS))
        beat["protocolSection"]["statusModule"]["overallStatus"] = "COMPLETED"
        beat["protocolSection"]["statusModule"]["lastUpdatePostDateStruct"]["date"] = "2025-10-02"
        api.studies = sorted([beat if nct(s) == BEAT_MS else s for s in first] + [nurown], key=nct)
        api.data_timestamp = "2025-10-03T00:00:00"
        result = trials.refresh(settings)
    return settings, after_first, load(settings), result


@pytest.mark.slow
def test_what_changed_counts_the_studies_shown_and_the_phone_list_marks_them(two_refreshes):
    # Issue 18: the counts included studies the view hid, and pointed to a table a phone hides.
    _, _, second, _ = two_refreshes
    hsct = trials.search(second, trials.Query(filters=trials.Filters(therapies=("HSCT",)), since="2025-10-01"))
    assert {c.study_id for c in hsct.changes} >= {NUROWN, BEAT_MS}  # NurOwn (MSC) is not shown here
    assert {c.study_id for c in hsct.shown_changes} == {BEAT_MS}
    assert hsct.changes_line == "Since 2025-10-01: 1 completed."
    [beat] = [i for i in views.phone_list(hsct.rows, limit=len(hsct.rows)) if i.study_id == BEAT_MS]
    assert beat.details.startswith("**Changed: ")


@pytest.mark.slow
def test_the_first_download_is_not_new_and_has_no_changes(two_refreshes):
    _, first, _, _ = two_refreshes
    assert len(first.table) > 40
    assert first.new_studies == () and first.changes == ()
    assert changed(first) == []


@pytest.mark.slow
def test_a_second_refresh_records_the_new_study_and_the_status_change(two_refreshes):
    settings, first, second, result = two_refreshes
    assert result.mode == "incremental" and result.status_changes == 1
    assert [n.id.value for n in second.new_studies] == [NUROWN]
    found = changed(second)
    assert [(c.kind, c.study_id) for c in found] == [("new", NUROWN), ("status", BEAT_MS)]
    beat = found[1]
    assert (beat.old_status, beat.new_status, beat.data_timestamp) == ("RECRUITING", "COMPLETED",
                                                                        "2025-10-03T00:00:00")
    # "since" after the second refresh: nothing; since a date before it: both.
    assert changed(second, "2999-01-01") == []
    assert len(changed(second, first.info.fetched_at[:10])) == 2
    line = feed.summary_line(found, "since your last visit")
    assert line == "Since your last visit: 1 new study, 1 completed."


@pytest.mark.slow
def test_new_and_changed_studies_are_marked_in_the_csv(two_refreshes, tmp_path, monkeypatch):
    settings, first, _, _ = two_refreshes
    monkeypatch.setenv("TRIALS_CACHE_DIR", str(settings.cache_dir))
    out = tmp_path / "since.csv"
    assert cli.main(["export", "--offline", "--since", first.info.fetched_at[:10], "-o", str(out)]) == 0
    with open(out, encoding="utf-8-sig") as fh:
        rows = {r["study_id"]: r for r in csv.DictReader(fh)}
    assert rows[NUROWN]["changed"].startswith("new (first seen ")
    assert rows[BEAT_MS]["changed"].startswith("Recruiting → Completed (")
    assert sum(bool(r["changed"]) for r in rows.values()) == 2


@pytest.mark.slow
def test_the_feed_is_atom_with_one_entry_per_change(two_refreshes, tmp_path, monkeypatch, capsys):
    settings, _, second, _ = two_refreshes
    monkeypatch.setenv("TRIALS_CACHE_DIR", str(settings.cache_dir))
    out = tmp_path / "changes.xml"
    assert cli.main(["feed", "--offline", "--output", str(out)]) == 0
    assert f"Wrote 2 changes to {out}" in capsys.readouterr().err
    parsed = feedparser.parse(out.read_bytes())
    assert parsed.bozo == 0 and parsed.version == "atom10"
    assert parsed.feed.title and parsed.feed.id and parsed.feed.updated and parsed.feed.author
    assert len(parsed.entries) == 2
    by_link = {e.link: e for e in parsed.entries}
    beat = by_link[f"https://clinicaltrials.gov/study/{BEAT_MS}"]
    assert "Recruiting → Completed" in beat.title
    assert "from Recruiting (RECRUITING) to Completed (COMPLETED)" in beat.summary
    assert beat.updated.startswith(second.changes[0].seen_at[:10])
    assert len({e.id for e in parsed.entries}) == 2  # ids unique
    # The standard library reads it too, with every element RFC 4287 requires.
    root = ET.fromstring(out.read_bytes())
    assert root.tag == f"{ATOM}feed"
    for entry in root.findall(f"{ATOM}entry"):
        assert all(entry.find(f"{ATOM}{tag}") is not None for tag in ("id", "title", "updated", "link"))
    assert root.find(f"{ATOM}author/{ATOM}name").text


def test_an_empty_feed_is_still_valid_atom():
    data = feed.atom_feed([], updated="2025-10-03T00:00:00Z", data_age="No data yet.")
    parsed = feedparser.parse(data)
    assert parsed.bozo == 0 and parsed.version == "atom10" and parsed.entries == []


def test_registry_text_in_the_feed_is_escaped():
    # A title written by a third party may hold markup; it must stay text.
    change = changes.Change("NCT00000001", "<script>alert(1)</script> & co",
                            "https://clinicaltrials.gov/study/NCT00000001", changes.NEW, "2025-10-03T00:00:00Z")
    data = feed.atom_feed([change], updated="2025-10-03T00:00:00Z", data_age="")
    assert b"<script>" not in data
    assert feedparser.parse(data).entries[0].title.endswith("<script>alert(1)</script> & co")


def test_characters_xml_forbids_are_left_out_of_the_feed():
    # A vertical tab in a title made the feed ill-formed (issue 20); also a NUL and U+FFFF.
    change = changes.Change("NCT00000001", "Stem\x0bcells\x00 for MS\uffff",
                            "https://clinicaltrials.gov/study/NCT00000001", changes.NEW, "2025-10-03T00:00:00Z")
    data = feed.atom_feed([change], updated="2025-10-03T00:00:00Z", data_age="Data\x0c of today.")
    ET.fromstring(data)  # well-formed, or this raises
    parsed = feedparser.parse(data)
    assert parsed.bozo == 0 and parsed.entries[0].title == "NCT00000001 New study: Stemcells for MS"
    assert parsed.feed.subtitle.startswith("Data of today.")


@pytest.mark.parametrize("value", ["yesterday", "2025-13-01", "01/10/2025"])
def test_a_since_that_is_not_a_date_is_refused(value):
    with pytest.raises(InputError, match="YYYY-MM-DD"):
        changes.parse_since(value)
    assert changes.parse_since("2025-10-01") == "2025-10-01"


# -- the schema migration --------------------------------------------------------------

OLD_SCHEMA = """
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE studies (nct_id TEXT PRIMARY KEY, overall_status TEXT NOT NULL, last_update TEXT NOT NULL,
    record TEXT NOT NULL, is_full INTEGER NOT NULL, labels TEXT NOT NULL, is_ms INTEGER NOT NULL,
    evidence TEXT NOT NULL, data_timestamp TEXT NOT NULL, fetched_at TEXT NOT NULL);
CREATE TABLE status_changes (nct_id TEXT NOT NULL, old_status TEXT NOT NULL, new_status TEXT NOT NULL,
    seen_at TEXT NOT NULL, data_timestamp TEXT NOT NULL);
"""


def test_a_version_1_store_is_migrated_in_place_keeping_its_data(tmp_path):
    path = tmp_path / "trials.sqlite3"
    with sqlite3.connect(path) as conn:  # a store as the previous version wrote it
        conn.executescript(OLD_SCHEMA)
        conn.execute("INSERT INTO meta VALUES ('schema_version', '1')")
        conn.execute("INSERT INTO studies VALUES (?, 'RECRUITING', '2025-01-01', ?, 1, 'HSCT', 1, 'e', "
                     "'2025-09-25T00:00:00', '2025-09-25T10:00:00Z')",
                     ("NCT00000001", json.dumps(study("NCT00000001"))))
        conn.execute("INSERT INTO status_changes VALUES ('NCT00000001', 'NOT_YET_RECRUITING', "
                     "'RECRUITING', '2025-09-25T10:00:00Z', '2025-09-25T00:00:00')")
    store = Store(path)
    assert store.notice is None  # kept, not set aside
    assert not list(tmp_path.glob("*.unreadable-*"))
    assert [s.id.value for s in store.stem_cell_studies()] == ["NCT00000001"]
    assert len(store.status_changes()) == 1
    assert store.new_studies() == []  # studies from before tracking are not "new"
    with sqlite3.connect(path) as conn:
        assert conn.execute("SELECT value FROM meta WHERE key='schema_version'").fetchone()[0] == SCHEMA_VERSION
    # From now on a study that arrives is new, and stays new once only.
    label = classified(read_study(study("NCT00000002")))
    with store.writing() as w:
        put(w, study("NCT00000002"), label, is_full=True,
            data_timestamp="2025-10-03T00:00:00", fetched_at="2999-01-01T00:00:00Z")
    assert [n.id.value for n in store.new_studies()] == ["NCT00000002"]
    with store.writing() as w:
        put(w, study("NCT00000002", status="COMPLETED", updated="2025-02-01"), label, is_full=True,
              data_timestamp="2025-10-04T00:00:00", fetched_at="2999-01-02T00:00:00Z")
    assert [n.first_seen for n in store.new_studies()] == ["2999-01-01T00:00:00Z"]
    assert store.info().tracking_since is not None
    assert Store(path).notice is None  # opening it again changes nothing


def test_a_store_labelled_before_study_roles_gets_them_when_next_used(tmp_path):
    """A version-1 store labelled by classifier version 1 (no study role) is migrated and
    re-labelled when a command next uses it (offline, before reading): the observational
    aHSCT cohort NCT06567197 (a real record) follows treated people, BEAT-MS gives the therapy."""
    path = tmp_path / "trials.sqlite3"
    records = load_corpus(MS_2025)
    with sqlite3.connect(path) as conn:
        conn.executescript(OLD_SCHEMA)
        conn.executemany("INSERT INTO meta VALUES (?, ?)", [
            ("schema_version", "1"), ("classifier_version", "1"),
            ("data_timestamp", "2025-09-25T00:00:00"), ("fetched_at", "2025-09-25T10:00:00Z")])
        for study_id in ("NCT06567197", "NCT04047628"):
            conn.execute("INSERT INTO studies VALUES (?, 'RECRUITING', '2025-01-01', ?, 0, 'HSCT', 1, 'e', "
                         "'2025-09-25T00:00:00', '2025-09-25T10:00:00Z')",
                         (study_id, json.dumps(by_id(records, study_id))))
    roles = trials.current(Settings(cache_dir=tmp_path), offline=True).snapshot.table.set_index(
        "study_id")["study_role"]
    assert roles.to_dict() == {"NCT06567197": "follows treated people", "NCT04047628": "gives therapy"}
