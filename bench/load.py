"""Many visitors on day-old data: how many refreshes reach ClinicalTrials.gov?

For 1, 10 and 50 simultaneous page sessions (Streamlit's AppTest, each running the real
``app.py`` in its own thread of this one server process, released together), on a store
whose data is a day old while the stand-in has a newer ``dataTimestamp``. It counts the
``/version`` and listing requests the stand-in answered: one refresh is one ``/version``
and one listing request (incremental). It also prints how long the sessions took.

    python bench/load.py [--sessions 1 10 50] [--delay 0.5]

AppTest was not written for threads: it installs one global Runtime per run, so with
many sessions at once a few of them fail inside AppTest ("Runtime hasn't been
created!"). The script prints those separately; they say nothing about the page.

``--delay`` makes every stand-in answer slow, so that sessions arrive while the
refresh is still running (the case that used to start one refresh per visitor).
"""

from __future__ import annotations

import argparse
import os
import sqlite3
import sys
import threading
import time
from pathlib import Path

from common import REPO, load_ms_studies, median, print_header, print_table, refresh_into, temp_dir, traffic

from tests.support import standin

APP = str(REPO / "app.py")


def age_by_a_day(folder: Path) -> None:
    with sqlite3.connect(folder / "trials.sqlite3") as conn:
        # (A key the store no longer uses would age nothing: the test would lose its meaning.)
        aged = conn.execute("UPDATE meta SET value = '2025-09-20T00:00:00Z' WHERE key = 'ctgov:checked_at'")
        assert aged.rowcount == 1


def visit(results: list, barrier: threading.Barrier) -> None:
    from streamlit.testing.v1 import AppTest

    barrier.wait()
    start = time.perf_counter()
    try:
        at = AppTest.from_file(APP, default_timeout=300).run()
        error = at.exception[0].value if at.exception else None
        shown = len(at.dataframe[0].value) if at.dataframe else 0
    except Exception as exc:  # noqa: BLE001 - a failed session is a figure too
        error, shown = f"{exc.__class__.__name__}: {exc}", 0
    results.append((time.perf_counter() - start, error, shown))


def run(sessions: int, delay: float, studies: list[dict]) -> list:
    with temp_dir() as folder, standin.StandIn(studies) as api:
        refresh_into(folder, api.url)
        age_by_a_day(folder)
        api.data_timestamp = "2025-10-03T00:00:00"
        api.delay = delay
        since = len(api.requests)
        os.environ.update(TRIALS_API_URL=api.url, TRIALS_REGISTRIES="ctgov", TRIALS_CACHE_DIR=str(folder),
                          TRIALS_REQUEST_INTERVAL="0")
        results: list = []
        barrier = threading.Barrier(sessions)
        threads = [threading.Thread(target=visit, args=(results, barrier)) for _ in range(sessions)]
        start = time.perf_counter()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        wall = time.perf_counter() - start
        seen = traffic(api, since)
        times = [r[0] for r in results]
        errors = [r[1] for r in results if r[1]]
        for error in sorted(set(map(str, errors))):
            print(f"  {sessions} sessions: {errors.count(error)} x {error}")
        return [sessions, seen.version, seen.listing, seen.detail,
                "yes" if seen.version == 1 and seen.listing == 1 else "NO",
                f"{median(times):.2f} s", f"{max(times):.2f} s", f"{wall:.2f} s",
                len(errors), sum(r[2] > 0 for r in results)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sessions", type=int, nargs="+", default=[1, 10, 50])
    parser.add_argument("--delay", type=float, default=0.5,
                        help="seconds before every stand-in answer (default 0.5)")
    args = parser.parse_args()
    print_header("Page sessions on day-old data: refreshes that reach the API")
    studies = load_ms_studies()
    rows = [run(n, args.delay, studies) for n in args.sessions]
    print_table(
        f"AppTest sessions of app.py released together; stand-in answers after {args.delay} s",
        ["sessions", "/version", "listing", "detail", "one refresh", "session median",
         "session max", "wall", "AppTest errors", "sessions showing the table"],
        rows,
    )


if __name__ == "__main__":
    sys.exit(main())
