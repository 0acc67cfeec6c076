"""How frugal a refresh is with the API: requests and bytes, cold, unchanged and after a small change.

Run: ``python bench/api_traffic.py [--scale N] [--changed-percent P]``. Counts come from the
stand-in's own log (response bodies, uncompressed), so every client is measured the same way.
They are deterministic: one run of each scenario is enough.
"""

from __future__ import annotations

import argparse
import math
from datetime import date, timedelta

from common import (
    Traffic,
    load_ms_studies,
    naive_listing,
    study_id,
    print_header,
    print_table,
    refresh_into,
    scaled,
    temp_dir,
    traffic,
    verdict,
    with_status,
)

from tests.support import standin
from tests.support.ctis_standin import CtisStandIn, load_records
from tests.support.isrctn_standin import IsrctnStandIn, load_trials
from tests.support.standin import StandIn, shared_dir
from trials.config import Settings
from trials.registries import ctis, isrctn
from trials.registries.base import RefreshResult
from trials.registries.ctgov import plan
from trials.store.sqlite import Store

REGISTRIES = shared_dir() / "registries"
# How many MS trials each register held when last counted (the recorded sources): CTIS 126
# (gregory-ai's live capture, 2026-07-18); ISRCTN is not counted in any recorded source, so the
# benchmark assumes as many as CTIS. The built stem-cell cases are kept; the rest are copies
# of a real MS record that is no stem-cell trial, which is what most MS trials are.
MS_TRIALS = {"ISRCTN": 126, "EU CTIS": 126}


def last_update(study: dict) -> str:
    return study["protocolSection"].get("statusModule", {}).get("lastUpdatePostDateStruct", {}).get("date", "")


def changed_status(study: dict) -> str:
    status = study["protocolSection"].get("statusModule", {}).get("overallStatus")
    return "ACTIVE_NOT_RECRUITING" if status == "RECRUITING" else "RECRUITING"


def newest_update(studies: list[dict]) -> str:
    return max(filter(None, map(last_update, studies)))


