"""The local store: one SQLite file in the cache folder.

It keeps every multiple sclerosis study a registry returned, keyed by the
registry and the study's id there (``trials.model.StudyId``): the record as the
registry sent it, its last update and status, the classification of each, the
registry's data version and when the data was fetched, and a log of status changes
between refreshes. It never reads inside a record: the registry adapters do.
Each study row says where its record came from (``source``: the API, or an
imported file) and carries that source's own data date, so imported data is
never passed off as the API's. SQLite from the standard library gives atomic
writes: a refresh writes inside one transaction, so a refresh that fails halfway
leaves the previous data as it was (and readers keep seeing it meanwhile, thanks
to WAL mode).

A file that is not this store (corrupt, foreign, an older layout, or one that
fails ``PRAGMA quick_check`` on open) is moved aside, never deleted, and a
fresh store takes its place; ``Store.notice`` says what happened so the page
and the CLI can tell the user. Permission problems are not damage: a store in
a read-only folder or file is read, and only writing it is refused, by name.
Updates take ``update_lock`` (a lock file) so that only one runs at a time.
"""

from __future__ import annotations

import json
import os
import sqlite3
from collections.abc import Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from filelock import FileLock, Timeout

from ..config import DEFAULT_REGISTRY
from ..errors import StoreError, UpdateRunning
from ..model import Study, StudyId

SCHEMA_VERSION = "7"
# How long a writer waits for another writer's transaction before giving up. Updates
# also take ``update_lock`` first, so two of them never meet here.
BUSY_TIMEOUT = 10.0
_WRITABLE_HINT = ("Make it writable by this user, or set TRIALS_CACHE_DIR to a folder "
                  "this user can write to.")
_FULL = "the disk is full"
_FULL_HINT = "Free some disk space; nothing stored was changed."

# Where a stored record came from.
API = "api"
FILE = "file"

# The studies table, created new (schema version 5) and rebuilt by the version-4 migration.
_STUDIES = """CREATE TABLE {name} (
    registry TEXT NOT NULL,         -- the registry's code (trials.model.CTGOV ...)
    study_id TEXT NOT NULL,         -- the study's id in that registry
    overall_status TEXT NOT NULL,
    last_update TEXT NOT NULL,
    record TEXT NOT NULL,           -- the registry's record as JSON, as fetched
    is_full INTEGER NOT NULL,       -- 1: the detail record; 0: the slim first-pass record
    labels TEXT NOT NULL,           -- therapy types joined with ';'; '' = not stem-cell
    is_ms INTEGER NOT NULL,
    evidence TEXT NOT NULL,
    data_timestamp TEXT NOT NULL,   -- the registry's data version, or an imported file's date
    fetched_at TEXT NOT NULL,       -- when it was fetched or imported
    first_seen TEXT,                -- when a refresh or import first stored it; NULL: in the
                                    -- first download, or stored before version 2
    source TEXT NOT NULL DEFAULT 'api', -- 'api', or 'file' until a refresh confirms it
    study_role TEXT NOT NULL DEFAULT '', -- what the study does with the therapy (classify.STUDY_ROLES)
    PRIMARY KEY (registry, study_id)
)"""
_STUDY_INDEXES = (
    "CREATE INDEX studies_stem_cell ON studies (registry, study_id) WHERE labels != '' AND is_ms = 1",
    "CREATE INDEX studies_from_file ON studies (registry, study_id) WHERE source = 'file'",
)
# What a lookup of a lead sponsor's other listings found (trials.analysis.flags): kept with
# the store, so a sponsor is looked up once and again only when the answer is old.
_SPONSOR_CHECKS = """CREATE TABLE sponsor_checks (
    registry TEXT NOT NULL,
    sponsor TEXT NOT NULL,          -- the lead sponsor's name, as the registry writes it
    checked_at TEXT NOT NULL,       -- when the registry was asked
    paying TEXT NOT NULL,           -- JSON [[study id, phrase, field], ...] of listings asking to pay
    PRIMARY KEY (registry, sponsor)
)"""
_SCHEMA = (
    "CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
    _SPONSOR_CHECKS,
    _STUDIES.format(name="studies"),
    *_STUDY_INDEXES,
    # Columns in the order the version-4 migration leaves them (it appends ``registry``).
    """CREATE TABLE status_changes (
    study_id TEXT NOT NULL,
    old_status TEXT NOT NULL,
    new_status TEXT NOT NULL,
    seen_at TEXT NOT NULL,          -- when the refresh noticed it
    data_timestamp TEXT NOT NULL,
    registry TEXT NOT NULL DEFAULT 'ctgov'
)""",
)


