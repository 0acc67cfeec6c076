"""Filling the store: from the API (refresh) or from a downloaded file (import).

The query plan, chosen for complete recall with few bytes:

1. ``GET /version``. If its ``dataTimestamp`` is the one already stored,
   nothing else is requested.
2. One pass over every multiple sclerosis study (``query.cond=multiple
   sclerosis``, 1,000 a page) asking only for the few fields the
   stem-cell pre-filter reads (``classify.CANDIDATE_FIELDS``). After the
   first refresh this pass asks only for studies updated since the newest
   update already stored (``filter.advanced=AREA[LastUpdatePostDate]RANGE``).
3. Full records, only for the candidates that are new or changed
   (``filter.ids``, 100 a request), with the fields the page shows.

The server's own search expands synonyms in ways that cannot be reproduced
offline, so the server only narrows to MS; our classifier decides what is a
stem-cell study. Everything is written in one transaction.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import ijson

from . import classify
from .api import Client
from .errors import InputError
from .records import bounded, dig, is_nct_id, last_update_of, raw_nct_id
from .store import FILE, Classified, Store, Writer, utc_now

MS_QUERY = {"query.cond": "multiple sclerosis"}

# The listing pass: what the stem-cell pre-filter reads, plus what the store
# tracks for every MS study (status changes, incremental refresh). The MS check
# needs the conditions, but only candidates need it, and they get full records.
LIST_FIELDS = tuple(dict.fromkeys((
    "NCTId", "OverallStatus", "LastUpdatePostDate", *classify.CANDIDATE_FIELDS,
)))

# What the page and the export show of a stem-cell study (API piece names).
DETAIL_FIELDS = (
    "IdentificationModule",
    "StatusModule",
    "SponsorCollaboratorsModule",
    "DescriptionModule",
    "ConditionsModule",
    "DesignModule",
    "ArmsInterventionsModule",
    "EligibilityModule",
    "ContactsLocationsModule",  # sites with their own status, contacts and geoPoint
    "OutcomesModule",  # the primary outcome, for the side-by-side comparison
    "ConditionMeshTerm",
    "ConditionMeshId",
    "InterventionMeshTerm",  # the registry's index terms: support for the classifier
    "HasResults",
)

# The pre-filter has full recall, so what it passes over is no stem-cell study.
NOT_STEM_CELL = Classified((), False, "")

Progress = Callable[[str, int, int | None], None]


@dataclass(frozen=True)
class RefreshResult:
    mode: str  # "unchanged", "incremental" or "full"
    data_timestamp: str
    listed: int  # studies returned by the MS pass
    detailed: int  # full records fetched
    status_changes: int
    requests: int
    bytes_received: int
    dropped: int = 0  # studies the registry no longer lists, removed by a complete listing
    still_imported: int = 0  # studies from an imported file that no refresh has confirmed


def classified(study: dict) -> Classified:
    result = classify.classify(study)
    return Classified(result.labels, result.is_ms, classify.describe(result), result.study_role)


def _reclassify_all(store: Store, writer: Writer) -> None:
    for nct_id, record, _ in store.records():
        writer.reclassify(nct_id, classified(record))
    writer.set_meta(classifier_version=classify.CLASSIFIER_VERSION)


def ensure_current_classification(store: Store) -> None:
    """Re-label stored studies after the classifier changed; works offline."""
    info = store.info()
    if not info.is_empty and info.classifier_version != classify.CLASSIFIER_VERSION:
        with store.writing() as writer:
            _reclassify_all(store, writer)


def refresh(
    store: Store, client: Client, *, full: bool = False, progress: Progress | None = None
) -> RefreshResult:
    """Bring the store up to date with ClinicalTrials.gov. Raises ApiError on failure,
    in which case the store is exactly as it was."""
    progress = progress or (lambda stage, done, total: None)
    info = store.info()
    version = client.version()
    now = utc_now()
    from_api = bool(info.source and info.source.startswith("ClinicalTrials.gov"))
    stale_rules = info.classifier_version != classify.CLASSIFIER_VERSION
    if not info.is_empty and from_api and not stale_rules and not full:
        if info.data_timestamp == version.data_timestamp:
            with store.writing() as writer:
                writer.set_meta(checked_at=now)
            return RefreshResult("unchanged", version.data_timestamp, 0, 0, 0,
                                 client.traffic.requests, client.traffic.bytes_received,
                                 still_imported=len(store.imported_ids()))
    # Records from an imported file are not the registry's word: they neither set the
    # date an incremental listing starts from nor count as already fetched.
    from_file = store.imported_ids()
    known = {k: v for k, v in store.last_updates().items() if k not in from_file}
    incremental = bool(known) and from_api and not stale_rules and not full
    params = dict(MS_QUERY)
    if incremental:
        since = max(date for date, _ in known.values())
        params["filter.advanced"] = f"AREA[LastUpdatePostDate]RANGE[{since},MAX]"
    stamp = {"data_timestamp": version.data_timestamp, "fetched_at": now}

    with store.writing() as writer:
        if stale_rules:
            _reclassify_all(store, writer)
        listed, to_detail = 0, []
        for page in client.iter_pages(params, LIST_FIELDS):
            for study in map(bounded, page.studies):
                nct_id = raw_nct_id(study)
                if not is_nct_id(nct_id):
                    continue
                listed += 1
                candidate = classify.is_candidate(study)
                stored = known.get(nct_id)
                if stored and stored[0] == last_update_of(study) and (stored[1] or not candidate):
                    writer.seen.add(nct_id)  # unchanged: keep what is stored
                    continue
                if candidate:
                    to_detail.append(nct_id)
                writer.put(study, classified(study) if candidate else NOT_STEM_CELL,
                           is_full=False, **stamp)
            progress("Listing multiple sclerosis studies", listed, page.total_count)
        detailed = 0
        for study in map(bounded, client.studies_by_ids(to_detail, DETAIL_FIELDS)):
            writer.put(study, classified(study), is_full=True, **stamp)
            detailed += 1
            progress("Fetching stem-cell study details", detailed, len(to_detail))
        # A complete listing shows what the registry no longer lists. Imported studies
        # go only when the user asked for a full refresh.
        dropped = 0 if incremental else writer.keep_only_seen(drop_imported=full)
        writer.set_meta(
            data_timestamp=version.data_timestamp,
            api_version=version.api_version,
            fetched_at=now,
            checked_at=now,
            source=f"ClinicalTrials.gov API {version.api_version} at {client.base_url}",
            classifier_version=classify.CLASSIFIER_VERSION,
        )
    return RefreshResult(
        "incremental" if incremental else "full",
        version.data_timestamp,
        listed,
        detailed,
        writer.changes,
        client.traffic.requests,
        client.traffic.bytes_received,
        dropped,
        len(store.imported_ids()),
    )


# What an imported file may hold. A v2 Study nests at most 11 levels (results tables,
# counting lists); deeper is no study record. The largest real records, with full
# results, are a few MB of JSON; the bound keeps one hostile record from taking the memory.
MAX_RECORD_DEPTH = 16
MAX_RECORD_CHARS = 16 * 1024 * 1024
SHOWN_REASONS = 3  # how many reasons for skipped records a message names
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


@dataclass(frozen=True)
class ImportResult:
    file: str
    imported: int  # records written to the store
    kept_newer: int  # the store already held a newer record of the study (or the API's own)
    duplicates: int  # records whose id came earlier in the file (the newer one is kept)
    skipped: int  # records that are not study records
    reasons: tuple[str, ...]  # why, for the first few
    oldest: str  # the data dates of the file's records
    newest: str

    @property
    def text(self) -> str:
        dated = self.oldest if self.oldest == self.newest else f"{self.oldest} to {self.newest}"
        out = [f"Imported {self.imported} studies from {self.file} (data dated {dated})."]
        if self.kept_newer:
            out.append(f"{self.kept_newer} were kept as stored, because the stored record is "
                       "newer or comes from the ClinicalTrials.gov API.")
        if self.duplicates:
            out.append(f"{self.duplicates} records repeated an id earlier in the file; the "
                       "newer record of each was kept.")
        if self.skipped:
            out.append(f"Skipped {self.skipped} records that are not valid study records: "
                       + _reasons_text(self.skipped, self.reasons) + ".")
        return " ".join(out)


def _reasons_text(count: int, reasons: tuple[str, ...]) -> str:
    more = count - len(reasons)
    return "; ".join(reasons) + (f"; and {more} more" if more > 0 else "")


class _Unfit(Exception):
    """The file's structure is not that of a download (too deep, too large a record)."""


