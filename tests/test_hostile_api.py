"""Answers from the API that must not erase, freeze or corrupt the stored data (issue 17).

Each test fills a store from the stand-in serving the real ms-2025-09 records, then lets one
refresh meet a broken answer. The answers are broken on the wire, by a transport between
the client and the stand-in (the network is all that is mocked); the finder's own code runs.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable

import httpx
import pytest

from trials.errors import ApiBadResponse, ApiError
from trials.registries.ctgov.api import Client
from trials.registries.base import ListingRefused
from trials.registries.ctgov.plan import refresh
from trials.store.sqlite import Store

from .conftest import MS_2025
from .support.standin import StandIn, load_corpus

pytestmark = pytest.mark.slow

Rewrite = Callable[[httpx.Request, dict], dict]


class Broken(httpx.BaseTransport):
    """Forwards to the stand-in and rewrites the JSON of each /studies answer."""

    def __init__(self, rewrite: Rewrite) -> None:
        self._real = httpx.HTTPTransport()
        self._rewrite = rewrite

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        asked = request
        if request.url.params.get("pageToken", "").startswith("again"):  # our own token: page 1 again
            asked = httpx.Request("GET", request.url.copy_remove_param("pageToken"), headers=request.headers)
        response = self._real.handle_request(asked)
        if not request.url.path.endswith("/studies"):
            return response
        response.read()
        body = self._rewrite(request, json.loads(response.content))
        return httpx.Response(200, json=body, request=request)


@pytest.fixture(scope="module")
def corpus():
    return load_corpus(MS_2025)


@pytest.fixture
def api(corpus):
    with StandIn(copy.deepcopy(corpus)) as server:
        yield server


@pytest.fixture
def store(tmp_path, api):
    store = Store(tmp_path / "trials.sqlite3")
    with Client(api.url, interval=0, backoff=0) as client:
        refresh(store, client)
    api.data_timestamp = "2025-09-26T00:00:00"  # a new release: the next refresh lists again
    return store


def snapshot_of(store: Store) -> tuple:
    return (store.info().study_count, sorted((s.id.value, s.fetched_at) for s in store.stem_cell_studies()))


def broken_refresh(store: Store, api: StandIn, rewrite: Rewrite | None = None, **kwargs):
    transport = Broken(rewrite) if rewrite else None
    with Client(api.url, interval=0, backoff=0, retries=0, transport=transport) as client:
        return refresh(store, client, **kwargs)


def test_an_empty_answer_removes_nothing_even_on_a_full_refresh(store, api):
    before = snapshot_of(store)
    api.studies = []  # a 200 answer with no studies (and a totalCount of 0)
    with pytest.raises(ListingRefused, match=r"would remove 2,435 of the 2,435 stored ClinicalTrials.gov studies.*Nothing was changed"):
        broken_refresh(store, api, full=True)
    assert snapshot_of(store) == before


def test_a_listing_that_stops_paging_early_removes_nothing(store, api):
    before = snapshot_of(store)

    def no_more_pages(request: httpx.Request, body: dict) -> dict:
        body.pop("nextPageToken", None)  # while totalCount still says 2,435
        return body

    with pytest.raises(ListingRefused, match=r"ended after 1,000 of the 2,435 studies"):
        broken_refresh(store, api, no_more_pages, full=True)
    assert snapshot_of(store) == before


def test_records_nobody_can_identify_are_skipped_and_prove_nothing_gone(store, api):
    before = snapshot_of(store)

    def without_protocol(request: httpx.Request, body: dict) -> dict:
        if "query.cond" in request.url.params:
            for study in body["studies"][::3]:  # every third record, as a broken proxy might
                study.pop("protocolSection", None)
        return body

    result = broken_refresh(store, api, without_protocol, full=True)
    assert result.skipped == 813 and result.listed + result.skipped == 2435 and result.dropped == 0
    assert snapshot_of(store)[0] == before[0]


def test_a_page_token_that_never_ends_is_stopped(store, api):
    before = snapshot_of(store)

    def forever(request: httpx.Request, body: dict) -> dict:
        body["nextPageToken"] = f"again-{request.url.params.get('pageToken', '')}x"  # new every time
        return body

    with pytest.raises(ApiBadResponse, match="kept sending pages .* beyond the 2435 studies"):
        broken_refresh(store, api, forever, full=True)
    assert snapshot_of(store) == before


@pytest.mark.parametrize("stamp, words", [
    ("garbage", "no date"),
    ("2099-12-31T00:00:00", "in the future"),
    ("2024-01-01T00:00:00", "older than the stored"),
])
def test_a_data_version_that_is_no_date_in_the_future_or_going_back_is_refused(store, api, stamp, words):
    before = snapshot_of(store)
    api.data_timestamp = stamp
    with pytest.raises(ApiError, match=words):
        broken_refresh(store, api)
    assert snapshot_of(store) == before


def test_a_date_from_the_future_does_not_freeze_the_incremental_listing(store, api):
    # One record of the real corpus says it was updated in 2099 (or "zzzz").
    forged = [copy.deepcopy(s) for s in api.studies[:2]]
    forged[0]["protocolSection"]["statusModule"]["lastUpdatePostDateStruct"] = {"date": "2099-12-31"}
    forged[1]["protocolSection"]["statusModule"]["lastUpdatePostDateStruct"] = {"date": "zzzz"}
    api.studies = forged + api.studies[2:]
    broken_refresh(store, api)
    api.data_timestamp = "2025-09-27T00:00:00"
    api.requests.clear()
    broken_refresh(store, api)
    [listing] = [r for r in api.requests if "query.cond" in r.query]
    since = listing.query["filter.advanced"]
    assert "2099" not in since and "zzzz" not in since and since.startswith("AREA[LastUpdatePostDate]RANGE[2025-")


class _Trickle:
    """A server on 127.0.0.1 that sends its JSON answer one byte a second, forever."""

    def __init__(self) -> None:
        import socket
        import threading

        self._server = socket.socket()
        self._server.bind(("127.0.0.1", 0))
        self._server.listen()
        self.url = f"http://127.0.0.1:{self._server.getsockname()[1]}/api/v2"
        self._stop = threading.Event()
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        import time

        while not self._stop.is_set():
            try:
                conn, _ = self._server.accept()
            except OSError:
                return
            with conn:
                conn.recv(65536)
                conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n")
                try:
                    while not self._stop.is_set():
                        conn.sendall(b" ")
                        time.sleep(1)
                except OSError:
                    continue

    def close(self) -> None:
        self._stop.set()
        self._server.close()


@pytest.mark.parametrize("budget", [None, 3.0])
def test_an_answer_trickled_a_byte_a_second_ends_within_its_deadline(budget):
    import time

    trickle = _Trickle()
    try:
        started = time.monotonic()
        with Client(trickle.url, interval=0, backoff=0, retries=0, timeout=4.0, answer_limit=4.0,
                    budget=budget) as client:
            with pytest.raises(ApiError, match="did not answer"):
                client.version()
        assert time.monotonic() - started < 8  # the answer limit (4 s) or the budget (3 s), not forever
    finally:
        trickle.close()


def test_a_full_refresh_may_drop_imported_studies_the_registry_never_listed(store, api, tmp_path):
    """Review of issue 17: only the registry's own studies count against the drop limit."""
    from trials.registries.ctgov.download import import_download

    foreign = []
    for n in range(20):  # 20 studies from a download that the registry does not list
        record = copy.deepcopy(api.studies[n])
        record["protocolSection"]["identificationModule"]["nctId"] = f"NCT0999{n:04d}"
        foreign.append(record)
    path = tmp_path / "download.json"
    path.write_text(json.dumps(foreign), encoding="utf-8")
    import_download(store, path)
    result = broken_refresh(store, api, full=True)
    assert result.dropped == 20 and store.info().imported is None


