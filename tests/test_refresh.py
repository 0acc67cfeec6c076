"""The query plan against the local stand-in (real HTTP on 127.0.0.1) and respx.

Counts requests and what they asked for: a cold refresh lists MS studies with
few fields and fetches full records only for stem-cell candidates; a repeat
refresh with nothing new costs one request; a changed study travels alone.
"""

from __future__ import annotations

import copy
import csv
import json
import math

import httpx
import pytest

from trials.analysis import classify, flags
from trials.config import Settings
from trials.errors import ApiUnavailable, InputError
from trials.presentation import plain
from trials.registries.ctgov import plan
from trials.registries.ctgov.api import Client
from trials.registries.ctgov.download import import_download
from trials.registries.ctgov.plan import refresh
from trials.registries.ctgov.record import read_study
from trials.snapshot import read as load
from trials.store.sqlite import Classified, Store
from trials.updates import relabel

from .conftest import BASE, CTGOV, FULL_RECORDS, MS_2025, MSC_2022, by_id, sid
from .support.standin import StandIn, load_corpus, project

VERSION = {"apiVersion": "2.0.5", "dataTimestamp": "2025-09-25T00:00:00"}


def labelled_ms_stem_cell(ids: set[str]) -> set[str]:
    with open(CTGOV / "labels-public.csv", encoding="utf-8") as fh:
        return {r["nct_id"] for r in csv.DictReader(fh)
                if r["labels"] and r["is_ms"] == "true" and r["nct_id"] in ids}


@pytest.fixture(scope="module")
def corpus():
    if not MS_2025.exists():
        pytest.skip(f"real records not found at {MS_2025}")
    return load_corpus(MS_2025)


@pytest.fixture
def standin(corpus):
    with StandIn(copy.deepcopy(corpus)) as server:
        yield server


@pytest.fixture
def store(tmp_path):
    return Store(tmp_path / "trials.sqlite3")


def run(store, server, **kwargs):
    with Client(server.url, interval=0, backoff=0) as client:
        return refresh(store, client, **kwargs)


@pytest.mark.slow
def test_cold_refresh_lists_slim_and_details_only_candidates(store, standin, corpus):
    result = run(store, standin)
    lists = [r for r in standin.requests if "query.cond" in r.query]
    details = [r for r in standin.requests if "filter.ids" in r.query]
    sponsors = [r for r in standin.requests if "query.lead" in r.query]
    assert result.mode == "full" and result.listed == len(corpus)
    assert len(lists) <= math.ceil(len(corpus) / 1000) + 1
    assert all(r.query["fields"].split("|") == list(plan.LIST_FIELDS) for r in lists)
    assert all(r.query["query.cond"] == "multiple sclerosis" for r in lists)
    candidates = sum(classify.is_candidate(read_study(project(s, plan.LIST_FIELDS))) for s in corpus)
    assert result.detailed == candidates and len(details) == math.ceil(candidates / 100)
    # One lookup of the other listings per business offering a stem-cell study at a few sites
    clinics = {e.study.sponsor for e in load(store).entries.values()
               if flags.sponsor_rules_apply(e.study, e.labels)}
    # (the first few this refresh, the others with the next ones)
    assert [r.query["query.lead"].strip('"') for r in sponsors] == sorted(clinics)[:plan.SPONSOR_LOOKUPS_PER_REFRESH]
    assert result.requests == len(standin.requests) == 1 + len(lists) + len(details) + len(sponsors)
    # What the table holds is what the labels say (the classifier's own accuracy is
    # measured in test_classify; here every labelled MS stem-cell study must arrive).
    expected = labelled_ms_stem_cell({s["protocolSection"]["identificationModule"]["nctId"] for s in corpus})
    stored = {s.id.value for s in store.stem_cell_studies()}
    assert len(stored & expected) >= 0.97 * len(expected)
    info = store.info()
    assert info.data_timestamp == "2025-09-25T00:00:00" and info.study_count == len(corpus)
    assert all(s.is_full for s in store.stem_cell_studies())


@pytest.mark.slow
def test_repeat_refresh_with_nothing_new_is_one_request(store, standin):
    run(store, standin)
    before = len(standin.requests)
    result = run(store, standin)
    assert result.mode == "unchanged"
    assert [r.path for r in standin.requests[before:]] == ["/api/v2/version"]