# Each step turns a store of the version before it into the next one in place, keeping
# every study and change a user has (a store is rebuilt only when it is unreadable).
_IMPORT_WAS_LAST = "(SELECT value FROM meta WHERE key = 'source') LIKE 'import of %'"
_API_ROWS = "EXISTS (SELECT 1 FROM studies WHERE source = 'api')"

MIGRATIONS: dict[str, tuple[str, ...]] = {
    "1": ("ALTER TABLE studies ADD COLUMN first_seen TEXT",),
    # Version 2 did not say where a record came from, and an import stamped the store's
    # meta with the file's date. The rows of the last import carry its fetch time: mark
    # them as from a file, and give the meta back to the API's data (or to nobody).
    "2": (
        "ALTER TABLE studies ADD COLUMN source TEXT NOT NULL DEFAULT 'api'",
        "CREATE INDEX studies_from_file ON studies (nct_id) WHERE source = 'file'",
        f"UPDATE studies SET source = 'file' WHERE {_IMPORT_WAS_LAST} "
        "AND fetched_at = (SELECT value FROM meta WHERE key = 'fetched_at')",
        f"INSERT OR REPLACE INTO meta SELECT 'imported_at', value FROM meta "
        f"WHERE key = 'fetched_at' AND {_IMPORT_WAS_LAST}",
        "INSERT OR REPLACE INTO meta SELECT 'import_file', substr(value, 11) FROM meta "
        "WHERE key = 'source' AND value LIKE 'import of %'",
        "INSERT OR REPLACE INTO meta SELECT 'data_timestamp', max(data_timestamp) FROM studies "
        f"WHERE source = 'api' AND {_IMPORT_WAS_LAST} HAVING count(*) > 0",
        "INSERT OR REPLACE INTO meta SELECT 'fetched_at', max(fetched_at) FROM studies "
        f"WHERE source = 'api' AND {_IMPORT_WAS_LAST} HAVING count(*) > 0",
        "DELETE FROM meta WHERE key IN ('data_timestamp', 'fetched_at') "
        f"AND {_IMPORT_WAS_LAST} AND NOT {_API_ROWS}",
        "UPDATE meta SET value = 'ClinicalTrials.gov API' "
        f"WHERE key = 'source' AND value LIKE 'import of %' AND {_API_ROWS}",
        "DELETE FROM meta WHERE key = 'source' AND value LIKE 'import of %'",
    ),
    # The study's role is stored with its labels (working it out again for every row of
    # every table cost seconds at 100x). Forgetting the classifier version makes the next
    # load re-label every study, which fills it in.
    "3": (
        "ALTER TABLE studies ADD COLUMN study_role TEXT NOT NULL DEFAULT ''",
        "DELETE FROM meta WHERE key = 'classifier_version'",
    ),
    # A study is known by its registry and its id there, so that a second registry's
    # records can be stored beside ClinicalTrials.gov's; every study stored so far is one
    # of ClinicalTrials.gov's. SQLite cannot change a primary key in place: rebuild.
    "4": (
        _STUDIES.format(name="studies_5"),
        "INSERT INTO studies_5 SELECT 'ctgov', nct_id, overall_status, last_update, record, is_full, "
        "labels, is_ms, evidence, data_timestamp, fetched_at, first_seen, source, study_role FROM studies",
        "DROP TABLE studies",
        "ALTER TABLE studies_5 RENAME TO studies",
        *_STUDY_INDEXES,
        "ALTER TABLE status_changes RENAME COLUMN nct_id TO study_id",
        "ALTER TABLE status_changes ADD COLUMN registry TEXT NOT NULL DEFAULT 'ctgov'",
    ),
    "5": (_SPONSOR_CHECKS,),
    # Every registry's meta under "code:key" (ClinicalTrials.gov's had the plain keys, from
    # before other registries): one way to write and read a registry's dates (issue 28).
    "6": ("UPDATE meta SET key = 'ctgov:' || key WHERE key IN ('data_timestamp', 'fetched_at', 'checked_at', "
          "'source', 'api_version', 'listed_with', 'detailed_with')",),
}


def utc_now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass(frozen=True)
class StoredStudy:
    id: StudyId
    record: dict  # the registry's record, as fetched (its adapter reads it into a Study)
    is_full: bool
    labels: tuple[str, ...]
    is_ms: bool
    evidence: str
    data_timestamp: str  # the API's dataTimestamp, or the imported file's date
    fetched_at: str
    source: str = API  # API, or FILE until a refresh confirms the study
    study_role: str = ""  # classify.STUDY_ROLES, or "" for a study that names no therapy
    overall_status: str = ""  # the status stored with it (a status read from dates may move on)


@dataclass(frozen=True)
class StatusChange:
    id: StudyId
    old_status: str
    new_status: str
    seen_at: str
    data_timestamp: str


