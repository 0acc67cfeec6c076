"""The public face of the package: load what is stored, refresh it, import a file.

The CLI and the page call these and nothing lower, so both behave alike.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pandas as pd

from .api import Client
from .config import Settings
from .refresh import (ImportResult, Progress, RefreshResult, ensure_current_classification,
                      import_download)
from .refresh import refresh as _refresh
from .store import StatusChange, Store, StoredStudy, StoreInfo
from .table import build_table

STALE_AFTER = timedelta(hours=24)  # ClinicalTrials.gov publishes new data daily


@dataclass(frozen=True)
class Snapshot:
    """Everything a reader of the store needs: the table and how fresh it is."""

    table: pd.DataFrame
    info: StoreInfo
    changes: tuple[StatusChange, ...]
    notice: str | None  # something the user must be told about the store itself

    def is_stale(self, now: datetime | None = None) -> bool:
        checked = self.info.checked_at or self.info.fetched_at
        if self.info.is_empty or not checked:
            return True
        moment = datetime.fromisoformat(checked.replace("Z", "+00:00"))
        return (now or datetime.now(timezone.utc)) - moment > STALE_AFTER


def open_store(settings: Settings) -> Store:
    return Store(settings.store_path)


def load(settings: Settings) -> Snapshot:
    """The stored MS stem-cell studies as a table; never touches the network."""
    store = open_store(settings)
    ensure_current_classification(store)
    studies = store.stem_cell_studies()
    ids = {s.nct_id for s in studies}
    return Snapshot(
        table=build_table(studies),
        info=store.info(),
        changes=tuple(store.status_changes(ids)),
        notice=store.notice,
    )


def study(settings: Settings, nct_id: str) -> StoredStudy | None:
    return open_store(settings).study(nct_id)


def client(settings: Settings) -> Client:
    # One knob for politeness: the pause between requests is also the backoff base.
    interval = settings.request_interval
    return Client(settings.api_url, interval=interval, backoff=interval)


def refresh(settings: Settings, *, full: bool = False, progress: Progress | None = None) -> RefreshResult:
    """Update the store from the API; on ApiError the store is left as it was."""
    store = open_store(settings)
    with client(settings) as api:
        return _refresh(store, api, full=full, progress=progress)


def import_file(settings: Settings, path: Path) -> ImportResult:
    return import_download(open_store(settings), path)
