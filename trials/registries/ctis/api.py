"""The EU CTIS public API client: ``POST /search`` and ``GET /retrieve/{ctNumber}``.

The API is public but undocumented; what is known of it is in tests/data/registries/README.md
("CTIS"). The search answer's envelope is ``{"pagination": {"totalRecords", "currentPage",
"totalPages", ...}, "data": [...]}``: rfhb/ctrdata R/ctrLoadQueryIntoDbCtis.R reads
``.pagination.totalRecords`` and ``.data[]``, and brunoamaral/gregory-ai
docs/ctis-public-api-schema.md records the same keys, observed live on 2026-07-18. Pages are
1-based. Unknown ``searchCriteria`` keys are silently ignored (the whole register comes back),
which the query plan checks for; a number CTIS does not know may be answered 200 with ``{}``.
Politeness, retries, the time budget and the error messages are every registry's:
``trials.registries.http``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ...catalog import name_of
from ...config import DEFAULT_USER_AGENT
from ...errors import ApiBadResponse
from ...ids import CTIS
from .. import http
from .record import parse_id, raw_ct_number

NAME = name_of(CTIS)
# The portal's own order. The API wants a sort; decision dates tie, so pages may overlap or
# skip at their edges, which the plan catches by counting distinct numbers.
SORT = {"property": "decisionDate", "direction": "DESC"}
FORBIDDEN = (
    "Try another network, or set TRIALS_USER_AGENT to a descriptive User-Agent with a contact "
    "address. Or, in a browser, open the trial on euclinicaltrials.eu, download its JSON, and "
    "load the file with `trials import FILE`."
)


@dataclass(frozen=True)
class SearchPage:
    total: int  # ``pagination.totalRecords``: every trial the criteria match, on all pages
    records: list[Any]  # the page's ``data``, as sent (each is checked before it is stored)


class Client(http.Client):
    """A polite, retrying client for the EU CTIS public API (see ``http.Client`` for
    ``transport``, ``interval`` and ``budget``)."""

    def __init__(self, base_url: str, *, user_agent: str = DEFAULT_USER_AGENT, **options: Any) -> None:
        super().__init__(base_url, name=NAME, user_agent=user_agent, forbidden=FORBIDDEN, **options)

    def search(self, criteria: Mapping[str, object], page: int, size: int) -> SearchPage:
        """One page (1-based) of the trials matching ``criteria``."""
        body = {"pagination": {"page": page, "size": size}, "searchCriteria": dict(criteria), "sort": SORT}
        data = self.post_json("/search", body)
        if not isinstance(data, dict) or not isinstance(data.get("data"), list):
            raise ApiBadResponse(f"{NAME} answered /search without a list of trials (no \"data\" list).")
        total = data.get("pagination", {}).get("totalRecords") if isinstance(data.get("pagination"), dict) else None
        if isinstance(total, bool) or not isinstance(total, int) or total < 0:
            raise ApiBadResponse(f"{NAME} answered /search without saying how many trials match "
                                 "(no pagination.totalRecords).")
        return SearchPage(total, data["data"])

    def retrieve(self, ct_number: str) -> dict | None:
        """The full record of one trial, or None when CTIS has none (it answers ``{}``)."""
        number = parse_id(ct_number).value
        data = self.get_json(f"/retrieve/{number}", {})
        if not isinstance(data, dict):
            raise ApiBadResponse(f"{NAME} answered /retrieve/{number} with something that is not a record.")
        found = raw_ct_number(data)
        if found is None:
            return None
        if found != number:
            raise ApiBadResponse(f"{NAME} answered /retrieve/{number} with the record of another trial "
                                 f"({str(found)[:40]!r}).")
        return data
