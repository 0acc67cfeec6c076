"""The Streamlit page: multiple sclerosis stem-cell trials, for patients and neurologists.

It only lays things out. What it shows is computed in ``trials/`` (and tested
there); the filters live in the URL so a search can be shared as a link. Filters sit
at the top of the main column (a phone hides the sidebar), and a phone gets a compact
list instead of the table (``trials.views``: both are sent, CSS shows one).
Run it with ``python -m streamlit run app.py``.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import pandas as pd
import streamlit as st

from trials import filters as flt
from trials import finder, plain, prescreen, summary, views
from trials.classify import THERAPY_TYPES
from trials.config import Settings
from trials.detail import section_markdown, study_card
from trials.errors import TrialsError
from trials.export import csv_bytes
from trials.store import StoreInfo

SETTINGS = Settings.from_env()
st.set_page_config(page_title="MS stem-cell trial finder", page_icon="🔎", layout="wide",
                   initial_sidebar_state="collapsed")


# Shared by every session, never copied: what is cached here is never changed in place.
@st.cache_resource(show_spinner=False, max_entries=2)
def load_snapshot(store_path: str, version: tuple) -> finder.Snapshot:
    """The table, read again only when the store changed (``version``)."""
    return finder.load(SETTINGS)


@st.cache_resource(show_spinner=False, max_entries=2)
def filter_choices(version: tuple, _table: pd.DataFrame) -> views.Choices:
    return views.choices(_table)


@st.cache_resource(show_spinner=False, max_entries=64)
def shared_view(version: tuple, filters: flt.Filters, _table: pd.DataFrame) -> views.View:
    """The view of ``filters``, kept for the next visitor (most ask for the same few). Never
    used with pre-screen answers: those stay in the patient's session."""
    return views.make_view(flt.apply(_table, filters))


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
            count = finder.import_file(SETTINGS, path)
        except TrialsError as exc:
            st.error(str(exc))
            return
    st.success(f"Imported {plain.count(count, 'study', 'studies')} from {upload.name}.")
    st.rerun()


def offer_import() -> None:
    upload = st.file_uploader(
        "Or import a JSON download from clinicaltrials.gov (search, then Download → JSON)",
        type=["json", "jsonl"],
    )
    if upload is not None:
        import_upload(upload)


def start_from_link(choices: views.Choices) -> flt.Link:
    """On a session's first run, the link's filters become the widgets' values (read
    forgivingly; what cannot be used is kept as a notice)."""
    if "link" not in st.session_state:
        params = {name: st.query_params.get_all(name) for name in st.query_params}
        link = flt.parse_link(params, choices.countries, choices.recruiting_countries, choices.ids)
        st.session_state.update(flt.widget_values(link.filters, link.study), link=link)
    return st.session_state.link


def current_filters() -> flt.Filters:
    """The filters the widgets hold (their keys are set from the link on the first run)."""
    state = st.session_state
    return flt.make_filters(state.therapy, [*state.status, *state.registry_status], state.phase,
                            state.type, state.country, state.q, state.gives)


# The panels draw their widgets only when open ("lazy" expanders): a first visit then loads no
# widget code before the results (bench/RESULTS.md). Their values live in the session state
# ("persist_state"), so a closed panel still filters.
KEEP = "session"


def filter_panels(choices: views.Choices, filters: flt.Filters) -> None:
    """Filters at the top of the main column, where a phone shows them too. The widgets hold
    ``filters`` (their keys' values); the page reads them from the session state."""
    clinician = summary.active_count(filters, summary.CLINICIAN_FILTERS)
    patient = summary.active_count(filters) - clinician
    counts = choices.therapy_counts
    left, middle, right = st.columns(3)
    panel = left.expander(f"Filters ({patient} active)", icon=":material/filter_list:",
                          key="filters_open", on_change="rerun")
    if panel.open:
        with panel:
            st.toggle("Only trials that give the therapy", key="gives", persist_state=KEEP,
                      help="Off: also studies that only follow people who already had a stem-cell "
                           "treatment (registries, long-term follow-ups).")
            st.multiselect("Therapy type", THERAPY_TYPES, key="therapy", placeholder="All types",
                           persist_state=KEEP,
                           help="HSCT: blood stem-cell transplant. MSC: mesenchymal stem cells. "
                                "iPSC: induced pluripotent stem cells.")
            st.markdown("Studies in the data: "
                        + " · ".join(f"{t} {counts.get(t, 0)}" for t in THERAPY_TYPES))
            st.multiselect("Recruitment status", list(flt.STATUS_GROUPS), key="status",
                           placeholder="Any status", persist_state=KEEP)
            st.text_input("Search words", key="q", placeholder="e.g. intrathecal, Sheffield, cord",
                          persist_state=KEEP)
            st.multiselect("Country", choices.countries, key="country", placeholder="Any country",
                           persist_state=KEEP)
    panel = middle.expander(f"For clinicians ({clinician} active)", expanded=clinician > 0,
                            icon=":material/stethoscope:", key="clinician_open", on_change="rerun")
    if panel.open:
        with panel:
            st.multiselect("Phase", flt.PHASES, key="phase", persist_state=KEEP,
                           format_func=lambda p: plain.phase_words((p,)))
            st.multiselect("Study type", flt.STUDY_TYPES, key="type", persist_state=KEEP,
                           format_func=lambda t: t.replace("_", " ").capitalize())
            st.multiselect("Registry status (exact)", flt.ALL_STATUSES, key="registry_status",
                           persist_state=KEEP)
    with right:
        pre_screen_answers()