@pytest.mark.slow
def test_a_listing_by_older_rules_is_done_again_and_fetches_what_the_new_rules_recognise(store, standin):
    """A study that the last listing passed over (stored slim, unlabelled) but the rules in use
    recognise gets its full record: as after a classifier upgrade, whose re-labelling runs
    offline and cannot fetch."""
    run(store, standin)
    beat = sid("NCT04047628")
    slim = project(store.study(beat).record, plan.LIST_FIELDS)
    with store.writing() as w:  # as an older classifier would have left it
        w.put(slim, read_study(slim), Classified((), False, ""), is_full=False,
              data_timestamp="2025-09-25T00:00:00", fetched_at="2025-09-25T10:00:00Z")
        w.set_registry_meta("ctgov", listed_with="an older version")
    assert store.study(beat).labels == ()
    before = len(standin.requests)
    result = run(store, standin)
    assert result.mode == "full" and result.detailed == 1  # listed again; the one study fetched
    assert [r.query["filter.ids"] for r in standin.requests[before:] if "filter.ids" in r.query] == [beat.value]
    assert store.study(beat).labels == ("HSCT",) and store.study(beat).is_full
    assert store.registry_meta("ctgov")["listed_with"] == classify.CLASSIFIER_VERSION
    assert run(store, standin).mode == "unchanged"  # and from then on, as usual


def test_full_records_fetched_with_fewer_fields_are_fetched_again_once(store, standin):
    """Issue 19 added ReferencesModule to the full records: a store whose full records came
    without it gets them once more, then refreshes as usual."""
    first = run(store, standin)
    with store.writing() as w:  # as the version before issue 19 left it
        w.set_registry_meta("ctgov", detailed_with="1")
    before = len(standin.requests)
    again = run(store, standin)
    assert again.mode == "full" and again.detailed == first.detailed > 0
    detail = [r for r in standin.requests[before:] if "filter.ids" in r.query]
    assert detail and all("ReferencesModule" in r.query["fields"] for r in detail)
    assert store.registry_meta("ctgov")["detailed_with"] == plan.DETAILS_VERSION
    assert run(store, standin).mode == "unchanged"


@pytest.mark.slow
def test_incremental_refresh_fetches_only_what_changed(store, standin, corpus):
    run(store, standin)
    newest = max(s["protocolSection"]["statusModule"]["lastUpdatePostDateStruct"]["date"] for s in corpus)
    # Built from the real BEAT-MS record: it stops recruiting in a later data release.
    changed = copy.deepcopy(by_id(standin.studies, "NCT04047628"))
    changed["protocolSection"]["statusModule"]["overallStatus"] = "ACTIVE_NOT_RECRUITING"
    changed["protocolSection"]["statusModule"]["lastUpdatePostDateStruct"]["date"] = "2025-10-02"
    standin.studies = [changed if s is by_id(standin.studies, "NCT04047628") else s for s in standin.studies]
    standin.data_timestamp = "2025-10-03T00:00:00"
    before = len(standin.requests)
    result = run(store, standin)
    new = standin.requests[before:]
    assert result.mode == "incremental"
    listing = [r for r in new if r.path.endswith("/studies") and "filter.ids" not in r.query]
    assert listing[0].query["filter.advanced"] == f"AREA[LastUpdatePostDate]RANGE[{newest},MAX]"
    details = [r for r in new if "filter.ids" in r.query]
    assert [r.query["filter.ids"] for r in details] == ["NCT04047628"]
    assert result.status_changes == 1
    [change] = store.status_changes()
    assert (change.old_status, change.new_status) == ("RECRUITING", "ACTIVE_NOT_RECRUITING")
    assert store.study(sid("NCT04047628")).data_timestamp == "2025-10-03T00:00:00"
    assert store.info().data_timestamp == "2025-10-03T00:00:00"


@pytest.mark.slow
def test_full_refresh_drops_studies_no_longer_listed(store, standin):
    run(store, standin)
    standin.studies = [s for s in standin.studies
                       if s["protocolSection"]["identificationModule"]["nctId"] != "NCT04047628"]
    run(store, standin, full=True)
    assert store.study(sid("NCT04047628")) is None


@pytest.mark.slow
def test_api_down_leaves_the_store_as_it_was(store, standin):
    run(store, standin)
    before = [(s.id.value, s.fetched_at) for s in store.stem_cell_studies()]
    standin.data_timestamp = "2025-10-03T00:00:00"
    standin.fail_next(503, count=40)
    with pytest.raises(ApiUnavailable):
        run(store, standin)
    assert [(s.id.value, s.fetched_at) for s in store.stem_cell_studies()] == before
    assert store.info().data_timestamp == "2025-09-25T00:00:00"


# A hematopoietic stem-cell study in the shape of the ms-2025-09 records (built from BEAT-MS).
def hsct_study(study_id: str) -> dict:
    return {"protocolSection": {
        "identificationModule": {"nctId": study_id,
                                 "briefTitle": "Autologous Hematopoietic Stem Cell Transplant for MS"},
        "statusModule": {"overallStatus": "RECRUITING",
                         "lastUpdatePostDateStruct": {"date": "2025-08-29"}},
        "conditionsModule": {"conditions": ["Multiple Sclerosis"]},
        "armsInterventionsModule": {"interventions": [
            {"type": "PROCEDURE", "name": "Autologous Hematopoietic Stem Cell Transplantation"}]},
    }}


