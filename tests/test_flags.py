"""Warning flags on real ClinicalTrials.gov records: the pay-to-participate adipose/SVF and
bone-marrow listings in ../shared/ctgov are hit, with the evidence named; university,
hospital and public trials are not. Cases the corpora lack are built from a real record
with one field changed, and each says so."""

from __future__ import annotations

import copy
import dataclasses
import json
import re
from urllib.parse import unquote
from datetime import date

import pytest

from trials.analysis.classify import classify
from trials.analysis.flags import COMPANY, NO_RESULTS, PAY, STALE, Flag, flags_for
from trials.analysis.status import LIST_SEPARATOR
from trials.analysis.table import build_table
from trials.presentation.detail import section_markdown, study_card
from trials.presentation.export import csv_bytes
from trials.registries.ctgov.record import read_study

from .conftest import FULL_RECORDS, MS_2025, MSC_2022, by_id, entry, load_jsonl

MS_DATE = date(2025, 9, 25)  # ms-2025-09 data date
MSC_DATE = date(2022, 10, 6)  # msc-2022 data date
FULL_DATE = date(2025, 5, 7)  # full-records data date


@pytest.fixture(scope="module")
def ms() -> list[dict]:
    return load_jsonl(MS_2025)


@pytest.fixture(scope="module")
def msc() -> list[dict]:
    return load_jsonl(MSC_2022)


def flags(record: dict, when: date) -> tuple[Flag, ...]:
    study = read_study(record)
    return flags_for(study, when, classify(study).labels)


def codes(study: dict, when: date) -> set[str]:
    return {f.code for f in flags(study, when)}


def reason(study: dict, when: date, code: str) -> str:
    return next(f.reason for f in flags(study, when) if f.code == code)


def with_title(study: dict, official_title: str) -> dict:
    changed = copy.deepcopy(study)
    changed["protocolSection"]["identificationModule"]["officialTitle"] = official_title
    return changed


# -- rule 1: the record asks participants to pay ----------------------------------------

def test_patient_sponsored_adipose_msc_listing_is_flagged_with_phrase_and_field(ms, msc):
    for study, when in ((by_id(ms, "NCT02326935"), MS_DATE), (by_id(msc, "NCT02326935"), MSC_DATE)):
        assert PAY in codes(study, when)
        text = reason(study, when, PAY)
        assert "official title" in text and "Patient Sponsored" in text


def test_patients_own_funding_bone_marrow_listing_is_flagged(ms):
    study = by_id(ms, "NCT01883661")  # "It is Self Funded (Patients' Own Funding) Clinical Trial"
    assert PAY in codes(study, MS_DATE)
    assert "Patients' Own Funding" in reason(study, MS_DATE, PAY)


@pytest.mark.parametrize("title", [
    "A Self-Pay Study of Adipose Stem Cells in MS",
    "Patient-Funded Study of Bone Marrow Stem Cells",
    "Participants will pay the treatment fee before the first infusion",
    "The cost of the treatment is US$ 15,000 per course",
    "Patients are responsible for the costs of cell processing",
    "The cost of treatment will be borne by the patient",
])
def test_payment_wording_is_read_in_its_many_forms(ms, title):
    """Built from the real NCT02034188 record with only the official title replaced."""
    study = with_title(by_id(ms, "NCT02034188"), title)
    assert PAY in codes(study, MS_DATE), title


@pytest.mark.parametrize("title", [
    "Stem cells for MS at no cost to participants; the study pays all fees",
    "Participants will receive compensation for travel costs",
    "Participants will pay attention to a visual task",
    "A self-funded investigator-initiated study of stem cells",
    "Cost-effectiveness and cost of treatment of MS in the NHS",
])
def test_wording_about_money_that_is_no_charge_is_not_flagged(ms, title):
    """Built from the real NCT02034188 record with only the official title replaced."""
    study = with_title(by_id(ms, "NCT02034188"), title)
    assert PAY not in codes(study, MS_DATE), title


def test_health_economics_costs_in_a_university_record_are_not_a_charge():
    """NCT06223893 (University College London) speaks of 'NHS care costs of £4...'."""
    full = json.loads(FULL_RECORDS.read_text(encoding="utf-8"))
    assert PAY not in codes(by_id(full, "NCT06223893"), FULL_DATE)


# -- rule 2: a company offering treatment for MS next to other conditions ------------------

