"""One trial, one row: which records are one trial (trials.analysis.links), and what the merged
study shows and where each field came from (trials.analysis.merge). The records are model
objects with only the fields linking and merging read; the cases are the reviews' (a third
record linking two, a parent study's number, a number two records of one registry name) and
issue 28's hijacks (a record that names a real trial it is not, several numbers in one field,
a third record, a date in the future, a number two records name), each failing before links
had to be earned."""

from __future__ import annotations

from dataclasses import replace

from trials.analysis.links import MUTUAL, trials_of
from trials.analysis.merge import merged, status_record
from trials.analysis.table import Entry, row
from trials.ids import CTIS, EUCTR, ISRCTN, url_of
from trials.model import CTGOV, Contact, Eligibility, Site, Study, StudyId
from trials.snapshot import aliases_of
from trials.snapshot import merged as merged_entries

SPONSOR = "University Hospital of Uppsala"


def record(registry: str, number: str, *named: StudyId, status: str = "RECRUITING", updated: str = "2025-01-01",
           sites: tuple[Site, ...] = (), sponsor: str = SPONSOR, title: str = "", **more) -> Study:
    key = StudyId(registry, number)
    return Study(id=key, url=url_of(key), overall_status=status, last_update=updated, other_ids=tuple(named),
                 sites=sites, sponsor=sponsor, brief_title=title or f"Study {number}", **more)


NCT_A, NCT_B = StudyId(CTGOV, "NCT01000001"), StudyId(CTGOV, "NCT05000005")
ISRCTN_B = StudyId(ISRCTN, "ISRCTN11111111")
CTIS_C = StudyId(CTIS, "2024-500001-01-00")
EUDRACT_X = StudyId(EUCTR, "2019-001549-42")


def groups(studies: list[Study]) -> list[list[Study]]:
    return [list(t.records) for t in trials_of(studies)]


def ids_of(found: list[list[Study]]) -> list[list[str]]:
    return [[s.id.value for s in group] for group in found]


def entry(study: Study, fetched: str = "2026-12-01T00:00:00Z") -> Entry:
    return Entry(study, ("HSCT",), "", "gives therapy", fetched[:10], fetched, "api", True)


def test_a_third_record_joins_two_that_name_nothing():
    found = groups([record(CTGOV, NCT_A.value), record(ISRCTN, ISRCTN_B.value),
                    record(CTIS, CTIS_C.value, NCT_A, ISRCTN_B)])
    assert ids_of(found) == [[NCT_A.value, ISRCTN_B.value, CTIS_C.value]]  # led by ClinicalTrials.gov's


def test_a_record_joins_the_trial_it_names_before_one_it_only_shares_a_number_with():
    # CTIS names its own NCT number and a EudraCT number that another NCT record (a parent
    # study, say) also names: it is the trial of the NCT number it names.
    found = groups([record(CTGOV, NCT_A.value, EUDRACT_X), record(CTGOV, NCT_B.value),
                    record(CTIS, CTIS_C.value, EUDRACT_X, NCT_B)])
    assert sorted(ids_of(found)) == sorted([[NCT_A.value], [NCT_B.value, CTIS_C.value]])


def test_a_number_two_records_of_one_registry_name_joins_the_one_registered_first():
    # Before issue 28 it linked nothing, so a second record naming a pair's EudraCT number undid
    # the pair. Now a later record cannot take the place of the earlier: a copy comes after.
    found = groups([record(CTGOV, NCT_A.value, EUDRACT_X, first_posted="2024-01-01"),
                    record(CTGOV, NCT_B.value, EUDRACT_X, first_posted="2019-01-01"),
                    record(ISRCTN, ISRCTN_B.value, EUDRACT_X, first_posted="2019-02-01")])
    assert sorted(ids_of(found)) == sorted([[NCT_A.value], [NCT_B.value, ISRCTN_B.value]])


def test_two_records_of_one_registry_never_share_a_row():
    found = groups([record(CTGOV, NCT_A.value, ISRCTN_B), record(CTGOV, NCT_B.value, ISRCTN_B),
                    record(ISRCTN, ISRCTN_B.value)])
    assert all(len({s.id.registry for s in g}) == len(g) for g in found)


