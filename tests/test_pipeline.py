"""The one search and its one freshness policy: the order of the steps, what a link's
values that the data cannot answer become, and which data a door shows after a failed
update. Studies are shaped like the real v2 records (see test_table.stored)."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pandas as pd
import pytest

import trials
from trials.analysis.table import build_table
from trials.model import Eligibility
from trials.pipeline import choose, search
from trials.query import Filters, Query, Unused
from trials.server import CONFIG, options
from trials.snapshot import Snapshot
from trials.store.sqlite import StoreInfo

from .conftest import REPO
from .test_table import stored


def snapshot(*entries, info: StoreInfo | None = None, notice: str | None = None, bundled: bool = False) -> Snapshot:
    info = info or StoreInfo(len(entries), len(entries), "2025-09-25T00:00:00", "2025-09-26T00:00:00Z",
                             "2025-09-26T00:00:00Z", "ClinicalTrials.gov API", "2")
    return Snapshot(build_table(entries), {e.id.value: e for e in entries}, info, notice=notice, bundled=bundled)


CRITERIA = "Inclusion Criteria:\n\n* Relapsing-remitting multiple sclerosis"


def gives(entry):
    return replace(entry, study_role="gives therapy")


def in_city(entry, city: str, eligibility: Eligibility):
    study = entry.study
    return replace(entry, study=replace(study, eligibility=eligibility,
                                        sites=(replace(study.sites[0], city=city),)))


@pytest.fixture
def data() -> Snapshot:
    # Milan is nearer Genova than Rome; Rome's study fits the answers below, Genova's does not.
    young = gives(stored("NCT00000001", ["HSCT"], "RECRUITING", country="Italy", site_status="RECRUITING"))
    young = in_city(young, "Genova", Eligibility(CRITERIA, "18 Years", "30 Years", "ALL", None))
    old = gives(stored("NCT00000002", ["HSCT"], "RECRUITING", country="Italy", site_status="RECRUITING"))
    old = in_city(old, "Rome", Eligibility(CRITERIA, "18 Years", "65 Years", "ALL", None))
    follow = stored("NCT00000003", ["HSCT"], "COMPLETED", country="Spain")  # follows treated people
    return snapshot(young, old, follow)


def ids(result) -> list[str]:
    return list(result.rows["study_id"])


def test_the_steps_run_in_their_documented_order(data):
    # 1 the filters: only trials that give the therapy (the default);
    assert ids(search(data, Query())) == ["NCT00000002", "NCT00000001"]  # newest update first
    # 2 the pre-screen puts likely fits first (a 40-year-old is too old for NCT00000001);
    screened = search(data, Query(profile=trials.Profile(age=40, ms_type="RRMS")))
    assert list(screened.rows["fit"]) == ["likely fits", "does not fit"]
    assert ids(search(data, Query(profile=trials.Profile(age=40, ms_type="RRMS"), hide_no_fit=True))) == ["NCT00000002"]
    # 3 changes are marked (none here, but the column is always there);
    assert set(screened.rows["changed"]) == {""}
    # 4 distance ranks within each verdict (one ordering rule, issue 18): Genova's study is
    # nearer Milan but does not fit, so it stays second; without answers it comes first.
    near = search(data, Query(profile=trials.Profile(age=40, ms_type="RRMS"), near="Milan, Italy"))
    assert ids(near) == ["NCT00000002", "NCT00000001"]
    assert ids(search(data, Query(near="Milan, Italy"))) == ["NCT00000001", "NCT00000002"]
    assert list(near.rows.columns[-5:]) == ["distance_km", "distance_approximate", "nearest_site",
                                            "nearest_site_status", "nearest_site_contact"]
    assert near.rows.columns.get_loc("fit") < near.rows.columns.get_loc("changed")


def test_values_the_data_cannot_answer_are_named_and_left_out(data):
    result = search(data, Query(filters=Filters(countries=("italy", "Atlantis")), study="NCT09999999",
                                compare=("NCT00000001", "NCT09999999"), near="Nowhereville, Italy"))
    assert result.query.filters.countries == ("Italy",) and result.query.study is None
    assert result.query.compare == ("NCT00000001",) and result.comparison is None  # one is no comparison
    assert result.near is None and len(ids(result)) == 2  # the place is unknown: no ranking
    assert [u.field for u in result.unused] == ["countries", "study", "compare", "near"]
    errors = [u.error for u in result.unused]
    assert errors[0] == "No study lists “Atlantis”. Countries with a study recruiting now: Italy."
    assert result.unused[0].text == ("No study lists “Atlantis”; showing the other countries asked for. "
                                     "Countries with a study recruiting now: Italy.")
    assert "NCT09999999 is not among the MS stem-cell studies" in errors[2]
    assert "No city called 'Nowhereville' in Italy" in errors[3]


def test_a_notice_joins_its_problem_what_was_done_instead_and_what_would_work():
    typed = Unused("countries", "No study lists “St. Kitts”", "showing all countries", "Try Italy.")
    assert typed.text == "No study lists “St. Kitts”; showing all countries. Try Italy."  # a ". " typed stays
    assert typed.error == "No study lists “St. Kitts”. Try Italy."
    assert Unused("near", "Plain").text == Unused("near", "Plain").error == "Plain."


def test_an_empty_result_says_why(data):
    none = search(data, Query(filters=Filters(therapies=("iPSC",))))
    assert none.rows.empty and "found no trial of an iPSC-based therapy" in none.empty
    hidden = search(data, Query(filters=Filters(countries=("Italy",)), profile=trials.Profile(age=90, ms_type="RRMS"),
                                hide_no_fit=True))
    assert hidden.rows.empty and "does not fit your answers" in hidden.empty


# -- which data a door shows ------------------------------------------------------------

def bundled_copy() -> Snapshot:
    return snapshot(stored("NCT00000009", ["MSC"], "COMPLETED"), bundled=True)


@pytest.mark.parametrize("stored_rows, failure, busy, shown, level, words", [
    (1, None, False, "stored", None, None),
    (1, "The API is down.", True, "stored", "info", "The API is down. Showing the stored data. "),
    (1, "The API is down.", False, "stored", "warning", "The API is down. Showing the last good data. "),
    (0, "The API is down.", False, "bundled", "warning",
     "The API is down. Showing the data shipped with this finder instead."),
    # Another update running on an empty store: there is no stored data to show.
    (0, "An update is already running.", True, "bundled", "warning", "An update is already running. Showing"),
])
def test_choose_shows_the_last_good_data_or_the_bundled_copy(stored_rows, failure, busy, shown, level, words):
    entries = [stored("NCT00000001", ["HSCT"], "RECRUITING")][:stored_rows]
    empty = StoreInfo(0, 0, None, None, None, None, None)
    stored_data = snapshot(*entries, info=None if entries else empty)
    current = choose(stored_data, failure, busy=busy, bundled=bundled_copy)
    # (The bundled copy's age is its age line's to say, once: issue 18 found it twice.)
    assert "Bundled snapshot" not in " ".join(n.text for n in current.notices)
    assert current.snapshot.bundled == (shown == "bundled")
    if level is None:
        assert current.notices == ()
    else:
        [notice] = current.notices
        assert notice.level == level and notice.text.startswith(words)


def test_while_the_first_update_runs_the_bundled_copy_is_shown_not_no_data():
    # Issue 18: a fresh install said "There is no trial data" while its first update ran.
    empty = snapshot(info=StoreInfo(0, 0, None, None, None, None, None))
    current = choose(empty, None, updating=True, bundled=bundled_copy)
    assert current.snapshot.bundled
    [notice] = current.notices
    assert notice.level == "info" and notice.text.startswith("Fetching the current data from the registries")
    assert not choose(empty, None, updating=True, bundled=lambda: None).snapshot.bundled
    with_data = snapshot(stored("NCT00000001", ["HSCT"], "RECRUITING"))
    shown = choose(with_data, None, updating=True, bundled=bundled_copy)
    assert shown.snapshot is with_data and shown.notices == ()


def test_with_nothing_stored_and_nothing_bundled_the_error_says_what_to_do():
    empty = snapshot(info=StoreInfo(0, 0, None, None, None, None, None), notice="The store was set aside.")
    current = choose(empty, "The API is down.", bundled=lambda: None)
    assert [n.level for n in current.notices] == ["warning", "error"]
    assert current.notices[1].text == f"The API is down. {trials.NO_DATA}"


# -- the page from any folder ---------------------------------------------------------

def test_serve_passes_every_page_setting_and_the_repository_links_to_the_same_file():
    flags = options()
    assert flags[flags.index("--theme.baseFontSize") + 1] == "18"
    assert flags[flags.index("--client.showErrorDetails") + 1] == "none"
    assert flags[flags.index("--server.fileWatcherType") + 1] == "none"
    assert len(flags) == 2 * CONFIG.read_text().count(" = ")  # every setting, as name and value
    assert (REPO / ".streamlit" / "config.toml").resolve() == CONFIG
    assert len(Path(REPO / "app.py").read_text().splitlines()) < 20


def test_the_result_rows_are_what_the_csv_exports(data):
    result = search(data, Query(filters=Filters(gives_therapy=False)))
    assert isinstance(result.rows, pd.DataFrame) and result.rows.index.tolist() == list(range(3))


# -- a query reads back as itself -------------------------------------------------------

@pytest.mark.parametrize("params", [
    {"status": ["TERMINATED", "Recruiting now"], "therapy": ["other", "hsct"], "phase": ["3", "1"]},
    {"registry_status": ["ACTIVE_NOT_RECRUITING"], "status": ["completed"], "gives": ["no"]},
])
def test_a_query_reads_back_equal_whichever_door_and_order(params):
    query, _ = Query.from_link(params)
    again, notices = Query.from_link(query.to_link())
    assert again == query and notices == ()
    assert Query.from_widgets(query.widget_values()) == query  # the page's widgets hold the same query
    reordered, _ = Query.from_link({k: list(reversed(v)) for k, v in params.items()})
    assert reordered == query


def test_since_is_a_day_at_every_door():
    query, notices = Query.from_link({"since": ["2025-10-01T12:00:00Z"]})
    assert query.since == "2025-10-01" and notices == ()
    assert Query.from_widgets(query.widget_values()).since == "2025-10-01"


def test_what_the_page_keeps_for_other_visitors_leaves_out_only_what_does_not_change_the_rows():
    base = Query(filters=Filters(therapies=("HSCT",)))
    chosen = replace(base, study="NCT00000001", compare=("NCT00000001", "NCT00000002"), share_answers=True,
                     hide_no_fit=True, within_km=100.0)
    assert chosen.shared_part() == base
    personal = replace(base, profile=trials.Profile(age=40), hide_no_fit=True, near="Milan", within_km=100.0)
    assert personal.shared_part() == personal and personal.is_personal
