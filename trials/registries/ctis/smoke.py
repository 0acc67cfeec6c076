"""``trials check`` for EU CTIS: a live smoke test run by a maintainer from a deployment host
(never by the tests, which run it against the stand-in).

It asks what a refresh asks, once each: the register's total, the first page of the multiple
sclerosis listing (which must be smaller: CTIS ignores criteria it does not know), and one
full record, which must read.
"""

from __future__ import annotations

from collections.abc import Callable

from ...config import Settings
from ...errors import ApiError
from ..base import Check, run_steps
from .api import Client
from .plan import MS_CRITERIA, MS_PLAUSIBLE_MAX, PAGE_SIZE, client
from .record import is_ct_number, raw_ct_number, read


def check(settings: Settings) -> list[Check]:
    """The checks against the configured API, one result per step."""
    with client(settings) as api:
        return run_checks(api)


def run_checks(api: Client) -> list[Check]:
    found: dict[str, int | str] = {}

    def register() -> str:
        found["register"] = api.search({}, 1, 1).total
        return f"{found['register']:,} trials in the whole register"

    def listing() -> str:
        page = api.search(MS_CRITERIA, 1, PAGE_SIZE)
        numbers = [n for n in map(raw_ct_number, page.records) if is_ct_number(n)]
        whole = found.get("register")
        if isinstance(whole, int) and (page.total >= whole or page.total > MS_PLAUSIBLE_MAX):
            raise ApiError(f"the filter was ignored: {page.total:,} trials, the register holds {whole:,}")
        if not numbers:
            raise ApiError("the first page of multiple sclerosis trials held no trial number")
        found["number"] = numbers[0]
        return f"{page.total:,} multiple sclerosis trials; {len(page.records)} on the first page"

    def retrieve() -> str:
        if "number" not in found:
            raise ApiError("skipped: no trial number from the listing")
        number = str(found["number"])
        body = api.retrieve(number)
        if body is None:
            raise ApiError(f"{number} has no full record")
        study = read(body)
        return f"{number} reads: {len(study.sites)} sites, status {study.overall_status}"

    steps: list[tuple[str, Callable[[], str]]] = [
        ("/search, the whole register", register),
        ("/search, the multiple sclerosis filter narrows it", listing),
        ("/retrieve, one full record", retrieve),
    ]
    return run_steps(steps)
