"""The ISRCTN adapter: the reader on real recorded XML, the status rules, the query plan against
the ISRCTN stand-in (its answers through ``httpx.MockTransport``, or over HTTP for the tests
that build the client from settings), the import of a saved file and the smoke check.

The MS trials are built from a real record's shape (tests/data/registries/isrctn/ms/README.md):
no real ISRCTN record of an MS stem-cell trial was available.
"""

from __future__ import annotations

import codecs
import os
import re
import xml.etree.ElementTree as ET
from datetime import date
from pathlib import Path

import pytest

from trials.analysis.eligibility import read_criteria
from trials.config import Settings
from trials.errors import ApiError, InputError
from trials.ids import CTIS, EUCTR, ISRCTN
from trials.model import CTGOV, StudyId
from trials.registries.base import ListingRefused
from trials.registries.isrctn import REGISTRY, plan, record
from trials.registries.isrctn.api import Client
from trials.registries.isrctn.download import import_download
from trials.registries.isrctn.record import parse_id, read, refusal, split, stored
from trials.registries.isrctn.smoke import check, run_checks
from trials.registries.values import xml_root
from trials.store.sqlite import FILE, Store

from .support.isrctn_standin import IsrctnStandIn, load_trials

DATA = Path(__file__).parent / "data" / "registries" / "isrctn"
MS = DATA / "ms"
TODAY = date(2026, 12, 4)
NS = "{http://www.67bricks.com/isrctn}"


@pytest.fixture(autouse=True)
def fixed_today(monkeypatch):
    """Every worked-out status in these tests is measured on TODAY."""
    monkeypatch.setattr(record, "today", lambda: TODAY)


def records(path: Path) -> list[dict]:
    return split(xml_root(path.read_bytes()))


def one(path: Path):
    (found,) = records(path)
    return read(found)


def ms_trials() -> list[str]:
    return load_trials(*sorted(MS.glob("*.xml")))


@pytest.fixture
def store(tmp_path):
    return Store(tmp_path / "trials.sqlite3")


@pytest.fixture
def standin():
    with IsrctnStandIn(ms_trials()) as server:
        yield server


def client_for(standin: IsrctnStandIn) -> Client:
    return Client(standin.url, interval=0, backoff=0, transport=standin.transport())


def refresh(store: Store, standin: IsrctnStandIn, **kw):
    with client_for(standin) as api:
        return plan.refresh(store, api, **kw)


def stored_ids(store: Store) -> set[str]:
    return set(store.last_updates(ISRCTN))


def edited(trial: str, old: str, new: str) -> str:
    assert old in trial
    return trial.replace(old, new)


# -- the reader on real records ----------------------------------------------------------------

def test_a_real_record_with_other_registries_numbers():
    study = one(DATA / "RECORD_CPMS_NCT.xml")
    assert study.id == StudyId(ISRCTN, "ISRCTN62918594")
    assert study.url == "https://www.isrctn.com/ISRCTN62918594"
    assert set(study.other_ids) == {StudyId(CTGOV, "NCT05057013"), StudyId(EUCTR, "2020-005891-36"),
                                    StudyId(CTIS, "2020-005891-36-00")}
    # Recruitment ended 2024-08-19 and the trial 2025-09-10, both before TODAY.
    assert study.overall_status == "COMPLETED"
    assert "2024-08-19" in study.status_basis and "2025-09-10" in study.status_basis
    assert study.phases == ("PHASE1", "PHASE2")
    assert study.study_type == "INTERVENTIONAL"
    assert (study.design.allocation, study.design.masking, study.design.intervention_model) == (
        "NON_RANDOMIZED", "NONE", "PARALLEL")
    assert study.interventions[0].type == "DRUG" and study.interventions[0].name == "HMBD-001"
    assert (study.enrollment, study.enrollment_type) == (25, "ACTUAL")
    assert (study.eligibility.minimum_age, study.eligibility.maximum_age, study.eligibility.sex) == (
        "16 Years", "110 Years", "ALL")
    assert study.eligibility.healthy_volunteers is False
    # England is a nation of the United Kingdom: the site keeps its city, the country is one name.
    assert [(s.facility, s.city, s.country) for s in study.sites] == [
        ("Royal Marsden NHS Foundation Trust", "London", "United Kingdom"),
        ("Churchill Hospital", "Oxford", "United Kingdom")]
    assert study.countries == ("United Kingdom",)
    assert (study.sponsor, study.sponsor_class, study.funders) == ("Cancer Research UK", "OTHER",
                                                                    ("Cancer Research UK",))
    assert study.has_results  # a basic results report is on the registry
    assert (study.first_posted, study.last_update, study.start_date, study.completion_date) == (
        "2026-06-25", "2026-09-30", "2021-10-07", "2025-09-10")


