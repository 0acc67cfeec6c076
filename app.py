"""The Streamlit page: multiple sclerosis stem-cell trials, for patients and neurologists.

It only lays things out. What it shows is computed in ``trials/`` (and tested
there); every filter is bound to the URL so a search can be shared as a link.
Run it with ``python -m streamlit run app.py``.
"""

from __future__ import annotations

import tempfile
from dataclasses import replace
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from urllib.parse import urlencode

import altair as alt
import pandas as pd
import streamlit as st

from trials import filters as flt
from trials import compare, finder, nearby, plain, prescreen, summary
from trials import table as tbl
from trials.classify import THERAPY_TYPES
from trials.config import Settings
from trials.detail import long_items, section_markdown, sites_for_page, study_card
from trials.errors import TrialsError
from trials.export import csv_bytes

SETTINGS = Settings.from_env()
URL = "query-params"

st.set_page_config(page_title="MS stem-cell trial finder", page_icon="🔎", layout="wide")


@st.cache_data(show_spinner=False)
def load_snapshot(version: tuple) -> finder.Snapshot:
    """The table, read again only when the store changed (``version``)."""
    return finder.load(SETTINGS)


@st.cache_data(show_spinner=False)
def load_bundled() -> finder.Snapshot | None:
    return finder.load_bundled()


def follow_update(updater: finder.Updater, seen: finder.UpdateState) -> None:
    """Show a running update's progress (the stored data is already on screen), then
    rerun once to show its data or its failure. Every visitor follows the same update.

    ``seen`` is the state this run was drawn with: an update that was running then and
    has finished since still needs the rerun that shows its outcome."""
    if not seen.running and not updater.state.running:
        return
    with st.status("Updating from ClinicalTrials.gov…", expanded=True) as status:
        bar = st.progress(0.0)
        # Short waits with a Streamlit call between them, so a visitor's click still
        # interrupts this run at once.
        while (state := updater.wait(0.5)).running:
            bar.progress(min(1.0, state.done / state.total) if state.total else 0.0,
                         text=f"{state.stage}: {state.done} of {state.total}"
                         if state.total else state.stage)
        if state.error:
            status.update(label="Could not update from ClinicalTrials.gov", state="error")
        else:
            status.update(label="Up to date", state="complete", expanded=False)
    st.rerun()


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
        gives = st.toggle(
            "Only trials that give the therapy", value=True, key="gives", bind=URL,
            help="Off: also studies that only follow people who already had a stem-cell "
                 "treatment (registries, long-term follow-ups).")
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
    return flt.make_filters(therapies, [*groups, *statuses], phases, types, countries, text, gives)


EDSS_STEPS = [x / 2 for x in range(21)]


def pre_screen_answers() -> prescreen.Profile:
    """The patient's answers, kept in this browser session only; in the link only if they ask."""
    params = st.query_params
    if "pre_age" not in st.session_state and any(k in params for k in prescreen.SHARED_PARAMS):
        try:  # a shared link: start from its answers
            shared = prescreen.profile_from_params({k: params.get(k) for k in prescreen.SHARED_PARAMS})
        except TrialsError as exc:
            st.sidebar.warning(f"The answers in this link were not used: {exc}")
        else:
            st.session_state.update(pre_age=shared.age, pre_sex=shared.sex, pre_type=shared.ms_type,
                                    pre_edss=shared.edss, pre_share=True)
    with st.sidebar.expander("Could I take part? A pre-screen", expanded=False):
        st.caption("Answer what you know; every answer is optional. Your answers stay in this "
                   "browser tab: they are not stored, logged or sent anywhere.")
        age = st.number_input("Your age (years)", min_value=0, max_value=prescreen.MAX_AGE, value=None,
                              step=1, key="pre_age", placeholder="e.g. 42")
        sex = st.selectbox("Sex", prescreen.SEXES, index=None, key="pre_sex", placeholder="Not given",
                           format_func=str.capitalize)
        ms_type = st.selectbox("Type of MS", prescreen.PATIENT_TYPES, index=None, key="pre_type",
                               placeholder="Not given",
                               format_func=lambda t: f"{t}: {prescreen.TYPE_WORDS[t]}")
        edss = st.selectbox("EDSS score", EDSS_STEPS, index=None, key="pre_edss", placeholder="Not given",
                            format_func=lambda x: f"{x:.1f}")
        st.caption(prescreen.EDSS_EXPLAINED)
        share = st.checkbox("Include my answers in the link", key="pre_share",
                            help="Only then can someone you send this page's link see your answers.")
    profile = prescreen.make_profile(age, sex, ms_type, edss)
    for name in prescreen.SHARED_PARAMS:
        params.pop(name, None)
    if share:
        params.update(prescreen.profile_params(profile))
    return profile


