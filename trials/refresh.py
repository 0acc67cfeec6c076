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

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from . import classify
from .api import Client
from .errors import InputError
from .records import last_update_of, nct_id_of
from .store import Classified, Store, Writer, utc_now

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


def classified(study: dict) -> Classified:
    result = classify.classify(study)
    return Classified(result.labels, result.is_ms, classify.describe(result))


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
                                 client.traffic.requests, client.traffic.bytes_received)
    known = store.last_updates()
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
            for study in page.studies:
                nct_id = nct_id_of(study)
                if not nct_id:
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
        for study in client.studies_by_ids(to_detail, DETAIL_FIELDS):
            writer.put(study, classified(study), is_full=True, **stamp)
            detailed += 1
            progress("Fetching stem-cell study details", detailed, len(to_detail))
        if not incremental:
            writer.keep_only_seen()
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
    )


def read_download(path: Path) -> list[dict]:
    """Study records from a ClinicalTrials.gov JSON download.

    Accepts the website's "Download -> JSON" (an array of studies), an API list
    answer (``{"studies": [...]}``) and JSON Lines (one study a line).
    """
    try:
        text = Path(path).read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        reason = getattr(exc, "strerror", None) or "not UTF-8 text"
        raise InputError(f"Cannot read {path}: {reason}.") from None
    try:
        data = json.loads(text)
    except ValueError:
        try:
            data = [json.loads(line) for line in text.splitlines() if line.strip()]
        except ValueError:
            raise InputError(
                f"{path} is not a ClinicalTrials.gov JSON download (it does not parse as JSON)."
            ) from None
    if isinstance(data, dict):
        data = data.get("studies") if "studies" in data else [data]
    studies = [s for s in data if isinstance(s, dict) and nct_id_of(s)] if isinstance(data, list) else []
    if not studies:
        raise InputError(f"{path} holds no ClinicalTrials.gov study records.")
    return studies


def import_download(store: Store, path: Path) -> int:
    """Load a JSON download into the store; returns how many studies it held."""
    studies = read_download(path)
    ensure_current_classification(store)
    versions = [
        str(((s.get("derivedSection") or {}).get("miscInfoModule") or {}).get("versionHolder") or "")
        for s in studies
    ]
    mtime = datetime.fromtimestamp(Path(path).stat().st_mtime, timezone.utc)
    data_timestamp = max(versions) or mtime.strftime("%Y-%m-%dT%H:%M:%S")
    now = utc_now()
    with store.writing() as writer:
        for study in studies:
            writer.put(study, classified(study), is_full=True,
                       data_timestamp=data_timestamp, fetched_at=now)
        writer.set_meta(
            data_timestamp=data_timestamp,
            fetched_at=now,
            source=f"import of {Path(path).name}",
            classifier_version=classify.CLASSIFIER_VERSION,
        )
    return len(studies)
