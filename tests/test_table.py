"""The classified table, its filters, summary and empty-result explanations."""

from __future__ import annotations

import pandas as pd
import pytest

from trials import table
from trials.errors import InputError
from trials.store import StoredStudy
from trials import filters, summary
from trials.filters import Filters, apply, make_filters
from trials.summary import explain_empty, summarize
from trials.table import build_table


def stored(nct_id, labels, status, phases=(), country="", study_type="INTERVENTIONAL",
           title="A study", enrollment=None, site_status=""):
    """A stored study shaped like the real v2 records (see shared/ctgov/README.md)."""
    record = {"protocolSection": {
        "identificationModule": {"nctId": nct_id, "briefTitle": title},
        "statusModule": {"overallStatus": status, "lastUpdatePostDateStruct": {"date": "2025-01-0" + nct_id[-1]}},
        "designModule": {"studyType": study_type, "phases": list(phases),
                         **({"enrollmentInfo": {"count": enrollment}} if enrollment is not None else {})},
        "conditionsModule": {"conditions": ["Multiple Sclerosis"]},
        "contactsLocationsModule": {"locations": [
            {"facility": "Hospital", "city": "Town", "country": country, "status": site_status}]
            if country else []},
    }}
    return StoredStudy(nct_id, record, True, tuple(labels), True, "evidence", "2025-09-25T00:00:00",
                       "2025-09-25T10:00:00Z")


@pytest.fixture
def df():
    return build_table([
        stored("NCT00000001", ["HSCT"], "RECRUITING", ["PHASE3"], "United States",
               title="Best Available Therapy Versus aHSCT", enrollment=156, site_status="RECRUITING"),
        stored("NCT00000002", ["MSC"], "COMPLETED", ["PHASE1", "PHASE2"], "Spain", title="=cmd|' /C calc'!A0"),
        stored("NCT00000003", ["MSC", "Other stem cell"], "UNKNOWN", ["PHASE1"], "Iran, Islamic Republic of"),
        stored("NCT00000004", ["HSCT"], "ACTIVE_NOT_RECRUITING", [], "Sweden", study_type="OBSERVATIONAL",
               enrollment=99_999_999),
        stored("NCT00000005", ["Other stem cell"], "NOT_YET_RECRUITING", ["EARLY_PHASE1"]),
    ])


def ids(frame: pd.DataFrame) -> list[str]:
    return sorted(frame["nct_id"])


def test_table_has_the_documented_columns_and_values(df):
    required = ["nct_id", "title", "therapy_types", "therapy_evidence", "overall_status", "phases",
                "study_type", "conditions", "interventions", "sponsor", "start_date",
                "primary_completion_date", "enrollment", "countries", "locations", "last_update",
                "url", "data_timestamp"]
    assert set(required) <= set(df.columns)
    first = df.set_index("nct_id").loc["NCT00000001"]
    assert first["url"] == "https://clinicaltrials.gov/study/NCT00000001"
    assert first["enrollment"] == 156 and first["recruiting_sites"] == 1
    assert first["locations"] == "Hospital, Town, United States (RECRUITING)"
    assert pd.isna(df.set_index("nct_id").loc["NCT00000004", "enrollment"])  # 99999999 = unknown
    assert df.set_index("nct_id").loc["NCT00000003", "therapy_types"] == "MSC; Other stem cell"
    assert list(df["nct_id"][:2]) == ["NCT00000005", "NCT00000004"]  # newest update first
    eligibility = ["min_age", "max_age", "sex", "ms_types", "edss_min", "edss_max", "central_contact",
                   "eligibility_criteria", "last_verified"]
    assert set(eligibility) <= set(df.columns)  # always present, empty when the record has none
    assert first[["ms_types", "central_contact", "eligibility_criteria"]].tolist() == ["", "", ""]


