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
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from ...analysis import classify
from ...config import Settings, without_credentials
from ...errors import ApiError
from ...ids import CTIS
from ...model import Study, StudyId
from ...store.sqlite import API, Classified, Store, utc_now
from .. import http
from ..base import SHOWN_REASONS, ListingRefused, Progress, RefreshResult, check_drop_plausible
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

# The pre-filter has full recall on titles and product names, so what it passes over is no
# stem-cell study.
NOT_STEM_CELL = Classified((), False, "")


def client(settings: Settings, *, budget: float | None = None) -> Client:
    """A client for the configured API (``http.options``: politeness, and no retry within a budget)."""
    return Client(settings.url(CTIS), **http.options(settings, budget))

def refresh_from(store: Store, settings: Settings, *, full: bool = False,
                 progress: Progress | None = None, budget: float | None = None) -> RefreshResult:
    """``refresh`` with a client made from the settings."""
    with client(settings, budget=budget) as api:
        return refresh(store, api, full=full, progress=progress)


@dataclass
class _Plan:
    """What one refresh will write, gathered before the transaction."""

    writes: list[tuple[dict, Study, Classified, bool]] = field(default_factory=list)
    keep: set[StudyId] = field(default_factory=set)  # refused: their stored copy stays
    reasons: list[str] = field(default_factory=list)
    unnamed: int = 0  # refused without a valid number: they could be any stored study
    detailed: int = 0


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
    elements = _listing(client, register, spend, progress)
    plan = _Plan()
    to_retrieve: list[tuple[dict, Study]] = []
    accepted = _accepted(elements, plan)
    for element in accepted:
        study = read(element)
        stored = known.get(study.id.value)
        if not classify.is_candidate(study):
            plan.writes.append((element, study, NOT_STEM_CELL, False))
        elif stored and stored[1] and stored[0] == study.last_update and not full:
            plan.writes.append(_refreshed_full(store, element, study))
        else:
            to_retrieve.append((element, study))
    spend(len(to_retrieve))  # all or nothing: never a half-fetched refresh
    for done, (element, study) in enumerate(to_retrieve, start=1):
        plan.writes.append(_detailed(client.retrieve(study.id.value), element, study, plan))
        progress("Fetching stem-cell trial details from EU CTIS", done, len(to_retrieve))
    return _write(store, client, plan, now=now, mode="full" if first or full else "incremental",
                  full=full, known=known, from_file=from_file, listed=len(accepted))


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


def _accepted(records: list[Any], plan: _Plan) -> list[dict]:
    """The records fit to store, each once (bounded in size); the others are counted."""
    accepted: dict[str, dict] = {}
    for record in records:
        reason = refusal(record)
        if not reason:
            accepted.setdefault(record["ctNumber"], bounded(record))
            continue
        plan.reasons.append(reason)
        if is_ct_number(raw_ct_number(record)):
            plan.keep.add(study_id(raw_ct_number(record)))
        else:
            plan.unnamed += 1
    return list(accepted.values())


def _refreshed_full(store: Store, element: dict, study: Study) -> tuple[dict, Study, Classified, bool]:
    """An unchanged candidate: its stored full record with the new search element merged over
    it (the search's status and counts are current), no request needed."""
    stored = store.study(study.id)
    record = {**stored.record, **element} if stored and isinstance(stored.record, dict) else element
    merged = read(record)
    return record, merged, classify.classified(merged), stored is not None


def _detailed(body: dict | None, element: dict, study: Study, plan: _Plan) -> tuple[dict, Study, Classified, bool]:
    """A candidate's full record (the retrieve body, the search element merged over it), or the
    slim element when CTIS has no full record or sends an unusable one."""
    if body is not None:
        record = bounded({**body, **element})
        reason = refusal(record)
        if not reason:
            plan.detailed += 1
            full = read(record)
            return record, full, classify.classified(full), True
        plan.reasons.append(f"the full record of {study.id.value}: {reason}")
    return element, study, classify.classified(study), False


def _write(store: Store, client: Client, plan: _Plan, *, now: str, mode: str, full: bool,
           known: dict[str, tuple[str, bool]], from_file: set[str], listed: int) -> RefreshResult:
    """One transaction: every study of the listing, the removal of those no longer listed, and
    the registry's dates. Raising inside it (an implausible drop) leaves the store as it was."""
    with store.writing() as writer:
        for record, study, classified, is_full in plan.writes:
            writer.put(record, study, classified, is_full=is_full, data_timestamp=now, fetched_at=now)
        writer.seen.update(plan.keep)
        # A refused record without a valid number could be any stored study: then nothing is
        # proven gone.
        dropped = writer.keep_only_seen(CTIS, drop_imported=full) if not plan.unnamed else 0
        gone = len(known) - writer.remaining(CTIS, API)
        check_drop_plausible(NAME, gone if dropped else 0, len(known) + len(from_file), full)
        writer.set_registry_meta(
            CTIS, data_timestamp=now, fetched_at=now, checked_at=now,
            source=f"{NAME} public API at {without_credentials(client.base_url)}",
            listed_with=classify.CLASSIFIER_VERSION,
        )
    return RefreshResult(
        mode, now, listed, plan.detailed, writer.changes, client.traffic.requests,
        client.traffic.bytes_received, dropped, len(store.imported_ids(CTIS)),
        len(plan.reasons), tuple(plan.reasons[:SHOWN_REASONS]), plan.unnamed, registry=NAME,
    )
