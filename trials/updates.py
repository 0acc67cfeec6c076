"""Updating the store: refresh from the registry, import a file, re-label after a classifier
change, and the bundled data a maintainer renews. One update at a time, for everyone.

Every update takes the store's update lock (a lock file; see ``Store.update_lock``), so two
processes never fetch at once. A caller that has to wait re-reads the store when it gets
the lock, and does not fetch again if another update brought the data meanwhile. The
page's visitors share one ``Updater`` per process, so ten visitors on day-old data start
one refresh, not ten.
"""

from __future__ import annotations

import logging
import stat
import tempfile
import threading
import time
from dataclasses import dataclass, field, replace
from pathlib import Path

from . import registries
from .analysis.classify import CLASSIFIER_VERSION, classified
from .config import Settings
from .errors import ApiError, ApiUnavailable, InputError, StoreError, TrialsError, UpdateRunning
from .registries import Check, ImportResult, Progress, RefreshResult
from .snapshot import Snapshot, is_stale_at, read
from .store import bundled
from .store.sqlite import Store, StoreInfo

# The wait policy for the update lock. `trials refresh` and imports wait this long for
# another update to finish (a full refresh of the live API takes about 10 s) ...
PATIENT_WAIT = 30.0
# ... while an automatic refresh (search, show, export and the page on day-old data)
# waits only this long and then goes on with the stored data.
BRIEF_WAIT = 3.0

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
    """A cheap fingerprint of the stored data: it changes whenever loading would."""
    info = open_store(settings).info()
    return (str(settings.store_path), info.fetched_at, info.checked_at, info.study_count,
            info.data_timestamp, info.source, info.classifier_version, info.imported,
            info.others)  # each other registry's dates: an update of ISRCTN alone changes them


def store_notice(settings: Settings) -> str | None:
    """What the reader must be told about the store itself (a damaged file set aside)."""
    return open_store(settings).notice


def labels_are_stale(info: StoreInfo) -> bool:
    """The stored labels come from another version of the classifier."""
    return not info.is_empty and info.classifier_version != CLASSIFIER_VERSION


def needs_update(settings: Settings, info: StoreInfo) -> bool:
    """Whether the page should start its updater: the data is a day old, or the labels are
    another classifier's and the store can be written (a read-only one keeps its labels)."""
    return needs_fetch(settings, info) or (labels_are_stale(info) and not open_store(settings).read_only)


def _relabel(store: Store) -> bool:
    """Classify every stored study again, whatever its registry (offline, in one transaction);
    the caller holds the update lock."""
    if not labels_are_stale(store.info()):
        return False
    with store.writing() as writer:
        for key, record in store.records():
            writer.reclassify(key, classified(registries.read(key.registry, record)))
        writer.set_meta(classifier_version=CLASSIFIER_VERSION)
    return True


def relabel(settings: Settings) -> bool:
    """Re-label the stored studies when the classifier changed; returns whether it did. A
    read-only store, or one that another update holds, is left as it is: that update
    re-labels first itself."""
    store = open_store(settings)
    if store.read_only or not labels_are_stale(store.info()):
        return False
    try:
        with store.update_lock(BRIEF_WAIT):
            return _relabel(store)
    except UpdateRunning:
        return False


def refresh(
    settings: Settings,
    *,
    full: bool = False,
    progress: Progress | None = None,
    automatic: bool = False,
    budget: float | None = None,
) -> RefreshResult:
    """Update the store from the registry; on ApiError the store is left as it was.

    ``automatic`` is for refreshes of day-old data that a reader started: they wait
    ``BRIEF_WAIT`` for another update and skip the fetch when the data turns out to be
    fresh; others wait ``PATIENT_WAIT`` and skip it only when another update finished
    while they waited. Raises UpdateRunning when the wait runs out.

    Each refresh, and each failure, is one line of the ``trials.updates`` log (the page's
    server writes it to stderr: see trials/page).
    """
    started = time.monotonic()
    try:
        result = _refresh(settings, full, progress, automatic, budget)
    except TrialsError as exc:
        _log.warning("refresh failed after %.1f s: %s", time.monotonic() - started, exc)
        raise
    _log.info("refresh %s: %d requests, %d bytes, %d listed, %d fetched in full, %d status changes, "
              "%d removed, %d refused; data of %s; %.1f s", result.mode, result.requests, result.bytes_received,
              result.listed, result.detailed, result.status_changes, result.dropped, result.skipped,
              result.data_timestamp or "none", time.monotonic() - started)
    return result


