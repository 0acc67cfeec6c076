"""2 to 4 studies side by side; the choice is part of the link and downloads as CSV."""

from __future__ import annotations

import streamlit as st

import trials
from trials.presentation import compare as comparison
from trials.presentation import export, views


def section(snapshot: trials.Snapshot, result: trials.Result) -> None:
    st.subheader("Compare studies side by side", anchor=False)
    titles = views.titles(snapshot.table)
    st.multiselect(
        f"Choose {trials.MIN_COMPARED} to {trials.MAX_COMPARED} studies",
        views.study_ids(result.rows, snapshot.table), key="compare", max_selections=trials.MAX_COMPARED,
        placeholder="Choose studies", format_func=lambda i: f"{i}: {titles.get(i, '')[:70]}")
    table = result.comparison
    if table is None:
        st.markdown("The comparison is part of the link, so it can be sent to someone.")
        return
    st.table(comparison.on_screen(table))
    st.download_button(
        "Download this comparison as CSV", export.csv_bytes(table), icon=":material/download:",
        file_name=f"ms-stem-cell-comparison-{'-'.join(result.query.compare)}.csv", mime="text/csv",
        on_click="ignore", help=result.age)