@dataclass(frozen=True)
class Imported:
    """Stored studies whose record came from an imported file and that no refresh
    has confirmed yet: the data-age line must name them and their own date."""

    studies: int
    stem_cell: int  # of them, MS stem-cell studies (what the page and CLI show)
    oldest: str  # their data dates: the file's versionHolder, or the file's date
    newest: str
    imported_at: str | None  # when the last file was imported
    file: str | None  # its name


@dataclass(frozen=True)
class NewStudy:
    id: StudyId
    first_seen: str  # when a refresh or import first stored it


# The registry whose dates ``StoreInfo`` names directly (the data-age line leads with it);
# its meta is kept like every other registry's (``Writer.set_registry_meta``).
MAIN_REGISTRY = DEFAULT_REGISTRY


@dataclass(frozen=True)
class RegistryDates:
    """How fresh one registry's stored data is: each registry is asked on its own, and the
    data-age line gives each its own date."""

    registry: str
    data_timestamp: str | None  # the registry's data version, or when it was asked
    fetched_at: str | None  # when that data arrived here
    checked_at: str | None  # when the registry was last asked whether anything changed
    source: str | None  # "ISRCTN API at https://..."


@dataclass(frozen=True)
class StoreInfo:
    """What the store holds and how fresh it is."""

    study_count: int
    stem_cell_count: int
    # The main registry's (MAIN_REGISTRY) dates, as in ``others`` for the rest:
    data_timestamp: str | None  # its API's, at the last refresh (None before the first)
    fetched_at: str | None  # when that data arrived here
    checked_at: str | None  # when the API was last asked whether anything changed
    source: str | None  # "ClinicalTrials.gov API ..."
    classifier_version: str | None
    imported: Imported | None = None  # None when every record came from the API
    tracking_since: str | None = None  # new studies are known from this moment on
    others: tuple[RegistryDates, ...] = ()  # the other registries asked so far, by code

    @property
    def is_empty(self) -> bool:
        return self.study_count == 0

    def dates(self, registry: str) -> RegistryDates | None:
        """One registry's dates (None: never asked), the main one's like any other's."""
        if registry == MAIN_REGISTRY:
            main = RegistryDates(MAIN_REGISTRY, self.data_timestamp, self.fetched_at, self.checked_at, self.source)
            return main if any((self.data_timestamp, self.fetched_at, self.checked_at)) else None
        return next((d for d in self.others if d.registry == registry), None)


@dataclass(frozen=True)
class SponsorCheck:
    """A lookup of a lead sponsor's other listings: which ask participants to pay."""

    sponsor: str
    checked_at: str
    paying: tuple[tuple[str, ...], ...]  # (study id, phrase, field)


@dataclass(frozen=True)
class Classified:
    """What the store needs to know of a classification (see trials.classify)."""

    labels: tuple[str, ...]
    is_ms: bool
    evidence: str
    study_role: str = ""


