"""The page's query: read from the link on a session's first run, held by the widgets
after that, and written back to the URL so that it can be shared.

The widgets' keys are the URL parameter names (``trials.query``), so the session state
holds the query's values as ``Query.widget_values`` gives them.
"""

from __future__ import annotations

import streamlit as st

import trials


def query() -> trials.Query:
    """The query of this run: the link's on a session's first run, else the widgets'."""
    if "link_query" in st.session_state:
        return trials.Query.from_widgets(st.session_state.to_dict())
    params = {name: st.query_params.get_all(name) for name in st.query_params}
    asked, notices = trials.Query.from_link(params)
    st.session_state.link_notices = notices
    return asked


def remember_link(result: trials.Result) -> None:
    """After the first run's search: the widgets start from the query as used (countries in
    the data's spelling, values that could not be used left out), and the notices about what
    the link asked for and was left out are kept, to show until the reader changes the
    filters. A place the gazetteer does not know stays in its box, so its notice is not kept:
    ``notices`` says it for as long as it is there."""
    if "link_query" in st.session_state:
        return
    st.session_state.update(result.query.widget_values(), link_query=result.query)
    left_out = tuple(u.text for u in result.unused if u.field != "near")
    st.session_state.link_notices = (*st.session_state.link_notices, *left_out)


def notices(result: trials.Result) -> tuple[str, ...]:
    """What to tell the reader about values that could not be used: the link's (until the
    reader changes the filters) and this run's own (a place typed that is not known)."""
    asked = st.session_state.get("link_query")
    from_link = st.session_state.get("link_notices", ()) if asked and asked.filters == result.query.filters else ()
    return tuple(dict.fromkeys((*from_link, *(u.text for u in result.unused))))


def keep_link_in_step(current: trials.Query) -> None:
    """The URL always holds the query in force, spelled canonically, so it can be shared; the
    pre-screen's answers only when the patient asked for that."""
    wanted = current.to_link()
    for name in trials.LINK_PARAMS:
        if st.query_params.get_all(name) != wanted.get(name, []):
            if name in wanted:
                st.query_params[name] = wanted[name]
            else:
                del st.query_params[name]


def open_study(study_id: str) -> None:
    st.session_state.study = study_id


def close_card() -> None:
    st.session_state.study = None
    # A new key for the table after each closed card clears the row's tick, so the same row
    # opens it again.
    st.session_state.cards_closed = st.session_state.get("cards_closed", 0) + 1


def grid_key() -> str:
    return f"grid_{st.session_state.get('cards_closed', 0)}"
