"""The registries the finder reads, each behind its own sub-package.

An adapter (``Registry``, see ``base``) reads its registry's records into the study model
(``trials.model``), fills the store from the registry's API or a downloaded file, and checks
the live API. Nothing outside an adapter reads a raw record. To add a registry: add a
sub-package that builds a ``Registry`` as ``REGISTRY``, and its entry in ``trials.catalog``.
"""

from __future__ import annotations

import codecs
import importlib
from pathlib import Path
from typing import Any

from .. import ids
from ..catalog import BY_CODE, CATALOG
from ..config import DEFAULT_REGISTRY
from ..errors import InputError, StoreError
from ..model import Study, StudyId
from .base import Check, ImportResult, Progress, RefreshResult, Registry

# Each catalogued registry with an adapter, in lead order.
REGISTRIES: dict[str, Registry] = {
    r.code: importlib.import_module(f"{__name__}.{r.package}").REGISTRY for r in CATALOG if r.package}
DEFAULT = REGISTRIES[DEFAULT_REGISTRY]

__all__ = ["Check", "ImportResult", "Progress", "RefreshResult", "Registry", "REGISTRIES", "DEFAULT",
           "adapter_for_file", "parse_id", "read"]


def read(registry: str, record: Any) -> Study:
    """A stored record of ``registry`` read into the model."""
    adapter = REGISTRIES.get(registry)
    if adapter is None:
        raise StoreError(f"The local store holds a study of an unknown registry ({registry!r}); "
                         "it was written by a newer version of this program.")
    return adapter.read(record)


# How far into a file ``adapter_for_file`` looks: a download's first record names its registry.
_SNIFF_BYTES = 256 * 1024


def adapter_for_file(path: Path) -> Registry:
    """The registry whose download ``path`` is, from its first bytes: ISRCTN's API answers in
    XML, CTIS's records carry ``ctNumber``, ClinicalTrials.gov's ``protocolSection``."""
    try:
        with open(path, "rb") as fh:
            head = fh.read(_SNIFF_BYTES)
    except OSError as exc:
        raise InputError(f"Cannot read {path}: {exc.strerror}.") from None
    head = _as_utf8(head)
    for code, adapter in REGISTRIES.items():
        sniff = BY_CODE[code].sniff
        if sniff is not None and sniff(head):
            return adapter
    return DEFAULT  # its importer says what is wrong with anything else


_WIDE = ((codecs.BOM_UTF32_LE, "utf-32"), (codecs.BOM_UTF32_BE, "utf-32"),  # (UTF-32 LE starts as UTF-16 LE)
         (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"))


def _as_utf8(head: bytes) -> bytes:
    """A file's first bytes as UTF-8 for sniffing: an ISRCTN answer saved as UTF-16 is still
    ISRCTN's (it was refused as "not a ClinicalTrials.gov JSON download")."""
    for mark, codec in _WIDE:
        if head.startswith(mark):
            return head.decode(codec, errors="ignore").encode("utf-8")
    return head


def parse_id(text: str) -> StudyId:
    """A study id as a person typed it, in whichever registry's form it is, or a EudraCT
    number (a trial's records name it; no record of that register is stored); InputError
    when it is none of them."""
    for adapter in REGISTRIES.values():
        try:
            return adapter.parse_id(text)
        except InputError:
            continue
    found = ids.ids_in(text.strip())
    if len(found) == 1 and found[0].registry == ids.EUCTR and text.strip().upper().endswith(found[0].value):
        return found[0]
    examples = ", ".join(f"{r.example} ({r.name})" for r in CATALOG)
    raise InputError(f"{text.strip()[:40]!r} is not a study id; they look like {examples}.")