class Store:
    """The store file, opened once per process (see ``finder.open_store``).

    Every read and write opens its own connection, so one ``Store`` serves many threads.
    ``read_only`` says why the store cannot be written, when it cannot (a read-only file
    or folder); such a store is still read.
    """

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self.notice: str | None = None
        self.read_only: str | None = None
        self.unreadable: set[StudyId] = set()  # rows whose record no longer parses, seen by reads
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise StoreError(f"Cannot create the cache folder {self.path.parent} "
                             f"({exc.strerror}). {_WRITABLE_HINT}") from None
        self._prepare()

    # -- opening ------------------------------------------------------------

    def _connect(self) -> sqlite3.Connection:
        target, uri = str(self.path), False
        if self.read_only:
            # A read-only folder cannot hold SQLite's -wal/-shm files, nor a full disk grow
            # them; nobody can write there either, so the file is read as immutable.
            cannot_grow = self.read_only == _FULL or not os.access(self.path.parent, os.W_OK)
            immutable = "&immutable=1" if cannot_grow else ""
            target, uri = f"{self.path.resolve().as_uri()}?mode=ro{immutable}", True
        try:
            conn = sqlite3.connect(target, uri=uri, timeout=BUSY_TIMEOUT, isolation_level=None)
        except sqlite3.Error as exc:
            raise self._error(exc, "opened") from None
        conn.row_factory = sqlite3.Row
        return conn

    def _prepare(self) -> None:
        exists = self.path.exists()
        if exists and not os.access(self.path, os.R_OK):
            raise StoreError(f"Permission denied: this user cannot read the local store "
                             f"{self.path}. {_WRITABLE_HINT}")
        if not os.access(self.path.parent, os.W_OK):
            if not exists:
                raise StoreError(f"Permission denied: cannot create the local store in "
                                 f"{self.path.parent}. {_WRITABLE_HINT}")
            self.read_only = f"its folder {self.path.parent} is read-only"
        elif exists and not os.access(self.path, os.W_OK):
            self.read_only = f"the file {self.path} is read-only"
        try:
            with closing(self._connect()) as conn:
                if not self.read_only and not _tables(conn):
                    self._create(conn)
                self._check(conn)
        except sqlite3.DatabaseError as exc:
            if _kind(exc) == "full" and exists and not self.read_only and not _has_wal(self.path):
                # Opening needs room for SQLite's shared-memory file. The store itself is
                # whole (its write-ahead log is empty), so it is read as it is.
                self.read_only = _FULL
                self._prepare()
                return
            if _kind(exc) != "damaged":
                raise self._error(exc, "opened") from None
            self._set_aside(str(exc))
            self._prepare()

    def _create(self, conn: sqlite3.Connection) -> None:
        """Tables for an empty file. Several processes may open a new store at once (SQLite
        answers a concurrent switch to WAL with "locked" at once, without waiting): the
        update lock queues them, and only the first finds no tables and creates them."""
        with self.update_lock(BUSY_TIMEOUT):
            if _tables(conn):
                return
            conn.execute("PRAGMA journal_mode=WAL")  # readers never wait for a writer
            conn.execute("BEGIN IMMEDIATE")
            try:
                for statement in _SCHEMA:
                    conn.execute(statement)
                conn.execute("INSERT INTO meta VALUES ('schema_version', ?)", (SCHEMA_VERSION,))
                conn.execute("COMMIT")
            finally:
                if conn.in_transaction:
                    conn.execute("ROLLBACK")

    def _check(self, conn: sqlite3.Connection) -> None:
        """Is this our store, and are its pages sound? ``quick_check`` reads every page
        once (milliseconds for this store) and finds damage that a first query would not."""
        row = conn.execute(
            "SELECT value FROM meta WHERE key = 'schema_version'"
        ).fetchone() if "meta" in _tables(conn) else None
        if row is not None and row[0] in MIGRATIONS:
            if self.read_only:
                raise StoreError(f"The local store {self.path} has an older layout and cannot "
                                 f"be upgraded because {self.read_only}. {self._hint()}")
            self._migrate(conn, row[0])
        elif row is not None and row[0].isdigit() and int(row[0]) > int(SCHEMA_VERSION):
            # A newer program's store is not damage: never move it aside or replace it.
            raise StoreError(f"The local store {self.path} was written by a newer version of this program "
                             f"(store layout {row[0]}; this one reads {SCHEMA_VERSION}). Upgrade this "
                             "program; the store was left untouched.")
        elif row is None or row[0] != SCHEMA_VERSION:
            raise _Damaged("not a store of this version of the finder")
        problems = [r[0] for r in conn.execute("PRAGMA quick_check(3)")]
        if problems != ["ok"]:
            raise _Damaged("damaged: " + "; ".join(problems))

    def _migrate(self, conn: sqlite3.Connection, version: str) -> None:
        """Bring an older store up to this version in one transaction (all or nothing)."""
        try:
            conn.execute("BEGIN IMMEDIATE")
            # Another process may have migrated it while this one waited for the lock.
            version = conn.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()[0]
            while version in MIGRATIONS:
                for statement in MIGRATIONS[version]:
                    conn.execute(statement)
                version = str(int(version) + 1)
            # Studies stored before first_seen existed stay NULL (not new): tracking starts now.
            conn.execute("INSERT OR IGNORE INTO meta VALUES ('tracking_since', ?)", (utc_now(),))
            conn.execute("UPDATE meta SET value = ? WHERE key = 'schema_version'", (version,))
            conn.execute("COMMIT")
        finally:
            if conn.in_transaction:
                conn.execute("ROLLBACK")

    def _hint(self) -> str:
        return _FULL_HINT if self.read_only == _FULL else _WRITABLE_HINT

    def _check_writable(self) -> None:
        """Raises StoreError when the store cannot be written now. A full disk is looked at
        again each time: space may have been freed (a long-running page needs no restart)."""
        if self.read_only == _FULL:
            self.read_only = None
            self._prepare()  # reads it as immutable again while the disk is still full
        if self.read_only == _FULL:
            raise StoreError(f"The local store {self.path} cannot be updated because {_FULL}. "
                             f"It can still be read. {_FULL_HINT}")
        if self.read_only:
            raise StoreError(f"Permission denied: the local store {self.path} cannot be updated "
                             f"because {self.read_only}. It can still be read. {_WRITABLE_HINT}")

    def _set_aside(self, reason: str) -> None:
        """Move a damaged or foreign file out of the way, never delete it."""
        if self.read_only:
            raise StoreError(f"The local store {self.path} cannot be read ({reason}) and "
                             f"cannot be moved aside: {self.read_only}. {self._hint()}")
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
        aside = self.path.with_name(f"{self.path.name}.unreadable-{stamp}")
        try:
            self.path.rename(aside)
        except FileNotFoundError:
            return  # another process set it aside first and told its user
        except OSError as exc:
            raise StoreError(
                f"The local store {self.path} cannot be read ({reason}) and could not be "
                f"moved aside ({exc.strerror}). {_WRITABLE_HINT}"
            ) from None
        for suffix in ("-wal", "-shm"):  # they belong to the old file, not to the new one
            sidecar = Path(f"{self.path}{suffix}")
            if sidecar.exists():
                sidecar.rename(Path(f"{aside}{suffix}"))
        self.notice = (
            f"The local store could not be read ({reason}). It was kept as {aside.name} "
            "and a new, empty store was started: refresh from ClinicalTrials.gov or "
            "import a download to fill it."
        )

    def _error(self, exc: sqlite3.Error, doing: str) -> StoreError:
        """A SQLite error as a message that says what to do."""
        kind = _kind(exc)
        if kind == "busy":
            return StoreError(
                f"The local store {self.path} is busy: another program has been writing to "
                f"it for more than {BUSY_TIMEOUT:.0f} s. Try again in a minute."
            )
        if kind == "full":
            return StoreError(f"The local store {self.path} could not be {doing}: {_FULL}. {_FULL_HINT}")
        if kind == "permission":
            return StoreError(f"Permission denied: the local store {self.path} cannot be "
                              f"{doing} ({exc}). {_WRITABLE_HINT}")
        if kind == "damaged":
            # Found after the open-time check: set it aside now, so the next run starts clean.
            try:
                self._set_aside(str(exc))
            except StoreError as error:
                return error
            return StoreError(f"The local store {self.path} turned out to be damaged ({exc}); "
                              "it was set aside. Run `trials refresh` to fetch the data again.")
        return StoreError(f"The local store {self.path} could not be {doing} ({exc}).")

    @contextmanager
    def _reading(self) -> Iterator[sqlite3.Connection]:
        try:
            with closing(self._connect()) as conn:
                yield conn
        except sqlite3.DatabaseError as exc:
            raise self._error(exc, "read") from None

    # -- reading ------------------------------------------------------------

    def info(self) -> StoreInfo:
        with self._reading() as conn:
            meta = dict(conn.execute("SELECT key, value FROM meta").fetchall())
            # Two subqueries, so SQLite counts from its indexes instead of scanning records.
            total, stem = conn.execute(
                "SELECT (SELECT count(*) FROM studies), "
                "(SELECT count(*) FROM studies WHERE labels != '' AND is_ms = 1)"
            ).fetchone()
            files, files_stem, oldest, newest = conn.execute(
                "SELECT count(*), coalesce(sum(labels != '' AND is_ms = 1), 0), "
                "min(data_timestamp), max(data_timestamp) FROM studies WHERE source = 'file'"
            ).fetchone()
        imported = Imported(files, files_stem, oldest, newest, meta.get("imported_at"),
                            meta.get("import_file")) if files else None
        dates = _registry_dates(meta)
        main = next((d for d in dates if d.registry == MAIN_REGISTRY),
                    RegistryDates(MAIN_REGISTRY, None, None, None, None))
        return StoreInfo(
            study_count=total,
            stem_cell_count=stem,
            data_timestamp=main.data_timestamp,
            fetched_at=main.fetched_at,
            checked_at=main.checked_at,
            source=main.source,
            classifier_version=meta.get("classifier_version"),
            imported=imported,
            tracking_since=meta.get("tracking_since"),
            others=tuple(d for d in dates if d.registry != MAIN_REGISTRY),
        )

    def registry_meta(self, registry: str) -> dict[str, str]:
        """What is kept about one registry (``Writer.set_registry_meta``)."""
        with self._reading() as conn:
            rows = conn.execute("SELECT key, value FROM meta WHERE key LIKE ? ESCAPE '\\'",
                                (registry.replace("_", "\\_") + ":%",)).fetchall()
        return {key.split(":", 1)[1]: value for key, value in rows}

    def stem_cell_studies(self) -> list[StoredStudy]:
        """Every stored multiple sclerosis stem-cell study."""
        return self._studies("WHERE labels != '' AND is_ms = 1")

    def studies_with_role(self, role: str) -> list[StoredStudy]:
        """Multiple sclerosis studies of one study role (classify.STUDY_ROLES), labelled or not:
        laboratory studies carry no label and are read by role."""
        return self._studies("WHERE is_ms = 1 AND study_role = ?", (role,))

    def studies_of(self, registry: str) -> list[StoredStudy]:
        """Every stored study of one registry."""
        return self._studies("WHERE registry = ?", (registry,))

    def study(self, study_id: StudyId) -> StoredStudy | None:
        found = self._studies("WHERE registry = ? AND study_id = ?", (study_id.registry, study_id.value))
        return found[0] if found else None

    def _studies(self, where: str, args: tuple = ()) -> list[StoredStudy]:
        """The rows as studies; a row whose record no longer parses is left out and named in
        ``unreadable`` (reading stays total: one bad row never hides the others)."""
        with self._reading() as conn:
            rows = conn.execute(f"SELECT * FROM studies {where} ORDER BY registry, study_id", args).fetchall()
        records = {}
        for r in rows:
            record = _record(r["record"])
            self._note_readable(StudyId(r["registry"], r["study_id"]), record is not None)
            if record is not None:
                records[(r["registry"], r["study_id"])] = record
        return [
            StoredStudy(
                id=StudyId(r["registry"], r["study_id"]),
                record=records[(r["registry"], r["study_id"])],
                is_full=bool(r["is_full"]),
                labels=tuple(x for x in r["labels"].split(";") if x),
                is_ms=bool(r["is_ms"]),
                evidence=r["evidence"],
                data_timestamp=r["data_timestamp"],
                fetched_at=r["fetched_at"],
                source=r["source"],
                study_role=r["study_role"],
                overall_status=r["overall_status"],
            )
            for r in rows if (r["registry"], r["study_id"]) in records
        ]

    def _note_readable(self, key: StudyId, readable: bool) -> None:
        """Keep ``unreadable`` current: a row mended by a later write (a full refresh) leaves it."""
        (self.unreadable.discard if readable else self.unreadable.add)(key)

    def records(self) -> Iterator[tuple[StudyId, dict]]:
        """(id, record) of every stored study, for re-classifying."""
        with self._reading() as conn:
            for r in conn.execute("SELECT registry, study_id, record FROM studies"):
                record = _record(r[2])
                self._note_readable(StudyId(r[0], r[1]), record is not None)
                if record is not None:
                    yield StudyId(r[0], r[1]), record

    def sponsor_checks(self, registry: str) -> dict[str, SponsorCheck]:
        """The lead sponsor's name -> what the last lookup of its other listings found."""
        with self._reading() as conn:
            rows = conn.execute("SELECT sponsor, checked_at, paying FROM sponsor_checks WHERE registry = ?",
                                (registry,)).fetchall()
        return {r[0]: SponsorCheck(r[0], r[1], tuple(tuple(p) for p in json.loads(r[2]))) for r in rows}

    def imported_ids(self, registry: str | None = None) -> set[StudyId]:
        """Studies whose stored record came from a file and awaits a refresh's confirmation."""
        return {i for i in self._ids("source = 'file'") if registry is None or i.registry == registry}

    def last_updates(self, registry: str) -> dict[str, tuple[str, bool]]:
        """The registry's study id -> (last update date, is the stored record the full one)."""
        with self._reading() as conn:
            return {
                r[0]: (r[1], bool(r[2]))
                for r in conn.execute("SELECT study_id, last_update, is_full FROM studies "
                                      "WHERE registry = ?", (registry,))
            }

    def _ids(self, where: str) -> set[StudyId]:
        with self._reading() as conn:
            return {StudyId(r[0], r[1]) for r in conn.execute(f"SELECT registry, study_id FROM studies WHERE {where}")}

    def status_changes(self, ids: set[StudyId] | None = None) -> list[StatusChange]:
        """Status changes seen by refreshes, newest first."""
        with self._reading() as conn:
            rows = conn.execute(
                "SELECT registry, study_id, old_status, new_status, seen_at, data_timestamp "
                "FROM status_changes ORDER BY seen_at DESC, registry, study_id"
            ).fetchall()
        changes = (StatusChange(StudyId(r[0], r[1]), *r[2:]) for r in rows)
        return [c for c in changes if ids is None or c.id in ids]

    def new_studies(self, ids: set[StudyId] | None = None) -> list[NewStudy]:
        """Studies that arrived after the first download (or the migration), newest first."""
        with self._reading() as conn:
            rows = conn.execute(
                "SELECT registry, study_id, first_seen FROM studies WHERE first_seen IS NOT NULL "
                "ORDER BY first_seen DESC, registry, study_id"
            ).fetchall()
        found = (NewStudy(StudyId(r[0], r[1]), r[2]) for r in rows)
        return [n for n in found if ids is None or n.id in ids]

    # -- writing ------------------------------------------------------------

    @contextmanager
    def writing(self) -> Iterator[Writer]:
        """One transaction: all of it lands, or none of it does.

        A second writer waits up to ``BUSY_TIMEOUT`` for the first, then gets a StoreError.
        A ``BEGIN`` that failed opened no transaction, so there is nothing to roll back.
        """
        self._check_writable()
        conn = self._connect()
        try:
            conn.execute("BEGIN IMMEDIATE")
            try:
                yield Writer(conn)
                conn.execute("COMMIT")
            finally:
                if conn.in_transaction:  # the body failed, or COMMIT did
                    conn.execute("ROLLBACK")
        except sqlite3.DatabaseError as exc:
            raise self._error(exc, "updated") from None
        finally:
            conn.close()

    @contextmanager
    def update_lock(self, wait: float) -> Iterator[None]:
        """One update at a time for every process and thread using this store.

        Waits up to ``wait`` seconds for another update to finish, then raises UpdateRunning.
        The lock is a file beside the store (``filelock``); the operating system releases
        it when its holder dies, so a killed refresh never leaves it stuck.
        """
        self._check_writable()
        lock = FileLock(f"{self.path}.lock", thread_local=False)
        try:
            lock.acquire(timeout=wait)
        except Timeout:
            raise UpdateRunning(
                "An update from ClinicalTrials.gov is already running (started by another "
                f"command or by the page) and did not finish within {wait:.0f} s. The stored "
                "data stays usable; its new data will be there when it is done."
            ) from None
        except OSError as exc:
            raise StoreError(f"Cannot create the update lock beside {self.path} "
                             f"({exc.strerror}). {_WRITABLE_HINT}") from None
        try:
            yield
        finally:
            lock.release()


