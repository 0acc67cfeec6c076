"""ClinicalTrials.gov: the API v2 client, the query plan, the record reader, the import of a
website download and the live smoke test. Nothing outside this package knows the v2 layout."""

from __future__ import annotations

from ...model import CTGOV
from ..base import Registry
from .download import import_download
from .plan import refresh_from
from .record import parse_id, read_study
from .smoke import check

REGISTRY = Registry(
    code=CTGOV,
    read=read_study,
    parse_id=parse_id,
    refresh=refresh_from,
    import_file=import_download,
    check=check,
)
