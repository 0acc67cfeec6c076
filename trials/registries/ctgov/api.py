"""The ClinicalTrials.gov API v2 client.

Only what this product needs: ``/version`` for the data timestamp and
``/studies`` paged to the end. The traps it avoids are documented in
``shared/ctgov/API.md``: page size defaults to 10, a next-page token can lead
to an empty page, later pages must repeat the first page's parameters,
unknown parameters answer 400, some bad ``fields`` answer 500, and a 200 can
be an HTML error page.

Retries (connection errors, timeouts, 429 honouring ``Retry-After``,
502/503/504 and 200s that are not JSON) live in the transport, from
httpx-retries, so every call gets them and no call loops by hand.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, NoReturn

import httpx
from httpx_retries import Retry, RetryTransport

from ...config import DEFAULT_USER_AGENT, without_credentials
from ...errors import ApiBadResponse, ApiForbidden, ApiRejected, ApiUnavailable
from .record import normalise_nct_id

PAGE_SIZE = 1000  # the API's maximum; its default is only 10
ANSWER_LIMIT = 120.0  # seconds for one whole answer, body included (each read has ``timeout``)
MAX_PAGES = 50  # without a totalCount: ten times the MS listing's pages
IDS_PER_REQUEST = 100  # keeps the URL short; one bad id rejects a whole batch


@dataclass(frozen=True)
class Version:
    api_version: str
    data_timestamp: str  # UTC, 'yyyy-MM-ddTHH:mm:ss' without offset, as the API sends it


@dataclass(frozen=True)
class Page:
    studies: list[dict]
    total_count: int | None
    next_page_token: str | None


@dataclass
class Traffic:
    """What a client has sent and received, for progress and benchmarks."""

    requests: int = 0
    bytes_received: int = 0


class _NotJson(httpx.HTTPError):
    """A 200 that is not JSON (an HTML error page, a cut-off body): worth a retry."""

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


def _parse_json(response: httpx.Response) -> None:
    """Retry validator: parse once and keep the result on the response."""
    if response.status_code != 200:
        return
    content_type = response.headers.get("content-type", "")
    if "json" not in content_type:
        raise _NotJson(f"a {content_type or 'untyped'} page instead of JSON")
    try:
        # Kept on the response so the body is parsed once, not here and again later.
        response.extensions["parsed_json"] = json.loads(response.read())
    except ValueError as exc:
        raise _NotJson("JSON that does not parse") from exc


class Client:
    """A polite, retrying client for ClinicalTrials.gov API v2.

    ``transport`` replaces the network (tests use ``httpx.MockTransport``). ``interval``
    spaces requests (robots.txt asks for 1 s). ``budget``, when given, bounds the
    seconds all requests of this client may take together, waits and retries included:
    an interactive command would rather show stored data than wait for a slow API.
    """

    def __init__(
        self,
        base_url: str,
        *,
        timeout: float = 30.0,
        retries: int = 3,
        backoff: float = 1.0,
        interval: float = 1.0,
        budget: float | None = None,
        answer_limit: float = ANSWER_LIMIT,
        user_agent: str = DEFAULT_USER_AGENT,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.interval = interval
        self.tries = retries + 1
        self.traffic = Traffic()
        self._last_request = 0.0
        self._timeout = timeout
        self._answer_limit = answer_limit
        self._budget = budget
        self._deadline = None if budget is None else time.monotonic() + budget
        retry = Retry(
            total=retries,
            backoff_factor=backoff,
            max_backoff_wait=30.0 if budget is None else budget,
            total_timeout=120.0 if budget is None else budget,
            respect_retry_after_header=True,
            retry_on_exceptions=[
                httpx.TimeoutException,
                httpx.NetworkError,
                httpx.RemoteProtocolError,
                _NotJson,
            ],
            validate_response=_parse_json,
        )
        bounded = _WholeAnswerDeadline(transport or httpx.HTTPTransport(), self._seconds_left)
        self._http = httpx.Client(
            transport=RetryTransport(transport=bounded, retry=retry),
            timeout=httpx.Timeout(timeout, connect=min(timeout, 10.0)),
            headers={"User-Agent": user_agent, "Accept": "application/json"},
            # Old NCT ids answer 301 to their current record.
            follow_redirects=True,
        )

    def __enter__(self) -> Client:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        self._http.close()

    # -- public calls -------------------------------------------------------

    def version(self) -> Version:
        data = self._get_json("/version", {})
        if not isinstance(data, dict) or not data.get("dataTimestamp"):
            raise ApiBadResponse("ClinicalTrials.gov /version did not say how fresh its data is.")
        stamp = str(data["dataTimestamp"])
        try:
            moment = datetime.fromisoformat(stamp[:19])
        except ValueError:
            raise ApiBadResponse(f"ClinicalTrials.gov /version gave a data version that is no date: "
                                 f"{stamp[:40]!r}.") from None
        if moment > datetime.now() + timedelta(days=2):  # naive, as the API writes it; a day's slack
            raise ApiBadResponse(f"ClinicalTrials.gov /version gave a data version in the future: {stamp[:19]}.")
        return Version(str(data.get("apiVersion", ""))[:40], moment.isoformat())

    def metadata(self) -> list[dict]:
        """``/studies/metadata``: the tree of every field the API knows (FieldNode objects)."""
        data = self._get_json("/studies/metadata", {})
        if not isinstance(data, list):
            raise ApiBadResponse("ClinicalTrials.gov /studies/metadata did not send a list of fields.")
        return [node for node in data if isinstance(node, dict)]

    def iter_pages(
        self, params: Mapping[str, str], fields: Sequence[str]
    ) -> Iterator[Page]:
        """Every page of ``/studies`` for ``params``, asking only for ``fields``.

        Stops when there is no token, the page is empty (the API mints a token
        whenever a page is exactly full) or a token comes back a second time.
        """
        fixed = {**params, "fields": "|".join(fields), "format": "json"}
        query: dict[str, str] = {**fixed, "pageSize": str(PAGE_SIZE), "countTotal": "true"}
        seen: set[str] = set()
        announced: int | None = None
        received = 0
        while True:
            data = self._get_json("/studies", query)
            if not isinstance(data, dict) or not isinstance(data.get("studies"), list):
                raise ApiBadResponse(
                    "ClinicalTrials.gov answered /studies without a list of studies."
                )
            studies = data["studies"]
            token = data.get("nextPageToken") or None
            total = data.get("totalCount")
            total = total if isinstance(total, int) and not isinstance(total, bool) and total >= 0 else None
            announced = total if announced is None else announced
            yield Page(studies, total, token)
            if not studies or token is None or token in seen:
                return
            seen.add(token)
            received += len(studies)
            # Tokens that never end would page forever: stop once more studies came than
            # totalCount announced (or after MAX_PAGES when it announced none).
            if (received > announced) if announced is not None else len(seen) >= MAX_PAGES:
                raise ApiBadResponse(f"ClinicalTrials.gov kept sending pages ({len(seen) + 1}) beyond the "
                                     f"{announced if announced is not None else 'unknown number of'} studies "
                                     "it announced; the listing was stopped.")
            # Later pages must repeat the first page's parameters exactly.
            query = {**fixed, "pageSize": str(PAGE_SIZE), "pageToken": token}

    def studies_by_ids(self, nct_ids: Iterable[str], fields: Sequence[str]) -> Iterator[dict]:
        """Full records for ``nct_ids``, ``IDS_PER_REQUEST`` at a time."""
        ids = sorted({normalise_nct_id(i) for i in nct_ids})
        for start in range(0, len(ids), IDS_PER_REQUEST):
            batch = "|".join(ids[start : start + IDS_PER_REQUEST])
            for page in self.iter_pages({"filter.ids": batch}, fields):
                yield from page.studies

    # -- one request ----------------------------------------------------------

    def _seconds_left(self) -> float:
        """How long one answer may take, body included: the timeout, or less when the
        client's budget ends sooner."""
        if self._deadline is None:
            return self._answer_limit  # a big page on a slow but steady line takes longer than one read
        return max(0.0, min(self._answer_limit, self._deadline - time.monotonic()))

    def _get_json(self, path: str, params: Mapping[str, str]) -> object:
        self._wait_turn()
        url = self.base_url + path
        timeout = self._timeout
        if self._deadline is not None:
            timeout = min(timeout, self._deadline - time.monotonic())
            if timeout <= 0:
                raise ApiUnavailable(
                    f"ClinicalTrials.gov did not answer within {self._budget:.0f} s."
                )
        try:
            response = self._http.get(url, params=dict(params), timeout=timeout)
        except _NotJson as exc:
            raise self._not_json(exc) from None
        except httpx.TimeoutException:
            if self._deadline is not None and time.monotonic() >= self._deadline - 0.05:
                raise ApiUnavailable(
                    f"ClinicalTrials.gov did not answer within {self._budget:.0f} s."
                ) from None
            raise ApiUnavailable(
                f"ClinicalTrials.gov did not answer after {_tries(self.tries)} (last: timed out)."
            ) from None
        except httpx.HTTPError as exc:
            raise ApiUnavailable(
                f"ClinicalTrials.gov could not be reached after {_tries(self.tries)} "
                f"(last: {_short(exc)})."
            ) from None
        finally:
            self._last_request = time.monotonic()
        self.traffic.requests += 1
        self.traffic.bytes_received += len(response.content)
        if response.status_code != 200:
            _raise_for_status(response, self.tries)
        if "parsed_json" not in response.extensions:
            # The transport skips the validator on its last try.
            try:
                _parse_json(response)
            except _NotJson as exc:
                raise self._not_json(exc) from None
        return response.extensions["parsed_json"]

    def _not_json(self, exc: _NotJson) -> ApiBadResponse:
        return ApiBadResponse(f"ClinicalTrials.gov sent {exc.detail} after {self.tries} tries.")

    def _wait_turn(self) -> None:
        wait = self._last_request + self.interval - time.monotonic()
        if self._deadline is not None:
            wait = min(wait, self._deadline - time.monotonic())
        if wait > 0:
            time.sleep(wait)


