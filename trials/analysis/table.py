"""The classified table: one row per study.

The page, the command line and the CSV export all read this table, so what a
neurologist downloads is exactly what the page showed.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from functools import cached_property

import pandas as pd

from ..ids import name_of, url_of, written
from ..model import Site, Study, StudyId
from ..store.sqlite import SponsorCheck, StoredStudy
from . import merge
from .eligibility import read_criteria
from .findings import findings_of
from .flags import Flag, data_date_of, flags_for, unconfirmed_number_flag
from .links import Claim, Link
from .status import LIST_SEPARATOR, status_caution, status_group
from .subtype import Subtype, subtype


@dataclass(frozen=True)
class Entry:
    """One MS stem-cell study as the finder shows it: the registry's record read into the
    model, what the classifier found, and where and when the record came from."""

    study: Study
    labels: tuple[str, ...]
    evidence: str
    study_role: str
    data_timestamp: str  # the registry's data version, or an imported file's date
    fetched_at: str
    source: str  # store.API or store.FILE
    is_full: bool
    sponsor_check: SponsorCheck | None = None  # the lead sponsor's other listings, when looked up
    # The same trial's records in other registries (``trials.analysis.merge``): this entry's
    # study is the lead record, with their sites joined to its own.
    also: tuple[Entry, ...] = ()
    registered: tuple[Study, ...] = ()  # every record as its registry gives it, the lead first
    # Which records gave each field of ``study`` that the lead record did not (``merge.merged``).
    provenance: Mapping[str, tuple[StudyId, ...]] = field(default_factory=dict)
    links: tuple[Link, ...] = ()  # why the records are one trial
    merged_kind: Subtype | None = None  # a merged trial's kind, each part from the record that states it
    claims: tuple[Claim, ...] = ()  # numbers named one-sidedly, about this trial or by it: not believed

    @property
    def records(self) -> tuple[Study, ...]:
        """Every registry's record of the trial as registered, the lead first."""
        return self.registered or (self.study, *(e.study for e in self.also))

    @property
    def id(self) -> StudyId:
        return self.study.id

    @cached_property
    def ids(self) -> tuple[StudyId, ...]:
        """The trial's numbers: of the records held, then those they name."""
        held = {s.id for s in self.records}
        return merge.all_ids(list(self.records), frozenset({c.of for c in self.claims} - held))

    def sources_of(self, name: str) -> tuple[StudyId, ...]:
        """The records the field ``name`` of ``study`` came from (``eligibility.ages`` for a part)."""
        return self.provenance.get(name, (self.id,))

    @cached_property
    def disagreements(self) -> tuple[merge.Disagreement, ...]:
        return merge.disagreements(list(self.records))

    @property
    def data_date(self) -> date | None:
        return data_date_of(self.data_timestamp)

    @property
    def flags(self) -> tuple[Flag, ...]:
        held = {s.id for s in self.records}
        borrowed = unconfirmed_number_flag(tuple(f"{c.of.value} on {name_of(c.of.registry)}" for c in self.claims
                                                 if c.of not in held and not c.contested))
        return flags_for(self.study, self.data_date, self.labels, self.sponsor_check) + (
            (borrowed,) if borrowed else ())

    @cached_property
    def kind(self) -> Subtype:
        """Whose cells, which tissue, which route: as far as the records say."""
        return self.merged_kind or subtype(self.study, self.labels)


def entry_of(stored: StoredStudy, study: Study, sponsor_check: SponsorCheck | None = None) -> Entry:
    """``stored``, read by its registry's adapter into ``study``."""
    return Entry(study, stored.labels, stored.evidence, stored.study_role, stored.data_timestamp,
                 stored.fetched_at, stored.source, stored.is_full, sponsor_check)