def pick_from_grid() -> None:
    rows = st.session_state.grid.selection.rows
    if rows:
        st.session_state.study = st.session_state.view_ids[rows[0]]


def fit_explained(view: pd.DataFrame) -> None:
    if "fit" not in view:
        return
    counts = view["fit"].value_counts()
    st.markdown("**Your pre-screen** (likely fits first). It compares your answers with the published "
                "limits on age, sex, MS type and EDSS; only the study team decides who takes part.")
    for verdict in prescreen.VERDICTS:
        st.markdown(f"- **{verdict}** ({counts.get(verdict, 0)}): {prescreen.VERDICT_MEANING[verdict]}")
    st.caption("Choose a study below to read its reasons, criterion by criterion, with the sentence "
               "each rests on.")


def results(df: pd.DataFrame, view: pd.DataFrame, filters: flt.Filters,
            snapshot: finder.Snapshot) -> None:
    st.subheader(summary.summarize(view).text)
    if view.empty:
        st.info(summary.explain_empty(df, filters))
        return
    fit_explained(view)
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
            "study_role": "Study role",
            "status_group": "Status",
            "phases": "Phase",
            "countries": "Countries",
            "recruiting_sites": st.column_config.NumberColumn("Sites recruiting"),
            "last_update": "Last update",
            "fit": "Pre-screen",
            "changed": "What changed",
            "distance_km": "Distance to nearest open site",
            "nearest_site": "Nearest open site",
        },
    )
    st.download_button(
        f"Download these {len(view)} studies as CSV", lambda: csv_bytes(view),  # built on click
        file_name=f"ms-stem-cell-trials-{(snapshot.info.data_timestamp or '')[:10]}"
                  f"{'-bundled-snapshot' if snapshot.bundled else ''}.csv", mime="text/csv",
        icon=":material/download:",
        help="Every column, for a spreadsheet. " + snapshot.age,
    )
    st.bar_chart(summary.therapy_status_counts(view), x="therapy_type", y="studies",
                 color="status", horizontal=True, x_label="", y_label="Studies", height=220)


def fit_reasons(view: pd.DataFrame, nct_id: str) -> None:
    if "fit" not in view or nct_id not in set(view["nct_id"]):
        return
    row = view[view["nct_id"] == nct_id].iloc[0]
    st.subheader(f"Your pre-screen: {row['fit']}", anchor=False)
    st.markdown(plain.md_escape(prescreen.VERDICT_MEANING[row["fit"]]))
    for reason in row["fit_reasons"].splitlines():
        st.markdown("- " + plain.md_escape(reason))


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
        fit_reasons(view, card.nct_id)
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
    """Registry text as plain text (never Markdown) behind an expander. Stored fields are
    at most ``records.MAX_FIELD_CHARS`` long."""
    with st.expander(plain.md_escape(label)):
        st.text(text)



# -- near me -----------------------------------------------------------------------

def near_inputs() -> tuple[str, float | None]:
    """Where the patient is and how far they would go; both in the link (near=, within=)."""
    with st.sidebar:
        st.header("Near me")
        place = st.text_input("Your city (and country)", key="near", bind=URL, max_chars=nearby.MAX_PLACE,
                              placeholder="e.g. Milan, Italy",
                              help="Looked up on this computer in a list of cities over 15,000 people "
                                   "(GeoNames); nothing is sent anywhere.")
        within = st.number_input("Within (km)", min_value=1, max_value=nearby.MAX_WITHIN_KM, value=None,
                                 step=50, key="within", bind=URL, placeholder="any distance")
    return place.strip(), within