def test_a_legacy_record_states_its_pubmed_ids_and_has_no_placeholder_summary():
    study = one(DATA / "RECORD_PACE.xml")
    assert study.id.value == "ISRCTN54285094"
    assert study.other_ids == ()  # "G0200434" is a grant number, no registry's
    assert study.summary.startswith("1. Are cognitive behaviour")  # "Not provided at time of registration" skipped
    assert [r.pmid for r in study.references][:2] == ["21334061", "23363640"]
    assert {r.type for r in study.references} == {"RESULT"}
    assert not study.has_results  # publications, but no results posted on ISRCTN
    assert study.design.allocation == "RANDOMIZED"  # from the legacy words
    assert len(study.funders) == 4


def test_a_search_answer_splits_into_trials_with_their_own_sponsors():
    root = xml_root((DATA / "SEARCH_MECFS.xml").read_bytes())
    assert root.get("totalCount") == "11"
    studies = [read(r) for r in split(root)]
    assert [s.id.value for s in studies] == ["ISRCTN15375673", "ISRCTN16025168", "ISRCTN16132141"]
    assert [s.sponsor for s in studies] == ["University of Leeds", "Université Paris-Est Créteil",
                                            "University of Oxford"]
    assert studies[1].collaborators == ("University of British Columbia", "Institute for Microelectronics "
                                        "and Microsystems", "Riga Stradiņš University")
    # No centres: a site per recruitment country, so the countries are known.
    assert studies[1].countries == ("Canada", "France", "Italy", "Latvia")
    assert [s.overall_status for s in studies] == ["RECRUITING", "RECRUITING", "COMPLETED"]
    assert studies[0].study_type == "OBSERVATIONAL"
    # Each stored record is one trial: its sponsor elements went with it, no other's.
    assert [len(xml_root(r["xml"]).findall(NS + "sponsor")) for r in split(root)] == [1, 4, 1]


def test_every_real_record_reads_and_its_stored_form_reads_the_same():
    for path in DATA.glob("*.xml"):
        for rec in records(path):
            assert refusal(rec) is None
            assert read(rec) == read({"xml": rec["xml"]})
    assert records(DATA / "EMPTY_RESULT.xml") == []


def test_the_criteria_are_read_by_the_eligibility_reader():
    study = one(MS / "HSCT_STARMS.xml")
    assert study.eligibility.criteria.startswith("Inclusion criteria:\n1. Aged 18 to 55")
    criteria = read_criteria(study)
    assert criteria.min_age == 18 and criteria.max_age == 55


# -- status ------------------------------------------------------------------------------------

def trial_with(start: str, end: str, overall: str, override: str = "", start_override: str = "") -> dict:
    xml = (f'<fullTrial xmlns="http://www.67bricks.com/isrctn"><trial lastUpdated="2026-01-01T00:00:00Z">'
           f"<isrctn>12345678</isrctn><trialDesign><overallEndDate>{overall}</overallEndDate></trialDesign>"
           f"<participants><recruitmentStart>{start}</recruitmentStart><recruitmentEnd>{end}</recruitmentEnd>"
           f"<recruitmentStartStatusOverride>{start_override}</recruitmentStartStatusOverride>"
           f"<recruitmentStatusOverride>{override}</recruitmentStatusOverride></participants></trial></fullTrial>")
    return {"xml": xml}


