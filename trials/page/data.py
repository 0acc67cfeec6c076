"""The data on the page: loaded once per store version and shared by every visitor, the
update every visitor follows, the import box and the "About the data" footer."""

from __future__ import annotations

import tempfile
import uuid
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import pandas as pd
import streamlit as st

import trials
from trials.presentation import map as site_map
from trials.presentation import plain, views


# Shared by every session, never copied: what is cached here is never changed in place.
@st.cache_resource(show_spinner=False, max_entries=2)
def stored(version: tuple, _settings: trials.Settings) -> trials.Snapshot:
    """The stored data, read again only when the store changed (``version``, trials.version)."""
    return trials.load(_settings)


@st.cache_resource(show_spinner=False)
def bundled() -> trials.Snapshot | None:
    return trials.load_bundled()


@dataclass(frozen=True)
class Shown:
    """A search and everything the page draws of it, computed together so that a view
    without personal answers can be kept for the next visitor (most ask the same few)."""

    result: trials.Result
    view: views.View
    points: pd.DataFrame  # the map's sites
    map_spec: dict[str, Any] | None


def _shown(snapshot: trials.Snapshot, query: trials.Query) -> Shown:
    result = trials.search(snapshot, query)
    points = site_map.site_points(result.rows, snapshot.sites)
    origin = result.near.origin if result.near else None
    return Shown(result, views.make_view(result.rows), points, site_map.map_spec(points, origin))


@st.cache_resource(show_spinner=False, max_entries=64)
def _shared(version: tuple, query: trials.Query, _snapshot: trials.Snapshot) -> Shown:
    return _shown(_snapshot, query)


def shown(version: tuple, snapshot: trials.Snapshot, query: trials.Query) -> Shown:
    """The search for ``query`` and what the page draws of it. The drawing (the table, the
    list, the chart and the map: the costly part) of a query without this visitor's answers
    or place is kept for the next visitor, keyed by what decides the rows only; the study
    to open and the comparison are searched for this visitor alone."""
    if query.is_personal or version[0] == "upload":  # nothing of a visitor's own is kept for others
        return _shown(snapshot, query)
    shared = _shared(version, query.shared_part(), snapshot)
    if query == query.shared_part():
        return shared
    return replace(shared, result=trials.search(snapshot, query))


def visible(text: str) -> str:
    """``text`` without the server's folders (plain.for_visitors)."""
    try:
        cache = trials.Settings.from_env().cache_dir
        folders = [str(cache), str(cache.resolve()), str(cache.absolute())]
    except trials.TrialsError:  # the settings themselves are what went wrong: no folder to hide
        folders = []
    return plain.for_visitors(text, [*folders, tempfile.gettempdir(), str(Path(tempfile.gettempdir()).resolve())])


def follow_update(updater: trials.Updater, seen: trials.UpdateState) -> None:
    """Show a running update's progress (the stored data is already on screen), then
    rerun once to show its data or its failure. Every visitor follows the same update.

    ``seen`` is the state this run was drawn with: an update that was running then and
    has finished since still needs the rerun that shows its outcome."""
    if not seen.running and not updater.state.running:
        return
    with st.status("Updating from the registries…", expanded=True) as status:
        bar = st.progress(0.0)
        # Short waits with a Streamlit call between them, so a visitor's click still
        # interrupts this run at once.
        while (state := updater.wait(0.5)).running:
            bar.progress(min(1.0, state.done / state.total) if state.total else 0.0,
                         text=f"{state.stage}: {state.done} of {state.total}"
                         if state.total else state.stage)
        if state.error:
            status.update(label="Could not update from the registries", state="error")
        elif state.result is not None and state.result.problems:
            status.update(label="Updated, but not from every registry", state="error")
        else:
            status.update(label="Up to date", state="complete", expanded=False)
    st.rerun()


UPLOADED = "uploaded"  # the session's own data from an uploaded download: (snapshot, file name, key)
UPLOAD_ROUND = "upload_round"  # bumped to empty the upload box
IMPORTED = "imported_file"  # the upload box's file last read


def _import(settings: trials.Settings, upload: Any) -> None:
    """An uploaded download: this visitor's own view, unless the operator lets uploads into
    the shared store (``TRIALS_SHARED_IMPORTS``)."""
    try:
        if settings.shared_imports:
            with tempfile.TemporaryDirectory() as folder:
                path = Path(folder) / Path(upload.name).name
                path.write_bytes(upload.getvalue())
                result = trials.import_file(settings, path)
        else:
            snapshot, result = trials.read_upload(upload.getvalue(), upload.name)
            # A random key, never an object's id (ids are reused), so no cache can serve it to another visitor.
            st.session_state[UPLOADED] = (snapshot, Path(upload.name).name, uuid.uuid4().hex)
    except trials.TrialsError as exc:
        st.error(plain.md_escape(visible(str(exc))))  # it quotes the file and its records
        return
    st.session_state.import_message = plain.import_summary(result)
    # A new, empty box: Streamlit then lets go of the uploaded bytes (up to 20 MB a visitor),
    # which the box would otherwise hold for as long as the session lasts.
    st.session_state[UPLOAD_ROUND] = st.session_state.get(UPLOAD_ROUND, 0) + 1
    st.rerun()


def offer_import(settings: trials.Settings) -> None:
    shared = settings.shared_imports
    # A new key after "back to this server's data" gives an empty box: the file is gone.
    upload = st.file_uploader(
        "Or import a JSON download from clinicaltrials.gov (search, then Download → JSON)",
        type=["json", "jsonl"], key=f"upload_{st.session_state.get(UPLOAD_ROUND, 0)}",
        help=("The file's studies are added to this server's data for every visitor." if shared else
              "Only you see the file's studies, until you leave or go back to this server's data; "
              "nothing is stored on the server."),
    )
    # Each file once: the box keeps it across reruns.
    if upload is not None and st.session_state.get(IMPORTED) != upload.file_id:
        st.session_state[IMPORTED] = upload.file_id
        _import(settings, upload)


def uploaded() -> tuple[trials.Snapshot, tuple] | None:
    """This visitor's own uploaded data, when they chose to view it, with its version key."""
    kept = st.session_state.get(UPLOADED)
    return (kept[0], ("upload", kept[2])) if kept else None


def uploaded_notice() -> None:
    """Say whose data is on screen and offer the way back."""
    name = st.session_state[UPLOADED][1]
    st.info(plain.md_escape(f"You are viewing your own file {name}: only you see it, and it was not "
                            "stored on the server."), icon=":material/upload_file:")
    if st.button("Back to this server's data", icon=":material/undo:"):
        del st.session_state[UPLOADED]
        st.session_state[UPLOAD_ROUND] = st.session_state.get(UPLOAD_ROUND, 0) + 1
        st.rerun()


def import_panel(settings: trials.Settings) -> None:
    panel = st.expander("Data from a download instead", key="import_open", on_change="rerun")
    if panel.open:
        with panel:
            offer_import(settings)


def about(snapshot: trials.Snapshot) -> None:
    st.divider()
    source = snapshot.info.source
    st.markdown("**About the data.** " + plain.md_escape(
        f"{plain.DISCLAIMER} {snapshot.age}" + (f" Source: {source}." if source else "")
        + f" {trials.GEONAMES_ATTRIBUTION}"))