def near_me(snapshot: finder.Snapshot, view: pd.DataFrame, place: str, within: float | None):
    """The view ranked by distance (or unchanged, with the reason, when the place is unknown)."""
    if not place:
        return view, None
    try:
        near = finder.near(snapshot, view, place, within)
    except TrialsError as exc:
        st.sidebar.error(str(exc))
        return view, None
    return near.table, near


def near_message(near) -> None:
    if near is None:
        return
    show = st.warning if near.found_nothing else st.info
    show(plain.md_escape(near.message), icon=":material/near_me:")


def near_sites(near) -> None:
    """The open sites behind the ranking: status, place, distance and contact of each."""
    if near is None or not near.sites:
        return
    with st.expander(f"Open sites, nearest first ({len(near.sites)})"):
        st.dataframe(nearby.sites_frame(near.sites), hide_index=True, width="stretch",
                     column_config={"nct_id": "Study", "site": "Site", "city": "City",
                                    "country": "Country", "status": "Site status",
                                    "distance": "Distance", "contact": "Contact"})


# Colour and shape both tell the status (not colour alone); the legend names it.
MAP_STATUSES = list(flt.STATUS_GROUPS)
MAP_COLOURS = ["#1b7837", "#5aae61", "#762a83", "#2166ac", "#878787", "#4d4d4d", "#d6604d", "#bf812d"]
MAP_SHAPES = ["circle", "triangle-up", "diamond", "square", "cross", "triangle-down", "triangle-left",
              "triangle-right"]


def site_map(snapshot: finder.Snapshot, view: pd.DataFrame, near) -> None:
    """Every placed site of the studies shown, on a plain globe (no map tiles: it draws offline)."""
    points = finder.site_points(snapshot, view)
    st.subheader(f"Where the sites are: {len(points)} sites of these {len(view)} studies", anchor=False)
    if points.empty:
        st.caption("None of these studies has a site whose place is known.")
        return
    present = [s for s in MAP_STATUSES if s in set(points["status"])]
    colours = [MAP_COLOURS[MAP_STATUSES.index(s)] for s in present]
    shapes = [MAP_SHAPES[MAP_STATUSES.index(s)] for s in present]
    legend = alt.Legend(title="Site status", orient="bottom", symbolSize=160, symbolStrokeWidth=0,
                        labelFontSize=13, titleFontSize=13)
    world = alt.layer(
        alt.Chart(alt.sphere()).mark_geoshape(fill="#eef3f7", stroke="#b0bec5", clip=True),
        alt.Chart(alt.graticule(step=[10, 10])).mark_geoshape(stroke="#d5dde3", strokeWidth=0.5, clip=True),
    )
    dots = alt.Chart(points).mark_point(filled=True, size=110, opacity=0.9, stroke="white",
                                        strokeWidth=0.7, clip=True).encode(
        longitude="lon:Q", latitude="lat:Q",
        # One legend for both channels (same title and settings), so each status has its symbol.
        color=alt.Color("status:N", scale=alt.Scale(domain=present, range=colours), legend=legend),
        shape=alt.Shape("status:N", scale=alt.Scale(domain=present, range=shapes), legend=legend),
        tooltip=[alt.Tooltip("site:N", title="Site"), alt.Tooltip("status:N", title="Status"),
                 alt.Tooltip("nct_id:N", title="Study"), alt.Tooltip("position:N", title="Placed at")],
    )
    labels = alt.Chart(points[points["label"] != ""]).mark_text(
        align="left", dx=8, dy=-7, fontSize=11, color="#263238", clip=True).encode(
        longitude="lon:Q", latitude="lat:Q", text="label:N")
    layers = [world, dots, labels]
    origin = near.origin if near is not None else None
    if origin is not None:
        me = pd.DataFrame([{"lon": origin.lon, "lat": origin.lat, "label": f"You: {origin.label}"}])
        layers.append(alt.Chart(me).mark_point(shape="circle", size=420, color="black", filled=False,
                                               strokeWidth=3)
                      .encode(longitude="lon:Q", latitude="lat:Q"))
        layers.append(alt.Chart(me).mark_text(align="right", dx=-12, dy=12, fontWeight="bold")
                      .encode(longitude="lon:Q", latitude="lat:Q", text="label:N"))
    chart = alt.layer(*layers).project(type="equalEarth", fit=nearby.map_extent(points, origin))
    st.altair_chart(chart.properties(height=480), width="stretch")
    approximate = int(points["position"].str.startswith("city").sum())
    st.caption(f"Colour and shape give each site's own status; labels are left off where they would "
               f"overlap (hover a point for its site and study). Sites are placed by the registry's "
               f"coordinates, or at the centre of their city when the record has none ({approximate} of "
               f"{len(points)} here: approximate). Sites in places missing from the offline list are "
               "not drawn.")


