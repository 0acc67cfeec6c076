"""The results: the summary line, the pre-screen's key, the table on a wide screen and the
compact list on a phone (both are sent; CSS shows one), the CSV download and the chart."""

from __future__ import annotations

import streamlit as st

import trials
from trials.presentation import export, plain, views

from . import state


def fit_explained(result: trials.Result) -> None:
    """One short paragraph above the list (on a phone it stands between the steps and the
    first study); what each answer means is one tap away, and on every study's card."""
    if "fit" not in result.rows:
        return
    order = "likely fits first, then nearest" if result.near is not None else "likely fits first"
    counts = " · ".join(f"{verdict} {count}" for verdict, count in views.fit_counts(result.rows).items())
    st.markdown(f"**Your pre-screen** ({order}): {counts}. It compares your answers with the published "
                "limits on age, sex, MS type and EDSS; only the study team decides who takes part. "
                "A study's card gives its reasons, criterion by criterion.")
    with st.expander("What the pre-screen's answers mean"):
        for verdict in views.fit_counts(result.rows):
            st.markdown(f"- **{verdict}**: {trials.VERDICT_MEANING[verdict]}")


def phone_list(view: views.View) -> None:
    """The compact list a phone shows instead of the table (hidden on wider screens by CSS)."""
    items = view.items if st.session_state.get("show_all") else view.items[:views.MAX_PHONE_ITEMS]
    with st.container(key="phone_list"):
        for item in items:
            st.button(plain.md_escape(item.title), key=f"open_{item.study_id}", type="tertiary",
                      on_click=state.open_study, args=(item.study_id,))
            st.markdown(item.details)
        if len(items) < len(view.items):
            st.button(f"Show all {plain.count(len(view.items), 'study', 'studies')}", key="show_all_button",
                      on_click=lambda: st.session_state.update(show_all=True))


def _pick_from_grid() -> None:
    rows = st.session_state[state.grid_key()].selection.rows
    if rows:
        state.open_study(st.session_state.view_ids[rows[0]])


def desktop_table(view: views.View) -> None:
    st.session_state.view_ids = [item.study_id for item in view.items]
    with st.container(key="desktop_table"):
        st.dataframe(
            view.table, hide_index=True, width="stretch", key=state.grid_key(),
            on_select=_pick_from_grid, selection_mode="single-row",
            column_config={
                "url": st.column_config.LinkColumn(
                    "Study", display_text=views.RECORD_ID, help="Opens the study's registry record"),
                "title": st.column_config.TextColumn("Title", width="large"),
                "therapy_types": "Therapy",
                "therapy_kind": st.column_config.TextColumn(
                    "Kind", help="Whose cells, tissue and route, as the record states them"),
                "study_role": "Study role",
                "status_group": st.column_config.TextColumn(
                    "Status", help="(may be out of date): past the study's completion date, or not updated "
                                   "or verified for over a year; the card says why"),
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


def results(result: trials.Result, view: views.View, snapshot: trials.Snapshot) -> None:
    st.header(view.summary, anchor=False)
    if result.rows.empty:
        if result.empty:
            st.info(plain.md_escape(result.empty))  # it names the search words
        return
    fit_explained(result)
    # One of the two is shown (CSS, by width); the table goes first, it is the bigger to draw.
    desktop_table(view)
    phone_list(view)
    rows = result.rows
    noun = "this study" if len(rows) == 1 else f"these {len(rows)} studies"
    # Downloads never rerun the page ("ignore"): a rerun while the browser fetches the file
    # could remove it from the server first (the browser tests saw that under load).
    st.download_button(
        f"Download {noun} as CSV", lambda: export.csv_bytes(rows),  # built on click
        file_name=export.file_name(snapshot.info.data_timestamp, bundled=snapshot.bundled),
        mime="text/csv", icon=":material/download:", on_click="ignore",
        help="Every column, for a spreadsheet. " + result.age,
    )
    st.vega_lite_chart(view.chart_data, view.chart, width="stretch")