EDSS_STEPS = [x / 2 for x in range(21)]


def start_pre_screen_from_link() -> None:
    """A shared link with the pre-screen's answers: start from them, once."""
    params = st.query_params
    if "pre_age" not in st.session_state and any(k in params for k in prescreen.SHARED_PARAMS):
        try:
            shared = prescreen.profile_from_params({k: params.get(k) for k in prescreen.SHARED_PARAMS})
        except TrialsError as exc:
            st.warning(f"The answers in this link were not used: {exc}")
        else:
            st.session_state.update(pre_age=shared.age, pre_sex=shared.sex, pre_type=shared.ms_type,
                                    pre_edss=shared.edss, pre_share=True)


def current_profile() -> prescreen.Profile:
    """The pre-screen answers the widgets hold; they stay in this browser session."""
    state = st.session_state
    return prescreen.make_profile(state.get("pre_age"), state.get("pre_sex"), state.get("pre_type"),
                                  state.get("pre_edss"))


def pre_screen_answers() -> None:
    panel = st.expander("Could I take part? A pre-screen", icon=":material/checklist:",
                        key="prescreen_open", on_change="rerun")
    if not panel.open:
        return
    with panel:
        st.markdown("Answer what you know; every answer is optional. Your answers stay in this "
                    "browser tab: they are not stored, logged or sent anywhere.")
        st.number_input("Your age (years)", min_value=0, max_value=prescreen.MAX_AGE, value=None,
                        step=1, key="pre_age", placeholder="e.g. 42", persist_state=KEEP)
        st.selectbox("Sex", prescreen.SEXES, index=None, key="pre_sex", placeholder="Not given",
                     format_func=str.capitalize, persist_state=KEEP)
        st.selectbox("Type of MS", prescreen.PATIENT_TYPES, index=None, key="pre_type",
                     placeholder="Not given", format_func=lambda t: f"{t}: {prescreen.TYPE_WORDS[t]}",
                     persist_state=KEEP)
        st.selectbox("EDSS score", EDSS_STEPS, index=None, key="pre_edss", placeholder="Not given",
                     format_func=lambda x: f"{x:.1f}", persist_state=KEEP)
        st.markdown(prescreen.EDSS_EXPLAINED)
        st.checkbox("Include my answers in the link", key="pre_share", persist_state=KEEP,
                    help="Only then can someone you send this page's link see your answers.")
        st.toggle("Hide studies that do not fit", key="hide_no_fit", persist_state=KEEP)


def keep_link_in_step(filters: flt.Filters, profile: prescreen.Profile) -> None:
    """The URL always holds the filters in force, spelled canonically, so it can be shared;
    the pre-screen's answers only when the patient asked for that."""
    wanted = flt.link_params(filters, st.session_state.study)
    if st.session_state.get("pre_share"):
        wanted.update({k: [v] for k, v in prescreen.profile_params(profile).items()})
    for name in [*flt.PARAM_OF.values(), flt.STUDY_PARAM, *prescreen.SHARED_PARAMS]:
        if st.query_params.get_all(name) != wanted.get(name, []):
            if name in wanted:
                st.query_params[name] = wanted[name]
            else:
                del st.query_params[name]


def choose(nct_id: str) -> None:
    st.session_state.study = nct_id


def pick_from_grid() -> None:
    rows = st.session_state[grid_key()].selection.rows
    if rows:
        choose(st.session_state.view_ids[rows[0]])


