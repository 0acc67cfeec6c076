"""Every sentence about one study is true of that study (issue 16).

Each failure seen on real records nobody tuned on is rebuilt here from a real record in
shared/ctgov, changed only where the test says, so that the case stands in the suite.
"""

from __future__ import annotations

import copy
import json

import pytest

from trials.analysis import flags
from trials.analysis.classify import GIVES, LAB_ONLY, classify
from trials.analysis.eligibility import read_criteria
from trials.analysis.prescreen import ASK, DOES_NOT_FIT, FITS, NOT_OPEN, assess, make_profile
from trials.analysis.table import build_table
from trials.presentation import plain, views
from trials.presentation.compare import comparison
from trials.presentation.detail import card_text, study_card
from trials.registries.ctgov.record import read_study
from trials.store.sqlite import SponsorCheck

from .conftest import MS_2025, MSC_2022, by_id, entry, load_jsonl


def _ms_2025(study_id: str) -> dict:
    return copy.deepcopy(by_id(load_jsonl(MS_2025), study_id))


def _msc_2022(study_id: str) -> dict:
    return copy.deepcopy(by_id(load_jsonl(MSC_2022), study_id))


def _card(record: dict, data_timestamp: str = "2025-09-25T00:00:00", **kw) -> str:
    return card_text(study_card(entry(record, data_timestamp, **kw)))


# -- a laboratory study is never shown as treatment ------------------------------------------

def test_a_study_that_only_takes_blood_and_skin_gives_no_therapy_whatever_its_title():
    # NCT05116540 (a recruiting MS stem-cell study), changed to the failure seen: its only
    # intervention is a blood draw and skin biopsy, and stem cells are named only in its title
    # and outcomes; a cell secretome is tried on participants' cells in a dish.
    record = _msc_2022("NCT05116540")
    protocol = record["protocolSection"]
    protocol["identificationModule"]["briefTitle"] = "Mesenchymal Stem Cell Secretome on Cells of People With MS"
    protocol["identificationModule"]["officialTitle"] = protocol["identificationModule"]["briefTitle"]
    protocol["armsInterventionsModule"] = {"interventions": [
        {"type": "PROCEDURE", "name": "Venous blood draw and skin biopsy"}]}
    protocol["outcomesModule"] = {"primaryOutcomes": [
        {"measure": "Cytokines released by patient cells exposed to stem cell secretome"}]}
    protocol["descriptionModule"] = {"briefSummary": "Participants give blood and a small skin sample."}
    found = classify(read_study(record))
    assert found.study_role == LAB_ONLY and found.labels == ()  # not in the finder's table at all
    # Its card (``trials show``, a link) speaks of no treatment: phases and design as registered.
    text = _card(record)
    assert "This is a laboratory study" in text and "Phase 2 (as registered)" in text
    for treatment_words in ("looks at whether it works", "gets the treatment", "Participants in this study receive",
                            "Why it is listed as stem-cell therapy", "Whose cells"):
        assert treatment_words not in text
    # The registry's study type is no claim that anyone is treated.
    assert "receive a treatment" not in plain.STUDY_TYPE_WORDS["INTERVENTIONAL"]


# -- a donor transplant never gets the figures of one's own cells -----------------------------

def test_a_donor_transplant_gets_the_donor_facts_and_none_of_the_autologous_figures():
    # NCT02529839 (autologous BMT in MS), changed to a myeloablative transplant from a matched
    # sibling donor with a graft-versus-host primary outcome (worded as NCT05098145 words it).
    record = _ms_2025("NCT02529839")
    protocol = record["protocolSection"]
    protocol["identificationModule"]["briefTitle"] = "Myeloablative Allogeneic HSCT in Aggressive MS"
    protocol["identificationModule"]["officialTitle"] = protocol["identificationModule"]["briefTitle"]
    protocol["armsInterventionsModule"]["interventions"][0]["name"] = \
        "Allogeneic bone marrow transplantation from a matched sibling donor"
    protocol["outcomesModule"]["primaryOutcomes"] = [{"measure": "Occurrence of Graft versus Host Disease (GvHD)"}]
    shown = entry(record)
    assert shown.labels == ("HSCT",) and shown.kind.is_allogeneic
    text = _card(record)
    assert "Whose cells: a donor's cells (allogeneic) (from the intervention name" in text
    assert "HSCT with donor cells: Graft-versus-host disease" in text
    for autologous in ("uses your own blood-forming stem cells", "1.3%", "0.19%", "2.1%", "HSCT with own cells"):
        assert autologous not in text
    # What holds for any transplant is there too: fertility, accredited centres, treatment abroad.
    for general in ("HSCT with donor cells: Fertility", "HSCT with donor cells: Where it should be done"):
        assert general in text
    assert build_table([shown]).loc[0, "therapy_kind"] == "HSCT: allogeneic"


