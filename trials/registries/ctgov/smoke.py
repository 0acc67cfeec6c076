"""``trials check``: a live smoke test of ClinicalTrials.gov, run by a maintainer from a
deployment host (never by the tests, which run it against the stand-in).

It asks for what a refresh asks for, once each: ``/version``, one listing page, one
full record, and ``/studies/metadata`` to confirm that every field name the refresh
requests still exists (the API answers unknown names with a 400 or 500).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

from ...config import Settings
from ...errors import ApiError
from ..base import Check, run_steps
from .api import Client
from .plan import DETAIL_FIELDS, LIST_FIELDS, MS_QUERY, client
from .record import raw_nct_id


def _pieces(nodes: list[dict]) -> Iterator[str]:
    """Every piece name in a ``/studies/metadata`` tree, alternative names included."""
    for node in nodes:
        if isinstance(node.get("piece"), str):
            yield node["piece"]
        yield from (n for n in node.get("altPieceNames") or () if isinstance(n, str))
        yield from _pieces([c for c in node.get("children") or () if isinstance(c, dict)])


def check(settings: Settings) -> list[Check]:
    """The checks against the configured API, one result per step."""
    with client(settings) as api:
        return run_checks(api)


def run_checks(api: Client) -> list[Check]:
    found: dict[str, str] = {}

    def version() -> str:
        v = api.version()
        return f"API {v.api_version}, data as of {v.data_timestamp}"

    def listing() -> str:
        page = next(api.iter_pages(MS_QUERY, LIST_FIELDS))
        ids = [i for i in map(raw_nct_id, page.studies) if isinstance(i, str) and i]
        if not ids:
            raise ApiError("the first page of multiple sclerosis studies was empty")
        found["id"] = ids[0]
        return f"{len(page.studies)} studies on the first page of {page.total_count} in all"

    def detail() -> str:
        if "id" not in found:
            raise ApiError("skipped: no study id from the listing")
        records = list(api.studies_by_ids([found["id"]], DETAIL_FIELDS))
        if [raw_nct_id(r) for r in records] != [found["id"]]:
            raise ApiError(f"asked for {found['id']}, got {len(records)} records")
        return f"{found['id']} with {len(records[0].get('protocolSection') or {})} modules"

    def fields() -> str:
        known = set(_pieces(api.metadata()))
        missing = [f for f in dict.fromkeys((*LIST_FIELDS, *DETAIL_FIELDS)) if f not in known]
        if missing:
            raise ApiError("unknown to the API: " + ", ".join(missing))
        return f"all {len(set(LIST_FIELDS) | set(DETAIL_FIELDS))} requested field names exist"

    steps: list[tuple[str, Callable[[], str]]] = [
        ("/version", version),
        ("/studies, one listing page", listing),
        ("/studies?filter.ids, one full record", detail),
        ("/studies/metadata, field names", fields),
    ]
    return run_steps(steps)