def test_a_newer_record_that_gives_another_status_is_the_rows_status_and_says_whose():
    old = record(CTGOV, NCT_A.value, status="RECRUITING", updated="2019-05-01")
    new = record(CTIS, CTIS_C.value, NCT_A, status="COMPLETED", updated="2026-02-01")
    assert status_record([old, new]) is new
    study = merged([old, new]).study
    assert study.overall_status == "COMPLETED" and study.id == NCT_A
    assert study.status_basis.startswith("from the trial's EU CTIS record, updated 2026-02-01")
    # An older record does not overrule the lead, and one that agrees changes nothing.
    assert status_record([new, old]) is new
    agrees = record(ISRCTN, ISRCTN_B.value, NCT_A, status="RECRUITING", updated="2026-03-01")
    assert status_record([old, agrees]) is old


def test_a_site_joined_from_another_record_takes_that_records_status():
    sheffield = Site("Royal Hallamshire Hospital", "Sheffield", "", "United Kingdom", "")
    lead = record(CTGOV, NCT_A.value, status="RECRUITING", updated="2026-01-01",
                  sites=(Site("Hospital", "Milan", "", "Italy", "RECRUITING"),))
    other = record(ISRCTN, ISRCTN_B.value, NCT_A, status="COMPLETED", updated="2025-01-01", sites=(sheffield,))
    study = merged([lead, other]).study
    assert study.overall_status == "RECRUITING"  # the lead is the newer record
    joined = next(s for s in study.sites if s.city == "Sheffield")
    assert joined.status == "COMPLETED"  # not open because another registry's record is
    assert joined.listed_by == "ISRCTN"


def test_a_number_two_rows_name_opens_neither():
    aliases = aliases_of([entry(record(CTGOV, NCT_A.value, EUDRACT_X)),
                          entry(record(CTGOV, NCT_B.value, EUDRACT_X, ISRCTN_B))])
    assert EUDRACT_X.value not in aliases
    # A EudraCT number one row alone names opens it; a number of a registry read here that no
    # stored record holds opens nothing (naming it proves nothing).
    other = StudyId(EUCTR, "2020-005891-36")
    aliases = aliases_of([entry(record(CTGOV, NCT_B.value, other, ISRCTN_B))])
    assert aliases[other.value] == NCT_B.value and ISRCTN_B.value not in aliases


# --- Issue 28: links a record has to earn -------------------------------------------------------

REAL = record(CTGOV, NCT_A.value, status="TERMINATED", updated="2024-06-01", title="Autologous HSCT in aggressive MS",
              sites=(Site("Karolinska", "Stockholm", "", "Sweden", ""),),
              central_contacts=(Contact("Trial office", "+46 8 000 000"),))
# Another title, another sponsor, recruiting, a clinic abroad, a phone and an e-mail: it names the real trial.
HOSTILE = record(ISRCTN, "ISRCTN66666666", NCT_A, status="RECRUITING", updated="2026-11-30",
                 title="Stem cell treatment for MS at our clinic", sponsor="Regenerative Clinic Ltd",
                 sites=(Site("Clinic", "Cancun", "", "Mexico", "RECRUITING"),),
                 central_contacts=(Contact("Bookings", "+52 998 000 0000", "book@clinic.example"),))


def test_a_record_naming_a_real_trial_it_does_not_agree_with_takes_nothing_from_it():
    found = merged_entries([entry(REAL), entry(HOSTILE)])
    real = next(e for e in found if e.id == NCT_A)
    hostile = next(e for e in found if e.id == HOSTILE.id)
    assert real.records == (REAL,) and real.study == REAL  # its own status, sites and contacts only
    assert row(real)["overall_status"] == "TERMINATED" and "Mexico" not in row(real)["countries"]
    assert "+52" not in row(real)["central_contact"]
    # The claim is kept, on both cards, and the claimer lists no number of the real trial.
    assert [c.by for c in real.claims] == [HOSTILE.id] and [c.of for c in hostile.claims] == [NCT_A]
    assert NCT_A not in hostile.ids and NCT_A.value not in row(hostile)["registry_ids"]
    aliases = aliases_of(found)
    assert aliases.get(NCT_A.value) is None and aliases.get(HOSTILE.id.value) is None  # each opens its own


def test_records_that_name_each_other_are_one_trial_whatever_else_differs():
    twin = replace(HOSTILE, other_ids=(NCT_A,))
    real = replace(REAL, other_ids=(twin.id,))
    [trial] = trials_of([real, twin])
    assert [link.strength for link in trial.links] == [MUTUAL]


