"""One trial, one study: the records of one trial (``trials.analysis.links``) merged field by
field, each field saying which record it came from.

Every view (card, list, phone list, CSV, JSON, compare, sheet, feed, pre-screen) reads the
merged study, so none can show a fact another leaves out. The policy, one per field:

- the lead record's value, else the first other record's that gives one (a trial's second
  record may be the only one with eligibility, ages or a design);
- sites, central contacts, officials, references, other numbers and listing texts are joined:
  each record's that the lead does not already give, marked with the registry that lists it;
- the status, with the fields that date and explain it, comes from one record: the lead's,
  unless another record gives a different status and was updated more recently, and never a
  record dated after the data itself (a record can claim any date).

``provenance`` maps each field (``eligibility.minimum_age`` for a part of one) to the records
that gave it; a field not in it came from the lead record.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, fields, replace
from typing import Any

from ..ids import name_of
from ..model import NO_DESIGN, Contact, Eligibility, Site, Study, StudyId
from .status import OPEN_TO_NEW, status_group, status_words
from .subtype import Subtype, subtype

Provenance = Mapping[str, tuple[StudyId, ...]]

# The fields that date and explain a status: they come from the record whose status is shown.
STATUS_FIELDS = ("overall_status", "status_basis", "last_known_status", "why_stopped", "last_verified",
                 "last_update")
# Fields that travel together: the second is meaningless without the first's record.
_WITH = {"sponsor": ("sponsor_class",), "enrollment": ("enrollment_type",),
         "has_results": ("results_first_posted",)}
_JOINED = ("sites", "central_contacts", "officials", "references", "other_ids", "texts")
_LEAD_ONLY = ("id", "url")
ELIGIBILITY_PARTS = ("criteria", "ages", "sex", "healthy_volunteers")


@dataclass(frozen=True)
class Disagreement:
    """One fact the registries' records of a trial give differently."""

    fact: str  # "status", "start date", "end date", "number of participants"
    says: tuple[tuple[str, str, str], ...]  # (registry name, its value in words, its record's last update)

    @property
    def text(self) -> str:
        parts = "; ".join(f"{who} says {value} (record updated {updated or 'on a date it does not give'})"
                          for who, value, updated in self.says)
        return f"The registries differ on the {self.fact}: {parts}."


@dataclass(frozen=True)
class Merged:
    study: Study
    provenance: Provenance


def _given(value: Any) -> bool:
    """A record gives the value: not empty, not absent (0 participants is an answer; a record
    without results gives no "has results", so another record's results count)."""
    if value is None or value is False or value == NO_DESIGN:
        return False
    return not (isinstance(value, str | tuple) and not value)


def believable(study: Study, as_of: str) -> bool:
    """The record's last update is not after the data's own date (``as_of``, a date or "")."""
    return not as_of or not study.last_update or study.last_update[:10] <= as_of[:10]


def _reopens(study: Study, lead: Study) -> bool:
    """The record says the trial takes participants where the lead record says it does not."""
    return study.overall_status in OPEN_TO_NEW and lead.overall_status not in OPEN_TO_NEW


def status_record(records: list[Study], as_of: str = "", confirmed: frozenset[StudyId] | None = None) -> Study:
    """The record whose status a merged trial shows: the lead's, unless another record gives a
    different status and was updated more recently (an old record's "recruiting" must not outlive
    a newer record's "ended"). A record dated after ``as_of`` is never the more recent, and one
    not in ``confirmed`` (linked by its own naming, not named back; None: every record is) may
    close the trial but never reopen it: the real trial's team never said it is open."""
    lead = records[0]
    differing = [s for s in records[1:] if s.overall_status and believable(s, as_of)
                 and status_group(s.overall_status) != status_group(lead.overall_status)
                 and (confirmed is None or s.id in confirmed or not _reopens(s, lead))]
    newest = max(differing, key=lambda s: s.last_update, default=None)
    lead_date = lead.last_update if believable(lead, as_of) else ""
    return newest if newest is not None and newest.last_update > lead_date else lead