@pytest.mark.parametrize("start,end,overall,expected,words", [
    ("2027-01-01", "2028-01-01", "2029-01-01", "NOT_YET_RECRUITING", "recruitment starts on 2027-01-01"),
    ("2026-12-04", "2028-01-01", "2029-01-01", "RECRUITING", "from 2026-12-04 to 2028-01-01"),  # the first day
    ("2025-01-01", "2026-12-04", "2029-01-01", "RECRUITING", "to 2026-12-04"),  # the last day
    ("2025-01-01", "2026-12-03", "2029-01-01", "ACTIVE_NOT_RECRUITING", "ended on 2026-12-03; the trial ends on "
                                                                          "2029-01-01"),
    ("2020-01-01", "2021-01-01", "2026-12-03", "COMPLETED", "the trial ended on 2026-12-03"),
    ("2020-01-01", "2021-01-01", "", "ACTIVE_NOT_RECRUITING", "gives no end of the trial"),
    ("", "", "2020-01-01", "COMPLETED", "the trial ended on 2020-01-01"),
    ("", "", "", "UNKNOWN", "no recruitment dates"),
    # The review's cases: an open-ended recruitment of a trial long over, and one still going.
    ("2005-03-01", "", "2008-01-01", "COMPLETED", "the trial ended on 2008-01-01"),
    ("2005-03-01", "", "", "UNKNOWN", "gives no end of recruitment"),
    ("", "2027-01-01", "", "UNKNOWN", "gives no start of recruitment"),
])
def test_status_from_the_dates(start, end, overall, expected, words):
    stamp = "T00:00:00.000Z"
    study = read(trial_with(start + stamp if start else "", end + stamp if end else "",
                            overall + stamp if overall else ""))
    assert study.overall_status == expected
    assert words in study.status_basis
    assert study.status_basis.startswith("ISRCTN has no status field")
    assert "2026-12-04" in study.status_basis or expected == "UNKNOWN"  # the day it was worked out on


@pytest.mark.parametrize("override,start_override,expected", [
    ("Stopped", "", "TERMINATED"), ("Suspended", "", "SUSPENDED"), ("stopped ", "", "TERMINATED"),
    ("", "Suspended", "SUSPENDED"), ("Stopped", "Suspended", "TERMINATED"), ("Paused for review", "", "UNKNOWN"),
])
def test_an_override_wins_over_the_dates(override, start_override, expected):
    study = read(trial_with("2020-01-01T00:00:00Z", "2030-01-01T00:00:00Z", "2031-01-01T00:00:00Z",
                            override, start_override))
    assert study.overall_status == expected
    assert "override" in study.status_basis
    if expected == "UNKNOWN":
        assert "Paused for review" in study.status_basis


def test_the_reader_takes_today_from_one_place(monkeypatch):
    rec = trial_with("2027-01-01T00:00:00Z", "2028-01-01T00:00:00Z", "2029-01-01T00:00:00Z")
    assert read(rec).overall_status == "NOT_YET_RECRUITING"
    monkeypatch.setattr(record, "today", lambda: date(2027, 6, 1))
    assert read(rec).overall_status == "RECRUITING"
    assert read(rec, on=date(2030, 1, 1)).overall_status == "COMPLETED"


# -- ids, refusals, hostile XML ----------------------------------------------------------------

@pytest.mark.parametrize("text", ["ISRCTN88667898", "isrctn 88667898", " ISRCTN88667898 "])
def test_parse_id(text):
    assert parse_id(text) == StudyId(ISRCTN, "ISRCTN88667898")


@pytest.mark.parametrize("text", ["88667898", "ISRCTN8866789", "ISRCTN886678980", "NCT04047628",
                                  "ISRCTN８８６６７８９８"])
def test_parse_id_refuses_other_forms(text):
    with pytest.raises(InputError, match="ISRCTN88667898"):
        parse_id(text)


def test_registry_wiring():
    assert REGISTRY.code == "isrctn" and REGISTRY.read is read and REGISTRY.parse_id is parse_id


def test_a_record_without_a_valid_id_is_refused():
    no_id = {"xml": '<fullTrial xmlns="http://www.67bricks.com/isrctn"><trial><isrctn /></trial></fullTrial>'}
    assert refusal(no_id) == "no ISRCTN id"
    bad = {"xml": '<fullTrial xmlns="http://www.67bricks.com/isrctn"><trial><isrctn>1234567٨</isrctn>'
                  "</trial></fullTrial>"}
    assert "not an ISRCTN number" in refusal(bad)
    clash = {"xml": '<fullTrial xmlns="http://www.67bricks.com/isrctn">'
                    '<trial publicIdentifierCanonical="ISRCTN11111111"><isrctn>22222222</isrctn></trial></fullTrial>'}
    assert "disagree" in refusal(clash)
    for rec in (no_id, bad, clash, {"xml": 5}, [], {"xml": "<fullTrial>"}):
        assert refusal(rec)
        with pytest.raises(ValueError):
            read(rec)


