"""The sheet for the neurologist (issue 19): one page on A4 and US Letter, its text
extractable, with the registry link (also as a QR code), the data's date, "not medical
advice", and the patient's answers only when they are given. Built from the real 2022 MSC
records through the command line, as a user would."""

from __future__ import annotations

import io
import re

import pytest
from pypdf import PdfReader

from trials.cli import main
from trials.presentation.sheet import latin1

from .conftest import MSC_2022

# Recruiting (RRMS, 18-75, EDSS 3.0-6.5), the MESEMS trial in Italy (two DERIVED references),
# and a completed trial with a DERIVED reference.
STUDIES = ("NCT05116540", "NCT01854957", "NCT02035514")
ANSWERS = ["--age", "35", "--sex", "female", "--ms-type", "rrms", "--edss", "3"]


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    folder = tmp_path_factory.mktemp("sheet")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("TRIALS_CACHE_DIR", str(folder / "cache"))
        mp.setenv("TRIALS_API_URL", "http://127.0.0.1:9/api/v2")
        assert main(["import", str(MSC_2022)]) == 0
    return folder


def sheet(store, monkeypatch, *args: str) -> PdfReader:
    monkeypatch.setenv("TRIALS_CACHE_DIR", str(store / "cache"))
    monkeypatch.setenv("TRIALS_API_URL", "http://127.0.0.1:9/api/v2")
    out = store / "sheet.pdf"
    assert main(["sheet", *args, "--offline", "-o", str(out)]) == 0
    return PdfReader(io.BytesIO(out.read_bytes()))


def text(reader: PdfReader) -> str:
    return " ".join(" ".join(page.extract_text().split()) for page in reader.pages)


@pytest.mark.parametrize("study", STUDIES)
@pytest.mark.parametrize("paper, size", [("a4", (595, 842)), ("letter", (612, 792))])
def test_one_legible_page_with_the_registry_link_and_the_data_date(store, monkeypatch, study, paper, size):
    reader = sheet(store, monkeypatch, study, "--paper", paper, "--near", "Milan, Italy", *ANSWERS)
    assert len(reader.pages) == 1
    box = reader.pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == size
    words = text(reader)
    assert f"https://clinicaltrials.gov/study/{study}" in words
    assert "imported file dated 2022-10-07" in words  # the data's date, and its age in words
    assert re.search(r"This data is \d+ (years|months) old: check each study's registry record", words)
    assert "not medical advice" in words
    assert "Questions to ask" in words and "nationalmssociety.org" in words
    # The QR code is drawn as squares: hundreds of them, not an image that could blur.
    assert reader.pages[0].get_contents().get_data().count(b" re") > 200


def test_answers_appear_only_when_given(store, monkeypatch):
    plain = text(sheet(store, monkeypatch, "NCT05116540"))
    assert "My pre-screen" not in plain and "Whom to contact" in plain
    answered = text(sheet(store, monkeypatch, "NCT05116540", "--near", "Milan, Italy", *ANSWERS))
    assert "My pre-screen (my own answers) My answers: age 35; female; RRMS; EDSS 3.0. Result: likely fits." in answered
    assert "EDSS: fits: 3.0 is within EDSS 3.0 to 6.5" in answered
    assert "Nearest open site" in answered and "from Milan, Italy" in answered


def test_what_it_found_follows_the_record(store, monkeypatch):
    mesems = text(sheet(store, monkeypatch, "NCT01854957"))
    assert "Publication PubMed linked to this study (automatically; it may report part of the study" in mesems
    assert "https://pubmed.ncbi.nlm.nih.gov/" in mesems
    recruiting = text(sheet(store, monkeypatch, "NCT05116540"))
    assert "The stored record lists no posted results and no publication" in recruiting


def test_an_unknown_study_is_named(store, monkeypatch, capsys):
    monkeypatch.setenv("TRIALS_CACHE_DIR", str(store / "cache"))
    assert main(["sheet", "NCT09999999", "--offline", "-o", str(store / "x.pdf")]) == 1
    assert "NCT09999999 is not in the local data" in capsys.readouterr().err
    assert not (store / "x.pdf").exists()


def test_text_the_built_in_fonts_cannot_hold_is_spelled_plainly():
    assert latin1("Łódź – “Zürich” ≥ 18 · 北京") == 'Lódz - "Zürich" >= 18 - ??'
    assert latin1("a\x00b\x07c\x1b[31md\u200fe\ufeff") == "abcde"  # control and layout marks go


def test_the_longest_real_records_fit_one_page_and_hostile_text_stays_text(store, monkeypatch, tmp_path):
    # NCT02587715 (2022 MSC records) has 29 references and a long site list: with every answer
    # and a place it spilled onto a second Letter page.
    reader = sheet(store, monkeypatch, "NCT02587715", "--paper", "letter", "--near", "Milan, Italy", *ANSWERS)
    assert len(reader.pages) == 1
    # Built from a real record (NCT05116540): a title in another script, a 3,000-character
    # contact name with control characters, a citation that tries to be a link.
    import json

    from .conftest import by_id, load_jsonl

    raw = by_id(load_jsonl(MSC_2022), "NCT05116540")
    protocol = raw["protocolSection"]
    protocol["identificationModule"]["briefTitle"] = "多发性硬化症的间充质干细胞治疗研究" * 3
    protocol["contactsLocationsModule"]["centralContacts"][0]["name"] = "\x1b[31mDr " + "x" * 3000
    protocol["referencesModule"] = {"references": [{"pmid": "1", "type": "RESULT",
                                                    "citation": "[x](javascript:alert(1)) Paper. J. 2023;1:1."}]}
    path = tmp_path / "hostile.json"
    path.write_text(json.dumps([raw]))
    monkeypatch.setenv("TRIALS_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("TRIALS_API_URL", "http://127.0.0.1:9/api/v2")
    assert main(["import", str(path)]) == 0
    for paper in ("a4", "letter"):
        out = tmp_path / f"{paper}.pdf"
        assert main(["sheet", "NCT05116540", "--offline", "--paper", paper, "-o", str(out)]) == 0
        hostile = PdfReader(io.BytesIO(out.read_bytes()))
        words = text(hostile)
        assert len(hostile.pages) == 1 and "\x1b" not in words
        assert "The title is in a script this sheet cannot print: see the registry link." in words
        links = [a.get_object()["/A"].get("/URI") for a in hostile.pages[0].get("/Annots", [])]
        assert links and all(str(u).startswith("https://") for u in links)  # never javascript:
