"""The API client against a mocked network (respx): paging and every failure."""

from __future__ import annotations

import httpx
import pytest

from trials.registries.ctgov.api import PAGE_SIZE, Client
from trials.registries.ctgov.record import normalise_nct_id
from trials.config import Settings
from trials.errors import ApiBadResponse, ApiForbidden, ApiRejected, ApiUnavailable, InputError

from .conftest import BASE, study

FIELDS = ("NCTId", "OverallStatus")


def page(ids, token=None, total=None):
    body = {"studies": [study(i) for i in ids]}
    if token:
        body["nextPageToken"] = token
    if total is not None:
        body["totalCount"] = total
    return httpx.Response(200, json=body)


def collect(client, params=None):
    return [p for p in client.iter_pages(params or {"query.cond": "multiple sclerosis"}, FIELDS)]


def test_pages_until_the_empty_page_behind_the_last_token(respx_mock, client):
    route = respx_mock.get(f"{BASE}/studies").mock(side_effect=[
        page(["NCT00000001", "NCT00000002"], token="t1", total=4),
        page(["NCT00000003", "NCT00000004"], token="t2"),
        page([], token="t3"),  # the live API mints a token for an exactly full last page
    ])
    pages = collect(client)
    assert [len(p.studies) for p in pages] == [2, 2, 0]
    assert pages[0].total_count == 4 and pages[1].total_count is None
    assert route.call_count == 3


def test_later_pages_repeat_the_first_pages_parameters(respx_mock, client):
    route = respx_mock.get(f"{BASE}/studies").mock(side_effect=[
        page(["NCT00000001"], token="t1"), page(["NCT00000002"]),
    ])
    collect(client)
    first, second = (dict(c.request.url.params) for c in route.calls)
    assert first["countTotal"] == "true" and "pageToken" not in first
    assert first["pageSize"] == str(PAGE_SIZE) == "1000"
    assert first["fields"] == "NCTId|OverallStatus"
    assert second.pop("pageToken") == "t1"
    first.pop("countTotal")
    assert second == first


def test_stops_when_a_token_comes_back(respx_mock, client):
    route = respx_mock.get(f"{BASE}/studies").mock(side_effect=[
        page(["NCT00000001"], token="same"),
        page(["NCT00000002"], token="same"),
        page(["NCT00000003"], token="same"),
    ])
    assert len(collect(client)) == 2
    assert route.call_count == 2


def test_429_then_success_honours_retry_after(respx_mock, client):
    route = respx_mock.get(f"{BASE}/version").mock(side_effect=[
        httpx.Response(429, headers={"Retry-After": "0"}, text="slow down"),
        httpx.Response(200, json={"apiVersion": "2.0.5", "dataTimestamp": "2025-09-25T09:00:05"}),
    ])
    version = client.version()
    assert version.data_timestamp == "2025-09-25T09:00:05"
    assert route.call_count == 2


def test_503_until_retries_run_out(respx_mock, client):
    route = respx_mock.get(f"{BASE}/version").mock(return_value=httpx.Response(503, text="down"))
    with pytest.raises(ApiUnavailable, match=r"did not answer after 4 tries \(last: 503\)"):
        client.version()
    assert route.call_count == 4


def test_timeout_is_retried_then_reported(respx_mock, client):
    route = respx_mock.get(f"{BASE}/version").mock(side_effect=httpx.ReadTimeout("slow"))
    with pytest.raises(ApiUnavailable, match=r"after 4 tries \(last: timed out\)"):
        client.version()
    assert route.call_count == 4


def test_connection_refused_is_reported(respx_mock, client):
    respx_mock.get(f"{BASE}/version").mock(side_effect=httpx.ConnectError("refused"))
    with pytest.raises(ApiUnavailable, match="could not be reached after 4 tries"):
        client.version()


