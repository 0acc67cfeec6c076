"""What changed since a moment: new studies and status changes, as the store recorded
them between refreshes, and marked in the table (``presentation.feed`` writes them as Atom).

The store notices a change only when a refresh or import brings it, so "since" means
"since the data on this computer was refreshed after that moment"; every change keeps
the ClinicalTrials.gov data version it came with.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime

import pandas as pd

from ..errors import InputError
from ..ids import name_of
from ..store.sqlite import NewStudy, StatusChange
from .status import status_words

NEW = "new"
STATUS = "status"

@dataclass(frozen=True)
class Change:
    study_id: str  # the table's id of the study
    title: str
    url: str  # its registry record
    kind: str  # NEW or STATUS
    seen_at: str  # when a refresh or import brought it (UTC, ISO 8601)
    old_status: str = ""
    new_status: str = ""
    data_timestamp: str = ""  # the registry's data version it came with
    # The registry whose record changed, when it is not the one the table's row leads with
    # (a trial on ClinicalTrials.gov whose ISRCTN record changed status): "" otherwise.
    other_registry: str = ""

    @property
    def _whose(self) -> str:
        return f" (its {self.other_registry} record)" if self.other_registry else ""

    @property
    def headline(self) -> str:
        if self.kind == NEW:
            return f"New study: {self.title}"
        return f"{status_words(self.old_status)} → {status_words(self.new_status)}{self._whose}: {self.title}"

    @property
    def mark(self) -> str:
        """The table's and the CSV's ``changed`` cell."""
        day = self.seen_at[:10]
        if self.kind == NEW:
            return f"new (first seen {day})"
        return f"{status_words(self.old_status)} → {status_words(self.new_status)}{self._whose} ({day})"


def parse_since(value: object) -> str | None:
    """A date ("2025-10-01") or a moment in ISO 8601 as a UTC string the store can compare;
    None when nothing was given."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, date):
        return value.isoformat()
    else:
        text = str(value).strip()[:40]
        try:
            if len(text) == 10:
                return date.fromisoformat(text).isoformat()
            moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
        except ValueError:
            raise InputError(f"{value!r} is not a date: write it as YYYY-MM-DD, e.g. 2025-10-01.") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def changes_since(table: pd.DataFrame, status_changes: Iterable[StatusChange],
                  new_studies: Iterable[NewStudy], since: str | None = None,
                  aliases: Mapping[str, str] | None = None) -> list[Change]:
    """The changes to the studies in ``table`` seen after ``since`` (all when None), newest first.
    A change to another registry's record of a listed trial (``aliases``: its number -> the
    table's id) is that trial's, and says whose record it was; a trial is new only by its row's own record."""
    aliases = aliases or {}
    rows = {i: (title, url, stamp) for i, title, url, stamp
            in zip(table["study_id"], table["title"], table["url"], table["data_timestamp"], strict=True)}
    out = [Change(n.id.value, *rows[n.id.value][:2], NEW, n.first_seen, data_timestamp=rows[n.id.value][2])
           for n in new_studies if n.id.value in rows and (since is None or n.first_seen > since)]
    for c in status_changes:
        key = c.id.value if c.id.value in rows else aliases.get(c.id.value, "")
        if key in rows and (since is None or c.seen_at > since):
            out.append(Change(key, *rows[key][:2], STATUS, c.seen_at, c.old_status, c.new_status,
                              c.data_timestamp, "" if key == c.id.value else name_of(c.id.registry)))
    # Newest first; at one moment new studies before status changes, then by NCT id.
    out.sort(key=lambda c: c.study_id)
    return sorted(out, key=lambda c: (c.seen_at, c.kind == NEW), reverse=True)


def mark_changed(df: pd.DataFrame, changes: list[Change]) -> pd.DataFrame:
    """``df`` with a ``changed`` column: what changed for each study, empty when nothing did."""
    marks: dict[str, list[str]] = {}
    for c in sorted(changes, key=lambda c: c.seen_at):
        marks.setdefault(c.study_id, []).append(c.mark)
    marked = df.copy()
    marked["changed"] = [" then ".join(marks.get(i, ())) for i in marked["study_id"]]
    return marked
