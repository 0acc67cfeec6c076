"""Values from outside, read safely: every adapter's records are JSON or XML a registry (or
a downloaded file) wrote, so each reader digs without trusting a path and bounds every text."""

from __future__ import annotations

from typing import Any

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
