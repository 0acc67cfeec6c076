"""A local stand-in for the EU CTIS public API, serving recorded and built trial records.

Tests point ``trials.registries.ctis`` at ``CtisStandIn(...).url`` instead of
https://euclinicaltrials.eu/ctis-public-api. It copies what a client has to cope with
(tests/data/registries/README.md, "CTIS"; rfhb/ctrdata R/ctrLoadQueryIntoDbCtis.R;
brunoamaral/gregory-ai docs/ctis-public-api-schema.md):

- ``POST /search`` with ``{"pagination": {"page", "size"}, "searchCriteria": {...}, "sort": ...}``
  answers ``{"pagination": {"totalRecords", "currentPage", "totalPages", "nextPage",
  "prevPage"}, "data": [...]}``; pages are 1-based. ``medicalCondition`` is a case-insensitive
  substring match on the trial's conditions; EVERY OTHER searchCriteria key is silently ignored,
  as the live API ignores keys it does not know, so a client that trusts an ignored filter gets
  the whole register. ``ignore_condition = True`` makes it ignore ``medicalCondition`` too.
- ``GET /search`` answers 403 (search is POST only).
- ``GET /retrieve/{ctNumber}`` answers the full record (a minimal one for a record given as a
  bare search element), and 200 ``{}`` for a number it does not hold (as the live API has been
  reported to).
- ``fail_next`` injects a bad day: a 5xx, or a 200 carrying an HTML page.

Records are given in the stored form (a retrieve body with the search element's keys merged
over it) or as bare search elements. The search element is the record's search keys; the
retrieve body is the record without them, with ``ctStatus`` in words (the application status,
as the live retrieve body gives it). Deliberate differences: the order is the given order (no
sort), and ``nextPage``/``prevPage`` are booleans (their live type is not recorded).

Run it by hand with ``python -m tests.support.ctis_standin --port 8766 FILE [FILE ...]``.
"""

from __future__ import annotations

import argparse
import json
import math
from collections.abc import Iterable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any

from .serving import TEXT_TYPE, Reply, Served, run_by_hand, send
from .standin import free_port

__all__ = ["CtisStandIn", "free_port", "load_records", "search_element", "retrieve_body"]

JSON_TYPE = "application/json"

# The keys of a /search element (gregory-ai's table of 100 MS records); the rest is /retrieve's.
SEARCH_KEYS = (
    "ctNumber", "ctStatus", "ctTitle", "shortTitle", "startDateEU", "conditions", "trialCountries",
    "decisionDateOverall", "decisionDate", "therapeuticAreas", "sponsor", "sponsorType", "trialPhase",
    "endPoint", "product", "ageRangeSecondary", "ageGroup", "gender", "trialRegion", "totalNumberEnrolled",
    "primaryEndPoint", "resultsFirstReceived", "lastUpdated", "lastPublicationUpdate", "endDateEU", "endDate",
)
# Keys that only the search element has (a retrieve body has its own decisionDate, startDateEU,
# trialRegion and ctStatus), and ctrdata's own additions to the recorded files.
_SEARCH_ONLY = frozenset(SEARCH_KEYS) - {"ctNumber", "ctStatus", "startDateEU", "decisionDate", "trialRegion"}
_NOT_CTIS = frozenset({"ctrname", "record_last_import"})
# The application status a retrieve body writes in ``ctStatus`` for a public status code.
_APPLICATION_STATUS = {1: "Under evaluation", 6: "Halted", 7: "Suspended", 8: "Ended", 9: "Expired",
                       10: "Revoked", 11: "Not authorised", 12: "Cancelled"}


def load_records(*paths: str | Path) -> list[dict]:
    """Records from JSON files: each a record, a list of records, or a search answer."""
    records: list[dict] = []
    for path in paths:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
        records += data if isinstance(data, list) else data["data"] if "data" in data else [data]
    return records


def _dig(value: Any, *path: str) -> Any:
    for key in path:
        value = value.get(key) if isinstance(value, dict) else None
    return value


def _conditions(record: dict) -> str:
    """The record's conditions as the search element writes them (one string)."""
    if isinstance(record.get("conditions"), str):
        return record["conditions"]
    found = _dig(record, "authorizedApplication", "authorizedPartI", "trialDetails", "trialInformation",
                 "medicalCondition", "partIMedicalConditions") or []
    return ", ".join(c["medicalCondition"] for c in found if isinstance(c, dict) and c.get("medicalCondition"))


def search_element(record: dict) -> dict:
    """The /search element of a record (its search keys; conditions and the title derived from
    the full record where the recorded file lacks them)."""
    element = {key: record[key] for key in SEARCH_KEYS if key in record}
    element["conditions"] = _conditions(record)
    if isinstance(record.get("ctPublicStatusCode"), int) and not isinstance(element.get("ctStatus"), int):
        element["ctStatus"] = record["ctPublicStatusCode"]
    title = _dig(record, "authorizedApplication", "authorizedPartI", "trialDetails", "clinicalTrialIdentifiers",
                 "fullTitle")
    element.setdefault("ctTitle", title or "")
    return element