def _shown(value: object) -> str:
    """A value from the file, quoted with every non-ASCII or control character visible
    (a zero-width space shows as \\u200b), and short."""
    text = ascii(value)
    return text if len(text) <= 40 else text[:39] + "…"


def _records(events: Iterator[tuple[str, Any]]) -> Iterator[Any]:
    """Each study record of a download, built one at a time from parser events.

    Records are the items of a top-level array (the website's download), the items
    of a top-level object's ``studies`` array (an API answer), or top-level objects
    themselves (JSON Lines, or one study). Memory is bounded by one record.
    """
    stack: list[Any] = []  # the open containers of the record being built
    keys: list[Any] = []  # the pending key of each open object in ``stack``
    in_list = False  # directly inside the array that holds the records
    wrapper: dict | None = None  # a top-level object whose ``studies`` is being read
    size = 0

    def attach(value: Any) -> None:
        parent = stack[-1]
        if isinstance(parent, dict):
            parent[keys[-1]] = value
        else:
            parent.append(value)

    for event, value in events:
        if event in ("start_map", "start_array"):
            new: Any = {} if event == "start_map" else []
            if stack:
                if (wrapper is None and len(stack) == 1 and not in_list and keys[-1] == "studies"
                        and event == "start_array"):
                    wrapper = stack.pop()  # an API answer: its studies are the records
                    keys.pop()
                    in_list = True
                    continue
                if len(stack) >= MAX_RECORD_DEPTH:
                    raise _Unfit(f"it nests deeper than {MAX_RECORD_DEPTH} levels, more than "
                                 "any study record")
                attach(new)
            elif event == "start_array" and not in_list and wrapper is None:
                in_list = True  # the website's download: an array of studies
                continue
            else:
                size = 0  # a record starts
            stack.append(new)
            keys.append(None)
        elif event in ("end_map", "end_array"):
            if not stack:  # the end of the array of records
                in_list = False
                if wrapper is not None:
                    stack.append(wrapper)  # read the rest of the API answer (totalCount ...)
                    keys.append(None)
                continue
            done = stack.pop()
            keys.pop()
            if not stack:
                if done is wrapper:
                    wrapper = None
                else:
                    yield done
        elif event == "map_key":
            keys[-1] = value
            size += len(value)
        else:
            if not stack:
                yield value  # a bare value where a record belongs
                continue
            attach(value)
            size += len(value) if isinstance(value, str) else 8
        if size > MAX_RECORD_CHARS:
            raise _Unfit(f"a record is larger than {MAX_RECORD_CHARS // (1024 * 1024)} MB")


