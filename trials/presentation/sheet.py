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
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Final

from ..analysis import findings
from ..analysis.status import status_group, status_words
from ..analysis.table import Entry
from ..ids import name_of
from . import facts, plain
from .compare import who_can_take_part

if TYPE_CHECKING:
    from ..pipeline import AboutOne

PAPERS: Final = {"a4": "A4", "letter": "Letter"}
MAX_REASONS = 5  # pre-screen reasons on the sheet; the card has all of them
MAX_PUBLICATIONS = 3
MAX_LINE = 240  # characters of one registry text (a title, a site, a citation) on the sheet
FONT_SCALES = (1.0, 0.93, 0.86, 0.8)  # tried in turn until everything fits on one page


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
    registry: str  # the name of the registry whose record the sheet reads


def _for_whom(entry: Entry, about: AboutOne) -> str:
    if about.row is None:
        return "not read for this study (it is not among the listed stem-cell studies): see the registry record"
    limits = who_can_take_part(about.row, entry.study)
    return "; ".join(f"{question}: {answer}" for question, answer in limits.items())


def _found_lines(entry: Entry) -> tuple[str, ...]:
    """The card's statements (``findings.statements``) about the findings, as lines, the first
    few publications only; the papers kept apart stay on the card."""
    said = [s for s in findings.statements(entry.study, entry.is_full) if s.finding]
    papers = [s for s in said if s.link.startswith("https://pubmed")]
    kept = [s for s in said if s not in papers[MAX_PUBLICATIONS:]]
    lines = [f"{s.label}: {plain.clip(s.text, MAX_LINE)} {s.link}".strip() if s.label else s.text for s in kept]
    if len(papers) > MAX_PUBLICATIONS:
        lines.append(f"... and {len(papers) - MAX_PUBLICATIONS} more publications on the study's card.")
    return tuple(lines)


def _where_lines(entry: Entry, about: AboutOne) -> tuple[str, tuple[str, ...]]:
    site, study = about.site, entry.study
    if site is not None:
        distance = f"about {round(site.distance_km):,} km from {about.place}" if site.distance_km is not None else ""
        where = ", ".join(p for p in (site.facility, site.city, site.country) if p)
        return "Nearest open site", tuple(plain.clip(line, MAX_LINE) for line in (
            where, distance, f"Site status: {status_words(site.status)}",
            f"Contact: {site.contact}" if site.contact else "Contact: none listed for this site") if line)
    none_open = (f"No site of this study is open to new participants according to the stored record "
                 f"(searched from {about.place}).",) if about.place else ()
    contacts = [plain.clip(c.text, MAX_LINE) for c in study.central_contacts if c.text][:3]
    if contacts:
        return "Whom to contact", (*none_open, *contacts)
    return "Whom to contact", (*none_open, "The stored record lists no contact for this study: use the "
                                           "registry link.")


def sheet_content(entry: Entry, about: AboutOne, *, with_answers: bool = True, today: date | None = None) -> Content:
    """What the sheet says; the pre-screen only when the query held answers and
    ``with_answers``."""
    study = entry.study
    today = today or date.today()
    row = about.row
    kind = str(row["therapy_kind"]) if row is not None and row.get("therapy_kind") else "not classified"
    role = plain.ROLE_WORDS.get(entry.study_role, entry.study_role) or "not stated"
    kind_of_study = plain.STUDY_TYPE_WORDS.get(study.study_type, study.study_type).split(" (")[0]
    design = "; ".join(p for p in (plain.phase_words(study.phases) if study.phases else "", kind_of_study) if p)
    registered = status_words(study.overall_status) or "not stated"
    blocks = [
        Block("What the study does", (
            f"Therapy: {kind}", f"Study role: {role}", f"Design: {design or 'not stated in the record'}",
            f"Who can take part (as registered): {_for_whom(entry, about)}")),
        Block("Status", (
            f"{status_group(study.overall_status)} (registry status {registered}), "
            f"record last updated {study.last_update or 'on a date not stated'}.",
            *((str(row["status_caution"]),) if row is not None and row.get("status_caution") else ()),
            about.age)),
        Block("What it found", _found_lines(entry)),
    ]
    if with_answers and about.fit is not None:
        verdict, reasons = about.fit
        shown = [plain.clip(r, 150) for r in reasons.splitlines() if r.strip()]
        more = len(shown) - MAX_REASONS
        given = about.answers
        answers = "; ".join(a for a in (
            f"age {given.age}" if given.age is not None else "", given.sex or "",
            given.ms_type or "", f"EDSS {given.edss:.1f}" if given.edss is not None else "") if a)
        blocks.append(Block("My pre-screen (my own answers)", (
            f"My answers: {answers}. Result: {verdict}. Only the study team decides who takes part.",
            *shown[:MAX_REASONS],
            *((f"... and {more} more criteria to check: see the study's card in the finder or its registry record.",)
              if more > 0 else ()))))
    blocks.append(Block(*_where_lines(entry, about)))
    questions = facts.load_facts().sheet_questions
    sources = list(dict.fromkeys(q.url for q in questions))
    blocks.append(Block("Questions to ask", tuple(
        f"- {q.text} [{sources.index(q.url) + 1}]" for q in questions)))
    # A source's date is the oldest of the questions taken from it: when all were last checked.
    checked = {url: min(q.checked_on for q in questions if q.url == url) for url in sources}
    first = {url: next(q for q in questions if q.url == url) for url in sources}
    blocks.append(Block("Sources of the questions", tuple(
        f"[{i + 1}] {first[url].citation} Checked on {checked[url].isoformat()}."
        for i, url in enumerate(sources)), small=True))
    footer = (f"Made on {today.isoformat()} by the MS stem-cell trial finder from {name_of(study.id.registry)} data. "
              f"{plain.SHORT_DISCLAIMER}")
    return Content(study.title, study.id.value, study.url, tuple(blocks), footer, name_of(study.id.registry))


