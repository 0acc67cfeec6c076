"""Every record is checked field by field against the registry's OpenAPI spec (issue 17).

The malformed records here are real ones (from the bundled copy, which the package ships)
with one field broken the way the attacker's probes broke them.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest

from trials.registries.ctgov import shapes
from trials.registries.ctgov.record import refusal

from .conftest import CTGOV, MS_2025, bundled_records, load_jsonl
from .support import openapi_shapes

SPEC = CTGOV / "openapi" / "ctg-oas-v2.yaml"


@pytest.fixture
def real() -> dict:
    """A real record with every module the finder reads (the first bundled one with sites)."""
    return copy.deepcopy(next(r for r in bundled_records()
                              if r["protocolSection"].get("contactsLocationsModule", {}).get("locations")))


def test_the_shipped_shapes_are_the_specs_study_schema():
    assert shapes.Path(shapes.__file__).with_name("shapes.json").read_text(encoding="utf-8") == \
        openapi_shapes.render(SPEC)


def test_the_shapes_hold_the_fields_the_finder_reads():
    status = shapes.SHAPES["protocolSection"]["statusModule"]
    assert status["lastUpdatePostDateStruct"]["date"] == "date"
    assert status["startDateStruct"]["date"] == "partial-date"
    locations = shapes.SHAPES["protocolSection"]["contactsLocationsModule"]["locations"]
    assert locations[0]["geoPoint"] == {"lat": "number", "lon": "number"}
    assert shapes.SHAPES["protocolSection"]["designModule"]["enrollmentInfo"]["count"] == "integer"


def test_every_bundled_record_fits():
    records = bundled_records()
    assert records and [refusal(r) for r in records] == [None] * len(records)


def test_every_real_record_fits():
    records = load_jsonl(MS_2025) + load_jsonl(CTGOV / "msc-2022" / "studies.jsonl")
    full = json.loads((CTGOV / "full-records" / "studies.json").read_text(encoding="utf-8"))
    records += full if isinstance(full, list) else full["studies"]
    assert len(records) == 2600
    assert [r for r in records if refusal(r)] == []


def _break(record: dict, path: str, value: object) -> dict:
    *parents, last = path.split(".")
    node = record
    for key in parents:
        node = node[int(key)] if isinstance(node, list) else node.setdefault(key, {})
    if isinstance(node, list):
        node[int(last)] = value
    else:
        node[last] = value
    return record


@pytest.mark.parametrize("path, value, reason", [
    ("protocolSection.statusModule", 1.5, "protocolSection.statusModule is a number, not an object"),
    ("protocolSection.armsInterventionsModule", [{}],
     "protocolSection.armsInterventionsModule is a list, not an object"),
    ("protocolSection.armsInterventionsModule.interventions", [{"name": ["a"]}],
     "protocolSection.armsInterventionsModule.interventions[0].name is a list, not text"),
    ("protocolSection.designModule.enrollmentInfo.count", float("nan"),
     "protocolSection.designModule.enrollmentInfo.count is a number, not a whole number"),
    ("protocolSection.designModule.enrollmentInfo.count", "40", "is the text '40', not a whole number"),
    ("protocolSection.designModule.enrollmentInfo.count", 10**400,  # math.isfinite raised on it
     "protocolSection.designModule.enrollmentInfo.count is a number too large for any field"),
    ("protocolSection.contactsLocationsModule.locations.0.geoPoint", {"lat": 10**400, "lon": 2},
     "locations[0].geoPoint.lat is a number too large for any field"),
    ("protocolSection.statusModule.lastUpdatePostDateStruct.date", "zzzz",
     "lastUpdatePostDateStruct.date is the text 'zzzz', not a date (yyyy-MM-dd)"),
    ("protocolSection.statusModule.startDateStruct.date", "2019-13",
     "startDateStruct.date is the text '2019-13', not a date (yyyy, yyyy-MM or yyyy-MM-dd)"),
    ("protocolSection.contactsLocationsModule.locations.0.geoPoint", {"lat": "north", "lon": 2},
     "locations[0].geoPoint.lat is the text 'north', not a number"),
    ("protocolSection.eligibilityModule.healthyVolunteers", "no",
     "healthyVolunteers is the text 'no', not true or false"),
    ("hasResults", 1, "hasResults is a number, not true or false"),
    ("protocolSection.conditionsModule.conditions", "Multiple Sclerosis",
     "conditions is the text 'Multiple Sclerosis', not a list"),
])
def test_a_field_of_the_wrong_type_refuses_the_record_and_says_where(real, path, value, reason):
    study_id = real["protocolSection"]["identificationModule"]["nctId"]
    found = refusal(_break(real, path, value))
    assert found is not None and found.startswith(f"{study_id}: ") and found.endswith(reason)


def test_new_fields_new_enum_values_and_nulls_are_not_refused(real):
    # The API adds fields and enum values between spec versions; null is an absent value.
    _break(real, "protocolSection.statusModule.overallStatus", "PAUSED_FOR_REVIEW")
    _break(real, "protocolSection.statusModule.someFieldAddedLater", {"any": ["thing"]})
    _break(real, "protocolSection.descriptionModule", None)
    _break(real, "protocolSection.designModule.phases", ["PHASE5"])
    assert refusal(real) is None


def test_a_long_bad_value_is_named_by_kind_not_quoted():
    record = {"protocolSection": {"identificationModule": {"nctId": "NCT00000001"},
                                  "designModule": {"enrollmentInfo": {"count": "9" * 10_000}}}}
    assert refusal(record) == ("NCT00000001: protocolSection.designModule.enrollmentInfo.count is text, "
                               "not a whole number")