def test_a_one_sided_twin_that_agrees_on_the_sponsor_and_title_is_merged_and_says_why():
    twin = record(ISRCTN, ISRCTN_B.value, NCT_A, title="Autologous HSCT in aggressive multiple sclerosis MS",
                  updated="2024-01-01", status="COMPLETED")
    [trial] = trials_of([REAL, twin])
    assert [s.id for s in trial.records] == [NCT_A, ISRCTN_B]
    assert "the same sponsor" in trial.links[0].basis and "a close title" in trial.links[0].basis


def test_several_numbers_in_one_field_link_on_each_only_under_the_same_rule():
    # The hostile record names two real trials; the legitimate twin names one and agrees with it.
    other_real = record(CTGOV, NCT_B.value, title="Mesenchymal cells in progressive MS", sponsor="Another hospital")
    twin = record(ISRCTN, ISRCTN_B.value, NCT_A, title=REAL.brief_title)
    hostile = replace(HOSTILE, other_ids=(NCT_A, NCT_B))
    found = ids_of(groups([REAL, other_real, twin, hostile]))
    assert sorted(found) == sorted([[NCT_A.value, ISRCTN_B.value], [NCT_B.value], [HOSTILE.id.value]])


def test_a_confirmed_link_is_never_undone_by_a_third_record_that_copies_the_trial():
    twin = record(ISRCTN, ISRCTN_B.value, NCT_A)
    real = replace(REAL, other_ids=(ISRCTN_B,))
    copy = replace(HOSTILE, sponsor=SPONSOR, brief_title=REAL.brief_title, first_posted="2020-01-01")
    found = groups([copy, twin, real])
    assert ids_of(found)[0] == [NCT_A.value, ISRCTN_B.value]


def test_between_two_equal_one_sided_claims_the_record_registered_first_is_the_twin():
    first = record(ISRCTN, ISRCTN_B.value, NCT_A, title=REAL.brief_title, first_posted="2019-03-01")
    later = record(ISRCTN, "ISRCTN22222222", NCT_A, title=REAL.brief_title, first_posted="2026-10-01")
    assert ids_of(groups([later, first, REAL]))[0] == [NCT_A.value, ISRCTN_B.value]


def test_a_record_dated_after_the_data_is_never_the_newest():
    future = record(ISRCTN, ISRCTN_B.value, NCT_A, title=REAL.brief_title, status="COMPLETED", updated="2099-01-01")
    found = merged_entries([entry(REAL), entry(future)])
    [trial] = found
    assert trial.study.overall_status == "TERMINATED"
    assert "dated 2099-01-01, after this data's own date (2026-12-01)" in trial.study.status_basis
    # Believed when dated before the data: then it is the newest and says so.
    believed = replace(future, last_update="2026-11-01")
    [trial] = merged_entries([entry(REAL), entry(believed)])
    assert trial.study.overall_status == "COMPLETED" and trial.sources_of("overall_status") == (ISRCTN_B,)


def test_a_record_the_trial_does_not_name_back_may_close_it_but_never_reopen_it():
    # A forger can copy the sponsor, acronym and title of a real trial (all public): one-sided,
    # that buys a link, never an open door. Its newer "recruiting" and its clinic stay closed.
    copy = replace(HOSTILE, sponsor=SPONSOR, brief_title=REAL.brief_title)
    [trial] = merged_entries([entry(REAL), entry(copy)])
    assert trial.study.overall_status == "TERMINATED"
    assert "does not name it back, so it cannot reopen the trial" in trial.study.status_basis
    cancun = next(s for s in trial.study.sites if s.city == "Cancun")
    assert cancun.status == "TERMINATED" and cancun.listed_by == "ISRCTN"
    # Named back by the trial's own record, the same record's word is its team's: it reopens.
    [trial] = merged_entries([entry(replace(REAL, other_ids=(copy.id,))), entry(copy)])
    assert trial.study.overall_status == "RECRUITING"
    assert next(s for s in trial.study.sites if s.city == "Cancun").status == "RECRUITING"


