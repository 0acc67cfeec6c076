"""Registry numbers: recognised in any text, written one way, linked to their registry.

One trial may be registered on ClinicalTrials.gov, ISRCTN, the EU's CTIS and the older EU
Clinical Trials Register (EudraCT) at once, and each record names some of the others' numbers
in its own spelling: ``nct05057013``, ``ISRCTN 62918594``, ``CTIS2020-005891-36-00``,
``2020-005891-36``. Records are merged on these numbers (``trials.analysis.merge``), so they
are read here, for every registry, in one way. Nothing here trusts the text it reads: a number
is recognised only in its exact shape, and a link is built from the normalised number.
"""

from __future__ import annotations

from collections.abc import Iterable

from .catalog import BY_CODE, CATALOG, name_of
from .model import StudyId

ISRCTN = "isrctn"
CTIS = "ctis"
EUCTR = "euctr"  # EudraCT numbers: the EU Clinical Trials Register, read for merging only

__all__ = ["CTIS", "EUCTR", "ISRCTN", "ids_in", "ids_of", "link_keys", "name_of", "url_of", "written"]


def ids_in(text: str) -> tuple[StudyId, ...]:
    """Every registry number written in ``text``, normalised, in order, each once."""
    found: dict[StudyId, None] = {}
    for register in CATALOG:
        for match in register.number.finditer(text):
            found[StudyId(register.code, register.normalised(match.group(1)))] = None
    return tuple(found)


def ids_of(texts: Iterable[str], own: StudyId) -> tuple[StudyId, ...]:
    """The registry numbers ``texts`` name, other than the record's own ``own``, sorted."""
    found = {i for text in texts for i in ids_in(text)}
    return tuple(sorted(found - {own}))


def link_keys(study_id: StudyId) -> frozenset[StudyId]:
    """What this number matches another record by: itself, and for a CTIS number ending "-00"
    also that number without it. ISRCTN writes a trial's EudraCT number in CTIS's form
    ("CTIS2020-005891-36-00" for EudraCT 2020-005891-36, as its secondaryNumber of type ctis),
    so such a number may be either; a trial moved into CTIS gets a new number (its record keeps
    the EudraCT one, read as its own other id)."""
    keys = {study_id}
    if study_id.registry == CTIS and study_id.value.endswith("-00"):
        keys.add(StudyId(EUCTR, study_id.value[:-3]))
    return frozenset(keys)


def url_of(study_id: StudyId) -> str:
    """The record's page on its registry's website (built from a normalised number only)."""
    register = BY_CODE.get(study_id.registry)
    return register.record_url.format(study_id.value) if register else ""


def written(study_id: StudyId) -> str:
    """A number as people write it: NCT and ISRCTN numbers carry their prefix; the EU's
    numbers get their register's name ("CTIS 2023-505613-24-00", "EudraCT 2019-001549-42")."""
    register = BY_CODE.get(study_id.registry)
    return (register.written if register else "") + study_id.value
