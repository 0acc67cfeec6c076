"""The reviewed therapy texts: the packaged file validates, every claim has a source and a
checked-on date, a broken file fails loudly, and the iPSC sentence is computed from counts."""

from __future__ import annotations

import copy
import json
import re
from datetime import date
from importlib import resources

import pytest

from trials.analysis.classify import THERAPY_TYPES
from trials.presentation import facts
from trials.presentation.facts import FactsError, load_facts, parse_facts, registry_sentence


@pytest.fixture(scope="module")
def raw() -> dict:
    return json.loads(resources.files("trials.presentation").joinpath(facts.FACTS_FILE).read_text("utf-8"))


def test_packaged_file_validates_and_covers_every_therapy_type():
    loaded = load_facts()
    assert [t.label for t in loaded.therapies] == list(THERAPY_TYPES)
    assert all(t.claims for t in loaded.therapies)
    assert loaded.clinic_guidance


def test_every_claim_has_a_source_a_link_and_a_checked_on_date():
    loaded = load_facts()
    claims = [c for t in (*loaded.therapies, *loaded.kinds) for c in t.claims] + list(loaded.clinic_guidance)
    for claim in claims:
        assert claim.source_name and claim.text and claim.topic
        assert claim.url.startswith("https://")
        assert isinstance(claim.checked_on, date)
        assert claim.checked_on <= date.today()  # nobody checks in the future
        assert claim.url in claim.citation


def test_no_fact_goes_more_than_a_year_without_a_recheck():
    # Issue 29: medical facts go out of date (a trial closes, a product is approved, new
    # recommendations appear). This test is meant to fail a year after a fact's last check:
    # check it against its source again, update it, and renew its checked_on date.
    loaded = load_facts()
    claims = [c for t in (*loaded.therapies, *loaded.kinds) for c in t.claims]
    claims += [*loaded.clinic_guidance, *loaded.sheet_questions]
    stale = [f"{c.topic} ({c.source_name}, checked {c.checked_on})" for c in claims
             if (date.today() - c.checked_on).days > 365]
    assert stale == [], "re-check against their sources: " + "; ".join(stale)


def test_the_facts_issue_16_asks_for_are_there_with_their_sources():
    loaded = load_facts()
    hsct = {c.topic: c for c in loaded.for_label("HSCT").claims}
    texts = " ".join(c.text for c in hsct.values())
    for needle in ("MIST", "110 people", "2.1%", "764 people", "83%", "67%", "BEAT-MS", "RAM-MS", "StarMS",
                   "not yet been compared", "sperm", "three weeks in hospital", "many months"):
        assert needle in texts, needle
    assert hsct["Who it may help"].url == "https://doi.org/10.1001/jamaneurol.2020.4025"  # the consensus itself
    assert hsct["Risk of death, pooled studies"].url == "https://doi.org/10.1212/WNL.0000000000003987"
    donor = loaded.for_kind("HSCT allogeneic")
    donor_text = " ".join(c.text for c in donor.claims)
    assert "graft-versus-host" in donor_text and "do not apply" in donor_text
    assert not any(figure in donor_text for figure in ("1.3%", "0.19%", "2.1%"))
    msc = " ".join(c.text for c in loaded.for_label("MSC").claims)
    assert "did not meet its primary efficacy endpoint" in msc and "FDA approval" in msc


def test_issue_topics_are_covered():
    """What issue 10 asks each card to say, looked up by the words a reader would see."""
    by_label = {t.label: " ".join(c.text for c in t.claims) for t in load_facts().therapies}
    hsct = by_label["HSCT"]
    for needle in ("relapsing MS", "progressive MS", "infections", "menopause", "fertility",
                   "thyroid", "thrombocytopenia", "cancer", "mobilised", "not a cure",
                   "do not always last", "NHS", "JACIE", "experience", "follow-up",
                   "0.19%", "1.3%", "July 2003 and October 2019"):
        assert needle in hsct, needle
    assert "144 patients" in by_label["MSC"] and "did not meet its primary" in by_label["MSC"]
    assert "spinal fluid" in by_label["MSC"]
    assert "laboratory" in by_label["iPSC"] and "outside trials" in by_label["iPSC"]


def test_mortality_figures_carry_their_period_or_say_there_is_none():
    """A death rate without its period misleads: older series were higher."""
    hsct = load_facts().for_label("HSCT")
    deaths = [c for c in hsct.claims if "death" in c.topic.lower()]
    assert len(deaths) >= 3
    for claim in deaths:
        period = re.search(r"\b(19|20)\d\d\b", claim.text) or "does not say over which years" in claim.text
        assert period, claim.text


def test_the_ipsc_card_has_no_hard_coded_registry_count(raw):
    """The 'no registered iPSC trial' sentence is computed, so the file must not state it."""
    texts = " ".join(c["text"] for c in raw["therapies"]["iPSC"])
    assert "registered" not in texts