# -- what changed since --------------------------------------------------------------

DEFAULT_SINCE_DAYS = 30


def since_input(snapshot: finder.Snapshot) -> tuple[date, str]:
    """The moment changes are counted from: the date in the link (since=), else 30 days
    before the last fetch; with the words for the summary line."""
    with st.sidebar:
        st.header("What changed")
        picked = st.date_input("Changes since", value=None, key="since", bind=URL,
                               format="YYYY-MM-DD", help="Leave empty for the last 30 days. The date "
                               "is in the link, so a bookmark shows what changed since your visit.")
    if picked:
        return picked, f"since {picked.isoformat()}"
    fetched = snapshot.info.fetched_at or datetime.now(timezone.utc).isoformat()
    start = date.fromisoformat(fetched[:10]) - timedelta(days=DEFAULT_SINCE_DAYS)
    return start, f"in the {DEFAULT_SINCE_DAYS} days to {fetched[:10]}"


def since_banner(where, found: list, since_words: str) -> None:
    line = finder.changes_line(found, since_words)
    if line:
        where.info(line + " Marked in the table under *What changed*.", icon=":material/update:")


def what_changed(snapshot: finder.Snapshot, found: list, since: date, since_words: str) -> None:
    title = f"What changed {since_words} ({len(found)})"
    with st.expander(title, expanded=False):
        if found:
            st.dataframe(pd.DataFrame([{"study": c.url, "what": c.mark, "title": c.title,
                                        "seen": c.seen_at[:10]} for c in found]),
                         hide_index=True, width="stretch",
                         column_config={"study": st.column_config.LinkColumn(
                             "Study", display_text=r"https://clinicaltrials\.gov/study/(NCT\d+)")})
        else:
            st.caption("No new study and no status change was recorded by the refreshes in that time.")
        if snapshot.info.tracking_since:
            st.caption(f"New studies are counted from {snapshot.info.tracking_since[:10]}, when this "
                       "computer's data began to be tracked; status changes from each refresh since.")
        today = datetime.now(timezone.utc).date().isoformat()
        link = urlencode({**st.query_params.to_dict(), "since": today})
        st.markdown(f"To see later what changed after today, bookmark [this link](?{link}).")
        st.download_button(
            "Atom feed of these changes", finder.feed(snapshot, since), icon=":material/rss_feed:",
            file_name=f"ms-stem-cell-trial-changes-since-{since.isoformat()}.xml",
            mime="application/atom+xml",
            help="One entry per change, for any feed reader. " + snapshot.age)


# -- compare -------------------------------------------------------------------------

def compare_from_link(choices: list[str]) -> list[str]:
    """The ids in the link (compare=NCT1,NCT2), checked; a bad link is said and not used."""
    raw = st.query_params.get("compare", "")
    if not raw:
        return []
    try:
        ids = list(compare.parse_ids(raw))
    except TrialsError as exc:
        st.warning(f"The studies to compare in this link were not used: {exc}")
        return []
    unknown = [i for i in ids if i not in choices]
    if unknown:
        st.warning(f"Not in the data, so not compared: {', '.join(unknown)}.")
    return [i for i in ids if i in choices]


def compare_to_link() -> None:
    picked = st.session_state.compare_pick
    if len(picked) >= compare.MIN_STUDIES:
        st.query_params["compare"] = ",".join(picked)
    else:
        st.query_params.pop("compare", None)