def test_an_own_cell_transplant_says_so_with_its_phrase_and_an_unstated_one_says_it_is_not_stated():
    own = _ms_2025("NCT02529839")  # "Autologous bone marrow transplantation", unchanged
    text = _card(own)
    assert 'Whose cells: the participant\'s own cells (autologous) (from the intervention name: "Autologous")' in text
    assert "HSCT with own cells: Risk of death, pooled studies" in text
    unstated = copy.deepcopy(own)
    unstated["protocolSection"]["armsInterventionsModule"]["interventions"][0]["name"] = "Bone marrow transplantation"
    unstated["protocolSection"]["identificationModule"]["officialTitle"] = "Conditioning for BMT in MS"
    unstated["protocolSection"]["identificationModule"]["briefTitle"] = "Conditioning for BMT in MS"
    text = _card(unstated)
    assert "Whose cells: not stated where the record describes the therapy; ask the study team" in text
    # The donor caution comes before the own-cell figures, which are labelled as such.
    assert text.index("HSCT with donor cells: Donor (allogeneic) transplant") < text.index("HSCT with own cells:")


def test_msc_cards_say_tissue_and_route_where_the_record_does_and_carry_the_trial_results():
    record = _msc_2022("NCT02035514")  # autologous bone-marrow MSC, intravenous, as its record says
    text = _card(record, "2022-10-07")
    assert "Tissue the cells come from: bone marrow (from the" in text
    assert "How the cells are given: into a vein (intravenous)" in text
    assert "did not meet its primary efficacy endpoint" in text and "FDA approval" in text
    assert "Side effects of spinal injection" not in text  # given into a vein, not the spinal fluid


# -- statuses with their age ------------------------------------------------------------------

def test_a_recruiting_status_past_its_completion_date_is_marked_on_the_card_the_list_and_the_table():
    # NCT05116540 as recorded in 2022 (recruiting, completion 2023-11-22, updated 2022-05-24),
    # read with data of 2026: the record never changed since.
    shown = entry(_msc_2022("NCT05116540"), "2026-11-30T00:00:00")
    text = card_text(study_card(shown))
    assert "The record says the study is looking for participants." in text
    assert "Record last updated: 2022-05-24" in text
    assert "This status may be out of date: its own completion date (2023-11-22) has passed" in text
    table = build_table([shown])
    assert table.loc[0, "status_caution"].startswith("This status may be out of date")
    [item] = views.phone_list(table)
    assert "(may be out of date; record updated 2022\\-05\\-24)" in item.details
    # The same record read with data of its own time is not out of date.
    fresh = entry(_msc_2022("NCT05116540"), "2022-10-07T00:00:00")
    assert "may be out of date" not in card_text(study_card(fresh))
    assert "Status last verified by the sponsor:" in card_text(study_card(fresh))
    # The pre-screen is at most "ask" while the status may be out of date.
    patient = make_profile(age=35, sex="female", ms_type="RRMS", edss=3.0)
    assert assess(read_criteria(fresh.study), patient, "RECRUITING").verdict == FITS
    late = assess(read_criteria(shown.study), patient, "RECRUITING", table.loc[0, "status_caution"])
    assert late.verdict == ASK and "Status: unclear: This status may be out of date" in late.text


# -- clinic signals -------------------------------------------------------------------------------

