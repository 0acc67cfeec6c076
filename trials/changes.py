"""What changed since a moment: new studies and status changes, as the store recorded
them between refreshes, said in a line, marked in the table, and written as an Atom feed.

The store notices a change only when a refresh or import brings it, so "since" means
"since the data on this computer was refreshed after that moment"; every change keeps
the ClinicalTrials.gov data version it came with.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timezone

import pandas as pd

from . import plain
from .errors import InputError
from .filters import status_group
from .records import STUDY_URL
from .store import NewStudy, StatusChange

NEW = "new"
STATUS = "status"

ATOM = "http://www.w3.org/2005/Atom"
FEED_ID = "tag:ms-stemcell-trials.invalid,2025:changes"  # stable across runs, never a live address
FEED_TITLE = "MS stem-cell trials on ClinicalTrials.gov: new studies and status changes"
FEED_AUTHOR = "MS stem-cell trial finder (data: ClinicalTrials.gov)"

# What a study's new status group means for a reader, in the summary line.
NOW = {
    "Recruiting now": "now recruiting",
    "Not yet recruiting": "not yet recruiting",
    "By invitation": "now by invitation only",
    "Available outside a trial (expanded access)": "now available outside a trial",
    "Closed": "no longer recruiting",
    "Completed": "completed",
    "Stopped early": "stopped early",
    "Status unknown": "now of unknown status",
}


@dataclass(frozen=True)
class Change:
    nct_id: str
    title: str
    kind: str  # NEW or STATUS
    seen_at: str  # when a refresh or import brought it (UTC, ISO 8601)
    old_status: str = ""
    new_status: str = ""
    data_timestamp: str = ""  # the ClinicalTrials.gov data version it came with

    @property
    def url(self) -> str:
        return STUDY_URL.format(self.nct_id)

    @property
    def headline(self) -> str:
        if self.kind == NEW:
            return f"New study: {self.title}"
        return f"{plain.status_words(self.old_status)} → {plain.status_words(self.new_status)}: {self.title}"

    @property
    def mark(self) -> str:
        """The table's and the CSV's ``changed`` cell."""
        day = self.seen_at[:10]
        if self.kind == NEW:
            return f"new (first seen {day})"
        return f"{plain.status_words(self.old_status)} → {plain.status_words(self.new_status)} ({day})"


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
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def changes_since(table: pd.DataFrame, status_changes: Iterable[StatusChange],
                  new_studies: Iterable[NewStudy], since: str | None = None) -> list[Change]:
    """The changes to the studies in ``table`` seen after ``since`` (all when None), newest first."""
    titles = dict(zip(table["nct_id"], table["title"]))
    stamps = dict(zip(table["nct_id"], table["data_timestamp"]))
    out = [Change(n.nct_id, titles[n.nct_id], NEW, n.first_seen, data_timestamp=stamps[n.nct_id])
           for n in new_studies if n.nct_id in titles and (since is None or n.first_seen > since)]
    out += [Change(c.nct_id, titles[c.nct_id], STATUS, c.seen_at, c.old_status, c.new_status,
                   c.data_timestamp)
            for c in status_changes if c.nct_id in titles and (since is None or c.seen_at > since)]
    # Newest first; at one moment new studies before status changes, then by NCT id.
    out.sort(key=lambda c: c.nct_id)
    return sorted(out, key=lambda c: (c.seen_at, c.kind == NEW), reverse=True)


def summary_line(changes: list[Change], since_words: str) -> str | None:
    """'Since your last visit: 2 new studies, 1 now recruiting, 1 completed.'; None for nothing."""
    if not changes:
        return None
    new = sum(c.kind == NEW for c in changes)
    parts = [f"{new} new {'study' if new == 1 else 'studies'}"] if new else []
    counts: dict[str, int] = {}
    for c in changes:
        if c.kind == STATUS:
            words = NOW[status_group(c.new_status)]
            counts[words] = counts.get(words, 0) + 1
    parts += [f"{n} {words}" for words, n in counts.items()]
    return f"{since_words[:1].upper()}{since_words[1:]}: {', '.join(parts)}."


def mark_changed(df: pd.DataFrame, changes: list[Change]) -> pd.DataFrame:
    """``df`` with a ``changed`` column: what changed for each study, empty when nothing did."""
    marks: dict[str, list[str]] = {}
    for c in sorted(changes, key=lambda c: c.seen_at):
        marks.setdefault(c.nct_id, []).append(c.mark)
    marked = df.copy()
    marked["changed"] = [" then ".join(marks.get(i, ())) for i in marked["nct_id"]]
    return marked


def _utc(moment: str) -> str:
    """RFC 3339 for Atom: the store writes '2025-10-03T09:00:00Z'; data versions lack the zone."""
    moment = moment.strip()
    if len(moment) == 10:
        moment += "T00:00:00"
    return moment if moment.endswith("Z") or "+" in moment[10:] else moment + "Z"


def atom_feed(changes: list[Change], *, updated: str, data_age: str) -> bytes:
    """An Atom 1.0 document (RFC 4287): one entry per change, each linking to the study."""
    ET.register_namespace("", ATOM)

    def add(parent: ET.Element, tag: str, text: str | None = None, **attrs: str) -> ET.Element:
        element = ET.SubElement(parent, f"{{{ATOM}}}{tag}", attrs)
        if text is not None:
            element.text = text
        return element

    feed = ET.Element(f"{{{ATOM}}}feed")
    add(feed, "id", FEED_ID)
    add(feed, "title", FEED_TITLE)
    add(feed, "subtitle", f"{data_age} {plain.DISCLAIMER}")
    add(feed, "updated", _utc(max([updated, *(c.seen_at for c in changes)])))
    add(add(feed, "author"), "name", FEED_AUTHOR)
    add(feed, "link", href="https://clinicaltrials.gov/", rel="related")
    for c in changes:
        entry = add(feed, "entry")
        add(entry, "id", f"{FEED_ID}:{c.kind}:{c.nct_id}:{c.seen_at}")
        add(entry, "title", f"{c.nct_id} {c.headline}")
        add(entry, "updated", _utc(c.seen_at))
        add(entry, "link", href=c.url, rel="alternate", type="text/html")
        if c.kind == NEW:
            text = f"{c.nct_id} appeared in the data on {c.seen_at[:10]}: {c.title}."
        else:
            text = (f"{c.nct_id}: status changed from {plain.status_words(c.old_status)} "
                    f"({c.old_status}) to {plain.status_words(c.new_status)} ({c.new_status}), "
                    f"seen on {c.seen_at[:10]}.")
        if c.data_timestamp:
            text += f" ClinicalTrials.gov data as of {c.data_timestamp[:10]}."
        add(entry, "summary", f"{text} Registry record: {c.url}", type="text")
        for term in filter(None, (c.kind, c.new_status)):
            add(entry, "category", term=term)
    ET.indent(feed)
    return ET.tostring(feed, encoding="utf-8", xml_declaration=True)
