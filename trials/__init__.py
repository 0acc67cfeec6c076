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

from .analysis.changes import Change, parse_since
from .analysis.eligibility import TYPE_WORDS as MS_TYPE_WORDS
from .analysis.geo import ATTRIBUTION as GEONAMES_ATTRIBUTION
from .analysis.geo import MAX_PLACE
from .analysis.nearby import MAX_WITHIN_KM
from .analysis.prescreen import EDSS_EXPLAINED, MAX_AGE, PATIENT_TYPES, SEXES, VERDICT_MEANING, VERDICTS, Profile
from .config import Settings
from .errors import ApiError, ApiForbidden, ApiUnavailable, InputError, StoreError, TrialsError, UpdateRunning
from .model import Study, StudyId
from .pipeline import NO_DATA, Current, Notice, Result, Since, atom, changes, choose, current, entry, load, search
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

__all__ = [
    # settings and errors
    "Settings", "TrialsError", "ApiError", "ApiForbidden", "ApiUnavailable", "InputError", "StoreError",
    "UpdateRunning",
    # what a person asks, and the search
    "Query", "Filters", "Param", "PARAMS", "LINK_PARAMS", "Unused", "add_options", "parse_compare",
    "parse_place", "parse_since", "parse_study_id", "MAX_PLACE", "MAX_WITHIN_KM", "MIN_COMPARED",
    "MAX_COMPARED", "search", "Result", "Since", "Change", "changes", "atom",
    # the pre-screen's answers and verdicts, in words
    "Profile", "SEXES", "PATIENT_TYPES", "MS_TYPE_WORDS", "MAX_AGE", "EDSS_EXPLAINED", "VERDICTS",
    "VERDICT_MEANING",
    # the data: which to show, and updating it
    "Snapshot", "Current", "Notice", "NO_DATA", "current", "choose", "entry", "load", "load_bundled",
    "version", "store_notice", "refresh", "relabel", "labels_are_stale", "needs_update",
    "import_file", "read_upload", "write_bundled", "check", "Updater", "UpdateState", "updater", "RefreshResult",
    "ImportResult", "Check",
    # the model, and the page
    "Study", "StudyId", "serve", "GEONAMES_ATTRIBUTION",
]