def test_a_listing_that_says_its_treatment_is_safe_and_works_is_flagged_with_its_words():
    # NCT02034188, unchanged: a company's single-site MSC listing whose summary says the cells
    # "is a safe and will induce a therapeutic effect in multiple sclerosis".
    shown = entry(_msc_2022("NCT02034188"), "2022-10-07T00:00:00")
    [claim] = [f for f in shown.flags if f.code == flags.CLAIM]
    assert "brief summary" in claim.reason and "is a safe and will induce a therapeutic effect" in claim.reason
    # The same words from a university are not the sponsor rules' business.
    academic = _msc_2022("NCT02034188")
    academic["protocolSection"]["sponsorCollaboratorsModule"]["leadSponsor"] = {
        "name": "University of Miami", "class": "OTHER"}
    assert not entry(academic, "2022-10-07T00:00:00").flags


def _summary(sentence: str):
    return read_study({"protocolSection": {"identificationModule": {"nctId": "NCT00000001"},
                                           "descriptionModule": {"briefSummary": sentence}}})


@pytest.mark.parametrize("sentence", [
    "The aim is to determine whether MSCs are safe and effective in MS.",
    "MSCs have been shown to be effective in mice with EAE.",
    "There are no proven treatments for progressive MS.",
    "There is no proven stem cell treatment for MS.",
    "MSCs are not effective in progressive MS.",
    "The HALT MS study follows people for five years.",
    # Found in review: claims about another drug are not the listing's claim about its cells.
    "G-CSF is safe and effective for stem cell mobilisation.",
    "Natalizumab is an effective treatment for relapsing MS.",
])
def test_questions_hopes_denials_and_other_products_are_not_claims(sentence):
    assert flags.claim_evidence(_summary(sentence)) is None


@pytest.mark.parametrize("sentence", [
    "Umbilical cord MSCs are safe and effective, with no serious side effects.",
    "MSC therapy is not only safe but also effective.",
    "Our stem cell treatment is proven to work.",
    "Mesenchymal stem cells reverse disability in MS.",
])
def test_a_listing_saying_its_cells_work_is_a_claim(sentence):
    assert flags.claim_evidence(_summary(sentence)) is not None


def test_a_sponsors_other_listing_asking_for_money_flags_its_ms_listing():
    shown = entry(_msc_2022("NCT02034188"), "2022-10-07T00:00:00")
    # What a lookup of the sponsor's other listings found (the refresh test makes it for real).
    check = SponsorCheck("Translational Biosciences", "2022-10-07T10:00:00Z",
                         (("NCT09999998", "patient funded", "official title"),))
    flagged = entry(_msc_2022("NCT02034188"), "2022-10-07T00:00:00")
    flagged = type(flagged)(**{**flagged.__dict__, "sponsor_check": check})
    [other] = [f for f in flagged.flags if f.code == flags.SPONSOR_PAY]
    assert "NCT09999998" in other.reason and "“patient funded”" in other.reason and "2022-10-07" in other.reason
    assert not [f for f in shown.flags if f.code == flags.SPONSOR_PAY]
    # The study's own payment words are its own flag, not the sponsor's other listings.
    itself = SponsorCheck("Translational Biosciences", "2022-10-07T10:00:00Z",
                          (("NCT02034188", "patient funded", "official title"),))
    again = type(shown)(**{**shown.__dict__, "sponsor_check": itself})
    assert not [f for f in again.flags if f.code == flags.SPONSOR_PAY]


# -- pre-screen verdicts need a basis ----------------------------------------------------------

def _criteria(text: str, status: str = "RECRUITING"):
    record = {"protocolSection": {
        "identificationModule": {"nctId": "NCT00000001"},
        "statusModule": {"overallStatus": status},
        "eligibilityModule": {"eligibilityCriteria": text, "sex": "ALL", "minimumAge": "18 Years"}}}
    return read_criteria(read_study(record))


PATIENT = make_profile(age=40, sex="female", ms_type="SPMS", edss=7.0)


