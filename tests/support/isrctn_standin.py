"""A local stand-in for the ISRCTN API that serves recorded (or built) ``<fullTrial>`` XML.

Tests point ``Settings.url("isrctn")`` (``Settings(urls=...)``) (or a client) at ``IsrctnStandIn(...).url``
(``http://127.0.0.1:PORT/api``). It answers ``GET /api/query/format/default`` as the live
API does (``tests/data/registries/README.md``): ``<allTrials totalCount="N">`` with one
``<fullTrial>`` per matching trial, at most ``limit`` of them (``limit=0``: the count alone).

What ``q`` may hold, and nothing else (anything else, or any parameter but ``q`` and
``limit``, is a 400, so no test passes because a filter was silently ignored):

- field phrases ``condition:"..."`` and ``title:"..."`` joined by ``OR``, optionally in
  parentheses: a trial matches when a condition description or its title (public or
  scientific) contains the phrase, any case;
- then optionally ``AND lastEdited GE <ISO moment>``: ``trial/@lastUpdated`` at or after it.

``fail_next`` injects a bad day (a 503, a 200 carrying an HTML page); ``requests`` logs what
was asked and how many body bytes went back.

Run it by hand: ``python -m tests.support.isrctn_standin --port 8766 FILE...`` (files of
ISRCTN XML: search answers or single ``<fullTrial>`` elements).
"""

from __future__ import annotations

import argparse
import re
import xml.etree.ElementTree as ET
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import httpx

from .serving import Reply, Served, run_by_hand, send

NS = "http://www.67bricks.com/isrctn"
PREFIX = "/api"
QUERY_PATH = f"{PREFIX}/query/format/default"
XML_TYPE = "application/xml; charset=utf-8"

_TERM = re.compile(r'(condition|title):"([^"]+)"')
_EDITED = re.compile(r"\s+AND\s+lastEdited\s+GE\s+(\S+)\s*$")


@dataclass(frozen=True)
class LoggedRequest:
    path: str
    query: dict[str, str]
    status: int
    bytes_sent: int


class _Rejected(Exception):
    pass


def load_trials(*paths: str | Path) -> list[str]:
    """Every ``<fullTrial>`` in the files, each as its own XML text (namespace kept)."""
    trials = []
    for path in map(Path, paths):
        root = ET.fromstring(Path(path).read_bytes())
        found = [root] if root.tag == f"{{{NS}}}fullTrial" else root.findall(f"{{{NS}}}fullTrial")
        trials.extend(ET.tostring(t, encoding="unicode") for t in found)
    return trials


def _matches(trial: ET.Element, terms: list[tuple[str, str]], since: datetime | None) -> bool:
    inner = trial.find(f"{{{NS}}}trial")
    if inner is None:
        return False
    if since is not None:
        stamp = inner.get("lastUpdated") or ""
        try:
            if datetime.fromisoformat(stamp) < since:
                return False
        except ValueError:
            return False
    texts = {
        "condition": ["".join(c.itertext())
                      for c in inner.findall(f"{{{NS}}}conditions/{{{NS}}}condition/{{{NS}}}description")],
        "title": ["".join(e.itertext()) for e in (inner.find(f"{{{NS}}}trialDescription/{{{NS}}}title"),
                                                  inner.find(f"{{{NS}}}trialDescription/{{{NS}}}scientificTitle"))
                  if e is not None],
    }
    return any(phrase.casefold() in text.casefold() for field, phrase in terms for text in texts[field])


