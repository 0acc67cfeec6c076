"""A local stand-in for the ClinicalTrials.gov API v2 that serves recorded study records.

End-to-end tests, benchmarks and offline demos point the client at ``StandIn(...).url``
(``http://127.0.0.1:PORT/api/v2``) instead of https://clinicaltrials.gov/api/v2. The stand-in
answers from a fixed list of ``Study`` objects (see ``load_corpus``) and copies the live
behaviours a client has to cope with, as recorded in ``shared/ctgov/API.md``:

- ``pageSize`` defaults to 10, is cut down to 1000 and ``0`` means the default (API.md §0.4, §1.1).
- A ``nextPageToken`` is minted whenever a page is exactly full, so an exactly-full last page
  is followed by an empty ``studies: []`` page without a token (§0.2).
- ``totalCount`` comes only on the first page and only with ``countTotal=true``; later pages
  must repeat the first page's parameters except ``countTotal``, ``pageSize`` and ``pageToken``
  (§0.3).
- Unknown parameters, malformed ``filter.ids``, bad ``filter.overallStatus`` values, bad
  ``fields`` names, bad ``sort`` items and unparsable ``filter.advanced`` get a 400 with a
  text/plain body worded like the live one (§0.1, §4.2).
- ``fields`` keeps the nested JSON shape and returns sparse objects (§3.3).
- ``GET /studies/{nctId}``: 400 "incorrect format" for a malformed id, 404 for an unknown one,
  301 to the canonical id for an alias (§1.2, §0.5).
- ``GET /version`` gives ``apiVersion`` and ``dataTimestamp`` (§1.3).
- ``GET /studies/metadata`` gives the field tree (``FieldNode``: ``name``, ``piece``,
  ``children``) of every piece name the stand-in knows (§1.3), for ``trials check``.
- ``delay`` makes every answer slow, like the live service on a bad day.
- ``fail_next`` injects what the live service does on a bad day: 5xx, 429 with ``Retry-After``,
  or a 200 carrying an HTML page (§4.1, §4.2).

Deliberate differences from the live API:

- ``query.lead`` is a case-insensitive phrase match on the lead sponsor's name, over the corpus
  and ``elsewhere`` (the registry's other listings, outside the MS answer: a sponsor's listings
  for other diseases). Live Essie matching is looser (words, synonyms).
- ``query.cond`` and ``query.term`` are accepted but NOT applied. Essie search, with its synonym
  and MeSH expansion, cannot be reproduced, so the corpus is taken to be the answer to one query
  (``ms-2025-09`` answers ``query.cond=multiple sclerosis``; shared/ctgov/README.md).
- The other real parameters (``query.intr``, ``filter.geo``, ``format=csv``, ...) get a 400 saying
  the stand-in lacks them, so no test passes because a filter was silently ignored.
- ``filter.advanced`` understands only ``AREA[LastUpdatePostDate]RANGE[a,b]``; ``sort`` only
  ``LastUpdatePostDate[:asc|:desc]`` and ``@relevance`` (which keeps the corpus order).
- ``markupFormat`` is validated, but text is served as recorded.
- Bodies the notes do not quote (404, bad page token, changed parameters) are our own wording.

Run it by hand with ``python -m tests.support.standin --corpus FILE [FILE ...] --port 8765``.
"""

from __future__ import annotations

import argparse
import base64
import binascii
import hashlib
import json
import os
import re
import socket
import threading
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, unquote, urlencode, urlsplit

Study = dict[str, Any]
# A `fields` selection as a tree of JSON keys; None means "this value and all below it".
Selection = dict[str, "Selection | None"]

API_PREFIX = "/api/v2"
DEFAULT_DATA_TIMESTAMP = "2025-09-25T00:00:00"
DEFAULT_API_VERSION = "2.0.5"
DEFAULT_PAGE_SIZE = 10
MAX_PAGE_SIZE = 1000

JSON_TYPE = "application/json"
TEXT_TYPE = "text/plain; charset=utf-8"

NCT_ID = re.compile(r"^[Nn][Cc][Tt]0*([1-9]\d{0,7})$")
LIST_SEPARATOR = re.compile(r"[,|]")
UPDATE_RANGE = re.compile(
    r"^\s*AREA\[LastUpdatePostDate\]\s*RANGE\[\s*(MIN|\d{4}-\d{2}-\d{2})\s*,"
    r"\s*(MAX|\d{4}-\d{2}-\d{2})\s*\]\s*$"
)
SORT_ITEM = re.compile(r"^(?:@relevance|LastUpdatePostDate(?::(asc|desc))?)$")

