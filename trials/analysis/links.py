"""Which records are one trial: links a record has to earn.

A trial run in the UK and the EU may be registered on ClinicalTrials.gov, ISRCTN and CTIS at
once, and each record names some of the others' numbers (``Study.other_ids``). But anybody can
register a record and write any number into it, by mistake or to take over a real trial's
card. So what one record says about another is outside input, believed only as far as it is
borne out:

- two records are one trial when **each names the other** (nobody but a trial's own team can
  edit its record);
- or when **one names the other and they agree on something** a forger or a typo would also
  have to get right: the sponsor, the acronym, a close title, or a third number both name;
- or when both name one number that no record here holds (a EudraCT number) and they agree
  likewise; a number two records of one registry name links nothing.

A one-sided claim that nothing bears out links nothing: it is kept as a ``Claim``, shown on
both cards, and lends the claimed trial no status, contact, site or date. Links are joined
strongest first and never into a group that already holds a record of the same registry, so a
confirmed link is never undone by a later record. Two records of one registry are never one
trial: the registry says they are two studies.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

from ..catalog import lead_rank
from ..ids import link_keys, name_of
from ..model import Study, StudyId

MUTUAL, CORROBORATED, SHARED = 0, 1, 2  # a link's strength, strongest first
CLOSE_TITLE = 0.75  # share of content words two titles must have in common to count as one


@dataclass(frozen=True)
class Link:
    """Why two records are taken to be one trial."""

    records: tuple[StudyId, StudyId]
    strength: int
    agreements: tuple[str, ...]  # what else they agree on: "the same sponsor", "a close title"

    @property
    def basis(self) -> str:
        a, b = self.records
        if self.strength == MUTUAL:
            return f"the {_record(a)} and the {_record(b)} each name the other"
        agreed = _and(self.agreements)
        if self.strength == CORROBORATED:
            return f"the {_record(a)} names the {_record(b)}, and they give {agreed}"
        return f"the {_record(a)} and the {_record(b)} name the same number and give {agreed}"


@dataclass(frozen=True)
class Claim:
    """A record that names another record's number, where nothing else bears the link out."""

    by: StudyId  # the record making the claim
    of: StudyId  # the record whose number it names
    # Its details agree, but the trial already holds a record of its registry: one the trial's
    # record names back, or one registered before it.
    contested: bool = False

    def about_claimed(self) -> str:
        """The words on the claimed trial's card."""
        why = ("this trial already has its record there" if self.contested
               else "this trial's record does not give its number back, and their details differ")
        return f"The {_record(self.by)} gives this trial's number, but {why}. Nothing from it is shown here."

    def about_claimer(self) -> str:
        """The words on the claiming record's own card: a caution, not a recommendation."""
        if self.contested:
            return (f"This record gives {self.of.value} on {name_of(self.of.registry)} as its own trial, which "
                    "already has its record on this registry: shown as a separate study.")
        return (f"This record gives {self.of.value} on {name_of(self.of.registry)} as the same trial, but that "
                "trial's record does not give this one back and their details differ. It may be a mistake, or a "
                "listing using a real trial's number: treat them as two separate studies.")


@dataclass(frozen=True)
class Trial:
    """The records of one trial, the lead first, with why they are linked and the claims that
    were not believed (made about its records or by them)."""

    records: tuple[Study, ...]
    links: tuple[Link, ...] = ()
    claims: tuple[Claim, ...] = ()

    @property
    def confirmed(self) -> frozenset[StudyId]:
        """The lead and the records joined to it by naming each other (directly or through
        others that do): what they say is their trial's team's word, not a claim."""
        found = {self.records[0].id}
        mutual = [link.records for link in self.links if link.strength == MUTUAL]
        grew = True
        while grew:
            grew = False
            for a, b in mutual:
                if (a in found) != (b in found):
                    found |= {a, b}
                    grew = True
        return frozenset(found)


def _record(study_id: StudyId) -> str:
    return f"{name_of(study_id.registry)} record {study_id.value}"