@pytest.mark.parametrize("filters, expected", [
    (Filters(), ["NCT00000001", "NCT00000002", "NCT00000003", "NCT00000004", "NCT00000005"]),
    (Filters(therapies=("MSC",)), ["NCT00000002", "NCT00000003"]),
    (Filters(therapies=("Other stem cell",)), ["NCT00000003", "NCT00000005"]),
    (Filters(status_groups=("Recruiting now", "Not yet recruiting")), ["NCT00000001", "NCT00000005"]),
    (Filters(status_groups=("Closed",)), ["NCT00000004"]),
    (Filters(statuses=("UNKNOWN",)), ["NCT00000003"]),
    (Filters(phases=("PHASE2",)), ["NCT00000002"]),
    (Filters(phases=("PHASE1",)), ["NCT00000002", "NCT00000003"]),
    (Filters(study_types=("OBSERVATIONAL",)), ["NCT00000004"]),
    (Filters(countries=("Iran, Islamic Republic of",)), ["NCT00000003"]),
    (Filters(text="ahsct"), ["NCT00000001"]),
    (Filters(text="best   THERAPY"), ["NCT00000001"]),
    (Filters(therapies=("HSCT",), status_groups=("Recruiting now",)), ["NCT00000001"]),
])
def test_filters(df, filters, expected):
    assert ids(apply(df, filters)) == expected


@pytest.mark.parametrize("text", ["(unbalanced", "[AREA]", ".*", "\\", "' OR 1=1 --", "é💊"])
def test_odd_search_text_is_just_text(df, text):
    assert apply(df, make_filters(text=text)).empty


def test_control_characters_are_dropped(df):
    assert make_filters(text="\x00\x1b").text == ""
    assert ids(apply(df, make_filters(text="ahsct\x00zzz"))) == []  # a control char splits words
    assert ids(apply(df, make_filters(text="\x1bahsct\n"))) == ["NCT00000001"]


def test_make_filters_parses_what_people_type():
    f = make_filters(therapies=["hsct", "other", "HSCT"], statuses=["recruiting now", "terminated"],
                     phases=["2", "phase 3", "early_phase1"], study_types=["observational"],
                     countries=[" Spain "], text="  intrathecal\tcells ")
    assert f.therapies == ("HSCT", "Other stem cell")
    assert f.status_groups == ("Recruiting now",) and f.statuses == ("TERMINATED",)
    assert f.phases == ("PHASE2", "PHASE3", "EARLY_PHASE1")
    assert f.study_types == ("OBSERVATIONAL",) and f.countries == ("Spain",)
    assert f.text == "intrathecal cells"


@pytest.mark.parametrize("kwargs", [{"therapies": ["CAR-T"]}, {"statuses": ["open"]},
                                    {"phases": ["9"]}, {"study_types": ["survey"]}])
def test_make_filters_rejects_unknown_values(kwargs):
    with pytest.raises(InputError):
        make_filters(**kwargs)


def test_long_search_text_is_cut():
    assert len(make_filters(text="x" * 5000).text) == filters.MAX_TEXT


def test_summary(df):
    assert summarize(df).text == "5 studies, 1 recruiting now, in 4 countries"
    assert summarize(df.iloc[:0]).text == "0 studies, 0 recruiting now"
    assert summarize(apply(df, Filters(therapies=("HSCT",)), )).text == "2 studies, 1 recruiting now, in 2 countries"


def test_counts_for_the_sidebar_and_chart(df):
    assert summary.counts_by(df, "therapy_types") == {"HSCT": 2, "MSC": 2, "Other stem cell": 2}
    chart = summary.therapy_status_counts(df)
    assert chart["studies"].sum() == 6  # the two-label study counts once per label
    assert set(chart.columns) == {"therapy_type", "status", "studies"}


def test_empty_result_explains_itself(df):
    text = explain_empty(df, Filters(therapies=("iPSC",)))
    assert "No trial of an iPSC-based therapy" in text and "therapy type filter, 5 would match" in text
    text = explain_empty(df, Filters(therapies=("HSCT",), countries=("Spain",)))
    assert text.startswith("No study matches all of these filters.")
    assert "country filter, 2 would match" in text and "therapy type filter, 1 would match" in text
    assert explain_empty(df.iloc[:0], Filters()) == "There are no studies in the local data yet."


def test_display_table_says_phases_in_words(df):
    shown = table.for_display(df).set_index("url")
    assert shown.loc["https://clinicaltrials.gov/study/NCT00000002", "phases"] == "Phase 1 / Phase 2"
    assert shown.loc["https://clinicaltrials.gov/study/NCT00000004", "phases"] == "Not stated"
    assert list(shown.columns) == list(table.DISPLAY_COLUMNS[1:])