@pytest.mark.parametrize("study_id, other", [
    ("NCT02795052", "Stroke"),  # bone marrow stem cells for 26 neurological conditions
    ("NCT02939859", "Autoimmune"),  # adipose stromal vascular fraction
    ("NCT01453764", "Nervous System Diseases"),  # adipose stromal cells
    ("NCT01364246", "Neuromyelitis Optica"),  # umbilical cord MSC, single group
])
def test_company_offering_cells_for_several_conditions_is_flagged(ms, study_id, other):
    study = by_id(ms, study_id)
    assert COMPANY in codes(study, MS_DATE)
    text = reason(study, MS_DATE, COMPANY)
    assert "a company, as the registry classes it" in text and "1 site" in text and other in text


def test_the_full_record_names_its_open_label_single_group_design(msc):
    text = reason(by_id(msc, "NCT01364246"), MSC_DATE, COMPANY)
    assert "single group" in text and "open label" in text


def test_a_comparison_group_clears_the_company_rule(ms):
    """Built from the real NCT02939859 record with a placebo arm added."""
    study = copy.deepcopy(by_id(ms, "NCT02939859"))
    study["protocolSection"]["armsInterventionsModule"]["interventions"].append(
        {"type": "OTHER", "name": "Placebo infusion"})
    assert COMPANY not in codes(study, MS_DATE)


# -- rule 3: status unknown, or not verified for years while open --------------------------

@pytest.mark.parametrize("study_id", ["NCT02157064", "NCT03069170", "NCT02587715"])
def test_unknown_status_of_a_clinic_listing_is_flagged(ms, study_id):
    # StemGenex (adipose SVF), Stem Cells Arabia (class OTHER, a company by its name),
    # Novo Cellular Medicine Institute (cord MSC with "liberation therapy")
    assert STALE in codes(by_id(ms, study_id), MS_DATE)


def test_the_last_known_status_is_named_when_the_record_has_it(msc):
    assert "last reported as recruiting" in reason(by_id(msc, "NCT03069170"), MSC_DATE, STALE)


def test_an_old_verification_date_while_recruiting_is_flagged_as_of_the_data_date(msc):
    """NCT05116540 (msc-2022) says RECRUITING, verified 2021-11: fine in its own data of
    2022-10, stale when the same record is judged as of 2025-09 (the date is passed in)."""
    study = by_id(msc, "NCT05116540")
    assert STALE not in codes(study, MSC_DATE)
    assert "2021-11" in reason(study, MS_DATE, STALE)


def test_a_record_without_a_verification_date_is_not_flagged_for_it(ms):
    """ms-2025-09 records have no statusVerifiedDate: NCT05532943 says RECRUITING and is
    judged ten years later; it may be overdue, but never 'not verified'."""
    assert STALE not in codes(by_id(ms, "NCT05532943"), date(2035, 9, 25))


# -- rule 4: ended long ago without results --------------------------------------------

def test_completion_long_before_the_data_date_without_results_is_flagged(ms):
    study = by_id(ms, "NCT02034188")  # completed 2016-03, Translational Biosciences, Panama
    assert "2016-03" in reason(study, MS_DATE, NO_RESULTS)
    assert NO_RESULTS not in codes(study, date(2017, 1, 1))  # not long ago as of early 2017


def test_withdrawn_studies_and_posted_results_are_not_overdue(ms):
    assert NO_RESULTS not in codes(by_id(ms, "NCT01453764"), MS_DATE)  # withdrawn, 0 enrolled
    assert NO_RESULTS not in codes(by_id(ms, "NCT05116540"), MS_DATE)  # results posted


# -- academic, hospital and public trials are never hit -----------------------------------

@pytest.mark.parametrize("study_id", [
    "NCT00716066",  # Fred Hutchinson: HSCT for MS and 18 other conditions, one site
    "NCT01854957",  # MESEMS Italy (Antonio Uccelli): UNKNOWN status, no results
    "NCT01815632",  # North Bristol NHS Trust: UNKNOWN
    "NCT02529839",  # Hadassah Medical Organization: UNKNOWN
    "NCT04674280",  # EBMT (NETWORK): UNKNOWN
    "NCT00927108",  # Thai Ministry of Public Health: MS with Alzheimer's and Parkinson's
])
def test_named_academic_and_public_trials_are_not_flagged(ms, study_id):
    assert flags(by_id(ms, study_id), MS_DATE) == ()


def test_a_hospital_trial_still_open_years_later_is_not_flagged(msc):
    """NCT04749667 (Haukeland University Hospital) says RECRUITING, verified 2022-03."""
    assert flags(by_id(msc, "NCT04749667"), date(2026, 1, 1)) == ()