def with_changes(studies: list[dict], percent: float, on: str) -> tuple[list[dict], set[str]]:
    """The corpus with ``percent`` of its studies, spread evenly, updated ``on`` that date: new
    status, new lastUpdatePostDate. Returns the new corpus and the changed ids."""
    count = max(1, round(len(studies) * percent / 100))
    chosen = {i * len(studies) // count for i in range(count)}
    changed = [
        with_status(study, overallStatus=changed_status(study), lastUpdatePostDateStruct={"date": on})
        if i in chosen else study
        for i, study in enumerate(studies)
    ]
    return changed, {study_id(studies[i]) for i in chosen}


def traffic_row(name: str, used: Traffic, studies: int | str) -> list:
    return [name, used.version, used.listing, used.detail, used.sponsors, used.requests, f"{used.bytes:,}", studies]


def references_cost() -> None:
    """Issue 19 asks the detail pass for ReferencesModule. The 2025 MS records carry no
    references, so the 2022 MSC records (which do, as the API sends them) stand in for the
    candidates' full records: one cold refresh with the module and one without, side by side."""
    studies = {study_id(s): s for s in load_ms_studies()}
    studies.update((study_id(s), s) for s in standin.load_corpus(shared_dir() / "ctgov" / "msc-2022" / "studies.jsonl"))
    rows = []
    for name, fields in (("without ReferencesModule", tuple(f for f in plan.DETAIL_FIELDS if f != "ReferencesModule")),
                         ("with ReferencesModule (now)", plan.DETAIL_FIELDS)):
        original, plan.DETAIL_FIELDS = plan.DETAIL_FIELDS, fields
        try:
            with StandIn(list(studies.values())) as server, temp_dir() as folder:
                cold = refresh_into(folder, server.url)
                used = traffic(server)
        finally:
            plan.DETAIL_FIELDS = original
        detail_bytes = sum(r.bytes_sent for r in server.requests if "filter.ids" in r.query)
        rows.append([name, used.requests, f"{detail_bytes:,}", f"{used.bytes:,}", cold.detailed])
    print_table("What the references cost: cold refresh, MS records with the 2022 MSC records' full versions",
                ["detail fields", "requests", "detail bytes", "all bytes", "candidates"], rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=int, default=1, help="copies of the MS records (1-100; default 1)")
    parser.add_argument("--changed-percent", type=float, default=1.0,
                        help="share of studies changed upstream before the incremental refresh (default 1)")
    args = parser.parse_args()

    print_header(f"API traffic of a refresh, {args.scale}x the real MS records, against the local stand-in")
    studies = scaled(load_ms_studies(), args.scale)
    n = len(studies)
    with StandIn(studies) as server, temp_dir() as folder:
        cold: RefreshResult = refresh_into(folder, server.url)
        cold_traffic = traffic(server)

        mark = len(server.requests)
        naive_studies = naive_listing(server.url)
        naive = traffic(server, mark)

        mark = len(server.requests)
        unchanged = refresh_into(folder, server.url)
        repeat = traffic(server, mark)

        since = newest_update(studies)  # the store's newest: where the incremental listing starts
        next_day = (date.fromisoformat(since) + timedelta(days=1)).isoformat()
        server.studies, changed_ids = with_changes(studies, args.changed_percent, next_day)
        server.data_timestamp = f"{next_day}T00:00:00"
        boundary = sum(last_update(s) == since for s in studies if study_id(s) not in changed_ids)
        mark = len(server.requests)
        incremental = refresh_into(folder, server.url)
        update = traffic(server, mark)

    print_table(
        f"Requests and response bytes ({n:,} MS studies; {cold.detailed} stem-cell candidates)",
        ["scenario", "/version", "listing", "detail", "sponsors", "requests", "bytes", "studies travelled"],
        [
            traffic_row("cold refresh (ours)", cold_traffic, f"{cold.listed:,} listed + {cold.detailed} full"),
            traffic_row("naive: all fields, paged", naive, f"{naive_studies:,} full"),
            traffic_row("repeat, nothing changed", repeat, 0),
            traffic_row(f"after {len(changed_ids)} changed ({args.changed_percent:g}%)", update,
                        f"{incremental.listed} listed + {incremental.detailed} full"),
        ],
    )

    list_target = math.ceil(n / 1000) + 1
    detail_target = math.ceil(cold.detailed / 100)
    print_table(
        "Targets",
        ["what", "target", "measured", "verdict"],
        [
            ["cold: listing requests", f"<= {list_target}", cold_traffic.listing,
             verdict(cold_traffic.listing <= list_target)],
            ["cold: detail requests (100 ids each)", f"<= {detail_target}", cold_traffic.detail,
             verdict(cold_traffic.detail <= detail_target)],
            ["sponsor lookups per refresh (query.lead)", f"<= {plan.SPONSOR_LOOKUPS_PER_REFRESH}",
             max(cold_traffic.sponsors, update.sponsors),
             verdict(max(cold_traffic.sponsors, update.sponsors) <= plan.SPONSOR_LOOKUPS_PER_REFRESH)],
            ["cold: bytes per MS study", "-", f"{cold_traffic.bytes / n:,.0f}", "-"],
            ["naive / ours, bytes", "-", f"{naive.bytes / cold_traffic.bytes:.1f}x", "-"],
            ["repeat, nothing changed: requests", "1 (/version)", repeat.requests,
             verdict(repeat.requests == 1 and unchanged.mode == "unchanged")],
            ["changed: studies listed", f"{len(changed_ids)} changed + {boundary} on the boundary date",
             incremental.listed, verdict(incremental.listed == len(changed_ids) + boundary)],
            ["changed: status changes recorded", len(changed_ids), incremental.status_changes,
             verdict(incremental.status_changes == len(changed_ids))],
        ],
    )
    print(f"\nThe incremental listing asks for RANGE[{since},MAX]: the range includes its lower bound, so the "
          f"{boundary} unchanged studies last updated on {since} travel again (slim records only; the "
          f"store skips their detail). Full records travelled for {incremental.detailed} changed "
          "stem-cell candidate(s).")
    print("Bytes are uncompressed response bodies; the live API sends gzip, which shrinks both "
          "sides. These records are sparse (no descriptions or eligibility), so the naive client's "
          "real-world bytes are larger than here.")
    references_cost()
    other_registries()


def _isrctn_trials(count: int) -> list[str]:
    """The built ISRCTN MS cases, then copies of the built exercise trial (MS, no stem cells),
    each with its own number, up to ``count``."""
    built = load_trials(*sorted((REGISTRIES / "isrctn" / "ms").glob("*.xml")))
    exercise = next(t for t in built if "00000103" in t)
    copies = [exercise.replace("00000103", f"{90000000 + i:08d}") for i in range(count - len(built))]
    return built + copies


def _ctis_records(count: int) -> list[dict]:
    """The built CTIS MS cases and the real non-MS records, then copies of the real ocrelizumab
    search element (MS, no stem cells) with their own numbers, up to ``count`` MS trials."""
    folder = REGISTRIES / "ctis"
    built = load_records(*sorted((folder / "ms").glob("*.json")))
    ocrelizumab = load_records(folder / "search-data-element_2025-523726-40-00.json")[0]
    others = load_records(*sorted(folder.glob("retrieve-*.json")))
    ms = [r for r in built if r.get("ctNumber") != ocrelizumab["ctNumber"]]
    copies = [{**ocrelizumab, "ctNumber": f"2025-59{i:04d}-40-00"} for i in range(count - len(ms))]
    return ms + copies + others


def _one_registry(name: str, server: IsrctnStandIn | CtisStandIn, refresh, settings: Settings) -> list[list]:
    """Cold and repeat refresh of one registry into a fresh store, from the stand-in's log."""
    rows = []
    with temp_dir() as folder:
        store = Store(folder / "trials.sqlite3")
        for scenario in ("cold refresh", "repeat, nothing changed"):
            mark = len(server.requests)
            result = refresh(store, settings)
            log = server.requests[mark:]
            rows.append([name, scenario, len(log), f"{sum(r.bytes_sent for r in log):,}", result.listed,
                         result.detailed])
    return rows


def other_registries() -> None:
    """ISRCTN and EU CTIS beside ClinicalTrials.gov, in one run: requests and bytes of a cold
    and a repeat refresh of each registry's adapter against its stand-in."""
    rows = []
    with StandIn(load_ms_studies()) as server, temp_dir() as folder:
        for scenario in ("cold refresh", "repeat, nothing changed"):
            mark = len(server.requests)
            result = refresh_into(folder, server.url)
            used = traffic(server, mark)
            rows.append(["ClinicalTrials.gov", scenario, used.requests, f"{used.bytes:,}", result.listed,
                         result.detailed])
    with IsrctnStandIn(_isrctn_trials(MS_TRIALS["ISRCTN"])) as server:
        rows += _one_registry("ISRCTN", server, isrctn.REGISTRY.refresh,
                              Settings(urls=(("isrctn", server.url),), request_interval=0))
    with CtisStandIn(_ctis_records(MS_TRIALS["EU CTIS"])) as server:
        rows += _one_registry("EU CTIS", server, ctis.REGISTRY.refresh,
                              Settings(urls=(("ctis", server.url),), request_interval=0))
    print_table("Every registry, cold and repeat refresh, side by side (MS trials: ClinicalTrials.gov's real "
                f"records; ISRCTN and EU CTIS {MS_TRIALS['ISRCTN']} each, built and copied, see MS_TRIALS)",
                ["registry", "scenario", "requests", "bytes", "listed", "full records"], rows)
    print("ISRCTN sends whole records in its search answer (there is no field selection), so its cold "
          "refresh carries every MS trial in full in one answer; a repeat asks only for trials edited "
          "since (lastEdited), one request. CTIS lists by medical condition (100 a page) after proving "
          "the filter narrowed the register (one request), and fetches full records only for new or "
          f"changed stem-cell candidates; every refresh is capped at {ctis.plan.MAX_REQUESTS} requests.")


if __name__ == "__main__":
    main()
