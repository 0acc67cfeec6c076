"""Where each statement about a trial came from: which registry, which record, which field,
and when that record was updated.

A card line, a CSV column or a JSON value names the record fields it was read from in words
("overall status", "minimum age"); ``FIELDS`` says which field of the merged study each word
is, and the entry's provenance (``trials.analysis.merge``) which record gave that field. So a
trial registered in two registries says, line by line, which record a fact is from.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from ..analysis.table import Entry
from ..ids import name_of
from ..model import StudyId

# The words views use for a record's fields -> the study model's field (``merge.Provenance``
# keys). One list for every registry: the words are the finder's, not one registry's.
FIELDS = {
    "overall status": "overall_status", "last known status": "last_known_status", "why stopped": "why_stopped",
    "status verified date": "last_verified", "last update posted": "last_update", "last update": "last_update",
    "phases": "phases", "study type": "study_type", "enrollment": "enrollment",
    "brief title": "brief_title", "official title": "official_title", "titles": "brief_title",
    "brief summary": "summary", "summary": "summary", "description": "description", "keywords": "keywords",
    "interventions": "interventions", "intervention name": "interventions",
    "intervention other name": "interventions", "intervention description": "interventions",
    "arms": "design", "arm group": "design", "arm group description": "design", "allocation": "design",
    "intervention model": "design", "masking": "design", "who masked": "design", "design (absent)": "design",
    "primary outcomes": "primary_outcomes", "primary outcome": "primary_outcomes", "keyword": "keywords",
    "arm group label": "design", "acronym": "acronym", "conditions": "conditions",
    "references": "references", "references (type result)": "references",
    "references (type derived)": "references", "references (type background)": "references",
    "has results": "has_results",
    "results first posted": "results_first_posted",
    "lead sponsor": "sponsor", "collaborators": "collaborators", "funders": "funders",
    "overall officials": "officials", "central contacts": "central_contacts",
    "central contacts (absent)": "central_contacts", "location contacts": "sites", "sites": "sites",
    "start date": "start_date", "primary completion date": "primary_completion_date",
    "completion date": "completion_date", "first posted": "first_posted",
    "minimum age": "eligibility.ages", "maximum age": "eligibility.ages", "sex": "eligibility.sex",
    "healthy volunteers": "eligibility.healthy_volunteers", "eligibility criteria": "eligibility.criteria",
    "eligibility (absent)": "eligibility.criteria",
}


@dataclass(frozen=True)
class From:
    """One record a statement was read from, and the fields of it."""

    record: StudyId
    updated: str  # the record's last update, as it gives it
    fields: tuple[str, ...]  # in the views' words

    @property
    def registry(self) -> str:
        return name_of(self.record.registry)

    @property
    def text(self) -> str:
        when = f"updated {self.updated}" if self.updated else "undated"
        return f"the {self.registry} record {self.record.value} ({when}): {', '.join(self.fields)}"

    def as_dict(self) -> dict[str, object]:
        return {"registry": self.registry, "record": self.record.value, "updated": self.updated or None,
                "fields": list(self.fields)}


def is_record_field(words: str) -> bool:
    return words in FIELDS


def sources(entry: Entry, words: Iterable[str]) -> tuple[From, ...]:
    """The records the fields named by ``words`` came from, the lead's first, each with the
    fields it gave (words no record field answers to are left out)."""
    updated = {s.id: s.last_update for s in entry.records}
    by_record: dict[StudyId, list[str]] = {}
    for word in dict.fromkeys(words):
        if word in FIELDS:
            for record in entry.sources_of(FIELDS[word]):
                by_record.setdefault(record, []).append(word)
    order = [s.id for s in entry.records]
    return tuple(From(r, updated.get(r, ""), tuple(f)) for r, f in
                 sorted(by_record.items(), key=lambda item: order.index(item[0]) if item[0] in order else 99))


def sources_of_field(entry: Entry, name: str, words: Iterable[str]) -> tuple[From, ...]:
    """The records the study field ``name`` (or a part such as "kind.routes") came from, with
    the words of the fields it was read from."""
    updated = {s.id: s.last_update for s in entry.records}
    return tuple(From(r, updated.get(r, ""), tuple(dict.fromkeys(words))) for r in entry.sources_of(name))


def text(found: tuple[From, ...]) -> str:
    """'the ISRCTN record ISRCTN... (updated ...): minimum age; the ...' for a note under a view."""
    return "; ".join(f.text for f in found)