STATUSES = frozenset({
    "ACTIVE_NOT_RECRUITING", "COMPLETED", "ENROLLING_BY_INVITATION", "NOT_YET_RECRUITING",
    "RECRUITING", "SUSPENDED", "TERMINATED", "WITHDRAWN", "AVAILABLE", "NO_LONGER_AVAILABLE",
    "TEMPORARILY_NOT_AVAILABLE", "APPROVED_FOR_MARKETING", "WITHHELD", "UNKNOWN",
})

# The live API lets only these change between pages of one listing [spec].
PAGING_PARAMS = frozenset({"countTotal", "pageSize", "pageToken"})
STUDY_PARAMS = frozenset({"format", "markupFormat", "fields"})
LIST_PARAMS = STUDY_PARAMS | PAGING_PARAMS | {
    "query.cond", "query.term", "query.lead", "filter.ids", "filter.overallStatus", "filter.advanced", "sort",
}
# Real `GET /studies` parameters [spec] that the stand-in does not implement.
LIVE_ONLY_LIST_PARAMS = frozenset({
    "query.locn", "query.titles", "query.intr", "query.outc", "query.spons",
    "query.id", "query.patient", "filter.geo", "filter.synonyms", "postFilter.overallStatus",
    "postFilter.geo", "postFilter.ids", "postFilter.advanced", "postFilter.synonyms",
    "aggFilters", "geoDecay",
})
# Real endpoints that would otherwise be mistaken for `/studies/{nctId}`.
LIVE_ONLY_STUDY_PATHS = frozenset({"search-areas", "enums"})

_ID = "protocolSection.identificationModule"
_STATUS = "protocolSection.statusModule"
_SPONSOR = "protocolSection.sponsorCollaboratorsModule"
_DESCRIPTION = "protocolSection.descriptionModule"
_CONDITIONS = "protocolSection.conditionsModule"
_DESIGN = "protocolSection.designModule"
_ARMS = "protocolSection.armsInterventionsModule"
_ELIGIBILITY = "protocolSection.eligibilityModule"
_CONTACTS = "protocolSection.contactsLocationsModule"
_CONDITION_MESH = "derivedSection.conditionBrowseModule"
_INTERVENTION_MESH = "derivedSection.interventionBrowseModule"

