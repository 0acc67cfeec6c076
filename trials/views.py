"""What the page draws, as data: the status colours, the compact list for phones, the
chart, and the style block that shows the list or the table by screen width.

Kept out of ``app.py`` so that the page only lays things out and this can be tested.
"""

from __future__ import annotations

from dataclasses import dataclass

import altair as alt
import pandas as pd

from . import plain
from .filters import LIST_SEPARATOR, STATUS_GROUPS, split

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
@media (max-width: {PHONE_MAX_WIDTH}px) {{ .st-key-desktop_table {{ display: none; }} }}
@media (min-width: {PHONE_MAX_WIDTH + 1}px) {{ .st-key-phone_list {{ display: none; }} }}
.st-key-phone_list button {{ text-align: left; justify-content: flex-start; padding: 0.25rem 0; }}
.st-key-phone_list button p {{ font-weight: 600; text-decoration: underline; }}
h1 {{ font-size: 2.25rem !important; }}
h2 {{ font-size: 1.6rem !important; }}
@media (max-width: {PHONE_MAX_WIDTH}px) {{
  h1 {{ font-size: 1.6rem !important; padding-top: 0 !important; }}
  h2 {{ font-size: 1.3rem !important; }}
  .stMainBlockContainer {{ padding-top: 3.25rem !important; }}
}}
</style>"""

MAX_PHONE_ITEMS = 50  # the list's length before "show all": a phone scrolls, but not forever


def status_label(group: str) -> str:
    """A status in its colour, for Markdown: the words carry the meaning, the colour repeats it."""
    colour = STATUS_COLOURS.get(group, STATUS_COLOURS["Status unknown"])
    return f":color[**{plain.md_escape(group)}**]{{foreground=\"{colour}\"}}"


@dataclass(frozen=True)
class ListItem:
    nct_id: str
    title: str  # registry text, for a button label (escaped by the caller's widget)
    details: str  # Markdown, registry text escaped


def _places(countries: str, shown: int = 2) -> str:
    names = sorted(split(countries))
    if not names:
        return "no site listed"
    more = len(names) - shown
    return ", ".join(names[:shown]) + (f" and {plain.count(more, 'more country', 'more countries')}"
                                       if more > 0 else "")


def phone_list(view: pd.DataFrame, limit: int = MAX_PHONE_ITEMS) -> list[ListItem]:
    """The compact list: title, then therapy, status, countries and study role on one line."""
    items = []
    for row in view.head(limit).itertuples(index=False):
        parts = [plain.md_escape(row.therapy_types.replace(LIST_SEPARATOR, " and ")) or "Therapy not classified",
                 status_label(row.status_group),
                 plain.md_escape(_places(row.countries)),
                 plain.md_escape(plain.ROLE_WORDS.get(row.study_role, row.study_role))]
        if getattr(row, "fit", None):
            parts.insert(0, f"**Pre-screen: {plain.md_escape(row.fit)}**")
        if row.flags:
            parts.append("⚠ read the warning on its card")
        items.append(ListItem(row.nct_id, row.title, " · ".join(p for p in parts if p)))
    return items


def status_chart(counts: pd.DataFrame) -> alt.Chart:
    """Studies per therapy type and status (``summary.therapy_status_counts``): one labelled bar
    per pair, so the legend cannot be cut and no status is told by colour alone."""
    data = counts.assign(
        row=counts["therapy_type"] + ": " + counts["status"],
        order=counts["status"].map(list(STATUS_GROUPS).index))
    rows = list(data.sort_values(["therapy_type", "order"])["row"])
    axis = dict(labelColor=TEXT_COLOUR, titleColor=TEXT_COLOUR, labelFontSize=13, labelLimit=360)
    y = alt.Y("row:N", sort=rows, title=None, axis=alt.Axis(**axis))
    bars = alt.Chart(data).mark_bar().encode(
        x=alt.X("studies:Q", title="Studies", axis=alt.Axis(tickMinStep=1, **axis)),
        y=y,
        color=alt.Color("status:N", legend=None,
                        scale=alt.Scale(domain=list(STATUS_COLOURS), range=list(STATUS_COLOURS.values()))),
        tooltip=["therapy_type", "status", "studies"],
    )
    labels = bars.mark_text(align="left", dx=4, color=TEXT_COLOUR, fontSize=13).encode(
        text="studies:Q", color=alt.value(TEXT_COLOUR))
    return (bars + labels).properties(
        height=24 * len(rows) + 40,
        title=alt.TitleParams("Studies by therapy type and status", color=TEXT_COLOUR, anchor="start"))