def _parse_query(q: str) -> tuple[list[tuple[str, str]], datetime | None]:
    since = None
    edited = _EDITED.search(q)
    if edited:
        try:
            since = datetime.fromisoformat(edited.group(1))
        except ValueError:
            raise _Rejected(f"lastEdited: not a date: {edited.group(1)}") from None
        q = q[: edited.start()]
        if not (q.startswith("(") and q.endswith(")")):
            raise _Rejected("the stand-in wants the terms in parentheses before AND lastEdited")
    q = q.strip()
    if q.startswith("(") and q.endswith(")"):
        q = q[1:-1]
    parts = [p.strip() for p in re.split(r"\s+OR\s+", q)]
    terms = []
    for part in parts:
        match = _TERM.fullmatch(part)
        if not match:
            raise _Rejected(f"the stand-in does not understand {part!r} in q")
        terms.append((match.group(1), match.group(2)))
    return terms, since


def answer(trials: Iterable[str], params: Mapping[str, str]) -> Reply:
    """The reply to one search, as the live API gives it."""
    unknown = set(params) - {"q", "limit"}
    if unknown:
        raise _Rejected(f"the stand-in does not implement {', '.join(sorted(unknown))}")
    limit_text = params.get("limit", "")
    if not limit_text.isdigit():
        raise _Rejected(f"limit must be a number, not {limit_text!r}")
    terms, since = _parse_query(params.get("q", ""))
    matching = [t for t in trials if _matches(ET.fromstring(t), terms, since)]
    shown = matching[: int(limit_text)]
    body = (f'<allTrials xmlns="{NS}" totalCount="{len(matching)}">'
            + "".join(shown) + "</allTrials>")
    return Reply(200, body.encode("utf-8"), XML_TYPE)


class IsrctnStandIn(Served):
    """The stand-in server, started on 127.0.0.1 as soon as it is created. A test may assign
    ``trials`` (a new list of ``<fullTrial>`` texts), read and clear ``requests``, and queue
    failures with ``fail_next``."""

    def __init__(self, trials: Iterable[str], port: int = 0) -> None:
        self.trials: list[str] = list(trials)
        self.requests: list[LoggedRequest] = []
        self._serve(_Handler, port, PREFIX, "isrctn-standin")

    def reply(self, path: str, params: Mapping[str, str]) -> Reply:
        """What the stand-in answers, logged (also for ``transport``, without a socket)."""
        failure = self._take_failure()
        try:
            if failure:
                reply = failure
            elif path != QUERY_PATH:
                reply = Reply(404, f"No endpoint at {path} in this stand-in".encode())
            else:
                reply = answer(self.trials, params)
        except _Rejected as rejected:
            reply = Reply(400, str(rejected).encode("utf-8"))
        self.requests.append(LoggedRequest(path, dict(params), reply.status, len(reply.body)))
        return reply

    def transport(self) -> httpx.MockTransport:
        """The same answers without HTTP, for fast tests."""
        def handle(request: httpx.Request) -> httpx.Response:
            reply = self.reply(request.url.path, dict(request.url.params))
            return httpx.Response(reply.status, content=reply.body, headers={"Content-Type": reply.content_type})
        return httpx.MockTransport(handle)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: Any  # serving._Server, whose ``standin`` is an IsrctnStandIn

    def do_GET(self) -> None:
        url = urlsplit(self.path)
        params = dict(parse_qsl(url.query, keep_blank_values=True))
        try:
            reply = self.server.standin.reply(url.path, params)
        except Exception as error:  # a stand-in bug must reach the test as a visible 500
            reply = Reply(500, f"stand-in error: {error!r}".encode())
        send(self, reply)

    def log_message(self, format: str, *args: Any) -> None:
        """Silent: ``IsrctnStandIn.requests`` is the log."""


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m tests.support.isrctn_standin",
                                     description="Serve ISRCTN XML trials as a local stand-in of its API.")
    parser.add_argument("files", nargs="+", type=Path, metavar="FILE", help="ISRCTN XML files")
    parser.add_argument("--port", type=int, default=8766, help="0 picks a free port")
    args = parser.parse_args(argv)
    trials = load_trials(*args.files)
    run_by_hand(IsrctnStandIn(trials, args.port), f"{len(trials)} ISRCTN trials")


if __name__ == "__main__":
    main()