COLUMNS = (
    "study_id",
    "registry",
    "registry_ids",
    "registry_links",
    "title",
    "acronym",
    "therapy_types",
    "therapy_evidence",
    "therapy_kind",
    "cells_from",
    "routes",
    "study_role",
    "overall_status",
    "status_group",
    "status_caution",
    "phases",
    "study_type",
    "conditions",
    "interventions",
    "sponsor",
    "flags",
    "start_date",
    "primary_completion_date",
    "enrollment",
    "countries",
    "locations",
    "recruiting_sites",
    "last_update",
    "results_posted",
    "publications",
    "min_age",
    "max_age",
    "sex",
    "ms_types",
    "edss_min",
    "edss_max",
    "eligibility_notes",
    "central_contact",
    "contacts_listed",
    "eligibility_criteria",
    "last_verified",
    "url",
    "data_timestamp",
    "data_source",
    "fetched_at",
    "sources",
)

# The study fields each column reads (``merge.Provenance`` keys): the ``sources`` column says
# which record gave them. Columns not here are the finder's own (classification, flags, ids).
COLUMN_FIELDS = {
    "title": ("brief_title",), "acronym": ("acronym",), "overall_status": ("overall_status",),
    "status_group": ("overall_status",), "status_caution": ("overall_status",), "phases": ("phases",),
    "study_type": ("study_type",), "conditions": ("conditions",), "interventions": ("interventions",),
    "sponsor": ("sponsor",), "start_date": ("start_date",), "primary_completion_date": ("primary_completion_date",),
    "enrollment": ("enrollment",), "countries": ("sites",), "locations": ("sites",), "recruiting_sites": ("sites",),
    "last_update": ("last_update",), "results_posted": ("has_results",), "publications": ("references",),
    "min_age": ("eligibility.ages", "eligibility.criteria"), "max_age": ("eligibility.ages", "eligibility.criteria"),
    "sex": ("eligibility.sex",), "ms_types": ("eligibility.criteria",), "edss_min": ("eligibility.criteria",),
    "edss_max": ("eligibility.criteria",), "eligibility_notes": ("eligibility.criteria",),
    "central_contact": ("central_contacts",), "contacts_listed": ("central_contacts", "sites"),
    "eligibility_criteria": ("eligibility.criteria",), "last_verified": ("last_verified",),
}


def _site_text(site: Site) -> str:
    place = ", ".join(p for p in (site.facility, site.city, site.state, site.country) if p)
    return f"{place} ({site.status})" if site.status else place


def _findings(study: Study) -> dict:
    found = findings_of(study)
    return {
        # The date results were first posted; "yes" when the record does not date them.
        "results_posted": (found.results_first_posted or "yes") if found.has_results else "",
        # PubMed pages of the publications of its results (a citation could hold the separator).
        "publications": LIST_SEPARATOR.join(p.url or "a publication without a PubMed id (see the card)"
                                            for p in found.publications),
    }


def _reachable(study: Study) -> int:
    """How many different phone numbers and e-mail addresses the contacts give, central and
    at sites (a named contact without either cannot be reached from the record)."""
    contacts = (*study.central_contacts, *(c for s in study.sites for c in s.contacts))
    return len({c.phone for c in contacts if c.phone} | {c.email.casefold() for c in contacts if c.email})


def _eligibility(study: Study) -> dict:
    c = read_criteria(study)
    return {
        "min_age": c.min_age,
        "max_age": c.max_age,
        "sex": c.sex,
        "ms_types": ";".join(c.ms_types),  # alphabetical codes; empty = not restricted
        "edss_min": c.edss.low if c.edss else None,
        "edss_max": c.edss.high if c.edss else None,
        "eligibility_notes": " ".join(c.notes),
        "central_contact": LIST_SEPARATOR.join(x.text for x in study.central_contacts),
        "contacts_listed": _reachable(study),
        "eligibility_criteria": study.eligibility.criteria,
        "last_verified": study.last_verified,
    }