def compare_section(snapshot: finder.Snapshot, df: pd.DataFrame, view: pd.DataFrame, place: str) -> None:
    st.subheader("Compare studies side by side", anchor=False)
    shown = set(view["nct_id"])
    choices = list(view["nct_id"]) + [i for i in df["nct_id"] if i not in shown]
    if "compare_pick" not in st.session_state:
        st.session_state.compare_pick = compare_from_link(choices)
    titles = dict(zip(df["nct_id"], df["title"]))
    picked = st.multiselect(
        f"Choose {compare.MIN_STUDIES} to {compare.MAX_STUDIES} studies", choices, key="compare_pick",
        max_selections=compare.MAX_STUDIES, on_change=compare_to_link, placeholder="Choose studies",
        format_func=lambda i: f"{i}: {titles.get(i, '')[:70]}")
    if len(picked) < compare.MIN_STUDIES:
        st.caption("The comparison is part of the link, so it can be sent to someone.")
        return
    try:
        table = finder.compare(SETTINGS, snapshot, picked, place or None)
    except TrialsError as exc:
        st.error(str(exc))
        return
    # On screen the column heads are the NCT numbers; the link stays in the CSV (too wide to wrap).
    st.table(table[table["question"] != "Registry record"].set_index("question").rename_axis(None))
    st.download_button(
        "Download this comparison as CSV", csv_bytes(table), icon=":material/download:",
        file_name=f"ms-stem-cell-comparison-{'-'.join(picked)}.csv", mime="text/csv",
        help=snapshot.age)


def page() -> None:
    st.title("Stem-cell therapy trials for multiple sclerosis")
    st.markdown("Every multiple sclerosis study of a stem-cell therapy registered on "
                "ClinicalTrials.gov, by therapy type and by whether it is recruiting.")
    st.info(plain.DISCLAIMER, icon=":material/info:")

    # One updater for every visitor of this server: ten visitors on day-old data start
    # one refresh, and the update lock keeps other processes from starting a second.
    updater = finder.updater(SETTINGS)
    snapshot = load_snapshot(finder.version(SETTINGS))
    if snapshot.is_stale():
        updater.start(automatic=True)
    state = updater.state
    failed = state.error and not state.running
    if snapshot.notice:
        st.warning(snapshot.notice)
    if snapshot.info.is_empty and failed:
        snapshot = load_bundled() or snapshot

    top = st.columns([4, 1], vertical_alignment="center")
    # The data's age is shown at reading size, not as a grey caption: it matters.
    top[0].markdown(":material/schedule: " + plain.md_escape(
        snapshot.age + (f" Source: {snapshot.info.source}." if snapshot.info.source else "")))
    if "import_message" in st.session_state:
        st.success(plain.md_escape(st.session_state.pop("import_message")))
    if top[1].button("Update", icon=":material/refresh:", help="Check ClinicalTrials.gov for new data"):
        updater.start(automatic=False)
        state = replace(state, running=True)  # follow it, however quickly it ends
    if failed:
        if state.busy:
            st.info(f"{state.error} Showing the stored data. {snapshot.age}")
        elif snapshot.info.is_empty:
            st.error(state.error)
        elif snapshot.bundled:
            st.warning(f"{state.error} {snapshot.age}", icon=":material/cloud_off:")
        else:
            st.warning(f"{state.error} Showing the last good data. {snapshot.age}",
                       icon=":material/cloud_off:")

    if snapshot.info.is_empty:
        st.warning("There is no trial data on this computer yet. Use **Update** "
                   "to fetch it from ClinicalTrials.gov.")
        offer_import()
        follow_update(updater, state)
        return

    banner = st.container()  # "since your last visit", filled once the date is known
    df = snapshot.table
    filters = sidebar_filters(df)
    place, within = near_inputs()
    since, since_words = since_input(snapshot)
    profile = pre_screen_answers()
    view = flt.apply(df, filters)
    found = finder.changes(snapshot, since)
    since_banner(banner, found, since_words)
    view = finder.mark_changed(view, found)
    if not profile.is_empty:
        view = prescreen.add_fit(view, snapshot.criteria, profile)
        if st.sidebar.toggle("Hide studies that do not fit", key="hide_no_fit"):
            view = prescreen.without_does_not_fit(view)
    view, near = near_me(snapshot, view, place, within)
    near_message(near)
    results(df, view, filters, snapshot)
    near_sites(near)
    site_map(snapshot, view, near)
    compare_section(snapshot, df, view, place)
    detail(df, view)
    what_changed(snapshot, found, since, since_words)
    with st.expander("Data from a download instead"):
        offer_import()
    follow_update(updater, state)


try:
    page()
except TrialsError as exc:
    st.error(str(exc))
