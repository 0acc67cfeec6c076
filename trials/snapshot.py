"""A snapshot: the MS stem-cell studies a search runs on, read from the store (or from the
bundled data when the store is empty and the registry cannot be reached), with how old
they are.

Loading only reads: it never writes the store (re-labelling after a classifier change
is a step the updates run, see ``trials.updates``). Every record is read into the model
once, by its registry's adapter, here.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from functools import cached_property

import pandas as pd

from . import registries
from .analysis import links, merge
from .analysis.classify import LAB_ONLY, classified
from .analysis.eligibility import Criteria, read_criteria
from .analysis.table import Entry, build_table, entry_of
from .errors import StoreError
from .model import Site, StudyId
from .presentation import plain
from .store import bundled
from .store.sqlite import NewStudy, SponsorCheck, StatusChange, Store, StoredStudy, StoreInfo

STALE_AFTER = timedelta(hours=24)  # the registries publish new data daily
BUNDLED = "bundled snapshot"  # what the fetched_at column says for a bundled study


@dataclass(frozen=True)
class Snapshot:
    """Everything a search reads: the classified table, each study's entry, the changes the
    refreshes saw, and how fresh it all is."""

    table: pd.DataFrame
    entries: Mapping[str, Entry]  # by the table's ``study_id``
    info: StoreInfo
    changes: tuple[StatusChange, ...] = ()
    new_studies: tuple[NewStudy, ...] = ()  # first stored after tracking began
    notice: str | None = None  # something the user must be told about the store itself
    bundled: bool = False  # the copy shipped with the package, not this computer's store
    # Every number a listed trial is known by (another registry's record of it, a EudraCT
    # number its records name) -> its id in the table.
    aliases: Mapping[str, str] = field(default_factory=dict)

    def key(self, study_id: str) -> str:
        """The table's id of the trial ``study_id`` names, in whichever registry."""
        return study_id if study_id in self.entries else self.aliases.get(study_id, study_id)

    @property
    def is_empty(self) -> bool:
        return self.info.is_empty

    def is_stale(self, now: datetime | None = None) -> bool:
        return is_stale(self.info, now)

    @property
    def age(self) -> str:
        """How old the data is, in the words every view and export uses."""
        if self.bundled:
            return plain.bundled_age(self.info.data_timestamp)
        return plain.store_age(self.info)

    @property
    def age_warned(self) -> str:
        """The age, with a warning to check the registry when the data is old (the bundled
        copy's age already says so)."""
        info = self.info
        # Data only imported carries its file's date, not the API's.
        dated = info.data_timestamp or (info.imported.oldest if info.imported else None)
        # With other registries beside it, only ClinicalTrials.gov's data carries this date.
        whose = "ClinicalTrials.gov's data" if info.others else "This data"
        stale = None if self.bundled else plain.stale_warning(dated, whose=whose)
        return f"{self.age} {stale}" if stale else self.age

    @cached_property
    def criteria(self) -> dict[str, Criteria]:
        """What the pre-screen reads of each study, by its id in the table."""
        return {key: read_criteria(e.study) for key, e in self.entries.items()}

    @cached_property
    def sites(self) -> dict[str, tuple[Site, ...]]:
        """Each study's sites, by its id in the table, for "near me" and the map."""
        return {key: e.study.sites for key, e in self.entries.items()}

    @cached_property
    def countries(self) -> tuple[str, ...]:
        """Every country with a site, under its common name (``model.common_country``), in
        alphabetical order."""
        return tuple(sorted({c for e in self.entries.values() for c in e.study.countries}))


def is_stale(info: StoreInfo, now: datetime | None = None) -> bool:
    """ClinicalTrials.gov's data (the store's own dates) was last checked over a day ago."""
    # A store that an update left empty (the registry listed nothing) is fresh all the same.
    return is_stale_at(info.checked_at or info.fetched_at, now)


def is_stale_at(checked: str | None, now: datetime | None = None) -> bool:
    """A registry last asked at ``checked`` (None: never) was asked over a day ago."""
    if not checked:
        return True
    moment = datetime.fromisoformat(checked.replace("Z", "+00:00"))
    return (now or datetime.now(UTC)) - moment > STALE_AFTER


def _entry(stored: StoredStudy, sponsors: dict[str, SponsorCheck]) -> Entry:
    study = registries.read(stored.id.registry, stored.record)
    return entry_of(stored, study, sponsors.get(study.sponsor))