def grid_key() -> str:
    # A new key after each closed card clears the row's tick, so the same row opens it again.
    return f"grid_{st.session_state.get('cards_closed', 0)}"


def close_card() -> None:
    st.session_state.study = None
    st.session_state.cards_closed = st.session_state.get("cards_closed", 0) + 1


def fit_explained(view: pd.DataFrame) -> None:
    if "fit" not in view:
        return
    counts = view["fit"].value_counts()
    st.markdown("**Your pre-screen** (likely fits first). It compares your answers with the published "
                "limits on age, sex, MS type and EDSS; only the study team decides who takes part.")
    for verdict in prescreen.VERDICTS:
        st.markdown(f"- **{verdict}** ({counts.get(verdict, 0)}): {prescreen.VERDICT_MEANING[verdict]}")
    st.markdown("Choose a study below to read its reasons, criterion by criterion, with the sentence "
                "each rests on.")


def phone_list(view: views.View) -> None:
    """The compact list a phone shows instead of the table (hidden on wider screens by CSS)."""
    items = view.items if st.session_state.get("show_all") else view.items[:views.MAX_PHONE_ITEMS]
    with st.container(key="phone_list"):
        for item in items:
            st.button(plain.md_escape(item.title), key=f"open_{item.nct_id}", type="tertiary",
                      on_click=choose, args=(item.nct_id,))
            st.markdown(item.details)
        if len(items) < len(view.items):
            st.button(f"Show all {plain.count(len(view.items), 'study', 'studies')}", key="show_all_button",
                      on_click=lambda: st.session_state.update(show_all=True))


def desktop_table(view: views.View) -> None:
    st.session_state.view_ids = [item.nct_id for item in view.items]
    with st.container(key="desktop_table"):
        st.dataframe(
            view.table, hide_index=True, width="stretch", key=grid_key(),
            on_select=pick_from_grid, selection_mode="single-row",
            column_config={
                "url": st.column_config.LinkColumn(
                    "Study", display_text=r"https://clinicaltrials\.gov/study/(NCT\d+)",
                    help="Opens the record on ClinicalTrials.gov"),
                "title": st.column_config.TextColumn("Title", width="large"),
                "therapy_types": "Therapy",
                "study_role": "Study role",
                "status_group": "Status",
                "phases": "Phase",
                "countries": "Countries",
                "recruiting_sites": st.column_config.TextColumn(
                    "Sites recruiting", help="unknown: the record gives no status for its sites"),
                "last_update": "Last update",
                "fit": "Pre-screen",
            },
        )


def results(df: pd.DataFrame, view: views.View, filters: flt.Filters, info: StoreInfo) -> None:
    st.header(view.summary, anchor=False)
    if view.frame.empty:
        st.info(summary.explain_empty(df, filters))
        return
    fit_explained(view.frame)
    # One of the two is shown (CSS, by width); the table goes first, it is the bigger to draw.
    desktop_table(view)
    phone_list(view)
    rows = view.frame
    noun = "this study" if len(rows) == 1 else f"these {len(rows)} studies"
    st.download_button(
        f"Download {noun} as CSV", lambda: csv_bytes(rows),  # built on click
        file_name=f"ms-stem-cell-trials-{(info.data_timestamp or '')[:10]}.csv", mime="text/csv",
        icon=":material/download:",
        help="Every column, for a spreadsheet. " + plain.data_age(info.data_timestamp, info.fetched_at),
    )
    st.vega_lite_chart(view.chart_data, view.chart, width="stretch")


def fit_reasons(view: pd.DataFrame, nct_id: str) -> None:
    if "fit" not in view or nct_id not in set(view["nct_id"]):
        return
    row = view[view["nct_id"] == nct_id].iloc[0]
    st.subheader(f"Your pre-screen: {row['fit']}", anchor=False)
    st.markdown(plain.md_escape(prescreen.VERDICT_MEANING[row["fit"]]))
    for reason in row["fit_reasons"].splitlines():
        st.markdown("- " + plain.md_escape(reason))


def study_picker(df: pd.DataFrame, view: pd.DataFrame) -> None:
    shown = set(view["nct_id"])
    ids = list(view["nct_id"]) + [i for i in df["nct_id"] if i not in shown]
    st.selectbox("Read about one study (choose its NCT number, or a study above)",
                 ids, index=None, key="study", placeholder="Choose a study")


