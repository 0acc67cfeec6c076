"""The public face of the package: load what is stored, refresh it, import a file.

The CLI and the page call these and nothing lower, so both behave alike.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pandas as pd

from . import changes as _changes
from . import compare as _compare
from . import geo, nearby, plain
from .api import Client
from .eligibility import Criteria, criteria_of
from .config import Settings
from .errors import InputError
from .records import Site, read_trial
from .refresh import (ImportResult, Progress, RefreshResult, ensure_current_classification,
                      import_download)
from .refresh import refresh as _refresh
from .store import NewStudy, StatusChange, Store, StoredStudy, StoreInfo
from .table import build_table

STALE_AFTER = timedelta(hours=24)  # ClinicalTrials.gov publishes new data daily


@dataclass(frozen=True)
class Snapshot:
    """Everything a reader of the store needs: the table and how fresh it is."""

    table: pd.DataFrame
    info: StoreInfo
    changes: tuple[StatusChange, ...]
    notice: str | None  # something the user must be told about the store itself
    criteria: Mapping[str, Criteria] = field(default_factory=dict)  # for the pre-screen, by NCT id
    sites: Mapping[str, tuple[Site, ...]] = field(default_factory=dict)  # for "near me", by NCT id
    new_studies: tuple[NewStudy, ...] = ()  # first stored after tracking began

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
        criteria={s.nct_id: criteria_of(s.record) for s in studies},
        sites={s.nct_id: read_trial(s.record).sites for s in studies},
        new_studies=tuple(store.new_studies(ids)),
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


# -- near me, what changed, side by side -----------------------------------------

def near(snapshot: Snapshot, df: pd.DataFrame, place: str, within_km: object = None) -> nearby.Near:
    """``df`` ranked by the distance from ``place`` ("Milan, Italy") to each study's nearest
    open site; InputError for a place or distance that cannot be used."""
    within = nearby.parse_within(within_km)
    return nearby.rank(df, snapshot.sites, geo.locate(place), within)


def site_points(snapshot: Snapshot, df: pd.DataFrame) -> pd.DataFrame:
    """Every placed site of the studies in ``df``, for the map."""
    return nearby.map_points(nearby.all_sites(df, snapshot.sites))


def changes(snapshot: Snapshot, since: object = None) -> list[_changes.Change]:
    """New studies and status changes seen after ``since`` (a date; all when None)."""
    return _changes.changes_since(snapshot.table, snapshot.changes, snapshot.new_studies,
                                  _changes.parse_since(since))


def mark_changed(df: pd.DataFrame, found: list[_changes.Change]) -> pd.DataFrame:
    """``df`` with the ``changed`` column (new study, or old → new status, with the date)."""
    return _changes.mark_changed(df, found)


def changes_line(found: list[_changes.Change], since_words: str) -> str | None:
    """'Since 2025-10-01: 2 new studies, 1 now recruiting, 1 completed.', or None."""
    return _changes.summary_line(found, since_words)


def feed(snapshot: Snapshot, since: object = None) -> bytes:
    """The Atom feed of those changes."""
    info = snapshot.info
    return _changes.atom_feed(changes(snapshot, since),
                              updated=info.fetched_at or info.data_timestamp or "1970-01-01",
                              data_age=plain.store_age(info))


def compare(settings: Settings, snapshot: Snapshot, ids: object, place: str | None = None) -> pd.DataFrame:
    """The side-by-side table of 2 to 4 studies (validated ids, in the given order), with
    each study's nearest open site when a place is given."""
    wanted = _compare.parse_ids(ids)
    known = set(snapshot.table["nct_id"])
    missing = [i for i in wanted if i not in known]
    if missing:
        raise InputError(f"{', '.join(missing)} {'is' if len(missing) == 1 else 'are'} not among the "
                         "MS stem-cell studies in the local data; choose studies from the list.")
    store = open_store(settings)
    studies = [store.study(i) for i in wanted]
    nearest = None
    if place:
        nearest = {}
        chosen = snapshot.table[snapshot.table["nct_id"].isin(wanted)]
        for site in near(snapshot, chosen, place).sites:
            nearest.setdefault(site.nct_id, f"{site.name}: {site.distance_text}, {site.status_text.lower()}")
    return _compare.comparison([s for s in studies if s is not None], snapshot.table, nearest)
