"""Filling the store from the ISRCTN API: the query plan.

ISRCTN answers a search with full records and has no paging, so a listing is the whole data:

1. ``q=MS_QUERY&limit=0``: only ``totalCount``, the number of multiple sclerosis trials.
   After the first refresh the query adds ``AND lastEdited GE <cursor>``, the moment just
   after the newest ``lastUpdated`` stored from the API, so a repeat refresh with nothing new
   ends here: **one request**.
2. ``q=<the same>&limit=<totalCount + LIMIT_SLACK>``: every matching trial in full, in one
   answer (the slack takes in trials registered between the two requests). An answer with
   fewer trials than its own ``totalCount`` is refused.

So a refresh costs at most **two requests**: a first or full one lists every MS trial
(a few hundred, a few MB of XML), an incremental one only the trials edited since.

Like ClinicalTrials.gov's plan, the server only narrows to MS (trials whose condition or
title says "multiple sclerosis"); ``trials.analysis.classify`` decides what is a stem-cell
study. Every trial is stored in full (``is_full``), in one transaction per refresh.

A complete listing (the first refresh, or ``full=True``) removes stored ISRCTN trials that
are no longer listed, within ``check_drop_plausible``; an incremental one removes nothing,
so a trial that stops matching the query (its condition edited away from MS) stays until
the next full refresh. ISRCTN has no data version: a refresh's own time is the data's
timestamp, and the registry meta ``cursor`` is where the next incremental listing starts.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

from ...config import Settings, without_credentials
from ...ids import ISRCTN
from ...model import StudyId
from ...store.sqlite import API, Store, utc_now
from .. import http, sync
from ..base import ListingRefused, Progress, RefreshResult
from .api import NAME, Answer, Client
from .record import NS, element_refusal, raw_id, read, read_element, stored, study_id

MS_QUERY = 'condition:"multiple sclerosis" OR title:"multiple sclerosis"'
# Trials registered between the count and the listing still fit in the one answer.
LIMIT_SLACK = 20
# ISRCTN holds a few hundred MS trials. Far more means the query was not applied (the whole
# registry, about 25,000 trials, would come back in one answer): refused, never stored.
MAX_LISTING = 5_000
# A lastUpdated later than this past the refresh's own time is no real edit (a broken or
# forged record): it must not move the cursor past every future change.
CLOCK_SLACK = timedelta(minutes=5)


def client(settings: Settings, *, budget: float | None = None) -> Client:
    """A client for the configured API (``http.options``: politeness, and no retry within a budget)."""
    return Client(settings.url(ISRCTN), **http.options(settings, budget))

def refresh_from(store: Store, settings: Settings, *, full: bool = False,
                 progress: Progress | None = None, budget: float | None = None) -> RefreshResult:
    """``refresh`` with a client made from the settings."""
    with client(settings, budget=budget) as api:
        return refresh(store, api, full=full, progress=progress)


def query(cursor: str) -> str:
    """The MS query, narrowed to trials edited at or after ``cursor`` when there is one."""
    return f"({MS_QUERY}) AND lastEdited GE {cursor}" if cursor else MS_QUERY


def refresh(store: Store, client: Client, *, full: bool = False,
            progress: Progress | None = None) -> RefreshResult:
    """Bring the store's ISRCTN trials up to date. Raises ApiError on failure, in which case
    the store is exactly as it was."""
    progress = progress or (lambda stage, done, total: None)
    now = utc_now()
    meta = store.registry_meta(ISRCTN)
    # Records from an imported file are not the registry's word: they neither start the
    # incremental listing nor count as listed.
    from_file = {i.value for i in store.imported_ids(ISRCTN)}
    known = {k for k in store.last_updates(ISRCTN) if k not in from_file}
    cursor = meta.get("cursor", "") if known and not full else ""
    incremental = bool(cursor)
    asked = query(cursor)

    counted = client.search(asked, 0)
    if counted.total_count > MAX_LISTING:
        raise ListingRefused(NAME, f"ISRCTN announced {counted.total_count:,} multiple sclerosis trials, more "
                             f"than the {MAX_LISTING:,} any answer to this query can hold, so the query was "
                             "not applied")
    if incremental and counted.total_count == 0:  # nothing edited since: the stored trials are ISRCTN's now
        return sync.write_listing(store, sync.Listing(ISRCTN, "unchanged", now, _statuses_moved_on(store, set()),
                                                      False, traffic=client.traffic, at=now))
    answer = counted if counted.total_count == 0 else client.search(asked, counted.total_count + LIMIT_SLACK)
    _check_complete(answer)
    newest = [meta.get("cursor", "") if incremental else ""]

    def items() -> Iterator[sync.Item]:
        listed: set[StudyId] = set()
        for done, full_trial in enumerate(answer.trials, start=1):
            why = element_refusal(full_trial)
            if why:
                isrctn = raw_id(full_trial)[0]
                if isrctn:  # its stored copy stays as it is, status and all
                    listed.add(study_id(isrctn))
                yield sync.Refused(f"{isrctn}: {why}" if isrctn else why, study_id(isrctn) if isrctn else None)
                continue
            study = read_element(full_trial)
            listed.add(study.id)
            yield sync.Fetched(stored(full_trial), study, detailed=True)
            newest[0] = max(newest[0], _cursor_after(full_trial.find(f"{{{NS}}}trial"), now))
            progress("Listing ISRCTN multiple sclerosis trials", done, answer.total_count)
        if incremental:  # (a full listing wrote every trial it still lists, and drops the others)
            yield from _statuses_moved_on(store, listed)

    # A complete listing shows what ISRCTN no longer lists; an incremental one removes nothing.
    return sync.write_listing(store, sync.Listing(
        ISRCTN, "incremental" if incremental else "full", now, items(), complete=not incremental, full=full,
        source=f"ISRCTN API at {without_credentials(client.base_url)}",
        meta=lambda: {"cursor": newest[0], **({} if incremental else {"listed_at": now})},
        traffic=client.traffic, at=now))


def _statuses_moved_on(store: Store, listed: set[StudyId]) -> Iterator[sync.Fetched]:
    """Each stored trial this refresh did not bring whose status the calendar has changed
    (recruitment ended since, say), to be written again with its own dates: ISRCTN works
    statuses out from dates, so a trial nobody edited still changes, and "what changed" must
    show it when it does."""
    for kept in store.studies_of(ISRCTN):
        if kept.id in listed or kept.source != API:
            continue
        try:
            study = read(kept.record)
        except ValueError:
            continue  # an unreadable row stays for the next full refresh to mend
        if study.overall_status != kept.overall_status:
            yield sync.Fetched(kept.record, study, is_full=kept.is_full, data_timestamp=kept.data_timestamp,
                               fetched_at=kept.fetched_at, relisted=False)


def _cursor_after(trial: ET.Element | None, now: str) -> str:
    """Where the next incremental listing starts after this trial: one millisecond past its
    ``lastUpdated`` (ISRCTN's query takes milliseconds, and GE would list the newest trial
    again forever); "" for none, an unreadable one or one later than the refresh itself."""
    stamp = (trial.get("lastUpdated") if trial is not None else None) or ""
    try:
        moment = datetime.fromisoformat(stamp.strip())
    except ValueError:
        return ""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    if moment > datetime.fromisoformat(now) + CLOCK_SLACK:
        return ""
    after = moment.astimezone(UTC).replace(microsecond=moment.microsecond // 1000 * 1000) + timedelta(milliseconds=1)
    return after.strftime("%Y-%m-%dT%H:%M:%S.") + f"{after.microsecond // 1000:03d}Z"


def _check_complete(answer: Answer) -> None:
    """The answer must carry every trial its ``totalCount`` announced: one cut short would
    make a full refresh forget, or an incremental one miss, the trials it never sent."""
    if len(answer.trials) < answer.total_count:
        raise ListingRefused(NAME, f"ISRCTN's answer held {len(answer.trials):,} of the {answer.total_count:,} "
                             "trials it announced")