def test_hostile_xml_is_refused_or_bounded():
    laughs = ('<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">]>'
              '<fullTrial xmlns="http://www.67bricks.com/isrctn"><trial><isrctn>12345678</isrctn>'
              "<trialDescription><title>&lol;</title></trialDescription></trial></fullTrial>")
    assert "document type" in refusal({"xml": laughs})
    with pytest.raises(ValueError, match="document type"):
        xml_root(laughs.encode())
    # The review's cases: the declaration in UTF-16 without a byte-order mark, and after 4 KB of
    # comment, where a search of the raw bytes missed it. The parser itself refuses them.
    with pytest.raises(ValueError, match="document type"):
        xml_root(laughs.replace('<?xml version="1.0"?>', '<?xml version="1.0" encoding="UTF-16"?>')
                 .encode("utf-16-le"))
    with pytest.raises(ValueError, match="document type"):
        xml_root(laughs.replace("<!DOCTYPE", "<!--" + "x" * 5000 + "--><!DOCTYPE"))
    deep = ('<fullTrial xmlns="http://www.67bricks.com/isrctn"><trial><isrctn>12345678</isrctn>'
            + "<x>" * 50 + "</x>" * 50 + "</trial></fullTrial>")
    assert "nests deeper" in refusal({"xml": deep})
    huge = ET.fromstring('<fullTrial xmlns="http://www.67bricks.com/isrctn"><trial><isrctn>12345678</isrctn>'
                         "<trialDescription><title>" + "stem " * 100_000 + "</title></trialDescription>"
                         "</trial></fullTrial>")
    study = read(stored(huge))
    assert len(study.brief_title) <= record.MAX_FIELD_CHARS


# -- the query plan against the stand-in ---------------------------------------------------------

def test_a_cold_refresh_stores_the_ms_trials_and_labels_them(store, standin):
    result = refresh(store, standin)
    assert (result.mode, result.listed, result.requests) == ("full", 4, 2)
    assert [r.query["limit"] for r in standin.requests] == ["0", "24"]  # the count, then all (+ slack)
    by_id = {s.id.value: s for s in store.stem_cell_studies()}
    assert by_id["ISRCTN88667898"].labels == ("HSCT",)
    assert by_id["ISRCTN00000102"].labels == ("MSC",)
    assert by_id["ISRCTN00000104"].labels == ("Other stem cell",)
    assert "ISRCTN00000103" not in by_id  # exercise: MS, no stem cells
    exercise = store.study(StudyId(ISRCTN, "ISRCTN00000103"))
    assert exercise is not None and exercise.labels == () and exercise.is_ms
    hsct = read(by_id["ISRCTN88667898"].record)
    assert hsct.overall_status == "RECRUITING"
    assert {(s.city, s.country) for s in hsct.sites} == {("Sheffield", "United Kingdom"),
                                                          ("London", "United Kingdom")}
    assert hsct.other_ids == (StudyId(EUCTR, "2019-001549-42"),)
    assert [c.email for c in hsct.central_contacts] == ["trial-office@example.org"]
    assert hsct.officials == ()  # the Protected contact is not read
    assert read(by_id["ISRCTN00000104"].record).overall_status == "TERMINATED"
    msc = read(by_id["ISRCTN00000102"].record)
    assert set(msc.other_ids) == {StudyId(CTGOV, "NCT01854957"), StudyId(EUCTR, "2012-000518-13")}
    meta = store.registry_meta(ISRCTN)
    assert meta["source"] == f"ISRCTN API at {standin.url}"
    assert meta["cursor"] == "2026-11-20T16:30:00.001Z"  # just after the newest lastUpdated
    assert meta["data_timestamp"] == meta["fetched_at"] == meta["checked_at"]


def test_a_repeat_refresh_costs_one_request_and_changes_nothing(store, standin):
    refresh(store, standin)
    before = {s.id: s.record for s in store.stem_cell_studies()}
    standin.requests.clear()
    result = refresh(store, standin)
    assert (result.mode, result.requests, result.listed) == ("unchanged", 1, 0)
    assert standin.requests[0].query == {
        "q": f"({plan.MS_QUERY}) AND lastEdited GE 2026-11-20T16:30:00.001Z", "limit": "0"}
    assert {s.id: s.record for s in store.stem_cell_studies()} == before