def _status_why(records: list[Study], used: Study, as_of: str, confirmed: frozenset[StudyId] | None) -> str:
    """Why the shown status is the one used, when the records differ; "" when they do not."""
    lead = records[0]
    others = [s for s in records if s is not used and s.overall_status
              and status_group(s.overall_status) != status_group(used.overall_status)]
    if not others:
        return ""
    doubtful = [s for s in records if not believable(s, as_of)]
    dated = "".join(f" The {name_of(s.id.registry)} record is dated {s.last_update}, after this data's own "
                    f"date ({as_of[:10]}), so it is not taken as the most recent." for s in doubtful)
    unconfirmed = [s for s in others if confirmed is not None and s.id not in confirmed and _reopens(s, lead)]
    dated += "".join(f" The {name_of(s.id.registry)} record says {status_words(s.overall_status).lower()}, but the "
                     f"{name_of(lead.id.registry)} record does not name it back, so it cannot reopen the trial."
                     for s in unconfirmed)
    if used is lead and not believable(lead, as_of):
        return f"from the trial's {name_of(lead.id.registry)} record, the first of its records.{dated}"
    if used is lead:
        return (f"from the trial's {name_of(lead.id.registry)} record, updated "
                f"{lead.last_update or 'on a date it does not give'}, the first of its records, the others "
                f"being no more recent or not to be believed on this.{dated}")
    return (f"from the trial's {name_of(used.id.registry)} record, updated {used.last_update}, the most recent "
            f"of its records (the {name_of(lead.id.registry)} record, updated "
            f"{lead.last_update or 'on a date it does not give'}, says {status_words(lead.overall_status).lower()})."
            f"{dated}")


def _first(records: list[Study], name: str) -> Study:
    return next((s for s in records if _given(getattr(s, name))), records[0])


def _eligibility(records: list[Study]) -> tuple[Eligibility, dict[str, tuple[StudyId, ...]]]:
    """Each part from the first record that gives it; the two ages from one record."""
    def first(part: str) -> Study:
        given = {"criteria": lambda e: e.criteria, "ages": lambda e: e.minimum_age or e.maximum_age,
                 "sex": lambda e: e.sex, "healthy_volunteers": lambda e: e.healthy_volunteers is not None}[part]
        return next((s for s in records if given(s.eligibility)), records[0])

    chosen = {part: first(part) for part in ELIGIBILITY_PARTS}
    eligibility = Eligibility(chosen["criteria"].eligibility.criteria, chosen["ages"].eligibility.minimum_age,
                              chosen["ages"].eligibility.maximum_age, chosen["sex"].eligibility.sex,
                              chosen["healthy_volunteers"].eligibility.healthy_volunteers)
    return eligibility, {f"eligibility.{part}": (s.id,) for part, s in chosen.items() if s is not records[0]}


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


def _contact_key(contact: Contact) -> tuple[str, str, str]:
    return (contact.name.casefold().strip(), "".join(c for c in contact.phone if c.isdigit()),
            contact.email.casefold().strip())


def _joined(lead: Study, others: list[Study], name: str) -> tuple[Any, ...]:
    """A list field: the lead's items, then each other record's items the lead does not give
    (contacts marked with the registry that lists them)."""
    if name == "sites":
        return joined_sites(lead, others)
    key = {"central_contacts": _contact_key, "officials": _contact_key,
           "references": lambda r: r.pmid or r.citation}.get(name, lambda x: x)
    items = list(getattr(lead, name))
    seen = {key(x) for x in items}
    for other in others:
        for item in getattr(other, name):
            if key(item) in seen or (name == "other_ids" and item == lead.id):
                continue
            seen.add(key(item))
            items.append(replace(item, listed_by=name_of(other.id.registry)) if isinstance(item, Contact) else item)
    return tuple(items)


def _adding(others: list[Study], name: str, added: tuple[Any, ...]) -> tuple[StudyId, ...]:
    """The records that gave the items a join added to the lead's (a joined site or contact
    names its registry; other items are found in their record)."""
    listed = {getattr(x, "listed_by", "") for x in added}
    return tuple(s.id for s in others if name_of(s.id.registry) in listed
                 or any(x in getattr(s, name) for x in added))


