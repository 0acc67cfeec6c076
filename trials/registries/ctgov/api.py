"""The ClinicalTrials.gov API v2 client.

Only what this product needs: ``/version`` for the data timestamp and
``/studies`` paged to the end. The traps it avoids are documented in
``shared/ctgov/API.md``: page size defaults to 10, a next-page token can lead
to an empty page, later pages must repeat the first page's parameters,
unknown parameters answer 400, some bad ``fields`` answer 500, and a 200 can
be an HTML error page. Politeness, retries, the time budget and the error
messages are every registry's: ``trials.registries.http``.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from ...config import DEFAULT_USER_AGENT
from ...errors import ApiBadResponse
from .. import http
from ..http import ANSWER_LIMIT, Traffic
from .record import normalise_nct_id

PAGE_SIZE = 1000  # the API's maximum; its default is only 10
MAX_PAGES = 50  # without a totalCount: ten times the MS listing's pages
IDS_PER_REQUEST = 100  # keeps the URL short; one bad id rejects a whole batch

FORBIDDEN = (
    "It does this to some networks, cloud hosts and automated clients, whatever they ask; it is not "
    "a fault in the search. Try another network, or set TRIALS_USER_AGENT to a "
    "descriptive User-Agent with a contact address. Or, in a browser, search "
    "clinicaltrials.gov for multiple sclerosis, choose Download -> JSON, and load the "
    "file with `trials import FILE` (or the page's import box)."
)

__all__ = ["ANSWER_LIMIT", "Client", "Page", "Traffic", "Version"]


@dataclass(frozen=True)
class Version:
    api_version: str
    data_timestamp: str  # UTC, 'yyyy-MM-ddTHH:mm:ss' without offset, as the API sends it


@dataclass(frozen=True)
class Page:
    studies: list[dict]
    total_count: int | None
    next_page_token: str | None


class Client(http.Client):
    """A polite, retrying client for ClinicalTrials.gov API v2 (see ``http.Client`` for
    ``transport``, ``interval`` and ``budget``)."""

    def __init__(self, base_url: str, *, user_agent: str = DEFAULT_USER_AGENT, **options: Any) -> None:
        # Old NCT ids answer 301 to their current record.
        super().__init__(base_url, name="ClinicalTrials.gov", user_agent=user_agent,
                         forbidden=FORBIDDEN, follow_redirects=True, **options)

    # -- public calls -------------------------------------------------------

    def version(self) -> Version:
        data = self.get_json("/version", {})
        if not isinstance(data, dict) or not data.get("dataTimestamp"):
            raise ApiBadResponse("ClinicalTrials.gov /version did not say how fresh its data is.")
        stamp = str(data["dataTimestamp"])
        try:
            moment = datetime.fromisoformat(stamp[:19])
        except ValueError:
            raise ApiBadResponse(f"ClinicalTrials.gov /version gave a data version that is no date: "
                                 f"{stamp[:40]!r}.") from None
        if moment > datetime.now() + timedelta(days=2):  # naive, as the API writes it; a day's slack
            raise ApiBadResponse(f"ClinicalTrials.gov /version gave a data version in the future: {stamp[:19]}.")
        return Version(str(data.get("apiVersion", ""))[:40], moment.isoformat())

    def metadata(self) -> list[dict]:
        """``/studies/metadata``: the tree of every field the API knows (FieldNode objects)."""
        data = self.get_json("/studies/metadata", {})
        if not isinstance(data, list):
            raise ApiBadResponse("ClinicalTrials.gov /studies/metadata did not send a list of fields.")
        return [node for node in data if isinstance(node, dict)]

    def iter_pages(
        self, params: Mapping[str, str], fields: Sequence[str]
    ) -> Iterator[Page]:
        """Every page of ``/studies`` for ``params``, asking only for ``fields``.

        Stops when there is no token, the page is empty (the API mints a token
        whenever a page is exactly full) or a token comes back a second time.
        """
        fixed = {**params, "fields": "|".join(fields), "format": "json"}
        query: dict[str, str] = {**fixed, "pageSize": str(PAGE_SIZE), "countTotal": "true"}
        seen: set[str] = set()
        announced: int | None = None
        received = 0
        while True:
            data = self.get_json("/studies", query)
            if not isinstance(data, dict) or not isinstance(data.get("studies"), list):
                raise ApiBadResponse(
                    "ClinicalTrials.gov answered /studies without a list of studies."
                )
            studies = data["studies"]
            token = data.get("nextPageToken") or None
            total = data.get("totalCount")
            total = total if isinstance(total, int) and not isinstance(total, bool) and total >= 0 else None
            announced = total if announced is None else announced
            yield Page(studies, total, token)
            if not studies or token is None or token in seen:
                return
            seen.add(token)
            received += len(studies)
            # Tokens that never end would page forever: stop once more studies came than
            # totalCount announced (or after MAX_PAGES when it announced none).
            if (received > announced) if announced is not None else len(seen) >= MAX_PAGES:
                raise ApiBadResponse(f"ClinicalTrials.gov kept sending pages ({len(seen) + 1}) beyond the "
                                     f"{announced if announced is not None else 'unknown number of'} studies "
                                     "it announced; the listing was stopped.")
            # Later pages must repeat the first page's parameters exactly.
            query = {**fixed, "pageSize": str(PAGE_SIZE), "pageToken": token}

    def studies_by_ids(self, nct_ids: Iterable[str], fields: Sequence[str]) -> Iterator[dict]:
        """Full records for ``nct_ids``, ``IDS_PER_REQUEST`` at a time."""
        ids = sorted({normalise_nct_id(i) for i in nct_ids})
        for start in range(0, len(ids), IDS_PER_REQUEST):
            batch = "|".join(ids[start : start + IDS_PER_REQUEST])
            for page in self.iter_pages({"filter.ids": batch}, fields):
                yield from page.studies