def test_a_full_refresh_mends_a_stored_row_that_no_longer_parses(store, api):
    import sqlite3

    from trials.snapshot import read

    stem_cell = next(iter(read(store).entries))
    with sqlite3.connect(store.path) as conn:
        conn.execute("UPDATE studies SET record = '{bad' WHERE study_id = ?", (stem_cell,))
    assert "could not be read" in read(Store(store.path)).notice
    broken_refresh(store, api, full=True)
    mended = read(Store(store.path))
    assert stem_cell in mended.entries and mended.notice is None


def test_the_same_data_version_spelled_otherwise_is_not_older(store, api):
    import sqlite3

    with sqlite3.connect(store.path) as conn:  # as an older program stored it
        conn.execute("UPDATE meta SET value = '2025-09-25T00:00:00.000Z' WHERE key = 'ctgov:data_timestamp'")
    api.data_timestamp = "2025-09-25T00:00:00"
    assert broken_refresh(store, api).mode in ("unchanged", "incremental", "full")


def test_a_record_of_the_wrong_shape_is_refused_named_and_keeps_the_stored_copy(store, api):
    # The attacker's record, on the wire: a real stem-cell study's record (listing and full
    # record) with its status module a number.
    study_id = store.stem_cell_studies()[0].id
    before = store.study(study_id).record

    def broken(request: httpx.Request, body: dict) -> dict:
        for record in body["studies"]:
            if record["protocolSection"]["identificationModule"]["nctId"] == study_id.value:
                record["protocolSection"]["statusModule"] = 1.5
        return body

    result = broken_refresh(store, api, broken, full=True)
    assert (result.skipped, result.dropped) == (1, 0)
    assert result.reasons == (f"{study_id.value}: protocolSection.statusModule is a number, not an object",)
    assert store.study(study_id).record == before
    assert snapshot_of(store)[0] == 2435
