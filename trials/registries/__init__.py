"""The registries the finder reads, each behind its own sub-package.

An adapter (``Registry``, see ``base``) reads its registry's records into the study model
(``trials.model``), fills the store from the registry's API or a downloaded file, and checks
the live API. Nothing outside an adapter reads a raw record. To add a registry: add a
sub-package that builds a ``Registry`` and list it here.
"""

from __future__ import annotations

from typing import Any

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
    """A study id as a person typed it, in whichever registry's form it is; InputError when
    it is none of them (the message names the first registry's form)."""
    errors = []
    for adapter in REGISTRIES.values():
        try:
            return adapter.parse_id(text)
        except InputError as exc:
            errors.append(exc)
    raise errors[0]
