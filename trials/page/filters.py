"""The filters at the top of the main column, where a phone shows them too, as steps a
patient takes in order: about me (the pre-screen), where (near me), what (therapy and
status); and the clinicians' filters beside them.

One row of step buttons opens each step's panel with one tap, and a panel stays open until
its button is tapped again (issue 18: expanders whose label changed were drawn again shut).
Each panel ends with a button to the next step. The filter widgets are drawn from
``trials.PARAMS`` (one widget per parameter, its key the URL parameter), so a new filter
needs no change here.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Final

import streamlit as st

import trials
from trials.presentation import summary

# Only open steps draw their widgets: a first visit loads no widget code before the results
# (bench/RESULTS.md). Their values live in the session state ("persist_state"), so a closed
# step still filters.
KEEP: Final = "session"
EDSS_STEPS = [x / 2 for x in range(21)]
STEPS: Final = {"about": "1 About me", "where": "2 Where", "what": "3 What",
                "clinicians": "For clinicians"}
PATIENT_STEPS: Final = ("about", "where", "what")
HEADINGS: Final = {"about": "About me: could I take part?", "where": "Where: trials near me",
                   "what": "What: therapy and status", "clinicians": "For clinicians"}


def _counts(snapshot: trials.Snapshot) -> dict[str, dict[str, int]]:
    """For each parameter that reads a column, how many studies have each value."""
    return {p.name: summary.counts_by(snapshot.table, p.column) for p in trials.PARAMS if p.column}


@st.cache_resource(show_spinner=False, max_entries=2)
def _choices(version: tuple, _snapshot: trials.Snapshot) -> dict[str, dict[str, int]]:
    return _counts(_snapshot)


def _widget(param: trials.Param, counts: dict[str, int] | None) -> None:
    kind = param.kind
    if kind is bool:
        _switch(st.toggle, param.label, param.name, param.help)
    elif kind is str:
        st.text_input(param.label, key=param.name, placeholder=param.placeholder or None,
                      persist_state=KEEP, help=param.help or None)
    elif param.choices and not param.clinician:
        # A patient's few choices as buttons: one tap each, every choice in sight.
        st.pills(param.label, param.choices, selection_mode="multi", key=param.name,
                 format_func=param.option_words, persist_state=KEEP, help=param.help or None)
    else:
        st.multiselect(param.label, list(param.choices or counts or ()), key=param.name,
                       placeholder=param.placeholder or "Any", format_func=param.option_words,
                       persist_state=KEEP, help=param.help or None)
    if param.counted and counts is not None:
        st.markdown("Studies in the data: " + " · ".join(f"{c} {counts.get(c, 0)}" for c in param.choices))


def _switch(widget: Callable[..., Any], label: str, key: str, explained: str) -> None:
    """A toggle or checkbox with its explanation as text under it: a tooltip's "?" sits in the
    label, so tapping it on a phone flipped the switch and showed nothing (issue 18)."""
    widget(label, key=key, persist_state=KEEP)
    if explained:
        st.markdown(explained)


def _step_of(param: trials.Param) -> str:
    """Where a filter is asked: a country is a "where", the clinicians' filters are theirs."""
    if param.name == "country":
        return "where"
    return "clinicians" if param.clinician else "what"


def _open(step: str) -> None:
    # The step before stays open: closing it would move this one out of sight, above the
    # place the reader tapped. The results follow the last step, so it needs no button.
    st.session_state.steps = list(dict.fromkeys([*(st.session_state.get("steps") or ()), step]))


def _next_button(step: str) -> None:
    following = PATIENT_STEPS[PATIENT_STEPS.index(step) + 1]
    st.button(f"Next: {STEPS[following]}", key=f"next_{step}", icon=":material/arrow_forward:",
              on_click=_open, args=(following,))


def panels(version: tuple, snapshot: trials.Snapshot, query: trials.Query) -> None:
    """The step buttons and the open steps' panels; the widgets hold ``query`` (their keys'
    values)."""
    if "steps" not in st.session_state:  # a link's clinician filters are in force: say so
        st.session_state.steps = ["clinicians"] if query.clinician_count() else []
    opened = st.segmented_control(
        "Narrow the list, step by step (each step is optional)", list(STEPS), selection_mode="multi",
        key="steps", format_func=STEPS.__getitem__)
    shown = [s for s in STEPS if s in opened]
    if not shown:
        return
    # A visitor's upload is counted for them alone: it never takes a place in a shared cache.
    counts = _counts(snapshot) if version[0] == "upload" else _choices(version, snapshot)
    # Side by side on a wide screen; a phone stacks them in the steps' order.
    for step, column in zip(shown, st.columns(len(shown)), strict=True):
        with column.container(border=True, key=f"step_{step}"):
            st.markdown(f"**{HEADINGS[step]}**")
            if step == "about":
                about_me()
            elif step == "where":
                near_me()
            params = [p for p in trials.PARAMS if _step_of(p) == step]
            # The clinicians' drop-downs, alone on a wide screen, lay out in rows, not down the page
            # (a phone stacks them). A patient's steps stay one column: pills in a narrow column
            # ran off a phone's edge.
            slots = st.columns(3) if step == "clinicians" and len(shown) == 1 else [st.container()]
            for i, param in enumerate(params):  # in order down each column, as a phone stacks them
                with slots[i * len(slots) // len(params)]:
                    _widget(param, counts.get(param.name))
            if step in PATIENT_STEPS[:-1]:
                _next_button(step)


def near_me() -> None:
    st.text_input("Near me: your city (and country)", key="near", max_chars=trials.MAX_PLACE,
                  placeholder="e.g. Milan, Italy", persist_state=KEEP,
                  help="Looked up on this computer in a list of cities over 15,000 people "
                       "(GeoNames); nothing is sent anywhere.")
    st.number_input("Within (km)", min_value=1, max_value=trials.MAX_WITHIN_KM, value=None,
                    step=50, key="within", placeholder="any distance", persist_state=KEEP)


def _ms_type_words(code: str) -> str:
    words = trials.MS_TYPE_WORDS[code]
    return f"{words[0].upper()}{words[1:]} ({code})"  # "Relapsing-remitting MS (RRMS)"


def about_me() -> None:
    """The pre-screen's questions."""
    st.markdown("Answer what you know; every answer is optional. Your answers "
                "stay in this browser tab: they are not stored, logged or sent anywhere.")
    st.number_input("Your age (years)", min_value=0, max_value=trials.MAX_AGE, value=None,
                    step=1, key="age", placeholder="e.g. 42", persist_state=KEEP)
    st.pills("Sex", trials.SEXES, key="sex", format_func=str.capitalize, persist_state=KEEP)
    st.pills("Type of MS", trials.PATIENT_TYPES, key="ms_type", format_func=_ms_type_words, persist_state=KEEP)
    st.selectbox("EDSS score", EDSS_STEPS, index=None, key="edss", placeholder="Not given",
                 format_func=lambda x: f"{x:.1f}", persist_state=KEEP)
    st.markdown(trials.EDSS_EXPLAINED)
    _switch(st.checkbox, "Include my answers in the link", "share_answers",
            "Only then can someone you send this page's link see your answers.")
    _switch(st.toggle, "Hide studies that do not fit", "hide_no_fit",
            "Leaves out studies a published limit rules out and studies that take no new participants.")
