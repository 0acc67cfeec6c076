"""The Streamlit page: multiple sclerosis stem-cell trials, for patients and neurologists.

It only lays things out. What it shows is computed in ``trials/`` (and tested
there); every filter is bound to the URL so a search can be shared as a link.
Run it with ``python -m streamlit run app.py``.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import pandas as pd
import streamlit as st

from trials import filters as flt
from trials import finder, plain, summary
from trials import table as tbl
from trials.classify import THERAPY_TYPES
from trials.config import Settings
from trials.detail import long_items, section_markdown, sites_for_page, study_card
from trials.errors import TrialsError
from trials.export import csv_bytes
from trials.store import StoreInfo

SETTINGS = Settings.from_env()
URL = "query-params"

st.set_page_config(page_title="MS stem-cell trial finder", page_icon="🔎", layout="wide")


@st.cache_data(show_spinner=False)
def load_snapshot(store_path: str, version: tuple) -> finder.Snapshot:
    """The table, read again only when the store changed (``version``)."""
    return finder.load(SETTINGS)


def refresh_now() -> bool:
    """Refresh with a progress bar; remembers a failure for the banner. True if it worked."""
    with st.status("Updating from ClinicalTrials.gov…", expanded=True) as status:
        bar = st.progress(0.0)

        def progress(stage: str, done: int, total: int | None) -> None:
            bar.progress(min(1.0, done / total) if total else 0.0,
                         text=f"{stage}: {done} of {total}" if total else stage)

        try:
            result = finder.refresh(SETTINGS, progress=progress)
        except TrialsError as exc:
            st.session_state.refresh_error = str(exc)
            status.update(label="Could not update from ClinicalTrials.gov", state="error")
            return False
        st.session_state.pop("refresh_error", None)
        status.update(label=f"Up to date: ClinicalTrials.gov data as of {result.data_timestamp}",
                      state="complete", expanded=False)
    return True


def import_upload(upload) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / Path(upload.name).name
        path.write_bytes(upload.getvalue())
        try:
            result = finder.import_file(SETTINGS, path)
        except TrialsError as exc:
            st.error(plain.md_escape(str(exc)))  # it quotes the file and its records
            return
    st.session_state.import_message = result.text
    st.rerun()


def offer_import() -> None:
    upload = st.file_uploader(
        "Or import a JSON download from clinicaltrials.gov (search, then Download → JSON)",
        type=["json", "jsonl"],
    )
    if upload is not None:
        import_upload(upload)


def sidebar_filters(df: pd.DataFrame) -> flt.Filters:
    counts = summary.counts_by(df, "therapy_types")
    with st.sidebar:
        st.header("Find a trial")
        therapies = st.multiselect(
            "Therapy type", THERAPY_TYPES, key="therapy", bind=URL, placeholder="All types",
            help="HSCT: blood stem-cell transplant. MSC: mesenchymal stem cells. "
                 "iPSC: induced pluripotent stem cells.")
        st.caption("Studies in the data: " + " · ".join(f"{t} {counts.get(t, 0)}" for t in THERAPY_TYPES))
        groups = st.multiselect("Recruitment status", list(flt.STATUS_GROUPS), key="status",
                                bind=URL, placeholder="Any status")
        text = st.text_input("Search words", key="q", bind=URL,
                             placeholder="e.g. intrathecal, Sheffield, cord")
        countries = st.multiselect("Country", sorted(summary.counts_by(df, "countries")),
                                   key="country", bind=URL, placeholder="Any country")
        with st.expander("More filters (for clinicians)"):
            phases = st.multiselect("Phase", flt.PHASES, key="phase", bind=URL,
                                    format_func=lambda p: plain.phase_words((p,)))
            types = st.multiselect("Study type", flt.STUDY_TYPES, key="type", bind=URL,
                                   format_func=lambda t: t.replace("_", " ").capitalize())
            statuses = st.multiselect("Registry status (exact)", flt.ALL_STATUSES,
                                      key="registry_status", bind=URL)
    return flt.make_filters(therapies, [*groups, *statuses], phases, types, countries, text)


def pick_from_grid() -> None:
    rows = st.session_state.grid.selection.rows
    if rows:
        st.session_state.study = st.session_state.view_ids[rows[0]]


def results(df: pd.DataFrame, view: pd.DataFrame, filters: flt.Filters, info: StoreInfo) -> None:
    st.subheader(summary.summarize(view).text)
    if view.empty:
        st.info(summary.explain_empty(df, filters))
        return
    st.session_state.view_ids = list(view["nct_id"])
    st.dataframe(
        tbl.for_display(view), hide_index=True, width="stretch", key="grid",
        on_select=pick_from_grid, selection_mode="single-row",
        column_config={
            "url": st.column_config.LinkColumn(
                "Study", display_text=r"https://clinicaltrials\.gov/study/(NCT\d+)",
                help="Opens the record on ClinicalTrials.gov"),
            "title": st.column_config.TextColumn("Title", width="large"),
            "therapy_types": "Therapy",
            "status_group": "Status",
            "phases": "Phase",
            "countries": "Countries",
            "recruiting_sites": st.column_config.NumberColumn("Sites recruiting"),
            "last_update": "Last update",
        },
    )
    st.download_button(
        f"Download these {len(view)} studies as CSV", lambda: csv_bytes(view),  # built on click
        file_name=f"ms-stem-cell-trials-{(info.data_timestamp or '')[:10]}.csv", mime="text/csv",
        icon=":material/download:",
        help="Every column, for a spreadsheet. "
             + plain.store_age(info),
    )
    st.bar_chart(summary.therapy_status_counts(view), x="therapy_type", y="studies",
                 color="status", horizontal=True, x_label="", y_label="Studies", height=220)


def detail(df: pd.DataFrame, view: pd.DataFrame) -> None:
    shown = set(view["nct_id"])
    ids = list(view["nct_id"]) + [i for i in df["nct_id"] if i not in shown]
    nct_id = st.selectbox("Read about one study (choose its NCT number, or select a row above)",
                          ids, index=None, key="study", bind=URL, placeholder="Choose a study")
    stored = finder.study(SETTINGS, nct_id) if nct_id else None
    if stored is None:
        return
    card = study_card(stored)
    with st.container(border=True):
        st.header(plain.md_escape(plain.clip(card.title, plain.TITLE_LIMIT)), anchor=False)
        if len(card.title) > plain.TITLE_LIMIT:
            full_text("Show the full title", card.title)
        st.markdown(f"[{card.nct_id} on ClinicalTrials.gov]({card.url}) · registry record, "
                    "with the full description and any results")
        for section in card.sections:
            st.subheader(section.title, anchor=False)
            st.markdown(section_markdown(section))
            for label, value in long_items(section):
                full_text(f"Show the full text: {label}", value)
            if section.verbatim:
                full_text("Eligibility criteria, as published", section.verbatim)
        if card.sites:
            st.subheader(f"Where ({len(card.sites)} sites)", anchor=False)
            st.dataframe(pd.DataFrame(sites_for_page(card)), hide_index=True, width="stretch",
                         column_config={"facility": "Site", "place": "Place",
                                        "status": "Site status", "contact": "Contact"})
        if not card.is_full:
            st.caption("Only summary fields are stored for this study; see the registry record.")


def full_text(label: str, text: str) -> None:
    """Registry text as plain text (never Markdown) behind an expander, up to a bound."""
    with st.expander(plain.md_escape(label)):
        st.text(plain.clip(text, plain.FULL_TEXT_LIMIT))
        if len(text) > plain.FULL_TEXT_LIMIT:
            st.caption(f"Cut at {plain.FULL_TEXT_LIMIT:,} characters; the registry record has it all.")


def status_changes(snapshot: finder.Snapshot) -> None:
    if not snapshot.changes:
        return
    with st.expander(f"What changed since earlier refreshes ({len(snapshot.changes)})"):
        st.dataframe(pd.DataFrame(snapshot.changes), hide_index=True, width="stretch")


def page() -> None:
    st.title("Stem-cell therapy trials for multiple sclerosis")
    st.markdown("Every multiple sclerosis study of a stem-cell therapy registered on "
                "ClinicalTrials.gov, by therapy type and by whether it is recruiting.")
    st.info(plain.DISCLAIMER, icon=":material/info:")

    store = finder.open_store(SETTINGS)
    if store.notice:
        st.session_state.store_notice = store.notice
    if "store_notice" in st.session_state:
        st.warning(st.session_state.store_notice)
    info = store.info()
    snapshot = load_snapshot(str(SETTINGS.store_path), (info.fetched_at, info.checked_at,
                                                         info.study_count, info.classifier_version,
                                                         info.imported))
    age = plain.store_age(info)

    top = st.columns([4, 1], vertical_alignment="center")
    # The data's age is shown at reading size, not as a grey caption: it matters.
    top[0].markdown(":material/schedule: " + plain.md_escape(
        age + (f" Source: {info.source}." if info.source else "")))
    if "import_message" in st.session_state:
        st.success(plain.md_escape(st.session_state.pop("import_message")))
    if top[1].button("Update", icon=":material/refresh:", help="Check ClinicalTrials.gov for new data"):
        if refresh_now():
            st.rerun()
    if "refresh_error" in st.session_state:
        if info.is_empty:
            st.error(st.session_state.refresh_error)
        else:
            st.warning(f"{st.session_state.refresh_error} Showing the last good data. {age}",
                       icon=":material/cloud_off:")

    if info.is_empty:
        st.warning("There is no trial data on this computer yet. Use **Update** "
                   "to fetch it from ClinicalTrials.gov.")
        offer_import()
        auto_refresh(snapshot)
        return

    df = snapshot.table
    filters = sidebar_filters(df)
    view = flt.apply(df, filters)
    results(df, view, filters, info)
    detail(df, view)
    status_changes(snapshot)
    with st.expander("Data from a download instead"):
        offer_import()
    auto_refresh(snapshot)


def auto_refresh(snapshot: finder.Snapshot) -> None:
    """Stale data is refreshed once per visit, after the stored data is on screen."""
    if snapshot.is_stale() and not st.session_state.get("auto_refresh_tried"):
        st.session_state.auto_refresh_tried = True
        refresh_now()
        st.rerun()  # show the new data, or the banner saying why there is none


try:
    page()
except TrialsError as exc:
    st.error(str(exc))
