"""The one search, and the data it runs on.

``search(snapshot, query)`` is the only place that applies a query to the data, always in
this order:

1. the filters (``trials.analysis.filters``) keep the studies that match;
2. the pre-screen adds ``fit`` and ``fit_reasons``, puts likely fits first and, when asked,
   leaves out the studies that do not fit;
3. what changed since the query's moment (by default the 30 days to the last refresh) is
   marked in ``changed``;
4. "near me" ranks the studies by the distance to their nearest open site, within each
   pre-screen verdict (one ordering rule: likely fits first, then nearest) and, with a
   distance, keeps those within it.

The command line and the page both call it and only format its ``Result``, so a link
gives the same rows, in the same order, at both doors.

``current`` and ``choose`` are the one freshness and fallback policy: which data a door
shows (the store, refreshed first when a day old; or, with an empty store and no
registry, the bundled copy) and what it must say about it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta

import pandas as pd

from . import updates
from .analysis import filters, geo, nearby, prescreen
from .analysis.changes import Change, changes_since, mark_changed
from .analysis.nearby import Near, SiteAt
from .analysis.table import Entry
from .config import Settings
from .errors import ApiError, StoreError, TrialsError, UpdateRunning
from .model import StudyId
from .presentation import facts, feed, summary
from .presentation.compare import comparison
from .query import FILTER_WORDS, MIN_COMPARED, Query, Unused
from .snapshot import Snapshot, load_bundled, read, stored_entry

NO_DATA = ("No trial data is stored here yet: update when ClinicalTrials.gov can be reached "
           "(`trials refresh`, or the page's Update), or import a JSON download from its website "
           "(`trials import FILE`, or the page's import box).")
# Seconds the registry gets, in all, when stored data could be shown instead.
INTERACTIVE_BUDGET = 8.0
DEFAULT_SINCE_DAYS = 30


# -- which data ----------------------------------------------------------------------

@dataclass(frozen=True)
class Notice:
    level: str  # "info", "warning" or "error": how strongly a door shows it
    text: str


@dataclass(frozen=True)
class Current:
    """The data a door shows, and what it must tell the reader about it."""

    snapshot: Snapshot
    notices: tuple[Notice, ...] = ()


SHOWING_BUNDLED = "Showing the data shipped with this finder instead."
FETCHING_FIRST = "Fetching the current data from the registries; it takes a minute the first time."


def choose(stored: Snapshot, failure: str | None = None, *, busy: bool = False, updating: bool = False,
           bundled: Callable[[], Snapshot | None] = load_bundled, problems: tuple[str, ...] = ()) -> Current:
    """What to show after an update of ``stored`` failed with ``failure`` (None: it did not
    fail, or was not needed), or while the first one is still ``updating``: the stored data,
    said to be the last good data; with nothing stored, the bundled copy (its age line says
    how old); with neither, the error itself. ``problems``: registries the last update could
    not refresh while others it could (each keeps its stored trials)."""
    notices = [Notice("warning", stored.notice)] if stored.notice else []
    notices += [Notice("warning", problem) for problem in problems]
    if stored.is_empty and (failure is not None or updating):
        shipped = bundled()
        if shipped is not None:
            said = Notice("warning", f"{failure} {SHOWING_BUNDLED}") if failure else Notice("info", FETCHING_FIRST)
            return Current(shipped, (*notices, said))
    if failure is None:
        return Current(stored, tuple(notices))
    if stored.is_empty:
        return Current(stored, (*notices, Notice("error", f"{failure} {NO_DATA}")))
    if busy:  # another update will bring new data soon: no alarm
        return Current(stored, (*notices, Notice("info", f"{failure} Showing the stored data. {stored.age}")))
    return Current(stored, (*notices, Notice("warning", f"{failure} Showing the last good data. {stored.age}")))


def current(settings: Settings, *, offline: bool = False) -> Current:
    """The data for a command: the store, refreshed first when it is more than a day old.

    With stored data, the registry gets ``INTERACTIVE_BUDGET`` seconds in all (a command
    should not hang on a slow API); with none, the refresh is patient. ``offline`` never
    asks the registry. Re-labelling after a classifier change runs first, offline.
    """
    updates.relabel(settings)
    store = updates.open_store(settings)
    stored = read(store)
    failure, busy = None, False
    problems: tuple[str, ...] = ()
    if offline:
        failure = "--offline: the registries were not asked." if stored.is_empty else None
    elif updates.needs_fetch(settings, stored.info):
        try:
            if stored.is_empty:
                result = updates.refresh(settings)
            else:
                result = updates.refresh(settings, automatic=True, budget=INTERACTIVE_BUDGET)
        except (ApiError, UpdateRunning, StoreError) as exc:  # a read-only store is still read
            failure, busy = str(exc), isinstance(exc, UpdateRunning)
        else:
            stored, problems = read(store), result.problems
    return choose(stored, failure, busy=busy, problems=problems)


def load(settings: Settings) -> Snapshot:
    """The stored data as it is: no refresh, no re-labelling, nothing written."""
    return read(updates.open_store(settings))


def entry(settings: Settings, data: Current, study_id: StudyId) -> Entry | None:
    """One study for ``trials show``: any stored MS study (stem-cell or not), or the bundled one."""
    # A listed trial is shown whole (every registry's record of it), by any of its numbers.
    found = data.snapshot.entries.get(data.snapshot.key(study_id.value))
    if found is not None or data.snapshot.bundled:
        return found
    return stored_entry(updates.open_store(settings), study_id)


# -- the search ----------------------------------------------------------------------

@dataclass(frozen=True)
class Since:
    """The moment changes count from, and its words for the summary line."""

    moment: str  # the day; changes seen after its start count
    words: str  # "since 2025-10-01", "in the 30 days to 2025-11-03"


@dataclass(frozen=True)
class Result:
    query: Query  # as used: countries spelled as in the data, values that could not be used left out
    rows: pd.DataFrame  # the studies in order; exactly what the CSV exports
    unused: tuple[Unused, ...]  # every value asked for that the data could not answer (or place not known)
    since: Since
    changes: tuple[Change, ...]  # every change to a study in the data since then (not only the rows')
    near: Near | None  # the ranking by distance, when a known place was given
    comparison: pd.DataFrame | None  # when 2 to 4 known studies were chosen
    empty: str | None  # why nothing matched, when nothing did
    summary: str  # "3 studies, 1 recruiting now, in 2 countries"
    age: str  # how old the data is

    @property
    def shown_changes(self) -> tuple[Change, ...]:
        """The changes to the studies in ``rows``: what the view's counts count."""
        shown = set(self.rows["study_id"])
        return tuple(c for c in self.changes if c.study_id in shown)

    @property
    def changes_line(self) -> str | None:
        """'Since 2025-10-01: 2 new studies, 1 now recruiting.' of the studies shown, or None
        when none of them changed."""
        return feed.summary_line(list(self.shown_changes), self.since.words)


