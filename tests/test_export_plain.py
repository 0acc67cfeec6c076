"""CSV export safety and the plain-language helpers."""

from __future__ import annotations

import csv
import io
from datetime import datetime, timezone

import pandas as pd
import pytest

from trials import filters, plain
from trials.export import csv_bytes, write_csv
from trials.errors import InputError


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
    assert len(filters.ALL_STATUSES) == 14 == len(set(filters.ALL_STATUSES))
    assert set(plain.STATUS_MEANING) == set(filters.ALL_STATUSES)
    assert filters.status_group("RECRUITING") == "Recruiting now"
    assert filters.status_group("TERMINATED") == "Stopped early"
    assert filters.status_group("SOMETHING_NEW") == "Status unknown"


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
