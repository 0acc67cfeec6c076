"""The CSV a neurologist takes to clinic.

UTF-8 with a byte-order mark so spreadsheets detect the encoding, and every
text cell that a spreadsheet could run as a formula is neutralised with an
apostrophe (OWASP's advice for CSV injection): registry text is written by
third parties. Not only a cell's start counts: a spreadsheet that splits cells
on ";" or "," (as many do in other locales) or a paste of one line sees a new
cell after each separator and line break, so "Multiple Sclerosis; =cmd|..."
becomes "Multiple Sclerosis; '=cmd|...". The cell stays readable.
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

from ..errors import InputError

# A formula character at the start of the cell or of any piece a spreadsheet may split
# off (after ";", "," or a line break), leading blanks allowed.
_FORMULA_PIECE = re.compile(r"(^|[;,\r\n])([ \t]*)(?=[=+\-@])")


def neutralise(value: object) -> object:
    if not isinstance(value, str):
        return value
    value = _FORMULA_PIECE.sub(r"\1\2'", value)
    # A leading tab or carriage return is itself a trigger in some spreadsheets.
    return "'" + value if value.startswith(("\t", "\r")) else value


def csv_bytes(df: pd.DataFrame) -> bytes:
    """The table as CSV bytes, the same for the page's download and the CLI."""
    safe = df.astype(object).map(neutralise)
    return safe.to_csv(index=False, lineterminator="\r\n").encode("utf-8-sig")


def write_csv(df: pd.DataFrame, path: Path) -> None:
    try:
        Path(path).write_bytes(csv_bytes(df))
    except OSError as exc:
        raise InputError(f"Cannot write {path}: {exc.strerror}.") from None


def file_name(data_timestamp: str | None, *, bundled: bool = False) -> str:
    """The download's file name, dated by the data it holds."""
    return (f"ms-stem-cell-trials-{(data_timestamp or '')[:10]}"
            f"{'-bundled-snapshot' if bundled else ''}.csv")