def since_of(snapshot: Snapshot, query: Query) -> Since:
    if query.since:
        return Since(query.since, f"since {query.since}")
    fetched = snapshot.info.fetched_at or datetime.now(UTC).isoformat()
    start = date.fromisoformat(fetched[:10]) - timedelta(days=DEFAULT_SINCE_DAYS)
    return Since(start.isoformat(), f"in the {DEFAULT_SINCE_DAYS} days to {fetched[:10]}")


def _resolve(snapshot: Snapshot, query: Query) -> tuple[Query, list[Unused], geo.Origin | None]:
    """The query with what only the data can check checked (``Query.checked``), and its
    place looked up in the gazetteer."""
    # A trial is found by any of its numbers: another registry's record of it names the same row.
    query = replace(query, study=snapshot.key(query.study) if query.study else query.study,
                    compare=tuple(dict.fromkeys(snapshot.key(i) for i in query.compare)))
    query, unused = query.checked(snapshot.countries, summary.recruiting_countries(snapshot.table),
                                  snapshot.entries)
    origin, not_found = _place(query)
    return query, unused + not_found, origin


def _place(query: Query) -> tuple[geo.Origin | None, list[Unused]]:
    """The query's place in the gazetteer, or why it is not there."""
    if not query.near:
        return None, []
    try:
        return geo.locate(query.near), []
    except TrialsError as exc:
        return None, [Unused("near", str(exc).removesuffix("."))]


