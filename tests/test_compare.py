"""Side by side: ids checked, one column per study in the asked order, the CLI's CSV."""

from __future__ import annotations

import csv
import io

import pytest

from trials import cli
from trials.query import parse_compare as parse_ids
from trials.errors import InputError

from .conftest import MS_2025, MSC_2022


def test_ids_are_normalised_and_deduplicated_in_order():
    assert parse_ids("nct4047628, NCT03477500;NCT04047628") == ("NCT04047628", "NCT03477500")
    assert parse_ids(["NCT04047628", "NCT03477500 NCT01854957"]) == (
        "NCT04047628", "NCT03477500", "NCT01854957")


@pytest.mark.parametrize("value, message", [
    ("NCT04047628", "Choose 2 to 4 different studies"),
    ("NCT04047628,NCT04047628", "got 1"),
    ("NCT1,NCT2,NCT3,NCT4,NCT5", "got 5"),
    ("NCT04047628,=HYPERLINK(1)", "is not a study id"),
])
def test_bad_ids_are_refused_with_what_to_type(value, message):
    with pytest.raises(InputError, match=message):
        parse_ids(value)


def test_cli_compare_writes_a_side_by_side_csv(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("TRIALS_CACHE_DIR", str(tmp_path / "cache"))
    assert cli.main(["import", str(MSC_2022)]) == 0
    out = tmp_path / "compare.csv"
    ids = ["NCT04749667", "NCT01854957"]
    assert cli.main(["compare", *ids, "--near", "Milan, Italy", "--offline", "-o", str(out)]) == 0
    with open(out, encoding="utf-8-sig") as fh:
        rows = {r[0]: r[1:] for r in csv.reader(fh)}
    assert rows["question"] == ids
    assert rows["Therapy"] == ["MSC", "MSC"]
    assert rows["Age (years)"] == ["18 to 55", "18 to 50"]  # from the registry's age fields
    assert rows["Design"][0].startswith("randomised")
    assert "Bergen, Norway: about" in rows["Nearest open site"][0]
    # MESEMS's status is UNKNOWN, so its once-recruiting sites take nobody.
    assert rows["Nearest open site"][1] == "no site open to new participants"
    assert rows["Registry data as of"] == ["2022-10-07", "2022-10-07"]
    assert "data from an imported file dated 2022-10-07" in capsys.readouterr().err.lower()
    assert cli.main(["compare", "NCT04749667", "NCT09999999", "--offline"]) == 1
    assert "NCT09999999 is not among the MS stem-cell studies" in capsys.readouterr().err


def test_a_study_whose_sites_give_no_status_of_their_own_says_so_instead_of_na(tmp_path, monkeypatch, capsys):
    # Issue 18: the comparison showed "<NA>". The ms-2025-09 records give a site's place only.
    monkeypatch.setenv("TRIALS_CACHE_DIR", str(tmp_path / "cache"))
    assert cli.main(["import", str(MS_2025)]) == 0
    assert cli.main(["compare", "NCT04047628", "NCT00273364", "--offline", "-o", "-"]) == 0
    rows = {r[0]: r[1:] for r in csv.reader(io.StringIO(capsys.readouterr().out.lstrip("\ufeff")))}
    assert rows["Sites recruiting"] == ["not stated (no site gives its own status)"] * 2
