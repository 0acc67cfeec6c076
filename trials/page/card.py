"""One study's card, over the page where the reader is: chosen in the list, the table's
row, or its number or name; the chosen study is part of the link."""

from __future__ import annotations

import pandas as pd
import streamlit as st

import trials
from trials.presentation import detail, plain, sheet, views

from . import state


def picker(snapshot: trials.Snapshot, rows: pd.DataFrame) -> None:
    # Its number (NCT, ISRCTN or CTIS) and its name, acronym first: typing either finds it.
    names = views.titles(snapshot.table)
    st.selectbox("Read about one study (type its trial number or name, or choose a study above)",
                 views.study_ids(rows, snapshot.table), index=None, key="study", placeholder="Choose a study",
                 format_func=lambda i: f"{i} · {plain.clip(names.get(i, ''), plain.TITLE_LIMIT)}")


def _fit_reasons(rows: pd.DataFrame, study_id: str) -> None:
    if "fit" not in rows or study_id not in set(rows["study_id"]):
        return
    row = rows[rows["study_id"] == study_id].iloc[0]
    st.subheader(f"Your pre-screen: {row['fit']}", anchor=False)
    st.markdown(plain.md_escape(trials.VERDICT_MEANING[row["fit"]]))
    for reason in row["fit_reasons"].splitlines():
        st.markdown("- " + plain.md_escape(reason))


def full_text(label: str, text: str) -> None:
    """Registry text as plain text (never Markdown) behind an expander. Stored fields are
    bounded by the registry adapters (32,000 characters on ClinicalTrials.gov)."""
    with st.expander(plain.md_escape(label)):
        st.text(text)


def clinic_sheet(snapshot: trials.Snapshot, entry: trials.Entry, query: trials.Query) -> None:
    """The sheet for the neurologist, built only when asked for; the pre-screen's answers go
    on it only when the patient ticks the box (they never leave the session otherwise)."""
    st.subheader("Take it to your neurologist", anchor=False)
    left, right = st.columns(2)
    answers = left.checkbox("Put my pre-screen answers on the sheet", key="sheet_answers",
                            disabled=query.profile.is_empty)
    paper = right.segmented_control("Paper", list(sheet.PAPERS), key="sheet_paper", default="a4",
                                    format_func=sheet.PAPERS.__getitem__, required=True)

    def build() -> bytes:
        about = trials.about_one(snapshot, query, entry.study.id.value)
        return sheet.clinic_sheet(entry, about, paper=paper or "a4", with_answers=answers)

    st.download_button("Sheet for my neurologist (PDF, one page)", build, file_name=f"{entry.study.id}-sheet.pdf",
                       mime="application/pdf", icon=":material/print:", on_click="ignore",
                       help="What the study does and for whom, its status, what it found, where and whom to "
                            "contact, questions to ask, and the registry link as a QR code. " + snapshot.age)


@st.dialog("About this study", width="large", on_dismiss=state.close_card)
def dialog(snapshot: trials.Snapshot, result: trials.Result, study_id: str) -> None:
    rows = result.rows
    entry = snapshot.entries.get(study_id)
    if entry is None:
        st.warning(f"{study_id} is not in the data on this computer.")
        return
    card = detail.study_card(entry)
    st.header(plain.md_escape(plain.clip(card.title, plain.TITLE_LIMIT)), anchor=False)
    if len(card.title) > plain.TITLE_LIMIT:
        full_text("Show the full title", card.title)
    st.markdown(f"[{card.study_id} on {card.registry}]({card.url}) · registry record, "
                "with the full description and any results")
    _fit_reasons(rows, card.study_id)
    for section in card.sections:
        st.subheader(section.title, anchor=False)
        st.markdown(detail.section_markdown(section))
        for label, value in detail.long_items(section):
            full_text(f"Show the full text: {label}", value)
        if section.verbatim:
            full_text(section.verbatim_title, section.verbatim)
    if card.sites:
        st.subheader(f"Where ({plain.count(len(card.sites), 'site', 'sites')})", anchor=False)
        # A phone gets text it can tap and read aloud; a desktop the table (CSS shows one).
        with st.container(key="card_sites_list"):
            st.markdown(detail.sites_markdown(card))
        with st.container(key="card_sites_table"):
            table = pd.DataFrame(detail.sites_for_page(card)).drop(columns="contacts")
            st.dataframe(table, hide_index=True, width="stretch",
                         column_config={"facility": "Site", "place": "Place",
                                        "status": "Site status", "contact": "Contact"})
    if not card.is_full:
        st.markdown("Only summary fields are stored for this study; see the registry record.")
    clinic_sheet(snapshot, entry, result.query)