def _registry_dates(meta: dict[str, str]) -> list[RegistryDates]:
    """The dates of each registry that keeps its meta under "code:key"."""
    codes = sorted({key.split(":", 1)[0] for key in meta if ":" in key})
    return [RegistryDates(code, *(meta.get(f"{code}:{k}") for k in ("data_timestamp", "fetched_at",
                                                                        "checked_at", "source")))
            for code in codes]


def _record(text: str) -> dict | None:
    """A stored record, or None when the row no longer holds a JSON object."""
    try:
        record = json.loads(text)
    except (ValueError, TypeError, RecursionError):
        return None
    return record if isinstance(record, dict) else None


class _Damaged(sqlite3.DatabaseError):
    """A file that opens but is not a sound store of this version."""


def _tables(conn: sqlite3.Connection) -> set[str]:
    return {r[0] for r in conn.execute("SELECT name FROM sqlite_master")}


def _has_wal(path: Path) -> bool:
    """Does the store's write-ahead log hold pages (committed data not yet in the file)?"""
    try:
        return Path(f"{path}-wal").stat().st_size > 0
    except OSError:
        return False


def _kind(exc: sqlite3.Error) -> str:
    """busy, permission, full, damaged or other: what the user can do differs for each."""
    if isinstance(exc, _Damaged):
        return "damaged"
    name = getattr(exc, "sqlite_errorname", "") or ""
    text = str(exc).lower()
    # SQLite says "disk I/O error" when the shared-memory file cannot grow on a full disk.
    if name in ("SQLITE_FULL", "SQLITE_IOERR_SHMSIZE") or "disk is full" in text:
        return "full"
    if name.startswith(("SQLITE_BUSY", "SQLITE_LOCKED")) or "locked" in text:
        return "busy"
    if name.startswith(("SQLITE_READONLY", "SQLITE_PERM", "SQLITE_CANTOPEN", "SQLITE_AUTH")) \
            or "readonly" in text or "unable to open" in text:
        return "permission"
    if name.startswith(("SQLITE_CORRUPT", "SQLITE_NOTADB")) or "malformed" in text \
            or "not a database" in text:
        return "damaged"
    return "other"