def _raise_for_status(response: httpx.Response, tries: int) -> NoReturn:
    status = response.status_code
    body = " ".join(response.text.split())[:300]
    if status in (429, 502, 503, 504):
        reason = "too many requests" if status == 429 else str(status)
        raise ApiUnavailable(
            f"ClinicalTrials.gov did not answer after {_tries(tries)} (last: {reason})."
        )
    if status == 403:
        raise ApiForbidden(
            "ClinicalTrials.gov refused this computer's requests (403 Forbidden). It does this "
            "to some networks, cloud hosts and automated clients, whatever they ask; it is not "
            "a fault in the search. Try another network, or set TRIALS_USER_AGENT to a "
            "descriptive User-Agent with a contact address. Or, in a browser, search "
            "clinicaltrials.gov for multiple sclerosis, choose Download -> JSON, and load the "
            "file with `trials import FILE` (or the page's import box)."
        )
    if status in (400, 404):
        raise ApiRejected(f"ClinicalTrials.gov rejected the request ({status}): {body}")
    # A 500 here is the API's known answer to some bad `fields`; retrying would not help.
    raise ApiRejected(f"ClinicalTrials.gov answered with an error ({status}): {body}")


class _WholeAnswerDeadline(httpx.BaseTransport):
    """httpx times each read, not the whole answer: a body trickled a byte a second never
    times out. This transport gives every answer, body included, one deadline."""

    def __init__(self, inner: httpx.BaseTransport, seconds: Callable[[], float]) -> None:
        self._inner = inner
        self._seconds = seconds

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        ends = time.monotonic() + self._seconds()
        response = self._inner.handle_request(request)
        response.stream = _BoundedStream(response.stream, ends, request)
        return response

    def close(self) -> None:
        self._inner.close()


class _BoundedStream(httpx.SyncByteStream):
    def __init__(self, stream: Any, ends: float, request: httpx.Request) -> None:
        self._stream = stream
        self._ends = ends
        self._request = request

    def __iter__(self) -> Iterator[bytes]:
        for chunk in self._stream:
            if time.monotonic() > self._ends:
                raise httpx.ReadTimeout("the answer took too long to arrive", request=self._request)
            yield chunk

    def close(self) -> None:
        close = getattr(self._stream, "close", None)
        if close:
            close()


def _tries(n: int) -> str:
    return "1 try" if n == 1 else f"{n} tries"


def _short(exc: Exception) -> str:
    text = without_credentials(str(exc)) or "no detail"
    return text if len(text) < 120 else text[:117] + "..."
