"""The page's link read forgivingly (``Query.from_link``), its canonical form, the values
checked against the data by ``search``, and what the page draws from a table
(trials.presentation: views, summary, plain words)."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timezone

import pandas as pd
import pytest

import trials
from trials.model import Contact

from trials.analysis.status import STATUS_GROUPS
from trials.analysis.table import build_table
from trials.presentation import plain, summary, views
from trials.presentation.views import for_display
from trials.query import Filters, Query
from trials.pipeline import search
from trials.snapshot import Snapshot
from trials.store.sqlite import StoreInfo

from .test_table import stored


@dataclass(frozen=True)
class Read:
    filters: Filters
    study: str | None
    notices: tuple[str, ...]


def snapshot() -> Snapshot:
    """Four studies in Italy, Spain, the United Kingdom and the United States; the Italian
    and American ones recruiting."""
    entries = [stored("NCT04047628", ["HSCT"], "RECRUITING", country="United States"),
               stored("NCT01854957", ["MSC"], "COMPLETED", country="Spain"),
               stored("NCT00000003", ["MSC"], "RECRUITING", country="Italy"),
               stored("NCT00000004", ["HSCT"], "COMPLETED", country="United Kingdom")]
    return Snapshot(build_table(entries), {e.id.value: e for e in entries}, StoreInfo(4, 4, None, None, None, None, None))


def read(**params) -> Read:
    """A link with these parameters (name=value or name=[values]) read as the page reads it:
    parsed, then checked against the data."""
    raw = {k: v if isinstance(v, list) else [v] for k, v in params.items()}
    query, notices = Query.from_link(raw)
    result = search(snapshot(), query)
    return Read(result.query.filters, result.query.study, (*notices, *(u.text for u in result.unused)))


@pytest.mark.parametrize("params, field, expected", [
    ({"therapy": "hsct"}, "therapies", ("HSCT",)),
    ({"therapy": ["MSC", "other", "IPSC"]}, "therapies", ("MSC", "iPSC", "Other stem cell")),  # canonical order
    ({"therapy": "Other stem cell"}, "therapies", ("Other stem cell",)),
    ({"status": "recruiting"}, "statuses", ("Recruiting now",)),  # the API value, any case
    ({"status": "RECRUITING"}, "statuses", ("Recruiting now",)),
    ({"status": "recruiting now"}, "statuses", ("Recruiting now",)),  # the plain label
    ({"status": "Recruiting+now".replace("+", " ")}, "statuses", ("Recruiting now",)),
    ({"status": "not-yet-recruiting"}, "statuses", ("Not yet recruiting",)),
    ({"status": "completed"}, "statuses", ("Completed",)),
    # A registry status that is only part of its group stays exact (a clinician's filter) ...
    ({"status": "terminated"}, "statuses", ("TERMINATED",)),
    ({"registry_status": "active_not_recruiting"}, "statuses", ("ACTIVE_NOT_RECRUITING",)),
    # ... and one that is a whole group is that group, whichever parameter names it.
    ({"registry_status": "RECRUITING"}, "statuses", ("Recruiting now",)),
    ({"status": "Not yet recruiting"}, "statuses", ("Not yet recruiting",)),
    ({"phase": "2"}, "phases", ("PHASE2",)),
    ({"phase": ["PHASE2", "phase 3", "Phase 1"]}, "phases", ("PHASE1", "PHASE2", "PHASE3")),
    ({"phase": ["early phase 1", "No phase"]}, "phases", ("EARLY_PHASE1", "NA")),
    ({"type": "interventional"}, "study_types", ("INTERVENTIONAL",)),
    ({"type": "Expanded access"}, "study_types", ("EXPANDED_ACCESS",)),
    ({"country": ["italy", " SPAIN "]}, "countries", ("Italy", "Spain")),
    ({"country": "uk"}, "countries", ("United Kingdom",)),
    ({"country": "united kingdom"}, "countries", ("United Kingdom",)),
    ({"q": "  intrathecal\x00 cord "}, "text", "intrathecal cord"),
    ({"gives": "False"}, "gives_therapy", False),
    ({"gives": "no"}, "gives_therapy", False),
    ({"gives": "TRUE"}, "gives_therapy", True),
    ({}, "gives_therapy", True),  # the page's default
])
def test_values_are_matched_forgivingly(params, field, expected):
    link = read(**params)
    assert getattr(link.filters, field) == expected
    assert link.notices == ()


def test_an_unknown_country_is_named_with_where_studies_recruit():
    link = read(country="Germany")
    assert link.filters.countries == ()
    assert link.notices == ("No study lists “Germany”; showing all countries. "
                            "Countries with a study recruiting now: Italy, United States.",)
    mixed = read(country=["Germany", "italy"])
    assert mixed.filters.countries == ("Italy",)
    assert "showing the other countries asked for" in mixed.notices[0]


def test_a_region_given_as_a_country_is_named_as_a_region():
    # Issue 18: `--country Europe` silently gave nothing.
    [notice] = read(country="europe").notices
    assert notice.startswith("No study lists “europe”; showing all countries. Europe is a region: "
                             "use the region filter (under “For clinicians” on the page, --region on the command "
                             "line). Countries with a study recruiting now: ")


@pytest.mark.parametrize("params, named", [
    ({"therapy": "stemcells"}, "therapy type “stemcells”"),
    ({"status": "open"}, "status “open”"),
    ({"registry_status": "RUNNING"}, "registry status “RUNNING”"),
    ({"phase": "7"}, "phase “7”"),
    ({"type": "survey"}, "study type “survey”"),
    ({"gives": "maybe"}, "“maybe”"),
    ({"study": "NCT99999999"}, "study “NCT99999999”"),
    ({"study": "<script>"}, "study “<script>”"),
])
def test_a_value_that_does_not_match_is_never_dropped_silently(params, named):
    link = read(**params)
    [notice] = link.notices
    assert named in notice
    assert link.filters == Filters(gives_therapy=True) and link.study is None


def test_the_other_values_of_a_parameter_still_apply():
    link = read(therapy=["hsct", "nonsense"], phase=["2", "x"])
    assert link.filters.therapies == ("HSCT",) and link.filters.phases == ("PHASE2",)
    assert len(link.notices) == 2 and all("showing the others" in n for n in link.notices)


def test_a_notice_repeats_a_long_value_only_in_part():
    [notice] = read(therapy="x" * 5000).notices
    assert "x" * 60 + "…”" in notice and len(notice) < 300


def test_the_study_is_read_in_any_case():
    assert read(study="nct01854957").study == "NCT01854957"


def test_canonical_parameters_read_back_as_the_same_query():
    params = {"therapy": "hsct", "status": ["recruiting", "terminated"], "phase": "2",
              "type": "interventional", "country": "italy", "q": "cord", "gives": "false",
              "study": "nct04047628", "near": "Milan", "within": "500", "since": "2025-10-01",
              "compare": "NCT04047628, nct01854957", "age": "38", "sex": "F", "ms_type": "rrms",
              "edss": "4", "hide_no_fit": "yes", "cells": "own cells", "route": "Intra-thecal",
              "region": ["middle  east", "Europe"], "results": "Yes", "registry": ["clinicaltrials.gov", "isrctn"]}
    query, notices = Query.from_link({k: [v] if isinstance(v, str) else v for k, v in params.items()})
    assert notices == ()
    result = search(snapshot(), query)
    canonical = result.query.to_link()
    assert canonical == {"therapy": ["HSCT"], "status": ["Recruiting now"], "q": ["cord"],
                         "country": ["Italy"], "phase": ["PHASE2"], "type": ["INTERVENTIONAL"],
                         "registry_status": ["TERMINATED"], "gives": ["false"], "study": ["NCT04047628"],
                         "compare": ["NCT04047628,NCT01854957"], "near": ["Milan"], "within": ["500"],
                         "since": ["2025-10-01"], "age": ["38"], "sex": ["female"], "ms_type": ["RRMS"],
                         "edss": ["4.0"], "hide_no_fit": ["true"], "cells": ["autologous"],
                         "route": ["intrathecal"], "region": ["Europe", "Middle East"], "results": ["true"],
                         "registry": ["ClinicalTrials.gov", "ISRCTN"]}
    again, notices = Query.from_link(canonical)
    assert again == result.query and notices == ()
    assert set(canonical) == set(trials.LINK_PARAMS)  # every parameter the page knows is covered
    assert Query().to_link() == {}  # the default view has a bare link


def test_answers_go_into_the_link_only_when_shared():
    query, _ = Query.from_link({"age": ["38"]})
    assert query.share_answers and query.to_link() == {"age": ["38"]}
    assert replace(query, share_answers=False).to_link() == {}


def test_widget_values_use_the_parameter_names_and_read_back():
    query = read(therapy="MSC", q="cord", status=["Recruiting now", "TERMINATED"])
    full = replace(Query(filters=query.filters), study="NCT04047628", near="Milan", within_km=500.0)
    values = full.widget_values()
    assert {k: values[k] for k in ("therapy", "status", "registry_status", "phase", "type", "country",
                                   "q", "gives", "study", "near", "within")} == {
        "therapy": ["MSC"], "status": ["Recruiting now"], "registry_status": ["TERMINATED"], "phase": [],
        "type": [], "country": [], "q": "cord", "gives": True, "study": "NCT04047628", "near": "Milan",
        "within": 500.0}
    assert Query.from_widgets(values) == full


def test_active_filters_are_named_clinician_filters_included():
    line = Query(filters=read(therapy="HSCT", phase="2", registry_status="TERMINATED", q="cord").filters).describe()
    assert line == ("Filters: HSCT · words “cord” · Phase 2 · registry status Terminated · "
                    "only trials that give the therapy")
    assert Query(filters=Filters(gives_therapy=False)).describe() == "Filters: none, every study is shown"
    assert Query(near="Milan", within_km=500).describe().endswith("near Milan within 500 km")


# -- words and numbers -------------------------------------------------------------------------

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=timezone.utc)


def test_counts_agree_with_their_number():
    assert plain.count(1, "study", "studies") == "1 study"
    assert plain.count(0, "study", "studies") == "0 studies"
    assert summary.Summary(1, 1, 1).text == "1 study, 1 recruiting now, in 1 country"


@pytest.mark.parametrize("as_of, warned, words", [
    ("2026-11-20T00:00:00", False, None),
    ("2026-10-26T00:00:00", False, None),  # 30 days is still fine
    ("2026-10-25T00:00:00", True, "31 days old"),
    ("2026-09-01T00:00:00", True, "2 months old"),
    ("2022-10-07T00:00:00", True, "4 years old"),  # the imported 2022 file of the issue
])
def test_old_data_gets_a_warning_with_its_age_in_words(as_of, warned, words):
    warning = plain.stale_warning(as_of, NOW)
    assert (warning is not None) == warned
    if words:
        assert f"This data is {words}" in warning


def test_sites_recruiting_is_unknown_without_site_statuses():
    df = build_table([stored("NCT00000001", ["HSCT"], "RECRUITING", country="Italy", site_status="RECRUITING"),
                      stored("NCT00000002", ["HSCT"], "RECRUITING", country="Italy"),  # no site status
                      stored("NCT00000003", ["HSCT"], "RECRUITING", country="Italy", site_status="COMPLETED")])
    by_id = df.set_index("study_id")["recruiting_sites"]
    assert by_id["NCT00000001"] == 1 and by_id["NCT00000003"] == 0
    assert by_id.isna()["NCT00000002"]
    shown = for_display(df).set_index("url")["recruiting_sites"]
    assert [shown[f"https://clinicaltrials.gov/study/NCT0000000{n}"] for n in (1, 2, 3)] == ["1", "unknown", "0"]


def test_the_phone_list_names_therapy_status_places_and_role():
    study = replace(stored("NCT00000001", ["HSCT", "MSC"], "RECRUITING", country="Italy",
                           title="**Bold** [x](http://evil)"), study_role="gives therapy")
    df = build_table([study])
    [item] = views.phone_list(df)
    assert item.study_id == "NCT00000001" and item.title == "**Bold** [x](http://evil)"
    assert item.details == (
        'HSCT and MSC · :color[**Recruiting now**]{foreground="#007A5A"} (record updated 2025\\-01\\-01) · Italy · '
        'Gives the therapy · no phone or e-mail in the stored record')
    # Issue 18: a patient opened three cards before finding one with a contact.
    reachable = replace(study, study=replace(study.study, central_contacts=(Contact("Study nurse", phone="+39 02 1"),)))
    [item] = views.phone_list(build_table([reachable]))
    assert "e-mail" not in item.details
    # A contact named without a phone or an address cannot be reached from the record.
    named = replace(study, study=replace(study.study, central_contacts=(Contact("Dr Rossi"),)))
    [item] = views.phone_list(build_table([named]))
    assert item.details.endswith("no phone or e-mail in the stored record")


def test_the_phone_list_names_the_nearest_open_site_after_near_me():
    df = build_table([stored("NCT00000001", ["HSCT"], "RECRUITING", country="Italy")]).assign(
        distance_km=pd.array([120], dtype="Int64"), distance_approximate=["yes"],
        nearest_site=["Ospedale San Raffaele"])
    [item] = views.phone_list(df)
    assert "nearest open site Ospedale San Raffaele, about 120 km" in item.details.replace("\\", "")


def test_every_status_has_one_colour_dark_enough_on_white():
    def luminance(hex_colour: str) -> float:
        channels = [int(hex_colour[i:i + 2], 16) / 255 for i in (1, 3, 5)]
        linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
        return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]

    assert set(views.STATUS_COLOURS) == set(STATUS_GROUPS)
    assert len(set(views.STATUS_COLOURS.values())) == len(STATUS_GROUPS)
    for colour in [*views.STATUS_COLOURS.values(), views.TEXT_COLOUR]:
        assert 1.05 / (luminance(colour) + 0.05) >= 4.5, colour  # WCAG AA for text, so for marks
    assert views.STATUS_COLOURS["Completed"] != views.STATUS_COLOURS["Stopped early"]


def test_the_chart_uses_the_palette_and_labels_every_bar():
    counts = summary.therapy_status_counts(build_table([
        stored("NCT00000001", ["HSCT"], "RECRUITING"), stored("NCT00000002", ["HSCT"], "COMPLETED"),
        stored("NCT00000003", ["MSC"], "COMPLETED")]))
    spec = views.status_chart(counts)
    bars = spec["layer"][0]["encoding"]
    assert bars["color"]["scale"] == {"domain": list(views.STATUS_COLOURS),
                                      "range": list(views.STATUS_COLOURS.values())}
    assert bars["color"]["legend"] is None  # every bar is named on its axis instead
    assert bars["y"]["sort"] == ["HSCT: Recruiting now", "HSCT: Completed", "MSC: Completed"]
    assert spec["layer"][1]["encoding"]["text"]["field"] == "studies"