# `fields` names -> JSON path (API.md §3.3). "[]" marks a list whose items keep only the
# requested keys; a path ending at an object or list brings everything below it.
FIELD_PATHS: dict[str, str] = {
    "NCTId": f"{_ID}.nctId",
    "BriefTitle": f"{_ID}.briefTitle",
    "OfficialTitle": f"{_ID}.officialTitle",
    "Acronym": f"{_ID}.acronym",
    "OverallStatus": f"{_STATUS}.overallStatus",
    "LastKnownStatus": f"{_STATUS}.lastKnownStatus",
    "WhyStopped": f"{_STATUS}.whyStopped",
    "StartDate": f"{_STATUS}.startDateStruct",
    "PrimaryCompletionDate": f"{_STATUS}.primaryCompletionDateStruct",
    "CompletionDate": f"{_STATUS}.completionDateStruct",
    "StudyFirstPostDate": f"{_STATUS}.studyFirstPostDateStruct",
    "LastUpdatePostDate": f"{_STATUS}.lastUpdatePostDateStruct",
    "LeadSponsorName": f"{_SPONSOR}.leadSponsor.name",
    "LeadSponsorClass": f"{_SPONSOR}.leadSponsor.class",
    "CollaboratorName": f"{_SPONSOR}.collaborators[].name",
    "BriefSummary": f"{_DESCRIPTION}.briefSummary",
    "DetailedDescription": f"{_DESCRIPTION}.detailedDescription",
    "Condition": f"{_CONDITIONS}.conditions",
    "Keyword": f"{_CONDITIONS}.keywords",
    "StudyType": f"{_DESIGN}.studyType",
    "Phase": f"{_DESIGN}.phases",
    "EnrollmentCount": f"{_DESIGN}.enrollmentInfo.count",
    "EnrollmentInfo": f"{_DESIGN}.enrollmentInfo",
    "InterventionType": f"{_ARMS}.interventions[].type",
    "InterventionName": f"{_ARMS}.interventions[].name",
    "InterventionDescription": f"{_ARMS}.interventions[].description",
    "InterventionOtherName": f"{_ARMS}.interventions[].otherNames",
    "ArmGroupLabel": f"{_ARMS}.armGroups[].label",
    "ArmGroupDescription": f"{_ARMS}.armGroups[].description",
    "EligibilityCriteria": f"{_ELIGIBILITY}.eligibilityCriteria",
    "Sex": f"{_ELIGIBILITY}.sex",
    "MinimumAge": f"{_ELIGIBILITY}.minimumAge",
    "MaximumAge": f"{_ELIGIBILITY}.maximumAge",
    "StdAge": f"{_ELIGIBILITY}.stdAges",
    "HealthyVolunteers": f"{_ELIGIBILITY}.healthyVolunteers",
    "LocationFacility": f"{_CONTACTS}.locations[].facility",
    "LocationCity": f"{_CONTACTS}.locations[].city",
    "LocationState": f"{_CONTACTS}.locations[].state",
    "LocationZip": f"{_CONTACTS}.locations[].zip",
    "LocationCountry": f"{_CONTACTS}.locations[].country",
    "LocationStatus": f"{_CONTACTS}.locations[].status",
    "LocationGeoPoint": f"{_CONTACTS}.locations[].geoPoint",
    "CentralContactName": f"{_CONTACTS}.centralContacts[].name",
    "ConditionMeshTerm": f"{_CONDITION_MESH}.meshes[].term",
    "ConditionMeshId": f"{_CONDITION_MESH}.meshes[].id",
    "InterventionMeshTerm": f"{_INTERVENTION_MESH}.meshes[].term",
    "InterventionMeshId": f"{_INTERVENTION_MESH}.meshes[].id",
    "HasResults": "hasResults",
    # Branch names: everything below them.
    "ProtocolSection": "protocolSection",
    "DerivedSection": "derivedSection",
    "IdentificationModule": _ID,
    "StatusModule": _STATUS,
    "SponsorCollaboratorsModule": _SPONSOR,
    "DescriptionModule": _DESCRIPTION,
    "ConditionsModule": _CONDITIONS,
    "DesignModule": _DESIGN,
    "ArmsInterventionsModule": _ARMS,
    "EligibilityModule": _ELIGIBILITY,
    "ContactsLocationsModule": _CONTACTS,
    "OutcomesModule": "protocolSection.outcomesModule",
    "ReferencesModule": "protocolSection.referencesModule",
    "ConditionBrowseModule": _CONDITION_MESH,
    "InterventionBrowseModule": _INTERVENTION_MESH,
}


@dataclass(frozen=True)
class LoggedRequest:
    """One request as the stand-in answered it; ``bytes_sent`` counts the body only."""

    method: str
    path: str
    query: dict[str, str]
    status: int
    bytes_sent: int


@dataclass(frozen=True)
class _Reply:
    status: int
    body: bytes
    content_type: str = TEXT_TYPE
    headers: tuple[tuple[str, str], ...] = ()


