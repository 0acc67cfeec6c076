"""What changed, in words: the summary line above the results and the Atom feed (RFC 4287)
of new studies and status changes, one entry per change, for any feed reader."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

import pandas as pd

from .. import catalog
from ..analysis.changes import NEW, STATUS, Change
from ..analysis.status import status_group, status_words
from .plain import DISCLAIMER

ATOM = "http://www.w3.org/2005/Atom"
FEED_ID = "tag:ms-stemcell-trials.invalid,2025:changes"  # stable across runs, never a live address
FEED_TITLE = f"MS stem-cell trials on {catalog.names()}: new studies and status changes"
FEED_AUTHOR = f"MS stem-cell trial finder (data: {catalog.names()})"

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



def changes_frame(changes: list[Change] | tuple[Change, ...]) -> pd.DataFrame:
    """The changes as a table a person reads: the study's record, what changed, its title, when."""
    return pd.DataFrame([{"study": c.url, "what": c.mark, "title": c.title, "seen": c.seen_at[:10]}
                         for c in changes], columns=["study", "what", "title", "seen"])


def _utc(moment: str) -> str:
    """RFC 3339 for Atom: the store writes '2025-10-03T09:00:00Z'; data versions lack the zone."""
    moment = moment.strip()
    if len(moment) == 10:
        moment += "T00:00:00"
    return moment if moment.endswith("Z") or "+" in moment[10:] else moment + "Z"


# Characters XML 1.0 forbids in a document (control characters but tab and newlines, lone
# surrogates, U+FFFE and U+FFFF): a registry title holding one made the feed ill-formed.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def xml_text(text: str) -> str:
    """``text`` without the characters an XML document cannot hold."""
    return _NOT_XML.sub("", text)


def atom_feed(changes: list[Change], *, updated: str, data_age: str) -> bytes:
    """An Atom 1.0 document (RFC 4287): one entry per change, each linking to the study."""
    ET.register_namespace("", ATOM)

    def add(parent: ET.Element, tag: str, text: str | None = None, **attrs: str) -> ET.Element:
        element = ET.SubElement(parent, f"{{{ATOM}}}{tag}", {k: xml_text(v) for k, v in attrs.items()})
        if text is not None:
            element.text = xml_text(text)
        return element

    feed = ET.Element(f"{{{ATOM}}}feed")
    add(feed, "id", FEED_ID)
    add(feed, "title", FEED_TITLE)
    add(feed, "subtitle", f"{data_age} {DISCLAIMER}")
    add(feed, "updated", _utc(max([updated, *(c.seen_at for c in changes)])))
    add(add(feed, "author"), "name", FEED_AUTHOR)
    add(feed, "link", href="https://clinicaltrials.gov/", rel="related")
    for c in changes:
        entry = add(feed, "entry")
        add(entry, "id", f"{FEED_ID}:{c.kind}:{c.study_id}:{c.seen_at}")
        add(entry, "title", f"{c.study_id} {c.headline}")
        add(entry, "updated", _utc(c.seen_at))
        add(entry, "link", href=c.url, rel="alternate", type="text/html")
        if c.kind == NEW:
            text = f"{c.study_id} appeared in the data on {c.seen_at[:10]}: {c.title}."
        else:
            text = (f"{c.study_id}: status changed from {status_words(c.old_status)} "
                    f"({c.old_status}) to {status_words(c.new_status)} ({c.new_status}), "
                    f"seen on {c.seen_at[:10]}.")
        if c.data_timestamp:
            text += f" Registry data as of {c.data_timestamp[:10]}."
        add(entry, "summary", f"{text} Registry record: {c.url}", type="text")
        for term in filter(None, (c.kind, c.new_status)):
            add(entry, "category", term=term)
    ET.indent(feed)
    return ET.tostring(feed, encoding="utf-8", xml_declaration=True)
