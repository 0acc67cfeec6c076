"""The one write path: a registry's listing or a downloaded file into the store.

Adapters only translate: a refresh's plan asks its registry and turns the answers into a
``Listing`` (the records it brought, read and validated, and what the listing covers); an
import turns a file into ``Item``s. Everything else happens here, the same for every registry:
each record is classified and written in one transaction; what a complete listing no longer
lists is removed, but only when that is plausible (``check_drop_plausible``) and proven (a
record refused without a valid number could be any stored study); the registry's meta is
stamped; the result counted. Raising anywhere inside (an adapter finding its listing cut short
while the items are read) rolls everything back: the store stays exactly as it was.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..analysis import classify
from ..catalog import name_of
from ..errors import InputError
from ..model import Study, StudyId
from ..store.sqlite import API, FILE, Classified, Store, utc_now
from .base import SHOWN_REASONS, ImportResult, ListingRefused, RefreshResult, file_date, reasons_text

# What a pre-filter passed over (it has full recall): no stem-cell study, not worth classifying.
NOT_STEM_CELL = Classified((), False, "")

# Studies leave a registry one by one (withdrawn records are kept, renamed ids redirect); a
# refresh that would remove more than this share of a registry's stored studies is refused.
MAX_DROP_SHARE = 0.05
MIN_DROP_REFUSED = 10  # below this many, a drop is never implausible


@dataclass(frozen=True)
class Fetched:
    """A record the registry (or a file) gave, read into the model."""

    record: Any  # as the store keeps it
    study: Study
    is_full: bool = True  # False: a summary form a later refresh completes
    candidate: bool = True  # False: the stem-cell pre-filter passed over it (not classified)
    detailed: bool = False  # its full record was fetched by this refresh (counted apart)
    # The stamps to keep instead of this refresh's: a stored record written again unchanged
    # (its status moved on with the calendar), or a file's record with its own data date.
    data_timestamp: str = ""
    fetched_at: str = ""
    relisted: bool = True  # False: written again, not listed by this refresh


@dataclass(frozen=True)
class Kept:
    """A study the listing names as unchanged: its stored copy stays as it is."""

    id: StudyId


@dataclass(frozen=True)
class Refused:
    """A record not fit to store, and why; with its number its stored copy stays."""

    reason: str
    id: StudyId | None = None


Item = Fetched | Kept | Refused


@dataclass(frozen=True)
class Listing:
    """One refresh of one registry, as its adapter says it."""

    registry: str  # the catalog code
    mode: str  # "full", "incremental" or "unchanged"
    data_timestamp: str  # the registry's data version, or the refresh's own time
    items: Iterable[Item]  # read inside the transaction; raising there changes nothing
    complete: bool  # it lists every MS study the registry holds: what it leaves out is gone
    full: bool = False  # the user asked for a full refresh: imported studies go too when not listed
    source: str = ""  # "ClinicalTrials.gov API v2 at https://..." ("" keeps the stored one)
    meta: Callable[[], dict[str, str]] = field(default=lambda: {})  # its own keys, after the items
    traffic: Any = None  # the client's ``http.Traffic``: requests and bytes, read at the end
    at: str = ""  # the refresh's own moment (its meta and rows carry one time); "" for now


@dataclass
class _Counts:
    listed: set[StudyId] = field(default_factory=set)
    detailed: set[StudyId] = field(default_factory=set)
    reasons: list[str] = field(default_factory=list)
    unnamed: int = 0

    def refused(self, item: Refused, keep: set[StudyId] | None = None) -> None:
        """Count a refused record; with its number, add it to ``keep`` (its stored copy stays)."""
        self.reasons.append(item.reason)
        if item.id is None:
            self.unnamed += 1
        elif keep is not None:
            keep.add(item.id)


def check_drop_plausible(registry: str, dropped: int, stored: int, full: bool) -> None:
    """Raise ListingRefused when a complete listing would drop an implausible share of the
    ``stored`` studies of ``registry`` (its name)."""
    if dropped >= MIN_DROP_REFUSED and dropped > MAX_DROP_SHARE * stored:
        asked = "`trials refresh --full`" if full else "this refresh"
        raise ListingRefused(registry, f"{asked} would remove {dropped:,} of the {stored:,} stored "
                             f"{registry} studies (more than {MAX_DROP_SHARE:.0%}), which the registry "
                             "never does at once")


def _classified(item: Fetched) -> Classified:
    return classify.classified(item.study) if item.candidate else NOT_STEM_CELL


def write_listing(store: Store, listing: Listing) -> RefreshResult:
    """Write ``listing`` in one transaction: its records, the removal of what a complete one no
    longer lists, and the registry's meta. Raises (ApiError, ListingRefused) with the store
    exactly as it was."""
    code, name, now = listing.registry, name_of(listing.registry), listing.at or utc_now()
    # Records from an imported file are not the registry's word: they do not count as listed.
    from_file = {i.value for i in store.imported_ids(code)}
    known = [k for k in store.last_updates(code) if k not in from_file]
    counts = _Counts()
    with store.writing() as writer:
        for item in listing.items:
            if isinstance(item, Refused):
                counts.refused(item, writer.seen)
                continue
            if isinstance(item, Kept):
                writer.seen.add(item.id)
                counts.listed.add(item.id)
                continue
            writer.put(item.record, item.study, _classified(item), is_full=item.is_full,
                       data_timestamp=item.data_timestamp or listing.data_timestamp,
                       fetched_at=item.fetched_at or now, source=API)
            if item.detailed:
                counts.detailed.add(item.study.id)
            if item.relisted:
                counts.listed.add(item.study.id)
        # A refused record without a valid number could be any stored study: nothing is proven gone.
        proven = listing.complete and not counts.unnamed
        dropped = writer.keep_only_seen(code, drop_imported=listing.full) if proven else 0
        gone = len(known) - writer.remaining(code, API)
        check_drop_plausible(name, gone if dropped else 0, len(known) + len(from_file), listing.full)
        stamps = {"data_timestamp": listing.data_timestamp, "checked_at": now}
        if listing.mode != "unchanged":
            # Every label written is the current classifier's, and the updates re-label the rest
            # before any refresh (``updates.refresh``): the store's labels are all current.
            stamps |= {"fetched_at": now, "listed_with": classify.CLASSIFIER_VERSION}
            writer.set_meta(classifier_version=classify.CLASSIFIER_VERSION)
        if listing.source:
            stamps["source"] = listing.source
        writer.set_registry_meta(code, **stamps, **listing.meta())
    traffic = listing.traffic
    return RefreshResult(
        listing.mode, listing.data_timestamp, len(counts.listed), len(counts.detailed), writer.changes,
        traffic.requests if traffic else 0, traffic.bytes_received if traffic else 0, dropped,
        len(store.imported_ids(code)), len(counts.reasons), tuple(counts.reasons[:SHOWN_REASONS]),
        counts.unnamed, registry=name,
    )


def write_file(store: Store, path: Path, items: Iterable[Fetched | Refused], holds: str) -> ImportResult:
    """Write a file's records in one transaction, each marked as from a file with its own data
    date (``Fetched.data_timestamp``, else the file's); bad ones are skipped and counted, and a
    file's record never replaces a newer stored one (``Writer.put``). ``holds`` names what the
    file should hold, for the message when it holds none ("ISRCTN trial records")."""
    day, now = file_date(path), utc_now()
    ids: set[StudyId] = set()
    written: set[StudyId] = set()
    duplicates = 0
    counts = _Counts()
    dates: set[str] = set()
    with store.writing() as writer:
        for item in items:
            if isinstance(item, Refused):
                counts.refused(item)
                continue
            key = item.study.id
            duplicates += key in ids
            ids.add(key)
            dated = item.data_timestamp or day
            dates.add(dated)
            if writer.put(item.record, item.study, _classified(item), is_full=item.is_full,
                          data_timestamp=dated, fetched_at=now, source=FILE):
                written.add(key)
        skipped = len(counts.reasons)
        if not ids:
            found = f" ({reasons_text(skipped, tuple(counts.reasons[:SHOWN_REASONS]))})" if skipped else ""
            raise InputError(f"{path} holds no {holds}{found}.")
        writer.set_meta(imported_at=now, import_file=path.name,
                        # Every label written is the current classifier's: the update re-labels first.
                        classifier_version=classify.CLASSIFIER_VERSION)
    return ImportResult(path.name, len(written), len(ids) - len(written), duplicates, skipped,
                        tuple(counts.reasons[:SHOWN_REASONS]), min(dates), max(dates))
