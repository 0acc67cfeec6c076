"""CSV export safety and the plain-language helpers."""

from __future__ import annotations

import csv
import io
import json
import re
from datetime import datetime, timezone

import pandas as pd
import pytest

from trials.analysis import status
from trials.errors import InputError
from trials.presentation import detail, plain
from trials.presentation.export import csv_bytes, write_csv
from trials.registries.ctgov.download import import_download
from trials.snapshot import read as load
from trials.store.sqlite import Store

from .conftest import hostile_study


@pytest.mark.parametrize("cell", ["=HYPERLINK(\"http://x\")", "+1", "-2+3", "@SUM(A1)", "\tx", "\rx"])
def test_formula_cells_are_neutralised(cell):
    df = pd.DataFrame({"title": [cell], "enrollment": pd.array([-5], dtype="Int64")})
    data = csv_bytes(df)
    assert data.startswith(b"\xef\xbb\xbf")
    [row] = list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))
    assert row["title"] == "'" + cell
    assert row["enrollment"] == "-5"  # numbers are numbers, not formulas


def test_ordinary_text_and_unicode_survive():
    df = pd.DataFrame({"title": ["Greffe de cellules souches – Köln, 東京", "a, \"quoted\" value"]})
    rows = list(csv.DictReader(io.StringIO(csv_bytes(df).decode("utf-8-sig"))))
    assert [r["title"] for r in rows] == list(df["title"])


def test_write_csv_to_an_unwritable_place_is_an_input_error(tmp_path):
    with pytest.raises(InputError, match="Cannot write"):
        write_csv(pd.DataFrame({"a": [1]}), tmp_path / "missing" / "x.csv")


def test_md_escape_makes_markdown_and_directives_inert():
    text = "**bold** [link](http://evil) <b>x</b> :red[alarm] $x$ # head\n* item"
    escaped = plain.md_escape(text)
    for raw in ("**", "[link]", "<b>", ":red[", "$x$", "\n* item"):
        assert raw not in escaped
    assert escaped.count("  \n") == 1  # line breaks kept as hard breaks


def test_every_status_has_a_group_and_meaning():
    assert len(status.ALL_STATUSES) == 14 == len(set(status.ALL_STATUSES))
    assert set(plain.STATUS_MEANING) == set(status.ALL_STATUSES)
    assert status.status_group("RECRUITING") == "Recruiting now"
    assert status.status_group("TERMINATED") == "Stopped early"
    assert status.status_group("SOMETHING_NEW") == "Status unknown"


def test_phase_words():
    assert plain.phase_words(("PHASE1", "PHASE2")) == "Phase 1 / Phase 2"
    assert plain.phase_words(("NA",)) == "No phase"
    assert plain.phase_words(()) == "Not stated"


def test_data_age_says_when_and_how_long_ago():
    now = datetime(2025, 9, 25, 11, 30, tzinfo=timezone.utc)
    text = plain.data_age("2025-09-25T09:00:05", "2025-09-25T09:25:00Z", now)
    assert text == "ClinicalTrials.gov data as of 2025-09-25 09:00 UTC, fetched 2 hours ago."
    assert plain.data_age(None, None, now) == "No data yet."
    assert "just now" in plain.data_age("2025-09-25", "2025-09-25T11:30:00Z", now)


@pytest.mark.parametrize("cell, safe", [
    ("Multiple Sclerosis; =cmd|' /C calc'!A0", "Multiple Sclerosis; '=cmd|' /C calc'!A0"),
    ("a,@SUM(A1)", "a,'@SUM(A1)"),
    ("first line\n-2+3", "first line\n'-2+3"),
    ("x;\t+1", "x;\t'+1"),
    ("  =1+1", "  '=1+1"),
    ("Phase 1; Phase 2", "Phase 1; Phase 2"),
])
def test_formula_triggers_after_separators_and_line_breaks_are_neutralised(cell, safe):
    [row] = list(csv.DictReader(io.StringIO(csv_bytes(pd.DataFrame({"c": [cell]})).decode("utf-8-sig"))))
    assert row["c"] == safe


TRIGGERS = ("=", "+", "-", "@")


def spreadsheet_pieces(text: str, delimiter: str) -> list[str]:
    """Every cell a spreadsheet could see: CSV cells, split again on ; , and line breaks."""
    cells = [c for r in csv.reader(io.StringIO(text), delimiter=delimiter) for c in r]
    return [p for c in cells for p in re.split(r"[;,\r\n]", c)]


def test_the_tables_list_columns_are_safe_in_every_spreadsheet(tmp_path):
    # Built from BEAT-MS's shape with formula text in list columns (conditions, interventions).
    path = tmp_path / "hostile.json"
    path.write_text(json.dumps([hostile_study()]), encoding="utf-8")
    store = Store(tmp_path / "s.sqlite3")
    import_download(store, path)
    table = load(store).table
    assert "Multiple Sclerosis; =cmd|' /C calc'!A0" in set(table["conditions"])
    text = csv_bytes(table).decode("utf-8-sig")
    row = next(csv.DictReader(io.StringIO(text)))
    assert row["conditions"] == "Multiple Sclerosis; '=cmd|' /C calc'!A0"
    assert row["interventions"].endswith("Drug: +cyclophosphamide, '@rituximab")
    for delimiter in (",", ";"):  # as written, and as a spreadsheet in another locale reads it
        for piece in spreadsheet_pieces(text, delimiter):
            assert not piece.lstrip(" \t\"").startswith(TRIGGERS), piece


