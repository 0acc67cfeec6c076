"""Registry numbers: recognised in any text, written one way, linked to their registry.

One trial may be registered on ClinicalTrials.gov, ISRCTN, the EU's CTIS and the older EU
Clinical Trials Register (EudraCT) at once, and each record names some of the others' numbers
in its own spelling: ``nct05057013``, ``ISRCTN 62918594``, ``CTIS2020-005891-36-00``,
``2020-005891-36``. Records are merged on these numbers (``trials.analysis.merge``), so they
are read here, for every registry, in one way. Nothing here trusts the text it reads: a number
is recognised only in its exact shape, and a link is built from the normalised number.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from .model import CTGOV, StudyId

ISRCTN = "isrctn"
CTIS = "ctis"
EUCTR = "euctr"  # EudraCT numbers: the EU Clinical Trials Register, read for merging only

NAMES = {
    CTGOV: "ClinicalTrials.gov",
    ISRCTN: "ISRCTN",
    CTIS: "EU CTIS",
    EUCTR: "EU Clinical Trials Register",
}
_URLS = {
    CTGOV: "https://clinicaltrials.gov/study/{}",
    ISRCTN: "https://www.isrctn.com/{}",
    CTIS: "https://euclinicaltrials.eu/search-for-clinical-trials/?lang=en&EUCT={}",
    EUCTR: "https://www.clinicaltrialsregister.eu/ctr-search/search?query={}",
}

# Each shape is matched whole, with no digit or letter glued on either side: "NCT123456789"
# (nine digits) is no NCT number, and a date "2020-01-01" is no EudraCT number.
_EDGE_BEFORE, _EDGE_AFTER = r"(?<![A-Za-z0-9-])", r"(?![0-9])"
_PATTERNS = (
    (CTGOV, re.compile(_EDGE_BEFORE + r"NCT\s?([0-9]{8})" + _EDGE_AFTER, re.IGNORECASE)),
    (ISRCTN, re.compile(_EDGE_BEFORE + r"ISRCTN\s?([0-9]{8})" + _EDGE_AFTER, re.IGNORECASE)),
    # A CTIS number is a year, six digits and two pairs (2023-505613-24-00); "CTIS" may lead it.
    (CTIS, re.compile(r"(?<![A-Za-z0-9-])(?:CTIS\s?)?((?:19|20)[0-9]{2}-[0-9]{6}-[0-9]{2}-[0-9]{2})"
                      + _EDGE_AFTER, re.IGNORECASE)),
    # A EudraCT number is a year, six digits and one pair (2019-001549-42), and no more pairs.
    (EUCTR, re.compile(r"(?<![A-Za-z0-9-])(?:EudraCT\s?(?:number|no\.?)?\s?:?\s?)?"
                       r"((?:19|20)[0-9]{2}-[0-9]{6}-[0-9]{2})(?![0-9]|-[0-9])", re.IGNORECASE)),
)


def ids_in(text: str) -> tuple[StudyId, ...]:
    """Every registry number written in ``text``, normalised, in order, each once."""
    found: dict[StudyId, None] = {}
    for registry, pattern in _PATTERNS:
        for match in pattern.finditer(text):
            number = match.group(1)
            value = {CTGOV: "NCT", ISRCTN: "ISRCTN"}.get(registry, "") + number
            found[StudyId(registry, value)] = None
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


def name_of(registry: str) -> str:
    return NAMES.get(registry, registry)


def url_of(study_id: StudyId) -> str:
    """The record's page on its registry's website (built from a normalised number only)."""
    template = _URLS.get(study_id.registry)
    return template.format(study_id.value) if template else ""
