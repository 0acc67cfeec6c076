"""A one-page sheet about one study, to take to the neurologist: what the study does and for
whom, its status with the data's age, what it found, the patient's own pre-screen (only when
asked for), the nearest open site or the study's contacts, questions to ask with their
sources, and the registry link as text and as a QR code. PDF, A4 or US Letter.

The content is built first (``sheet_content``: plain data a test can read), then drawn
(``sheet_pdf``). fpdf2 draws it (pure Python; named in the README) and segno makes the QR
code, drawn as vector squares so it prints sharp at any size.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, replace
from datetime import date
from typing import Final

import pandas as pd

from ..analysis.findings import findings_of
from ..analysis.nearby import SiteAt
from ..analysis.status import status_group, status_words
from ..analysis.table import Entry
from ..pipeline import Result
from ..query import Filters, Query
from . import facts, plain

PAPERS: Final = {"a4": "A4", "letter": "Letter"}
MAX_REASONS = 5  # pre-screen reasons on the sheet; the card has all of them
MAX_PUBLICATIONS = 3
MAX_CONTACTS = 3


@dataclass(frozen=True)
class Block:
    heading: str
    lines: tuple[str, ...]
    small: bool = False  # printed smaller: the sources' addresses


@dataclass(frozen=True)
class Content:
    title: str
    study_id: str
    url: str
    blocks: tuple[Block, ...]
    footer: str


def _for_whom(row: pd.Series | None) -> str:
    """The published limits the finder read, or that the record states none it could read."""
    if row is None:
        return "not read for this study (it is not among the listed stem-cell studies): see the registry record"
    parts = []
    if row.get("ms_types"):
        parts.append("MS types " + str(row["ms_types"]).replace(";", ", "))
    low, high = row.get("min_age"), row.get("max_age")
    if pd.notna(low) or pd.notna(high):
        parts.append(f"age {int(low) if pd.notna(low) else 'no minimum'} to "
                     f"{int(high) if pd.notna(high) else 'no maximum'}")
    if pd.notna(row.get("edss_min")) or pd.notna(row.get("edss_max")):
        parts.append(f"EDSS {row['edss_min'] if pd.notna(row['edss_min']) else 'any'} to "
                     f"{row['edss_max'] if pd.notna(row['edss_max']) else 'any'}")
    return "; ".join(parts) or "no limit on MS type, age or EDSS could be read from the record: ask the study team"


def _findings_lines(entry: Entry) -> tuple[str, ...]:
    if not entry.is_full:
        return ("Only summary fields are stored for this study: see the registry record for results.",)
    found = findings_of(entry.study)
    lines = []
    if found.has_results:
        lines.append(f"Results are posted on the registry (first posted "
                     f"{found.results_first_posted or 'on a date not stated'}): {found.results_url}")
    for publication in found.publications[:MAX_PUBLICATIONS]:
        lines.append(f"Publication (linked by {publication.linked_by}): {plain.clip(publication.citation, 130)} "
                     f"{publication.url}".strip())
    if len(found.publications) > MAX_PUBLICATIONS:
        lines.append(f"... and {len(found.publications) - MAX_PUBLICATIONS} more on the study's card.")
    if not found.any:
        lines.append("No results are posted and the record lists no publication of this study's results yet.")
    else:
        lines.append("Results may show that a treatment did not work or was not safe enough.")
    return tuple(lines)


def _where_lines(entry: Entry, site: SiteAt | None, place: str) -> tuple[str, tuple[str, ...]]:
    study = entry.study
    if site is not None:
        distance = f"about {round(site.distance_km):,} km from {place}" if site.distance_km is not None else ""
        where = ", ".join(p for p in (site.facility, site.city, site.country) if p)
        return "Nearest open site", tuple(line for line in (
            where, distance, f"Site status: {status_words(site.status)}",
            f"Contact: {site.contact}" if site.contact else "Contact: none listed for this site") if line)
    contacts = [c.text for c in study.central_contacts if c.text][:MAX_CONTACTS]
    if contacts:
        return "Whom to contact", tuple(contacts)
    return "Whom to contact", ("The stored record lists no contact for this study: use the registry link.",)


def sheet_content(entry: Entry, row: pd.Series | None, age: str, *, fit: tuple[str, str] | None = None,
                  site: SiteAt | None = None, place: str = "", today: date | None = None) -> Content:
    """What the sheet says. ``row`` is the study's table row (None when it is not listed);
    ``fit`` the patient's (verdict, reasons) when they asked for it; ``site`` the nearest
    open site to ``place``."""
    study = entry.study
    today = today or date.today()
    kind = str(row["therapy_kind"]) if row is not None and row.get("therapy_kind") else "not classified"
    role = plain.ROLE_WORDS.get(entry.study_role, entry.study_role) or "not stated"
    design = "; ".join(p for p in (plain.phase_words(study.phases) if study.phases else "",
                                    plain.STUDY_TYPE_WORDS.get(study.study_type, study.study_type).split(" (")[0])
                       if p)
    status = status_group(study.overall_status)
    blocks = [
        Block("What the study does", (
            f"Therapy: {kind}", f"Study role: {role}", f"Design: {design or 'not stated in the record'}",
            f"For whom (as registered): {_for_whom(row)}")),
        Block("Status", (
            f"{status} (registry status {status_words(study.overall_status) or 'not stated'}), "
            f"record last updated {study.last_update or 'on a date not stated'}.",
            *((str(row["status_caution"]),) if row is not None and row.get("status_caution") else ()),
            age)),
        Block("What it found", _findings_lines(entry)),
    ]
    if fit is not None:
        verdict, reasons = fit
        shown = [plain.clip(r, 150) for r in reasons.splitlines() if r.strip()]
        more = len(shown) - MAX_REASONS
        blocks.append(Block("My pre-screen (my own answers)", (
            f"Result: {verdict}. Only the study team decides who takes part.",
            *shown[:MAX_REASONS], *((f"... and {more} more on the study's card.",) if more > 0 else ()))))
    heading, lines = _where_lines(entry, site, place)
    blocks.append(Block(heading, lines))
    questions = facts.load_facts().sheet_questions
    sources = list(dict.fromkeys(q.url for q in questions))
    blocks.append(Block("Questions to ask", tuple(
        f"- {q.text} [{sources.index(q.url) + 1}]" for q in questions)))
    cited = {q.url: q for q in questions}
    blocks.append(Block("Sources of the questions", tuple(
        f"[{i + 1}] {cited[url].citation} Checked on {cited[url].checked_on.isoformat()}."
        for i, url in enumerate(sources)), small=True))
    footer = (f"Made on {today.isoformat()} by the MS stem-cell trial finder from ClinicalTrials.gov data. "
              f"{plain.SHORT_DISCLAIMER}")
    return Content(study.title, study.id.value, study.url, tuple(blocks), footer)


def sheet_query(query: Query) -> Query:
    """The search a sheet reads: the reader's place and answers over every listed study,
    whatever the filters, so the sheet's study is among the rows."""
    return replace(query, filters=Filters(gives_therapy=False), study=None, compare=())


