"""The bundled snapshot: the MS stem-cell studies shipped inside the package.

A fresh install with no network would otherwise show nothing. The snapshot is
used only while the store is empty and ClinicalTrials.gov cannot be reached,
and it is always labelled as what it is ("bundled snapshot, data as of ...,
N months old"); the first successful refresh or import replaces it.

``trials snapshot`` writes it from a store, so a maintainer renews it before a
release. Only the raw records travel: labels are computed again on reading, so
the snapshot follows the classifier in use.
"""

from __future__ import annotations

import gzip
import json
from dataclasses import dataclass
from pathlib import Path

from . import refresh
from .errors import InputError
from .records import is_nct_id, raw_nct_id
from .store import Store, StoredStudy, utc_now

PATH = Path(__file__).parent / "data" / "snapshot.json.gz"
FORMAT = "ms-stemcell-trials bundled snapshot 1"
FETCHED = "bundled snapshot"  # what the fetched_at column says for its studies


@dataclass(frozen=True)
class Bundled:
    data_timestamp: str  # the API's dataTimestamp of the data it was built from
    built_at: str
    source: str
    studies: tuple[StoredStudy, ...]


def write(store: Store, path: Path | None = None) -> int:
    """Write the store's MS stem-cell studies as a snapshot; returns how many."""
    info = store.info()
    studies = store.stem_cell_studies()
    if not studies or not info.data_timestamp:
        raise InputError("The local store holds no MS stem-cell studies to bundle: run "
                         "`trials refresh` first.")
    payload = {
        "format": FORMAT,
        "data_timestamp": info.data_timestamp,
        "built_at": utc_now(),
        "source": info.source or "",
        "studies": [s.record for s in studies],
    }
    path = Path(path or PATH)
    path.parent.mkdir(parents=True, exist_ok=True)
    body = json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    # mtime=0: the same store gives the same bytes, so a renewal shows up in git only if data changed.
    path.write_bytes(gzip.compress(body, compresslevel=9, mtime=0))
    return len(studies)


def read(path: Path | None = None) -> Bundled | None:
    """The snapshot, or None when the package has none or it cannot be read."""
    try:
        payload = json.loads(gzip.decompress(Path(path or PATH).read_bytes()))
    except (OSError, EOFError, ValueError):
        return None
    if not isinstance(payload, dict) or payload.get("format") != FORMAT:
        return None
    data_timestamp = str(payload.get("data_timestamp") or "")
    studies = []
    for record in payload.get("studies") or []:
        if not isinstance(record, dict):
            continue
        label = refresh.classified(record)
        nct_id = raw_nct_id(record)
        if is_nct_id(nct_id) and label.labels and label.is_ms:
            studies.append(StoredStudy(nct_id, record, True, label.labels, label.is_ms,
                                       label.evidence, data_timestamp, FETCHED,
                                       study_role=label.study_role))
    if not studies or not data_timestamp:
        return None
    return Bundled(data_timestamp, str(payload.get("built_at") or ""),
                   str(payload.get("source") or ""), tuple(studies))
