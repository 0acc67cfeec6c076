"""The EU CTIS adapter: the reader on real recorded records and built MS cases, the client's
shape checks, the query plan against the local stand-in (tests/support/ctis_standin.py), the
file import and the smoke check. Only the local stand-in or httpx.MockTransport is asked."""

from __future__ import annotations

import copy
import json
import os
from pathlib import Path

import httpx
import pytest

from trials.analysis import classify
from trials.config import Settings
from trials.errors import ApiBadResponse, ApiError, InputError
from trials.ids import CTIS, EUCTR
from trials.model import CTGOV, StudyId
from trials.registries.base import ListingRefused
from trials.registries.ctis import REGISTRY
from trials.registries.ctis.api import Client
from trials.registries.ctis.download import import_download
from trials.registries.ctis.plan import refresh
from trials.registries.ctis.record import parse_id, read, refusal
from trials.registries.values import MAX_FIELD_CHARS
from trials.registries.ctis.smoke import run_checks
from trials.store.sqlite import FILE, Store

from .support.ctis_standin import CtisStandIn, retrieve_body, search_element

DATA = Path(__file__).parent / "data" / "registries" / "ctis"
INFLUENZA = "2024-510663-34-00"
FUNGAL = "2023-505613-24-00"
OCRELIZUMAB = "2025-523726-40-00"
NET_MS = "2022-002654-95-00"
MSC = "2024-599999-01-00"
ENDED = "2023-599998-02-00"
FILES = {
    INFLUENZA: DATA / f"retrieve-merged_{INFLUENZA}.json",
    FUNGAL: DATA / f"retrieve-merged_{FUNGAL}.json",
    OCRELIZUMAB: DATA / f"search-data-element_{OCRELIZUMAB}.json",
    NET_MS: DATA / "ms" / f"net-ms_{NET_MS}.json",
    MSC: DATA / "ms" / f"msc_{MSC}.json",
    ENDED: DATA / "ms" / f"ended-hsct_{ENDED}.json",
}
MS_CASES = {OCRELIZUMAB, NET_MS, MSC, ENDED}
STEM_CELL = {NET_MS, MSC, ENDED}


def record(number: str) -> dict:
    return json.loads(FILES[number].read_text(encoding="utf-8"))


def every_record() -> list[dict]:
    return [record(n) for n in FILES]


@pytest.fixture
def standin():
    with CtisStandIn(every_record()) as server:
        yield server


@pytest.fixture
def store(tmp_path) -> Store:
    return Store(tmp_path / "trials.sqlite3")


def client_for(server: CtisStandIn, **options) -> Client:
    return Client(server.url, interval=0, backoff=0, retries=options.pop("retries", 0), timeout=5, **options)


def ctis_rows(store: Store) -> dict[str, bool]:
    """Stored CTIS study id -> whether the stored record is the full one."""
    return {k: v[1] for k, v in store.last_updates(CTIS).items()}


def snapshot(store: Store) -> tuple:
    return (sorted(store.records(), key=lambda r: r[0]), store.registry_meta(CTIS))


# -- the reader: real records -------------------------------------------------------------

def test_real_retrieve_record_reads_ids_status_and_sites_by_country():
    study = read(record(INFLUENZA))
    assert study.id == StudyId(CTIS, INFLUENZA)
    assert study.url.endswith(f"EUCT={INFLUENZA}")
    assert set(study.other_ids) == {StudyId(CTGOV, "NCT04494412"), StudyId(EUCTR, "2019-001588-63")}
    assert study.overall_status == "RECRUITING"
    assert study.status_basis == "CTIS public status 4: ongoing, recruiting"
    assert study.conditions == ("Influenza, Human",)
    assert study.phases == ("PHASE2",)  # trialPhase code "4": Therapeutic exploratory (Phase II)
    assert study.sponsor == "Glaxosmithkline Research & Development Limited"
    assert study.sponsor_class == "INDUSTRY"
    assert study.central_contacts[0].email == "GSKClinicalSupportHD@gsk.com"
    assert {s.country for s in study.sites} == {"Spain", "Italy"}
    milan = next(s for s in study.sites if s.city == "Milan")
    assert (milan.facility, milan.country, milan.status) == (
        "Fondazione IRCCS Ca Granda Ospedale Maggiore Policlinico", "Italy", "RECRUITING")
    assert study.eligibility.criteria.startswith("Inclusion criteria:\n1. Age. Neonates")
    assert "\n\nExclusion criteria:\n1. " in study.eligibility.criteria
    assert study.last_update == "2025-09-15" and study.start_date == "2021-01-29"
    assert study.enrollment == 11


