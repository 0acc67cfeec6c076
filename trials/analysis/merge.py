"""One trial, one row: records of the same trial in several registries, merged.

A trial run in the UK and the EU may be registered on ClinicalTrials.gov, ISRCTN and CTIS
at once; each record names some of the others' numbers (``Study.other_ids``). Records are
linked when they share a number, after normalising its spelling (``trials.ids``). Two
records of the same registry are never merged: the registry says they are two studies.

The merged row leads with one record (ClinicalTrials.gov's, whose record is the fullest,
then ISRCTN's, then CTIS's) and keeps the others beside it, so every view can name which
registry a fact comes from. Sites are the one fact joined: a site listed only in the other
registry's record is still a place the trial runs. Where the records disagree on status or
start date, both are kept, each with its registry and the date its record was updated.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace

from ..ids import CTIS, ISRCTN, link_keys, name_of
from ..model import CTGOV, Site, Study, StudyId
from .status import status_group, status_words

# Whose record leads a merged row.
LEAD_ORDER = (CTGOV, ISRCTN, CTIS)


@dataclass(frozen=True)
class Disagreement:
    """One fact the registries' records of a trial give differently."""

    fact: str  # "status", "start date"
    says: tuple[tuple[str, str, str], ...]  # (registry name, its value in words, its record's last update)

    @property
    def text(self) -> str:
        parts = "; ".join(f"{who} says {value} (record updated {updated or 'on a date it does not give'})"
                          for who, value, updated in self.says)
        return f"The registries differ on the {self.fact}: {parts}."


def keys_of(study: Study) -> frozenset[StudyId]:
    """Every number a record can be matched by: its own and those it names."""
    return frozenset(k for i in (study.id, *study.other_ids) for k in link_keys(i))


def _rank(registry: str) -> int:
    return LEAD_ORDER.index(registry) if registry in LEAD_ORDER else len(LEAD_ORDER)


def groups(studies: Iterable[Study]) -> list[list[Study]]:
    """The studies grouped by trial, each group led by the record ``LEAD_ORDER`` prefers;
    a record joins the first group it shares a number with that lacks its registry."""
    found: list[list[Study]] = []
    by_key: dict[StudyId, list[int]] = {}
    for study in sorted(studies, key=lambda s: (_rank(s.id.registry), s.id.value)):
        keys = keys_of(study)
        matches = sorted({g for k in keys for g in by_key.get(k, ())})
        target = next((g for g in matches if all(s.id.registry != study.id.registry for s in found[g])), None)
        if target is None:
            found.append([study])
            target = len(found) - 1
        else:
            found[target].append(study)
        for key in keys:
            by_key.setdefault(key, []).append(target)
    return found


def joined_sites(lead: Study, others: Iterable[Study]) -> tuple[Site, ...]:
    """The lead record's sites, then the others' sites in a city the lead does not list."""
    sites = list(lead.sites)
    seen = {(s.city.casefold(), s.country.casefold()) for s in sites if s.city}
    seen_countries = {s.country.casefold() for s in sites}
    for other in others:
        for site in other.sites:
            where = (site.city.casefold(), site.country.casefold())
            # A site with a city is new when its city is; a country-only site when its country is.
            new = where not in seen if site.city else site.country.casefold() not in seen_countries
            if new:
                sites.append(site)
                seen.add(where)
                seen_countries.add(site.country.casefold())
    return tuple(sites)


def disagreements(records: list[Study]) -> tuple[Disagreement, ...]:
    """Where the records of one trial give a different status group or start year-month."""
    found = []
    statuses = {status_group(s.overall_status) for s in records if s.overall_status}
    if len(statuses) > 1:
        found.append(Disagreement("status", tuple(
            (name_of(s.id.registry), status_words(s.overall_status), s.last_update) for s in records
            if s.overall_status)))
    starts = {s.start_date[:7] for s in records if s.start_date}
    if len(starts) > 1:
        found.append(Disagreement("start date", tuple(
            (name_of(s.id.registry), s.start_date, s.last_update) for s in records if s.start_date)))
    return tuple(found)


def all_ids(records: list[Study]) -> tuple[StudyId, ...]:
    """The numbers of the records held, then the numbers they name and no record here is."""
    held = [s.id for s in records]
    named = sorted({i for s in records for i in s.other_ids} - set(held))
    return (*held, *named)


def with_sites(lead: Study, others: list[Study]) -> Study:
    return replace(lead, sites=joined_sites(lead, others)) if others else lead