def read(store: Store) -> Snapshot:
    """The stored MS stem-cell studies (and laboratory studies of stem cells); never touches the
    network, never writes."""
    checks = {registry: store.sponsor_checks(registry) for registry in registries.REGISTRIES}
    entries: list[Entry] = []
    unreadable: set[StudyId] = set()
    # Laboratory studies give no therapy and carry no label; they are rows all the same, shown
    # (like follow-ups) only when a search asks for studies of every role.
    for stored in (*store.stem_cell_studies(), *store.studies_with_role(LAB_ONLY)):
        try:
            entries.append(_entry(stored, checks.get(stored.id.registry, {})))
        except (ValueError, StoreError):  # a record its registry's reader refuses
            unreadable.add(stored.id)
    unreadable |= store.unreadable
    ids = {e.id for e in entries}
    info = store.info()
    entries = merged(entries)
    return Snapshot(
        build_table(entries), {e.id.value: e for e in entries}, info,
        changes=tuple(store.status_changes(ids)),
        new_studies=tuple(store.new_studies(ids)),
        # Once new data is in, the old file set aside is history, not news.
        notice=store.notice if info.is_empty else _unreadable_notice(unreadable),
        aliases=aliases_of(entries),
    )


def merged(entries: list[Entry]) -> list[Entry]:
    """One entry per trial (``analysis.links``): the lead record's entry, with the trial's
    merged study and where each field came from (``analysis.merge``), the other records'
    entries in ``also``, and the claims no record bore out."""
    by_id = {e.id: e for e in entries}
    out = []
    for trial in links.trials_of(e.study for e in entries):
        group = [by_id[s.id] for s in trial.records]
        lead, others = group[0], tuple(group[1:])
        if others:
            found = merge.merged(list(trial.records), _as_of(group), trial.confirmed)
            labels = tuple(dict.fromkeys((*lead.labels, *(x for o in others for x in o.labels))))
            kind, told = merge.merged_kind(found.study, list(trial.records), labels)
            lead = replace(lead, study=found.study, labels=labels, also=others, registered=trial.records,
                           provenance={**found.provenance, **told}, links=trial.links, merged_kind=kind)
        out.append(replace(lead, claims=trial.claims) if trial.claims else lead)
    return out


def _as_of(group: list[Entry]) -> str:
    """The data's own date: the latest day any of the records was fetched (a record cannot have
    been updated after it was read)."""
    days = [t[:10] for e in group for t in (e.fetched_at, e.data_timestamp) if re.match(r"\d{4}-\d\d-\d\d", t)]
    return max(days, default="")


def aliases_of(entries: list[Entry]) -> dict[str, str]:
    """Every number of a listed trial -> its row's id. A record's own number always opens its
    own trial; a number of a register this finder does not read (a EudraCT number) that is only
    named opens the one row whose records name it, and neither when two rows do. A number of a
    registry it reads opens only its own record's trial: naming it proves nothing."""
    own: dict[str, str] = {}
    named: dict[str, set[str]] = {}
    for e in entries:
        for s in e.records:
            for key in links.own_keys(s):
                own[key.value] = e.id.value
            for key in links.named_keys(s):
                if key.registry not in registries.REGISTRIES:
                    named.setdefault(key.value, set()).add(e.id.value)
    found = {number: next(iter(rows)) for number, rows in named.items() if len(rows) == 1 and number not in own}
    found.update(own)
    return {number: row for number, row in found.items() if number != row}


def _unreadable_notice(ids: set[StudyId]) -> str | None:
    if not ids:
        return None
    named = ", ".join(sorted(i.value for i in ids)[:5]) + (" ..." if len(ids) > 5 else "")
    return (f"{len(ids)} stored {'study' if len(ids) == 1 else 'studies'} could not be read and "
            f"{'is' if len(ids) == 1 else 'are'} left out ({named}); `trials refresh --full` fetches "
            "them again.")


def load_bundled() -> Snapshot | None:
    """The bundled data, classified by the classifier in use; None when the package has none."""
    shipped = bundled.read()
    if shipped is None:
        return None
    entries = []
    for registry, record in shipped.records:
        try:
            study = registries.read(registry, record)
        except (ValueError, StoreError):
            continue  # a record this version cannot read is left out, never guessed at
        label = classified(study)
        if label.labels and label.is_ms:
            entries.append(Entry(study, label.labels, label.evidence, label.study_role,
                                 shipped.data_timestamp, BUNDLED, "api", True))
    count = len(entries)
    info = StoreInfo(count, count, shipped.data_timestamp, None, None,
                     f"snapshot of ClinicalTrials.gov records bundled with this program "
                     f"(built {shipped.built_at[:10]})", None)
    return Snapshot(build_table(entries), {e.id.value: e for e in entries}, info, bundled=True)


def stored_entry(store: Store, study_id: StudyId) -> Entry | None:
    """Any stored study (stem-cell or not), read; None when it is not stored."""
    stored = store.study(study_id)
    return _entry(stored, store.sponsor_checks(study_id.registry)) if stored is not None else None
