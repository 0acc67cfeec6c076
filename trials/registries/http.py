"""The polite, retrying HTTP client every registry adapter talks through.

Each registry's client (``ctgov.api``, ``isrctn.api``, ``ctis.api``) adds its own calls on
top; this holds what they share, so every registry gets the same politeness, retries, time
budget and error messages:

- requests are spaced by ``interval`` seconds (robots.txt files ask for 1 s);
- retries (connection errors, timeouts, 429 honouring ``Retry-After``, 502/503/504, and 200s
  whose body is not the JSON or XML asked for, such as an HTML error page) live in the
  transport, from httpx-retries, so no call loops by hand;
- every answer, body included, has one deadline (a body trickled a byte a second never
  times out by httpx's per-read timeout alone), and ``budget`` bounds all requests of a
  client together, for the commands that would rather show stored data than wait;
- every failure is an ``ApiError`` whose message names the registry and says what happened.
"""

from __future__ import annotations

import json
import time
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any, NoReturn, Self

import httpx
from httpx_retries import Retry, RetryTransport

from ..config import DEFAULT_USER_AGENT, Settings, without_credentials
from ..errors import ApiBadResponse, ApiForbidden, ApiRejected, ApiUnavailable
from .values import xml_root

ANSWER_LIMIT = 120.0  # seconds for one whole answer, body included (each read has ``timeout``)
JSON, XML = "json", "xml"  # what a request expects back


@dataclass
class Traffic:
    """What a client has sent and received, for progress and benchmarks."""

    requests: int = 0
    bytes_received: int = 0


class _WrongBody(httpx.HTTPError):
    """A 200 whose body is not what was asked for (an HTML error page, a cut-off body):
    worth a retry."""

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


def _parse_body(response: httpx.Response) -> None:
    """Retry validator: parse a 200 once, as the request expects, and keep the result on
    the response."""
    if response.status_code != 200:
        return
    expected = response.request.extensions.get("expect", JSON)
    content_type = response.headers.get("content-type", "")
    if expected not in content_type:
        raise _WrongBody(f"a {content_type or 'untyped'} page instead of {expected.upper()}")
    body = response.read()
    try:
        # Kept on the response so the body is parsed once, not here and again later.
        response.extensions["parsed"] = json.loads(body) if expected == JSON else xml_root(body)
    except (ValueError, RecursionError) as exc:  # RecursionError: JSON nested beyond the stack
        raise _WrongBody(f"{expected.upper()} that does not parse") from exc


def options(settings: Settings, budget: float | None = None) -> dict[str, Any]:
    """How every registry's client is made from the settings. One knob for politeness: the
    interval between requests is also the backoff base. With a ``budget`` (seconds for
    everything, when stored data could be shown instead) it does not retry: a retry's backoff
    would eat the budget."""
    interval = settings.request_interval
    made: dict[str, Any] = {"interval": interval, "backoff": interval, "user_agent": settings.user_agent}
    if budget is not None:
        made.update(retries=0, timeout=budget, budget=budget)
    return made