@pytest.mark.parametrize("number", [INFLUENZA, FUNGAL])
def test_real_records_are_read_in_english_only(number):
    """Each record carries Spanish, Polish or Greek translations; none reaches the model."""
    raw = json.dumps(record(number), ensure_ascii=False)
    assert "attributeTranslation" in raw
    study = read(record(number))
    words = " ".join(t for _, t in study.texts) + study.eligibility.criteria + study.brief_title
    for foreign in ("Estudio", "Gripe", "pacientes", "zakażen", "ασθεν"):
        assert foreign not in words


def test_second_real_record_reads_its_three_countries_and_funder():
    study = read(record(FUNGAL))
    assert study.id.value == FUNGAL and StudyId(CTGOV, "NCT04665037") in study.other_ids
    assert {s.country for s in study.sites} == {"Belgium", "Poland", "Greece"}
    assert study.funders == ("Merck Sharp & Dohme LLC",)
    assert study.primary_outcomes[0] == "Average concentration (Cavg) of single-dose IV POS (Panel A)"


def test_search_element_reads_slim():
    study = read(record(OCRELIZUMAB))
    assert study.id.value == OCRELIZUMAB
    assert study.brief_title.startswith("A PHASE III, OPEN-LABEL")
    assert study.acronym == "CN46182"
    assert study.conditions == ("Multiple Sclerosis",)
    assert study.phases == ("PHASE3",)
    assert study.interventions[0].name == "Ocrevus, Ocrelizumab" and study.interventions[0].type == ""
    assert study.start_date == "2026-06-24" and study.last_update == "2026-07-09"
    assert (study.eligibility.minimum_age, study.eligibility.maximum_age, study.eligibility.sex) == (
        "18 Years", "64 Years", "ALL")
    assert {(s.country, s.status) for s in study.sites} == {
        ("Spain", "RECRUITING"), ("France", "NOT_YET_RECRUITING"), ("Poland", "RECRUITING"), ("Italy", "RECRUITING")}
    assert all(s.facility == "" for s in study.sites)  # country-only: the search names no site
    assert study.sponsor_class == "INDUSTRY" and study.enrollment == 54
    assert not classify.is_candidate(study)


# -- the reader: built MS cases, status codes, hostile values ------------------------------

def test_built_neural_stem_cell_case_is_labelled_other_stem_cell():
    study = read(record(NET_MS))
    result = classify.classify(study)
    assert result.labels == ("Other stem cell",) and result.is_ms
    assert study.interventions[0].type == "BIOLOGICAL"
    assert StudyId(EUCTR, "2022-002654-95") in study.other_ids
    assert [(s.city, s.country, s.status) for s in study.sites] == [("Milan", "Italy", "RECRUITING"),
                                                                   ("Rome", "Italy", "RECRUITING")]
    assert study.phases == ("PHASE1",) and study.sponsor_class == "OTHER"


def test_built_msc_case_names_its_nct_number_and_statuses_per_country():
    study = read(record(MSC))
    assert classify.classify(study).labels == ("MSC",)
    assert study.other_ids == (StudyId(CTGOV, "NCT01854957"),)
    assert study.status_basis == "CTIS public status 3: authorised, recruiting"
    by_country = {s.country: s.status for s in study.sites}
    assert by_country == {"Belgium": "RECRUITING", "Poland": "NOT_YET_RECRUITING", "Greece": "ACTIVE_NOT_RECRUITING"}


@pytest.mark.parametrize(("code", "status", "words"), [
    (1, "NOT_YET_RECRUITING", "under evaluation"), (2, "NOT_YET_RECRUITING", "authorised, recruitment pending"),
    (3, "RECRUITING", "authorised, recruiting"), (4, "RECRUITING", "ongoing, recruiting"),
    (5, "ACTIVE_NOT_RECRUITING", "ongoing, recruitment ended"), (6, "SUSPENDED", "temporarily halted"),
    (7, "SUSPENDED", "suspended"), (8, "COMPLETED", "ended"), (9, "WITHDRAWN", "expired"),
    (10, "TERMINATED", "revoked"), (11, "WITHDRAWN", "not authorised"), (12, "WITHDRAWN", "cancelled"),
])
def test_every_public_status_code_maps_with_ctis_words(code, status, words):
    study = read({"ctNumber": OCRELIZUMAB, "ctStatus": code})
    assert study.overall_status == status
    assert study.status_basis.startswith(f"CTIS public status {code}: {words}")
    if code == 8:  # "ended" is no claim that it ran its course
        assert "stopped early" in study.status_basis