def test_an_incremental_refresh_picks_up_an_edited_trial(store, standin):
    refresh(store, standin)
    standin.trials = [edited(edited(t, 'lastUpdated="2025-05-05T08:00:00.000Z"',
                                    'lastUpdated="2026-12-01T12:00:00.000Z"'),
                             "<ns0:recruitmentStatusOverride>Stopped</ns0:recruitmentStatusOverride>",
                             "<ns0:recruitmentStatusOverride />")
                      if "00000104" in t else t for t in standin.trials]
    standin.requests.clear()
    result = refresh(store, standin)
    assert (result.mode, result.listed, result.requests) == ("incremental", 1, 2)
    stopped = store.study(StudyId(ISRCTN, "ISRCTN00000104"))
    assert stopped is not None and read(stopped.record).overall_status == "RECRUITING"
    assert result.status_changes == 1
    assert store.registry_meta(ISRCTN)["cursor"] == "2026-12-01T12:00:00.001Z"
    assert len(stored_ids(store)) == 4


def test_a_full_refresh_removes_a_trial_no_longer_listed(store, standin):
    refresh(store, standin)
    standin.trials = [t for t in standin.trials if "00000103" not in t]
    incremental = refresh(store, standin)
    assert incremental.mode == "unchanged" and "ISRCTN00000103" in stored_ids(store)  # cannot tell
    result = refresh(store, standin, full=True)
    assert (result.mode, result.dropped) == ("full", 1)
    assert stored_ids(store) == {"ISRCTN88667898", "ISRCTN00000102", "ISRCTN00000104"}


def test_a_refused_trial_keeps_its_stored_copy(store, standin):
    refresh(store, standin)
    too_deep = "<x>" * 20 + "</x>" * 20 + "</ns0:trialDescription>"
    standin.trials = [edited(t, "</ns0:trialDescription>", too_deep) if "00000102" in t else t
                      for t in standin.trials if "00000103" not in t]
    result = refresh(store, standin, full=True)
    assert (result.skipped, result.unnamed, result.dropped, result.registry) == (1, 0, 1, "ISRCTN")
    assert result.reasons[0].startswith("ISRCTN00000102: it nests deeper")
    assert stored_ids(store) == {"ISRCTN88667898", "ISRCTN00000102", "ISRCTN00000104"}  # 103 is gone


def test_a_refused_trial_keeps_its_stored_status_when_the_calendar_moves(store, standin, monkeypatch):
    # A review's case (issue 28's one write path): an edit ISRCTN sends refused, on a day its
    # dates end recruitment. Its stored copy stays as it was, status and all, as the report says.
    monkeypatch.setattr(record, "today", lambda: date(2026, 12, 4))
    refresh(store, standin)
    too_deep = "<x>" * 20 + "</x>" * 20 + "</ns0:trialDescription>"
    standin.trials = [re.sub(r'lastUpdated="[^"]*"', 'lastUpdated="2026-12-06T09:00:00.000Z"',
                             edited(t, "</ns0:trialDescription>", too_deep)) if "88667898" in t else t
                      for t in standin.trials]
    monkeypatch.setattr(record, "today", lambda: date(2027, 7, 1))
    result = refresh(store, standin)
    assert result.skipped == 1 and result.reasons[0].startswith("ISRCTN88667898")
    assert store.study(StudyId(ISRCTN, "ISRCTN88667898")).overall_status == "RECRUITING"
    assert not [c for c in store.status_changes() if c.id.value == "ISRCTN88667898"]


def test_a_refused_trial_without_a_sure_id_blocks_every_removal(store, standin):
    refresh(store, standin)
    standin.trials = [edited(t, 'publicIdentifierCanonical="ISRCTN00000102"',
                             'publicIdentifierCanonical="ISRCTN00000999"')
                      if "00000102" in t else t for t in standin.trials if "00000103" not in t]
    result = refresh(store, standin, full=True)
    assert (result.skipped, result.unnamed, result.dropped) == (1, 1, 0)
    assert "disagree" in result.reasons[0]
    assert len(stored_ids(store)) == 4  # it could have been any of them: nothing is proven gone


