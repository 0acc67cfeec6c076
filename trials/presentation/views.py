"""What the page draws, as data: the status colours, the compact list for phones, the
chart, and the style block that shows the list or the table by screen width.

Kept out of ``app.py`` so that the page only lays things out and this can be tested.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
import pyarrow as pa

from ..analysis.prescreen import VERDICTS
from ..analysis.status import LIST_SEPARATOR, STATUS_GROUPS, split
from ..model import with_acronym
from . import plain, summary

# One colour-blind-safe palette, used for a status wherever it is shown: the Okabe-Ito
# hues, darkened where needed so that each colour has at least 4.5:1 contrast on white (as
# text and as a chart mark). A status is always named as well: colour never tells it alone.
STATUS_COLOURS: dict[str, str] = {
    "Recruiting now": "#007A5A",  # bluish green
    "Not yet recruiting": "#0072B2",  # blue
    "By invitation": "#A34C80",  # reddish purple
    "Available outside a trial (expanded access)": "#7A6F00",  # yellow, darkened to olive
    "Closed": "#8F6200",  # orange, darkened
    "Completed": "#333333",  # near black: an ended study, not an alarm
    "Stopped early": "#B84F00",  # vermillion, darkened
    "Status unknown": "#6B6B6B",  # grey
}
assert set(STATUS_COLOURS) == set(STATUS_GROUPS)
TEXT_COLOUR = "#1F2933"  # chart labels: 14:1 on white

PHONE_MAX_WIDTH = 640  # px; Streamlit stacks columns below this width too
# Both views are sent; the browser shows one. Keyed containers get a ``st-key-<key>`` class.
LAYOUT_CSS = f"""<style>
@media (max-width: {PHONE_MAX_WIDTH}px) {{
  .st-key-desktop_table, .st-key-card_sites_table, .st-key-near_sites_table {{ display: none; }}
}}
@media (min-width: {PHONE_MAX_WIDTH + 1}px) {{
  .st-key-phone_list, .st-key-card_sites_list, .st-key-near_sites_list {{ display: none; }}
}}
.st-key-phone_list button {{ text-align: left; justify-content: flex-start; padding: 0.25rem 0; }}
.st-key-phone_list button p {{ font-weight: 600; text-decoration: underline; font-size: 1.05rem;
  color: #0B5CAD; }}
h1 {{ font-size: 2.25rem !important; }}
h2 {{ font-size: 1.6rem !important; }}
@media (max-width: {PHONE_MAX_WIDTH}px) {{
  h1 {{ font-size: 1.45rem !important; padding-top: 0 !important; }}
  /* tighter spacing, so the first study is on the first screen (issue 18) */
  .stMainBlockContainer [data-testid="stVerticalBlock"] {{ gap: 0.65rem; }}
  [data-testid="stAlertContainer"] {{ padding: 0.6rem 0.8rem; }}
  h2 {{ font-size: 1.3rem !important; }}
  .stMainBlockContainer {{ padding-top: 2rem !important; }}
  .st-key-steps button {{ padding-left: 0.5rem; padding-right: 0.5rem; }}
  .st-key-steps button p {{ font-size: 0.9rem; }}
  /* the hidden table's wrapper would still take a gap above the list */
  div:has(> .st-key-desktop_table) {{ display: none; }}
  [data-testid="stExpander"] summary {{ padding-top: 0.4rem; padding-bottom: 0.4rem; }}
}}
</style>"""

MAX_PHONE_ITEMS = 10  # the list's length before "show all": a phone scrolls, but not forever

# The last part of a study's registry address, which is its id there: what a link column shows.
RECORD_ID = r"([^/]+)$"


def study_ids(rows: pd.DataFrame, table: pd.DataFrame) -> list[str]:
    """Every study's id, the ones shown first (in their order), for pickers."""
    shown = set(rows["study_id"])
    return list(rows["study_id"]) + [i for i in table["study_id"] if i not in shown]


def titles(table: pd.DataFrame) -> dict[str, str]:
    return {i: with_acronym(t, a) for i, t, a in zip(table["study_id"], table["title"], table["acronym"], strict=True)}


def fit_counts(rows: pd.DataFrame) -> dict[str, int]:
    """How many rows have each pre-screen verdict, in the verdicts' order."""
    counts = rows["fit"].value_counts()
    return {verdict: int(counts.get(verdict, 0)) for verdict in VERDICTS}


def status_label(group: str) -> str:
    """A status in its colour, for Markdown: the words carry the meaning, the colour repeats it."""
    colour = STATUS_COLOURS.get(group, STATUS_COLOURS["Status unknown"])
    return f":color[**{plain.md_escape(group)}**]{{foreground=\"{colour}\"}}"


@dataclass(frozen=True)
class ListItem:
    study_id: str
    title: str  # registry text, for a button label (escaped by the caller's widget)
    details: str  # Markdown, registry text escaped


def _places(countries: str, shown: int = 2) -> str:
    names = sorted(split(countries))
    if not names:
        return "no site listed"
    more = len(names) - shown
    return ", ".join(names[:shown]) + (f" and {plain.count(more, 'more country', 'more countries')}"
                                       if more > 0 else "")


def _where(row) -> str:
    """The nearest open site when the patient gave a place (trials.nearby), else the countries."""
    site, km = getattr(row, "nearest_site", ""), getattr(row, "distance_km", None)
    if site and km is not None and not pd.isna(km):
        about = "about " if getattr(row, "distance_approximate", "") == "yes" else ""
        return f"nearest open site {plain.clip(site, 80)}, {about}{km:,} km"
    return _places(row.countries)


def phone_list(view: pd.DataFrame, limit: int = MAX_PHONE_ITEMS) -> list[ListItem]:
    """The compact list: title, then therapy, status, where (the nearest open site after "near
    me", else the countries) and study role on one line."""
    items = []
    for row in view.head(limit).itertuples(index=False):
        # A status is the sponsor's word on some day: which, and whether it may have aged.
        notes = [OUT_OF_DATE.strip(" ()")] if row.status_caution else []
        notes += [f"record updated {plain.md_escape(row.last_update)}"] if row.last_update else []
        status = status_label(row.status_group) + (f" ({'; '.join(notes)})" if notes else "")
        parts = [plain.md_escape(row.therapy_types.replace(LIST_SEPARATOR, " and ")) or "Therapy not classified",
                 status,
                 plain.md_escape(_where(row)),
                 plain.md_escape(plain.ROLE_WORDS.get(row.study_role, row.study_role))]
        if getattr(row, "fit", None):
            parts.insert(0, f"**Pre-screen: {plain.md_escape(row.fit)}**")
        if getattr(row, "changed", ""):  # the banner above says what changed points here
            parts.insert(0, f"**Changed: {plain.md_escape(row.changed)}**")
        if not row.contacts_listed:  # so a patient opens first the studies they can reach
            parts.append("no phone or e-mail in the stored record")
        if row.flags:
            parts.append("⚠ read the warning on its card")
        items.append(ListItem(row.study_id, plain.clip(with_acronym(row.title, row.acronym), plain.TITLE_LIMIT),
                              " · ".join(p for p in parts if p)))
    return items


def status_chart(counts: pd.DataFrame) -> dict:
    """A Vega-Lite spec of studies per therapy type and status (``summary.therapy_status_counts``):
    one labelled bar per pair, so no legend can be cut and no status is told by colour alone.

    A plain spec, not Altair: Altair validates every call against the schema, which cost
    more server time than the rest of the page (see bench/RESULTS.md).
    """
    data = counts.assign(row=counts["therapy_type"] + ": " + counts["status"],
                         order=counts["status"].map(list(STATUS_GROUPS).index))
    data = data.sort_values(["therapy_type", "order"])
    axis = {"labelColor": TEXT_COLOUR, "titleColor": TEXT_COLOUR, "labelFontSize": 13, "labelLimit": 360}
    y = {"field": "row", "type": "nominal", "sort": list(data["row"]), "title": None, "axis": axis}
    x = {"field": "studies", "type": "quantitative", "title": "Studies", "axis": {"tickMinStep": 1, **axis}}
    colour = {"field": "status", "type": "nominal", "legend": None,
              "scale": {"domain": list(STATUS_COLOURS), "range": list(STATUS_COLOURS.values())}}
    return {
        "title": {"text": "Studies by therapy type and status", "color": TEXT_COLOUR, "anchor": "start"},
        "height": {"step": 26},  # one band per bar, however many
        "data": {"values": data[["therapy_type", "status", "studies", "row"]].to_dict("records")},
        "layer": [
            {"mark": {"type": "bar", "tooltip": True}, "encoding": {"x": x, "y": y, "color": colour}},
            {"mark": {"type": "text", "align": "left", "dx": 4, "color": TEXT_COLOUR, "fontSize": 13},
             "encoding": {"x": x, "y": y, "text": {"field": "studies", "type": "quantitative"}}},
        ],
    }


@dataclass(frozen=True)
class View:
    """Everything the page shows of one filtered table, computed together so that the page
    can keep it for the next visitor who asks for the same filters."""

    frame: pd.DataFrame  # the rows, as the CSV exports them
    # The table and the chart's data as Arrow, the form Streamlit sends: converted once here,
    # not on every page view.
    table: pa.Table  # the desktop table's columns
    items: tuple[ListItem, ...]  # the phone list, every row
    chart: dict  # a Vega-Lite spec whose data is chart_data
    chart_data: pa.Table
    summary: str


FLAG_MARKER = "⚠"  # the table's sign for "read the warning on this study's card"
DISPLAY_COLUMNS = ("url", "title", "therapy_types", "therapy_kind", "study_role", "status_group", "phases",
                   "countries", "recruiting_sites", "flags", "last_update")
OUT_OF_DATE = " (may be out of date)"  # after a status whose record is past its dates


# Columns that lead the page's table when a search adds them: what changed, the distance
# from the patient (trials.nearby), the pre-screen's fit.
LEADING_COLUMNS = ("changed", "distance_km", "nearest_site", "fit")


def for_display(df: pd.DataFrame) -> pd.DataFrame:
    """The page's columns (what a search added first: changes, distance, fit), phases in words,
    titles cut to a readable length, and a warning marker in front of a flagged study's reasons."""
    # A column a search added is shown when it says something for at least one study.
    leading = [c for c in LEADING_COLUMNS if c in df and df[c].map(lambda v: not pd.isna(v) and v != "").any()]
    shown = df[leading + list(DISPLAY_COLUMNS)].copy()
    shown["title"] = shown["title"].map(lambda t: plain.clip(t, plain.TITLE_LIMIT))
    shown["phases"] = shown["phases"].map(lambda cell: plain.phase_words(cell.split(LIST_SEPARATOR) if cell else ()))
    shown["flags"] = shown["flags"].map(lambda cell: f"{FLAG_MARKER} {cell}" if cell else "")
    shown["status_group"] = shown["status_group"] + df.loc[shown.index, "status_caution"].map(
        lambda caution: OUT_OF_DATE if caution else "")
    shown["recruiting_sites"] = shown["recruiting_sites"].map(lambda n: "unknown" if pd.isna(n) else str(n))
    if "distance_km" in shown:  # in words, "about" when approximate; empty when unknown
        shown["distance_km"] = [
            "" if pd.isna(km) else f"{'about ' if approx == 'yes' else ''}{km:,} km"
            for km, approx in zip(df.loc[shown.index, "distance_km"], df.loc[shown.index, "distance_approximate"],
                                  strict=True)]
    return shown


def make_view(frame: pd.DataFrame) -> View:
    chart = status_chart(summary.therapy_status_counts(frame)) if len(frame) else {"data": {"values": []}}
    chart_data = pa.Table.from_pylist(chart.pop("data")["values"])  # the page draws no empty chart
    return View(
        frame=frame,
        table=pa.Table.from_pandas(for_display(frame), preserve_index=False),
        items=tuple(phone_list(frame, limit=len(frame))),
        chart=chart,
        chart_data=chart_data,
        summary=summary.summarize(frame).text,
    )
