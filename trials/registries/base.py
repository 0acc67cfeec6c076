"""What every registry adapter gives the rest of the finder (see ``trials.registries``)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from ..catalog import name_of
from ..config import Settings
from ..errors import ApiBadResponse, ApiError, InputError
from ..model import Study, StudyId
from ..store.sqlite import Store

SHOWN_REASONS = 3  # how many reasons for refused records a message names

# A refresh's progress: (stage in words, done, total or None when not known yet).
Progress = Callable[[str, int, int | None], None]


@dataclass(frozen=True)
class RefreshResult:
    mode: str  # "unchanged", "incremental", "full", or "done by another update"
    data_timestamp: str
    listed: int  # studies returned by the listing pass
    detailed: int  # full records fetched
    status_changes: int
    requests: int
    bytes_received: int
    dropped: int = 0  # studies the registry no longer lists, removed by a complete listing
    still_imported: int = 0  # studies from an imported file that no refresh has confirmed
    skipped: int = 0  # records refused (no valid id, a field of the wrong type): not stored,
    reasons: tuple[str, ...] = ()  # their studies' stored copies kept; why, for the first few
    unnamed: int = 0  # of them without a valid id: as they could be any study, nothing was removed
    registry: str = "ClinicalTrials.gov"  # the registry's name, for messages
    # A refresh of several registries: the first one's result carries the others' and, for each
    # registry that failed, why (its stored data stays as it was).
    others: tuple[RefreshResult, ...] = ()
    problems: tuple[str, ...] = ()

    @property
    def why_skipped(self) -> str:
        return reasons_text(self.skipped, self.reasons)


@dataclass(frozen=True)
class ImportResult:
    file: str
    imported: int  # records written to the store
    kept_newer: int  # the store already held a newer record of the study (or the API's own)
    duplicates: int  # records whose id came earlier in the file (the newer one is kept)
    skipped: int  # records that are not study records
    reasons: tuple[str, ...]  # why, for the first few
    oldest: str  # the data dates of the file's records
    newest: str


def reasons_text(count: int, reasons: tuple[str, ...]) -> str:
    more = count - len(reasons)
    return "; ".join(reasons) + (f"; and {more} more" if more > 0 else "")


@dataclass(frozen=True)
class Check:
    """One step of a registry's live smoke test (``trials check``)."""

    name: str
    ok: bool
    detail: str


def run_steps(steps: Iterable[tuple[str, Callable[[], str]]]) -> list[Check]:
    """Each step of a smoke test run in turn, its registry error kept as the step's result."""
    results = []
    for name, step in steps:
        try:
            results.append(Check(name, True, step()))
        except ApiError as exc:
            results.append(Check(name, False, str(exc)))
    return results


@dataclass(frozen=True)
class Registry:
    """One registry: how to read its stored records, fill the store from it, and check it."""

    code: str  # the short code stored with every study ("ctgov"); its entry in ``trials.catalog``
    read: Callable[[Any], Study]  # one stored record -> the model; ValueError when it has no id
    parse_id: Callable[[str], StudyId]  # what a person typed ("nct 4047628") -> the id; InputError
    # (store, settings, full=, progress=, budget=) -> RefreshResult; raises ApiError, store unchanged
    refresh: Callable[..., RefreshResult]
    import_file: Callable[[Store, Path], ImportResult]  # a downloaded file -> the store
    check: Callable[[Settings], list[Check]]  # the live smoke test

    @property
    def name(self) -> str:
        """"ClinicalTrials.gov", from the catalog."""
        return name_of(self.code)


# -- what a listing must prove before the store believes it (see ``sync``) -----------------

class ListingRefused(ApiBadResponse):
    """A listing the store will not believe; the stored data stays exactly as it was."""

    def __init__(self, registry: str, problem: str) -> None:
        super().__init__(f"{problem}. Nothing was changed: {registry}'s stored data stays as it was. "
                         "Try again later; if it keeps happening, check the registry's address "
                         "setting and `trials check`.")


# -- a downloaded file into the store (every registry's import) --------------------------

def file_date(path: Path) -> str:
    """The day a file was last changed: the data date of its records that give none."""
    try:
        return datetime.fromtimestamp(path.stat().st_mtime, UTC).strftime("%Y-%m-%d")
    except OSError as exc:
        raise InputError(f"Cannot read {path}: {exc.strerror}.") from None