def test_html_on_a_200_is_retried_then_an_error(respx_mock, client):
    route = respx_mock.get(f"{BASE}/studies").mock(return_value=httpx.Response(
        200, text="<html><body>Maintenance</body></html>", headers={"content-type": "text/html"}))
    with pytest.raises(ApiBadResponse, match="text/html page instead of JSON after 4 tries"):
        collect(client)
    assert route.call_count == 4


def test_html_once_then_json_succeeds(respx_mock, client):
    respx_mock.get(f"{BASE}/studies").mock(side_effect=[
        httpx.Response(200, text="<html>oops</html>", headers={"content-type": "text/html"}),
        page(["NCT00000001"]),
    ])
    assert len(collect(client)[0].studies) == 1


def test_truncated_json_is_an_error(respx_mock, client):
    respx_mock.get(f"{BASE}/studies").mock(return_value=httpx.Response(
        200, content=b'{"studies": [{"protocolSection": {', headers={"content-type": "application/json"}))
    with pytest.raises(ApiBadResponse, match="JSON that does not parse"):
        collect(client)


def test_json_without_studies_is_an_error(respx_mock, client):
    respx_mock.get(f"{BASE}/studies").mock(return_value=httpx.Response(200, json={"oops": 1}))
    with pytest.raises(ApiBadResponse, match="without a list of studies"):
        collect(client)


def test_400_plain_text_is_not_retried_and_quoted(respx_mock, client):
    route = respx_mock.get(f"{BASE}/studies").mock(return_value=httpx.Response(
        400, text="`filter.phase` is unknown parameter", headers={"content-type": "text/plain"}))
    with pytest.raises(ApiRejected, match=r"rejected the request \(400\): `filter.phase` is unknown"):
        collect(client, {"filter.phase": "PHASE2"})
    assert route.call_count == 1


def test_500_for_bad_fields_is_not_retried(respx_mock, client):
    route = respx_mock.get(f"{BASE}/studies").mock(return_value=httpx.Response(500, text="error"))
    with pytest.raises(ApiRejected, match=r"\(500\)"):
        collect(client)
    assert route.call_count == 1


def test_version_without_timestamp_is_an_error(respx_mock, client):
    respx_mock.get(f"{BASE}/version").mock(return_value=httpx.Response(200, json={"apiVersion": "2"}))
    with pytest.raises(ApiBadResponse, match="how fresh"):
        client.version()


def test_studies_by_ids_batches_and_counts_traffic(respx_mock, client):
    ids = [f"NCT{n:08d}" for n in range(1, 151)]

    def answer(request):
        wanted = request.url.params["filter.ids"].split("|")
        return page(wanted)

    route = respx_mock.get(f"{BASE}/studies").mock(side_effect=answer)
    got = list(client.studies_by_ids(ids, FIELDS))
    assert len(got) == 150
    assert route.call_count == 2
    assert [len(c.request.url.params["filter.ids"].split("|")) for c in route.calls] == [100, 50]
    assert client.traffic.requests == 2
    assert client.traffic.bytes_received == sum(len(c.response.content) for c in route.calls)


def test_requests_are_spaced_by_the_interval(respx_mock, monkeypatch):
    sleeps: list[float] = []
    monkeypatch.setattr("trials.registries.http.time.sleep", sleeps.append)
    respx_mock.get(f"{BASE}/version").mock(
        return_value=httpx.Response(200, json={"apiVersion": "2", "dataTimestamp": "2025-09-25T00:00:00"}))
    with Client(BASE, interval=1.0, backoff=0) as polite:
        polite.version()
        polite.version()
    assert len(sleeps) == 1 and 0.5 < sleeps[0] <= 1.0


def test_sends_a_descriptive_user_agent(respx_mock, client):
    route = respx_mock.get(f"{BASE}/version").mock(
        return_value=httpx.Response(200, json={"apiVersion": "2", "dataTimestamp": "2025-09-25T00:00:00"}))
    client.version()
    assert "multiple sclerosis" in route.calls[0].request.headers["user-agent"]