class _Rejected(Exception):
    """A request the live API would refuse; the message becomes the text/plain body."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


# --- where the recorded data is, and a free port ---------------------------------------------


def shared_dir() -> Path:
    """The folder holding ``ctgov/`` (the real recorded records and labels): the copy in
    ``tests/data`` (see its PROVENANCE.md), or ``$TRIALS_SHARED_DIR``. Tests and benchmarks
    both find the data through this."""
    override = os.environ.get("TRIALS_SHARED_DIR")
    return Path(override) if override else Path(__file__).resolve().parents[1] / "data"


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now (for servers that need a
    number before they start, such as Streamlit)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# --- corpus -----------------------------------------------------------------------------------


def load_corpus(*paths: str | Path) -> list[Study]:
    """Studies from ``.jsonl`` (one per line) and ``.json`` (an array) files, sorted by nctId.

    A study in a later file replaces one with the same nctId from an earlier file.
    """
    by_id: dict[str, Study] = {}
    for path in map(Path, paths):
        for study in _read_studies(path):
            nct_id = _dig(study, f"{_ID}.nctId")
            if not isinstance(nct_id, str):
                raise ValueError(f"{path}: a study has no {_ID}.nctId")
            by_id[nct_id] = study
    return [by_id[nct_id] for nct_id in sorted(by_id)]


def _read_studies(path: Path) -> list[Study]:
    text = path.read_text(encoding="utf-8")
    if path.suffix == ".jsonl":
        return [json.loads(line) for line in text.splitlines() if line.strip()]
    if path.suffix == ".json":
        studies = json.loads(text)
        if not isinstance(studies, list):
            raise ValueError(f"{path}: expected a top-level JSON array of Study objects")
        return studies
    raise ValueError(f"{path}: expected a .jsonl or .json file")


def _dig(value: Any, path: str) -> Any:
    for key in path.split("."):
        if not isinstance(value, dict):
            return None
        value = value.get(key)
    return value


def _last_update(study: Study) -> str | None:
    return _dig(study, f"{_STATUS}.lastUpdatePostDateStruct.date")


def _known_ids(study: Study) -> set[str]:
    aliases = _dig(study, f"{_ID}.nctIdAliases") or []
    return {_dig(study, f"{_ID}.nctId"), *aliases}


# --- parameters -------------------------------------------------------------------------------


def _split(value: str) -> list[str]:
    return [item.strip() for item in LIST_SEPARATOR.split(value)]


def _check_names(params: Mapping[str, str], allowed: frozenset[str], live_only: frozenset[str]) -> None:
    for name in params:
        if name in live_only:
            raise _Rejected(400, f"`{name}` is a live API parameter this stand-in does not implement")
        if name not in allowed:
            raise _Rejected(400, f"`{name}` is unknown parameter")


def _canonical_nct_id(raw: str, where: str) -> str:
    match = NCT_ID.match(raw)
    if match is None:
        raise _Rejected(400, f"{where} has incorrect format: `{raw}`")
    return "NCT" + match.group(1).zfill(8)


def _check_format(params: Mapping[str, str]) -> None:
    if params.get("format", "json") != "json":
        raise _Rejected(400, f"`format={params['format']}` is not implemented by this stand-in (json only)")
    if params.get("markupFormat", "markdown") not in ("markdown", "legacy"):
        raise _Rejected(400, f"Invalid value in parameter `markupFormat`: `{params['markupFormat']}`")


def _selection(fields: str | None) -> Selection | None:
    """The tree of keys to keep, merged over all requested names; None keeps whole studies."""
    if fields is None:
        return None
    tree: Selection = {}
    for name in _split(fields):
        if name not in FIELD_PATHS:
            raise _Rejected(400, f"Parameter 'fields' contains invalid field name: '{name}'")
        *parents, leaf = FIELD_PATHS[name].replace("[]", "").split(".")
        node: Selection | None = tree
        for key in parents:
            node = node.setdefault(key, {})
            if node is None:  # an ancestor is already requested whole
                break
        else:
            node[leaf] = None
    return tree


def _project(value: Any, selection: Selection | None) -> Any:
    """Keep only the selected keys, in the record's own key order; drop what ends up empty."""
    if selection is None:
        return value
    if isinstance(value, list):
        items = (_project(item, selection) for item in value)
        return [item for item in items if not _is_empty(item)]
    if isinstance(value, dict):
        kept = {key: _project(item, selection[key]) for key, item in value.items() if key in selection}
        return {key: item for key, item in kept.items() if not _is_empty(item)}
    return None  # a scalar where the selection expects an object: nothing to keep


def project(study: Study, fields: Iterable[str]) -> Study:
    """``study`` as the API returns it for ``fields=...`` (for tests and benchmarks)."""
    return _project(study, _selection("|".join(fields)))


def _is_empty(value: Any) -> bool:
    return value is None or value == {} or value == []


def _page_size(raw: str | None) -> int:
    if raw is None:
        return DEFAULT_PAGE_SIZE
    try:
        size = int(raw)
    except ValueError:
        size = -1
    if size < 0:
        raise _Rejected(400, f"Invalid value in parameter `pageSize`: `{raw}`")
    return min(size or DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE)


def _count_total(raw: str | None) -> bool:
    if raw is None or raw.lower() == "false":
        return False
    if raw.lower() == "true":
        return True
    raise _Rejected(400, f"Invalid value in parameter `countTotal`: `{raw}`")


def _fingerprint(params: Mapping[str, str]) -> str:
    fixed = sorted((name, value) for name, value in params.items() if name not in PAGING_PARAMS)
    return hashlib.sha256(json.dumps(fixed).encode()).hexdigest()[:16]