class Writer:
    """Writes inside one open transaction of ``Store.writing``."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self._conn = conn
        self.seen: set[StudyId] = set()
        # Status and last update of each touched study before this transaction, so a
        # study written twice in it (slim then full, or twice in one file) logs at
        # most one change, against what was stored before.
        self._before: dict[StudyId, tuple[str, str] | None] = {}
        self._logged: dict[StudyId, int] = {}  # the rowid of the change logged for a study
        # A registry's first download is the baseline of its studies, not "new" ones: filling an
        # empty store, or a registry added to a store that holds others (issue 21's ISRCTN and
        # CTIS, whose every trial was not news on the day they were added).
        self._baseline: dict[str, bool] = {}
        self._tracking_noted = False

    @property
    def changes(self) -> int:
        return len(self._logged)

    def put(
        self,
        record: dict,
        study: Study,
        classified: Classified,
        *,
        is_full: bool,
        data_timestamp: str,
        fetched_at: str,
        source: str = API,
    ) -> bool:
        """Store a registry's ``record`` (read as ``study``). The API's record always wins (it
        is the registry now); a file's record wins only over an older one (by last update),
        or a file's of the same date. Returns whether it was written."""
        key = study.id
        status, last_update = study.overall_status, study.last_update
        current = self._conn.execute(
            "SELECT overall_status, last_update, source, first_seen FROM studies "
            "WHERE registry = ? AND study_id = ?", (key.registry, key.value)
        ).fetchone()
        if key not in self._before:
            self._before[key] = (current[0], current[1]) if current else None
        self.seen.add(key)
        if key.registry not in self._baseline:
            self._baseline[key.registry] = self._conn.execute(
                "SELECT NOT EXISTS (SELECT 1 FROM studies WHERE registry = ?)", (key.registry,)).fetchone()[0] == 1
        baseline = self._baseline[key.registry]
        if source == FILE and current is not None:
            # A date after the file's own data date is no date: it must not outrank the stored one.
            claimed = last_update if last_update <= data_timestamp[:10] else ""
            newer = claimed > current[1] or (claimed == current[1] and current[2] == FILE)
            if not newer:
                return False
        self._log_change(key, status, last_update, fetched_at, data_timestamp)
        self._conn.execute(
            "INSERT OR REPLACE INTO studies (registry, study_id, overall_status, last_update, record, "
            "is_full, labels, is_ms, evidence, data_timestamp, fetched_at, first_seen, source, study_role) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                key.registry,
                key.value,
                status,
                last_update,
                json.dumps(record, ensure_ascii=False, separators=(",", ":")),
                int(is_full),
                ";".join(classified.labels),
                int(classified.is_ms),
                classified.evidence,
                data_timestamp,
                fetched_at,
                current[3] if current else (None if baseline else fetched_at),  # new once
                source,
                classified.study_role,
            ),
        )
        if baseline and not self._tracking_noted:
            self._conn.execute("INSERT OR IGNORE INTO meta VALUES ('tracking_since', ?)", (fetched_at,))
            self._tracking_noted = True
        return True

    def _log_change(self, key: StudyId, status: str, last_update: str, seen_at: str,
                    data_timestamp: str) -> None:
        if key in self._logged:
            self._conn.execute("DELETE FROM status_changes WHERE rowid = ?", (self._logged.pop(key),))
        before = self._before[key]
        # An older record (an import of an old download) is no change in the study.
        if before and before[0] and status and before[0] != status and last_update >= before[1]:
            cursor = self._conn.execute(
                "INSERT INTO status_changes (registry, study_id, old_status, new_status, seen_at, "
                "data_timestamp) VALUES (?, ?, ?, ?, ?, ?)",
                (key.registry, key.value, before[0], status, seen_at, data_timestamp),
            )
            self._logged[key] = cursor.lastrowid or 0

    def reclassify(self, key: StudyId, classified: Classified) -> None:
        self._conn.execute(
            "UPDATE studies SET labels = ?, is_ms = ?, evidence = ?, study_role = ? "
            "WHERE registry = ? AND study_id = ?",
            (";".join(classified.labels), int(classified.is_ms), classified.evidence,
             classified.study_role, key.registry, key.value),
        )

    def keep_only_seen(self, registry: str, *, drop_imported: bool) -> int:
        """Drop the registry's studies this transaction did not see (after a complete
        listing); returns how many. Studies from an imported file go only when
        ``drop_imported``: only a full refresh the user asked for may declare them gone."""
        self._conn.execute("CREATE TEMP TABLE IF NOT EXISTS seen (study_id TEXT PRIMARY KEY)")
        self._conn.execute("DELETE FROM seen")
        self._conn.executemany("INSERT INTO seen VALUES (?)",
                               ((i.value,) for i in self.seen if i.registry == registry))
        cursor = self._conn.execute(
            "DELETE FROM studies WHERE registry = ? AND study_id NOT IN (SELECT study_id FROM seen)"
            + ("" if drop_imported else " AND source != 'file'"), (registry,)
        )
        return cursor.rowcount

    def remaining(self, registry: str, source: str) -> int:
        """How many of the registry's studies from ``source`` (API or FILE) the store holds now."""
        return self._conn.execute("SELECT count(*) FROM studies WHERE registry = ? AND source = ?",
                                  (registry, source)).fetchone()[0]

    def put_sponsor_check(self, registry: str, check: SponsorCheck) -> None:
        self._conn.execute("INSERT OR REPLACE INTO sponsor_checks VALUES (?, ?, ?, ?)",
                           (registry, check.sponsor, check.checked_at, json.dumps([list(p) for p in check.paying])))

    def set_registry_meta(self, registry: str, **values: str) -> None:
        """A registry's meta: ``data_timestamp``, ``fetched_at``, ``checked_at`` and ``source``
        (read back in ``StoreInfo``, the others' in ``StoreInfo.others``), and any of its own keys."""
        self.set_meta(**{f"{registry}:{key}": value for key, value in values.items()})

    def set_meta(self, **values: str) -> None:
        self._conn.executemany(
            "INSERT OR REPLACE INTO meta VALUES (?, ?)", list(values.items())
        )
