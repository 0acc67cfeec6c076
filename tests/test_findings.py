"""What a study found (issue 19): results posted on the registry and publications of the
study's results, with background reading kept apart, on the card, in the table and as a
filter. Built from real records in shared/ctgov/full-records (copied to tests/data); they are
MS records, not all stem-cell studies, and the evidence is read the same way for any study."""

from __future__ import annotations

import copy
import csv
import json

import pytest

from trials import Filters, Query
from trials.analysis import filters
from trials.analysis.findings import findings_of
from trials.analysis.table import build_table
from trials.cli import main
from trials.presentation.detail import card_text, study_card
from trials.registries.ctgov.record import read_study

from .conftest import FULL_RECORDS, MSC_2022, by_id, entry

RESULTS_AND_PAPERS = "NCT03569618"  # results posted 2020-10-26, one RESULT and two DERIVED references
DERIVED_ONLY = "NCT04040387"  # one DERIVED reference, no posted results
BACKGROUND_ONLY = "NCT05032404"  # one BACKGROUND reference, no posted results


def record(study_id: str) -> dict:
    return copy.deepcopy(by_id(json.loads(FULL_RECORDS.read_text()), study_id))


def card(raw: dict) -> str:
    return card_text(study_card(entry(raw, labels=("MSC",))))


def found_section(raw: dict) -> str:
    text = card(raw)
    return text[text.index("What it found"):text.index("\n\n", text.index("What it found") + 20)]


def test_a_study_with_only_derived_references_shows_them_as_publications():
    text = card(record(DERIVED_ONLY))
    assert "Publication PubMed linked to this study (automatically" in text
    assert "https://pubmed.ncbi.nlm.nih.gov/36305584/" in text
    assert "may be that the treatment did not work" in text
    assert "No results are posted" not in text


def test_a_study_with_only_background_references_says_no_results_are_published_yet():
    text = card(record(BACKGROUND_ONLY))
    assert "The stored record lists no posted results and no publication of this study's results yet" in text
    assert "Background reading (not this study's results)" in text
    assert "Publication of its results" not in text and "Publication PubMed linked" not in text
    found = findings_of(read_study(record(BACKGROUND_ONLY)))
    assert not found.any and found.publications == () and len(found.other) == 1


def test_posted_results_are_dated_and_linked_to_the_registrys_results_page():
    text = card(record(RESULTS_AND_PAPERS))
    assert "Results posted on the registry: first posted 2020-10-26" in text
    assert "https://clinicaltrials.gov/study/NCT03569618?tab=results" in text
    assert text.count("https://pubmed.ncbi.nlm.nih.gov/") == 3
    assert "Publication of its results: Bove R" in text


def test_registry_text_never_becomes_a_link_and_an_odd_pmid_gets_none():
    raw = record(DERIVED_ONLY)
    [ref] = raw["protocolSection"]["referencesModule"]["references"]
    ref["pmid"] = "36305584](javascript:alert(1)"
    ref["citation"] = "[click](https://evil.example) Smith J. A paper."
    found = findings_of(read_study(raw))
    assert [p.url for p in found.publications] == [""]
    section = study_card(entry(raw, labels=("MSC",))).sections
    markdown = next(s for s in section if s.title == "What it found")
    from trials.presentation.detail import section_markdown

    shown = section_markdown(markdown)
    assert "](https://evil.example)" not in shown and "javascript" not in shown


def test_a_summary_record_does_not_claim_there_are_no_results():
    study = entry(record(DERIVED_ONLY), labels=("MSC",))
    from dataclasses import replace

    text = card_text(study_card(replace(study, is_full=False)))
    assert "see the registry record for results and publications" in text
    assert "lists no posted results" not in text


def test_table_columns_and_the_filter():
    entries = [entry(record(n), labels=("MSC",)) for n in (RESULTS_AND_PAPERS, DERIVED_ONLY, BACKGROUND_ONLY)]
    df = build_table(entries).set_index("study_id")
    assert df.loc[RESULTS_AND_PAPERS, "results_posted"] == "2020-10-26"
    assert df.loc[DERIVED_ONLY, "results_posted"] == ""
    assert df.loc[DERIVED_ONLY, "publications"] == "https://pubmed.ncbi.nlm.nih.gov/36305584/"
    assert df.loc[BACKGROUND_ONLY, "publications"] == ""  # background is not a publication of results
    kept = filters.apply(df.reset_index(), Filters(with_results=True, gives_therapy=False).values())
    assert sorted(kept["study_id"]) == [RESULTS_AND_PAPERS, DERIVED_ONLY]