def test_retrieve_body_status_text_is_not_read_as_recruitment():
    body = retrieve_body(record(ENDED))
    assert body["ctStatus"] == "Ended" and body["ctPublicStatusCode"] == 8
    assert read(body).overall_status == "COMPLETED"
    assert read({"ctNumber": MSC, "ctStatus": "Authorised"}).overall_status == "UNKNOWN"
    assert read({"ctNumber": MSC, "ctStatus": 99}).status_basis.startswith("CTIS public status 99: a code")


def test_refusal_and_read_need_a_valid_number():
    assert refusal([]) == "not a JSON object"
    assert refusal({"ctTitle": "x"}) == "no ctNumber"
    assert "not a CTIS number" in refusal({"ctNumber": "2019-001588-63"})
    assert "not a CTIS number" in refusal({"ctNumber": "2023\u2011505613-24-00"})  # a look-alike hyphen
    assert refusal({"ctNumber": OCRELIZUMAB, "trialCountries": "Spain:4"}).endswith("not a list")
    assert refusal({"ctNumber": OCRELIZUMAB, "ctPublicStatusCode": True}) is not None
    assert refusal(record(INFLUENZA)) is None
    with pytest.raises(ValueError):
        read({"ctNumber": 2023505613})


def test_parse_id():
    assert parse_id("2023-505613-24-00") == StudyId(CTIS, "2023-505613-24-00")
    assert parse_id(" ctis2023-505613-24-00 ") == StudyId(CTIS, "2023-505613-24-00")
    assert REGISTRY.parse_id("CTIS 2023-505613-24-00").value == "2023-505613-24-00"
    for bad in ("2023-505613-24", "NCT04047628", "2023-505613-24-00x", ""):
        with pytest.raises(InputError, match="2023-505613-24-00"):
            parse_id(bad)


def test_hostile_values_are_bounded_or_ignored():
    hostile = copy.deepcopy(record(NET_MS))
    hostile["ctTitle"] = "x" * (MAX_FIELD_CHARS * 3)
    hostile["authorizedApplication"]["authorizedPartI"]["trialDetails"]["clinicalTrialIdentifiers"] = {
        "publicTitle": "y" * (MAX_FIELD_CHARS * 3), "fullTitle": 17, "secondaryIdentifyingNumbers": "NCT01854957"}
    hostile["authorizedApplication"]["authorizedPartsII"] = [None, 5, {"mscInfo": "Italy", "trialSites": {"a": 1}}]
    hostile["trialCountries"] = ["Italy:x", 7, ":4", "Spain:4"]
    hostile["lastUpdated"] = "31/13/2025"
    hostile["totalNumberEnrolled"] = "9" * 40
    hostile["ageGroup"] = "18-120 years"
    study = read(hostile)
    assert len(study.brief_title) == MAX_FIELD_CHARS and study.official_title == ""
    assert study.other_ids == (StudyId(EUCTR, "2022-002654-95"),)  # a string where an object belongs
    assert {s.country for s in study.sites} == {"Italy", "Spain"}
    assert study.last_update == "2025-09-16"  # not a date: the retrieve body's publishDate instead
    assert study.enrollment is None
    assert (study.eligibility.minimum_age, study.eligibility.maximum_age) == ("", "")  # an unknown group: no guess


# -- the client --------------------------------------------------------------------------

def mock_client(answer) -> Client:
    return Client("https://ctis.test/ctis-public-api", interval=0, retries=0,
                  transport=httpx.MockTransport(lambda request: httpx.Response(200, json=answer)))


def test_client_checks_the_search_envelope():
    with pytest.raises(ApiBadResponse, match="no pagination.totalRecords"):
        mock_client({"data": []}).search({}, 1, 1)
    with pytest.raises(ApiBadResponse, match="without a list of trials"):
        mock_client({"pagination": {"totalRecords": 1}, "data": {}}).search({}, 1, 1)
    page = mock_client({"pagination": {"totalRecords": 3}, "data": [{"ctNumber": MSC}]}).search({}, 1, 1)
    assert page.total == 3 and page.records == [{"ctNumber": MSC}]


def test_retrieve_of_an_unknown_number_is_none(standin):
    with client_for(standin) as api:
        assert api.retrieve("2023-000000-00-00") is None
        assert api.retrieve(NET_MS)["ctNumber"] == NET_MS
    assert mock_client({"ctTitle": "no number"}).retrieve(MSC) is None
    with pytest.raises(ApiBadResponse, match="another trial"):
        mock_client({"ctNumber": NET_MS}).retrieve(MSC)


