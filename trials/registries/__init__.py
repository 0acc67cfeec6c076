"""The registries the finder reads, each behind its own sub-package.

An adapter (``Registry``, see ``base``) reads its registry's records into the study model
(``trials.model``), fills the store from the registry's API or a downloaded file, and checks
the live API. Nothing outside an adapter reads a raw record. To add a registry: add a
sub-package that builds a ``Registry`` and list it here.
"""

from __future__ import annotations

from typing import Any

from .. import ids
from ..errors import InputError, StoreError
from ..model import CTGOV, Study, StudyId
from .base import Check, ImportResult, Progress, RefreshResult, Registry
from .ctgov import REGISTRY as CLINICALTRIALS_GOV

REGISTRIES: dict[str, Registry] = {r.code: r for r in (CLINICALTRIALS_GOV,)}
DEFAULT = REGISTRIES[CTGOV]

__all__ = ["Check", "ImportResult", "Progress", "RefreshResult", "Registry", "REGISTRIES", "DEFAULT",
           "parse_id", "read"]


def read(registry: str, record: Any) -> Study:
    """A stored record of ``registry`` read into the model."""
    adapter = REGISTRIES.get(registry)
    if adapter is None:
        raise StoreError(f"The local store holds a study of an unknown registry ({registry!r}); "
                         "it was written by a newer version of this program.")
    return adapter.read(record)


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
