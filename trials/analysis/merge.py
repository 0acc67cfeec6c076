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
    """The studies grouped by trial, each group led by the record ``LEAD_ORDER`` prefers.

    Two records are linked when one names the other's own number (the stronger evidence), or
    when both name a number no record here holds (a EudraCT number). A number that two records
    of one registry name links nothing: it cannot say which of them is the trial. Links are
    followed through (a CTIS record naming an NCT and an ISRCTN number joins all three), the
    stronger first, and never into a group that already holds a record of the same registry."""
    ordered = sorted(studies, key=lambda s: (_rank(s.id.registry), s.id.value))
    owners: dict[StudyId, list[int]] = {}
    namers: dict[StudyId, list[int]] = {}
    for i, study in enumerate(ordered):
        for key in link_keys(study.id):
            owners.setdefault(key, []).append(i)
        for key in {k for named in study.other_ids for k in link_keys(named)}:
            namers.setdefault(key, []).append(i)
    links: set[tuple[int, int, int]] = set()  # (strength: 0 direct, 1 shared, i, j)
    for key, named_by in namers.items():
        registries = [ordered[i].id.registry for i in named_by]
        if len(registries) != len(set(registries)):
            continue  # two records of one registry name it: ambiguous
        held = owners.get(key, [])
        links |= {(0, min(i, j), max(i, j)) for i in named_by for j in held if i != j}
        if not held:
            links |= {(1, i, j) for i in named_by for j in named_by if i < j}
    leader = list(range(len(ordered)))

    def find(i: int) -> int:
        while leader[i] != i:
            leader[i] = leader[leader[i]]
            i = leader[i]
        return i

    held_by = [{s.id.registry} for s in ordered]  # each group's registries, at its leader
    for _, i, j in sorted(links):
        a, b = find(i), find(j)
        if a != b and not held_by[a] & held_by[b]:
            a, b = min(a, b), max(a, b)  # the better-ranked record leads
            leader[b] = a
            held_by[a] |= held_by[b]
    found: dict[int, list[Study]] = {}
    for i, study in enumerate(ordered):
        found.setdefault(find(i), []).append(study)
    return list(found.values())


def joined_sites(lead: Study, others: Iterable[Study]) -> tuple[Site, ...]:
    """The lead record's sites, then the others' sites in a city the lead does not list. A
    joined site that gives no status of its own takes its own record's, never the lead's:
    a site only a closed record lists is not open because another registry's record is."""
    sites = list(lead.sites)
    seen = {(s.city.casefold(), s.country.casefold()) for s in sites if s.city}
    seen_countries = {s.country.casefold() for s in sites}
    for other in others:
        for site in other.sites:
            where = (site.city.casefold(), site.country.casefold())
            # A site with a city is new when its city is; a country-only site when its country is.
            new = where not in seen if site.city else site.country.casefold() not in seen_countries
            if new:
                sites.append(replace(site, status=site.status or other.overall_status,
                                     listed_by=name_of(other.id.registry)))
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


def status_record(records: list[Study]) -> Study:
    """The record whose status a merged row shows: the lead's, unless another record gives a
    different status and was updated more recently (an old record's "recruiting" must not
    outlive a newer record's "ended")."""
    lead = records[0]
    differing = [s for s in records[1:] if s.overall_status
                 and status_group(s.overall_status) != status_group(lead.overall_status)]
    newest = max(differing, key=lambda s: s.last_update, default=None)
    return newest if newest is not None and newest.last_update > lead.last_update else lead


def merged_study(records: list[Study]) -> Study:
    """The lead record with the others' sites joined and, when a newer record gives another
    status, that status, saying whose it is."""
    lead, others = records[0], records[1:]
    if not others:
        return lead
    study = replace(lead, sites=joined_sites(lead, others))
    source = status_record(records)
    if source is lead:
        return study
    said = (f"from the trial's {name_of(source.id.registry)} record, updated {source.last_update}, the most "
            f"recent of its records (the {name_of(lead.id.registry)} record, updated "
            f"{lead.last_update or 'on a date it does not give'}, says {status_words(lead.overall_status).lower()})")
    return replace(study, overall_status=source.overall_status, last_known_status="",
                   why_stopped=source.why_stopped,
                   status_basis=f"{said}; {source.status_basis}" if source.status_basis else said)