# -- the query plan against the stand-in -------------------------------------------------

def test_cold_refresh_stores_the_ms_trials_and_a_repeat_retrieves_nothing(standin, store):
    with client_for(standin) as api:
        result = refresh(store, api)
    assert ctis_rows(store) == {OCRELIZUMAB: False, NET_MS: True, MSC: True, ENDED: True}
    # 1 register count + 1 MS page + 3 retrieves (the stem-cell candidates only).
    assert result.requests == 5 and len(standin.requests) == 5
    assert [r.method for r in standin.requests].count("GET") == 3
    assert (result.mode, result.listed, result.detailed) == ("full", 4, 3)
    assert result.bytes_received == standin.bytes_sent
    net_ms = store.study(StudyId(CTIS, NET_MS))
    assert net_ms.labels == ("Other stem cell",) and net_ms.is_ms
    assert net_ms.record["ctStatus"] == 4  # the search's code, merged over the retrieve body's words
    assert "authorizedApplication" in net_ms.record
    meta = store.registry_meta(CTIS)
    assert meta["source"] == f"EU CTIS public API at {standin.url}"
    assert meta["data_timestamp"] == meta["fetched_at"] == meta["checked_at"] == result.data_timestamp

    standin.requests.clear()
    with client_for(standin) as api:
        again = refresh(store, api)
    assert (again.requests, again.detailed, again.mode) == (2, 0, "incremental")
    assert all(r.method == "POST" for r in standin.requests)
    assert store.study(StudyId(CTIS, NET_MS)).is_full  # kept full, without a retrieve


def test_a_changed_candidate_is_retrieved_again_and_its_status_change_logged(standin, store):
    with client_for(standin) as api:
        refresh(store, api)
    changed = next(r for r in standin.records if r["ctNumber"] == MSC)
    changed.update(ctStatus=5, ctPublicStatusCode=5, lastUpdated="20/10/2025")
    standin.requests.clear()
    with client_for(standin) as api:
        result = refresh(store, api)
    assert [r.path for r in standin.requests if r.method == "GET"] == [f"{CtisStandIn.prefix}/retrieve/{MSC}"]
    assert result.status_changes == 1
    assert store.study(StudyId(CTIS, MSC)).record["ctStatus"] == 5


def test_an_ignored_filter_is_refused_and_the_store_kept(standin, store):
    with client_for(standin) as api:
        refresh(store, api)
    before = snapshot(store)
    standin.ignore_condition = True
    with client_for(standin) as api, pytest.raises(ListingRefused) as refused:
        refresh(store, api)
    assert "EU CTIS ignored the multiple sclerosis filter" in str(refused.value)
    assert "6 trials where the whole register holds 6" in str(refused.value)
    assert snapshot(store) == before


def test_the_request_cap_stops_before_any_retrieve(standin, store):
    with client_for(standin) as api, pytest.raises(ApiError, match="more than 4 requests"):
        refresh(store, api, max_requests=4)
    assert [r.method for r in standin.requests] == ["POST", "POST"]
    assert ctis_rows(store) == {} and store.registry_meta(CTIS) == {}


@pytest.mark.parametrize("failure", [
    {"status": 503, "count": 10},
    {"status": 200, "count": 10, "body": "<html>maintenance</html>", "content_type": "text/html"},
])
def test_a_failing_registry_leaves_the_store_unchanged(standin, store, failure):
    with client_for(standin) as api:
        refresh(store, api)
    before = snapshot(store)
    standin.requests.clear()
    standin.fail_next(**failure)
    with client_for(standin) as api, pytest.raises(ApiError, match="EU CTIS"):
        refresh(store, api)
    assert snapshot(store) == before


def test_a_failing_retrieve_mid_refresh_leaves_the_store_unchanged(standin, store):
    class FailingRetrieve(Client):
        def retrieve(self, ct_number: str) -> dict | None:
            if ct_number == MSC:  # the second of the three candidates
                raise ApiError("EU CTIS did not answer")
            return super().retrieve(ct_number)

    with FailingRetrieve(standin.url, interval=0, retries=0) as api, pytest.raises(ApiError):
        refresh(store, api)
    assert sum(r.method == "GET" for r in standin.requests) == 1  # one retrieve had answered
    assert ctis_rows(store) == {} and store.registry_meta(CTIS) == {}


