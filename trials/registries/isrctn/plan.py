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
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from ...analysis import classify
from ...config import Settings, without_credentials
from ...ids import ISRCTN
from ...model import StudyId
from ...store.sqlite import API, Store, Writer, utc_now
from .. import http
from ..base import SHOWN_REASONS, ListingRefused, Progress, RefreshResult, check_drop_plausible
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
    if incremental and counted.total_count == 0:
        with store.writing() as writer:  # nothing edited since: the stored trials are ISRCTN's now
            _statuses_moved_on(store, writer)
            writer.set_registry_meta(ISRCTN, data_timestamp=now, checked_at=now)
        return _result("unchanged", now, client, store, changes=writer.changes)
    answer = counted if counted.total_count == 0 else client.search(asked, counted.total_count + LIMIT_SLACK)
    _check_complete(answer)

    with store.writing() as writer:
        refused = _Refused(writer.seen)
        listed = 0
        newest = meta.get("cursor", "") if incremental else ""
        for full_trial in answer.trials:
            why = element_refusal(full_trial)
            if why:
                refused.add(full_trial, why)
                continue
            record = stored(full_trial)
            study = read_element(full_trial)
            writer.put(record, study, classify.classified(study), is_full=True,
                       data_timestamp=now, fetched_at=now, source=API)
            listed += 1
            newest = max(newest, _cursor_after(full_trial.find(f"{{{NS}}}trial"), now))
            progress("Listing ISRCTN multiple sclerosis trials", listed, answer.total_count)
        if incremental:  # (a full listing wrote every trial it still lists, and drops the others)
            _statuses_moved_on(store, writer)
        # A complete listing shows what ISRCTN no longer lists. Imported trials go only when
        # the user asked for a full refresh. A refused trial keeps its stored copy; one
        # without a valid id could be any stored trial: then nothing is proven gone.
        proven = not incremental and not refused.unnamed
        dropped = writer.keep_only_seen(ISRCTN, drop_imported=full) if proven else 0
        gone = len(known) - writer.remaining(ISRCTN, API)
        check_drop_plausible(NAME, gone if dropped else 0, len(known) + len(from_file), full)  # raising rolls back
        writer.set_registry_meta(
            ISRCTN, data_timestamp=now, fetched_at=now, checked_at=now,
            source=f"ISRCTN API at {without_credentials(client.base_url)}",
            cursor=newest, **({} if incremental else {"listed_at": now}),
        )
    return _result("incremental" if incremental else "full", now, client, store, listed=listed,
                   changes=writer.changes, dropped=dropped, refused=refused)


def _statuses_moved_on(store: Store, writer: Writer) -> None:
    """Write again each stored trial this refresh did not bring whose status the calendar has
    changed (recruitment ended since, say): ISRCTN works statuses out from dates, so a trial
    nobody edited still changes, and "what changed" must show it when it does."""
    for kept in store.studies_of(ISRCTN):
        if kept.id in writer.seen or kept.source != API:
            continue
        try:
            study = read(kept.record)
        except ValueError:
            continue  # an unreadable row stays for the next full refresh to mend
        if study.overall_status != kept.overall_status:
            writer.put(kept.record, study, classify.classified(study), is_full=kept.is_full,
                       data_timestamp=kept.data_timestamp, fetched_at=kept.fetched_at, source=API)


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


@dataclass
class _Refused:
    """The trials of one refresh that were not stored, and what that leaves proven."""

    keep: set[StudyId]  # a refused trial's id goes here: its stored copy stays
    reasons: list[str] = field(default_factory=list)
    unnamed: int = 0  # refused without a valid id: they could be any stored trial

    def add(self, full_trial: ET.Element, why: str) -> None:
        isrctn = raw_id(full_trial)[0]
        self.reasons.append(f"{isrctn}: {why}" if isrctn else why)
        if isrctn:
            self.keep.add(study_id(isrctn))
        else:
            self.unnamed += 1


def _result(mode: str, now: str, client: Client, store: Store, *, listed: int = 0, changes: int = 0,
            dropped: int = 0, refused: _Refused | None = None) -> RefreshResult:
    reasons = refused.reasons if refused else []
    return RefreshResult(
        mode, now, listed, listed, changes, client.traffic.requests, client.traffic.bytes_received,
        dropped, len(store.imported_ids(ISRCTN)), len(reasons), tuple(reasons[:SHOWN_REASONS]),
        refused.unnamed if refused else 0, registry=NAME,
    )