def test_a_ctis_record_naming_another_trials_eudract_number_links_nothing_unless_they_agree():
    real = record(CTGOV, NCT_A.value, EUDRACT_X, title=REAL.brief_title)
    forged = record(CTIS, CTIS_C.value, EUDRACT_X, title="Another trial entirely", sponsor="Someone else")
    assert len(groups([real, forged])) == 2
    agreeing = replace(forged, sponsor=SPONSOR)
    assert len(groups([real, agreeing])) == 1


def test_a_number_always_opens_the_trial_that_owns_it():
    # Before: a number named by one row and held by another opened the namer when it led its group.
    twin = record(ISRCTN, ISRCTN_B.value, NCT_A, title=REAL.brief_title)
    found = merged_entries([entry(REAL), entry(twin), entry(HOSTILE)])
    aliases = aliases_of(found)
    assert aliases[ISRCTN_B.value] == NCT_A.value and HOSTILE.id.value not in aliases
    assert NCT_A.value not in aliases  # the row's own id


def test_what_only_the_second_record_says_is_used_and_named():
    criteria = "Inclusion: relapsing MS; EDSS 2.0 to 6.0."
    twin = record(ISRCTN, ISRCTN_B.value, NCT_A, title=REAL.brief_title, updated="2024-01-01",
                  eligibility=Eligibility(criteria, "18 Years", "55 Years", "ALL", False),
                  central_contacts=(Contact("Study nurse", "", "nurse@uppsala.example"),))
    [trial] = merged_entries([entry(REAL), entry(twin)])
    assert trial.study.eligibility.criteria == criteria and trial.study.eligibility.minimum_age == "18 Years"
    assert trial.sources_of("eligibility.criteria") == (ISRCTN_B,) and trial.sources_of("overall_status") == (NCT_A,)
    shown = row(trial)
    assert shown["min_age"] == 18 and shown["edss_max"] == 6.0 and shown["contacts_listed"] == 2
    nurse = next(c for c in trial.study.central_contacts if c.name == "Study nurse")
    assert nurse.listed_by == "ISRCTN"
    assert trial.sources_of("central_contacts") == (NCT_A, ISRCTN_B)  # the lead gives one too
    alone = replace(REAL, central_contacts=())
    [trial] = merged_entries([entry(alone), entry(twin)])
    assert trial.sources_of("central_contacts") == (ISRCTN_B,)  # not the lead, which lists none


def test_every_record_field_a_card_names_is_traced_to_a_record():
    # Every card of the real MS listing (2,435 records): each field word its lines rest on
    # answers to a field of the merged study, so the card can say which record gave it.
    from trials import registries
    from trials.analysis.classify import classified
    from trials.presentation import detail, provenance

    from .conftest import MS_2025
    from .support.standin import load_corpus

    unknown = set()
    for record in load_corpus(MS_2025):
        study = registries.read(CTGOV, record)
        label = classified(study)
        card = detail.study_card(Entry(study, label.labels, label.evidence, label.study_role, "2025-09-01",
                                       "2025-09-01T00:00:00Z", "api", True))
        unknown |= {w for s in card.sections for line in s.items for w in detail.record_words(line)
                    if not provenance.is_record_field(w)}
    assert unknown == set()


# --- What a forger can copy (a review's cases) ---------------------------------------------------


def test_what_counts_as_agreeing_is_narrow():
    real = replace(REAL, acronym="", official_title="Autologous HSCT for aggressive MS (SWEDHSCT)")
    # A word of the real title given as an acronym, a placeholder sponsor, the real sponsor as a funder.
    for copy in (replace(HOSTILE, acronym="aggressive"), replace(HOSTILE, acronym="HSCT"),
                 replace(HOSTILE, funders=(SPONSOR,)),
                 replace(HOSTILE, sponsor="Investigator"), replace(HOSTILE, sponsor="Private")):
        other = replace(real, sponsor=copy.sponsor) if copy.sponsor in ("Investigator", "Private") else real
        assert len(groups([other, copy])) == 2, copy
    # An acronym written in capitals in the real title, and one spelled with a hyphen, agree.
    assert len(groups([real, replace(HOSTILE, acronym="SWEDHSCT")])) == 1
    assert len(groups([replace(real, acronym="STAR-MS"), replace(HOSTILE, acronym="StarMS")])) == 1


