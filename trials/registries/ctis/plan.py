"""Filling the store from the EU CTIS public API: the query plan.

CTIS has no data version and no "updated since" filter that is known to work, but its
multiple sclerosis answer is small (126 trials when observed on 2026-07-18), so every refresh
lists it whole and fetches full records only where something changed:

1. ``POST /search`` with no criteria and ``size=1``: the whole register's total.
2. ``POST /search`` with ``{"medicalCondition": "multiple sclerosis"}``, 100 a page (2 pages
   today). CTIS ignores a criteria key it does not know and answers with the whole register,
   so the MS total must be smaller than the register's and at most ``MS_PLAUSIBLE_MAX``;
   otherwise the listing is refused (the filter was ignored). The pages must deliver every
   trial announced, each once.
3. Each search element is read as a slim study; the stem-cell pre-filter
   (``classify.is_candidate``) picks the ones worth a full record. ``GET /retrieve/{ctNumber}``
   for each candidate that is new, stored slim, or whose ``lastUpdated`` changed; the stored
   record is the retrieve body with the search element's keys merged over it. A candidate
   unchanged since its full record was stored gets the new search element merged over that
   record, without a request (its status is then current). Other trials are stored slim.

So a cold refresh costs 2 + pages + candidates requests and a repeat 2 + pages. At most
``MAX_REQUESTS`` a refresh: a refresh that would need more stops before its first retrieve,
and the store stays as it was. Every request comes before the one transaction that writes.
Each listing is complete, so the stored CTIS studies it no longer lists are removed (imported
ones only by ``--full``), within ``check_drop_plausible``.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from dataclasses import replace
from typing import Any

from ...analysis import classify
from ...config import Settings, without_credentials
from ...errors import ApiError
from ...ids import CTIS
from ...model import Study
from ...store.sqlite import Store, utc_now
from .. import http, sync
from ..base import ListingRefused, Progress, RefreshResult
from ..values import bounded
from .api import NAME, Client
from .record import is_ct_number, raw_ct_number, read, refusal, study_id

MS_CRITERIA: dict[str, object] = {"medicalCondition": "multiple sclerosis"}
PAGE_SIZE = 100  # the largest size known to be accepted
# CTIS answers at most 10,000 trials a query; 126 were MS trials on 2026-07-18. Sixteen times
# that is no MS answer but an ignored filter (or a register gone wrong).
MS_PLAUSIBLE_MAX = 2_000
# Requests a refresh may make: 2 counts, 2 MS pages and the retrieves of new or changed
# candidates; a first refresh of today's register needs about a dozen. The cap keeps a
# misbehaving API (or a pre-filter that suddenly passes everything) from costing the
# registry hundreds of requests.
MAX_REQUESTS = 60


def client(settings: Settings, *, budget: float | None = None) -> Client:
    """A client for the configured API (``http.options``: politeness, and no retry within a budget)."""
    return Client(settings.url(CTIS), **http.options(settings, budget))

def refresh_from(store: Store, settings: Settings, *, full: bool = False,
                 progress: Progress | None = None, budget: float | None = None) -> RefreshResult:
    """``refresh`` with a client made from the settings."""
    with client(settings, budget=budget) as api:
        return refresh(store, api, full=full, progress=progress)


def refresh(store: Store, client: Client, *, full: bool = False, progress: Progress | None = None,
            max_requests: int = MAX_REQUESTS) -> RefreshResult:
    """Bring the store's CTIS trials up to date. Raises ApiError on failure, in which case
    the store is exactly as it was."""
    progress = progress or (lambda stage, done, total: None)
    now = utc_now()
    first = not store.registry_meta(CTIS).get("fetched_at")
    from_file = {i.value for i in store.imported_ids(CTIS)}
    known = {k: v for k, v in store.last_updates(CTIS).items() if k not in from_file}
    start = client.traffic.requests

    def spend(count: int = 1) -> None:
        if client.traffic.requests - start + count > max_requests:
            raise ApiError(f"An {NAME} refresh would need more than {max_requests} requests "
                           f"({client.traffic.requests - start} made, {count} more needed); it was stopped "
                           "and nothing was changed. Try again later; if it keeps happening, report it.")

    spend()
    register = client.search({}, 1, 1).total
    items: list[sync.Item] = []
    to_retrieve: list[tuple[dict, Study]] = []
    for item in _read(_listing(client, register, spend, progress)):
        if not isinstance(item, sync.Fetched):
            items.append(item)
            continue
        stored = known.get(item.study.id.value)
        if not classify.is_candidate(item.study):
            items.append(replace(item, is_full=False, candidate=False))
        elif stored and stored[1] and stored[0] == item.study.last_update and not full:
            items.append(_refreshed_full(store, item.record, item.study))
        else:
            to_retrieve.append((item.record, item.study))
    spend(len(to_retrieve))  # all or nothing: never a half-fetched refresh
    for done, (element, study) in enumerate(to_retrieve, start=1):
        items += _detailed(client.retrieve(study.id.value), element, study)
        progress("Fetching stem-cell trial details from EU CTIS", done, len(to_retrieve))
    # Every request came before this one transaction; each listing is complete.
    return sync.write_listing(store, sync.Listing(
        CTIS, "full" if first or full else "incremental", now, items, complete=True, full=full,
        source=f"{NAME} public API at {without_credentials(client.base_url)}", traffic=client.traffic, at=now))


def _listing(client: Client, register: int, spend: Callable[..., None], progress: Progress) -> list[Any]:
    """Every MS search element, after proving the filter narrowed the register and that no
    trial was left out."""
    spend()
    page = client.search(MS_CRITERIA, 1, PAGE_SIZE)
    total = page.total
    if total >= register or total > MS_PLAUSIBLE_MAX:
        raise ListingRefused(NAME, f"{NAME} ignored the multiple sclerosis filter: it answered {total:,} "
                             f"trials where the whole register holds {register:,} (an MS answer is smaller, "
                             f"and at most {MS_PLAUSIBLE_MAX:,})")
    elements = list(page.records)
    progress("Listing multiple sclerosis trials on EU CTIS", len(elements), total)
    for number in range(2, math.ceil(total / PAGE_SIZE) + 1):
        spend()
        elements += client.search(MS_CRITERIA, number, PAGE_SIZE).records
        progress("Listing multiple sclerosis trials on EU CTIS", len(elements), total)
    named = {raw_ct_number(e) for e in elements if isinstance(raw_ct_number(e), str)}
    unnamed = sum(1 for e in elements if not isinstance(raw_ct_number(e), str))
    if len(named) + unnamed < total:
        raise ListingRefused(NAME, f"{NAME}'s listing delivered {len(named) + unnamed:,} distinct trials of the "
                             f"{total:,} it announced")
    return elements


def _read(records: list[Any]) -> Iterator[sync.Fetched | sync.Refused]:
    """Each record read once (bounded in size), or refused with why."""
    seen: set[str] = set()
    for record in records:
        reason = refusal(record)
        if reason:
            number = raw_ct_number(record)
            yield sync.Refused(reason, study_id(number) if is_ct_number(number) else None)
        elif record["ctNumber"] not in seen:
            seen.add(record["ctNumber"])
            kept = bounded(record)
            yield sync.Fetched(kept, read(kept))


def _refreshed_full(store: Store, element: dict, study: Study) -> sync.Fetched:
    """An unchanged candidate: its stored full record with the new search element merged over
    it (the search's status and counts are current), no request needed."""
    stored = store.study(study.id)
    record = {**stored.record, **element} if stored and isinstance(stored.record, dict) else element
    return sync.Fetched(record, read(record), is_full=stored is not None)


def _detailed(body: dict | None, element: dict, study: Study) -> list[sync.Item]:
    """A candidate's full record (the retrieve body, the search element merged over it), or the
    slim element when CTIS has no full record or sends an unusable one (and why)."""
    if body is not None:
        record = bounded({**body, **element})
        reason = refusal(record)
        if not reason:
            return [sync.Fetched(record, read(record), detailed=True)]
        return [sync.Refused(f"the full record of {study.id.value}: {reason}", study.id),
                sync.Fetched(element, study, is_full=False)]
    return [sync.Fetched(element, study, is_full=False)]