def _refresh(settings: Settings, full: bool, progress: Progress | None, automatic: bool,
             budget: float | None) -> RefreshResult:
    store = open_store(settings)
    before = _asked_at(store.info(), settings.registries)
    with store.update_lock(BRIEF_WAIT if automatic else PATIENT_WAIT):
        # First, and offline: a refresh writes the current classifier's labels beside the
        # stored ones, and a refresh skipped below still leaves the labels current.
        _relabel(store)
        info = store.info()
        if not full and (_asked_at(info, settings.registries) != before
                         or (automatic and not needs_fetch(settings, info))):
            # Another process or thread updated the store while this one waited.
            return RefreshResult("done by another update", info.data_timestamp or "", 0, 0, 0, 0, 0)
        return _each_registry(store, info, settings, full, progress, budget, automatic)


def _each_registry(store: Store, info: StoreInfo, settings: Settings, full: bool, progress: Progress | None,
                   budget: float | None, automatic: bool) -> RefreshResult:
    """Refresh the registries the settings name, each in its own transactions: one that fails
    keeps its stored data and does not stop the others. ClinicalTrials.gov's failure is raised
    once the others are done (its messages say what to do); another registry's is reported in
    ``problems``. An automatic refresh asks only the registries a day old or never asked in ``info`` (one
    registry down must not make every page load ask the others again); a registry reached
    when the time ``budget`` has run out is not asked, and says so."""
    ends = None if budget is None else time.monotonic() + budget
    results: list[RefreshResult] = []
    failures: dict[str, TrialsError] = {}
    problems: list[str] = []
    for code in settings.registries:
        adapter = registries.REGISTRIES[code]
        if automatic and not full and not _due(code, info):
            continue
        left = None if ends is None else ends - time.monotonic()
        if left is not None and left < MIN_REGISTRY_SECONDS:
            problems.append(f"{adapter.name} was not asked: this update's time ran out. "
                            "Its stored trials stay as they were.")
            continue
        try:
            results.append(adapter.refresh(store, settings, full=full, progress=progress, budget=left))
        except (ApiError, StoreError) as exc:
            failures[code] = exc
            problems.append(f"{exc} Its stored trials stay as they were.")
    main = failures.get(registries.DEFAULT.code) or (next(iter(failures.values())) if not results else None)
    if main is not None:
        # A line per registry (issue 31: with ClinicalTrials.gov down and ISRCTN up, only the
        # failure was said): what the others did stands after it. (``refresh`` logs it.)
        besides = [f"{r.registry} was updated ({r.listed} listed)." for r in results]
        besides += [f"{exc} Its stored trials stay as they were." for exc in failures.values() if exc is not main]
        if besides:
            raise type(main)(" ".join((str(main), *besides))) from main
        raise main
    for code, failure in failures.items():
        _log.warning("refresh of %s failed: %s", registries.REGISTRIES[code].name, failure)
    if not results:
        raise ApiUnavailable(" ".join(problems))
    first, *others = results
    return replace(first, others=tuple(others), problems=tuple(problems))


def _asked_at(info: StoreInfo, codes: tuple[str, ...]) -> tuple[str | None, ...]:
    """When each of the registries was last asked: another update changed one if these differ."""
    return tuple((d.checked_at or d.fetched_at) if (d := info.dates(code)) else None for code in codes)


MIN_REGISTRY_SECONDS = 2.0  # less than this left of a budget: a registry is not asked at all


def _due(code: str, info: StoreInfo) -> bool:
    """Whether registry ``code`` was last asked over a day ago, or never."""
    asked = info.dates(code)
    return asked is None or is_stale_at(asked.checked_at or asked.fetched_at)