def test_403_has_its_own_message_and_is_not_retried(respx_mock, client):
    route = respx_mock.get(f"{BASE}/version").mock(return_value=httpx.Response(403, text="Forbidden"))
    with pytest.raises(ApiForbidden) as error:
        client.version()
    assert route.call_count == 1
    message = str(error.value)
    assert "403" in message and "refused" in message
    assert "trials import FILE" in message and "TRIALS_USER_AGENT" in message


def test_user_agent_comes_from_the_settings_through_any_transport(monkeypatch):
    # The transport parameter in use: httpx's MockTransport answers instead of a network.
    monkeypatch.setenv("TRIALS_USER_AGENT", "ms-finder-clinic/2.0 (ops@example.org)")
    settings = Settings.from_env()
    seen: list[str] = []

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(request.headers["user-agent"])
        return httpx.Response(200, json={"apiVersion": "2", "dataTimestamp": "2025-09-25T00:00:00"})

    with Client(BASE, interval=0, backoff=0, user_agent=settings.user_agent,
                transport=httpx.MockTransport(answer)) as api:
        assert api.version().data_timestamp == "2025-09-25T00:00:00"
    assert seen == ["ms-finder-clinic/2.0 (ops@example.org)"]
    monkeypatch.setenv("TRIALS_USER_AGENT", "  ")
    assert "multiple sclerosis" in Settings.from_env().user_agent  # blank means the default


def test_a_budget_bounds_all_requests_together(respx_mock, monkeypatch):
    clock = [0.0]
    monkeypatch.setattr("trials.registries.http.time.monotonic", lambda: clock[0])
    monkeypatch.setattr("trials.registries.http.time.sleep", lambda s: clock.__setitem__(0, clock[0] + s))

    def slow(request):
        clock[0] += 2.5  # each answer takes 2.5 s of the budget
        return httpx.Response(200, json={"apiVersion": "2", "dataTimestamp": "2025-09-25T00:00:00"})

    route = respx_mock.get(f"{BASE}/version").mock(side_effect=slow)
    with Client(BASE, interval=0, backoff=0, retries=0, budget=6.0) as api:
        api.version()
        api.version()
        with pytest.raises(ApiUnavailable, match=r"did not answer within 6 s"):
            api.version()
            api.version()
    assert route.call_count == 3
    # Each request may wait only for what is left of the budget.
    assert [c.request.extensions["timeout"]["read"] for c in route.calls] == [6.0, 3.5, 1.0]


@pytest.mark.parametrize("text, expected", [
    ("NCT04047628", "NCT04047628"), (" nct04047628 ", "NCT04047628"), ("NCT 1234", "NCT00001234"),
])
def test_normalise_nct_id(text, expected):
    assert normalise_nct_id(text) == expected


@pytest.mark.parametrize("text", ["", "NCT", "04047628", "NCT123456789", "NCT00000000", "ISRCTN123"])
def test_malformed_nct_id_is_an_input_error(text):
    with pytest.raises(InputError, match="not a ClinicalTrials.gov id"):
        normalise_nct_id(text)


def test_credentials_in_the_api_url_are_never_stored_or_shown(tmp_path):
    """Issue 17: a TRIALS_API_URL with user:password must not reach the page's source line."""
    from trials.config import without_credentials
    from trials.registries.ctgov.plan import refresh
    from trials.store.sqlite import Store

    from .support.standin import StandIn

    assert without_credentials("at https://user:s3cret@host.example/api/v2 (x)") == "at https://host.example/api/v2 (x)"
    with StandIn([]) as api:
        secret_url = api.url.replace("http://", "http://reader:s3cret@")
        store = Store(tmp_path / "s.sqlite3")
        with Client(secret_url, interval=0, backoff=0) as client:
            refresh(store, client)
        assert "s3cret" not in store.info().source and "reader" not in store.info().source


def test_one_try_is_one_try(respx_mock):
    respx_mock.get(f"{BASE}/version").mock(return_value=httpx.Response(503))
    with Client(BASE, interval=0, backoff=0, retries=0) as client, pytest.raises(ApiUnavailable, match="after 1 try "):
        client.version()
