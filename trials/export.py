"""The CSV a neurologist takes to clinic.

UTF-8 with a byte-order mark so spreadsheets detect the encoding, and every
text cell that a spreadsheet would run as a formula is neutralised with a
leading apostrophe (OWASP's advice for CSV injection): registry text is
written by third parties.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from .errors import InputError

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value: object) -> object:
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def csv_bytes(df: pd.DataFrame) -> bytes:
    """The table as CSV bytes, the same for the page's download and the CLI."""
    safe = df.astype(object).map(neutralise)
    return safe.to_csv(index=False, lineterminator="\r\n").encode("utf-8-sig")


def write_csv(df: pd.DataFrame, path: Path) -> None:
    try:
        Path(path).write_bytes(csv_bytes(df))
    except OSError as exc:
        raise InputError(f"Cannot write {path}: {exc.strerror}.") from None