def test_sources_are_listed_once_in_first_use_order():
    hsct = load_facts().for_label("HSCT")
    urls = [c.url for c in hsct.sources]
    assert len(urls) == len(set(urls))
    assert urls[0] == hsct.claims[0].url


@pytest.mark.parametrize("break_it, message", [
    (lambda d: d["therapies"]["HSCT"][0].pop("source"), "'source' is missing"),
    (lambda d: d["therapies"]["MSC"][0].update(checked_on=""), "'checked_on' is missing"),
    (lambda d: d["therapies"]["MSC"][0].update(checked_on="25/11/2026"), "not a date"),
    (lambda d: d["therapies"]["iPSC"][0].update(source="nowhere"), "not listed"),
    (lambda d: d["therapies"]["HSCT"][1].update(text="  "), "'text' is missing"),
    (lambda d: d["sources"]["fda-2021"].update(url="http://fda.gov"), "https://"),
    (lambda d: d["sources"]["fda-2021"].update(year="2021"), "'year' must be"),
    (lambda d: d["sources"].update(spare={"name": "x", "year": 2020, "url": "https://x.org"}),
     "never cited"),
    (lambda d: d["therapies"].pop("iPSC"), "missing"),
    (lambda d: d["therapies"].update(Other=[]), "unknown"),
    (lambda d: d.update(clinic_guidance=[]), "clinic_guidance"),
    (lambda d: d.update(sheet_questions=[]), "sheet_questions"),
    (lambda d: d["therapies"]["MSC"][0].update(registry=["NCT123"]), "'registry' must list registry numbers"),
    (lambda d: d["therapies"]["MSC"][0].update(registry=["see NCT00273364"]), "'registry' must list registry numbers"),
    (lambda d: d["therapies"]["MSC"][0].update(regimen="mild"), "'regimen' 'mild' is not one of"),
])
def test_a_broken_file_fails_loudly(raw, break_it, message):
    data = copy.deepcopy(raw)
    break_it(data)
    with pytest.raises(FactsError, match=re.escape(message)):
        parse_facts(data)


def test_an_unreadable_file_names_itself(tmp_path):
    path = tmp_path / "facts.json"
    path.write_text("{not json", encoding="utf-8")
    with pytest.raises(FactsError, match="facts.json"):
        load_facts(path)


def test_registry_sentence_is_computed_from_the_counts_and_scoped_to_this_tool():
    # "No iPSC trial is registered" is more than the tool can know: it says what it found, when.
    assert registry_sentence("iPSC", 0, "2025-09-25T00:00:00") == (
        "This tool found no trial of an iPSC-based therapy for multiple sclerosis in "
        "registry data of 2025-09-25.")
    later = registry_sentence("iPSC", 2, "2027-01-03")
    assert later.startswith("This tool found 2 multiple sclerosis studies") and "2027-01-03" in later
    assert "local data" in registry_sentence("iPSC", 0, None)


def test_the_finished_trials_are_linked_to_their_registry_records():
    # Issue 19: what MIST (HSCT) and MESEMS (MSC) found, each with its registry record; both
    # records are among the real records the tests hold.
    from trials.presentation.detail import card_text, study_card

    from .conftest import MS_2025, MSC_2022, by_id, entry, load_jsonl

    known = load_facts()
    linked = {c.topic: c.registry for t in known.therapies for c in t.claims if c.registry}
    assert {"Randomised trial against drugs": ("NCT00273364",), "Results of that trial": ("NCT00273364",),
            "Largest trial": ("NCT01854957",), "Trial: StarMS": ("ISRCTN88667898",),
            "Trial, recruitment ended: RAM-MS": ("NCT03477500",)}.items() <= linked.items()
    # A trial's own report of closing recruitment is said beside the claim that names it (issue 29).
    starms = next(c for t in known.therapies for c in t.claims if c.topic == "Trial: StarMS")
    assert starms.registry_url == "https://www.isrctn.com/ISRCTN88667898"
    studies = {s["protocolSection"]["identificationModule"]["nctId"] for s in
               (*load_jsonl(MS_2025), *load_jsonl(MSC_2022))}
    assert {"NCT00273364", "NCT01854957"} <= studies
    text = card_text(study_card(entry(by_id(load_jsonl(MSC_2022), "NCT05116540"), labels=("MSC",))))
    assert "Its registry record: NCT01854957." in text
    assert "https://clinicaltrials.gov/study/NCT01854957" in text


def test_recruitment_reports_are_rechecked_within_a_year_and_name_their_source():
    # A report that a trial closed (trials/data/recruitment_reports.csv) goes out of date like any
    # fact: this fails a year after its check.
    from trials.analysis.status import recruitment_reports

    reports = recruitment_reports()
    assert reports, "the file is read"
    for report in reports.values():
        assert report.url.startswith("https://") and report.source
        assert (date.today() - report.checked_on).days <= 365, f"re-check {report.study_id} at {report.url}"
        assert report.source in report.sentence and str(report.checked_on) in report.sentence
