"""``trials check`` for ISRCTN: a live smoke test run by a maintainer from a deployment host
(never by the tests, which run it against the stand-in).

It asks what a refresh asks, once each: the count of multiple sclerosis trials
(``limit=0``), then a few of them in full, which must be well-formed trials the reader reads.
"""

from __future__ import annotations

from collections.abc import Callable

from ...config import Settings
from ...errors import ApiError
from ..base import Check, run_steps
from .api import Client
from .plan import MS_QUERY, client
from .record import element_refusal, read_element

SAMPLE = 3  # trials read in full: enough to see the shape, a small answer


def check(settings: Settings) -> list[Check]:
    """The checks against the configured API, one result per step."""
    with client(settings) as api:
        return run_checks(api)


def run_checks(api: Client) -> list[Check]:
    def count() -> str:
        total = api.search(MS_QUERY, 0).total_count
        if total == 0:
            raise ApiError("ISRCTN counted no multiple sclerosis trials; the query may no longer work")
        return f"{total} multiple sclerosis trials"

    def sample() -> str:
        answer = api.search(MS_QUERY, SAMPLE)
        if not answer.trials:
            raise ApiError("the answer held no trials")
        problems = [p for p in map(element_refusal, answer.trials) if p]
        if problems:
            raise ApiError(f"{len(problems)} of {len(answer.trials)} trials are not readable: {problems[0]}")
        studies = [read_element(t) for t in answer.trials]
        return ", ".join(f"{s.id.value} ({s.overall_status})" for s in studies)

    steps: list[tuple[str, Callable[[], str]]] = [
        ("search, limit=0: the count", count),
        (f"search, limit={SAMPLE}: trials read", sample),
    ]
    return run_steps(steps)
