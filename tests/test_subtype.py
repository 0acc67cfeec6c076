"""Whose cells, which route and which group gets them, read from the words that state them
(issue 29, parts 1 and 2).

The cases are real records of tests/data/ctgov, each edited where said to build the case an
issue reported from a held-out record."""

from __future__ import annotations

from dataclasses import replace

import pytest

from trials import registries
from trials.analysis.classify import classified
from trials.analysis.subtype import ALLOGENEIC, AUTOLOGOUS, SYNGENEIC, subtype
from trials.analysis.table import Entry
from trials.model import Arm, Intervention
from trials.presentation import detail

from .conftest import MS_2025, MSC_2022
from .support.standin import load_corpus


@pytest.fixture(scope="module")
def records():
    return {r["protocolSection"]["identificationModule"]["nctId"]: r for r in load_corpus(MS_2025, MSC_2022)}


def read(records, nct):
    study = registries.read("ctgov", records[nct])
    return study, classified(study).labels


def card_text(study, labels) -> str:
    label = classified(study)
    return detail.card_text(detail.study_card(Entry(study, labels, label.evidence, label.study_role, "2025-09-25",
                                                    "2025-09-25T00:00:00Z", "api", True)))


def test_a_donor_word_of_another_intervention_is_not_the_cells_donor(records):
    # Built from NCT00017628 (an autologous HSCT trial): a faecal microbiota transplant from a
    # healthy donor added as a second intervention, with its own arm, as the held-out record had.
    study, labels = read(records, "NCT00017628")
    fmt = Intervention("BIOLOGICAL", "Allogeneic faecal microbiota transplantation",
                       description="Stool from a healthy related donor, given by colonoscopy.")
    study = replace(study, interventions=(*study.interventions, fmt), design=replace(
        study.design, arms=(*study.design.arms, Arm("Microbiota", "EXPERIMENTAL", "Faecal transplant from a "
                                                    "healthy donor", ("Biological: " + fmt.name,)))))
    assert subtype(study, labels).donors == (AUTOLOGOUS,)
    text = card_text(study, labels)
    assert "a donor's cells" not in text and "HSCT with donor cells: Graft-versus-host" not in text


def test_both_cell_sources_a_record_gives_are_given(records):
    # NCT00716066 as registered: "Syngeneic or Autologous Hematopoietic Cell Transplantation".
    study, labels = read(records, "NCT00716066")
    kind = subtype(study, labels)
    assert kind.donors == (AUTOLOGOUS, SYNGENEIC) and ALLOGENEIC not in kind.donors
    assert "the participant's own cells (autologous); an identical twin's cells (syngeneic)" in card_text(study, labels)


def test_a_route_only_the_official_title_states_is_read(records):
    # Built from NCT01364246 (umbilical cord MSCs; no route stated anywhere): its official title
    # now says how they are given, as the held-out record's did; nothing else does.
    study, labels = read(records, "NCT01364246")
    assert subtype(study, labels).routes == ()
    titled = replace(study, official_title="Intracerebroventricular Injection of Umbilical Cord Mesenchymal Stem "
                                           "Cells for Patients With Progressive Multiple Sclerosis")
    kind = subtype(titled, labels)
    assert kind.routes == ("into the brain",)
    assert kind.evidence[-1].field == "official title"
    for words in ("injected into the brain's ventricles", "given into the lateral ventricle"):
        assert subtype(replace(study, official_title=words), labels).routes == ("into the brain",)


# -- which group receives the cells (issue 29, part 2) ---------------------------------------------


def test_a_study_stopped_before_anyone_took_part_receives_nobody(records):
    study, labels = read(records, "NCT00497952")  # withdrawn, as registered
    text = card_text(study, labels)
    assert "This study stopped before anyone took part; it planned to give HSCT." in text
    assert "Participants in this study receive" not in text


def test_a_randomised_placebo_group_does_not_receive_the_cells(records):
    study, labels = read(records, "NCT04995081")  # allogeneic adipose MSCs against placebo, as registered
    text = card_text(study, labels)
    assert "Not everyone in this study receives MSC: the group Placebo does not. Chance decides" in text
    assert "Participants in this study receive" not in text
    # Arms the record does not say anything of: no verdict, a question for the study team.
    unclear = replace(study, design=replace(study.design, arms=tuple(
        replace(a, type="EXPERIMENTAL", label=f"Group {n}", description="", interventions=())
        for n, a in enumerate(study.design.arms, start=1))))
    # Its official title still says "HB-adMSCs vs Placebo"; without it, its placebo item says it.
    assert ('Not everyone in this study receives MSC: its official title compares it with "Placebo"'
            in card_text(unclear, labels))
    untitled = replace(unclear, official_title="")
    assert ('Some participants in this study receive "Placebo" instead of MSC, or before it'
            in card_text(untitled, labels))
    without_placebo = replace(untitled, interventions=tuple(i for i in unclear.interventions if i.name != "Placebo"))
    assert "does not make clear whether every group receives MSC" in card_text(without_placebo, labels)