def _and(items: tuple[str, ...]) -> str:
    return " and ".join((", ".join(items[:-1]), items[-1])) if len(items) > 1 else items[0]


def own_keys(study: Study) -> frozenset[StudyId]:
    """The numbers that are this record's own (a CTIS number ending "-00" is also its EudraCT one)."""
    return link_keys(study.id)


def named_keys(study: Study) -> frozenset[StudyId]:
    """The numbers this record names as the same trial's in other registries."""
    return frozenset(k for named in study.other_ids for k in link_keys(named)) - own_keys(study)


# Words that carry no meaning of a title: two titles agree on the rest.
_STOP = frozenset("a an and the of for in on with to by at or from as vs versus study trial".split())
# Sponsor names that name nobody: two records giving one of these share no sponsor.
_NOBODY = frozenset({"", "investigator", "principal investigator", "private", "hospital", "university", "other",
                     "not applicable", "none", "n a", "na", "individual", "self", "sponsor", "unknown",
                     "not provided", "see above"})


def _fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def _words(text: str) -> frozenset[str]:
    # Registries spell the disease out or not ("multiple sclerosis", "MS"), and British or
    # American ("haematopoietic", "hematopoietic"): one word each here.
    folded = re.sub(r"multiple\s+sclerosis", "ms", _fold(text)).replace("haem", "hem")
    return frozenset(w for w in re.findall(r"[a-z0-9]+", folded) if w not in _STOP)


def _sponsor(study: Study) -> str:
    name = " ".join(sorted(_words(study.sponsor)))
    return "" if name in _NOBODY or len(name.replace(" ", "")) < 5 else name


def _acronym(text: str) -> str:
    return re.sub(r"[^a-z0-9]", "", _fold(text))  # "STAR-MS" and "StarMS" are one acronym


def _same_acronym(a: Study, b: Study) -> bool:
    """Both give one acronym; or one gives it and the other, giving none, writes it in capitals
    in a title ("MESEMS" and "... Multiple Sclerosis (MESEMS) Phase I-II ...")."""
    x, y = _acronym(a.acronym), _acronym(b.acronym)
    if x and y:
        return x == y and len(x) >= 3
    given, other = (a, b) if x else (b, a)
    shown = given.acronym.strip()
    return (len(_acronym(shown)) >= 5 and shown.upper() == shown
            and re.search(rf"(?<![A-Za-z0-9]){re.escape(shown)}(?![A-Za-z0-9])",
                          f"{other.brief_title} {other.official_title}") is not None)


def _close(a: frozenset[str], b: frozenset[str]) -> bool:
    return len(a) >= 3 and len(b) >= 3 and len(a & b) / len(a | b) >= CLOSE_TITLE


def agreements(a: Study, b: Study, held: frozenset[StudyId] | set[StudyId] = frozenset()) -> tuple[str, ...]:
    """What two records agree on that a mistyped number would not, in words. ``held``: the
    numbers of records here, which prove nothing as a third number (a record naming a trial's
    twin names that twin, and is judged by that claim on its own)."""
    found = []
    if _sponsor(a) and _sponsor(a) == _sponsor(b):
        found.append("the same sponsor")
    if _same_acronym(a, b):
        found.append("the same acronym")
    titles_a = [_words(t) for t in (a.brief_title, a.official_title) if t]
    titles_b = [_words(t) for t in (b.brief_title, b.official_title) if t]
    if any(_close(x, y) for x in titles_a for y in titles_b):
        found.append("a close title")
    third = (named_keys(a) & named_keys(b)) - own_keys(a) - own_keys(b) - set(held)
    if third:
        found.append(f"a third number ({', '.join(sorted(k.value for k in third))})")
    return tuple(found)


def _order(strength: int, agreed: tuple[str, ...], *records: Study) -> tuple:
    """Which link joins first: records naming each other, then the link whose later record was
    registered first (a copy comes after what it copies), then more agreement."""
    if strength == MUTUAL:
        return (0,)
    posted = max((s.first_posted or "9999" for s in records), default="9999")
    return (1, posted, -len(agreed), strength)