def retrieve_body(record: dict) -> dict:
    """The /retrieve body of a record. A bare search element (the recorded ocrelizumab trial has
    no recorded full record) gives a minimal body: its number, dates and status code."""
    body = {k: v for k, v in record.items() if k not in _SEARCH_ONLY and k not in _NOT_CTIS}
    code = record.get("ctPublicStatusCode", record.get("ctStatus"))
    if isinstance(code, int) and not isinstance(code, bool):
        body["ctPublicStatusCode"] = code
        body["ctStatus"] = _APPLICATION_STATUS.get(code, "Authorised")
    return body


@dataclass(frozen=True)
class LoggedRequest:
    method: str
    path: str
    body: Any  # the JSON a POST sent, or None
    status: int
    bytes_sent: int


def _json(value: Any) -> Reply:
    return Reply(200, json.dumps(value, ensure_ascii=False).encode("utf-8"), JSON_TYPE)


def _search(standin: CtisStandIn, request: Any) -> Reply:
    if not isinstance(request, dict):
        return Reply(400, b"Bad Request", TEXT_TYPE)
    criteria = request.get("searchCriteria") or {}
    pagination = request.get("pagination") or {}
    page, size = pagination.get("page", 1), pagination.get("size", 20)
    if not isinstance(page, int) or not isinstance(size, int) or page < 1 or size < 1:
        return Reply(400, b"Bad Request", TEXT_TYPE)
    matches = [search_element(r) for r in standin.records]
    wanted = criteria.get("medicalCondition") if isinstance(criteria, dict) else None
    if isinstance(wanted, str) and wanted.strip() and not standin.ignore_condition:
        matches = [m for m in matches if wanted.strip().casefold() in m["conditions"].casefold()]
    total = len(matches)
    pages = math.ceil(total / size)
    return _json({
        "pagination": {"totalRecords": total, "currentPage": page, "totalPages": pages,
                       "nextPage": page < pages, "prevPage": page > 1},
        "data": matches[(page - 1) * size: page * size],
    })


def _retrieve(standin: CtisStandIn, number: str) -> Reply:
    for record in standin.records:
        if record.get("ctNumber") == number:
            return _json(retrieve_body(record))
    return _json({})


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True
    server: Any  # serving._Server, whose ``standin`` is a CtisStandIn

    def _answer(self, method: str) -> None:
        standin = self.server.standin
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        try:
            body = json.loads(raw) if raw else None
        except ValueError:
            body = None
        path = self.path.split("?", 1)[0]
        prefix = standin.prefix
        try:
            reply = standin._take_failure()
            if reply is None:
                if path == f"{prefix}/search":
                    reply = _search(standin, body) if method == "POST" else Reply(403, b"Forbidden", TEXT_TYPE)
                elif path.startswith(f"{prefix}/retrieve/") and method == "GET":
                    reply = _retrieve(standin, path.removeprefix(f"{prefix}/retrieve/"))
                else:
                    reply = Reply(404, b"Not Found", TEXT_TYPE)
        except Exception as error:  # a stand-in bug must reach the test as a visible 500
            reply = Reply(500, f"stand-in error: {error!r}".encode(), TEXT_TYPE)
        standin.requests.append(LoggedRequest(method, path, body, reply.status, len(reply.body)))
        send(self, reply)

    def do_GET(self) -> None:
        self._answer("GET")

    def do_POST(self) -> None:
        self._answer("POST")

    def log_message(self, format: str, *args: Any) -> None:
        """Silent: ``CtisStandIn.requests`` is the log."""


class CtisStandIn(Served):
    """The stand-in, started on 127.0.0.1 as soon as it is created. A running test may assign
    ``records`` (a new list) and ``ignore_condition``, read and clear ``requests``, and queue
    failures with ``fail_next``."""

    prefix = "/ctis-public-api"

    def __init__(self, records: Iterable[dict], port: int = 0) -> None:
        self.records: list[dict] = list(records)
        self.ignore_condition = False
        self.requests: list[LoggedRequest] = []  # appended from handler threads (atomic)
        self._serve(_Handler, port, self.prefix, "ctis-standin")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m tests.support.ctis_standin",
                                     description="Serve CTIS trial records as a local CTIS public API stand-in.")
    parser.add_argument("files", nargs="+", type=Path, metavar="FILE",
                        help="JSON files: a record, a list of records or a search answer")
    parser.add_argument("--port", type=int, default=8766, help="0 picks a free port")
    args = parser.parse_args(argv)
    records = load_records(*args.files)
    run_by_hand(CtisStandIn(records, args.port), f"{len(records)} CTIS trials")


if __name__ == "__main__":
    main()
