"""Warm start (store -> classified, filtered table), filter latency and peak memory, at 1x-100x.

Run: ``python bench/warm_start.py [--scales 1 10 100] [--runs 5] [--filter-repeats 7]``.

Each scale's store is built once by a real refresh against the stand-in. Every timing and every
memory figure is then taken in a fresh interpreter (spawned), so each warm start is cold in
Python terms and each peak RSS belongs to one measurement. Imports (pandas, ~0.5 s) are not
in the warm-start time: the page pays them once per server, and bench/page.py measures that.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import pandas as pd
from common import (
    duration,
    in_fresh_process,
    load_ms_studies,
    median,
    peak_rss_mb,
    print_header,
    print_table,
    refresh_into,
    scaled,
    temp_dir,
    timed,
    verdict,
)

import trials
from tests.support.standin import StandIn
from trials.analysis import filters as table_filters


def filters_of(**values: object) -> trials.Filters:
    """``trials.Filters`` with only the named filters on. Not the page's default, which keeps
    only studies that give the therapy: these figures filter the whole table, as before."""
    return trials.Filters(**{"gives_therapy": False, **values})


def apply(table: pd.DataFrame, filters: trials.Filters) -> pd.DataFrame:
    return table_filters.apply(table, filters.values())


def load(folder: Path) -> trials.Snapshot:
    return trials.load(trials.Settings(cache_dir=folder))


TYPICAL = filters_of(therapies=("HSCT",), statuses=("Recruiting now",))
# One visitor's session on the page: each step changes one filter, and the page filters the
# whole table again.
FILTER_CHANGES = (
    ("therapy: HSCT", filters_of(therapies=("HSCT",))),
    ("+ status: Recruiting now", TYPICAL),
    ("+ phase: 2", filters_of(therapies=("HSCT",), statuses=("Recruiting now",), phases=("PHASE2",))),
    ("therapy: MSC instead", filters_of(therapies=("MSC",), statuses=("Recruiting now",), phases=("PHASE2",))),
    ("clear all", filters_of()),
    ("status: Completed", filters_of(statuses=("Completed",))),
    ("country: Spain", filters_of(countries=("Spain",))),
    ("countries: + Italy, Sweden", filters_of(countries=("Spain", "Italy", "Sweden"))),
    ("text: intrathecal", filters_of(text="intrathecal")),
    ("text: autologous transplant", filters_of(text="autologous transplant")),
    ("text + therapy MSC", filters_of(therapies=("MSC",), text="intrathecal")),
)
WARM_TARGET_S = 0.3
FILTER_TARGET_S = 0.050
MEMORY_TARGET_MB = 500


# -- what runs in the fresh processes ----------------------------------------------------------

def build_store(folder: Path, url: str) -> dict:
    before = peak_rss_mb()  # interpreter and imports
    cpu = time.process_time()
    seconds, result = timed(refresh_into, folder, url)
    return {"seconds": seconds, "client_cpu": time.process_time() - cpu, "studies": result.listed,
            "base_mb": before, "peak_mb": peak_rss_mb()}


def _load_and_filter(folder: Path) -> tuple[trials.Snapshot, pd.DataFrame]:
    snapshot = load(folder)
    return snapshot, apply(snapshot.table, TYPICAL)


def warm_start(folder: Path) -> dict:
    before = peak_rss_mb()  # interpreter and imports
    seconds, (snapshot, view) = timed(_load_and_filter, folder)
    return {"seconds": seconds, "rows": len(snapshot.table), "shown": len(view),
            "base_mb": before, "peak_mb": peak_rss_mb()}


def filter_latency(folder: Path, repeats: int) -> list[tuple[str, float, int]]:
    """(change, median seconds, rows shown) for each step of FILTER_CHANGES."""
    table = load(folder).table
    results = []
    for name, filters in FILTER_CHANGES:
        times = [timed(apply, table, filters)[0] for _ in range(repeats)]
        results.append((name, median(times), len(apply(table, filters))))
    return results


# -- the report ----------------------------------------------------------------------------------

def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scales", type=int, nargs="+", default=[1, 10, 100],
                        help="corpus sizes as copies of the MS records (default 1 10 100)")
    parser.add_argument("--runs", type=int, default=5, help="warm starts per scale (default 5)")
    parser.add_argument("--filter-repeats", type=int, default=7,
                        help="timings of each filter change, at the largest scale (default 7)")
    args = parser.parse_args()
    scales = sorted(set(args.scales))
    print_header(f"Warm start, filter latency and memory at {', '.join(f'{s}x' for s in scales)}")

    base = load_ms_studies()
    builds, starts = {}, {}
    with temp_dir() as root:
        for scale in scales:
            folder = root / f"{scale}x"
            with StandIn(scaled(base, scale)) as server:
                builds[scale] = in_fresh_process(build_store, folder, server.url)
            starts[scale] = [in_fresh_process(warm_start, folder) for _ in range(args.runs)]
            print(f"  {scale}x: store built, {args.runs} warm starts done", flush=True)
        largest = scales[-1]
        latency = in_fresh_process(filter_latency, root / f"{largest}x", args.filter_repeats)

    report_warm_start(scales, builds, starts, args.runs)
    report_filters(largest, latency, starts[largest][0]["rows"])
    report_memory(largest, builds[largest], starts[largest])


def report_warm_start(scales: list[int], builds: dict, starts: dict, runs: int) -> None:
    smallest = scales[0]
    base = median([r["seconds"] for r in starts[smallest]])
    rows = []
    for scale in scales:
        seconds = [r["seconds"] for r in starts[scale]]
        rows.append([
            f"{scale}x", f"{builds[scale]['studies']:,}", f"{starts[scale][0]['rows']:,}",
            duration(median(seconds)), f"{duration(min(seconds))} - {duration(max(seconds))}",
            f"{median(seconds) / base:.1f}x",
            duration(builds[scale]["seconds"]), duration(builds[scale]["client_cpu"]),
        ])
    print_table(
        f"Warm start: trials.load + filters.apply(HSCT, Recruiting now), median of {runs} fresh processes",
        ["scale", "MS studies", "table rows", "median", "range", f"vs {smallest}x", "refresh (build)",
         "its client CPU"],
        rows,
    )
    per_copy = starts[smallest][0]["rows"] // smallest
    print(f"Table rows are the stored MS stem-cell studies ({per_copy} per copy of the records), so the "
          "table grows with those, not with all MS studies. The refresh time includes the stand-in's "
          "own work (it scans every study for each filter.ids request); 'client CPU' is the refresh "
          "process alone.")
    print_table("Target", ["what", "target", "measured", "verdict"],
                [[f"warm start at {smallest}x", f"< {duration(WARM_TARGET_S)}", duration(base),
                  verdict(base < WARM_TARGET_S)]])


def report_filters(scale: int, latency: list[tuple[str, float, int]], rows: int) -> None:
    print_table(
        f"Filter changes on the {scale}x table ({rows:,} rows): filters.apply, median per change",
        ["change", "time", "rows shown", f"< {duration(FILTER_TARGET_S)}"],
        [[name, duration(seconds), f"{shown:,}", verdict(seconds < FILTER_TARGET_S)]
         for name, seconds, shown in latency],
    )
    overall = median([seconds for _, seconds, _ in latency])
    worst = max(latency, key=lambda item: item[1])
    print(f"Median over the {len(latency)} changes: {duration(overall)} "
          f"(target < {duration(FILTER_TARGET_S)}: {verdict(overall < FILTER_TARGET_S)}); "
          f"slowest: {worst[0]}, {duration(worst[1])}.")


def report_memory(scale: int, build: dict, starts: list[dict]) -> None:
    warm_peak = max(r["peak_mb"] for r in starts)
    print_table(
        f"Peak memory at {scale}x (VmHWM of a fresh process per measurement)",
        ["measurement", "before work", "peak", f"< {MEMORY_TARGET_MB} MB"],
        [
            ["refresh (cold, into an empty store)", f"{build['base_mb']:.0f} MB", f"{build['peak_mb']:.0f} MB",
             verdict(build["peak_mb"] < MEMORY_TARGET_MB)],
            ["warm start (load + filter)", f"{median([r['base_mb'] for r in starts]):.0f} MB",
             f"{warm_peak:.0f} MB", verdict(warm_peak < MEMORY_TARGET_MB)],
        ],
    )
    print("Peak RSS, whole process: interpreter, imports and SQLite's own memory included (tracemalloc "
          "would miss SQLite's C allocations). The stand-in runs in the parent process, so it is not counted.")


if __name__ == "__main__":
    main()