@pytest.mark.parametrize("nct, other", [
    ("NCT04047628", "Best Available Therapy"),  # BEAT-MS: "Best Available Therapy Versus Autologous HSCT ..."
    ("NCT03477500", "Alemtuzumab, Cladribine or Ocrelizumab"),  # RAM-MS: "... Transplantation Versus ..."
])
def test_a_record_without_its_groups_still_says_in_its_title_what_the_cells_are_compared_with(records, nct, other):
    # ms-2025-09 keeps no arm groups: before, both cards said "Participants in this study receive HSCT".
    study, labels = read(records, nct)
    text = card_text(study, labels)
    assert f'Not everyone in this study receives HSCT: its brief title compares it with "{other}"' in text
    assert "Chance decides which group each participant joins" in text  # "Randomized" in a title
    assert "Participants in this study receive" not in text


def test_interventions_that_are_not_the_therapy_itself_say_so(records):
    # RAM-MS lists the transplant's conditioning and the three comparator drugs, not the transplant.
    text = card_text(*read(records, "NCT03477500"))
    assert "Drug: Ocrelizumab (none of these is the HSCT itself: the record names it elsewhere" in text
    assert "(none of these" not in card_text(*read(records, "NCT04047628"))  # BEAT-MS lists its transplant


def test_a_comparator_group_that_gets_the_cells_is_no_existing_treatment(records):
    study, labels = read(records, "NCT01824121")  # immediate against delayed MSCs, as registered
    text = card_text(study, labels)
    assert "gets the cells being tested too (another dose or schedule), for comparison" in text
    assert "gets an existing treatment instead" not in text


def test_a_stronger_conditioning_regimen_gets_its_claim_and_only_there(records):
    # HALT-MS lists "Carmustine, etoposide, cytarabine, and melphalan (BEAM)" (real record);
    # BEAT-MS and a "nonmyeloablative" protocol name no such regimen.
    beam = card_text(*read(records, "NCT00288626"))
    assert "Stronger chemotherapy regimens: " in beam and "3.1 against 1.4 per person" in beam
    for nct in ("NCT04047628", "NCT02529839"):  # (the second: "Immunoablative Nonmyeloablative")
        assert "Stronger chemotherapy regimens" not in card_text(*read(records, nct)), nct


def test_a_control_item_means_not_everyone_receives_the_cells():
    # ms-2025-09 keeps the items of NCT05532943 but not its groups: "Biological: Control group".
    sparse = {r["protocolSection"]["identificationModule"]["nctId"]: r for r in load_corpus(MS_2025)}
    text = card_text(*read(sparse, "NCT05532943"))
    assert 'Some participants in this study receive "Control group" instead of MSC, or before it' in text
    assert "Participants in this study receive" not in text


def test_a_delayed_start_group_gets_the_cells_later(records):
    # NCT01377870: "Patients who are in control group underwent media injection but after 6 months
    # they will be transplanted by stem cell" (the item of the placebo group, real record).
    text = card_text(*read(records, "NCT01377870"))
    assert "Every group in this study receives MSC, but not at the same time: the group cell free media" in text
    assert "after 6 months they will be transplanted" in text and "does not." not in text


def test_a_comparator_in_a_description_is_listed():
    # StarMS on ISRCTN: one intervention whose description ends "Comparator: best available
    # disease-modifying therapy (alemtuzumab, ocrelizumab, ofatumumab or cladribine)".
    from pathlib import Path

    from trials.registries.isrctn.record import read as read_isrctn
    from trials.registries.isrctn.record import split
    from trials.registries.values import xml_root

    path = Path(__file__).parent / "data" / "registries" / "isrctn" / "ms" / "HSCT_STARMS.xml"
    (found,) = split(xml_root(path.read_bytes()))
    study = read_isrctn(found)
    text = card_text(study, classified(study).labels)
    assert ("compared with: best available disease-modifying therapy (alemtuzumab, ocrelizumab, ofatumumab or "
            "cladribine) (from the intervention description)") in text
    # The trial's closing, as the MS Trust reported it, stands beside its registry status.
    assert "This status may be out of date" in text and "recruitment closed in November 2024, with 94 people" in text


def test_a_crossover_quotes_each_groups_switch(records):
    # NCT02035514: two arms typed experimental, "... The treatment will be on day 0 and placebo on month
    # 6." and "... on month 6 and placebo on day 0.": the type tells only the first period.
    text = card_text(*read(records, "NCT02035514"))
    assert 'As registered: "A single infusion of up to 1 million cells per Kg of autologous MSC stem cells vs ' \
           'placebo. The treatment will be on month 6 and placebo on day 0."' in text
    assert "in this crossover study the groups get it in a different order" in text