def test_a_listing_that_delivers_fewer_than_announced_is_refused(standin, store):
    def short_answer(request: httpx.Request) -> httpx.Response:
        criteria = json.loads(request.content)["searchCriteria"]
        total = 6 if not criteria else 4
        data = [] if not criteria else [search_element(record(n)) for n in (NET_MS, MSC)]
        return httpx.Response(200, json={"pagination": {"totalRecords": total}, "data": data})
    api = Client("https://ctis.test/api", interval=0, retries=0, transport=httpx.MockTransport(short_answer))
    with pytest.raises(ListingRefused, match="delivered 2 distinct trials of the 4"):
        refresh(store, api)


def test_a_complete_listing_removes_a_trial_no_longer_listed(standin, store):
    with client_for(standin) as api:
        refresh(store, api)
    standin.records = [r for r in standin.records if r["ctNumber"] != ENDED]
    with client_for(standin) as api:
        result = refresh(store, api, full=True)
    assert result.dropped == 1
    assert ENDED not in ctis_rows(store) and NET_MS in ctis_rows(store)


def test_refused_records_are_counted_and_their_stored_copy_kept(standin, store):
    with client_for(standin) as api:
        refresh(store, api)
    broken = next(r for r in standin.records if r["ctNumber"] == MSC)
    broken["trialCountries"] = "Belgium:3"
    with client_for(standin) as api:
        result = refresh(store, api)
    assert result.skipped == 1 and "trialCountries is a str" in result.why_skipped
    assert ctis_rows(store)[MSC] is True


# -- the file import ---------------------------------------------------------------------

def test_import_of_a_retrieve_json_file(store, tmp_path):
    path = tmp_path / "trial.json"
    path.write_text(json.dumps(retrieve_body(record(NET_MS))), encoding="utf-8")
    os.utime(path, (1_750_000_000, 1_750_000_000))  # 2025-06-15
    result = import_download(store, path)
    assert (result.imported, result.skipped, result.oldest) == (1, 0, "2025-06-15")
    stored = store.study(StudyId(CTIS, NET_MS))
    assert stored.source == FILE and stored.is_full and stored.labels == ("Other stem cell",)
    assert stored.data_timestamp == "2025-06-15"


def test_import_of_a_search_answer_file(store, tmp_path):
    path = tmp_path / "search.json"
    elements = [search_element(record(n)) for n in (OCRELIZUMAB, MSC)] + [{"ctNumber": "bad"}]
    path.write_text(json.dumps({"pagination": {"totalRecords": 3}, "data": elements}), encoding="utf-8")
    result = import_download(store, path)
    assert (result.imported, result.skipped) == (2, 1)
    assert "record 3: ctNumber 'bad' is not a CTIS number" in result.reasons[0]
    assert ctis_rows(store) == {OCRELIZUMAB: False, MSC: False}


@pytest.mark.parametrize(("content", "message"), [
    ("not json", "does not parse as JSON"),
    ('{"studies": []}', "expected a trial's JSON"),
    ('[{"ctNumber": 5}]', "holds no EU CTIS trial records"),
])
def test_import_refuses_what_is_no_ctis_file(store, tmp_path, content, message):
    path = tmp_path / "x.json"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(InputError, match=message):
        import_download(store, path)
    assert ctis_rows(store) == {}


# -- the smoke check ---------------------------------------------------------------------

def test_smoke_check_against_the_stand_in(standin):
    with client_for(standin) as api:
        checks = run_checks(api)
    assert [c.ok for c in checks] == [True, True, True], checks
    assert checks[0].detail == "6 trials in the whole register"
    assert checks[1].detail.startswith("4 multiple sclerosis trials")
    standin.ignore_condition = True
    with client_for(standin) as api:
        checks = run_checks(api)
    assert not checks[1].ok and "filter was ignored" in checks[1].detail


def test_registry_wires_the_adapter(standin, store):
    settings = Settings(urls=(("ctis", standin.url),), request_interval=0)
    assert REGISTRY.code == CTIS and REGISTRY.read(record(MSC)).id.value == MSC
    assert REGISTRY.refresh(store, settings).requests == 5
    assert all(c.ok for c in REGISTRY.check(settings))


def test_a_record_nested_beyond_any_real_one_is_refused_not_a_crash(tmp_path):
    # The review's case: 600 levels made the import fail with a RecursionError.
    deep: dict = {"x": 1}
    for _ in range(600):
        deep = {"x": deep}
    record = {"ctNumber": "2024-510663-34-00", "ctStatus": 4, "authorizedApplication": deep}
    assert "nests deeper" in refusal(record)
    path = tmp_path / "deep.json"
    path.write_text(json.dumps(record), encoding="utf-8")
    with pytest.raises(InputError, match="nests deeper"):
        import_download(Store(tmp_path / "s.sqlite3"), path)
