"""The registries the finder reads, each behind its own sub-package.

An adapter (``Registry``, see ``base``) reads its registry's records into the study model
(``trials.model``), fills the store from the registry's API or a downloaded file, and checks
the live API. Nothing outside an adapter reads a raw record. To add a registry: add a
sub-package that builds a ``Registry`` and list it here.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from .. import ids
from ..errors import InputError, StoreError
from ..ids import CTIS as CTIS_CODE
from ..ids import ISRCTN as ISRCTN_CODE
from ..model import CTGOV, Study, StudyId
from .base import Check, ImportResult, Progress, RefreshResult, Registry
from .ctgov import REGISTRY as CLINICALTRIALS_GOV
from .ctis import REGISTRY as EU_CTIS
from .isrctn import REGISTRY as ISRCTN_REGISTRY

REGISTRIES: dict[str, Registry] = {r.code: r for r in (CLINICALTRIALS_GOV, ISRCTN_REGISTRY, EU_CTIS)}
DEFAULT = REGISTRIES[CTGOV]

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
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    if text.startswith(b"<") and ISRCTN_CODE in REGISTRIES:
        return REGISTRIES[ISRCTN_CODE]
    if b'"ctNumber"' in head and b'"protocolSection"' not in head and CTIS_CODE in REGISTRIES:
        return REGISTRIES[CTIS_CODE]
    return DEFAULT  # its importer says what is wrong with anything else


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
    raise InputError(f"{text.strip()[:40]!r} is not a study id; they look like NCT04047628 "
                     "(ClinicalTrials.gov), ISRCTN88667898 (ISRCTN), 2023-505613-24-00 (EU CTIS) "
                     "or 2019-001549-42 (EudraCT).")
