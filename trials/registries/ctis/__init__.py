"""EU CTIS (the EU Clinical Trials Information System): the public API client, the query plan,
the record reader, the import of a JSON file and the live smoke test. Nothing outside this
package knows the CTIS record layout."""

from __future__ import annotations

from ...ids import CTIS
from ..base import Registry
from .download import import_download
from .plan import refresh_from
from .record import parse_id, read
from .smoke import check

REGISTRY = Registry(
    code=CTIS,
    read=read,
    parse_id=parse_id,
    refresh=refresh_from,
    import_file=import_download,
    check=check,
)
