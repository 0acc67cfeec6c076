"""What the benchmark scripts share: the real MS records, scaled copies of them, the stand-in's
request log, a naive client to compare with, fresh processes to measure in, and table printing.

Everything runs against ``tests.support.standin`` on 127.0.0.1 with no pause between requests, and
every store lives in a temporary folder. The scripts print figures; none of them asserts one.
"""

from __future__ import annotations

import multiprocessing
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))  # the scripts run from a checkout, installed or not

from tests.support import standin  # noqa: E402
from tests.support.standin import shared_dir  # noqa: E402,F401 - for the scripts
from trials.config import Settings  # noqa: E402
from trials.registries.base import RefreshResult  # noqa: E402
from trials.registries.ctgov.api import Client  # noqa: E402
from trials.registries.ctgov.plan import MS_QUERY, refresh  # noqa: E402
from trials.store.sqlite import Store  # noqa: E402

SCALED_ID_DIGIT = "9"  # copies get NCT9kkiiiii: far above any real id, still ^NCT\d{8}$
MAX_COPIES = 100  # kk has two digits
MAX_STUDIES_PER_COPY = 100_000  # iiiii has five


# -- the data --------------------------------------------------------------------------------

def ms_corpus_path() -> Path:
    return standin.shared_dir() / "ctgov" / "ms-2025-09" / "studies.jsonl"


def load_ms_studies() -> list[dict]:
    """The 2,435 real MS records: the answer to ``query.cond=multiple sclerosis``."""
    path = ms_corpus_path()
    if not path.is_file():
        sys.exit(f"The MS records are not at {path}; set TRIALS_SHARED_DIR to the shared/ folder.")
    return standin.load_corpus(path)


def study_id(study: dict) -> str:
    return study["protocolSection"]["identificationModule"]["nctId"]


def with_status(study: dict, **status_module: Any) -> dict:
    """A copy of ``study`` with keys of its statusModule replaced; the rest is shared, not copied."""
    protocol = study["protocolSection"]
    return {**study, "protocolSection": {
        **protocol, "statusModule": {**protocol.get("statusModule", {}), **status_module}}}


def _renamed(study: dict, new_id: str) -> dict:
    protocol = study["protocolSection"]
    identification = {k: v for k, v in protocol["identificationModule"].items() if k != "nctIdAliases"}
    identification["nctId"] = new_id
    return {**study, "protocolSection": {**protocol, "identificationModule": identification}}


def scaled(studies: Sequence[dict], factor: int) -> list[dict]:
    """The records, then ``factor - 1`` copies of them under new unique NCT ids.

    Copies share everything but the id (aliases dropped so that no two studies claim one),
    so a 100x corpus costs little memory in the stand-in.
    """
    if not 1 <= factor <= MAX_COPIES or len(studies) > MAX_STUDIES_PER_COPY:
        raise ValueError(f"scale 1..{MAX_COPIES} of at most {MAX_STUDIES_PER_COPY} studies")
    copies = [
        _renamed(study, f"NCT{SCALED_ID_DIGIT}{copy:02d}{index:05d}")
        for copy in range(1, factor)
        for index, study in enumerate(studies)
    ]
    return [*studies, *copies]


# -- clients, stores, traffic ----------------------------------------------------------------

def fast_client(url: str) -> Client:
    """Our client with no pause between requests and no retry backoff: only the work is timed."""
    return Client(url, interval=0, backoff=0)


@contextmanager
def temp_dir() -> Iterator[Path]:
    folder = Path(tempfile.mkdtemp(prefix="trials-bench-"))
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def store_in(folder: Path) -> Store:
    return Store(Settings(cache_dir=folder).store_path)


def refresh_into(folder: Path, url: str) -> RefreshResult:
    with fast_client(url) as api:
        return refresh(store_in(folder), api)


