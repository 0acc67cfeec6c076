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

import codecs
import json
import os
import re
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from ..errors import InputError
from .plain import DISCLAIMER

# A formula character at the start of the cell or of any piece a spreadsheet may split
# off (after ";", "," or a line break), leading blanks allowed.
_FORMULA_PIECE = re.compile(r"(^|[;,\r\n])([ \t]*)(?=[=+\-@])")


def neutralise(value: object) -> object:
    if not isinstance(value, str):
        return value
    value = _FORMULA_PIECE.sub(r"\1\2'", value)
    # A leading tab or carriage return is itself a trigger in some spreadsheets.
    return "'" + value if value.startswith(("\t", "\r")) else value


# Ages are whole years as the registry writes them ("18 Years"): 18, not 18.0. (EDSS keeps its
# decimal: 2.0 is how the scale is written.)
_WHOLE_YEARS = ("min_age", "max_age")


def _years(value: object) -> object:
    return int(value) if isinstance(value, float) and value.is_integer() else value


def csv_bytes(df: pd.DataFrame) -> bytes:
    """The table as CSV bytes, the same for the page's download and the CLI."""
    df = df.astype(object)
    for column in _WHOLE_YEARS:
        if column in df:
            df[column] = df[column].map(_years)
    safe = df.map(neutralise)
    return safe.to_csv(index=False, lineterminator="\r\n").encode("utf-8-sig")


def records(df: pd.DataFrame) -> list[dict[str, Any]]:
    """The table's rows as JSON objects: the CSV's columns, numbers as numbers (ages in whole
    years, as in the CSV), a missing number as null (no formula guard: JSON is read by
    programs, not spreadsheets)."""
    rows = json.loads(df.to_json(orient="records", force_ascii=False))
    return [{k: _years(v) if k in _WHOLE_YEARS else v for k, v in row.items()} for row in rows]


def json_bytes(studies: list[dict[str, Any]], data_age: str, notes: Sequence[str] = ()) -> bytes:
    """One JSON document for ``--format json``: the data's age and the disclaimer with the
    studies, so a script that keeps the output keeps its date."""
    document = {"data_age": data_age, "disclaimer": DISCLAIMER, "notes": list(notes), "studies": studies}
    return (json.dumps(document, ensure_ascii=False, indent=1) + "\n").encode("utf-8")


def write_csv(df: pd.DataFrame, path: Path) -> None:
    """The CSV to a file with its byte-order mark (a spreadsheet then reads UTF-8); to standard
    output without it (a pipe into csv.DictReader or cut would read the mark as text)."""
    data = csv_bytes(df)
    write_file(path, data.removeprefix(codecs.BOM_UTF8) if Path(path) == STDOUT else data)


STDOUT = Path("-")  # ``-o -``: standard output, as every Unix tool reads it


def written_to(path: Path) -> str:
    """Where a file went, in words."""
    return "standard output" if path == STDOUT else str(path)


def write_file(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` whole or not at all: through a temporary file beside it,
    so a full disk leaves the old file as it was; never through a symbolic link, which
    could point anywhere (a device such as /dev/stdout is written directly). ``-`` is
    standard output."""
    path = Path(path)
    if path == STDOUT:
        sys.stdout.buffer.write(data)
        sys.stdout.flush()
        return
    try:
        real = path.resolve()
        if real.is_char_device() or real.is_fifo():
            path.write_bytes(data)  # a device or a pipe (/dev/stdout is a link to one)
            return
        if path.is_symlink():
            raise InputError(f"Cannot write {path}: it is a symbolic link; give the file it points to.")
        with tempfile.NamedTemporaryFile(dir=path.parent, prefix=f".{path.name}.", delete=False) as fh:
            temporary = Path(fh.name)
        try:
            temporary.write_bytes(data)
            # The mode a plain write would give (temporary files are private to their owner).
            os.chmod(temporary, path.stat().st_mode & 0o777 if path.exists() else 0o666 & ~_umask())
            os.replace(temporary, path)
        finally:
            temporary.unlink(missing_ok=True)
    except OSError as exc:
        raise InputError(f"Cannot write {path}: {exc.strerror}.") from None


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def file_name(data_timestamp: str | None, *, bundled: bool = False) -> str:
    """The download's file name, dated by the data it holds."""
    return (f"ms-stem-cell-trials-{(data_timestamp or '')[:10]}"
            f"{'-bundled-snapshot' if bundled else ''}.csv")