@pytest.mark.parametrize("failure", [
    {"status": 503, "count": 4},
    {"status": 200, "count": 4, "body": "<html><body>Down for maintenance</body></html>", "content_type": "text/html"},
    {"status": 400, "count": 1},
])
def test_a_failing_registry_leaves_the_store_unchanged(store, standin, failure):
    refresh(store, standin)
    standin.trials = [edited(t, 'lastUpdated="2026-03-02T10:00:00.000Z"',
                             'lastUpdated="2026-12-02T10:00:00.000Z"')
                      if "00000102" in t else t for t in standin.trials]
    before = ({s.id: s.record for s in store.stem_cell_studies()}, store.registry_meta(ISRCTN))
    answer = standin.reply
    armed = []

    def listing_fails(path, params):
        """The count answers; the listing fails, every retry too."""
        if params.get("limit") != "0" and not armed:
            armed.append(True)
            standin.fail_next(**failure)
        return answer(path, params)
    standin.reply = listing_fails  # type: ignore[method-assign]
    with pytest.raises(ApiError, match="ISRCTN"):
        refresh(store, standin)
    assert ({s.id: s.record for s in store.stem_cell_studies()}, store.registry_meta(ISRCTN)) == before


def test_a_listing_cut_short_is_refused(store, standin):
    original = standin.reply

    def short(path, params):
        reply = original(path, params)
        if params.get("limit") != "0":
            text = reply.body.decode()
            cut = text[: text.rindex("<ns0:fullTrial")] + "</allTrials>"
            return type(reply)(reply.status, cut.encode(), reply.content_type)
        return reply
    standin.reply = short  # type: ignore[method-assign]
    with pytest.raises(ListingRefused, match="held 3 of the 4 trials"):
        refresh(store, standin)
    assert stored_ids(store) == set()


def test_the_stand_in_refuses_what_it_does_not_implement(standin):
    with client_for(standin) as api:
        with pytest.raises(ApiError, match="400"):
            api.search('intervention:"stem cells"', 0)
        with pytest.raises(ApiError, match="400"):
            api.get_xml("/query/format/default", {"q": plan.MS_QUERY, "limit": "0", "offset": "10"})
        assert api.search(plan.MS_QUERY, 0).total_count == 4
        assert len(api.search(plan.MS_QUERY, 2).trials) == 2


# -- files, settings and the smoke check ------------------------------------------------------------

def test_import_of_a_saved_search_answer(store, tmp_path):
    path = tmp_path / "isrctn.xml"
    path.write_bytes((DATA / "SEARCH_MECFS.xml").read_bytes())
    os.utime(path, (1_780_000_000, 1_780_000_000))  # 2026-05-28
    result = import_download(store, path)
    assert (result.imported, result.skipped, result.oldest, result.newest) == (3, 0, "2026-05-28", "2026-05-28")
    rows = [store.study(StudyId(ISRCTN, i)) for i in ("ISRCTN15375673", "ISRCTN16025168", "ISRCTN16132141")]
    assert all(r is not None and r.source == FILE and r.data_timestamp == "2026-05-28" for r in rows)
    assert store.info().imported.file == "isrctn.xml"  # the data-age line names the file
    one_trial = tmp_path / "one.xml"
    one_trial.write_text(load_trials(MS / "HSCT_STARMS.xml")[0], encoding="utf-8")
    assert import_download(store, one_trial).imported == 1
    assert store.study(StudyId(ISRCTN, "ISRCTN88667898")).labels == ("HSCT",)


@pytest.mark.parametrize("content,message", [
    (b"<html><body>not here</body></html>", "not an ISRCTN XML file: it holds <html>"),
    (b"<allTrials xmlns='http://www.67bricks.com/isrctn'><fullTrial>", "not well-formed XML"),
    (b'<!DOCTYPE x [<!ENTITY a "b">]><allTrials/>', "document type declaration"),
    (b'{"studies": []}', "not well-formed XML"),
    (b'<allTrials xmlns="http://www.67bricks.com/isrctn" totalCount="0"></allTrials>', "holds no ISRCTN trial"),
])
def test_import_refuses_what_is_not_isrctn_xml(store, tmp_path, content, message):
    path = tmp_path / "bad.xml"
    path.write_bytes(content)
    with pytest.raises(InputError, match=message):
        import_download(store, path)
    assert stored_ids(store) == set()