def read_download(path: Path) -> Iterator[Any]:
    """The records of a ClinicalTrials.gov JSON download, streamed (bounded memory).

    Accepts the website's "Download -> JSON" (an array of studies), an API list
    answer (``{"studies": [...]}``) and JSON Lines (one study a line). Yields what
    stands where a record belongs, valid or not; raises InputError when the file
    cannot be read or is no download at all.
    """
    try:
        fh = open(path, "rb")
    except OSError as exc:
        raise InputError(f"Cannot read {path}: {exc.strerror}.") from None
    with fh:
        if fh.read(3) != b"\xef\xbb\xbf":  # a byte-order mark, as some editors write
            fh.seek(0)
        count = 0
        try:
            for record in _records(ijson.basic_parse(fh, multiple_values=True, use_float=True)):
                count += 1
                yield record
        except ijson.JSONError:
            where = f" after record {count}" if count else ""
            raise InputError(f"{path} is not a ClinicalTrials.gov JSON download (it does not "
                             f"parse as JSON{where}; is it UTF-8 JSON?).") from None
        except _Unfit as exc:
            raise InputError(f"{path} is not a ClinicalTrials.gov JSON download: {exc} "
                             f"(after record {count}).") from None
        except OSError as exc:
            raise InputError(f"Cannot read {path}: {exc.strerror}.") from None


def _problem(record: Any) -> str | None:
    """Why a record cannot be stored, or None."""
    if not isinstance(record, dict):
        return "not a JSON object"
    nct_id = raw_nct_id(record)
    if nct_id is None:
        return "no nctId"
    if not is_nct_id(nct_id):
        return f"nctId {_shown(nct_id)} is not an NCT id (NCT and 8 digits)"
    return None


def _data_date(record: dict, file_date: str) -> str:
    """The record's own data date: the website's versionHolder, else the file's date."""
    holder = dig(record, "derivedSection", "miscInfoModule", "versionHolder")
    if isinstance(holder, str) and _DATE.fullmatch(holder[:10]):
        return holder[:10]
    return file_date


def import_download(store: Store, path: Path) -> ImportResult:
    """Load a JSON download into the store, in one transaction.

    Every record is checked; bad ones are skipped and counted. A file's record never
    replaces a newer stored one, and each keeps its own data date and is marked as
    from a file, so the data's age is never misstated (see Store.info).
    """
    path = Path(path)
    ensure_current_classification(store)
    try:
        mtime = datetime.fromtimestamp(path.stat().st_mtime, timezone.utc)
    except OSError as exc:
        raise InputError(f"Cannot read {path}: {exc.strerror}.") from None
    file_date = mtime.strftime("%Y-%m-%d")
    now = utc_now()
    ids: set[str] = set()
    written: set[str] = set()
    duplicates = skipped = 0
    reasons: list[str] = []
    dates: set[str] = set()
    with store.writing() as writer:
        for number, record in enumerate(read_download(path), start=1):
            problem = _problem(record)
            if problem:
                skipped += 1
                if len(reasons) < SHOWN_REASONS:
                    reasons.append(f"record {number}: {problem}")
                continue
            record = bounded(record)
            nct_id = record["protocolSection"]["identificationModule"]["nctId"]
            duplicates += nct_id in ids
            ids.add(nct_id)
            date = _data_date(record, file_date)
            dates.add(date)
            if writer.put(record, classified(record), is_full=True, data_timestamp=date,
                          fetched_at=now, source=FILE):
                written.add(nct_id)
        if not ids:
            found = f" ({_reasons_text(skipped, tuple(reasons))})" if skipped else ""
            raise InputError(f"{path} holds no ClinicalTrials.gov study records{found}.")
        writer.set_meta(imported_at=now, import_file=path.name,
                        classifier_version=classify.CLASSIFIER_VERSION)
    return ImportResult(path.name, len(written), len(ids) - len(written), duplicates, skipped,
                        tuple(reasons), min(dates), max(dates))