def _candidates(ordered: list[Study]) -> tuple[list[tuple[tuple, Link]], list[Claim]]:
    """Every link the records could earn, with its sort key, and the claims nothing bears out."""
    owners: dict[StudyId, int] = {}
    for i, study in enumerate(ordered):
        for key in own_keys(study):
            owners[key] = i
    held = set(owners)
    found: list[tuple[tuple, Link]] = []
    claims: list[Claim] = []
    names = [named_keys(s) for s in ordered]
    for i, study in enumerate(ordered):
        for j in sorted({owners[k] for k in names[i] if k in owners and owners[k] != i}):
            other = ordered[j]
            if other.id.registry == study.id.registry:
                continue  # one registry's two records are two studies, whatever one says
            if own_keys(study) & names[j]:
                if i < j:  # each names the other: once, for the pair
                    found.append(((0, i, j), Link((study.id, other.id), MUTUAL, ())))
                continue
            agreed = agreements(study, other, held)
            if not agreed:
                claims.append(Claim(study.id, other.id))
                continue
            found.append(((*_order(CORROBORATED, agreed, study, other), i, j),
                          Link((study.id, other.id), CORROBORATED, agreed)))
    # A number no record here holds (a EudraCT number) that records of different registries name.
    namers: dict[StudyId, list[int]] = {}
    for i, keys in enumerate(names):
        for key in keys:
            if key not in owners:
                namers.setdefault(key, []).append(i)
    for named_by in (namers[key] for key in sorted(namers)):
        for x, i in enumerate(named_by):
            for j in named_by[x + 1:]:
                if ordered[i].id.registry == ordered[j].id.registry:
                    continue
                agreed = tuple(a for a in agreements(ordered[i], ordered[j], held) if not a.startswith("a third"))
                if agreed:
                    found.append(((*_order(SHARED, agreed, ordered[i], ordered[j]), i, j),
                                  Link((ordered[i].id, ordered[j].id), SHARED, agreed)))
    return sorted(found, key=lambda c: c[0]), claims


def trials_of(studies: Iterable[Study]) -> list[Trial]:
    """The records grouped into trials, each led by the record of the registry ``catalog`` lists first."""
    ordered = sorted(studies, key=lambda s: (lead_rank(s.id.registry), s.id.value))
    candidates, claims = _candidates(ordered)
    index = {s.id: i for i, s in enumerate(ordered)}
    leader = list(range(len(ordered)))

    def find(i: int) -> int:
        while leader[i] != i:
            leader[i] = leader[leader[i]]
            i = leader[i]
        return i

    held_by = [{s.id.registry} for s in ordered]  # each group's registries, at its leader
    kept: list[Link] = []
    for _, link in candidates:
        a, b = find(index[link.records[0]]), find(index[link.records[1]])
        if a != b and not held_by[a] & held_by[b]:
            a, b = min(a, b), max(a, b)  # the better-ranked record leads
            leader[b] = a
            held_by[a] |= held_by[b]
            kept.append(link)
        elif a != b and link.strength == CORROBORATED:
            # Agreeing, but the trial already has this registry's record (one named back, or
            # registered first): a claim, said as such.
            claims.append(Claim(link.records[0], link.records[1], contested=True))
    root = [find(i) for i in range(len(ordered))]
    members: dict[int, list[Study]] = {}
    for i, study in enumerate(ordered):
        members.setdefault(root[i], []).append(study)
    links_of: dict[int, list[Link]] = {}
    for link in kept:
        links_of.setdefault(root[index[link.records[0]]], []).append(link)
    claims_of: dict[int, list[Claim]] = {}
    for claim in claims:
        ends = {root[index[claim.by]], root[index[claim.of]]}
        if len(ends) == 2:  # (between records that ended up one trial anyway, through a third, no claim)
            for end in ends:
                claims_of.setdefault(end, []).append(claim)
    return [Trial(tuple(group), tuple(links_of.get(r, ())), tuple(claims_of.get(r, ())))
            for r, group in members.items()]
