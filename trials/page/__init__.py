"""The Streamlit page: multiple sclerosis stem-cell trials, for patients and neurologists.

It only lays things out, top to bottom; what it shows comes from the public API
(``trials.search`` and ``trials.presentation``), one module per section. The query lives
in the URL so a search can be shared as a link (``state``). Filters sit at the top of the
main column (a phone hides the sidebar), and a phone gets a compact list instead of the
table (both are sent; CSS shows one).

Run it with ``trials serve``, or ``streamlit run app.py`` in the repository.
"""

from __future__ import annotations

import logging
from dataclasses import replace
from typing import Any

import streamlit as st
from streamlit.runtime.app_session import AppSession

import trials
from trials.presentation import plain, views

from . import card, changes, compare, data, filters, places, results, state

_SHOWN_AS = {"info": st.info, "warning": st.warning, "error": st.error}
_log = logging.getLogger(__name__)

# The server's log: one line per refresh and every failure, on stderr (a service manager
# or container keeps it). Streamlit configures only its own loggers. Set once per process.
class _SafeFormatter(logging.Formatter):
    """Log lines without control characters: an error may quote the registry's answer."""

    def format(self, record: logging.LogRecord) -> str:
        return plain.terminal_safe(super().format(record))


_server_log = logging.getLogger("trials")
if not any(isinstance(h, logging.StreamHandler) for h in _server_log.handlers):
    _handler = logging.StreamHandler()
    _handler.setFormatter(_SafeFormatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    _server_log.addHandler(_handler)
    _server_log.setLevel(logging.INFO)


def _clear_own_state_only(session: Any) -> None:
    """Streamlit's "clear cache" request, which any browser can send over the websocket,
    clears the caches every visitor shares (the data, the drawn views). A visitor may only
    reset their own session."""
    session._session_state.clear()


# Streamlit has no setting for this: replace its handler, if it is still where it was.
# This runs when a session's first script run imports the page, before that run fills any
# cache; until then the caches are empty, so an earlier request has nothing to clear.
if hasattr(AppSession, "_handle_clear_cache_request"):
    AppSession._handle_clear_cache_request = _clear_own_state_only  # type: ignore[method-assign,assignment]


def main() -> None:
    st.set_page_config(page_title="MS stem-cell trial finder", page_icon="🔎", layout="wide",
                       initial_sidebar_state="collapsed")
    try:
        page(trials.Settings.from_env())
    except trials.TrialsError as exc:
        _log.error("The page could not be shown: %s", exc)  # the operator's copy, with its paths
        st.error(plain.md_escape(data.visible(str(exc))))  # it may quote a value from the link


def page(settings: trials.Settings) -> None:
    st.title("Stem-cell therapy trials for multiple sclerosis", anchor=False)
    st.html(views.LAYOUT_CSS)
    st.markdown(f":material/info: {plain.SHORT_DISCLAIMER}")

    # One updater for every visitor of this server: ten visitors on day-old data start
    # one refresh, and the update lock keeps other processes from starting a second.
    updater = trials.updater(settings)
    version = trials.version(settings)
    stored = data.stored(version, settings)
    if trials.needs_update(settings, stored.info):
        updater.start(automatic=True)
    update = updater.state
    failed = update.error if update.error and not update.running else None
    # A registry the last update could not reach, while it refreshed the others.
    problems = update.result.problems if update.result is not None and not update.running else ()
    current = trials.choose(stored, failed, busy=update.busy, updating=update.running, bundled=data.bundled,
                            problems=tuple(data.visible(p) for p in problems))
    snapshot = current.snapshot
    own = data.uploaded()
    if own is not None:  # this visitor's uploaded file, seen by nobody else
        data.uploaded_notice()
        snapshot = own[0]

    top = st.columns([5, 1], vertical_alignment="center")
    # The data's age is shown at reading size, not as a grey caption: it matters.
    if snapshot.bundled or snapshot.age_warned != snapshot.age:
        top[0].warning(plain.md_escape(snapshot.age_warned), icon=":material/history:")
    else:
        top[0].markdown(":material/schedule: " + plain.md_escape(snapshot.age))
    if "import_message" in st.session_state:
        st.success(plain.md_escape(st.session_state.pop("import_message")))
    if top[1].button("Update", icon=":material/refresh:", help="Check the registries for new data"):
        updater.start(automatic=False)
        update = replace(update, running=True)  # follow it, however quickly it ends
    for notice in current.notices:
        _SHOWN_AS[notice.level](plain.md_escape(data.visible(notice.text)))

    if snapshot.is_empty:
        st.warning("There is no trial data on this computer yet. Use **Update** "
                   "to fetch it from ClinicalTrials.gov.")
        data.offer_import(settings)
        data.about(snapshot)
        data.follow_update(updater, update)
        return

    version = (*version, snapshot.bundled) if own is None else own[1]
    query = state.query()
    shown = data.shown(version, snapshot, query)
    result = shown.result
    state.remember_link(result)
    for text in state.notices(result):
        st.warning(plain.md_escape(text), icon=":material/link_off:")
    # The widgets' values are in the session state before the widgets are drawn, so the
    # results are computed and sent first and the filter panels fill their slot above them
    # afterwards: the browser shows results sooner (bench/RESULTS.md).
    panels = st.container()
    st.markdown(plain.md_escape(result.query.describe()))
    changes.banner(st.container(), result)  # "since your last visit", just above the results
    places.near_message(result)
    results.results(result, shown.view, snapshot)
    with panels:
        filters.panels(version, snapshot, result.query)
    state.keep_link_in_step(result.query)
    places.near_sites(result)
    places.sites_map(shown.points, shown.map_spec, len(result.rows))
    compare.section(snapshot, result)
    card.picker(snapshot, result.rows)
    if result.query.study:
        card.dialog(snapshot, result, result.query.study)
    changes.section(snapshot, result)
    data.import_panel(settings)
    data.about(snapshot)
    data.follow_update(updater, update)
