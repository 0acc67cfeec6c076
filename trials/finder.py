"""The public face of the package: load what is stored, refresh it, import a file.

The CLI and the page call these and nothing lower, so both behave alike.

Updates, one at a time for everyone: every refresh and import takes the store's
update lock (a lock file; see ``Store.update_lock``), so two processes never
fetch at once. A caller that has to wait re-reads the store when it gets the
lock, and does not fetch again if another update brought the data meanwhile.
The page's visitors share one ``Updater`` per process, so ten visitors on
day-old data start one refresh, not ten.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pandas as pd

from . import bundled, geo, nearby, plain
from . import changes as _changes
from . import compare as _compare
from .api import Client
from .check import Check, run_checks
from .classify import CLASSIFIER_VERSION
from .eligibility import Criteria, criteria_of
from .config import Settings
from .errors import InputError, TrialsError, UpdateRunning
from .records import Site, read_trial
from .refresh import (ImportResult, Progress, RefreshResult, ensure_current_classification,
                      import_download)
from .refresh import refresh as _refresh
from .store import NewStudy, StatusChange, Store, StoredStudy, StoreInfo
from .table import build_table

STALE_AFTER = timedelta(hours=24)  # ClinicalTrials.gov publishes new data daily

# The wait policy for the update lock. `trials refresh` and imports wait this long for
# another update to finish (a full refresh of the live API takes about 10 s) ...
PATIENT_WAIT = 30.0
# ... while an automatic refresh (search, show, export and the page on day-old data)
# waits only this long and then goes on with the stored data.
BRIEF_WAIT = 3.0
# Seconds ClinicalTrials.gov gets, in all, when stored data could be shown instead.
INTERACTIVE_BUDGET = 8.0


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
    bundled: bool = False  # the copy shipped with the package, not this computer's store

    def is_stale(self, now: datetime | None = None) -> bool:
        return _is_stale(self.info, now)

    @property
    def age(self) -> str:
        """How old the data is, in the words every view and export uses."""
        if self.bundled:
            return plain.bundled_age(self.info.data_timestamp)
        return plain.store_age(self.info)


def _is_stale(info: StoreInfo, now: datetime | None = None) -> bool:
    # A store that an update left empty (the API listed nothing) is fresh all the same.
    checked = info.checked_at or info.fetched_at
    if not checked:
        return True
    moment = datetime.fromisoformat(checked.replace("Z", "+00:00"))
    return (now or datetime.now(timezone.utc)) - moment > STALE_AFTER


_stores: dict[Path, Store] = {}
_stores_lock = threading.Lock()


def open_store(settings: Settings) -> Store:
    """The store, opened (and checked) once per process and shared by its threads."""
    path = settings.store_path.resolve()
    with _stores_lock:
        store = _stores.get(path)
        if store is None or not store.path.exists():
            store = _stores[path] = Store(path)
        return store


def version(settings: Settings) -> tuple:
    """A cheap fingerprint of the stored data: it changes whenever ``load`` would."""
    info = open_store(settings).info()
    return (str(settings.store_path), info.fetched_at, info.checked_at, info.study_count,
            info.data_timestamp, info.source, info.classifier_version, info.imported)


def is_stale(settings: Settings) -> bool:
    return _is_stale(open_store(settings).info())


def load(settings: Settings) -> Snapshot:
    """The stored MS stem-cell studies as a table; never touches the network."""
    store = open_store(settings)
    before = store.info()
    if not before.is_empty and before.classifier_version != CLASSIFIER_VERSION \
            and not store.read_only:
        try:
            with store.update_lock(BRIEF_WAIT):
                ensure_current_classification(store)
        except UpdateRunning:
            pass  # the running update re-labels every study itself
    studies = store.stem_cell_studies()
    ids = {s.nct_id for s in studies}
    info = store.info()
    return _snapshot_of(
        studies, info,
        changes=tuple(store.status_changes(ids)),
        # Once new data is in, the old file set aside is history, not news.
        notice=store.notice if info.is_empty else None,
        new_studies=tuple(store.new_studies(ids)),
    )


def _snapshot_of(
    studies: list[StoredStudy],
    info: StoreInfo,
    *,
    changes: tuple[StatusChange, ...] = (),
    notice: str | None = None,
    new_studies: tuple[NewStudy, ...] = (),
    bundled: bool = False,
) -> Snapshot:
    """The table of these studies, with what the pre-screen and "near me" read of each."""
    return Snapshot(
        table=build_table(studies),
        info=info,
        changes=changes,
        notice=notice,
        criteria={s.nct_id: criteria_of(s.record) for s in studies},
        sites={s.nct_id: read_trial(s.record).sites for s in studies},
        new_studies=new_studies,
        bundled=bundled,
    )


def store_notice(settings: Settings) -> str | None:
    """What the user must be told about the store itself (a damaged file set aside)."""
    return open_store(settings).notice


def load_bundled() -> Snapshot | None:
    """The snapshot shipped with the package, for an empty store and an unreachable API."""
    shipped = bundled.read()
    if shipped is None:
        return None
    count = len(shipped.studies)
    info = StoreInfo(count, count, shipped.data_timestamp, None, None,
                     f"snapshot of ClinicalTrials.gov records bundled with this program "
                     f"(built {shipped.built_at[:10]})", None)
    return _snapshot_of(list(shipped.studies), info, bundled=True)


def study(settings: Settings, nct_id: str) -> StoredStudy | None:
    store = open_store(settings)
    found = store.study(nct_id)
    if found is None and store.info().is_empty:
        shipped = bundled.read()
        found = next((s for s in shipped.studies if s.nct_id == nct_id), None) if shipped else None
    return found


def client(settings: Settings, *, budget: float | None = None) -> Client:
    # One knob for politeness: the pause between requests is also the backoff base.
    interval = settings.request_interval
    if budget is not None:  # no retries either: a retry's backoff would eat the budget
        return Client(settings.api_url, interval=interval, backoff=interval, retries=0,
                      timeout=budget, budget=budget, user_agent=settings.user_agent)
    return Client(settings.api_url, interval=interval, backoff=interval,
                  user_agent=settings.user_agent)


def refresh(
    settings: Settings,
    *,
    full: bool = False,
    progress: Progress | None = None,
    automatic: bool = False,
    budget: float | None = None,
) -> RefreshResult:
    """Update the store from the API; on ApiError the store is left as it was.

    ``automatic`` is for refreshes of day-old data that a reader started: they wait
    ``BRIEF_WAIT`` for another update and skip the fetch when the data turns out to be
    fresh; others wait ``PATIENT_WAIT`` and skip it only when another update finished
    while they waited. Raises UpdateRunning when the wait runs out.
    """
    store = open_store(settings)
    before = store.info().checked_at
    with store.update_lock(BRIEF_WAIT if automatic else PATIENT_WAIT):
        info = store.info()
        if not full and (info.checked_at != before or (automatic and not _is_stale(info))):
            # Another process or thread updated the store while this one waited.
            return RefreshResult("done by another update", info.data_timestamp or "",
                                 0, 0, 0, 0, 0)
        with client(settings, budget=budget) as api:
            return _refresh(store, api, full=full, progress=progress)


def import_file(settings: Settings, path: Path) -> ImportResult:
    store = open_store(settings)
    with store.update_lock(PATIENT_WAIT):
        return import_download(store, path)


def write_bundled(settings: Settings, path: Path | None = None) -> int:
    """``trials snapshot``: the store's MS stem-cell studies, as the package's snapshot."""
    return bundled.write(open_store(settings), path)


def check(settings: Settings) -> list[Check]:
    """``trials check``: the live API answers as this program expects."""
    with client(settings) as api:
        return run_checks(api)


# -- one updater per process, for the page --------------------------------------------


@dataclass(frozen=True)
class UpdateState:
    """What the shared updater is doing, for every visitor to see."""

    running: bool = False
    stage: str = ""
    done: int = 0
    total: int | None = None
    runs: int = 0  # finished updates so far; a page reruns once per finished update
    error: str | None = None  # why the last update failed (shown in a banner)
    busy: bool = False  # the last one found another process updating
    result: RefreshResult | None = None
    finished_at: float = field(default=0.0, compare=False)  # time.monotonic()


class Updater:
    """Runs refreshes for all page sessions of this process, one at a time, in a thread.

    After a failed automatic update, automatic ones pause for ``RETRY_AFTER`` seconds
    (``BUSY_RETRY_AFTER`` when another process was updating), so visitors neither wait
    on a dead API one after another nor hammer it; the Update button always tries.
    """

    RETRY_AFTER = 600.0
    BUSY_RETRY_AFTER = 30.0

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._state = UpdateState()

    @property
    def state(self) -> UpdateState:
        return self._state

    def start(self, *, automatic: bool) -> bool:
        """Start an update unless one is running (or an automatic one failed just now)."""
        with self._lock:
            state = self._state
            if state.running:
                return False
            if automatic and state.error:
                pause = self.BUSY_RETRY_AFTER if state.busy else self.RETRY_AFTER
                if time.monotonic() - state.finished_at < pause:
                    return False
            self._state = replace(state, running=True, stage="Asking ClinicalTrials.gov for news",
                                  done=0, total=None)
            thread = threading.Thread(target=self._run, args=(automatic,),
                                      name="trials-updater", daemon=True)
            thread.start()
            self._thread = thread  # only once started: `wait` may join it at any moment
            return True

    def wait(self, timeout: float) -> UpdateState:
        thread = self._thread
        if thread is not None:
            thread.join(timeout)
        return self._state

    def _progress(self, stage: str, done: int, total: int | None) -> None:
        self._state = replace(self._state, stage=stage, done=done, total=total)

    def _run(self, automatic: bool) -> None:
        error, busy, result = None, False, None
        try:
            result = refresh(self.settings, progress=self._progress, automatic=automatic)
        except UpdateRunning as exc:
            error, busy = str(exc), True
        except TrialsError as exc:
            error = str(exc)
        except Exception as exc:  # noqa: BLE001 - a thread's failure must reach the page as words
            error = f"The update failed unexpectedly ({exc.__class__.__name__}: {exc})."
        with self._lock:
            self._state = UpdateState(running=False, runs=self._state.runs + 1, error=error,
                                      busy=busy, result=result, finished_at=time.monotonic())


_updaters: dict[Path, Updater] = {}


def updater(settings: Settings) -> Updater:
    """The updater every page session of this process shares, for this store."""
    path = settings.store_path.resolve()
    with _stores_lock:
        found = _updaters.get(path)
        if found is None or found.settings != settings:
            found = _updaters[path] = Updater(settings)
        return found



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
    studies = [study(settings, i) for i in wanted]  # the bundled snapshot's too
    nearest = None
    if place:
        nearest = {}
        chosen = snapshot.table[snapshot.table["nct_id"].isin(wanted)]
        for site in near(snapshot, chosen, place).sites:
            nearest.setdefault(site.nct_id, f"{site.name}: {site.distance_text}, {site.status_text.lower()}")
    return _compare.comparison([s for s in studies if s is not None], snapshot.table, nearest)