@pytest.mark.parametrize("criteria, verdict, words", [
    # The phrasings, in criteria of our own.
    ("Inclusion Criteria:\n- Progressive MS\n- EDSS within protocol parameters", ASK, "could not be read"),
    ("Inclusion Criteria:\n- Progressive MS\n- EDSS rate 5.5-7.5", FITS, "within EDSS 5.5 to 7.5"),
    ("Inclusion Criteria:\n- Progressive MS with EDSS 6.0 to 8.0\n"
     "- EDSS < 6.5 only for patients with cerebellar signs", FITS, "for some participants only"),
    ("Inclusion Criteria:\n- Progressive MS\n- EDSS < 6.5 only for patients with cerebellar signs",
     ASK, "for some participants only"),
    ("Inclusion Criteria:\n- Progressive MS\n- EDSS 3.0 to 6.5", DOES_NOT_FIT, "outside EDSS 3.0 to 6.5"),
    # Found in review: the subgroup before the limit, limits per MS type, "progressive" as no change.
    ("Inclusion Criteria:\n- Progressive MS\n- For patients with cerebellar signs, EDSS < 6.5", ASK,
     "for some participants only"),
    ("Inclusion Criteria:\n- EDSS 3.0-6.5 in RRMS and 4.0-7.0 in SPMS", ASK, "for some participants only"),
    ("Inclusion Criteria:\n- EDSS 2-6.5 in the RRMS cohort and 3-7 in the progressive cohort", ASK,
     "for some participants only"),
    ("Inclusion Criteria:\n- Progressive MS\n- EDSS suitable for patients with progressive disease", ASK,
     "could not be read"),
])
def test_edss_verdicts_rest_on_a_limit_that_was_read_for_everyone(criteria, verdict, words):
    fit = assess(_criteria(criteria), PATIENT, "RECRUITING")
    assert fit.verdict == verdict and words in fit.text


def test_a_study_that_takes_no_new_participants_is_never_likely_to_fit():
    criteria = _criteria("Inclusion Criteria:\n- Progressive MS\n- EDSS 6.0 to 8.0")
    assert assess(criteria, PATIENT, "RECRUITING").verdict == FITS
    assert assess(criteria, PATIENT, "COMPLETED").verdict == NOT_OPEN
    assert assess(criteria, PATIENT, "UNKNOWN").verdict == ASK


def test_compare_says_not_stated_when_no_criteria_are_stored():
    record = _ms_2025("NCT02529839")  # a sparse record: no eligibility module
    shown = entry(record)
    table = build_table([shown])
    answers = dict(zip(*comparison([shown], table).iloc[:, :2].T.values, strict=True))
    assert answers["MS types admitted"] == "not stated in the record (no criteria stored)"
    assert answers["EDSS limits"] == "not stated in the record (no criteria stored)"


def test_the_role_phrasings_and_the_hand_labels_are_in_the_repository():
    """bench/classify.py scores roles on them; both must stay readable."""
    from pathlib import Path

    from .support import evaluation
    data = Path(__file__).parent / "data"
    phrasings = evaluation.load_role_phrasings(data / "role_phrasings.csv")
    assert {p.expected for p in phrasings} == {"gives therapy", "follows treated people", "lab only"}
    for p in phrasings:
        assert classify(read_study(p.as_study())).study_role == p.expected, p.note
    expected = evaluation.load_expected(data / "roles_expected.csv")
    assert len(expected) == 77 and {e.role for e in expected.values()} <= {GIVES, "follows treated people"}
    json.dumps([e.__dict__ for e in expected.values()])  # plain values only