def test_import_of_a_file_too_large(store, tmp_path, monkeypatch):
    from trials.registries.isrctn import download
    monkeypatch.setattr(download, "MAX_FILE_BYTES", 100)
    path = tmp_path / "big.xml"
    path.write_bytes((DATA / "RECORD_PACE.xml").read_bytes())
    with pytest.raises(InputError, match="larger than"):
        import_download(store, path)


def test_the_smoke_check_passes_against_the_stand_in_and_fails_clearly(standin):
    with client_for(standin) as api:
        checks = run_checks(api)
    assert [c.ok for c in checks] == [True, True]
    assert checks[0].detail == "4 multiple sclerosis trials"
    assert "ISRCTN88667898 (RECRUITING)" in checks[1].detail
    standin.trials = []
    with client_for(standin) as api:
        checks = run_checks(api)
    assert [c.ok for c in checks] == [False, False]


@pytest.mark.slow  # starts an HTTP server
def test_refresh_and_check_from_settings_over_http(store, tmp_path):
    with IsrctnStandIn(ms_trials()) as server:
        settings = Settings(cache_dir=tmp_path, urls=(("isrctn", server.url),), request_interval=0)
        result = REGISTRY.refresh(store, settings)
        assert (result.mode, result.listed, len(server.requests)) == ("full", 4, 2)
        assert result.bytes_received == server.bytes_sent
        assert [c.ok for c in check(settings)] == [True, True]
        server.fail_next(503, count=10)
        with pytest.raises(ApiError, match="ISRCTN did not answer"):
            plan.refresh_from(store, settings, budget=2)


def test_a_start_override_says_nothing_once_recruitment_has_ended():
    # The review's case: "Not yet recruiting" set before the start, never cleared.
    study = read(trial_with("2018-01-01T00:00:00Z", "2020-01-01T00:00:00Z", "2021-01-01T00:00:00Z",
                            start_override="Not yet recruiting"))
    assert study.overall_status == "COMPLETED" and "override" not in study.status_basis


def test_a_status_the_calendar_changes_is_written_and_logged_by_the_next_refresh(store, standin, monkeypatch):
    # The review's case: ISRCTN works statuses out from dates, so recruitment ending changes a
    # trial nobody edited. StarMS (built) recruits until 2027-06-30.
    monkeypatch.setattr(record, "today", lambda: date(2026, 12, 4))
    refresh(store, standin)
    assert store.study(StudyId(ISRCTN, "ISRCTN88667898")).overall_status == "RECRUITING"
    monkeypatch.setattr(record, "today", lambda: date(2027, 7, 1))
    result = refresh(store, standin)  # nothing edited on ISRCTN: one request, "unchanged"
    # StarMS's recruitment ended on 2027-06-30; the exercise trial's began on 2027-02-01.
    assert result.mode == "unchanged" and result.status_changes == 2
    assert store.study(StudyId(ISRCTN, "ISRCTN88667898")).overall_status == "ACTIVE_NOT_RECRUITING"
    [change] = [c for c in store.status_changes() if c.id.value == "ISRCTN88667898"]
    assert (change.old_status, change.new_status) == ("RECRUITING", "ACTIVE_NOT_RECRUITING")


@pytest.mark.parametrize("codec", ["utf-16", "utf-16-be", "utf-32"])
def test_an_answer_saved_as_utf16_or_utf32_is_read_as_isrctn(tmp_path, codec):
    # Issue 31: a UTF-16 ISRCTN file was refused as "not a ClinicalTrials.gov JSON download".
    from trials import registries, updates

    text = (MS / "HSCT_STARMS.xml").read_bytes().decode("utf-8")
    path = tmp_path / "answer.xml"
    path.write_bytes((codecs.BOM_UTF16_BE if codec == "utf-16-be" else b"") + text.encode(codec))
    assert registries.adapter_for_file(path).code == ISRCTN
    settings = Settings(cache_dir=tmp_path / "cache")
    if codec == "utf-32":  # (the XML parser reads no UTF-32: refused, but as the ISRCTN file it is)
        with pytest.raises(InputError, match="is not an ISRCTN XML file"):
            updates.import_file(settings, path)
    else:
        assert updates.import_file(settings, path).imported == 1