_ACADEMIC = re.compile(r"universit|hospital|college|nhs|irccs|institutet|clinic\b|"
                       r"medical cent|national|ministry", re.IGNORECASE)


def test_no_sponsor_rule_fires_on_any_academic_or_public_stem_cell_study(ms, msc):
    """Every labelled stem-cell study whose lead sponsor is public or academic, in both corpora.
    Only payment wording may still flag one: the hospital record NCT01883661 says so itself."""
    checked = 0
    for studies, when in ((ms, MS_DATE), (msc, MSC_DATE)):
        for study in studies:
            lead = study["protocolSection"].get("sponsorCollaboratorsModule", {}).get("leadSponsor", {})
            public = lead.get("class") in {"NIH", "FED", "OTHER_GOV", "NETWORK"}
            if not classify(read_study(study)).labels or not (public or _ACADEMIC.search(lead.get("name", ""))):
                continue
            checked += 1
            assert codes(study, when) <= {PAY}, study["protocolSection"]["identificationModule"]
    assert checked >= 40  # 47 records in the September 2025 and 2022 corpora


def test_sponsor_rules_leave_drug_and_app_companies_alone():
    """Digital-therapeutics companies list several conditions at one site too; they sell no
    cell treatment, so only payment wording could flag them (and none asks)."""
    full = json.loads(FULL_RECORDS.read_text(encoding="utf-8"))
    assert all(flags(study, FULL_DATE) == () for study in full)


# -- the values ---------------------------------------------------------------------------

def test_flags_are_frozen_and_every_reason_is_plain_text(ms):
    found = flags(by_id(ms, "NCT02326935"), MS_DATE)
    with pytest.raises(dataclasses.FrozenInstanceError):
        found[0].code = "x"  # type: ignore[misc]
    assert all(f.title and f.reason.endswith(".") for f in found)


# -- in the table, the CSV and the card ---------------------------------------------------

def test_the_table_and_csv_carry_every_flag_joined_with_the_list_separator(ms):
    df = build_table([entry(by_id(ms, n), "2025-09-25T00:00:00")
                      for n in ("NCT02157064", "NCT06267781")])  # StemGenex; San Raffaele
    cells = df.set_index("study_id")["flags"]
    assert cells["NCT02157064"] == LIST_SEPARATOR.join(
        ["status not confirmed for years", "completion date long past, no results posted"])
    assert cells["NCT06267781"] == ""
    assert "status not confirmed for years; completion date long past" in csv_bytes(df).decode("utf-8-sig")


def test_the_card_explains_the_flag_and_lists_every_source_with_its_date(msc):
    card = study_card(entry(by_id(msc, "NCT02326935"), "2022-10-06T00:00:00"))
    titles = [s.title for s in card.sections]
    assert titles[:5] == ["Warning: questions about this listing", "Can I join?", "Who to contact", "What is being tested",
                          "Sources"]
    warning = {line.label: line.value for line in card.sections[0].items}
    assert "Patient Sponsored" in warning["Asks participants to pay"]
    assert "does not mean" in warning["What it does not mean"]
    assert "accredited" in warning["Advice: National MS Society"]
    sources = card.sections[4].items
    cited = {int(n) for text in (line.value for line in card.sections[0].items + card.sections[3].items)
             for n in re.findall(r"\[(\d+)\]", text)}
    assert cited == set(range(1, len(sources) + 1))  # every number cited is listed, and only those
    assert all(re.search(r"Checked on 2026-\d\d-\d\d", line.value) and line.link.startswith("https://")
               for line in sources)
    # Issue 18: on the page a source is a real link whose text is the address, with no joiner.
    links = re.findall(r"\[([^\]]*)\]\((https://[^)]+)\)", section_markdown(card.sections[4]))
    assert [unquote(url) for _, url in links] == [line.link for line in sources]
    assert all("\u2060" not in text and re.sub(r"\\(.)", r"\1", text) == unquote(url) for text, url in links)


def test_an_unflagged_card_has_no_warning(ms):
    card = study_card(entry(by_id(ms, "NCT06267781"), "2025-09-25T00:00:00"))
    # An observational aHSCT cohort: the card opens with its status, whom to ask, then what it
    # is about; no warning first.
    assert [s.title for s in card.sections[:3]] == ["Can I join?", "Who to contact", "What the study is about"]
