"""The ISRCTN API client.

One call: ``GET /query/format/default?q=QUERY&limit=N``, which answers
``<allTrials xmlns="http://www.67bricks.com/isrctn" totalCount="N">`` with one ``<fullTrial>``
per trial. Only ``q`` and ``limit`` are honoured and there is no paging, so a listing is one
request with ``limit`` at least ``totalCount`` (``limit=0`` reads the count alone). One trial
is asked for by searching its id: ``/trial/<id>/format/default`` has been reported to answer
a well-formed unknown id with an HTML 500, which the retries would repeat.

Politeness, retries, the time budget and the error messages are every registry's:
``trials.registries.http``.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import dataclass
from typing import Any

from ...catalog import name_of
from ...config import DEFAULT_USER_AGENT
from ...errors import ApiBadResponse
from ...ids import ISRCTN
from .. import http
from .record import ALL_TRIALS, split_answer

NAME = name_of(ISRCTN)
QUERY_PATH = "/query/format/default"


@dataclass(frozen=True)
class Answer:
    """A search answer: how many trials match, and the ``<fullTrial>`` elements it carried."""

    total_count: int
    trials: list[ET.Element]


class Client(http.Client):
    """A polite, retrying client for the ISRCTN API (see ``http.Client`` for ``transport``,
    ``interval`` and ``budget``)."""

    def __init__(self, base_url: str, *, user_agent: str = DEFAULT_USER_AGENT, **options: Any) -> None:
        super().__init__(base_url, name=NAME, user_agent=user_agent, **options)

    def search(self, query: str, limit: int) -> Answer:
        """The trials matching ``query`` (ISRCTN's Lucene-like syntax), at most ``limit``."""
        if limit < 0:
            raise ValueError("limit must not be negative")
        root = self.get_xml(QUERY_PATH, {"q": query, "limit": str(limit)})
        if root.tag != ALL_TRIALS:
            raise ApiBadResponse(f"ISRCTN answered a search with <{_local(root.tag)[:40]}> instead of "
                                 "its list of trials (<allTrials>).")
        total = root.get("totalCount", "")
        if not (total.isascii() and total.isdigit()):
            raise ApiBadResponse(f"ISRCTN's answer did not say how many trials match (totalCount "
                                 f"{total[:20]!r}).")
        return Answer(int(total), list(split_answer(root)))


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]
