"""The bundled data: the MS stem-cell studies' records shipped inside the package.

A fresh install with no network would otherwise show nothing. The bundled data is
used only while the store is empty and the registry cannot be reached, and it is
always labelled as what it is ("bundled snapshot, data as of ..., N months old");
the first successful refresh or import replaces it.

``trials bundle`` writes it from a store, so a maintainer renews it before a
release. Only the registries' records travel, each with its registry's code: labels
are computed again on reading (``trials.snapshot.load_bundled``), so the bundled data
follows the classifier in use.
"""

from __future__ import annotations

import gzip
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import InputError
from .sqlite import Store, utc_now

PATH = Path(__file__).resolve().parents[1] / "data" / "bundled.json.gz"
FORMAT = "ms-stemcell-trials bundled snapshot 2"


@dataclass(frozen=True)
class Bundled:
    data_timestamp: str  # the registry's data version the records were fetched at
    built_at: str
    source: str
    records: tuple[tuple[str, Any], ...]  # (registry code, record), as stored


def write(store: Store, path: Path | None = None) -> int:
    """Write the store's MS stem-cell studies as the bundled data; returns how many."""
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
        "studies": [{"registry": s.id.registry, "record": s.record} for s in studies],
    }
    path = Path(path or PATH)
    path.parent.mkdir(parents=True, exist_ok=True)
    body = json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    # mtime=0: the same store gives the same bytes, so a renewal shows up in git only if data changed.
    path.write_bytes(gzip.compress(body, compresslevel=9, mtime=0))
    return len(studies)


def read(path: Path | None = None) -> Bundled | None:
    """The bundled data, or None when the package has none or it cannot be read."""
    try:
        payload = json.loads(gzip.decompress(Path(path or PATH).read_bytes()))
    except (OSError, EOFError, ValueError):
        return None
    if not isinstance(payload, dict) or payload.get("format") != FORMAT:
        return None
    records = tuple((item["registry"], item["record"]) for item in payload.get("studies") or []
                    if isinstance(item, dict) and isinstance(item.get("registry"), str)
                    and isinstance(item.get("record"), dict))
    data_timestamp = str(payload.get("data_timestamp") or "")
    if not records or not data_timestamp:
        return None
    return Bundled(data_timestamp, str(payload.get("built_at") or ""), str(payload.get("source") or ""),
                   records)
