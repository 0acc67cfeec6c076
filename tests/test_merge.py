"""One trial, one row (trials.analysis.merge): which records are one trial, whose status and
sites a merged row shows. The records are model objects with only the fields merging reads;
the cases are the review's (a third record linking two, a parent study's number, a number
two records of one registry name)."""

from __future__ import annotations

from trials.analysis.merge import groups, merged_study, status_record
from trials.analysis.table import Entry
from trials.ids import CTIS, EUCTR, ISRCTN, url_of
from trials.model import CTGOV, Site, Study, StudyId
from trials.snapshot import aliases_of


def record(registry: str, number: str, *named: StudyId, status: str = "RECRUITING", updated: str = "2025-01-01",
           sites: tuple[Site, ...] = ()) -> Study:
    key = StudyId(registry, number)
    return Study(id=key, url=url_of(key), overall_status=status, last_update=updated, other_ids=tuple(named),
                 sites=sites)


NCT_A, NCT_B = StudyId(CTGOV, "NCT01000001"), StudyId(CTGOV, "NCT05000005")
ISRCTN_B = StudyId(ISRCTN, "ISRCTN11111111")
CTIS_C = StudyId(CTIS, "2024-500001-01-00")
EUDRACT_X = StudyId(EUCTR, "2019-001549-42")


def ids_of(found: list[list[Study]]) -> list[list[str]]:
    return [[s.id.value for s in group] for group in found]


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


def test_a_number_two_records_of_one_registry_name_links_nothing():
    found = groups([record(CTGOV, NCT_A.value, EUDRACT_X), record(CTGOV, NCT_B.value, EUDRACT_X),
                    record(ISRCTN, ISRCTN_B.value, EUDRACT_X)])
    assert len(found) == 3


def test_two_records_of_one_registry_never_share_a_row():
    found = groups([record(CTGOV, NCT_A.value, ISRCTN_B), record(CTGOV, NCT_B.value, ISRCTN_B),
                    record(ISRCTN, ISRCTN_B.value)])
    assert all(len({s.id.registry for s in g}) == len(g) for g in found)


def test_a_newer_record_that_gives_another_status_is_the_rows_status_and_says_whose():
    old = record(CTGOV, NCT_A.value, status="RECRUITING", updated="2019-05-01")
    new = record(CTIS, CTIS_C.value, NCT_A, status="COMPLETED", updated="2026-02-01")
    assert status_record([old, new]) is new
    study = merged_study([old, new])
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
    study = merged_study([lead, other])
    assert study.overall_status == "RECRUITING"  # the lead is the newer record
    joined = next(s for s in study.sites if s.city == "Sheffield")
    assert joined.status == "COMPLETED"  # not open because another registry's record is
    assert joined.listed_by == "ISRCTN"


def test_a_number_two_rows_name_opens_neither():
    def entry(study: Study) -> Entry:
        return Entry(study, ("HSCT",), "", "", "2025-01-01", "2025-01-01T00:00:00Z", "api", True)

    aliases = aliases_of([entry(record(CTGOV, NCT_A.value, EUDRACT_X)),
                          entry(record(CTGOV, NCT_B.value, EUDRACT_X, ISRCTN_B))])
    assert EUDRACT_X.value not in aliases
    assert aliases[ISRCTN_B.value] == NCT_B.value