@dataclass(frozen=True)
class Traffic:
    """What the stand-in answered: request counts by kind and body bytes sent."""

    version: int
    listing: int  # /studies of the MS listing (neither filter.ids nor query.lead)
    detail: int  # /studies with filter.ids
    sponsors: int  # /studies with query.lead: a clinic sponsor's other listings
    other: int
    bytes: int

    @property
    def requests(self) -> int:
        return self.version + self.listing + self.detail + self.sponsors + self.other


def traffic(server: standin.StandIn, since: int = 0) -> Traffic:
    """The stand-in's log from entry ``since`` on (take ``len(server.requests)`` before a run)."""
    log = server.requests[since:]
    studies = [r for r in log if r.path.endswith("/studies")]
    detail = sum("filter.ids" in r.query for r in studies)
    sponsors = sum("query.lead" in r.query for r in studies)
    version = sum(r.path.endswith("/version") for r in log)
    return Traffic(version, len(studies) - detail - sponsors, detail, sponsors,
                   len(log) - len(studies) - version, sum(r.bytes_sent for r in log))


def naive_listing(url: str) -> int:
    """What API guides show: every field, 1,000 a page, same query, follow nextPageToken to the end.

    Returns how many studies arrived.
    """
    params = {**MS_QUERY, "pageSize": "1000"}
    received = 0
    with httpx.Client(timeout=60) as http:
        while True:
            page = http.get(f"{url}/studies", params=params).raise_for_status().json()
            received += len(page["studies"])
            token = page.get("nextPageToken")
            if not token or not page["studies"]:
                return received
            params = {**MS_QUERY, "pageSize": "1000", "pageToken": token}


# -- measuring -------------------------------------------------------------------------------

def in_fresh_process(function: Callable[..., Any], *args: Any) -> Any:
    """``function(*args)`` in a new interpreter, for cold timings and a peak RSS of its own.

    ``function`` must live at module level of an importable module or the main script.
    """
    spawn = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=1, mp_context=spawn) as pool:
        return pool.submit(function, *args).result()


def peak_rss_mb() -> float:
    """Peak resident memory of this process since it started: VmHWM, in MB (Linux only).

    Not ru_maxrss: Linux folds the parent's peak into it across fork + exec, so a child
    spawned by a benchmark holding a 100x corpus would report the parent's size (and so would
    RUSAGE_CHILDREN in the parent). VmHWM belongs to the child's own address space.
    """
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024  # kB
    raise RuntimeError("no VmHWM in /proc/self/status: peak memory is measured on Linux only")


def timed(function: Callable[..., Any], *args: Any) -> tuple[float, Any]:
    start = time.perf_counter()
    result = function(*args)
    return time.perf_counter() - start, result


def median(values: Sequence[float]) -> float:
    return statistics.median(values)


def verdict(met: bool) -> str:
    return "met" if met else "MISSED"


def duration(seconds: float) -> str:
    return f"{seconds * 1000:,.0f} ms" if seconds < 10 else f"{seconds:,.1f} s"


# -- printing --------------------------------------------------------------------------------

def print_table(title: str, headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
    """A plain-text table: first column left-aligned, the rest right-aligned."""
    cells = [[str(h) for h in headers]] + [[str(c) for c in row] for row in rows]
    widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]

    def line(row: list[str]) -> str:
        return "  ".join(c.ljust(w) if i == 0 else c.rjust(w)
                         for i, (c, w) in enumerate(zip(row, widths, strict=True)))

    print(f"\n{title}")
    print(line(cells[0]))
    print("  ".join("-" * w for w in widths))
    for row in cells[1:]:
        print(line(row))


def machine() -> str:
    """The machine the figures come from, in one line, for RESULTS.md."""
    memory = subprocess.run(["free", "-h"], capture_output=True, text=True).stdout.split("\n")[1].split()
    return (f"nproc {len(os.sched_getaffinity(0))}, memory {memory[1]} "
            f"total / {memory[-1]} available, Python {platform.python_version()}, "
            f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC")


def print_header(what: str) -> None:
    print(what)
    print(f"Machine: {machine()}")
