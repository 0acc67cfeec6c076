"""The Streamlit page: multiple sclerosis stem-cell trials, for patients and neurologists.

It only lays things out. What it shows is computed in ``trials/`` (and tested
there); the filters live in the URL so a search can be shared as a link. Filters sit
at the top of the main column (a phone hides the sidebar), and a phone gets a compact
list instead of the table (``trials.views``: both are sent, CSS shows one).
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

from trials import compare, finder, nearby, plain, prescreen, summary, views
from trials import changes as chg
from trials import filters as flt
from trials.classify import THERAPY_TYPES
from trials.config import Settings
from trials.detail import long_items, section_markdown, sites_for_page, study_card
from trials.errors import TrialsError
from trials.export import csv_bytes

SETTINGS = Settings.from_env()
st.set_page_config(page_title="MS stem-cell trial finder", page_icon="🔎", layout="wide",
                   initial_sidebar_state="collapsed")


# Shared by every session, never copied: what is cached here is never changed in place.
@st.cache_resource(show_spinner=False, max_entries=2)
def load_snapshot(version: tuple) -> finder.Snapshot:
    """The table, read again only when the store changed (``version``)."""
    return finder.load(SETTINGS)


@st.cache_resource(show_spinner=False)
def load_bundled() -> finder.Snapshot | None:
    return finder.load_bundled()


@st.cache_resource(show_spinner=False, max_entries=2)
def filter_choices(version: tuple, _table: pd.DataFrame) -> views.Choices:
    return views.choices(_table)


@st.cache_resource(show_spinner=False, max_entries=16)
def changes_since(version: tuple, since: date, _snapshot: finder.Snapshot) -> list:
    return finder.changes(_snapshot, since)


@st.cache_resource(show_spinner=False, max_entries=64)
def shared_view(version: tuple, filters: flt.Filters, since: date, _snapshot: finder.Snapshot) -> views.View:
    """The view of ``filters``, changes since ``since`` marked, kept for the next visitor (most
    ask for the same few). Never used with pre-screen answers: those stay in the patient's
    session."""
    rows = flt.apply(_snapshot.table, filters)
    return views.make_view(finder.mark_changed(rows, changes_since(version, since, _snapshot)))


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


def start_from_link(choices: views.Choices) -> flt.Link:
    """On a session's first run, the link's filters become the widgets' values (read
    forgivingly; what cannot be used is kept as a notice)."""
    if "link" not in st.session_state:
        params = {name: st.query_params.get_all(name) for name in st.query_params}
        link = flt.parse_link(params, choices.countries, choices.recruiting_countries, choices.ids)
        st.session_state.update(flt.widget_values(link.filters, link.study), link=link)
        start_near_and_since(params)
    return st.session_state.link


def start_near_and_since(params: dict[str, list[str]]) -> None:
    """Near me (near=, within=) and what changed (since=) from the link, checked by the
    modules that use them; a value they refuse is said, not dropped."""
    notices = []
    st.session_state.near = (params.get("near") or [""])[0][:nearby.MAX_PLACE]
    try:
        st.session_state.within = nearby.parse_within((params.get("within") or [None])[0])
    except TrialsError as exc:
        st.session_state.within = None
        notices.append(f"The distance in this link was not used: {exc}")
    try:
        since = chg.parse_since((params.get("since") or [None])[0])
    except TrialsError as exc:
        since = None
        notices.append(f"The date in this link was not used: {exc}")
    st.session_state.since = date.fromisoformat(since[:10]) if since else None
    st.session_state.link_notices = tuple(notices)


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
            st.text_input("Near me: your city (and country)", key="near", max_chars=nearby.MAX_PLACE,
                          placeholder="e.g. Milan, Italy", persist_state=KEEP,
                          help="Looked up on this computer in a list of cities over 15,000 people "
                               "(GeoNames); nothing is sent anywhere.")
            st.number_input("Within (km)", min_value=1, max_value=nearby.MAX_WITHIN_KM, value=None,
                            step=50, key="within", placeholder="any distance", persist_state=KEEP)
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
    state = st.session_state
    wanted = flt.link_params(filters, state.study)
    if state.get("pre_share"):
        wanted.update({k: [v] for k, v in prescreen.profile_params(profile).items()})
    if state.near.strip():
        wanted["near"] = [state.near.strip()]
    if state.within:
        wanted["within"] = [f"{state.within:g}"]
    if state.since:
        wanted["since"] = [state.since.isoformat()]
    for name in [*flt.PARAM_OF.values(), flt.STUDY_PARAM, *prescreen.SHARED_PARAMS, "near", "within", "since"]:
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
                "flags": st.column_config.TextColumn(
                    "Flags", help="⚠: read the warning on this study's card"),
                "recruiting_sites": st.column_config.TextColumn(
                    "Sites recruiting", help="unknown: the record gives no status for its sites"),
                "last_update": "Last update",
                "fit": "Pre-screen",
                "changed": "What changed",
                "distance_km": "Distance to nearest open site",
                "nearest_site": "Nearest open site",
            },
        )


def results(df: pd.DataFrame, view: views.View, filters: flt.Filters, snapshot: finder.Snapshot) -> None:
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
        file_name=f"ms-stem-cell-trials-{(snapshot.info.data_timestamp or '')[:10]}"
                  f"{'-bundled-snapshot' if snapshot.bundled else ''}.csv", mime="text/csv",
        icon=":material/download:",
        help="Every column, for a spreadsheet. " + snapshot.age,
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
        st.subheader(f"Where ({plain.count(len(card.sites), 'site', 'sites')})", anchor=False)
        st.dataframe(pd.DataFrame(sites_for_page(card)), hide_index=True, width="stretch",
                     column_config={"facility": "Site", "place": "Place",
                                    "status": "Site status", "contact": "Contact"})
    if not card.is_full:
        st.markdown("Only summary fields are stored for this study; see the registry record.")


def full_text(label: str, text: str) -> None:
    """Registry text as plain text (never Markdown) behind an expander. Stored fields are
    at most ``records.MAX_FIELD_CHARS`` long."""
    with st.expander(plain.md_escape(label)):
        st.text(text)



def near_me(snapshot: finder.Snapshot, view: pd.DataFrame, place: str, within: float | None):
    """The view ranked by distance (or unchanged, with the reason, when the place is unknown)."""
    if not place:
        return view, None
    try:
        near = finder.near(snapshot, view, place, within)
    except TrialsError as exc:
        st.error(str(exc))
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


# Colour and shape both tell the status (not colour alone); the legend names it. The colours
# are the page's one status palette (trials.views).
MAP_STATUSES = list(flt.STATUS_GROUPS)
MAP_COLOURS = [views.STATUS_COLOURS[s] for s in MAP_STATUSES]
MAP_SHAPES = ["circle", "triangle-up", "diamond", "square", "cross", "triangle-down", "triangle-left",
              "triangle-right"]


@st.cache_resource(show_spinner=False, max_entries=64)
def shared_map(version: tuple, filters: flt.Filters, since: date, _snapshot: finder.Snapshot,
               _view: pd.DataFrame) -> tuple[pd.DataFrame, dict | None]:
    """The map of a shared view (no place given), kept for the next visitor: Altair checks every
    chart against its schema, which cost more server time than the rest of the page."""
    points = finder.site_points(_snapshot, _view)
    return points, map_spec(points, None)


def site_map(snapshot: finder.Snapshot, view: pd.DataFrame, near, shared: tuple | None = None) -> None:
    """Every placed site of the studies shown, on a plain globe (no map tiles: it draws offline)."""
    if shared is not None:
        points, spec = shared
    else:
        points = finder.site_points(snapshot, view)
        spec = map_spec(points, near.origin if near is not None else None)
    st.subheader(f"Where the sites are: {len(points)} sites of these {len(view)} studies", anchor=False)
    if spec is None:
        st.markdown("None of these studies has a site whose place is known.")
        return
    st.vega_lite_chart(spec, width="stretch")
    approximate = int(points["position"].str.startswith("city").sum())
    st.markdown(f"Colour and shape give each site's own status; labels are left off where they would "
               f"overlap (hover a point for its site and study). Sites are placed by the registry's "
               f"coordinates, or at the centre of their city when the record has none ({approximate} of "
               f"{len(points)} here: approximate). Sites in places missing from the offline list are "
               "not drawn.")


def map_spec(points: pd.DataFrame, origin) -> dict | None:
    """The map as a Vega-Lite spec; None when no site has a known place."""
    if points.empty:
        return None
    present = [s for s in MAP_STATUSES if s in set(points["status"])]
    colours = [MAP_COLOURS[MAP_STATUSES.index(s)] for s in present]
    shapes = [MAP_SHAPES[MAP_STATUSES.index(s)] for s in present]
    legend = alt.Legend(title="Site status", orient="bottom", symbolSize=160, symbolStrokeWidth=0,
                        labelFontSize=13, titleFontSize=13, labelColor=views.TEXT_COLOUR,
                        titleColor=views.TEXT_COLOUR, labelLimit=0, columns=2)
    world = alt.layer(
        # The globe and its grid are decoration: hidden from screen readers (aria=False).
        alt.Chart(alt.sphere()).mark_geoshape(fill="#eef3f7", stroke="#b0bec5", clip=True, aria=False),
        alt.Chart(alt.graticule(step=[10, 10])).mark_geoshape(stroke="#d5dde3", strokeWidth=0.5, clip=True,
                                                              aria=False),
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
    if origin is not None:
        me = pd.DataFrame([{"lon": origin.lon, "lat": origin.lat, "label": f"You: {origin.label}"}])
        layers.append(alt.Chart(me).mark_point(shape="circle", size=420, color="black", filled=False,
                                               strokeWidth=3)
                      .encode(longitude="lon:Q", latitude="lat:Q"))
        layers.append(alt.Chart(me).mark_text(align="right", dx=-12, dy=12, fontWeight="bold")
                      .encode(longitude="lon:Q", latitude="lat:Q", text="label:N"))
    chart = alt.layer(*layers).project(type="equalEarth", fit=nearby.map_extent(points, origin))
    return chart.properties(height=480).to_dict()


# -- what changed since --------------------------------------------------------------

DEFAULT_SINCE_DAYS = 30


def since_moment(snapshot: finder.Snapshot) -> tuple[date, str]:
    """The moment changes are counted from: the date in the link or the panel (since=), else
    30 days before the last fetch; with the words for the summary line."""
    picked = st.session_state.get("since")
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
        st.date_input("Changes since", value=None, key="since", format="YYYY-MM-DD", persist_state=KEEP,
                      help="Leave empty for the last 30 days. The date is in the link, so a "
                           "bookmark shows what changed since your visit.")
        if found:
            st.dataframe(pd.DataFrame([{"study": c.url, "what": c.mark, "title": c.title,
                                        "seen": c.seen_at[:10]} for c in found]),
                         hide_index=True, width="stretch",
                         column_config={"study": st.column_config.LinkColumn(
                             "Study", display_text=r"https://clinicaltrials\.gov/study/(NCT\d+)")})
        else:
            st.markdown("No new study and no status change was recorded by the refreshes in that time.")
        if snapshot.info.tracking_since:
            st.markdown(f"New studies are counted from {snapshot.info.tracking_since[:10]}, when this "
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
        st.markdown("The comparison is part of the link, so it can be sent to someone.")
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


def about_the_data(snapshot: finder.Snapshot) -> None:
    st.divider()
    source = snapshot.info.source
    st.markdown("**About the data.** " + plain.md_escape(
        f"{plain.DISCLAIMER} {snapshot.age}" + (f" Source: {source}." if source else "")))


def page() -> None:
    st.title("Stem-cell therapy trials for multiple sclerosis", anchor=False)
    st.html(views.LAYOUT_CSS)
    st.markdown(f":material/info: {plain.SHORT_DISCLAIMER}")

    # One updater for every visitor of this server: ten visitors on day-old data start
    # one refresh, and the update lock keeps other processes from starting a second.
    updater = finder.updater(SETTINGS)
    version = finder.version(SETTINGS)
    snapshot = load_snapshot(version)
    if snapshot.is_stale():
        updater.start(automatic=True)
    state = updater.state
    failed = state.error and not state.running
    if snapshot.notice:
        st.warning(snapshot.notice)
    if snapshot.info.is_empty and failed:
        snapshot = load_bundled() or snapshot

    top = st.columns([5, 1], vertical_alignment="center")
    # The data's age is shown at reading size, not as a grey caption: it matters.
    # The bundled snapshot's age line already says it is old and why it is shown.
    stale = "" if snapshot.bundled else plain.stale_warning(snapshot.info.data_timestamp)
    if stale or snapshot.bundled:
        top[0].warning(plain.md_escape(f"{snapshot.age} {stale}".strip()), icon=":material/history:")
    else:
        top[0].markdown(":material/schedule: " + plain.md_escape(snapshot.age))
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
        about_the_data(snapshot)
        follow_update(updater, state)
        return

    df = snapshot.table
    version = (*version, snapshot.bundled)
    choices = filter_choices(version, df)
    link = start_from_link(choices)
    start_pre_screen_from_link()
    # The widgets' values are in the session state before the widgets are drawn, so the
    # results are computed and sent first and the filter panels fill their slot above them
    # afterwards: the browser shows results sooner (bench/RESULTS.md).
    filters, profile = current_filters(), current_profile()
    place, within = st.session_state.near.strip(), st.session_state.within
    if filters == link.filters:  # until the reader changes the filters the link set
        for notice in (*link.notices, *st.session_state.link_notices):
            st.warning(plain.md_escape(notice), icon=":material/link_off:")
    panels = st.container()
    st.markdown(plain.md_escape(summary.active_filters(filters, place, within)))
    banner = st.container()  # "since your last visit", just above the results it marks
    since, since_words = since_moment(snapshot)
    found = changes_since(version, since, snapshot)
    since_banner(banner, found, since_words)
    near = None
    view_is_shared = profile.is_empty and not place
    if view_is_shared:
        view = shared_view(version, filters, since, snapshot)
    else:
        rows = flt.apply(df, filters)
        if not profile.is_empty:
            rows = prescreen.add_fit(rows, snapshot.criteria, profile)
            if st.session_state.get("hide_no_fit"):
                rows = prescreen.without_does_not_fit(rows)
        rows, near = near_me(snapshot, finder.mark_changed(rows, found), place, within)
        near_message(near)
        view = views.make_view(rows)
    results(df, view, filters, snapshot)
    with panels:
        filter_panels(choices, filters)
    keep_link_in_step(filters, profile)
    near_sites(near)
    shared = shared_map(version, filters, since, snapshot, view.frame) if view_is_shared else None
    site_map(snapshot, view.frame, near, shared)
    compare_section(snapshot, df, view.frame, place)
    study_picker(df, view.frame)
    if st.session_state.study:
        study_card_dialog(view.frame, st.session_state.study)
    what_changed(snapshot, found, since, since_words)
    panel = st.expander("Data from a download instead", key="import_open", on_change="rerun")
    if panel.open:
        with panel:
            offer_import()
    about_the_data(snapshot)
    follow_update(updater, state)


try:
    page()
except TrialsError as exc:
    st.error(str(exc))
