"""The local ClinicalTrials.gov stand-in, exercised over real HTTP with httpx."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest

from .support.standin import LoggedRequest, StandIn, load_corpus

pytestmark = pytest.mark.slow  # every test starts an HTTP server

from .conftest import FULL_RECORDS, MS_2025, MSC_2022


def tiny_study(study_id: str, status: str = "RECRUITING", updated: str = "2024-01-15", **identification: Any) -> dict:
    """A small study with the shape of NCT00000147 in ms-2025-09 (sparse, dates without type)."""
    return {
        "protocolSection": {
            "identificationModule": {"nctId": study_id, "briefTitle": f"Study {study_id}", **identification},
            "statusModule": {"overallStatus": status, "lastUpdatePostDateStruct": {"date": updated}},
            "conditionsModule": {"conditions": ["Multiple Sclerosis"]},
            "armsInterventionsModule": {
                "interventions": [
                    {"type": "BIOLOGICAL", "name": "Autologous HSCT", "description": "Stem cells"},
                    {"type": "DRUG", "name": "Best available therapy"},
                ]
            },
        },
        "hasResults": False,
    }


TINY = [
    tiny_study("NCT00000001", updated="2020-05-01"),
    tiny_study("NCT00000002", status="COMPLETED", updated="2023-11-30"),
    tiny_study("NCT00000003", updated="2025-09"),
    tiny_study("NCT00000004", status="UNKNOWN", updated="2019-02-28", nctIdAliases=["NCT00000099"]),
]


@contextmanager
def serving(studies: list[dict]) -> Iterator[tuple[StandIn, httpx.Client]]:
    with StandIn(studies) as standin, httpx.Client(base_url=standin.url, timeout=5) as client:
        yield standin, client


def corpus_or_skip(*paths: Path) -> list[dict]:
    missing = [str(path) for path in paths if not path.exists()]
    if missing:
        pytest.skip(f"recorded studies not found ({', '.join(missing)}): shared/ctgov is not next to the repo")
    return load_corpus(*paths)


@pytest.fixture(scope="module")
def ms_studies() -> list[dict]:
    return corpus_or_skip(MS_2025)


def study_ids(studies: list[dict]) -> list[str]:
    return [study["protocolSection"]["identificationModule"]["nctId"] for study in studies]


def walk(client: httpx.Client, **params: Any) -> list[list[dict]]:
    """Every page of one listing, following tokens until there is none."""
    pages = []
    while True:
        response = client.get("/studies", params=params)
        assert response.status_code == 200, response.text
        body = response.json()
        pages.append(body["studies"])
        if "nextPageToken" not in body:
            return pages
        params["pageToken"] = body["nextPageToken"]


# --- tests on tiny inline studies (need no shared/) -------------------------------------------


def test_exactly_full_last_page_is_followed_by_an_empty_page() -> None:
    with serving(TINY) as (_, client):
        pages = walk(client, pageSize=2, fields="NCTId")
    assert [len(page) for page in pages] == [2, 2, 0]


def test_fields_projection_keeps_nested_shape_and_list_items() -> None:
    with serving(TINY) as (_, client):
        study = client.get("/studies/NCT00000001", params={"fields": "NCTId|InterventionDescription"}).json()
    assert study == {
        "protocolSection": {
            "identificationModule": {"nctId": "NCT00000001"},
            "armsInterventionsModule": {"interventions": [{"description": "Stem cells"}]},
        }
    }


def test_unknown_parameter_and_bad_values_are_400_text_plain() -> None:
    with serving(TINY) as (_, client):
        unknown = client.get("/studies", params={"filter.phase": "PHASE2"})
        status = client.get("/studies", params={"filter.overallStatus": "RECRUITING|Recruiting"})
        advanced = client.get("/studies", params={"filter.advanced": "AREA[Phase]PHASE2"})
    assert unknown.status_code == 400
    assert unknown.headers["content-type"].startswith("text/plain")
    assert unknown.text == "`filter.phase` is unknown parameter"
    assert (status.status_code, status.text) == (400, "Invalid value in parameter `overallStatus`: `Recruiting`")
    assert advanced.status_code == 400 and advanced.text.startswith("Error parsing query")


def test_filters_and_sort_apply_to_the_corpus() -> None:
    with serving(TINY) as (_, client):
        recruiting = client.get("/studies", params={"filter.overallStatus": "RECRUITING,UNKNOWN"}).json()
        by_alias = client.get("/studies", params={"filter.ids": "nct99"}).json()
        newest = client.get("/studies", params={"sort": "LastUpdatePostDate:desc", "fields": "NCTId"}).json()
    assert study_ids(recruiting["studies"]) == ["NCT00000001", "NCT00000003", "NCT00000004"]
    assert study_ids(by_alias["studies"]) == ["NCT00000004"]
    assert study_ids(newest["studies"]) == ["NCT00000003", "NCT00000002", "NCT00000001", "NCT00000004"]


def test_fail_next_then_normal_answers() -> None:
    with serving(TINY) as (standin, client):
        standin.fail_next(503, count=2)
        standin.fail_next(429, headers={"Retry-After": "3"})
        standin.fail_next(200, body="<html>maintenance</html>", content_type="text/html")
        answers = [client.get("/version") for _ in range(5)]
    assert [answer.status_code for answer in answers] == [503, 503, 429, 200, 200]
    assert answers[2].headers["retry-after"] == "3"
    assert answers[3].headers["content-type"] == "text/html"
    assert answers[4].json() == {"apiVersion": "2.0.5", "dataTimestamp": "2025-09-25T00:00:00"}


def test_request_log_counts_requests_and_body_bytes() -> None:
    with serving(TINY) as (standin, client):
        listing = client.get("/studies", params={"pageSize": "3"})
        missing = client.get("/studies/NCT12345678")
        standin.data_timestamp = "2025-10-01T00:00:00"
        version = client.get("/version")
    assert standin.requests == [
        LoggedRequest("GET", "/api/v2/studies", {"pageSize": "3"}, 200, len(listing.content)),
        LoggedRequest("GET", "/api/v2/studies/NCT12345678", {}, 404, len(missing.content)),
        LoggedRequest("GET", "/api/v2/version", {}, 200, len(version.content)),
    ]
    assert version.json()["dataTimestamp"] == "2025-10-01T00:00:00"


def test_fetch_study_answers_200_301_400_404() -> None:
    with serving(TINY) as (standin, client):
        found = client.get("/studies/nct1")
        alias = client.get("/studies/NCT00000099", params={"fields": "NCTId"})
        malformed = client.get("/studies/NCT-1")
        unknown = client.get("/studies/NCT87654321")
        no_endpoint = client.get("/stats/size")
    assert found.status_code == 200 and found.headers["content-type"] == "application/json"
    assert found.json() == TINY[0]
    assert alias.status_code == 301
    assert alias.headers["location"] == f"{standin.url}/studies/NCT00000004?fields=NCTId"
    assert malformed.status_code == 400 and "incorrect format" in malformed.text
    assert unknown.status_code == 404 and unknown.headers["content-type"].startswith("text/plain")
    assert no_endpoint.status_code == 404


def test_load_corpus_later_files_win_and_result_is_sorted(tmp_path: Path) -> None:
    older, newer = tiny_study("NCT00000002", status="RECRUITING"), tiny_study("NCT00000002", status="COMPLETED")
    (tmp_path / "a.jsonl").write_text(
        "\n".join(json.dumps(s) for s in (older, tiny_study("NCT00000001"))) + "\n", encoding="utf-8"
    )
    (tmp_path / "b.json").write_text(json.dumps([newer]), encoding="utf-8")
    studies = load_corpus(tmp_path / "a.jsonl", tmp_path / "b.json")
    assert study_ids(studies) == ["NCT00000001", "NCT00000002"]
    assert studies[1] == newer


# --- tests on the recorded corpora in shared/ctgov ------------------------------------------


def test_paging_with_default_page_size_walks_the_whole_corpus(ms_studies: list[dict]) -> None:
    with serving(ms_studies) as (_, client):
        pages = walk(client, fields="NCTId")
    assert all(len(page) == 10 for page in pages[:-1]) and len(pages[-1]) == len(ms_studies) % 10
    assert study_ids([study for page in pages for study in page]) == study_ids(ms_studies)


def test_paging_with_1000_and_oversized_page_size(ms_studies: list[dict]) -> None:
    with serving(ms_studies) as (standin, client):
        pages = walk(client, pageSize=5000, fields="NCTId|OverallStatus")
    assert [len(page) for page in pages] == [1000, 1000, len(ms_studies) - 2000]
    assert len(standin.requests) == 3


def test_exactly_full_last_page_on_recorded_studies(ms_studies: list[dict]) -> None:
    with serving(ms_studies[:2000]) as (_, client):
        pages = walk(client, pageSize=1000, fields="NCTId")
    assert [len(page) for page in pages] == [1000, 1000, 0]


def test_total_count_only_on_first_page(ms_studies: list[dict]) -> None:
    with serving(ms_studies) as (_, client):
        first = client.get("/studies", params={"countTotal": "true", "pageSize": 1000}).json()
        second = client.get(
            "/studies", params={"countTotal": "true", "pageSize": 1000, "pageToken": first["nextPageToken"]}
        ).json()
        without = client.get("/studies").json()
    assert first["totalCount"] == len(ms_studies)
    assert "totalCount" not in second and len(second["studies"]) == 1000
    assert "totalCount" not in without


def test_later_page_with_changed_parameters_is_400(ms_studies: list[dict]) -> None:
    with serving(ms_studies) as (_, client):
        first = client.get("/studies", params={"query.cond": "multiple sclerosis", "fields": "NCTId"}).json()
        token = first["nextPageToken"]
        changed = client.get(
            "/studies", params={"query.cond": "multiple sclerosis", "fields": "NCTId|Phase", "pageToken": token}
        )
        resized = client.get(
            "/studies",
            params={"query.cond": "multiple sclerosis", "fields": "NCTId", "pageSize": 50, "pageToken": token},
        )
    assert changed.status_code == 400 and changed.headers["content-type"].startswith("text/plain")
    assert resized.status_code == 200
    assert study_ids(resized.json()["studies"]) == study_ids(ms_studies[10:60])


def test_fields_projection_on_recorded_studies(ms_studies: list[dict]) -> None:
    with serving(ms_studies) as (_, client):
        studies = client.get("/studies", params={"fields": "NCTId|Condition", "pageSize": 1000}).json()["studies"]
        invalid = client.get("/studies", params={"fields": "NCTId|StudyDesign"})
    for study in studies:
        assert set(study) == {"protocolSection"}
        assert set(study["protocolSection"]) <= {"identificationModule", "conditionsModule"}
        assert set(study["protocolSection"]["identificationModule"]) == {"nctId"}
    assert invalid.status_code == 400
    assert invalid.text == "Parameter 'fields' contains invalid field name: 'StudyDesign'"


def test_filter_ids_and_whole_batch_rejection(ms_studies: list[dict]) -> None:
    with serving(ms_studies) as (_, client):
        found = client.get("/studies", params={"filter.ids": "NCT04047628,nct3477500|NCT00273364"}).json()
        rejected = client.get("/studies", params={"filter.ids": "NCT04047628,NCT0404762X"})
    assert study_ids(found["studies"]) == ["NCT00273364", "NCT03477500", "NCT04047628"]
    assert rejected.status_code == 400 and "incorrect format" in rejected.text


def test_filter_advanced_last_update_range(ms_studies: list[dict]) -> None:
    def updated(study: dict) -> str:
        return study["protocolSection"]["statusModule"]["lastUpdatePostDateStruct"]["date"]

    expected = [s for s in ms_studies if "2025-01-01" <= updated(s) <= "2025-06-30"]
    with serving(ms_studies) as (_, client):
        body = client.get(
            "/studies",
            params={"filter.advanced": "AREA[LastUpdatePostDate]RANGE[2025-01-01,2025-06-30]",
                    "countTotal": "true", "pageSize": 1000, "fields": "NCTId"},
        ).json()
        since = client.get(
            "/studies", params={"filter.advanced": "AREA[LastUpdatePostDate]RANGE[2025-09-01,MAX]", "countTotal": "true"}
        ).json()
    assert body["totalCount"] == len(expected) > 0
    assert study_ids(body["studies"]) == study_ids(expected)
    assert since["totalCount"] == sum(updated(s) >= "2025-09-01" for s in ms_studies)


def test_fetch_recorded_study_and_alias(ms_studies: list[dict]) -> None:
    studies = corpus_or_skip(MS_2025, MSC_2022, FULL_RECORDS)
    with serving(studies) as (_, client):
        beat_ms = client.get("/studies/NCT04047628")
        alias = client.get("/studies/NCT05712863", follow_redirects=True)
    assert beat_ms.status_code == 200
    assert beat_ms.json() == next(s for s in ms_studies if study_ids([s]) == ["NCT04047628"])
    assert alias.status_code == 200 and alias.history[0].status_code == 301
    assert alias.json()["protocolSection"]["identificationModule"]["nctId"] == "NCT03103880"


def test_metadata_lists_every_piece_name_at_its_json_path() -> None:
    from .support.standin import FIELD_PATHS

    with serving(TINY) as (_, client):
        response = client.get("/studies/metadata")
        assert response.status_code == 200
        tree = response.json()
        assert client.get("/studies/metadata", params={"bogus": "1"}).status_code == 400

    def walk(nodes, prefix=""):
        for node in nodes:
            path = f"{prefix}.{node['name']}" if prefix else node["name"]
            yield node["piece"], path
            yield from walk(node.get("children") or [], path)

    found = dict(walk(tree))
    for piece, path in FIELD_PATHS.items():
        assert found.get(piece) == path.replace("[]", ""), piece


def test_delay_holds_every_answer() -> None:
    with serving(TINY) as (standin, client):
        standin.delay = 0.3
        start = time.monotonic()
        assert client.get("/version").status_code == 200
        assert time.monotonic() - start >= 0.3