def _page_token(offset: int, fingerprint: str) -> str:
    return base64.urlsafe_b64encode(f"{offset}:{fingerprint}".encode()).decode().rstrip("=")


def _token_offset(token: str, fingerprint: str) -> int:
    """The offset a token points to, if it was minted for these same fixed parameters."""
    try:
        decoded = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)).decode()
        offset_text, minted_for = decoded.split(":")
        offset = int(offset_text)
        if offset < 0:
            raise ValueError(offset)
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise _Rejected(400, f"Invalid value in parameter `pageToken`: `{token}`") from None
    if minted_for != fingerprint:
        raise _Rejected(
            400,
            "Parameters differ from the request that produced `pageToken`; "
            "only countTotal, pageSize and pageToken may change between pages",
        )
    return offset


# --- GET /studies -----------------------------------------------------------------------------


def _filter(studies: list[Study], params: Mapping[str, str], elsewhere: list[Study] = ()) -> list[Study]:
    if "query.lead" in params:
        phrase = " ".join(params["query.lead"].strip('"').casefold().split())
        if not phrase or any(c in phrase for c in "[]"):
            raise _Rejected(400, f"Error parsing query in query.lead: `{params['query.lead']}`")
        studies = [s for s in (*studies, *elsewhere)
                   if phrase in " ".join(str(_dig(s, f"{_SPONSOR}.leadSponsor.name") or "").casefold().split())]
    if "filter.ids" in params:
        wanted = {_canonical_nct_id(raw, "Parameter `filter.ids`") for raw in _split(params["filter.ids"])}
        studies = [study for study in studies if wanted & _known_ids(study)]
    if "filter.overallStatus" in params:
        statuses = _split(params["filter.overallStatus"])
        for status in statuses:
            if status not in STATUSES:
                raise _Rejected(400, f"Invalid value in parameter `overallStatus`: `{status}`")
        studies = [study for study in studies if _dig(study, f"{_STATUS}.overallStatus") in statuses]
    if "filter.advanced" in params:
        low, high = _update_range(params["filter.advanced"])
        studies = [study for study in studies if _in_range(_last_update(study), low, high)]
    return studies


def _update_range(expression: str) -> tuple[str | None, str | None]:
    match = UPDATE_RANGE.match(expression)
    if match is None:
        raise _Rejected(
            400,
            f"Error parsing query in filter.advanced: `{expression}` "
            "(this stand-in understands only AREA[LastUpdatePostDate]RANGE[a,b])",
        )
    low, high = match.groups()
    return (None if low == "MIN" else low), (None if high == "MAX" else high)


def _in_range(date: str | None, low: str | None, high: str | None) -> bool:
    # Partial dates ("2026-10") are compared as strings: close enough for a stand-in.
    return date is not None and (low is None or low <= date) and (high is None or date <= high)


def _sort(studies: list[Study], spec: str | None) -> list[Study]:
    if spec is None:
        return studies
    items = _split(spec)
    if len(items) > 2:
        raise _Rejected(400, f"Parameter `sort` has incorrect format: at most 2 items, got `{spec}`")
    for item in reversed(items):  # stable sorts, last key first
        match = SORT_ITEM.match(item)
        if match is None:
            raise _Rejected(
                400,
                f"Parameter `sort` has incorrect format: `{item}` "
                "(this stand-in sorts by LastUpdatePostDate or @relevance only)",
            )
        if item != "@relevance":  # the corpus order stands in for relevance
            dated = [study for study in studies if _last_update(study)]
            undated = [study for study in studies if not _last_update(study)]
            # Studies missing the sort field always come last [spec].
            studies = sorted(dated, key=_last_update, reverse=match.group(1) != "asc") + undated
    return studies


def _list_studies(studies: list[Study], params: Mapping[str, str], elsewhere: list[Study] = ()) -> dict[str, Any]:
    _check_names(params, LIST_PARAMS, LIVE_ONLY_LIST_PARAMS)
    _check_format(params)
    selection = _selection(params.get("fields"))
    page_size = _page_size(params.get("pageSize"))
    count_total = _count_total(params.get("countTotal"))
    fingerprint = _fingerprint(params)
    token = params.get("pageToken")
    offset = 0 if token is None else _token_offset(token, fingerprint)

    matches = _sort(_filter(studies, params, elsewhere), params.get("sort"))
    page = matches[offset : offset + page_size]
    body: dict[str, Any] = {}
    if count_total and token is None:
        body["totalCount"] = len(matches)
    body["studies"] = [_project(study, selection) for study in page]
    # Like the live API, mint a token for every full page without checking that more exist.
    if len(page) == page_size:
        body["nextPageToken"] = _page_token(offset + page_size, fingerprint)
    return body


