"""The filter panels at the top of the main column, where a phone shows them too: the
patient's filters with "near me", the clinicians' filters, and the pre-screen.

The filter widgets are drawn from ``trials.PARAMS`` (one widget per parameter, its key the
URL parameter), so a new filter needs no change here.
"""

from __future__ import annotations

from typing import Final

import streamlit as st

import trials
from trials.presentation import summary

# The panels draw their widgets only when open ("lazy" expanders): a first visit then loads no
# widget code before the results (bench/RESULTS.md). Their values live in the session state
# ("persist_state"), so a closed panel still filters.
KEEP: Final = "session"
EDSS_STEPS = [x / 2 for x in range(21)]


def _counts(snapshot: trials.Snapshot) -> dict[str, dict[str, int]]:
    """For each parameter that reads a column, how many studies have each value."""
    return {p.name: summary.counts_by(snapshot.table, p.column) for p in trials.PARAMS if p.column}


@st.cache_resource(show_spinner=False, max_entries=2)
def _choices(version: tuple, _snapshot: trials.Snapshot) -> dict[str, dict[str, int]]:
    return _counts(_snapshot)


def _widget(param: trials.Param, counts: dict[str, int] | None) -> None:
    kind = type(getattr(trials.Filters(), param.field))
    if kind is bool:
        st.toggle(param.label, key=param.name, persist_state=KEEP, help=param.help or None)
    elif kind is str:
        st.text_input(param.label, key=param.name, placeholder=param.placeholder or None,
                      persist_state=KEEP, help=param.help or None)
    else:
        st.multiselect(param.label, list(param.choices or counts or ()), key=param.name,
                       placeholder=param.placeholder or "Any", format_func=param.option_words,
                       persist_state=KEEP, help=param.help or None)
        if param.counted and counts is not None:
            st.markdown("Studies in the data: " + " · ".join(f"{c} {counts.get(c, 0)}" for c in param.choices))


def panels(version: tuple, snapshot: trials.Snapshot, query: trials.Query) -> None:
    """The three panels; the widgets hold ``query`` (their keys' values)."""
    # A visitor's upload is counted for them alone: it never takes a place in a shared cache.
    counts = _counts(snapshot) if version[0] == "upload" else _choices(version, snapshot)
    clinician = query.active_count(clinician=True)
    left, middle, right = st.columns(3)
    # Labels that never change: Streamlit draws an expander whose label changed as a new one,
    # closed, so a count in the label shut the panel after every choice (issue 18). The line
    # under the panels names the filters in force.
    panel = left.expander("Filters", icon=":material/filter_list:", key="filters_open", on_change="rerun")
    if panel.open:
        with panel:
            for param in trials.PARAMS:
                if not param.clinician:
                    _widget(param, counts.get(param.name))
            near_me()
    panel = middle.expander("For clinicians", expanded=clinician > 0,
                            icon=":material/stethoscope:", key="clinician_open", on_change="rerun")
    if panel.open:
        with panel:
            for param in trials.PARAMS:
                if param.clinician:
                    _widget(param, counts.get(param.name))
    with right:
        pre_screen()


def near_me() -> None:
    st.text_input("Near me: your city (and country)", key="near", max_chars=trials.MAX_PLACE,
                  placeholder="e.g. Milan, Italy", persist_state=KEEP,
                  help="Looked up on this computer in a list of cities over 15,000 people "
                       "(GeoNames); nothing is sent anywhere.")
    st.number_input("Within (km)", min_value=1, max_value=trials.MAX_WITHIN_KM, value=None,
                    step=50, key="within", placeholder="any distance", persist_state=KEEP)


def pre_screen() -> None:
    panel = st.expander("Could I take part? A pre-screen", icon=":material/checklist:",
                        key="prescreen_open", on_change="rerun")
    if not panel.open:
        return
    with panel:
        st.markdown("Answer what you know; every answer is optional. Your answers stay in this "
                    "browser tab: they are not stored, logged or sent anywhere.")
        st.number_input("Your age (years)", min_value=0, max_value=trials.MAX_AGE, value=None,
                        step=1, key="age", placeholder="e.g. 42", persist_state=KEEP)
        st.selectbox("Sex", trials.SEXES, index=None, key="sex", placeholder="Not given",
                     format_func=str.capitalize, persist_state=KEEP)
        st.selectbox("Type of MS", trials.PATIENT_TYPES, index=None, key="ms_type",
                     placeholder="Not given", format_func=lambda t: f"{t}: {trials.MS_TYPE_WORDS[t]}",
                     persist_state=KEEP)
        st.selectbox("EDSS score", EDSS_STEPS, index=None, key="edss", placeholder="Not given",
                     format_func=lambda x: f"{x:.1f}", persist_state=KEEP)
        st.markdown(trials.EDSS_EXPLAINED)
        st.checkbox("Include my answers in the link", key="share_answers", persist_state=KEEP,
                    help="Only then can someone you send this page's link see your answers.")
        st.toggle("Hide studies that do not fit", key="hide_no_fit", persist_state=KEEP,
                  help="Leaves out studies a published limit rules out and studies that take no new "
                       "participants.")