def search(snapshot: Snapshot, query: Query) -> Result:
    """The studies ``query`` asks for, in order, with everything the doors say about them."""
    query, unused, origin = _resolve(snapshot, query)
    rows = filters.apply(snapshot.table, query.filters.values())                     # 1
    empty = explain_empty(snapshot.table, query) if rows.empty else None
    if not query.profile.is_empty:                                                   # 2
        rows = prescreen.add_fit(rows, snapshot.criteria, query.profile)
        if query.hide_no_fit:
            rows = prescreen.without_does_not_fit(rows)
            if rows.empty and empty is None:
                empty = ("Every study that matches these filters is left out because it does not fit "
                         "your answers; switch off “Hide studies that do not fit” to see them.")
    since = since_of(snapshot, query)                                                # 3
    found = changes(snapshot, since.moment)
    rows = mark_changed(rows, found)
    near = nearby.rank(rows, snapshot.sites, origin, query.within_km) if origin else None  # 4
    if near is not None:
        rows = near.table
    rows = rows.reset_index(drop=True)
    return Result(
        query=query, rows=rows, unused=tuple(unused), since=since, changes=tuple(found), near=near,
        comparison=_comparison(snapshot, query, origin),
        empty=empty,
        summary=summary.summarize(rows).text, age=snapshot.age,
    )


def _comparison(snapshot: Snapshot, query: Query, origin: geo.Origin | None) -> pd.DataFrame | None:
    if len(query.compare) < MIN_COMPARED:  # the known ones of a link's studies may be fewer
        return None
    nearest: dict[str, str] | None = None
    if origin is not None:
        chosen = snapshot.table[snapshot.table["study_id"].isin(query.compare)]
        nearest = {}
        for site in nearby.rank(chosen, snapshot.sites, origin).sites:  # nearest first
            nearest.setdefault(site.study_id, f"{site.name}: {site.distance_text}, {site.status_text.lower()}")
    return comparison([snapshot.entries[i] for i in query.compare], snapshot.table, nearest)


def explain_empty(table: pd.DataFrame, query: Query) -> str:
    """Why a search found nothing, and which single change would find something."""
    if table.empty:
        return "There are no studies in the local data yet."
    present = summary.counts_by(table, "therapy_types")
    as_of = table["data_timestamp"].dropna().max() or None
    reasons = [facts.registry_sentence(t, 0, as_of) for t in query.filters.therapies if t not in present]
    hints = []
    for name in query.filters.active():
        found = len(filters.apply(table, query.filters.without(name).values()))
        if found:
            hints.append(f"without the {FILTER_WORDS[name]} filter, {found} would match")
    text = " ".join(reasons) or "No study matches all of these filters."
    if hints:
        text += " " + "; ".join(hints).capitalize() + "."
    return text


def changes(snapshot: Snapshot, since: str | None = None) -> list[Change]:
    """The new studies and status changes of the snapshot's studies seen after ``since`` (a day
    or a UTC moment; every one when None), newest first."""
    return changes_since(snapshot.table, snapshot.changes, snapshot.new_studies, since, snapshot.aliases)


def atom(snapshot: Snapshot, found: list[Change] | tuple[Change, ...]) -> bytes:
    """The Atom feed of ``found``, dated by the snapshot."""
    info = snapshot.info
    return feed.atom_feed(list(found), updated=info.fetched_at or info.data_timestamp or "1970-01-01",
                          data_age=snapshot.age)


@dataclass(frozen=True)
class AboutOne:
    """What a search says about one study, for its sheet: its table row (None when it is not
    listed), the patient's verdict and its reasons (only with answers), and its nearest open
    site to the place given (None without a place, or with no open site)."""

    row: pd.Series | None
    fit: tuple[str, str] | None
    answers: prescreen.Profile  # the answers the verdict rests on
    site: SiteAt | None
    place: str  # the place the distance is from, as read; "" without one
    age: str  # the data's age, with its warning when old
    unused: tuple[Unused, ...]  # what the query asked for that the data could not answer


def about_one(snapshot: Snapshot, query: Query, study_id: str) -> AboutOne:
    """The query's answers and place applied to one study, whatever its filters say: steps
    2 and 4 of ``search`` on that study's row alone (a sheet is about that study)."""
    origin, unused = _place(query)
    rows = snapshot.table[snapshot.table["study_id"] == snapshot.key(study_id)]
    if not query.profile.is_empty:
        rows = prescreen.add_fit(rows, snapshot.criteria, query.profile)
    row = rows.iloc[0] if len(rows) else None
    fit = (str(row["fit"]), str(row["fit_reasons"])) if row is not None and "fit" in row else None
    near = nearby.rank(rows, snapshot.sites, origin) if origin else None
    site = near.sites[0] if near and near.sites else None  # its open sites, nearest first
    return AboutOne(row, fit, query.profile, site, origin.label if origin else "", snapshot.age_warned,
                    tuple(unused))