def merged(records: list[Study], as_of: str = "", confirmed: frozenset[StudyId] | None = None) -> Merged:
    """One study of the trial whose records are ``records`` (the lead first), with where each
    field came from. ``as_of`` is the data's own date: no record dated after it is the newest.
    ``confirmed``: the records the lead's side names back (None: all), the only ones whose
    status or sites can say the trial takes participants when the lead's record says not."""
    lead, others = records[0], records[1:]
    if not others:
        return Merged(lead, {})
    values: dict[str, Any] = {}
    provenance: dict[str, tuple[StudyId, ...]] = {}
    status = status_record(records, as_of, confirmed)
    follows = {field for group in _WITH.values() for field in group}
    for f in fields(Study):
        name = f.name
        if name in _LEAD_ONLY or name in follows:
            continue
        if name in STATUS_FIELDS:
            values[name] = getattr(status, name)
            if status is not lead:
                provenance[name] = (status.id,)
        elif name == "eligibility":
            values[name], parts = _eligibility(records)
            provenance.update(parts)
        elif name in _JOINED:
            values[name] = _joined(lead, list(others), name)
            adding = _adding(others, name, values[name][len(getattr(lead, name)):])
            if adding:
                provenance[name] = (*((lead.id,) if getattr(lead, name) else ()), *adding)
        else:
            source = _first(records, name)
            values[name] = getattr(source, name)
            for follower in _WITH.get(name, ()):
                values[follower] = getattr(source, follower)
            if source is not lead:
                for each in (name, *_WITH.get(name, ())):
                    provenance[each] = (source.id,)
    why = _status_why(records, status, as_of, confirmed)
    if why:
        basis = status.status_basis
        values["status_basis"] = f"{why} {basis}" if basis else why
        if status is not lead:
            values["last_known_status"] = ""
    if confirmed is not None and values["overall_status"] not in OPEN_TO_NEW:
        # A site only an unconfirmed record lists is no open door into a trial that is not open.
        unconfirmed = {name_of(s.id.registry) for s in others if s.id not in confirmed}
        values["sites"] = tuple(replace(site, status=values["overall_status"])
                                if site.listed_by in unconfirmed and site.status in OPEN_TO_NEW else site
                                for site in values["sites"])
    return Merged(replace(lead, **values), provenance)


def disagreements(records: list[Study]) -> tuple[Disagreement, ...]:
    """Where the records of one trial give a different status group, start or end year-month, or
    number of participants."""
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
    ends = {s.completion_date[:7] for s in records if s.completion_date}
    if len(ends) > 1:
        found.append(Disagreement("end date", tuple(
            (name_of(s.id.registry), s.completion_date, s.last_update) for s in records if s.completion_date)))
    # MESEMS: 20 planned on its first record, 144 taking part on a later one.
    counts = {s.enrollment for s in records if s.enrollment is not None}
    if len(counts) > 1:
        found.append(Disagreement("number of participants", tuple(
            (name_of(s.id.registry), f"{s.enrollment} ({counted(s)})", s.last_update)
            for s in records if s.enrollment is not None)))
    return tuple(found)


# A number of participants: planned, counted, or (EU CTIS) not said which.
_COUNTED = {"ESTIMATED": "planned", "ACTUAL": "taking part"}


def counted(study: Study) -> str:
    """Whether a record's number of participants is planned or counted, in words."""
    return _COUNTED.get(study.enrollment_type, "the record does not say if planned or counted")


def all_ids(records: list[Study], elsewhere: frozenset[StudyId] = frozenset()) -> tuple[StudyId, ...]:
    """The numbers of the records held, then the numbers they name that no record here is, and
    none of ``elsewhere`` (numbers of records here that are not this trial)."""
    held = [s.id for s in records]
    named = sorted({i for s in records for i in s.other_ids} - set(held) - elsewhere)
    return (*held, *named)


# The parts of a therapy's kind (``subtype.Subtype``), each with the evidence label it carries.
KIND_PARTS = (("donors", "donor"), ("tissues", "tissue"), ("routes", "route"))


def merged_kind(study: Study, records: list[Study], labels: tuple[str, ...]) -> tuple[Subtype, Provenance]:
    """Whose cells, which tissue, which route: each part as the merged study states it, else as
    the first other record that states it (a route only the second registry's record gives is
    the trial's route), with the record each part came from when not the lead."""
    kind = subtype(study, labels)
    provenance: dict[str, tuple[StudyId, ...]] = {}
    for part, label in KIND_PARTS:
        if getattr(kind, part):
            continue
        for other in records[1:]:
            found = subtype(other, labels)
            if getattr(found, part):
                kind = replace(kind, **{part: getattr(found, part)},
                               evidence=(*kind.evidence, *(e for e in found.evidence if e.label == label)))
                provenance[f"kind.{part}"] = (other.id,)
                break
    return kind, provenance
