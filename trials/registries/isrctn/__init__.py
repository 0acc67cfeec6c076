"""ISRCTN: the API client, the query plan, the record reader, the import of saved XML and
the live smoke test. Nothing outside this package knows the ISRCTN XML layout.

Stored records are ``{"xml": "<fullTrial ...>...</fullTrial>"}`` (see ``record``)."""

from __future__ import annotations

from ...ids import ISRCTN
from ..base import Registry
from .download import import_download
from .plan import refresh_from
from .record import parse_id, read
from .smoke import check

REGISTRY = Registry(
    code=ISRCTN,
    read=read,
    parse_id=parse_id,
    refresh=refresh_from,
    import_file=import_download,
    check=check,
)
