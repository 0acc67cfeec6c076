"""The classified table, its filters, summary and empty-result explanations."""

from __future__ import annotations

import argparse

import pandas as pd
import pytest

from trials import query
from trials.analysis import filters
from trials.analysis.table import Entry, build_table
from trials.errors import InputError
from trials.presentation import summary, views
from trials.presentation.summary import summarize
from trials.query import Filters, Query
from trials.registries.ctgov.record import read_study
from trials.pipeline import explain_empty


def apply(df: pd.DataFrame, f: Filters) -> pd.DataFrame:
    return filters.apply(df, f.values())


def parsed(*flags: str, **options: str | list[str]) -> Filters:
    """Filters from command-line options, as ``trials search`` reads them."""
    parser = argparse.ArgumentParser()
    query.add_options(parser)
    argv = [*flags, *(part for name, values in options.items()
                      for value in ([values] if isinstance(values, str) else values)
                      for part in (f"--{name}", value))]
    return Query.from_cli(parser.parse_args(argv)).filters


def stored(study_id, labels, status, phases=(), country="", study_type="INTERVENTIONAL",
           title="A study", enrollment=None, site_status=""):
    """A study as the table reads it, from a record shaped like the real v2 records (see
    shared/ctgov/README.md)."""
    record = {"protocolSection": {
        "identificationModule": {"nctId": study_id, "briefTitle": title},
        "statusModule": {"overallStatus": status, "lastUpdatePostDateStruct": {"date": "2025-01-0" + study_id[-1]}},
        "designModule": {"studyType": study_type, "phases": list(phases),
                         **({"enrollmentInfo": {"count": enrollment}} if enrollment is not None else {})},
        "conditionsModule": {"conditions": ["Multiple Sclerosis"]},
        "contactsLocationsModule": {"locations": [
            {"facility": "Hospital", "city": "Town", "country": country, "status": site_status}]
            if country else []},
    }}
    return Entry(read_study(record), tuple(labels), "evidence", "", "2025-09-25T00:00:00",
                 "2025-09-25T10:00:00Z", "api", True)


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
    return sorted(frame["study_id"])


def test_table_has_the_documented_columns_and_values(df):
    required = ["study_id", "title", "therapy_types", "therapy_evidence", "overall_status", "phases",
                "study_type", "conditions", "interventions", "sponsor", "start_date",
                "primary_completion_date", "enrollment", "countries", "locations", "last_update",
                "url", "data_timestamp"]
    assert set(required) <= set(df.columns)
    first = df.set_index("study_id").loc["NCT00000001"]
    assert first["url"] == "https://clinicaltrials.gov/study/NCT00000001"
    assert first["enrollment"] == 156 and first["recruiting_sites"] == 1
    assert first["locations"] == "Hospital, Town, United States (RECRUITING)"
    assert pd.isna(df.set_index("study_id").loc["NCT00000004", "enrollment"])  # 99999999 = unknown
    assert df.set_index("study_id").loc["NCT00000003", "therapy_types"] == "MSC; Other stem cell"
    assert list(df["study_id"][:2]) == ["NCT00000005", "NCT00000004"]  # newest update first
    eligibility = ["min_age", "max_age", "sex", "ms_types", "edss_min", "edss_max", "central_contact",
                   "eligibility_criteria", "last_verified"]
    assert set(eligibility) <= set(df.columns)  # always present, empty when the record has none
    assert first[["ms_types", "central_contact", "eligibility_criteria"]].tolist() == ["", "", ""]


EVERYTHING = Filters(gives_therapy=False)


@pytest.mark.parametrize("given, expected", [
    ({}, ["NCT00000001", "NCT00000002", "NCT00000003", "NCT00000004", "NCT00000005"]),
    ({"therapies": ("MSC",)}, ["NCT00000002", "NCT00000003"]),
    ({"therapies": ("Other stem cell",)}, ["NCT00000003", "NCT00000005"]),
    ({"statuses": ("Recruiting now", "Not yet recruiting")}, ["NCT00000001", "NCT00000005"]),
    ({"statuses": ("Closed",)}, ["NCT00000004"]),
    ({"statuses": ("UNKNOWN",)}, ["NCT00000003"]),
    ({"statuses": ("Recruiting now", "UNKNOWN")}, ["NCT00000001", "NCT00000003"]),  # a group or a status
    ({"phases": ("PHASE2",)}, ["NCT00000002"]),
    ({"phases": ("PHASE1",)}, ["NCT00000002", "NCT00000003"]),
    ({"study_types": ("OBSERVATIONAL",)}, ["NCT00000004"]),
    ({"countries": ("Iran",)}, ["NCT00000003"]),  # the record says "Iran, Islamic Republic of"
    ({"text": "ahsct"}, ["NCT00000001"]),
    ({"text": "best   THERAPY"}, ["NCT00000001"]),
    ({"therapies": ("HSCT",), "statuses": ("Recruiting now",)}, ["NCT00000001"]),
])
def test_filters(df, given, expected):
    assert ids(apply(df, Filters(**given, gives_therapy=False))) == expected


