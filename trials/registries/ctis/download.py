"""Filling the store from a file: CTIS JSON saved from the website or the API.

For networks that cannot reach the API. A file may hold one trial's full record (the body of
``/retrieve/{ctNumber}``, which is what the CTIS website's JSON download of a trial gives), a
record merged with its search element (as this program stores them), a search answer
(``{"data": [...]}``) or a list of any of these. Every record is checked, and each is marked as
from a file with the file's date, so the data's age is never misstated (see ``Store.info``).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from ...errors import InputError
from ...store.sqlite import Store
from .. import sync
from ..base import ImportResult
from ..values import bounded
from .record import read, refusal

# A full CTIS record is about 40-100 KB of JSON and a search answer of the whole MS listing
# well under 1 MB; 64 MB holds any real download many times over and keeps a hostile file from
# taking the memory (the file is read whole).
MAX_FILE_BYTES = 64 * 1024 * 1024
_FORMS = ("a trial's JSON from euclinicaltrials.eu (an API /retrieve answer), a /search answer "
          "with a \"data\" list, or a list of trial records")


def read_file(path: Path) -> list[Any]:
    """The records a CTIS JSON file holds (valid or not); InputError when it cannot be read or
    is none of the known forms."""
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise InputError(f"{path} is larger than {MAX_FILE_BYTES // (1024 * 1024)} MB, more than any "
                             "EU CTIS download; it was not read.")
        data = json.loads(path.read_bytes().removeprefix(b"\xef\xbb\xbf"))
    except OSError as exc:
        raise InputError(f"Cannot read {path}: {exc.strerror}.") from None
    except (ValueError, RecursionError):
        raise InputError(f"{path} is not an EU CTIS JSON file (it does not parse as JSON; is it UTF-8 "
                         "JSON?).") from None
    if isinstance(data, list):
        return data
    if isinstance(data, dict) and isinstance(data.get("data"), list):
        return data["data"]
    if isinstance(data, dict) and "ctNumber" in data:
        return [data]
    raise InputError(f"{path} is not an EU CTIS JSON file: expected {_FORMS}.")


def import_download(store: Store, path: Path) -> ImportResult:
    """Load a CTIS JSON file into the store, in one transaction (``sync.write_file``); its
    records carry the file's date."""
    path = Path(path)
    return sync.write_file(store, path, _file_records(read_file(path)), "EU CTIS trial records")


def _file_records(records: list[Any]) -> Iterator[sync.Fetched | sync.Refused]:
    for number, record in enumerate(records, start=1):
        problem = refusal(record)
        if problem:
            yield sync.Refused(f"record {number}: {problem}")
            continue
        record = bounded(record)
        # A search element is slim: the next refresh fetches the full record of a candidate.
        yield sync.Fetched(record, read(record), is_full=isinstance(record.get("authorizedApplication"), dict))
