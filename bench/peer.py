"""Our cold listing of all MS studies next to a public PyPI client's, against the same stand-in.

Run: ``python bench/peer.py [--runs 5] [--scale 1]``.

The peer is pytrials (PyPI ``pytrials`` 1.0.0), the Python client that shared/ctgov/API.md
reviews. It has no base-URL option, but its URL is a class constant (``ClinicalTrials._BASE_URL``)
that can be pointed at the stand-in. It sends one request with ``pageSize`` <= 1000 and never
pages, so it cannot list all MS studies; a plain httpx loop doing what API guides show (every
field, 1,000 a page, follow ``nextPageToken``) stands in for a client that can. Install the peer
for this benchmark only (``pip install pytrials``); without it, the script says so and compares
with the httpx loop alone.

Each run is a fresh process (a cold client: no open connection, nothing cached); requests and
bytes come from the stand-in's log.
"""

from __future__ import annotations

import argparse
import importlib.util
from collections.abc import Callable

from common import (
    duration,
    fast_client,
    in_fresh_process,
    load_ms_studies,
    median,
    naive_listing,
    print_header,
    print_table,
    refresh_into,
    scaled,
    temp_dir,
    timed,
    traffic,
)

from tests.support.standin import StandIn
from trials.registries.ctgov.plan import LIST_FIELDS, MS_QUERY

PEER = "pytrials"


def ours_listing(url: str) -> int:
    """The listing pass of our refresh: the same query, only the fields the pre-filter reads."""
    with fast_client(url) as api:
        return sum(len(page.studies) for page in api.iter_pages(MS_QUERY, LIST_FIELDS))


def ours_refresh(url: str) -> int:
    """What the product really does cold: /version, the listing, full records for candidates, the store."""
    with temp_dir() as folder:
        return refresh_into(folder, url).listed


def pytrials_documented(url: str) -> int:
    """pytrials as its README shows it, in JSON (the stand-in serves no CSV), at its maximum size."""
    from pytrials.client import ClinicalTrials

    ClinicalTrials._BASE_URL = f"{url}/"  # no option for it; the constant is the only way in
    client = ClinicalTrials()  # asks /version
    found = client.get_full_studies(search_expr="multiple sclerosis", max_studies=1000, fmt="json")
    return len(found["studies"])


# (name, what it asks for, function)
CLIENTS: tuple[tuple[str, str, Callable[[str], int]], ...] = (
    ("ours: listing pass", f"{len(LIST_FIELDS)} fields, paged to the end", ours_listing),
    ("ours: whole cold refresh", "listing + full records of candidates + store", ours_refresh),
    ("pytrials 1.0.0", "all fields, one request, pageSize=1000", pytrials_documented),
    ("plain httpx loop", "all fields, paged to the end", naive_listing),
)


def timed_run(client: Callable[[str], int], url: str) -> tuple[float, int]:
    return timed(client, url)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="runs per client, each in a fresh process (default 5)")
    parser.add_argument("--scale", type=int, default=1, help="copies of the MS records (default 1)")
    args = parser.parse_args()
    print_header(f"Cold listing of all MS studies ({args.scale}x), ours next to a public client")

    clients = CLIENTS
    if importlib.util.find_spec(PEER) is None:
        print(f"\n{PEER} is not installed (pip install {PEER}, for this benchmark only): "
              "comparing with the plain httpx loop alone.")
        clients = tuple(c for c in CLIENTS if c[2] is not pytrials_documented)

    rows = []
    with StandIn(scaled(load_ms_studies(), args.scale)) as server:
        total = len(server.studies)
        baseline = None
        for name, asks, client in clients:
            mark = len(server.requests)
            runs = [in_fresh_process(timed_run, client, server.url) for _ in range(args.runs)]
            used = traffic(server, mark)
            seconds = median([s for s, _ in runs])
            received = runs[0][1]
            baseline = baseline or (seconds, used.bytes / args.runs)
            rows.append([
                name, asks, duration(seconds), f"{seconds / baseline[0]:.1f}x", used.requests // args.runs,
                f"{used.bytes // args.runs:,}", f"{used.bytes / args.runs / baseline[1]:.1f}x",
                f"{used.bytes / args.runs / received:,.0f}",
                f"{received:,} of {total:,}" + ("" if received == total else "  INCOMPLETE"),
            ])

    print_table(
        f"Median of {args.runs} cold runs per client; requests and bytes per run",
        ["client", "asks for", "wall", "vs ours", "requests", "bytes", "vs ours", "bytes/study",
         "MS studies received"],
        rows,
    )
    print("\n'vs ours' compares with our listing pass. pytrials searches with query.term (it has no "
          "query.cond); the stand-in applies neither, so both get the same set here, while the live "
          "API's query.term also matches studies that only mention MS. pytrials' own default is CSV; "
          "the stand-in serves JSON only. Bytes are uncompressed bodies.")


if __name__ == "__main__":
    main()
