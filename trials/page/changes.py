"""What changed: the line above the results, and the list with the feed under "What changed"."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode

import streamlit as st

import trials
from trials.presentation import feed, plain, views

from .filters import KEEP


def banner(where: Any, result: trials.Result) -> None:
    line = result.changes_line
    if line:
        where.info(line + " Each is marked in the results and listed under *What changed*.",
                   icon=":material/update:")


def section(snapshot: trials.Snapshot, result: trials.Result) -> None:
    # The studies this view shows, so the count matches the results (issue 18).
    found, since = result.shown_changes, result.since
    hidden = len(result.changes) - len(found)
    with st.expander(f"What changed {since.words} ({len(found)})", expanded=False):
        st.date_input("Changes since", value=None, key="since", format="YYYY-MM-DD", persist_state=KEEP,
                      help="Leave empty for the last 30 days. The date is in the link, so a "
                           "bookmark shows what changed since your visit.")
        if found:
            st.dataframe(feed.changes_frame(found), hide_index=True, width="stretch",
                         column_config={"study": st.column_config.LinkColumn("Study", display_text=views.RECORD_ID)})
        else:
            st.markdown("No new study and no status change among these studies was recorded by the "
                        "refreshes in that time.")
        if hidden:
            st.markdown(f"And {plain.count(hidden, 'change', 'changes')} to studies not shown here (left out by "
                        "the filters, the pre-screen or the distance).")
        if snapshot.info.tracking_since:
            st.markdown(f"New studies are counted from {snapshot.info.tracking_since[:10]}, when this "
                        "computer's data began to be tracked; status changes from each refresh since.")
        today = datetime.now(UTC).date().isoformat()
        link = urlencode(replace(result.query, since=today).to_link(), doseq=True)
        st.markdown(f"To see later what changed after today, bookmark [this link](?{link}).")
        st.download_button(
            "Atom feed of these changes", trials.atom(snapshot, found), icon=":material/rss_feed:",
            file_name=f"ms-stem-cell-trial-changes-since-{since.moment}.xml",
            mime="application/atom+xml", on_click="ignore",
            help="One entry per change, for any feed reader. " + result.age)