# --- GET /studies/{nctId} ---------------------------------------------------------------------


def _fetch_study(studies: list[Study], base_url: str, raw_id: str, params: Mapping[str, str]) -> _Reply:
    _check_names(params, STUDY_PARAMS, frozenset())
    _check_format(params)
    selection = _selection(params.get("fields"))
    nct_id = _canonical_nct_id(raw_id, "NCT ID")
    for study in studies:
        if _dig(study, f"{_ID}.nctId") == nct_id:
            return _json_reply(_project(study, selection))
    for study in studies:
        if nct_id in (_dig(study, f"{_ID}.nctIdAliases") or []):
            location = f"{base_url}/studies/{_dig(study, f'{_ID}.nctId')}"
            if params:
                location += "?" + urlencode(params)
            return _Reply(301, b"", headers=(("Location", location),))
    raise _Rejected(404, f"Study {nct_id} not found")


# --- GET /studies/metadata ---------------------------------------------------------------------


def _metadata() -> list[dict[str, Any]]:
    """FieldNode trees built from FIELD_PATHS: each node named by its JSON key, with the
    piece name that selects it (a key no piece name reaches gets its key, capitalised)."""
    pieces = {path.replace("[]", ""): piece for piece, path in FIELD_PATHS.items()}
    roots: list[dict[str, Any]] = []
    for path in sorted(pieces):
        siblings, prefix = roots, ""
        for key in path.split("."):
            prefix = f"{prefix}.{key}" if prefix else key
            node = next((n for n in siblings if n["name"] == key), None)
            if node is None:
                node = {"name": key, "piece": pieces.get(prefix, key[0].upper() + key[1:]),
                        "sourceType": "STRUCT", "type": "object", "children": []}
                siblings.append(node)
            siblings = node["children"]
    return roots


# --- HTTP -------------------------------------------------------------------------------------


def _json_reply(value: Any) -> _Reply:
    body = json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    return _Reply(200, body, JSON_TYPE)


def _route(standin: StandIn, path: str, params: Mapping[str, str]) -> _Reply:
    studies = standin.studies  # read once: a test may swap the list mid-request
    try:
        if path == f"{API_PREFIX}/version":
            return _json_reply({"apiVersion": standin.api_version, "dataTimestamp": standin.data_timestamp})
        if path == f"{API_PREFIX}/studies":
            return _json_reply(_list_studies(studies, params, standin.elsewhere))
        if path == f"{API_PREFIX}/studies/metadata":
            _check_names(params, frozenset({"includeIndexedOnly", "includeHistoricOnly"}), frozenset())
            return _json_reply(_metadata())
        rest = path.removeprefix(f"{API_PREFIX}/studies/")
        if rest != path and "/" not in rest and rest not in LIVE_ONLY_STUDY_PATHS:
            return _fetch_study(studies, standin.url, rest, params)
        raise _Rejected(404, f"No endpoint at {path} in this stand-in")
    except _Rejected as rejected:
        return _Reply(rejected.status, rejected.message.encode("utf-8"))


class _Handler(BaseHTTPRequestHandler):
    # Keep-alive like the live service, so benchmarks do not measure a new connection per request.
    protocol_version = "HTTP/1.1"
    # Headers and body go out in two writes; without this, delayed ACKs add ~40 ms per request.
    disable_nagle_algorithm = True
    server: _Server

    def do_GET(self) -> None:
        standin = self.server.standin
        url = urlsplit(self.path)
        path = unquote(url.path)
        params = dict(parse_qsl(url.query, keep_blank_values=True))
        if standin.delay:
            time.sleep(standin.delay)
        try:
            reply = standin._take_failure() or _route(standin, path, params)
        except Exception as error:  # a stand-in bug must reach the test as a visible 500
            reply = _Reply(500, f"stand-in error: {error!r}".encode())
        # Log before sending: a client that has its answer must find it in the log.
        standin.requests.append(LoggedRequest("GET", path, params, reply.status, len(reply.body)))
        self.send_response(reply.status)
        self.send_header("Content-Type", reply.content_type)
        self.send_header("Content-Length", str(len(reply.body)))
        self.send_header("Access-Control-Allow-Origin", "*")
        for name, value in reply.headers:
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(reply.body)

    def log_message(self, format: str, *args: Any) -> None:
        """Silent: ``StandIn.requests`` is the log."""


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, port: int, standin: StandIn) -> None:
        super().__init__(("127.0.0.1", port), _Handler)
        self.standin = standin
        self._connections: set[socket.socket] = set()
        self._connections_lock = threading.Lock()

    def process_request_thread(self, request: Any, client_address: Any) -> None:
        with self._connections_lock:
            self._connections.add(request)
        try:
            super().process_request_thread(request, client_address)
        finally:
            with self._connections_lock:
                self._connections.discard(request)

    def close_connections(self) -> None:
        """Cut idle keep-alive connections, which would otherwise go on answering after stop()."""
        with self._connections_lock:
            for connection in self._connections:
                try:
                    connection.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass


