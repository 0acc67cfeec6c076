"""Filling the store from a file: a JSON download from the ClinicalTrials.gov website.

For networks that cannot reach the API. The file is streamed with ijson (memory stays
bounded by one record), every record is checked, and each keeps its own data date and is
marked as from a file, so the data's age is never misstated (see ``Store.info``).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import ijson

from ...errors import InputError
from ...store.sqlite import Store
from .. import sync
from ..base import ImportResult, file_date
from ..values import bounded, dig
from .record import read_study, refusal

# What an imported file may hold. A v2 Study nests at most 11 levels (results tables,
# counting lists); deeper is no study record. The largest real records, with full
# results, are a few MB of JSON; the bound keeps one hostile record from taking the memory.
MAX_RECORD_DEPTH = 16
MAX_RECORD_CHARS = 16 * 1024 * 1024
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


class _Unfit(Exception):
    """The file's structure is not that of a download (too deep, too large a record)."""


def _records(events: Iterator[tuple[str, Any]]) -> Iterator[Any]:
    """Each study record of a download, built one at a time from parser events.

    Records are the items of a top-level array (the website's download), the items
    of a top-level object's ``studies`` array (an API answer), or top-level objects
    themselves (JSON Lines, or one study). Memory is bounded by one record.
    """
    stack: list[Any] = []  # the open containers of the record being built
    keys: list[Any] = []  # the pending key of each open object in ``stack``
    in_list = False  # directly inside the array that holds the records
    wrapper: dict | None = None  # a top-level object whose ``studies`` is being read
    size = 0

    def attach(value: Any) -> None:
        parent = stack[-1]
        if isinstance(parent, dict):
            parent[keys[-1]] = value
        else:
            parent.append(value)

    for event, value in events:
        if event in ("start_map", "start_array"):
            new: Any = {} if event == "start_map" else []
            if stack:
                if (wrapper is None and len(stack) == 1 and not in_list and keys[-1] == "studies"
                        and event == "start_array"):
                    wrapper = stack.pop()  # an API answer: its studies are the records
                    keys.pop()
                    in_list = True
                    continue
                if len(stack) >= MAX_RECORD_DEPTH:
                    raise _Unfit(f"it nests deeper than {MAX_RECORD_DEPTH} levels, more than "
                                 "any study record")
                attach(new)
            elif event == "start_array" and not in_list and wrapper is None:
                in_list = True  # the website's download: an array of studies
                continue
            else:
                size = 0  # a record starts
            stack.append(new)
            keys.append(None)
        elif event in ("end_map", "end_array"):
            if not stack:  # the end of the array of records
                in_list = False
                if wrapper is not None:
                    stack.append(wrapper)  # read the rest of the API answer (totalCount ...)
                    keys.append(None)
                continue
            done = stack.pop()
            keys.pop()
            if not stack:
                if done is wrapper:
                    wrapper = None
                else:
                    yield done
        elif event == "map_key":
            keys[-1] = value
            size += len(value)
        else:
            if not stack:
                yield value  # a bare value where a record belongs
                continue
            attach(value)
            size += len(value) if isinstance(value, str) else 8
        if size > MAX_RECORD_CHARS:
            raise _Unfit(f"a record is larger than {MAX_RECORD_CHARS // (1024 * 1024)} MB")


def read_download(path: Path) -> Iterator[Any]:
    """The records of a ClinicalTrials.gov JSON download, streamed (bounded memory).

    Accepts the website's "Download -> JSON" (an array of studies), an API list
    answer (``{"studies": [...]}``) and JSON Lines (one study a line). Yields what
    stands where a record belongs, valid or not; raises InputError when the file
    cannot be read or is no download at all.
    """
    try:
        fh = open(path, "rb")
    except OSError as exc:
        raise InputError(f"Cannot read {path}: {exc.strerror}.") from None
    with fh:
        if fh.read(3) != b"\xef\xbb\xbf":  # a byte-order mark, as some editors write
            fh.seek(0)
        count = 0
        try:
            for record in _records(ijson.basic_parse(fh, multiple_values=True, use_float=True)):
                count += 1
                yield record
        except ijson.JSONError:
            where = f" after record {count}" if count else ""
            raise InputError(f"{path} is not a ClinicalTrials.gov JSON download (it does not "
                             f"parse as JSON{where}; is it UTF-8 JSON?).") from None
        except _Unfit as exc:
            raise InputError(f"{path} is not a ClinicalTrials.gov JSON download: {exc} "
                             f"(after record {count}).") from None
        except OSError as exc:
            raise InputError(f"Cannot read {path}: {exc.strerror}.") from None


def _data_date(record: dict, file_date: str) -> str:
    """The record's own data date: the website's versionHolder, else the file's date."""
    holder = dig(record, "derivedSection", "miscInfoModule", "versionHolder")
    if isinstance(holder, str) and _DATE.fullmatch(holder[:10]):
        return holder[:10]
    return file_date


def import_download(store: Store, path: Path) -> ImportResult:
    """Load a JSON download into the store, in one transaction (``sync.write_file``): every
    record is checked, and each keeps its own data date (the website's versionHolder)."""
    path = Path(path)
    day = file_date(path)
    return sync.write_file(store, path, _file_records(path, day), "ClinicalTrials.gov study records")


def _file_records(path: Path, day: str) -> Iterator[sync.Fetched | sync.Refused]:
    for number, record in enumerate(read_download(path), start=1):
        problem = refusal(record)
        if problem:
            yield sync.Refused(f"record {number}: {problem}")
            continue
        record = bounded(record)
        yield sync.Fetched(record, read_study(record), data_timestamp=_data_date(record, day))
