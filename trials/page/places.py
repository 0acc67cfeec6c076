"""Where: what "near me" found, the open sites nearest first, and the map of every site."""

from __future__ import annotations

import pandas as pd
import streamlit as st

import trials
from trials.presentation import map as site_map
from trials.presentation import plain


def near_message(result: trials.Result) -> None:
    if result.near is None:
        return
    show = st.warning if result.near.found_nothing else st.info
    show(plain.md_escape(result.near.message), icon=":material/near_me:")


def near_sites(result: trials.Result) -> None:
    """The open sites behind the ranking: status, place, distance and contact of each."""
    near = result.near
    if near is None or not near.sites:
        return
    with st.expander(f"Open sites, nearest first ({len(near.sites)})"):
        # A phone gets text it can tap and read aloud; a desktop the table (CSS shows one).
        with st.container(key="near_sites_list"):
            st.markdown(site_map.sites_markdown(near.sites))
        with st.container(key="near_sites_table"):
            st.dataframe(site_map.sites_frame(near.sites), hide_index=True, width="stretch",
                         column_config={"study_id": "Study", "site": "Site", "city": "City",
                                        "country": "Country", "status": "Site status",
                                        "distance": "Distance", "contact": "Contact"})


def sites_map(points: pd.DataFrame, spec: dict | None, studies: int) -> None:
    """Every placed site of the studies shown, on a plain globe (no map tiles: it draws offline)."""
    st.subheader(f"Where the sites are: {plain.count(len(points), 'site', 'sites')} of "
                 f"{'this study' if studies == 1 else f'these {studies} studies'}", anchor=False)
    if spec is None:
        st.markdown("None of these studies has a site whose place is known.")
        return
    st.vega_lite_chart(spec, width="stretch")
    st.markdown(f"Colour and shape give each site's own status; labels are left off where they would "
                f"overlap (hover a point for its site and study). Sites are placed by the registry's "
                f"coordinates, or at the centre of their city when the record has none "
                f"({site_map.approximate(points)} of "
                f"{len(points)} here: approximate). Sites in places missing from the offline list are "
                "not drawn.")
