"""Filling the store from a file: ISRCTN XML saved from its API.

For networks that cannot reach the API: a search answer (``<allTrials>``, as
``/api/query/format/default?q=...`` returns it) or one ``<fullTrial>``, saved to a file. The
file is read whole (ISRCTN answers are a few MB; ``MAX_FILE_BYTES`` bounds it), every trial is
checked, and each is marked as from a file with the file's date as its data date, so the
data's age is never misstated (see ``Store.info``).
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path

from ...errors import InputError
from ...store.sqlite import Store
from .. import sync
from ..base import ImportResult
from ..values import xml_root
from .record import ALL_TRIALS, FULL_TRIAL, element_refusal, raw_id, read_element, split_answer, stored

# Every MS trial on ISRCTN in full is a few MB; a file far larger is no answer to that search.
MAX_FILE_BYTES = 64 * 1024 * 1024


def _read_file(path: Path) -> bytes:
    """The file's bytes; InputError when it cannot be read or is too big."""
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise InputError(f"{path} is larger than {MAX_FILE_BYTES // (1024 * 1024)} MB, more than any "
                             "ISRCTN answer to a search for multiple sclerosis trials.")
        return path.read_bytes()
    except OSError as exc:
        raise InputError(f"Cannot read {path}: {exc.strerror}.") from None


def import_download(store: Store, path: Path) -> ImportResult:
    """Load an ISRCTN XML file into the store, in one transaction.

    Every trial is checked; bad ones are skipped and counted. A file's trial never replaces a
    newer stored one, and each keeps the file's date and is marked as from a file."""
    path = Path(path)
    body = _read_file(path)
    try:
        root = xml_root(body)
    except ValueError as exc:
        what = "has a document type declaration, which ISRCTN's XML never has" if "document type" in str(exc) \
            else "is not well-formed XML"
        raise InputError(f"{path} is not an ISRCTN XML file: it {what}.") from None
    if root.tag not in (ALL_TRIALS, FULL_TRIAL):
        raise InputError(f"{path} is not an ISRCTN XML file: it holds <{root.tag.rsplit('}', 1)[-1][:40]}>, "
                         "not ISRCTN's <allTrials> or <fullTrial> (namespace http://www.67bricks.com/isrctn).")
    return sync.write_file(store, path, _file_records(root), "ISRCTN trial records")


def _file_records(root: ET.Element) -> Iterator[sync.Fetched | sync.Refused]:
    for number, full in enumerate(split_answer(root), start=1):
        problem = element_refusal(full)
        if problem:
            named = raw_id(full)[0]
            yield sync.Refused(f"trial {number}: " + (f"{named}: {problem}" if named else problem))
            continue
        yield sync.Fetched(stored(full), read_element(full))