def row(entry: Entry) -> dict:
    study = entry.study
    return {
        "study_id": study.id.value,
        # Every registry holding a record of the trial, the one the row reads first.
        "registry": LIST_SEPARATOR.join(name_of(s.id.registry) for s in entry.records),
        "registry_ids": LIST_SEPARATOR.join(written(i) for i in entry.ids),
        "registry_links": LIST_SEPARATOR.join(url_of(i) for i in entry.ids),
        "title": study.title,
        "acronym": study.acronym,
        "therapy_types": LIST_SEPARATOR.join(entry.labels),
        "therapy_evidence": entry.evidence,
        "therapy_kind": entry.kind.words(entry.labels),
        "cells_from": LIST_SEPARATOR.join(entry.kind.donors),  # empty: not stated in the record
        "routes": LIST_SEPARATOR.join(entry.kind.routes),
        "study_role": entry.study_role,
        "overall_status": study.overall_status,
        "status_group": status_group(study.overall_status),
        "status_caution": " ".join(t for t in (status_caution(study, entry.data_date),
                                               *(d.text for d in entry.disagreements
                                                 if d.fact in ("status", "start date"))) if t),
        "phases": LIST_SEPARATOR.join(study.phases),
        "study_type": study.study_type,
        "conditions": LIST_SEPARATOR.join(study.conditions),
        "interventions": LIST_SEPARATOR.join(i.label for i in study.interventions),
        "sponsor": study.sponsor,
        "flags": LIST_SEPARATOR.join(f.title for f in entry.flags),
        "start_date": study.start_date,
        "primary_completion_date": study.primary_completion_date,
        "enrollment": study.enrollment,
        "countries": LIST_SEPARATOR.join(study.countries),
        "locations": LIST_SEPARATOR.join(_site_text(s) for s in study.sites),
        # Unknown (None), not 0, when no site reports a status of its own.
        "recruiting_sites": (sum(s.status == "RECRUITING" for s in study.sites)
                             if any(s.status for s in study.sites) else None),
        "last_update": study.last_update,
        **_findings(study),
        **_eligibility(study),
        "url": study.url,
        "data_timestamp": entry.data_timestamp,
        "data_source": entry.source,
        "fetched_at": entry.fetched_at,
        "sources": sources_text(entry),
    }


def sources_text(entry: Entry) -> str:
    """Which record each column was read from: the lead record's columns as "every other
    column", the others' by name, each record with its registry and last update."""
    given: dict[StudyId, list[str]] = {}
    shared: list[str] = []  # columns read from the lead record and another (ages, say)
    for column, names in COLUMN_FIELDS.items():
        records = list(dict.fromkeys(r for name in names for r in entry.sources_of(name)))
        for record in records:
            if record != entry.id:
                given.setdefault(record, []).append(column)
        if entry.id in records and len(records) > 1:
            shared.append(column)
    updated = {s.id: s.last_update for s in entry.records}

    def named(record: StudyId) -> str:
        return f"{name_of(record.registry)} {record.value} (record updated {updated.get(record) or 'undated'})"

    lead = f"every {'other ' if given else ''}column read from a record" + (
        f", and with another record {', '.join(shared)}" if shared else "")
    others = (f"{named(r)}: {', '.join(c)}" for r, c in given.items())
    return LIST_SEPARATOR.join((f"{named(entry.id)}: {lead}", *others))


def build_table(entries: Iterable[Entry]) -> pd.DataFrame:
    """One row per study, newest update first."""
    rows = [row(e) for e in entries]
    df = pd.DataFrame(rows, columns=list(COLUMNS))
    df["enrollment"] = df["enrollment"].astype("Int64")
    df["recruiting_sites"] = df["recruiting_sites"].astype("Int64")
    for column in ("min_age", "max_age", "edss_min", "edss_max"):
        df[column] = df[column].astype("Float64")
    return df.sort_values(["last_update", "study_id"], ascending=[False, True], ignore_index=True)