def test_failure_while_fetching_details_rolls_back(respx_mock, tmp_path):
    store = Store(tmp_path / "s.sqlite3")
    respx_mock.get(f"{BASE}/version").mock(return_value=httpx.Response(200, json=VERSION))

    def studies(request):
        if "filter.ids" in request.url.params:
            return httpx.Response(503, text="down")
        return httpx.Response(200, json={"studies": [hsct_study("NCT00000001")], "totalCount": 1})

    respx_mock.get(f"{BASE}/studies").mock(side_effect=studies)
    with Client(BASE, interval=0, backoff=0) as client, pytest.raises(ApiUnavailable):
        refresh(store, client)
    assert store.info().is_empty


def test_refresh_with_respx_stores_the_detail_record(respx_mock, tmp_path):
    store = Store(tmp_path / "s.sqlite3")
    respx_mock.get(f"{BASE}/version").mock(return_value=httpx.Response(200, json=VERSION))
    detail = hsct_study("NCT00000001")
    detail["protocolSection"]["eligibilityModule"] = {"minimumAge": "18 Years"}

    def studies(request):
        if "filter.ids" in request.url.params:
            assert request.url.params["fields"].split("|") == list(plan.DETAIL_FIELDS)
            return httpx.Response(200, json={"studies": [detail]})
        return httpx.Response(200, json={"studies": [hsct_study("NCT00000001")], "totalCount": 1})

    respx_mock.get(f"{BASE}/studies").mock(side_effect=studies)
    with Client(BASE, interval=0, backoff=0) as client:
        result = refresh(store, client)
    assert (result.listed, result.detailed) == (1, 1)
    [stored] = store.stem_cell_studies()
    assert stored.labels == ("HSCT",) and stored.is_full
    assert stored.record["protocolSection"]["eligibilityModule"]["minimumAge"] == "18 Years"


def test_import_of_a_website_download(store):
    result = import_download(store, FULL_RECORDS)
    assert (result.imported, result.skipped, result.duplicates) == (128, 0, 0)
    assert plain.import_summary(result) == "Imported 128 studies from studies.json (data dated 2025-05-07)."
    info = store.info()
    assert info.study_count == 128 and info.stem_cell_count == 0  # digital therapeutics only
    # The file's date is its own, per study; nothing claims to be the API's data.
    assert info.data_timestamp is None and info.source is None
    assert (info.imported.studies, info.imported.oldest, info.imported.file) == (
        128, "2025-05-07", "studies.json")
    assert {s.data_timestamp for s in store._studies("")} == {"2025-05-07"}


def test_import_of_json_lines_finds_the_stem_cell_studies(store):
    import_download(store, MSC_2022)
    ids = {s.id.value for s in store.stem_cell_studies()}
    assert "NCT01854957" in ids  # MESEMS, MSC
    assert "NCT00962923" not in ids  # MSC in systemic sclerosis: not MS


@pytest.mark.parametrize("content, message", [
    ("not json at all {", "does not parse"),
    ('{"hello": "world"}', "holds no ClinicalTrials.gov study records"),
    ("[]", "holds no ClinicalTrials.gov study records"),
])
def test_import_rejects_what_is_not_a_download(store, tmp_path, content, message):
    path = tmp_path / "bad.json"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(InputError, match=message):
        import_download(store, path)
    assert store.info().is_empty


def test_import_of_a_missing_file(store, tmp_path):
    with pytest.raises(InputError, match="Cannot read"):
        import_download(store, tmp_path / "nope.json")


def test_import_accepts_an_api_list_answer(store, tmp_path):
    path = tmp_path / "page.json"
    path.write_text(json.dumps({"studies": [hsct_study("NCT00000001")], "totalCount": 1}))
    assert import_download(store, path).imported == 1
    assert [s.id.value for s in store.stem_cell_studies()] == ["NCT00000001"]


def test_stored_labels_follow_a_new_classifier_when_relabelled_and_loading_never_writes(store, tmp_path):
    path = tmp_path / "page.json"
    path.write_text(json.dumps([hsct_study("NCT00000001")]))
    import_download(store, path)
    with store.writing() as w:
        w.set_meta(classifier_version="an older version")
        w.reclassify(sid("NCT00000001"), Classified((), False, ""))
    assert store.stem_cell_studies() == []
    assert load(store).table.empty and store.info().classifier_version == "an older version"  # a read
    assert relabel(Settings(cache_dir=tmp_path))  # the explicit step the updates run
    assert [s.labels for s in store.stem_cell_studies()] == [("HSCT",)]
    assert not relabel(Settings(cache_dir=tmp_path))  # nothing left to do
    assert store.info().classifier_version == classify.CLASSIFIER_VERSION