@pytest.mark.parametrize("text", ["(unbalanced", "[AREA]", ".*", "\\", "' OR 1=1 --", "é💊"])
def test_odd_search_text_is_just_text(df, text):
    assert apply(df, parsed(text=text)).empty


def test_control_characters_are_dropped(df):
    assert parsed(text="\x00\x1b").text == ""
    assert ids(apply(df, parsed("--no-gives-therapy", text="ahsct\x00zzz"))) == []  # a control char splits words
    assert ids(apply(df, parsed("--no-gives-therapy", text="ahsct\x00"))) == ["NCT00000001"]
    assert ids(apply(df, Filters(text=query.clean_text("\x1bahsct\n"), gives_therapy=False))) == ["NCT00000001"]


def test_options_are_read_as_people_type_them():
    f = parsed(therapy=["hsct", "other", "HSCT"], status=["recruiting now", "terminated", "RECRUITING"],
               phase=["2", "phase 3", "early_phase1"], type=["observational"], country=[" Spain "],
               text="  intrathecal\tcells ")
    assert f.therapies == ("HSCT", "Other stem cell")
    # A registry status that is a group on its own is that group; others stay exact.
    assert f.statuses == ("Recruiting now", "TERMINATED")
    assert f.phases == ("EARLY_PHASE1", "PHASE2", "PHASE3")  # in their canonical order
    assert f.study_types == ("OBSERVATIONAL",) and f.countries == ("Spain",)
    assert f.text == "intrathecal cells"
    assert f.gives_therapy  # the page's default: only trials that give the therapy


@pytest.mark.parametrize("options", [{"therapy": ["CAR-T"]}, {"status": ["open"]},
                                     {"phase": ["9"]}, {"type": ["survey"]}])
def test_unknown_option_values_are_errors(options):
    with pytest.raises(InputError):
        parsed(**options)


def test_long_search_text_is_cut():
    assert len(parsed(text="x" * 5000).text) == query.MAX_TEXT


def test_summary(df):
    assert summarize(df).text == "5 studies, 1 recruiting now, in 4 countries"
    assert summarize(df.iloc[:0]).text == "0 studies, 0 recruiting now"
    assert summarize(apply(df, Filters(therapies=("HSCT",), gives_therapy=False))).text == \
        "2 studies, 1 recruiting now, in 2 countries"


def test_counts_for_the_sidebar_and_chart(df):
    assert summary.counts_by(df, "therapy_types") == {"HSCT": 2, "MSC": 2, "Other stem cell": 2}
    chart = summary.therapy_status_counts(df)
    assert chart["studies"].sum() == 6  # the two-label study counts once per label
    assert set(chart.columns) == {"therapy_type", "status", "studies"}


def test_empty_result_explains_itself(df):
    def explained(**given):
        return explain_empty(df, Query(filters=Filters(**given, gives_therapy=False)))

    text = explained(therapies=("iPSC",))
    assert "found no trial of an iPSC-based therapy" in text and "therapy type filter, 5 would match" in text
    text = explained(therapies=("HSCT",), countries=("Spain",))
    assert text.startswith("No study matches all of these filters.")
    assert "country filter, 2 would match" in text and "therapy type filter, 1 would match" in text
    assert explain_empty(df.iloc[:0], Query()) == "There are no studies in the local data yet."


def test_display_table_says_phases_in_words(df):
    shown = views.for_display(df).set_index("url")
    assert shown.loc["https://clinicaltrials.gov/study/NCT00000002", "phases"] == "Phase 1 / Phase 2"
    assert shown.loc["https://clinicaltrials.gov/study/NCT00000004", "phases"] == "Not stated"
    assert list(shown.columns) == list(views.DISPLAY_COLUMNS[1:])
