"""Values from outside, read safely: every adapter's records are JSON or XML a registry (or
a downloaded file) wrote, so each reader digs without trusting a path and bounds every text."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from typing import Any
from xml.parsers import expat

# ClinicalTrials.gov caps its longest free text (a detailed description) at 32,000 characters,
# and no registry's field is longer in practice. Longer is not what a registry published;
# cutting there keeps a hostile 10 MB title from costing every reader (classifier, table,
# page) what it would, since matching grows faster than text.
MAX_FIELD_CHARS = 32_000


def dig(obj: Any, *path: str) -> Any:
    """``obj[path[0]][path[1]]...``, or None as soon as a step is missing."""
    for key in path:
        if not isinstance(obj, dict):
            return None
        obj = obj.get(key)
    return obj


def bounded(value: Any) -> Any:
    """A record (or any JSON value) with every string cut to ``MAX_FIELD_CHARS``."""
    if isinstance(value, str):
        return value if len(value) <= MAX_FIELD_CHARS else value[: MAX_FIELD_CHARS - 1] + "…"
    if isinstance(value, dict):
        return {key: bounded(item) for key, item in value.items()}
    if isinstance(value, list):
        return [bounded(item) for item in value]
    return value


def shown(value: object) -> str:
    """A value from outside, for a message: quoted with every non-ASCII or control character
    visible (a zero-width space shows as \\u200b), and short."""
    text = ascii(value)
    return text if len(text) <= 40 else text[:39] + "…"


def xml_root(text: str | bytes) -> ET.Element:
    """XML from outside as an element tree. A document type declaration (where entity tricks
    live) is refused by the parser itself, in whatever encoding or place the document has it,
    never expanded: no registry's answer needs one. Raises ValueError."""
    checker = expat.ParserCreate()

    def refuse(*_: object) -> None:
        raise ValueError("XML with a document type declaration")

    checker.StartDoctypeDeclHandler = refuse
    checker.EntityDeclHandler = refuse
    try:
        checker.Parse(text, True)
        return ET.fromstring(text)
    except (expat.ExpatError, ET.ParseError) as exc:
        raise ValueError(f"XML that does not parse ({exc})") from None


def depth(value: Any, limit: int) -> bool:
    """Whether a JSON value nests deeper than ``limit`` levels (checked without recursion, so a
    hostile document cannot exhaust the stack)."""
    stack = [(value, 1)]
    while stack:
        item, level = stack.pop()
        if level > limit:
            return True
        children = item.values() if isinstance(item, dict) else item if isinstance(item, list) else ()
        stack.extend((child, level + 1) for child in children if isinstance(child, (dict, list)))
    return False