def clinic_sheet(entry: Entry, result: Result, age: str, *, paper: str = "a4", with_answers: bool = True) -> bytes:
    """The sheet for ``entry`` as a PDF, from a search over every listed study (``result``):
    its row, the pre-screen when the query holds answers and ``with_answers``, and its nearest
    open site when the query gave a place. ``age``: the data's, with its warning."""
    rows = result.rows[result.rows["nct_id"] == entry.study.id.value]
    row = rows.iloc[0] if len(rows) else None
    fit = (str(row["fit"]), str(row["fit_reasons"])) if with_answers and row is not None and "fit" in row else None
    near = result.near
    site = next((s for s in near.sites if s.nct_id == entry.study.id.value), None) if near else None
    content = sheet_content(entry, row, age, fit=fit, site=site, place=near.origin.label if near else "")
    return sheet_pdf(content, paper)


# -- drawing -----------------------------------------------------------------------------

# The PDF's built-in fonts hold Latin-1 only. Registry text is English, with typographic
# punctuation and some accented names: punctuation is spelled plainly, accents outside
# Latin-1 are dropped ("Łódź" -> "Lodz"), and anything else becomes "?".
_PLAIN = str.maketrans({"‘": "'", "’": "'", "“": '"', "”": '"', "–": "-", "—": "-", "…": "...",
                        "•": "-", "\u2060": "", "\u00a0": " ", "≥": ">=", "≤": "<=", "·": "-",
                        "Ł": "L", "ł": "l", "Đ": "D", "đ": "d", "ı": "i", "Œ": "OE", "œ": "oe"})


