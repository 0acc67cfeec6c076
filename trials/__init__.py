"""Find multiple sclerosis stem-cell therapy trials: the finder as a library.

This is the public API; the command line (``trials.cli``) and the page (``trials.page``)
use only it and ``trials.presentation`` (words, cards, views and files for any front end).
Everything else is inside: the registry adapters (``trials.registries``), the store
(``trials.store``) and what is read from a study (``trials.analysis``).

Data flows one way: a registry's records -> the study model -> the store -> a
``Snapshot`` (the classified table) -> ``search(snapshot, query)`` -> a ``Result`` that a
door formats::

    import trials
    settings = trials.Settings.from_env()
    data = trials.current(settings)                      # refreshed when a day old
    query, notices = trials.Query.from_url("?therapy=HSCT&status=Recruiting+now")
    result = trials.search(data.snapshot, query)
    print(result.summary, result.age)
"""

from __future__ import annotations

import importlib
import logging
from typing import TYPE_CHECKING, Any

# A library logs; the program that runs it decides where to (the page's server writes the
# trials log to stderr; the command line says the same things in its own words).
logging.getLogger(__name__).addHandler(logging.NullHandler())

# Each public name and the module it lives in ("ALIAS=name" where it is renamed here).
# Loaded on first use (PEP 562): `trials --help` and `--version` need none of pandas,
# Streamlit or httpx, and answer at once. tests/test_config.py checks this table against
# the imports below, which are what type checkers and readers see.
_HOMES: dict[str, tuple[str, ...]] = {
    ".analysis.changes": ("Change", "parse_since"),
    ".analysis.eligibility": ("MS_TYPE_WORDS=TYPE_WORDS",),
    ".analysis.geo": ("GEONAMES_ATTRIBUTION=ATTRIBUTION", "MAX_PLACE"),
    ".analysis.nearby": ("MAX_WITHIN_KM",),
    ".analysis.table": ("Entry",),
    ".analysis.prescreen": ("EDSS_EXPLAINED", "MAX_AGE", "PATIENT_TYPES", "SEXES", "VERDICT_MEANING",
        "VERDICTS", "Profile"),
    ".config": ("Settings",),
    ".errors": ("ApiError", "ApiForbidden", "ApiUnavailable", "InputError", "StoreError", "TrialsError",
        "UpdateRunning"),
    ".model": ("Study", "StudyId"),
    ".pipeline": ("NO_DATA", "AboutOne", "Current", "Notice", "Result", "Since", "atom", "changes", "choose", "current",
        "about_one", "entry", "load", "search"),
    ".query": ("LINK_PARAMS", "MAX_COMPARED", "MIN_COMPARED", "PARAMS", "Filters", "Param", "Query",
        "Unused", "add_options", "parse_compare", "parse_place"),
    ".registries": ("Check", "ImportResult", "RefreshResult", "parse_study_id=parse_id"),
    ".server": ("serve",),
    ".snapshot": ("Snapshot", "load_bundled"),
    ".updates": ("Updater", "UpdateState", "check", "import_file", "labels_are_stale", "needs_update",
        "read_upload", "refresh", "relabel", "store_notice", "updater", "version", "write_bundled"),
}
_WHERE = {name.partition("=")[0]: (module, name.partition("=")[2] or name)
          for module, names in _HOMES.items() for name in names}
__all__ = list(_WHERE)

if TYPE_CHECKING:
    from .analysis.changes import Change, parse_since
    from .analysis.eligibility import TYPE_WORDS as MS_TYPE_WORDS
    from .analysis.geo import ATTRIBUTION as GEONAMES_ATTRIBUTION
    from .analysis.geo import MAX_PLACE
    from .analysis.nearby import MAX_WITHIN_KM
    from .analysis.prescreen import EDSS_EXPLAINED, MAX_AGE, PATIENT_TYPES, SEXES, VERDICT_MEANING, VERDICTS, Profile
    from .analysis.table import Entry
    from .config import Settings
    from .errors import ApiError, ApiForbidden, ApiUnavailable, InputError, StoreError, TrialsError, UpdateRunning
    from .model import Study, StudyId
    from .pipeline import (
        NO_DATA,
        AboutOne,
        Current,
        Notice,
        Result,
        Since,
        about_one,
        atom,
        changes,
        choose,
        current,
        entry,
        load,
        search,
    )
    from .query import (
        LINK_PARAMS,
        MAX_COMPARED,
        MIN_COMPARED,
        PARAMS,
        Filters,
        Param,
        Query,
        Unused,
        add_options,
        parse_compare,
        parse_place,
    )
    from .registries import Check, ImportResult, RefreshResult
    from .registries import parse_id as parse_study_id
    from .server import serve
    from .snapshot import Snapshot, load_bundled
    from .updates import (
        Updater,
        UpdateState,
        check,
        import_file,
        labels_are_stale,
        needs_update,
        read_upload,
        refresh,
        relabel,
        store_notice,
        updater,
        version,
        write_bundled,
    )


def __getattr__(name: str) -> Any:
    if name not in _WHERE:
        raise AttributeError(f"module 'trials' has no attribute {name!r}")
    module, real = _WHERE[name]
    value = getattr(importlib.import_module(module, __name__), real)
    globals()[name] = value  # found once; later uses are plain attribute reads
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *__all__])
