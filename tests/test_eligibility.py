"""Eligibility read from criteria text, and the patient's pre-screen.

The hand-made table (tests/data/eligibility_expected.csv) was written by reading each
real criteria text in ../shared/ctgov; the other cases are our own phrasings of each
pattern, shaped like the real v1 (plain) and v2 (Markdown) texts.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from trials.analysis.eligibility import EXCLUSION, INCLUSION, Criteria, read_criteria, sentences
from trials.analysis.prescreen import ASK, DOES_NOT_FIT, FITS, NO, OK, UNCLEAR, Profile, assess, make_profile
from trials.errors import InputError
from trials.registries.ctgov.record import read_study

from .conftest import FULL_RECORDS, MSC_2022, entry, load_jsonl


def criteria_of(record: dict) -> Criteria:
    return read_criteria(read_study(record))

EXPECTED = Path(__file__).parent / "data" / "eligibility_expected.csv"


def study(criteria: str, minimum: str = "18 Years", maximum: str = "", sex: str = "ALL") -> dict:
    """A v2 Study with an eligibility module, as the API returns it."""
    module = {"eligibilityCriteria": criteria, "sex": sex, "minimumAge": minimum}
    if maximum:
        module["maximumAge"] = maximum
    return {"protocolSection": {"identificationModule": {"nctId": "NCT00000001"},
                                "eligibilityModule": module}}


def read(criteria: str, **fields):
    return criteria_of(study(criteria, **fields))


# -- the hand-made table of real texts -------------------------------------------------

def _number(cell: str) -> float | None:
    return float(cell) if cell else None


def test_every_value_in_the_hand_made_table_is_extracted_exactly():
    records = {s["protocolSection"]["identificationModule"]["nctId"]: s
               for s in load_jsonl(MSC_2022) + json.loads(FULL_RECORDS.read_text(encoding="utf-8"))}
    with open(EXPECTED, encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert len(rows) >= 25 and sum(r["ms"] == "yes" for r in rows) >= 25
    wrong = []
    for row in rows:
        c = criteria_of(records[row["nct_id"]])
        got = (c.sex, c.age_text.low if c.age_text else None, c.age_text.high if c.age_text else None,
               ";".join(c.ms_types), c.edss.low if c.edss else None, c.edss.high if c.edss else None)
        want = (row["sex"], _number(row["text_min_age"]), _number(row["text_max_age"]), row["ms_types"],
                _number(row["edss_min"]), _number(row["edss_max"]))
        if got != want:
            wrong.append((row["nct_id"], got, want))
    assert wrong == []


# -- splitting ---------------------------------------------------------------------------

@pytest.mark.parametrize("text", [
    "Inclusion Criteria:\n\n* Age 30\n\nExclusion Criteria:\n\n* Smoking",
    "KEY INCLUSION CRITERIA\n1. Age 30\nKey exclusion criteria:\n2. Smoking",
    "Inclusion criteria. Age 30.\nStudy Exclusion Criteria. Smoking.",
    "Main inclusion criteria: Age 30\nIII.6 EXCLUSION CRITERIA\nSmoking",
])
def test_inclusion_and_exclusion_headings_in_many_forms(text):
    parts = {s.text.rstrip("."): s.part for s in sentences(text)}
    assert parts == {"Age 30": INCLUSION, "Smoking": EXCLUSION}


def test_a_criterion_that_mentions_inclusion_criteria_is_not_a_heading():
    parts = [s.part for s in sentences("Exclusion Criteria:\n- RRMS not fulfilling inclusion criteria\n- Not "
                                       "meeting inclusion criteria")]
    assert parts == [EXCLUSION, EXCLUSION]


# -- age -----------------------------------------------------------------------------------

@pytest.mark.parametrize("text, low, high", [
    ("Adults aged 21 to 60 years", 21, 60),
    ("* Participants between the ages of 25-45", 25, 45),
    ("Must be 30 years of age or older", 30, None),
    ("* 21+ years of age", 21, None),
    ("Age: \\>= 19 years", 19, None),
    ("Patients aged \\> 20 years and \\< 64 years", 20, 64),
    ("Men and women no more than 58 years old", None, 58),
    ("Exclusion Criteria:\n* Age under 21\n* Age > 61 years", 21, 61),
])
def test_age_phrasings(text, low, high):
    age = read(text).age_text
    assert (age.low, age.high) == (low, high)
    assert age.source


@pytest.mark.parametrize("text", [
    "Symptom onset before 40 years of age",
    "Age at onset of at least 30 years",
    "If younger than 18 years of age, a parent must consent",
    "Disease duration 3 to 12 years",
    "Women of childbearing age must use contraception for 6 months",
])
def test_ages_that_are_not_age_limits(text):
    assert read(text).age_text is None


def test_structured_ages_in_months_and_disagreement_kept_with_both_sources():
    c = read("Inclusion Criteria:\n* Age 18-70", minimum="6 Months", maximum="65 Years")
    assert (c.age_structured.low, c.age_structured.high) == (0.5, 65)
    assert (c.age_text.low, c.age_text.high) == (18, 70)
    assert (c.min_age, c.max_age) == (0.5, 65)  # the registry's fields, the text beside them
    note = next(i for i in c.items if i.kind == "note")
    assert "65" in note.text and "70" in note.text and note.source == "Age 18-70"
    agreeing = read("* Age 4 to \\<13 years", minimum="4 Years", maximum="12 Years")
    assert not agreeing.notes  # "< 13" is the registry's "up to 12"


# -- EDSS -----------------------------------------------------------------------------------

@pytest.mark.parametrize("text, low, high", [
    ("EDSS 1.5 to 5.0", 1.5, 5.0),
    ("Expanded Disability Status Scale (EDSS) score <= 4.5 at screening", None, 4.5),
    ("An EDSS score between 2.5 & 7", 2.5, 7),
    ("EDSS 4.0-6.0 inclusive", 4.0, 6.0),
    ("EDSS ≥ 3.5", 3.5, None),
    ("EDSS ≤ 6.0 at baseline visit", None, 6.0),
    ("EDSS less than or equal to 5.5", None, 5.5),
    ("Kurtzke EDSS of at least 2.0", 2.0, None),
    ("EDSS score of 2,5 to 6,0", 2.5, 6.0),
    ("EDSS < 7.0", None, 6.5),  # strict: the next EDSS step inside
    ("Exclusion Criteria:\n* EDSS above 6.0", None, 6.0),
    ("Exclusion Criteria:\n* EDSS ≥ 7", None, 6.5),
])
def test_edss_phrasings(text, low, high):
    edss = read(text).edss
    assert (edss.low, edss.high) == (low, high)


@pytest.mark.parametrize("text", [
    "Worsening defined as an increase of 1 EDSS point in 12 months",
    "Progression: increase in EDSS of >= 1.0 (if baseline EDSS <= 5.5) or 0.5 (if baseline EDSS >= 6.0)",
    "No change in EDSS (1 point or more) over the last year",
    "Confirmed disability progression, i.e. an EDSS increase of ≥ 0.5 points",
    "Patients will be stratified by disability, e.g. EDSS ≥ 4.0 versus lower",
])
def test_edss_as_a_change_a_condition_or_an_example_is_not_a_range(text):
    assert read(text).edss is None


def test_edss_ranges_for_different_groups_keep_the_widest_and_say_so():
    c = read("* RRMS with EDSS 2.0 to 5.0\n* SPMS with EDSS 3.0 to 6.5")
    assert (c.edss.low, c.edss.high) == (2.0, 6.5)
    assert any(n.startswith("EDSS:") for n in c.notes)


# -- MS types -------------------------------------------------------------------------------

@pytest.mark.parametrize("text, types", [
    ("Inclusion Criteria:\n* Relapsing-remitting multiple sclerosis", ("RRMS",)),
    ("* Diagnosis of secondary-progressive MS (SPMS)", ("SPMS",)),
    ("* Progressive forms of MS", ("PPMS", "SPMS")),
    ("* Relapsing forms of multiple sclerosis", ("RMS",)),
    ("* A first demyelinating event (clinically isolated syndrome)", ("CIS",)),
    ("* Diagnosis of MS or CIS", ()),  # any MS or CIS: no restriction
    ("* Diagnosis of multiple sclerosis by McDonald 2017", ()),
    ("Exclusion Criteria:\n* History of carcinoma in situ (CIS)", ()),
])
def test_ms_types_admitted(text, types):
    assert read(text).ms_types == types


def test_types_named_only_in_the_exclusions_restrict_too():
    c = read("Inclusion Criteria:\n* Definite MS\nExclusion Criteria:\n* Primary or secondary progressive MS")
    assert c.ms_types == ("RRMS",)
    assert c.ms_types_excluded == ("PPMS", "SPMS")
    assert any(i.kind == "ms_type" and "progressive" in i.source for i in c.items)


def test_an_exclusion_of_a_subgroup_does_not_remove_the_type():
    c = read("Inclusion Criteria:\n* RRMS or SPMS\nExclusion Criteria:\n* SPMS without relapses in 2 years\n"
             "* RRMS not fulfilling inclusion criteria")
    assert c.ms_types == ("RRMS", "SPMS") and c.ms_types_excluded == ()


# -- other requirements ---------------------------------------------------------------------

def test_duration_activity_and_failed_treatment_keep_their_sentences():
    c = read("Inclusion Criteria:\n* Disease duration 1 to 12 years\n"
             "* At least 2 relapses in the last 24 months or one gadolinium-enhancing lesion\n"
             "* Failure of at least one year of treatment with natalizumab or ocrelizumab\n"
             "Exclusion Criteria:\n* A relapse within 90 days of screening")
    kinds = {i.kind: i for i in c.items}
    assert kinds["duration"].text.endswith("1 to 12 years")
    assert kinds["activity"].source.startswith("At least 2 relapses")
    assert "natalizumab" in kinds["failed_treatment"].text
    assert kinds["no_recent_relapse"].part == EXCLUSION


# -- the pre-screen -------------------------------------------------------------------------

TRIAL = ("Inclusion Criteria:\n* Relapsing-remitting MS\n* EDSS 2.0 to 5.5\n"
         "* At least one relapse in the last 12 months\nExclusion Criteria:\n* Pregnancy")


def test_likely_fits_when_every_answer_is_inside_every_published_limit():
    fit = assess(read(TRIAL, maximum="55 Years"), Profile(35, "female", "RRMS", 3.0))
    assert fit.verdict == FITS
    by = {r.criterion: r for r in fit.reasons}
    assert {by[k].status for k in ("Age", "Sex", "MS type", "EDSS")} == {OK}
    assert by["EDSS"].source == "EDSS 2.0 to 5.5"
    assert by["Recent relapses or MRI activity"].status == "to check"


@pytest.mark.parametrize("profile, criterion", [
    (Profile(60, "female", "RRMS", 3.0), "Age"),
    (Profile(35, "female", "SPMS", 3.0), "MS type"),
    (Profile(35, "female", "RRMS", 6.5), "EDSS"),
])
def test_does_not_fit_names_the_limit_and_its_sentence(profile, criterion):
    fit = assess(read(TRIAL, maximum="55 Years"), profile)
    assert fit.verdict == DOES_NOT_FIT
    failing = [r for r in fit.reasons if r.status == NO]
    assert [r.criterion for r in failing] == [criterion] and failing[0].source


def test_sex_limit_from_the_registry_field():
    c = read(TRIAL, sex="FEMALE")
    assert assess(c, Profile(35, "male", "RRMS", 3.0)).verdict == DOES_NOT_FIT
    assert assess(c, Profile(35, "female", "RRMS", 3.0)).verdict == FITS


@pytest.mark.parametrize("profile", [
    Profile(35, "female", "RRMS", None),  # EDSS not given, but the study has a limit
    Profile(None, "female", "RRMS", 3.0),  # age not given
])
def test_a_missing_answer_means_ask_your_neurologist(profile):
    assert assess(read(TRIAL, maximum="55 Years"), profile).verdict == ASK


def test_fields_and_text_disagreeing_means_ask_not_does_not_fit():
    c = read("* Relapsing-remitting MS\n* Age 18-70", maximum="65 Years")
    fit = assess(c, Profile(68, "female", "RRMS", None))
    assert fit.verdict == ASK
    assert next(r for r in fit.reasons if r.criterion == "Age").status == UNCLEAR
    assert assess(c, Profile(75, "female", "RRMS", None)).verdict == DOES_NOT_FIT  # outside both


def test_relapsing_forms_leave_spms_unclear_and_a_record_without_text_is_never_a_fit():
    c = read("* Relapsing forms of MS")
    assert assess(c, Profile(ms_type="SPMS")).verdict == ASK
    assert assess(c, Profile(ms_type="PPMS")).verdict == DOES_NOT_FIT
    bare = criteria_of({"protocolSection": {"identificationModule": {"nctId": "NCT00000002"}}})
    assert assess(bare, Profile(40, "male", "RRMS", 2.0)).verdict == ASK


def test_verdict_words_never_say_eligible():
    fit = assess(read(TRIAL, maximum="55 Years"), Profile(35, "female", "RRMS", 3.0))
    assert "eligible" not in (fit.verdict + fit.text).lower()


@pytest.mark.parametrize("kwargs, message", [
    ({"age": "forty"}, "whole number"),
    ({"age": 130}, "outside"),
    ({"sex": "other"}, "female or male"),
    ({"ms_type": "PRMS"}, "RRMS, SPMS, PPMS, CIS"),
    ({"edss": "3.3"}, "steps of 0.5"),
    ({"edss": "11"}, "0 to 10"),
])
def test_profile_input_errors_say_what_to_type(kwargs, message):
    with pytest.raises(InputError, match=message):
        make_profile(**kwargs)


def test_profile_parsing_accepts_plain_answers():
    assert make_profile("42", "Female", "rrms", "3,5") == Profile(42, "female", "RRMS", 3.5)
    assert make_profile().is_empty


# -- the card and the table --------------------------------------------------------------

def test_card_says_who_can_take_part_and_how_the_study_is_done_in_plain_words():
    from trials.analysis.table import build_table
    from trials.presentation.detail import card_text, study_card

    record = next(s for s in load_jsonl(MSC_2022)
                  if s["protocolSection"]["identificationModule"]["nctId"] == "NCT04749667")
    stored = entry(record, "2022-10-06T00:00:00", labels=("MSC",), fetched_at="2022-10-07T00:00:00Z")
    text = card_text(study_card(stored))
    assert 'Disability (EDSS): EDSS 4.0 to 7.0 (from: "An EDSS score of 4 to 7")' in text
    assert "MS type: For: primary progressive MS, secondary progressive MS" in text
    assert "Groups: Randomised" in text and "Crossover" in text
    assert "Blinded: participants" in text and "How many people: 18 (planned)" in text
    row = build_table([stored]).iloc[0]
    assert (row["ms_types"], row["edss_min"], row["edss_max"]) == ("PPMS;SPMS", 4.0, 7.0)
    assert (row["min_age"], row["max_age"], row["sex"]) == (18, 55, "ALL")
    assert row["eligibility_criteria"].startswith("Inclusion Criteria")


def test_placebo_saline_and_best_available_therapy_are_explained():
    from trials.presentation.detail import _design_section

    record = {"protocolSection": {
        "identificationModule": {"nctId": "NCT00000003"},
        "designModule": {"designInfo": {"allocation": "RANDOMIZED", "maskingInfo": {"masking": "NONE"}}},
        "armsInterventionsModule": {"armGroups": [
            {"label": "Placebo", "type": "PLACEBO_COMPARATOR", "interventionNames": ["Drug: Saline"]},
            {"label": "Best Available Therapy", "type": "ACTIVE_COMPARATOR",
             "interventionNames": ["Drug: Best Available Therapy"]}]}}}
    texts = [line.value for line in _design_section(read_study(record)).items]
    assert texts[0].startswith("Randomised")
    assert any("saline (salt water)" in t for t in texts)
    assert any("best approved MS medicine" in t for t in texts)
    assert any("open label" in t for t in texts)