def needs_fetch(settings: Settings, info: StoreInfo) -> bool:
    """Whether some registry the settings name was last asked over a day ago, or never."""
    return any(_due(code, info) for code in settings.registries)


def import_file(settings: Settings, path: Path) -> ImportResult:
    """Load a registry's downloaded file into the store. What is not a regular file (a named pipe,
    a device, a folder) is refused before the update lock is taken: reading a pipe nobody writes
    blocked for ever, holding the lock every later update waits for."""
    _regular_file(path)
    store = open_store(settings)
    with store.update_lock(PATIENT_WAIT):
        _relabel(store)
        return registries.adapter_for_file(path).import_file(store, path)


def _regular_file(path: Path) -> None:
    try:
        mode = Path(path).stat().st_mode
    except OSError as exc:
        raise InputError(f"Cannot read {path}: {exc.strerror or exc}.") from None
    if not stat.S_ISREG(mode):
        raise InputError(f"Cannot import {path}: it is not a regular file (a pipe, a device or a folder); "
                         "save the registry's download to a file and import that.")


def read_upload(content: bytes, name: str) -> tuple[Snapshot, ImportResult]:
    """A visitor's uploaded download, read into a snapshot of its own that only this
    visitor sees: it is parsed by the same importer (every check and limit) into a
    throw-away store, and never touches the shared one. Raises TrialsError on a bad file."""
    with tempfile.TemporaryDirectory(prefix="trials-upload-") as folder:
        path = Path(folder) / (Path(name).name or "upload.json")
        path.write_bytes(content)
        store = Store(Path(folder) / "upload.sqlite3")
        result = registries.adapter_for_file(path).import_file(store, path)
        shown = read(store)
    return shown, result


def write_bundled(settings: Settings, path: Path | None = None) -> int:
    """``trials bundle``: the store's MS stem-cell studies, as the package's bundled data."""
    return bundled.write(open_store(settings), path)


def check(settings: Settings) -> list[Check]:
    """``trials check``: each registry's live API the settings name answers as this program
    expects (every check is named after its registry)."""
    return [replace(c, name=f"{registries.REGISTRIES[code].name}: {c.name}") if len(settings.registries) > 1 else c
            for code in settings.registries for c in registries.REGISTRIES[code].check(settings)]


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
    """Runs refreshes (re-labelling first, see ``refresh``) for all page sessions of this
    process, one at a time, in a thread.

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
            # A registry that failed (the whole update, or one of several) is not asked again
            # by every visitor's page load: automatic updates wait a while.
            failed = state.error or (state.result is not None and state.result.problems)
            if automatic and failed:
                pause = self.BUSY_RETRY_AFTER if state.busy else self.RETRY_AFTER
                if time.monotonic() - state.finished_at < pause:
                    return False
            self._state = replace(state, running=True, stage="Asking the registries for news",
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
            # With data on screen, the page's update gives up (and frees the update lock) within
            # UPDATER_BUDGET; a first download may take what it needs, each answer bounded.
            budget = None if open_store(self.settings).info().is_empty else UPDATER_BUDGET
            result = refresh(self.settings, progress=self._progress, automatic=automatic, budget=budget)
        except UpdateRunning as exc:
            error, busy = str(exc), True
        except TrialsError as exc:
            error = str(exc)
        except Exception:  # noqa: BLE001 - a thread's failure must reach the page as words
            # The details are for the operator, in the server's log, not for every visitor.
            _log.exception("The update failed unexpectedly")
            error = ("The update failed unexpectedly; the stored data stays in use. The server's "
                     "log has the details.")
        with self._lock:
            self._state = UpdateState(running=False, runs=self._state.runs + 1, error=error,
                                      busy=busy, result=result, finished_at=time.monotonic())


UPDATER_BUDGET = 120.0  # seconds, requests and waits included: a full listing takes about 15
_updaters: dict[Path, Updater] = {}
_log = logging.getLogger(__name__)


def updater(settings: Settings) -> Updater:
    """The updater every page session of this process shares, for this store."""
    path = settings.store_path.resolve()
    with _stores_lock:
        found = _updaters.get(path)
        if found is None or found.settings != settings:
            found = _updaters[path] = Updater(settings)
        return found