@pytest.mark.parametrize("link, on", [({"results": ["yes"]}, True), ({"results": ["false"]}, False), ({}, False)])
def test_the_filter_in_a_link(link, on):
    query, notices = Query.from_link(link)
    assert query.filters.with_results is on and notices == ()
    assert ("with results or publications" in query.describe()) is on


def test_the_cli_filter_and_csv_columns(tmp_path, monkeypatch):
    # The 2022 MSC records: NCT01854957 (MESEMS) has two DERIVED references (one its design
    # paper in Trials, a journal of protocols: not a publication of results), NCT03355365 only a
    # BACKGROUND one.
    monkeypatch.setenv("TRIALS_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("TRIALS_API_URL", "http://127.0.0.1:9/api/v2")
    assert main(["import", str(MSC_2022)]) == 0
    out = tmp_path / "all.csv"
    assert main(["export", "--offline", "--no-gives-therapy", "-o", str(out)]) == 0
    every = {r["study_id"]: r for r in csv.DictReader(out.read_text("utf-8-sig").splitlines())}
    assert every["NCT01854957"]["publications"] == "https://pubmed.ncbi.nlm.nih.gov/35078125/"
    assert every["NCT03355365"]["publications"] == "" and every["NCT03355365"]["results_posted"] == ""
    with_results = tmp_path / "with.csv"
    assert main(["export", "--offline", "--no-gives-therapy", "--with-results", "-o", str(with_results)]) == 0
    kept = {r["study_id"] for r in csv.DictReader(with_results.read_text("utf-8-sig").splitlines())}
    assert "NCT01854957" in kept and "NCT03355365" not in kept
    assert kept == {n for n, r in every.items() if r["results_posted"] or r["publications"]}


def test_a_paper_listed_as_a_result_that_cannot_be_one_is_not_shown_as_a_finding():
    # NCT02587715 (2022 MSC records) began in 2015-02 and lists five references as RESULT, all
    # published before it began (2003 to 2015 Jan).
    from .conftest import MSC_2022, load_jsonl

    early = read_study(by_id(load_jsonl(MSC_2022), "NCT02587715"))
    found = findings_of(early)
    before = [p for p in found.other if p.why_not_results.startswith("published in")]
    assert len(before) == 5 and found.publications == () and not found.any
    assert all(int(p.why_not_results.split()[2].rstrip(",")) <= 2015 for p in before)
    text = card(by_id(load_jsonl(MSC_2022), "NCT02587715"))
    assert text.count("as a result by the study team, but published in") == 5
    assert "lists no posted results and no publication of this study's results yet" in text

    # MESEMS's real record, as registered: its design paper (Trials, 2019) is PubMed-linked and
    # its title does not say "protocol"; the journal, one of study protocols, does (issue 29).
    real = findings_of(read_study(by_id(load_jsonl(MSC_2022), "NCT01854957")))
    assert [p.pmid for p in real.other if p.why_not_results == "the study's plan (protocol), not its results"] \
        == ["31072380"]
    assert [p.pmid for p in real.publications] == ["35078125"]

    # Built from MESEMS's real record: its design paper's title given the words a protocol
    # paper's title carries ("study protocol"); the record's own title does not say it.
    raw = copy.deepcopy(by_id(load_jsonl(MSC_2022), "NCT01854957"))
    design = raw["protocolSection"]["referencesModule"]["references"][1]
    design["citation"] = design["citation"].replace("clinical trial with", "clinical trial: study protocol with")
    mesems = findings_of(read_study(raw))
    [plan] = [p for p in mesems.other if p.why_not_results == "the study's plan (protocol), not its results"]
    assert plan.pmid == "31072380" and [p.pmid for p in mesems.publications] == ["35078125"]
