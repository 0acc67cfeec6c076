"""2 to 4 studies side by side; the choice is part of the link and downloads as CSV."""

from __future__ import annotations

import streamlit as st

import trials
from trials.presentation import export


def section(snapshot: trials.Snapshot, result: trials.Result) -> None:
    st.subheader("Compare studies side by side", anchor=False)
    shown = set(result.rows["nct_id"])
    choices = list(result.rows["nct_id"]) + [i for i in snapshot.table["nct_id"] if i not in shown]
    titles = dict(zip(snapshot.table["nct_id"], snapshot.table["title"], strict=True))
    st.multiselect(
        f"Choose {trials.MIN_COMPARED} to {trials.MAX_COMPARED} studies", choices, key="compare",
        max_selections=trials.MAX_COMPARED, placeholder="Choose studies",
        format_func=lambda i: f"{i}: {titles.get(i, '')[:70]}")
    table = result.comparison
    if table is None:
        st.markdown("The comparison is part of the link, so it can be sent to someone.")
        return
    # On screen the column heads are the NCT numbers; the link stays in the CSV (too wide to wrap).
    st.table(table[table["question"] != "Registry record"].set_index("question").rename_axis(None))
    st.download_button(
        "Download this comparison as CSV", export.csv_bytes(table), icon=":material/download:",
        file_name=f"ms-stem-cell-comparison-{'-'.join(result.query.compare)}.csv", mime="text/csv",
        on_click="ignore", help=result.age)