def test_a_refresh_looks_up_each_clinic_sponsors_other_listings_once_and_keeps_the_answer(tmp_path):
    """Also: a failed lookup loses no data and fails no refresh."""
    from trials.registries.ctgov import plan
    from trials.registries.ctgov.api import Client
    from trials.registries.ctgov.plan import refresh
    from trials.snapshot import read as load
    from trials.store.sqlite import Store

    from .support.standin import StandIn

    corpus = load_jsonl(MSC_2022)
    # The same sponsor's listing for another disease, outside the MS answer: NCT02326935's real
    # record ("Patient Sponsored" in its official title) under NCT02034188's sponsor.
    other = _msc_2022("NCT02326935")
    other["protocolSection"]["identificationModule"]["nctId"] = "NCT09999998"
    other["protocolSection"]["conditionsModule"]["conditions"] = ["Osteoarthritis"]
    other["protocolSection"]["sponsorCollaboratorsModule"]["leadSponsor"]["name"] = "Translational Biosciences"
    store = Store(tmp_path / "trials.sqlite3")
    with StandIn(corpus) as api, Client(api.url, interval=0, backoff=0) as client:
        api.elsewhere = [other]

        def lookups() -> list[str]:
            found = [r.query["query.lead"] for r in api.requests if "query.lead" in r.query]
            api.requests.clear()
            return found

        # Seven business sponsors: five lookups with the first refresh, the other two with the next.
        refresh(store, client)
        first = lookups()
        assert len(first) == plan.SPONSOR_LOOKUPS_PER_REFRESH
        assert all("(" not in q and "[" not in q for q in first)  # Essie's reserved characters
        assert not any("University" in q for q in first)  # university sponsors are never looked up
        assert "NCT02034188" in load(store).entries  # the data landed whatever the lookups do
        api.data_timestamp = "2025-09-26T00:00:00"
        refresh(store, client)
        second = lookups()
        assert len(second) == 2 and '"Translational Biosciences"' in second and not set(first) & set(second)
        check = store.sponsor_checks("ctgov")["Translational Biosciences"]
        assert [p[0] for p in check.paying] == ["NCT09999998"] and "Patient Sponsored" in check.paying[0][1]
        flagged = load(store).entries["NCT02034188"]
        assert flags.SPONSOR_PAY in {f.code for f in flagged.flags}
        # New data again: the answers are kept, nobody is asked again within 30 days.
        api.data_timestamp = "2025-09-27T00:00:00"
        refresh(store, client, full=True)
        assert lookups() == []
        assert "NCT09999998" in {p[0] for p in store.sponsor_checks("ctgov")["Translational Biosciences"].paying}


def test_a_failing_sponsor_lookup_fails_no_refresh(tmp_path):
    from trials.registries.ctgov.api import Client
    from trials.registries.ctgov.plan import refresh
    from trials.snapshot import read as load
    from trials.store.sqlite import Store

    from .support.standin import StandIn

    store = Store(tmp_path / "trials.sqlite3")
    with StandIn(load_jsonl(MSC_2022)) as api, Client(api.url, interval=0, backoff=0, retries=0) as client:
        calls = {"n": 0}
        original = client.iter_pages

        def failing_lookups(params, fields):
            if "query.lead" in params:
                calls["n"] += 1
                api.fail_next(503)
            return original(params, fields)

        client.iter_pages = failing_lookups  # the registry fails every sponsor lookup
        result = refresh(store, client)
        assert result.mode == "full" and calls["n"] == 1  # the first failure ends the lookups
        assert "NCT02034188" in load(store).entries and store.sponsor_checks("ctgov") == {}


def _kind_of(intervention: str, summary: str = "", outcomes: tuple[str, ...] = ()):
    from trials.analysis.subtype import subtype
    study = read_study({"protocolSection": {
        "identificationModule": {"nctId": "NCT00000001", "briefTitle": "Stem cells in MS"},
        "descriptionModule": {"briefSummary": summary},
        "armsInterventionsModule": {"interventions": [{"type": "PROCEDURE", "name": intervention}]},
        "outcomesModule": {"primaryOutcomes": [{"measure": o} for o in outcomes]}}})
    return subtype(study, ("HSCT", "MSC"))


@pytest.mark.parametrize("intervention, summary, outcomes, donors, routes", [
    # Phrasings of our own, several found in review.
    ("Stem cell transplant", "Autologous HSCT carries no risk of GVHD.", (), ("autologous",), ()),
    ("Stem cell transplant", "", ("Occurrence of graft versus host disease",), ("allogeneic",), ()),
    ("Syngeneic or autologous bone marrow transplant", "", (), ("autologous", "syngeneic"), ()),  # both (issue 29)
    ("Haploidentical stem cell transplant", "", (), ("allogeneic",), ()),
    ("Arm IV: mesenchymal stem cells", "A phase IV study.", (), (), ()),
    ("Mesenchymal stem cells", "Cells are given IV once a month.", (), (), ("intravenous",)),
    ("Mesenchymal stem cells", "Subcutaneous G-CSF is given to mobilise stem cells.", (), (), ()),
    ("MSC", "6 intravenous infusions of MSCs or placebo, then intrathecal MSCs.", (), (),
     ("intravenous", "intrathecal")),
])
def test_whose_cells_and_route_are_read_from_what_the_record_says_of_the_cells(
        intervention, summary, outcomes, donors, routes):
    kind = _kind_of(intervention, summary, outcomes)
    assert (kind.donors, kind.routes) == (donors, routes)