class Client:
    """A polite, retrying client for one registry's API.

    ``name`` is the registry's name in every message ("ISRCTN did not answer ...").
    ``transport`` replaces the network (tests use ``httpx.MockTransport``). ``interval``
    spaces requests. ``budget``, when given, bounds the seconds all requests of this client
    may take together, waits and retries included. ``forbidden`` is what to tell a user whom
    the registry refuses (HTTP 403).
    """

    def __init__(
        self,
        base_url: str,
        *,
        name: str,
        timeout: float = 30.0,
        retries: int = 3,
        backoff: float = 1.0,
        interval: float = 1.0,
        budget: float | None = None,
        answer_limit: float = ANSWER_LIMIT,
        user_agent: str = DEFAULT_USER_AGENT,
        transport: httpx.BaseTransport | None = None,
        forbidden: str = "",
        follow_redirects: bool = False,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.name = name
        self.interval = interval
        self.tries = retries + 1
        self.traffic = Traffic()
        self._forbidden = forbidden
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
                _WrongBody,
            ],
            validate_response=_parse_body,
            # A search is a POST on CTIS; it changes nothing, so it may be sent again.
            allowed_methods=["GET", "POST"],
        )
        bounded = _WholeAnswerDeadline(transport or httpx.HTTPTransport(), self._seconds_left)
        self._http = httpx.Client(
            transport=RetryTransport(transport=bounded, retry=retry),
            timeout=httpx.Timeout(timeout, connect=min(timeout, 10.0)),
            headers={"User-Agent": user_agent},
            follow_redirects=follow_redirects,
        )

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        self._http.close()

    # -- one request ----------------------------------------------------------

    def get_json(self, path: str, params: Mapping[str, str]) -> object:
        return self._request("GET", path, JSON, params=dict(params))

    def post_json(self, path: str, body: object) -> object:
        return self._request("POST", path, JSON, json=body)

    def get_xml(self, path: str, params: Mapping[str, str]) -> ET.Element:
        root = self._request("GET", path, XML, params=dict(params))
        assert isinstance(root, ET.Element)
        return root

    def _seconds_left(self) -> float:
        """How long one answer may take, body included: the timeout, or less when the
        client's budget ends sooner."""
        if self._deadline is None:
            return self._answer_limit  # a big page on a slow but steady line takes longer than one read
        return max(0.0, min(self._answer_limit, self._deadline - time.monotonic()))

    def _request(self, method: str, path: str, expect: str, **kwargs: Any) -> object:
        self._wait_turn()
        url = self.base_url + path
        timeout = self._timeout
        if self._deadline is not None:
            timeout = min(timeout, self._deadline - time.monotonic())
            if timeout <= 0:
                raise ApiUnavailable(f"{self.name} did not answer within {self._budget:.0f} s.")
        accept = "application/json" if expect == JSON else "application/xml, text/xml"
        try:
            response = self._http.request(method, url, timeout=timeout, headers={"Accept": accept},
                                          extensions={"expect": expect}, **kwargs)
        except _WrongBody as exc:
            raise self._wrong_body(exc) from None
        except httpx.TimeoutException:
            if self._deadline is not None and time.monotonic() >= self._deadline - 0.05:
                raise ApiUnavailable(f"{self.name} did not answer within {self._budget:.0f} s.") from None
            raise ApiUnavailable(
                f"{self.name} did not answer after {_tries(self.tries)} (last: timed out)."
            ) from None
        except httpx.HTTPError as exc:
            raise ApiUnavailable(
                f"{self.name} could not be reached after {_tries(self.tries)} (last: {_short(exc)})."
            ) from None
        finally:
            self._last_request = time.monotonic()
        self.traffic.requests += 1
        self.traffic.bytes_received += len(response.content)
        if response.status_code != 200:
            self._raise_for_status(response)
        if "parsed" not in response.extensions:
            # The transport skips the validator on its last try.
            try:
                _parse_body(response)
            except _WrongBody as exc:
                raise self._wrong_body(exc) from None
        return response.extensions["parsed"]

    def _wrong_body(self, exc: _WrongBody) -> ApiBadResponse:
        return ApiBadResponse(f"{self.name} sent {exc.detail} after {_tries(self.tries)}.")

    def _wait_turn(self) -> None:
        wait = self._last_request + self.interval - time.monotonic()
        if self._deadline is not None:
            wait = min(wait, self._deadline - time.monotonic())
        if wait > 0:
            time.sleep(wait)

    def _raise_for_status(self, response: httpx.Response) -> NoReturn:
        status = response.status_code
        body = " ".join(response.text.split())[:300]
        if status in (429, 502, 503, 504):
            reason = "too many requests" if status == 429 else str(status)
            raise ApiUnavailable(f"{self.name} did not answer after {_tries(self.tries)} (last: {reason}).")
        if status == 403:
            raise ApiForbidden(f"{self.name} refused this computer's requests (403 Forbidden). "
                               + (self._forbidden or "Try another network, or later."))
        if status in (400, 404):
            raise ApiRejected(f"{self.name} rejected the request ({status}): {body}")
        # A 500 is some APIs' answer to a bad request; retrying would not help.
        raise ApiRejected(f"{self.name} answered with an error ({status}): {body}")


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