class StandIn:
    """The stand-in server, started on 127.0.0.1 as soon as it is created.

    A running test may assign ``studies`` (a new list), ``elsewhere``, ``data_timestamp`` and ``delay``
    (seconds before every answer), read and clear ``requests``, and queue failures with
    ``fail_next``.
    """

    def __init__(
        self,
        studies: Iterable[Study],
        data_timestamp: str = DEFAULT_DATA_TIMESTAMP,
        api_version: str = DEFAULT_API_VERSION,
        port: int = 0,
    ) -> None:
        self.studies: list[Study] = list(studies)
        self.elsewhere: list[Study] = []  # listings outside the MS answer, found only by query.lead
        self.data_timestamp = data_timestamp
        self.api_version = api_version
        self.delay = 0.0
        # Appended from handler threads; list.append is atomic, so no lock is needed.
        self.requests: list[LoggedRequest] = []
        self._failures: list[_Reply] = []
        self._failures_lock = threading.Lock()
        self._server = _Server(port, self)
        self.port: int = self._server.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}{API_PREFIX}"
        # A short poll interval, because stop() waits for the serving loop to notice it.
        self._thread = threading.Thread(
            target=self._server.serve_forever, args=(0.05,), name="ctgov-standin", daemon=True
        )
        self._thread.start()

    def fail_next(
        self,
        status: int,
        count: int = 1,
        body: str | None = None,
        headers: Mapping[str, str] | None = None,
        content_type: str = TEXT_TYPE,
    ) -> None:
        """Answer the next ``count`` requests, whatever they ask, with this reply.

        ``body`` defaults to the status phrase. Examples: ``fail_next(503, count=2)``,
        ``fail_next(429, headers={"Retry-After": "1"})``,
        ``fail_next(200, body="<html>...</html>", content_type="text/html")``.
        """
        reply = _Reply(
            status,
            (HTTPStatus(status).phrase if body is None else body).encode("utf-8"),
            content_type,
            tuple((headers or {}).items()),
        )
        with self._failures_lock:
            self._failures.extend([reply] * count)

    def _take_failure(self) -> _Reply | None:
        with self._failures_lock:
            return self._failures.pop(0) if self._failures else None

    def stop(self) -> None:
        """Stop serving and close every connection; safe to call twice."""
        if self._thread.is_alive():
            self._server.shutdown()
            self._server.close_connections()
            self._server.server_close()
            self._thread.join()

    def __enter__(self) -> StandIn:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m tests.support.standin",
        description="Serve recorded ClinicalTrials.gov studies as a local API v2 stand-in.",
    )
    parser.add_argument("--corpus", nargs="+", required=True, type=Path, metavar="FILE",
                        help=".jsonl or .json study files; later files win on the same nctId")
    parser.add_argument("--port", type=int, default=8765, help="0 picks a free port")
    parser.add_argument("--data-timestamp", default=DEFAULT_DATA_TIMESTAMP,
                        help="dataTimestamp reported by /version")
    parser.add_argument("--api-version", default=DEFAULT_API_VERSION, help="apiVersion reported by /version")
    args = parser.parse_args(argv)
    studies = load_corpus(*args.corpus)
    with StandIn(studies, args.data_timestamp, args.api_version, args.port) as standin:
        print(f"Serving {len(studies)} studies at {standin.url} (Ctrl-C to stop)", flush=True)
        try:
            threading.Event().wait()
        except KeyboardInterrupt:
            pass


if __name__ == "__main__":
    main()
