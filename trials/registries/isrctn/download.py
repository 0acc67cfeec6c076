"""Filling the store from a file: ISRCTN XML saved from its API.

For networks that cannot reach the API: a search answer (``<allTrials>``, as
``/api/query/format/default?q=...`` returns it) or one ``<fullTrial>``, saved to a file. The
file is read whole (ISRCTN answers are a few MB; ``MAX_FILE_BYTES`` bounds it), every trial is
checked, and each is marked as from a file with the file's date as its data date, so the
data's age is never misstated (see ``Store.info``).
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from ...analysis import classify
from ...errors import InputError
from ...ids import ISRCTN
from ...store.sqlite import FILE, Store, utc_now
from ..base import SHOWN_REASONS, ImportResult, reasons_text
from .record import ALL_TRIALS, FULL_TRIAL, element_refusal, parse_xml, raw_id, read_element, split_answer, stored

# Every MS trial on ISRCTN in full is a few MB; a file far larger is no answer to that search.
MAX_FILE_BYTES = 64 * 1024 * 1024


def _read_file(path: Path) -> tuple[bytes, float]:
    """The file's bytes and its modification time; InputError when it cannot be read or is too big."""
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise InputError(f"{path} is larger than {MAX_FILE_BYTES // (1024 * 1024)} MB, more than any "
                             "ISRCTN answer to a search for multiple sclerosis trials.")
        return path.read_bytes(), path.stat().st_mtime
    except OSError as exc:
        raise InputError(f"Cannot read {path}: {exc.strerror}.") from None


def import_download(store: Store, path: Path) -> ImportResult:
    """Load an ISRCTN XML file into the store, in one transaction.

    Every trial is checked; bad ones are skipped and counted. A file's trial never replaces a
    newer stored one, and each keeps the file's date and is marked as from a file."""
    path = Path(path)
    body, mtime = _read_file(path)
    try:
        root = parse_xml(body)
    except ValueError as exc:
        what = "has a document type declaration, which ISRCTN's XML never has" if "document type" in str(exc) \
            else "is not well-formed XML"
        raise InputError(f"{path} is not an ISRCTN XML file: it {what}.") from None
    if root.tag not in (ALL_TRIALS, FULL_TRIAL):
        raise InputError(f"{path} is not an ISRCTN XML file: it holds <{root.tag.rsplit('}', 1)[-1][:40]}>, "
                         "not ISRCTN's <allTrials> or <fullTrial> (namespace http://www.67bricks.com/isrctn).")
    file_date = datetime.fromtimestamp(mtime, UTC).strftime("%Y-%m-%d")
    now = utc_now()
    ids: set[str] = set()
    written: set[str] = set()
    duplicates = skipped = 0
    reasons: list[str] = []
    with store.writing() as writer:
        for number, full in enumerate(split_answer(root), start=1):
            problem = element_refusal(full)
            if problem:
                skipped += 1
                if len(reasons) < SHOWN_REASONS:
                    named = raw_id(full)[0]
                    reasons.append(f"trial {number}: " + (f"{named}: {problem}" if named else problem))
                continue
            record = stored(full)
            study = read_element(full)
            duplicates += study.id.value in ids
            ids.add(study.id.value)
            if writer.put(record, study, classify.classified(study), is_full=True, data_timestamp=file_date,
                          fetched_at=now, source=FILE):
                written.add(study.id.value)
        if not ids:
            found = f" ({reasons_text(skipped, tuple(reasons))})" if skipped else ""
            raise InputError(f"{path} holds no ISRCTN trial records{found}.")
        writer.set_registry_meta(ISRCTN, imported_at=now, import_file=path.name)
    return ImportResult(path.name, len(written), len(ids) - len(written), duplicates, skipped,
                        tuple(reasons), file_date, file_date)