@st.dialog("About this study", width="large", on_dismiss=close_card)
def study_card_dialog(view: pd.DataFrame, nct_id: str) -> None:
    stored = finder.study(SETTINGS, nct_id)
    if stored is None:
        st.warning(f"{nct_id} is not in the data on this computer.")
        return
    card = study_card(stored)
    st.header(plain.md_escape(card.title), anchor=False)
    st.markdown(f"[{card.nct_id} on ClinicalTrials.gov]({card.url}) · registry record, "
                "with the full description and any results")
    fit_reasons(view, card.nct_id)
    for section in card.sections:
        st.subheader(section.title, anchor=False)
        st.markdown(section_markdown(section))
        if section.verbatim:
            with st.expander("Eligibility criteria, as published"):
                st.text(section.verbatim)
    if card.sites:
        st.subheader(f"Where ({plain.count(len(card.sites), 'site', 'sites')})", anchor=False)
        st.dataframe(pd.DataFrame(card.sites), hide_index=True, width="stretch",
                     column_config={"facility": "Site", "place": "Place",
                                    "status": "Site status", "contact": "Contact"})
    if not card.is_full:
        st.markdown("Only summary fields are stored for this study; see the registry record.")


def status_changes(snapshot: finder.Snapshot) -> None:
    if not snapshot.changes:
        return
    panel = st.expander(f"What changed since earlier refreshes ({len(snapshot.changes)})",
                        key="changes_open", on_change="rerun")
    if panel.open:
        with panel:
            st.dataframe(pd.DataFrame(snapshot.changes), hide_index=True, width="stretch")


def about_the_data(info: StoreInfo) -> None:
    st.divider()
    st.markdown("**About the data.** " + plain.md_escape(
        f"{plain.DISCLAIMER} {plain.data_age(info.data_timestamp, info.fetched_at)}"
        + (f" Source: {info.source}." if info.source else "")))


def page() -> None:
    st.title("Stem-cell therapy trials for multiple sclerosis", anchor=False)
    st.html(views.LAYOUT_CSS)
    st.markdown(f":material/info: {plain.SHORT_DISCLAIMER}")

    store = finder.open_store(SETTINGS)
    if store.notice:
        st.session_state.store_notice = store.notice
    if "store_notice" in st.session_state:
        st.warning(st.session_state.store_notice)
    info = store.info()
    snapshot = load_snapshot(str(SETTINGS.store_path), (info.fetched_at, info.checked_at,
                                                         info.study_count, info.classifier_version))
    age = plain.data_age(info.data_timestamp, info.fetched_at)

    top = st.columns([5, 1], vertical_alignment="center")
    # The data's age is shown at reading size, not as a grey caption: it matters.
    if stale := plain.stale_warning(info.data_timestamp):
        top[0].warning(plain.md_escape(f"{age} {stale}"), icon=":material/history:")
    else:
        top[0].markdown(":material/schedule: " + plain.md_escape(age))
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
        about_the_data(info)
        auto_refresh(snapshot)
        return

    df = snapshot.table
    version = (info.fetched_at, info.checked_at, info.study_count, info.classifier_version)
    choices = filter_choices(version, df)
    link = start_from_link(choices)
    start_pre_screen_from_link()
    # The widgets' values are in the session state before the widgets are drawn, so the
    # results are computed and sent first and the filter panels fill their slot above them
    # afterwards: the browser shows results sooner (bench/RESULTS.md).
    filters, profile = current_filters(), current_profile()
    if filters == link.filters:  # until the reader changes the filters the link set
        for notice in link.notices:
            st.warning(plain.md_escape(notice), icon=":material/link_off:")
    panels = st.container()
    st.markdown(plain.md_escape(summary.active_filters(filters)))
    if profile.is_empty:
        view = shared_view(version, filters, df)
    else:
        rows = prescreen.add_fit(flt.apply(df, filters), snapshot.criteria, profile)
        if st.session_state.get("hide_no_fit"):
            rows = prescreen.without_does_not_fit(rows)
        view = views.make_view(rows)
    results(df, view, filters, info)
    with panels:
        filter_panels(choices, filters)
    keep_link_in_step(filters, profile)
    study_picker(df, view.frame)
    if st.session_state.study:
        study_card_dialog(view.frame, st.session_state.study)
    status_changes(snapshot)
    panel = st.expander("Data from a download instead", key="import_open", on_change="rerun")
    if panel.open:
        with panel:
            offer_import()
    about_the_data(info)
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
