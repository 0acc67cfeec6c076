"""Every record checked field by field against the types ClinicalTrials.gov's spec gives.

A record from the API or from a file is untrusted: ``"statusModule": 1.5`` or a date of
"zzzz" must not reach the store, where every later read would meet it. ``shapes.json``
is the ``Study`` schema of the registry's OpenAPI spec reduced to JSON types (built by
``tests/support/openapi_shapes.py``; a test rebuilds it from the spec). A record that
breaks it is refused with a reason, and the caller counts and names it.

Keys the spec does not know are allowed (the API adds fields between spec versions), as
are values outside an enum (it adds statuses and phases too) and ``null`` (absent).
"""

from __future__ import annotations

import json
import math
import re
from pathlib import Path
from typing import Any

SHAPES: Any = json.loads(Path(__file__).with_name("shapes.json").read_text(encoding="utf-8"))["Study"]

# The spec's date forms, any year: a typo such as 2102 is read as unknown (record.py), not
# a reason to refuse the whole record.
DATE = re.compile(r"\d{4}-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12]\d|3[01])")
# What the registry writes for a planned or partly known date: 2019, 2019-12 or 2019-12-19.
PARTIAL_DATE = re.compile(r"\d{4}(?:-(?:0[1-9]|1[0-2])(?:-(?:0[1-9]|[12]\d|3[01]))?)?")

MAX_INTEGER = 2**63  # the spec's widest integer is int64; a JSON number may be any length

_WORDS = {"date": "a date (yyyy-MM-dd)", "partial-date": "a date (yyyy, yyyy-MM or yyyy-MM-dd)",
          "string": "text", "integer": "a whole number", "number": "a number", "boolean": "true or false"}


def _what(value: Any) -> str:
    """A JSON value's kind in words, for the reason a record is refused."""
    if isinstance(value, bool):
        return "true or false"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, str):
        return f"the text {ascii(value[:20])}" if len(value) <= 20 else "text"
    return "a list" if isinstance(value, list) else "an object"


def _fits(value: Any, kind: str) -> bool:
    if kind in ("string", "date", "partial-date"):
        if not isinstance(value, str):
            return False
        pattern = {"date": DATE, "partial-date": PARTIAL_DATE}.get(kind)
        return pattern is None or pattern.fullmatch(value) is not None
    if kind == "boolean":
        return isinstance(value, bool)
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return False
    if isinstance(value, int):  # (math.isfinite would overflow on 10**400)
        return abs(value) < MAX_INTEGER
    return math.isfinite(value) and (kind == "number" or value.is_integer())


def problem(record: Any, shape: Any = SHAPES, path: str = "") -> str | None:
    """Why ``record`` is not a v2 ``Study`` as the spec types it (the first field found
    wrong, with its path), or None when every field the spec knows has its type."""
    if record is None:
        return None
    where = path or "the record"
    if isinstance(shape, dict):
        if not isinstance(record, dict):
            return f"{where} is {_what(record)}, not an object"
        for key, value in record.items():
            if key in shape:
                found = problem(value, shape[key], f"{path}.{key}" if path else key)
                if found:
                    return found
        return None
    if isinstance(shape, list):
        if not isinstance(record, list):
            return f"{where} is {_what(record)}, not a list"
        for number, item in enumerate(record):
            found = problem(item, shape[0], f"{path}[{number}]")
            if found:
                return found
        return None
    if not _fits(record, shape):
        if isinstance(record, int) and not isinstance(record, bool) and abs(record) >= MAX_INTEGER:
            return f"{where} is a number too large for any field"
        return f"{where} is {_what(record)}, not {_WORDS[shape]}"
    return None