def latin1(text: str) -> str:
    out = []
    for ch in text.translate(_PLAIN):
        if ord(ch) < 256:
            out.append(ch)
            continue
        base = unicodedata.normalize("NFKD", ch).encode("latin-1", "ignore").decode("latin-1")
        out.append(base or "?")
    return "".join(out)


def sheet_pdf(content: Content, paper: str = "a4") -> bytes:
    import segno
    from fpdf import FPDF  # loaded only when a sheet is made

    pdf = FPDF(format=PAPERS[paper], unit="mm")
    pdf.set_margins(15, 12, 15)
    pdf.set_auto_page_break(True, margin=12)
    pdf.set_title(latin1(f"{content.study_id}: {content.title}"))
    pdf.set_creator("MS stem-cell trial finder")
    pdf.add_page()
    width = pdf.w - pdf.l_margin - pdf.r_margin
    qr_size = 27.0
    pdf.set_font("Helvetica", "", 8)
    pdf.cell(width, 4, latin1("Sheet for my neurologist - MS stem-cell trial finder - not medical advice"),
             new_x="LMARGIN", new_y="NEXT")
    top = pdf.get_y() + 2
    # The QR code: the registry link, at the top right.
    code = segno.make(content.url, error="m")
    size = qr_size / (code.symbol_size(border=0)[0])
    for y, row in enumerate(code.matrix):
        for x, dark in enumerate(row):
            if dark:
                pdf.rect(pdf.w - pdf.r_margin - qr_size + x * size, top + y * size, size, size, style="F")
    pdf.set_xy(pdf.l_margin, top)
    pdf.set_font("Helvetica", "B", 14)
    pdf.multi_cell(width - qr_size - 5, 6.2, latin1(plain.clip(content.title, 230)), align="L",
                   new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", "", 10)
    pdf.cell(width - qr_size - 5, 5, latin1(f"{content.study_id} on ClinicalTrials.gov:"),
             new_x="LMARGIN", new_y="NEXT")
    pdf.set_text_color(11, 92, 173)
    pdf.cell(width - qr_size - 5, 5, content.url, link=content.url, new_x="LMARGIN", new_y="NEXT")
    pdf.set_text_color(0, 0, 0)
    pdf.set_y(max(pdf.get_y(), top + qr_size) + 2)
    for block in content.blocks:
        pdf.set_font("Helvetica", "B", 10.5)
        pdf.cell(width, 5.5, latin1(block.heading), new_x="LMARGIN", new_y="NEXT")
        pdf.set_font("Helvetica", "", 8 if block.small else 9)
        for line in block.lines:
            pdf.multi_cell(width, 3.5 if block.small else 3.9, latin1(line), align="L", new_x="LMARGIN", new_y="NEXT")
        pdf.ln(1.0)
    pdf.set_font("Helvetica", "I", 8)
    pdf.multi_cell(width, 3.7, latin1(content.footer), align="L", new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())