def clinic_sheet(entry: Entry, about: AboutOne, *, paper: str = "a4", with_answers: bool = True) -> bytes:
    """The sheet for ``entry`` as a PDF."""
    return sheet_pdf(sheet_content(entry, about, with_answers=with_answers), paper)


# -- drawing -----------------------------------------------------------------------------

# The PDF's built-in fonts hold Latin-1 only. Registry text is English, with typographic
# punctuation and some accented names: punctuation is spelled plainly, letters outside
# Latin-1 lose their accents ("Łódź" -> "Lódz"), and anything else becomes "?".
_PLAIN = str.maketrans({"‘": "'", "’": "'", "“": '"', "”": '"', "–": "-", "—": "-", "…": "...",
                        "•": "-", "\u2060": "", "\u00a0": " ", "≥": ">=", "≤": "<=", "·": "-",
                        "Ł": "L", "ł": "l", "Đ": "D", "đ": "d", "ı": "i", "Œ": "OE", "œ": "oe"})
# Marks that only steer how text is laid out: dropped, never shown as "?".
_INVISIBLE = {"Cf"}


def latin1(text: str) -> str:
    out = []
    for ch in plain.terminal_safe(text).translate(_PLAIN):
        if ord(ch) < 256:
            out.append(ch)
        elif unicodedata.category(ch) not in _INVISIBLE:
            base = unicodedata.normalize("NFKD", ch).encode("latin-1", "ignore").decode("latin-1")
            out.append(base or "?")
    return "".join(out)


def _title(text: str) -> str:
    """The title as the sheet can print it; one mostly in another script is named, not mangled."""
    shown = latin1(plain.clip(text, MAX_LINE))
    if shown.count("?") > len(shown) / 3:
        return "(The title is in a script this sheet cannot print: see the registry link.)"
    return shown


def _draw(content: Content, paper: str, scale: float) -> tuple[bytes, int]:
    import segno
    from fpdf import FPDF  # loaded only when a sheet is made

    pdf = FPDF(format=PAPERS[paper], unit="mm")
    pdf.set_margins(15, 12, 15)
    pdf.set_auto_page_break(True, margin=12)
    pdf.set_title(latin1(f"{content.study_id}: {plain.clip(content.title, MAX_LINE)}"))
    pdf.set_creator("MS stem-cell trial finder")
    pdf.add_page()
    width = pdf.w - pdf.l_margin - pdf.r_margin
    qr_size = 27.0
    beside_qr = width - qr_size - 5
    pdf.set_font("Helvetica", "", 8)
    pdf.cell(width, 4, "Sheet for my neurologist - MS stem-cell trial finder - not medical advice",
             new_x="LMARGIN", new_y="NEXT")
    top = pdf.get_y() + 2
    # The QR code: the registry link, at the top right.
    code = segno.make(content.url, error="m")
    size = qr_size / code.symbol_size(border=0)[0]
    for y, row in enumerate(code.matrix):
        for x, dark in enumerate(row):
            if dark:
                pdf.rect(pdf.w - pdf.r_margin - qr_size + x * size, top + y * size, size, size, style="F")
    pdf.set_xy(pdf.l_margin, top)
    pdf.set_font("Helvetica", "B", 14 * scale)
    pdf.multi_cell(beside_qr, 6.2 * scale, _title(content.title), align="L", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", "", 10)
    pdf.cell(beside_qr, 5, f"{content.study_id} on {content.registry}:", new_x="LMARGIN", new_y="NEXT")
    pdf.set_text_color(11, 92, 173)
    pdf.cell(beside_qr, 5, content.url, link=content.url, new_x="LMARGIN", new_y="NEXT")
    pdf.set_text_color(0, 0, 0)
    pdf.set_y(max(pdf.get_y(), top + qr_size) + 2)
    for block in content.blocks:
        pdf.set_font("Helvetica", "B", 10.5 * scale)
        pdf.cell(width, 5.5 * scale, latin1(block.heading), new_x="LMARGIN", new_y="NEXT")
        pdf.set_font("Helvetica", "", (8 if block.small else 9) * scale)
        for line in block.lines:
            pdf.multi_cell(width, (3.5 if block.small else 3.9) * scale, latin1(line), align="L",
                           new_x="LMARGIN", new_y="NEXT")
        pdf.ln(1.0 * scale)
    pdf.set_font("Helvetica", "I", 8 * scale)
    pdf.multi_cell(width, 3.7 * scale, latin1(content.footer), align="L", new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output()), pdf.page_no()


def sheet_pdf(content: Content, paper: str = "a4") -> bytes:
    """The sheet on one page: drawn again a little smaller while it does not fit. Every
    registry text is cut to ``MAX_LINE``; the smallest scale is kept if even it spills over
    (tests/test_sheet.py draws the longest real records)."""
    for scale in FONT_SCALES:
        drawn, pages = _draw(content, paper, scale)
        if pages == 1:
            return drawn
    return drawn