def test_a_twins_number_is_no_third_number_for_a_record_naming_both():
    twin = record(ISRCTN, ISRCTN_B.value, NCT_A, sponsor="Another hospital", title="Another title entirely here")
    real = replace(REAL, other_ids=(ISRCTN_B,))
    copy = record(CTIS, "2024-500002-01-00", NCT_A, ISRCTN_B, sponsor="Clinic Ltd", title="Our stem cell clinic")
    found = ids_of(groups([real, twin, copy]))
    assert [NCT_A.value, ISRCTN_B.value] in found and ["2024-500002-01-00"] in found


def test_a_later_copy_never_takes_an_earlier_twins_place():
    twin = record(ISRCTN, ISRCTN_B.value, NCT_A, title=REAL.brief_title, first_posted="2019-03-01")
    copy = replace(HOSTILE, sponsor=SPONSOR, brief_title=REAL.brief_title, acronym="X", first_posted="2026-10-01")
    real = replace(REAL, acronym="X")  # the copy agrees on more (sponsor, title, acronym)
    [trial, apart] = sorted(trials_of([copy, twin, real]), key=lambda t: -len(t.records))
    assert [s.id for s in trial.records] == [NCT_A, ISRCTN_B]
    # The copy is a claim, said as contested on both cards.
    assert [(c.by, c.contested) for c in trial.claims] == [(copy.id, True)] == [(c.by, c.contested)
                                                                                 for c in apart.claims]
    # A twin that shares only a EudraCT number with the trial is not displaced either.
    shared = record(ISRCTN, ISRCTN_B.value, EUDRACT_X, title=REAL.brief_title, first_posted="2019-03-01")
    real = replace(REAL, other_ids=(EUDRACT_X,), first_posted="2019-01-01")
    later = replace(HOSTILE, sponsor=SPONSOR, first_posted="2026-10-01")
    assert ids_of(groups([real, shared, later]))[0] == [NCT_A.value, ISRCTN_B.value]


def test_a_number_of_a_registry_read_here_opens_only_its_own_record():
    # The hostile record names a trial that is not among the stored ones: that number opens nothing.
    found = merged_entries([entry(replace(HOSTILE, other_ids=(NCT_B,)))])
    assert NCT_B.value not in aliases_of(found)


def test_zero_participants_is_an_answer_not_a_gap():
    withdrawn = replace(REAL, enrollment=0, enrollment_type="ACTUAL", overall_status="WITHDRAWN")
    twin = record(ISRCTN, ISRCTN_B.value, NCT_A, title=REAL.brief_title, enrollment=40, enrollment_type="ESTIMATED")
    [trial] = merged_entries([entry(withdrawn), entry(twin)])
    assert (trial.study.enrollment, trial.study.enrollment_type) == (0, "ACTUAL")


def test_ages_from_one_record_and_criteria_from_another_name_both():
    real = replace(REAL, eligibility=Eligibility("", "18 Years", "65 Years", "", None))
    twin = record(ISRCTN, ISRCTN_B.value, NCT_A, title=REAL.brief_title,
                  eligibility=Eligibility("Aged 18 to 50 with relapsing MS.", "", "", "", None))
    [trial] = merged_entries([entry(real), entry(twin)])
    text = row(trial)["sources"]
    assert "every other column read from a record, and with another record min_age, max_age" in text
    assert f"{ISRCTN_B.value} (record updated 2025-01-01): min_age, max_age" in text


def test_a_route_only_the_second_record_states_is_the_trials_and_named_as_its():
    from trials.model import Intervention
    from trials.presentation import detail

    cells = Intervention("BIOLOGICAL", "Autologous bone marrow mesenchymal stem cells")
    lead = replace(REAL, interventions=(cells,))
    twin = record(ISRCTN, ISRCTN_B.value, NCT_A, title=REAL.brief_title, interventions=(replace(
        cells, description="The cells are given intrathecally by lumbar puncture."),))
    [trial] = merged_entries([replace(entry(lead), labels=("MSC",)), replace(entry(twin), labels=("MSC",))])
    assert trial.kind.routes == ("intrathecal",) and trial.sources_of("kind.routes") == (ISRCTN_B,)
    assert row(trial)["routes"] == "intrathecal"
    card = detail.study_card(trial)
    route = next(line for s in card.sections for line in s.items if line.label == "How the cells are given")
    assert [f.record for f in route.read_from] == [ISRCTN_B]
    # Alone, the lead record does not say it.
    [alone] = merged_entries([replace(entry(lead), labels=("MSC",))])
    assert alone.kind.routes == ()