# What GFM's autolink-literal extension (which Streamlit's Markdown runs) turns into a link.
AUTOLINK = re.compile(r"https?://|www\.|[\w.+-]@[\w-]+\.\w", re.IGNORECASE)


@pytest.mark.parametrize("text", [
    "see http://evil.example/a", "HTTPS://evil.example", "visit www.evil.example now",
    "WWW.Evil.example", "write to someone@evil.example", "mailto:a@b.example", ":smile:",
])
def test_md_escape_leaves_nothing_for_the_linkifier(text):
    escaped = plain.md_escape(text)
    assert not AUTOLINK.search(escaped.replace("\\", ""))
    # Only invisible joiners and escapes were added: the reader sees the same text.
    assert escaped.replace("\\", "").replace("\u2060", "") == text


def test_terminal_safe_strips_escapes_and_controls_and_keeps_words():
    text = ("a\x1b[31mred\x1b[0m \x1b]8;;http://x.example\x1b\\link\x1b]8;;\x1b\\ "
            "b\tc\r\n\x9b2J \u202eevil\u202c \u2066iso\u2069 \x07\x00done é 東京")
    assert plain.terminal_safe(text) == "ared link b c\n2J evil iso done é 東京"


def test_clip():
    assert plain.clip("short", 10) == "short"
    assert plain.clip("x" * 20, 10) == "x" * 9 + "…"


@pytest.mark.parametrize("phone, link", [
    ("+1 (555) 123-4567", "tel:+15551234567"),
    ("555-1234 ext. 12", "tel:5551234;ext=12"),
    ("+39 010 555 1234", "tel:+390105551234"),
    ("call http://evil.example", None),
    ("12", None),
    ("+1 555 1234](javascript:alert(1))", None),
])
def test_tel_links_only_for_phone_numbers(phone, link):
    assert detail.tel_link(phone) == link


@pytest.mark.parametrize("email, ok", [
    ("MESEMS@unige.it", True), ("a.b-c+d@uni-x.example", True), ("a@b", False),
    ("x y@z.example", False), ("a@b.example)[x](http://evil.example", False),
    ("not an address www.mail-evil.example", False),
])
def test_mailto_links_only_for_plain_addresses(email, ok):
    assert detail.mailto_link(email) == (f"mailto:{email}" if ok else None)


def test_registry_text_on_the_page_loses_control_characters():
    # Phrasing of our own: an escape sequence, a bell and a bidi override in a title.
    shown = plain.md_escape("Stem cells \x1b[31mnow\x07 \u202etrial\nsecond line")
    assert "\x1b" not in shown and "\x07" not in shown and "\u202e" not in shown
    assert shown == "Stem cells now trial  \nsecond line"


def test_visitors_see_no_server_folder_and_every_other_text_intact():
    from trials.presentation.plain import for_visitors

    folders = ["/srv/my data/cache", "/tmp"]
    assert for_visitors("Cannot write /srv/my data/cache/trials.sqlite3: full.", folders) == (
        "Cannot write (a folder on the server) full.")
    assert for_visitors("/tmp/trials-upload-x1/f.json is not a download", folders) == (
        "(a folder on the server) is not a download")
    for text in ("ClinicalTrials.gov /version did not say", "(/studies)", "see https://clinicaltrials.gov/study/NCT01",
                 "EDSS 3/4, 2024/05/13, and/or, N/A"):
        assert for_visitors(text, folders) == text


def test_ages_are_whole_years_and_edss_keeps_its_decimal():
    # Issue 18: ages were exported as "18.0"; the registry writes "18 Years".
    df = pd.DataFrame({"min_age": pd.array([18.0, 0.5, None], dtype="Float64"),
                       "edss_min": pd.array([2.0, 3.5, None], dtype="Float64")})
    rows = list(csv.DictReader(io.StringIO(csv_bytes(df).decode("utf-8-sig"))))
    assert [(r["min_age"], r["edss_min"]) for r in rows] == [("18", "2.0"), ("0.5", "3.5"), ("", "")]


def test_a_long_text_is_cut_at_a_space_not_inside_a_word():
    # The phone test read "MEsenchymal StEm cells for Multiple S..." on the sheet (issue 19).
    title = "MEsenchymal StEm cells for Multiple Sclerosis (MESEMS): a randomized trial"
    assert plain.clip(title, 40) == "MEsenchymal StEm cells for Multiple…"
    assert plain.clip("x" * 50, 10) == "x" * 9 + "…"  # one long word: cut where it must be
    assert plain.clip(title, 200) == title
