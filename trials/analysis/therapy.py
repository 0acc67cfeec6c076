"""Which stem-cell therapy a study gives, read from its words through the vocabulary.

The grammar, applied to each text of a study (an intervention's name and description, an
arm, a title, a summary):

1. **Words to concepts** (``vocabulary``), and **phrases** of them (``phrases``): tissues,
   products made from others, transplants.
2. **Context** (``context``): whether each phrase is given to participants, negated, only
   considered, had before or elsewhere, done in the laboratory, collected, or a drug's target.
   Interventions, arms and titles say what is given unless a cue says otherwise; summaries
   only when a cue says so ("participants will receive ..."). What a whole item says settles
   its phrases (``_settle``): "no cells are returned to participants", a blood draw, a
   collection, a drug's description, a regimen whose graft comes "after" it.
4. **The study.** A transplant is HSCT when it is named, or when haematopoietic cells, a
   graft or a reinfusion follow a conditioning regimen (without the word "stem"); the same
   regimen without a graft is not. Haematopoietic or cord blood cells given without any of
   that are a cell product ("Other stem cell"). One product gets one label: the most
   specific mention of it decides, and a bare "stem cells" is "Stem cell (kind unclear)"
   only when nothing in the record names the kind.
5. **The study's role**, from the same readings: it gives the therapy, follows people who
   had it, or only studies participants' samples in the laboratory.

Every label keeps the phrase, the field and the concept that gave it; every mention that
was not counted keeps why.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from typing import NamedTuple

from ..model import Intervention, Study
from . import context, phrases, words
from .context import Category
from .vocabulary import BARE, SOURCE, SPECIFIC, Concept, Kind, Mention, Part, vocabulary

HSCT, MSC, IPSC, OTHER, UNCLEAR = THERAPY_TYPES = (
    "HSCT", "MSC", "iPSC", "Other stem cell", "Stem cell (kind unclear)")

GIVES = "gives therapy"  # participants receive the product, the transplant or its conditioning
FOLLOWS = "follows treated people"  # cohorts, registries, trials of other things in people who had it
LAB_ONLY = "lab only"  # participants give samples; cells are made or tested outside the body
STUDY_ROLES: tuple[str, ...] = (GIVES, FOLLOWS, LAB_ONLY)


@dataclass(frozen=True)
class Evidence:
    label: str  # a therapy type, "MS", or (subtype) what was read: "donor", "tissue" ...
    field: str  # a reader's name for the field, e.g. "intervention name"
    phrase: str  # the words as the record writes them
    concept: str = ""  # what the words were read as (the vocabulary's concept)


@dataclass(frozen=True)
class SetAside:
    """A mention of a stem-cell concept that gave no label, and why."""

    field: str
    phrase: str
    concept: str
    reason: str  # "negated (“without”)", "another cell therapy" ...


@dataclass(frozen=True)
class TherapyReading:
    labels: tuple[str, ...]  # THERAPY_TYPES in order; () = no stem-cell therapy
    evidence: tuple[Evidence, ...]  # at least one per label
    role: str  # STUDY_ROLES, or "" when no stem-cell therapy is named
    set_aside: tuple[SetAside, ...] = ()


# ---------------------------------------------------------------------------
# The study's texts.

TREATMENT, CONTEXT = "treatment", "context"
# Items whose description describes the item itself, not a cell product given beside it.
_NOT_CELL_ITEMS = frozenset({"DRUG", "DIETARY_SUPPLEMENT", "BEHAVIORAL", "DEVICE", "RADIATION"})
_NEVER_CELLS = _NOT_CELL_ITEMS - {"DRUG"}  # registrants type cell products as drugs, never as these
_PRODUCT_ITEMS = frozenset({"BIOLOGICAL", "COMBINATION_PRODUCT", "GENETIC"})  # what participants receive


class _Text(NamedTuple):
    field: str
    text: str
    unit: str  # the intervention or arm it belongs to; "" for the study's own texts
    tier: str  # TREATMENT (says what is given) or CONTEXT (describes the topic)
    naming: bool = False  # an item's name: it names the item's product
    quiet: bool = False  # an item that treats nobody (a blood draw, a scan): nothing in it is given
    item_type: str = ""  # the intervention's type (DRUG, BIOLOGICAL ...) or the arm's


def _texts(study: Study) -> list[_Text]:
    out: list[_Text] = []
    for n, i in enumerate(study.interventions):
        unit, quiet = f"intervention {n}", _gives_nothing(i)
        named = [("intervention name", i.name, True)] + [("intervention other name", o, True) for o in i.other_names]
        named.append(("intervention description", i.description, False))
        out += [_Text(f, t, unit, TREATMENT, naming, quiet, i.type) for f, t, naming in named if t]
    for n, a in enumerate(study.design.arms):
        unit, quiet = f"arm {n}", a.type == "NO_INTERVENTION"
        out += [_Text(f, t, unit, TREATMENT, f == "arm group label", quiet, a.type)
                for f, t in (("arm group label", a.label), ("arm group description", a.description)) if t]
    for name, value in (("brief title", study.brief_title), ("official title", study.official_title),
                        ("acronym", study.acronym)):
        out += [_Text(name, value, "", TREATMENT)] if value else []
    out += [_Text("keyword", k, "", CONTEXT) for k in study.keywords if k]
    out += [_Text("intervention MeSH term", t.term, "", CONTEXT) for t in study.intervention_terms if t.term]
    # A trial that lists no intervention or arm says what it gives in its summary alone.
    listed = study.interventions or study.design.arms or study.study_type == "OBSERVATIONAL"
    summary_tier = CONTEXT if listed else TREATMENT
    for name, value in (("brief summary", study.summary), ("description", study.description)):
        out += [_Text(name, value, "", summary_tier)] if value else []
    return out


def _all_words(study: Study) -> list[str]:
    """Every text ``_texts`` reads, as plain strings (for the quick look)."""
    texts = [study.brief_title, study.official_title, study.acronym, study.summary, study.description,
             *study.keywords, *(t.term for t in study.intervention_terms)]
    for i in study.interventions:
        texts += [i.name, i.description, *i.other_names]
    for a in study.design.arms:
        texts += [a.label, a.description]
    return [t for t in texts if t]


# How an item's name is read for what it is named for: its parts are joined by conjunctions,
# and each part's head is its last word before a preposition ("Nasal mucosa puncture",
# "MRI of the brain", "CSF collection by lumbar puncture").
_CONJUNCTIONS = frozenset({"and", "or", "plus", "+", ",", "/", ";", "&"})
_PREPOSITIONS = frozenset({"of", "for", "from", "at", "in", "on", "by", "with", "via", "to", "under", "during",
                           "before", "after", "using"})
# Units after a number: "Venepuncture 40 ml".
_MEASURES = frozenset({"ml", "cc", "l", "mg", "g", "mm", "cm", "ul", "µl", "x"})
# Terms of ours a sampling item may name: the tissue it samples ("Bone marrow aspiration",
# "Cord blood collection" are also how a graft is collected: settled as collections).
_SAMPLED = frozenset({Part.TISSUE, Part.MOBILISATION})
# Words that may make up a part with no head of its own: "MRI of the brain and spinal cord".
_PLACES = frozenset({"the", "a", "an", "brain", "spinal", "cord", "orbit", "optic", "nerve", "whole", "body",
                     "baseline", "month", "year", "week", "day", "visit", "follow", "up"})


# The professionals a survey, interview or consensus asks, when they are its participants.
_PROFESSIONALS = re.compile(
    r"\b(?:neurologists?|nurses?|clinicians?|physicians?|ha?ematologists?|doctors?|health ?care professionals?"
    r"|professionals|specialists|experts|staff)\b", re.IGNORECASE)


def _treats_nobody(intervention: Intervention) -> bool:
    """An intervention named for a sample, a scan, a question or a test ("Umbilical cord
    collection", "Venous blood draw and skin biopsy", "Nasal mucosa puncture (under local
    anaesthetic)"): each part of its name has such a term as its head, or only says where or
    when; it names no therapy of ours and no giving ("Lumbar puncture for intrathecal
    injection" gives)."""
    if intervention.type == "DIAGNOSTIC_TEST":
        return True
    ws = words.tokens(intervention.name)
    named_for = [m for m in vocabulary().procedures(ws) if not _in_code(ws, m)]
    if not named_for or any(m.concept.part not in _SAMPLED for m in vocabulary().find(ws)) or _giving(
            intervention.name):
        return False
    in_term = {n for m in named_for for n in range(m.first, m.last)}
    aside = _asides(ws)
    parts: list[list[int]] = [[]]
    for n, t in enumerate(ws):
        if n in aside or t.text in "()":
            continue
        if t.key in _CONJUNCTIONS or t.text in _CONJUNCTIONS:
            parts.append([])
        elif t.is_word and not t.text.isdigit() and not (n > 0 and ws[n - 1].text.isdigit() and t.key in _MEASURES):
            parts[-1].append(n)
    heads = [_head(ws, part, in_term) for part in parts if part]
    return any(heads) and all(head or all(ws[n].key in _PLACES or ws[n].key in vocabulary().tissue_words
                                          for n in part) for head, part in zip(heads, [p for p in parts if p],
                                                                               strict=True))


def _in_code(ws: Sequence[words.Token], m: Mention) -> bool:
    """A term that is only part of a product's code ("CT" in "CT-1102")."""
    return m.last + 1 < len(ws) and ws[m.last].text == "-" and any(c.isdigit() for c in ws[m.last + 1].text)


def _head(ws: Sequence[words.Token], part: list[int], in_term: set[int]) -> bool:
    """Whether a part of a name is headed by a sampling or observing term: its last word before
    a preposition (one inside such a term, as in "quality of life", does not count) ends one
    ("Venous blood draw": "blood draw", though "venous blood" is a term too)."""
    before = part
    for k, n in enumerate(part):
        if ws[n].key in _PREPOSITIONS and n not in in_term and k > 0:
            before = part[:k]
            break
    head = before[-1]
    return any(m.last == head + 1 - start for start in range(before[0], head + 1)
               for m in vocabulary().procedures(ws[start:head + 1]))


def _asides(ws: Sequence[words.Token]) -> set[int]:
    """Word indexes inside brackets that name no term of ours: "(clinically indicated)"."""
    out: set[int] = set()
    opened: int | None = None
    for n, t in enumerate(ws):
        if t.text == "(":
            opened = n
        elif t.text == ")" and opened is not None:
            if not vocabulary().find(ws[opened + 1:n]):
                out |= set(range(opened + 1, n))
            opened = None
    return out


def _samples(intervention: Intervention) -> bool:
    """An item named for taking a sample, or for testing a tissue or cells ("Flow cytometry of
    blood", "Flow cytometry of CD34+ cells"); not a scan or a question."""
    ws = words.tokens(intervention.name)
    return any(m.concept.part is Part.SAMPLING for m in vocabulary().procedures(ws)) or (
        _treats_nobody(intervention) and (bool(vocabulary().tissues(ws)) or any(
            m.concept.part is Part.PRODUCT for m in vocabulary().find(ws))))


def _samples_taken(study: Study, readings: list[_Reading]) -> bool:
    """Whether participants give samples: an item named for one, or, where no item gives
    anything, the study's own words ("Urine samples are collected", "Cord blood is collected")."""
    if any(_samples(i) for i in study.interventions):
        return True
    if not all(_gives_nothing(i) for i in study.interventions):
        return False
    said = [words.tokens(t) for t in (study.summary, study.description) if t]
    return any(m.concept.part is Part.SAMPLING for ws in said for m in vocabulary().procedures(ws)) or any(
        r.part is Part.TISSUE and r.status is Category.COLLECTED and not r.text.unit for r in readings)


def _gives_nothing(intervention: Intervention) -> bool:
    """An item that only samples, scans or asks, and whose description gives nothing either
    ("Liposuction" described as "SVF ... injected the same day" gives SVF; "cells manufactured
    but not administered" gives nothing)."""
    return _treats_nobody(intervention) and _giving(intervention.description) is not True


def _giving(text: str) -> bool | None:
    """Whether a text says something is given: True for a giving verb ("infused", "will
    receive"), False when its only giving verbs are negated ("not administered", "You will not
    receive any cells") or it says so outright ("no cells are returned"), None when it says
    neither. A verb inside a term of ours ("transplantation") is no verb."""
    ws = words.tokens(text)
    found = context.cues().find(ws)
    if not found:
        return None
    named = {i for m in vocabulary().find(ws) for i in range(m.first, m.last)}
    verbs = [f for f in found if f.value.category is Category.GIVEN and not named & set(range(f.first, f.last))]
    negated = {Category.NEGATED, Category.NOT_GIVEN}
    said = [c.strongest is not None and c.strongest[0] in negated
            for c in context.contexts(ws, [(f.first, f.last) for f in verbs])]
    if not all(said):
        return True
    return False if said or any(f.value.category is Category.NOT_GIVEN for f in found) else None


# ---------------------------------------------------------------------------
# Readings: phrases with their context.


@dataclass(frozen=True)
class _Reading:
    concept: Concept
    text: _Text
    phrase: str
    status: Category | None  # GIVEN, ELSEWHERE, LAB ... or None: the topic, not said to be given
    cue: str  # the cue's words as written; "" when the status is the text's default
    found: frozenset[Category]  # every category a cue gave it
    item: phrases.Phrase

    @property
    def part(self) -> Part:
        return self.concept.part

    @property
    def evidence_concept(self) -> str:
        transplanted = self.item.transplanted and self.part is Part.PRODUCT
        return self.concept.name + (" (transplanted)" if transplanted else "")


_CARRIES_LABEL = frozenset({Part.PRODUCT, Part.PROCEDURE, Part.GRAFT, Part.GRAFT_STEP, Part.ACELLULAR})
_CONSIDERED = frozenset({Category.HYPOTHETICAL, Category.NEGATED})
_SET_ASIDE = frozenset({Category.NEGATED, Category.EXCLUDED, Category.HYPOTHETICAL, Category.REFERENCE,
                        Category.INSTITUTION, Category.ACTED_ON, Category.ENDOGENOUS})


def _read(text: _Text) -> list[_Reading]:
    ws = words.tokens(text.text)
    items = phrases.phrases(ws)
    if text.field in ("acronym", "brief title", "official title"):
        items = [i for i in items if not _coined(ws, i, bracketed=text.field != "acronym")]
    if not items:
        return []
    found = context.contexts(ws, [(i.first, i.last) for i in items])
    default = Category.GIVEN if text.tier == TREATMENT and not text.quiet else None
    out = []
    for item, ctx in zip(items, found, strict=True):
        status, cue = ctx.strongest or (default, "")
        if not text.quiet and status is Category.LAB and (
                ctx.has(Category.GIVEN) or text.unit and text.item_type in _PRODUCT_ITEMS):
            # "MSCs grown in culture are infused", "made from reprogrammed skin cells and injected":
            # made, then given; a biological product's own item says how it is made ("isolated
            # from bone marrow"), not that it stays there.
            status, cue = Category.GIVEN, ""
        phrase = text.text[ws[item.first].start:ws[item.last - 1].end]
        out.append(_Reading(item.concept, text, phrase, status, cue, frozenset(c for c, _ in ctx.found), item))
    return out


def _coined(ws: Sequence[words.Token], item: phrases.Phrase, bracketed: bool) -> bool:
    """An abbreviation of ours that is only part of a study's acronym ("Exercise Training in MS
    (MSC-FIT)"): it is hyphen-joined to a capitalised word that is no term of ours, and in a
    title the acronym stands in brackets. The acronym names the study; its items say what it
    gives."""
    if not item.abbreviation:
        return False
    if bracketed and not (item.first > 0 and ws[item.first - 1].text == "(" or any(
            t.text == "(" for t in ws[max(0, item.first - 3):item.first])):
        return False
    neighbours = [ws[n] for n, mark in ((item.first - 2, item.first - 1), (item.last + 1, item.last))
                  if 0 <= n < len(ws) and 0 <= mark < len(ws) and ws[mark].text == "-"]
    return any(t.is_word and t.text.isupper() and len(t.text) > 1 and t.key not in vocabulary().skippable
               and not vocabulary().find([t]) for t in neighbours)


def _settle(readings: list[_Reading], texts: list[_Text]) -> list[_Reading]:
    """What a whole item says settles the status of the phrases in it, in one pass:

    - "no cells are returned to participants" anywhere in it: nothing in it is given (but a
      cell-free product is not a cell);
    - a blood draw or scan (``quiet``): its words name the topic, never what is given;
    - a step "after" or "before" another (``STEP``): in a regimen's own item the graft after it
      is this study's; anywhere else the other step was had before or outside the study;
    - an item named as a collection ("Leukapheresis") collects what it names, unless a cue
      says it is given back;
    - a drug, device or behaviour: what its description names is its topic, unless a cue says
      it is given ("Bexarotene ... promotes oligodendrocyte progenitor differentiation");
    - cells of no named tissue in an item whose name harvests one take that tissue
      ("Bone marrow aspiration": "mononuclear cells are injected intrathecally").
    """
    not_given = _not_given_items(texts)
    regimens = {r.text.unit for r in readings if r.text.naming and r.part is Part.CONDITIONING}
    products = {r.text.unit for r in readings if r.text.naming and r.part in (Part.PRODUCT, Part.PROCEDURE)}
    collections = {r.text.unit for r in readings if r.text.naming and r.part is Part.MOBILISATION} - products
    harvested = {t.unit: tissue for t in texts if t.naming and t.unit
                 for tissue in vocabulary().tissues(words.tokens(t.text))[:1]}
    # Marrow or cord blood given as such ("Autologous whole bone marrow", "infused") is the product.
    given_tissue = {"TISSUE_MARROW": "MARROW_CELLS", "TISSUE_CORD_BLOOD": "CORD_BLOOD_CELLS"}
    settled = []
    for r in readings:
        if r.text.unit in harvested and r.item.tissue is None:
            named = phrases.with_tissue(r.concept, harvested[r.text.unit])
            r = replace(r, concept=named) if named else r
        if r.concept.id in given_tissue and r.status is Category.GIVEN and (r.text.naming or r.cue):
            r = replace(r, concept=vocabulary().concept(given_tissue[r.concept.id]))
        status, cue, unit = r.status, r.cue, r.text.unit
        if status is Category.STEP:  # a regimen is a step of this study's; so is the graft in a regimen's item,
            # or in any item of a study whose items give a regimen ("CD34 selection before reinfusion")
            steps = unit in regimens or r.part in (Part.CONDITIONING, Part.MOBILISATION) or bool(
                unit and regimens and r.part in (Part.GRAFT, Part.GRAFT_STEP))
            status, cue = (Category.GIVEN, "") if steps else (Category.ELSEWHERE, cue)
        if unit in not_given and status not in _SET_ASIDE and not (
                r.concept.id == "STEM_CELL_PRODUCT" and "cell" in not_given[unit].casefold()):
            status, cue = Category.NOT_GIVEN, not_given[unit]
        elif status is Category.GIVEN and not cue and not r.text.naming and unit and unit not in regimens and (
                unit in collections or r.text.item_type in _NOT_CELL_ITEMS and unit not in products):
            status = Category.COLLECTED if unit in collections else None
        settled.append(replace(r, status=status, cue=cue) if (status, cue) != (r.status, r.cue) else r)
    return settled


def _not_given_items(texts: list[_Text]) -> dict[str, str]:
    """Items whose own words say nothing in them is given, with those words."""
    out: dict[str, str] = {}
    for text in texts:
        if text.unit:
            ws = words.tokens(text.text)
            for f in context.cues().find(ws):
                if f.value.category is Category.NOT_GIVEN:
                    out[text.unit] = " ".join(t.text for t in ws[f.first:f.last])
    return out


# ---------------------------------------------------------------------------
# The study.

Labelled = tuple[_Reading, str]

_KIND_LABEL = {Kind.MSC: MSC, Kind.IPSC: IPSC, Kind.ESC: OTHER, Kind.NEURAL: OTHER, Kind.SVF: OTHER,
               Kind.PERINATAL: OTHER, Kind.OTHER: OTHER, Kind.MARROW: OTHER, Kind.CORD_BLOOD: OTHER}
# Named cell populations of marrow and cord blood: a cell product, never a graft.
_CELL_POPULATIONS = frozenset({"BM_MNC", "CORD_BLOOD_MNC"})


@dataclass(frozen=True)
class _Setting:
    """What the study says about a transplant around its products, and how its items' cells are made."""

    conditioning: bool  # a conditioning regimen is given
    no_conditioning: bool  # none is given and the record says so ("no chemotherapy", "without conditioning")
    unconditioned: frozenset[str] = frozenset()  # items that say so of themselves, beside a transplant arm
    grown: frozenset[str] = frozenset()  # items whose own words say their cells are grown in culture

    def conditioned(self, r: _Reading) -> bool:
        return self.conditioning and r.text.unit not in self.unconditioned

    def says_none(self, r: _Reading) -> bool:
        return self.no_conditioning or r.text.unit in self.unconditioned


def _setting(readings: list[_Reading], texts: list[_Text]) -> _Setting:
    conditioning = any(r.part is Part.CONDITIONING and r.status is Category.GIVEN for r in readings)
    negated = {r.text.unit for r in readings if r.part is Part.CONDITIONING and r.status is Category.NEGATED}
    conditioned_items = {r.text.unit for r in readings if r.part is Part.CONDITIONING and r.status is Category.GIVEN}
    # (Only adipose cells are told apart by it: other studies skip the reading.)
    adipose = any(r.concept.kind is Kind.ADIPOSE for r in readings)
    grown = {t.unit for t in texts if adipose and t.unit and _grown(t.text)}
    # An arm named as a grown item is ("ADSC" beside the intervention "Autologous ADSC").
    names = [" ".join(words.keys(t.text)) for t in texts if t.naming and t.unit in grown]
    grown |= {t.unit for t in texts if t.field == "arm group label" and len(t.text) > 2 and any(
        f" {' '.join(words.keys(t.text))} " in f" {name} " for name in names)}
    return _Setting(conditioning, bool(negated) and not conditioning,
                    frozenset(u for u in negated - conditioned_items if u), frozenset(grown))


_GROWN = frozenset({"expanded", "expansion", "passaged"})  # growth words even with no "cells" beside them


def _grown(text: str) -> bool:
    """Whether a text says cells were grown in culture, unnegated and next to the word cells
    ("Plastic-adherent cells expanded in culture"; not "without culture", nor the "Expanded
    Disability Status Scale")."""
    ws = words.tokens(text)
    cells = [n for n, t in enumerate(ws) if t.key == "cell"]
    spans = [(n, n + 1) for n, t in enumerate(ws) if t.key in vocabulary().expanded and (
        any(abs(n - c) <= 3 for c in cells)
        or t.key in _GROWN and (n + 1 == len(ws) or ws[n + 1].key not in ("disability", "access")))]
    return any(c.strongest is None or c.strongest[0] not in _CONSIDERED for c in context.contexts(ws, spans))


# A transplant word that says whose cells it uses ("Allogeneic Transplant", "autotransplantation").
# (Its phrase holds only describing words, so "autologous fat transplantation" is a bare
# "transplantation".)
_WHOSE_TRANSPLANT = re.compile(r"\b(?:auto-?log|auto-?gen|auto-?transpl|allo-?gen|allo-?transpl|syn-?gen|iso-?gen"
                               r"|haplo)", re.IGNORECASE)


def _of_something(r: _Reading) -> bool:
    """A transplant of something named after it ("autologous transplantation of olfactory
    ensheathing cells"): that, not a stem-cell transplant."""
    ws = words.tokens(r.text.text)
    return r.item.last < len(ws) and ws[r.item.last].key == "of"


def _label(r: _Reading, setting: _Setting) -> str | None:
    """The therapy label of a reading, in the study's setting; None when it gives none."""
    part, kind, item = r.part, r.concept.kind, r.item
    if part is Part.GRAFT:
        return HSCT
    if part is Part.TRANSPLANT_WORD and _WHOSE_TRANSPLANT.search(r.phrase) and not _of_something(r):
        return HSCT  # in MS an autologous or allogeneic transplant of nothing named is an HSCT (EBMT usage)
    if part in (Part.GRAFT_STEP, Part.TRANSPLANT_WORD):  # "reinfusion", "autograft", a bare "transplant"
        return HSCT if setting.conditioned(r) else None
    if part not in (Part.PRODUCT, Part.PROCEDURE) or kind is None:
        return None  # exosomes of nothing named, a tissue, another cell therapy ...
    if kind is Kind.HSC:  # blood-forming cells are given as a transplant, unless the record says no conditioning
        return OTHER if setting.says_none(r) and part is Part.PRODUCT and not item.transplanted else HSCT
    if kind in (Kind.CORD_BLOOD, Kind.MARROW) and r.concept.id not in _CELL_POPULATIONS:
        return HSCT if setting.conditioned(r) or (item.transplanted and kind is Kind.CORD_BLOOD) else OTHER
    if kind is Kind.UNSPECIFIED:
        return HSCT if item.transplanted or setting.conditioned(r) else UNCLEAR
    if kind is Kind.ADIPOSE:
        return MSC if item.expanded or r.text.unit in setting.grown else OTHER
    return _KIND_LABEL.get(kind, OTHER)


def _rank(r: _Reading) -> int:
    if r.part in (Part.GRAFT, Part.GRAFT_STEP) or r.concept.kind is Kind.ADIPOSE and r.item.expanded:
        return SPECIFIC
    return r.concept.rank


def _supported(r: _Reading, readings: list[_Reading]) -> bool:
    """An ambiguous abbreviation ("HCT", "BMT") counts when the record names the same kind
    of therapy unambiguously, or describes it ("autologous HCT", "Autologous HCT")."""
    family = {Part.CONDITIONING, Part.MOBILISATION, Part.GRAFT, Part.GRAFT_STEP}
    if any(o is not r and not o.item.ambiguous and (o.concept.kind == r.concept.kind or o.part in family)
           for o in readings):
        return True
    return any(t.key in vocabulary().skippable for t in words.tokens(r.phrase) if t.text != r.item.abbreviation)


def _spelled_otherwise(texts: list[_Text], readings: list[_Reading]) -> set[str]:
    """Abbreviations the record spells out as something else, right beside them: "Attention
    Bias Modification Training (ABMT)", "BMT (best medical treatment)", "CBT: cognitive
    behavioural therapy", or an item named "BMT" whose description begins "Best medical
    treatment"."""
    wanted = {r.item.abbreviation for r in readings if r.item.abbreviation}
    out: set[str] = set()
    for text in texts:
        ws = words.tokens(text.text)
        for n, t in enumerate(ws):
            if t.text in wanted and any(_spells(run, t.text) for run in _beside(ws, n)):
                out.add(t.text)
        if text.field == "intervention description":
            names = {x.text for x in texts if x.unit == text.unit and x.naming}
            for abbreviation in wanted & names:
                run = [w for w in ws if w.is_word][:len(abbreviation)]
                if _spells(run, abbreviation):
                    out.add(abbreviation)
    return out


def _beside(ws: tuple[words.Token, ...], n: int) -> list[list[words.Token]]:
    """The words just before "(ABBR)" and just after "ABBR (" or "ABBR:", a hyphenated word
    counted once ("Home-Based")."""
    runs = []
    if n > 0 and ws[n - 1].text == "(":
        runs.append(_whole_words(ws[max(0, n - 12):n - 1]))
    if n + 1 < len(ws) and ws[n + 1].text in "(:=-":
        runs.append(_whole_words(ws[n + 2:n + 14]))
    return runs


def _whole_words(ws: Sequence[words.Token]) -> list[words.Token]:
    out: list[words.Token] = []
    for n, w in enumerate(ws):
        if w.is_word and not (n > 1 and ws[n - 1].text == "-" and ws[n - 2].is_word):
            out.append(w)
    return out


_SMALL_WORDS = frozenset({"and", "of", "for", "the", "in", "with", "to", "a", "on", "by"})


def _initials(word: words.Token) -> str:
    """What a word gives an abbreviation: its first letter, or all of an all-capital word ("MS")."""
    return word.text if word.text.isupper() and len(word.text) > 1 else word.text[0]


def _spells(run: list[words.Token], abbreviation: str) -> bool:
    """Whether the run's words, at its end (before) or start (after), give the initials of the
    abbreviation ("Home-Based Strength and Conditioning (HSC)": small words may be left out;
    "MSC (MS Centre)": a word in capitals gives all its letters) and are not themselves a term
    of ours (then they are our expansion)."""
    letters = abbreviation.casefold()
    for words_ in (run, [w for w in run if w.key not in _SMALL_WORDS]):
        for size in range(1, len(letters) + 1):
            for part in (words_[-size:], words_[:size]):
                if len(part) == size and "".join(map(_initials, part)).casefold() == letters:
                    # Our own expansion ("Hematopoietic Cell Transplantation (HCT)") names a product.
                    return not any(m.concept.part in (Part.PRODUCT, Part.PROCEDURE, Part.GRAFT)
                                   for m in vocabulary().find(part))
    return False


def read_study(study: Study) -> TherapyReading:
    if not vocabulary().may_name_therapy(_all_words(study)):
        return TherapyReading((), (), "")
    texts = _texts(study)
    readings = _settle([r for t in texts for r in _read(t)], texts)
    if not readings:
        return TherapyReading((), (), "")
    spelled = _spelled_otherwise(texts, readings)
    readings = _named_products_decide([
        r for r in readings if r.item.abbreviation not in spelled
        and not (r.item.ambiguous and not _supported(r, readings))])
    readings = _collected_only(_made_of(_one_product_per_item(readings)), study)
    setting = _setting(readings, texts)
    labelled = [(r, _label(r, setting)) for r in readings]
    given = [(r, lab) for r, lab in labelled if lab and r.status is Category.GIVEN]
    elsewhere = [(r, lab) for r, lab in labelled if lab and r.status is Category.ELSEWHERE]
    observational = study.study_type == "OBSERVATIONAL"
    sampled = _samples_taken(study, readings)
    # (Expanded access gives the product by definition, whatever its items list.)
    sampling_only = bool(study.interventions) and all(_gives_nothing(i) for i in study.interventions) and (
        study.study_type != "EXPANDED_ACCESS")
    # A study that takes samples and says no cells are given ("No edited cells are administered").
    none_given = sampled and any(_giving(t) is False for t in (study.summary, study.description)) and not any(
        _giving(t) for t in (study.summary, study.description))
    # An observational study that lists no intervention treats nobody itself.
    listed_none = observational and not study.interventions
    nobody_treated = sampling_only or none_given or listed_none
    # Laboratory work: a product made or tested outside the body, or one an item (or a study
    # that takes samples) says is not given; "no cells are administered" in a drug trial is not.
    # In a study that samples and treats nobody, the body's own cells tested are laboratory work.
    # A study whose items give only drugs, behaviours or devices naming nothing of ours gives
    # its participants those: never laboratory work ("Metformin to reprogram aged OPCs").
    treats_otherwise = bool(study.interventions) and all(
        i.type in _NOT_CELL_ITEMS and not _treats_nobody(i) for i in study.interventions) and (
        not any(r.text.unit and r.part in _OURS for r in readings))
    lab_work = [] if treats_otherwise else [(r, lab) for r, lab in labelled if lab and (
        r.status is Category.LAB
        or r.status is Category.NOT_GIVEN and (bool(r.text.unit) or sampled or Category.LAB in r.found)
        or nobody_treated and sampled and (Category.LAB in r.found or r.status is Category.ENDOGENOUS)
        and r.status is not Category.ELSEWHERE)]
    lab_words = any(r.status is Category.LAB for r in readings)
    # Marrow sampled ("Bone marrow aspiration"), or marrow or a birth tissue worked on in the
    # laboratory ("colony-forming assays on marrow"), in a study that treats nobody: stem-cell
    # laboratory work, though no cell is named (cord blood collected is banked, not studied).
    lab_tissue = nobody_treated and sampled and (any(
        r.part is Part.TISSUE and r.status is Category.LAB and r.concept.id in _STEM_CELL_TISSUES for r in readings)
        or any(_samples(i) and any(c.id == "TISSUE_MARROW" for c in vocabulary().tissues(words.tokens(i.name)))
               for i in study.interventions))
    topic = [(r, lab) for r, lab in labelled if lab and r.status is None]

    # What the interventions and arms say decides over the titles and summary, which describe
    # them: a title naming MSCs in a study whose MSC item is only manufactured gives nobody
    # MSCs, and a title naming glial progenitors of a study whose item is iPSC-derived cells
    # names those cells. A title adds a label only when the items name no product, or name
    # theirs less precisely ("bone marrow-derived stem cells" under a title of MSCs).
    said = [(r, lab) for r, lab in labelled if lab and r.text.unit and not r.text.quiet and r.status is not None]
    itemised = {lab for _, lab in said}
    item_rank = max((_rank(r) for r, _ in said if r.status not in _SET_ASIDE), default=-1)

    def describes_items(r: _Reading, lab: str) -> bool:
        return bool(r.text.unit) or not itemised or lab in itemised or _rank(r) > item_rank

    given = [(r, lab) for r, lab in given if describes_items(r, lab)]
    elsewhere = [(r, lab) for r, lab in elsewhere if describes_items(r, lab)]
    titles_only = [(r, lab) for r, lab in given if not r.text.unit and lab in itemised]
    given = [(r, lab) for r, lab in given if r.text.unit or lab not in itemised]
    topic += titles_only
    # In a study that treats with drugs, behaviours or devices only, a product the titles or
    # summary name with no cue is the items' topic when every item is a behaviour, device or
    # the like ("Aerobic Exercise and Endothelial Progenitor Cells"), when an item says the
    # body's own such cells are acted on ("Liothyronine ... drives endogenous oligodendrocyte
    # precursor cells to mature"), or when the record says people have it outside the study.
    # (A drug item may be a cell product typed as a drug, and a comparator the only item.)
    if treats_otherwise:
        acted_on = any(r.text.unit and (r.status in (Category.ACTED_ON, Category.ENDOGENOUS)
                                        or r.part is Part.NOT_A_PRODUCT) for r in readings)
        aside = acted_on or all(i.type in _NEVER_CELLS for i in study.interventions)
        had = {lab for _, lab in elsewhere}  # "adults having aHSCT as routine care are randomised to ..."
        moved = [(r, lab) for r, lab in given if not r.cue and (aside or lab in had)]
        # (A transplant the titles name beside an exercise or a device is had by the people
        # the study treats with those: "Prehabilitation for aHSCT".)
        elsewhere += [(r, lab) for r, lab in moved if r.part in _DONE_TO_PEOPLE]
        topic += [(r, lab) for r, lab in moved if r.part not in _DONE_TO_PEOPLE]
        given = [g for g in given if g not in moved]
    if not given:
        # An item that gives cells of no named kind ("Autologous myelin-making cells") gives
        # what the titles or summary say those cells are ("... induced pluripotent stem cells");
        # so do cells a summary says are given when the trial lists no item ("Skin cells are
        # reprogrammed into induced pluripotent stem cells, then into myelin-making cells. These
        # cells will be injected").
        listed = bool(study.interventions or study.design.arms)
        cells = [r for r in readings if r.part is Part.CELL_HEAD and r.status is Category.GIVEN
                 and (r.text.naming or not listed and Category.GIVEN in r.found)
                 and r.text.item_type not in _NOT_CELL_ITEMS]
        if cells:  # (the summary may say how they are made: "differentiated from an iPSC line")
            made = [(r, lab) for r, lab in labelled if lab and r.status is Category.LAB and not r.text.unit]
            given = [(r, lab) for r, lab in topic + made if _rank(r) == SPECIFIC and lab != UNCLEAR]
        else:
            given = _described_by_code(study, labelled)
    demoted: list[Labelled] = []
    if nobody_treated and not any(r.text.tier == CONTEXT for r, _ in given):
        # Nobody is treated: what the titles name is the topic.
        demoted = [(r, lab) for r, lab in given if not r.text.unit]
        given = [(r, lab) for r, lab in given if r.text.unit]
        topic += demoted
        # Questions that only consider the therapy ("attitudes to HSCT among patients who have
        # not been transplanted") follow nobody who had it.
        considered = {lab for r, lab in labelled if lab and r.text.unit and r.status in _CONSIDERED}
        followed = {lab for r, lab in labelled if lab and r.text.unit and r.status not in _CONSIDERED}
        demoted = [(r, lab) for r, lab in demoted if lab not in considered - followed]

    # An observational study that lists nothing, observes nobody (no follow-up, registry,
    # survey, scan) and names only cells made in a laboratory (iPSC-derived, cultured, made
    # "from" a sample's cells) works in the laboratory: "iPSC-Microglia From MS Twins".
    made_here = listed_none and bool(demoted) and not _observes_people(study) and all(
        _made_in_lab(r, readings) for r, _ in demoted)
    if sampling_only and _PROFESSIONALS.search(" ".join((study.brief_title, study.official_title, study.summary))):
        # A survey or consensus of neurologists or nurses: the patients it speaks of are not its participants.
        given, elsewhere, demoted = [], [], []
    chosen: list[Labelled]
    if given and not observational:
        role, chosen = GIVES, given
    elif elsewhere:  # what the titles name is what those people had
        role, chosen = FOLLOWS, given + elsewhere + demoted
    elif lab_work or (lab_tissue or demoted and (sampled or lab_words or made_here)) and not any(
            r.part in _DONE_TO_PEOPLE for r, _ in demoted):
        # (A transplant the titles name is done to people, never in a laboratory: a study that
        # only takes their samples follows them.)
        role, chosen = LAB_ONLY, []
    elif given:  # an observational study of a therapy given in routine care
        role, chosen = FOLLOWS, given
    elif demoted:  # scans or questions of people who had it ("The Effect of aHSCT on ... Quality of Life")
        role, chosen = FOLLOWS, demoted
    else:
        role, chosen = "", []

    chosen = _most_specific(chosen, [(r, lab) for r, lab in topic if r.text.tier == CONTEXT])
    # The registry's own index terms stand beside the words as evidence when they agree.
    chosen += [(r, lab) for r, lab in topic if r.text.field == "intervention MeSH term"
               and any(lab == other for _, other in chosen) and (r, lab) not in chosen]
    labels = tuple(t for t in THERAPY_TYPES if any(lab == t for _, lab in chosen))
    evidence = tuple(dict.fromkeys(Evidence(lab, r.text.field, r.phrase, r.evidence_concept) for r, lab in chosen))
    used = {id(r) for r, _ in chosen}
    # Stem-cell products and grafts first: why a transplant was not counted says more than
    # that a regimen was named.
    unused = sorted((r for r in readings if id(r) not in used and _worth_saying(r, role)),
                    key=lambda r: r.part not in _CARRIES_LABEL)
    set_aside = tuple(dict.fromkeys(_why(r) for r in unused))
    return TherapyReading(labels, evidence, role if labels or role == LAB_ONLY else "", set_aside)


def _observes_people(study: Study) -> bool:
    """Whether the titles or summary name a way of observing people (follow-up, registry,
    survey, quality of life, imaging): MeSH and MAxO observing terms of the vocabulary."""
    return any(m.concept.part is Part.OBSERVING for text in (study.brief_title, study.official_title, study.summary)
               if text for m in vocabulary().procedures(words.tokens(text)))


def _made_in_lab(r: _Reading, readings: list[_Reading]) -> bool:
    """Cells that exist only where a laboratory makes them: made from iPSCs, grown in culture,
    or named as made "from" a sample's cells or tissue ("Induced Neural Stem Cells From MS
    Fibroblasts")."""
    if r.concept.kind is Kind.IPSC or r.item.expanded:
        return True
    ws = words.tokens(r.text.text)

    def made_from(o: _Reading) -> bool:  # "from (MS) fibroblasts", "from (patients') skin"
        between = [t.key for t in ws[r.item.last:o.item.first] if t.is_word]
        return 0 < len(between) <= 3 and between[0] == "from"
    return any(o.text is r.text and o.part in (Part.OTHER_CELLS, Part.TISSUE) and o.item.first >= r.item.last
               and made_from(o) for o in readings)


def _one_product_per_item(readings: list[_Reading]) -> list[_Reading]:
    """An intervention or arm gives one product, named by its name and described by its
    description: "MSC-NP" described as "neural progenitor cells derived from marrow" is one MSC
    product, "hiPSC" described as "neural stem/progenitor cells" one iPSC product, "MSC"
    described as "exosomes from MSC cultures" one exosome product. A description adds a
    product only when it is more precise than the name ("Stem cell transplantation" described
    as "autologous haematopoietic stem cells"); a name listing two ("MSC + CB-MNC") gives two."""
    items: dict[str, list[_Reading]] = {}
    for r in readings:
        if r.text.unit and r.part in (Part.PRODUCT, Part.PROCEDURE) and r.status not in _SET_ASIDE:
            items.setdefault(r.text.unit, []).append(r)
    drop: set[int] = set()
    for item in items.values():
        if any(r.concept.kind is Kind.IPSC for r in item):  # whatever is made of iPSCs is iPSC
            drop |= {id(r) for r in item if r.part is Part.PRODUCT and r.concept.kind not in (Kind.IPSC, Kind.HSC)}
            continue
        for made in (r for r in item if r.item.source_kind not in (None, r.concept.kind)):
            # its source, named apart ("MSC" beside "exosomes from MSC cultures")
            drop |= {id(r) for r in item if r.item.source_kind is None and r.concept.kind == made.item.source_kind}
        names = [r for r in item if r.text.naming]
        if names:
            best, kinds = max(_rank(r) for r in names), {r.concept.kind for r in names}
            drop |= {id(r) for r in item if r not in names and r.concept.kind not in kinds and _rank(r) <= best}
    return [r for r in readings if id(r) not in drop]


_STEM_CELL_TISSUES = frozenset({"TISSUE_MARROW", "TISSUE_CORD_BLOOD", "TISSUE_CORD", "TISSUE_PERINATAL",
                                "TISSUE_DENTAL"})
_DONE_TO_PEOPLE = frozenset({Part.PROCEDURE, Part.GRAFT, Part.GRAFT_STEP, Part.TRANSPLANT_WORD})
_GIVES_CELLS = frozenset({Part.PRODUCT, Part.PROCEDURE, Part.GRAFT, Part.GRAFT_STEP, Part.CONDITIONING,
                          Part.TRANSPLANT_WORD})
_OURS = _GIVES_CELLS | {Part.MOBILISATION, Part.ACELLULAR}  # what an item of ours may name


def _collected_only(readings: list[_Reading], study: Study) -> list[_Reading]:
    """A study whose interventions only mobilise and collect cells, or sample and scan, gives
    nobody the cells its titles and summary name: they are collected ("Banking autologous blood
    stem cells": G-CSF, then apheresis, stored). A trial that lists no intervention is read from
    its summary alike."""
    if study.interventions:
        units = {f"intervention {n}": i for n, i in enumerate(study.interventions)}
        quiet = {u for u, i in units.items() if _gives_nothing(i)}  # samples and scans: laboratory work, if anything
        collecting = {r.text.unit for r in readings if r.part is Part.MOBILISATION and r.text.unit in units} - quiet
        giving = {r.text.unit for r in readings
                  if r.part in _GIVES_CELLS and r.status is Category.GIVEN and r.text.unit}
        if not collecting or giving or set(units) - collecting - quiet:
            return readings
    elif not study.design.arms and study.study_type != "OBSERVATIONAL":
        said = [r for r in readings if r.text.field in ("brief summary", "description")]
        if not any(r.part is Part.MOBILISATION and r.status is Category.GIVEN for r in said) or any(
                r.part in _GIVES_CELLS and r.status is Category.GIVEN for r in said):
            return readings
    else:
        return readings
    return [replace(r, status=Category.COLLECTED, cue="") if not r.text.unit and r.status is Category.GIVEN
            and r.part in _GIVES_CELLS else r for r in readings]


def _made_of(readings: list[_Reading]) -> list[_Reading]:
    """An item's product that a title names as made from another kind is that kind's product:
    "Autologous glial progenitor cells" under the title "Induced Pluripotent Stem Cell-Derived
    Glial Progenitors" are iPSC-derived. Only one item may give such a product."""
    titles = {r.item.made.id: r for r in readings if r.text.field in ("brief title", "official title")
              and r.item.made is not None and r.item.source_kind is not None}
    given = [r for r in readings if r.text.unit and r.part is Part.PRODUCT and r.status is Category.GIVEN]
    out = []
    for r in readings:
        title = titles.get(r.concept.id)
        if title is not None and r in given and len({g.text.unit for g in given if g.concept == r.concept}) == 1:
            r = replace(r, concept=title.concept)
        out.append(r)
    return out


def _described_by_code(study: Study, labelled: list[tuple[_Reading, str | None]]) -> list[Labelled]:
    """A product known only by its code ("NRX-302", intrathecal) is what a sentence of the
    summary or description that names the code says it is ("NRX-302 is a human neural stem
    cell line")."""
    codes = [words.tokens(i.name) for i in study.interventions
             if i.type in _PRODUCT_ITEMS and i.name and not vocabulary().find(words.tokens(i.name))
             and any(c.isdigit() for c in i.name)]
    out: list[Labelled] = []
    for r, lab in labelled:
        if not lab or r.text.unit or r.text.tier != CONTEXT or r.status not in (None, Category.LAB):
            continue
        ws = words.tokens(r.text.text)
        lo, hi = context.sentence_bounds(ws, r.item.first)
        sentence = [t.text for t in ws[lo:hi]]
        if any(_holds(sentence, [t.text for t in code]) for code in codes):
            out.append((replace(r, status=Category.GIVEN, cue=""), lab))
    return out


def _holds(sentence: list[str], code: list[str]) -> bool:
    return any(sentence[n:n + len(code)] == code for n in range(len(sentence) - len(code) + 1))


def _named_products_decide(readings: list[_Reading]) -> list[_Reading]:
    """A product's own name decides what it is, in its intervention and in any title that
    names it: "DUOC-01" is macrophage-like cells, whatever its description says of the cord
    blood it is made from. An intervention's other names are its name said again: they count
    only when the name itself names no product."""
    def is_name(r: _Reading) -> bool:
        return r.item.named_product and (r.text.naming or not r.text.unit)

    def place(r: _Reading) -> str:
        return r.text.unit or f"{r.text.field}:{r.text.text}"

    named = {place(r) for r in readings if is_name(r)}
    products = (Part.PRODUCT, Part.PROCEDURE)
    named_items = {r.text.unit for r in readings if r.text.field == "intervention name" and r.part in products}
    return [r for r in readings
            if not (r.part in products and not is_name(r) and place(r) in named)
            and not (r.text.field == "intervention other name" and r.text.unit in named_items
                     and not r.item.named_product)]


def _most_specific(chosen: list[Labelled], context_readings: list[Labelled]) -> list[Labelled]:
    """One product, one label: the most specific mentions decide. A bare mention ("stem
    cells") is named by any mention that names a kind, here or in the summary, keywords and
    index terms; those name the kind only when what is given names none."""
    if not chosen:
        return []
    strongest = max(_rank(r) for r, _ in chosen)
    if strongest < SPECIFIC:
        chosen = chosen + [(r, lab) for r, lab in context_readings if _rank(r) > strongest and lab != UNCLEAR]
        strongest = max(_rank(r) for r, _ in chosen)
    if strongest == SPECIFIC:
        specific = [r for r, _ in chosen if _rank(r) == SPECIFIC and r.text.tier == TREATMENT]
        chosen = [(r, lab) for r, lab in chosen if _rank(r) != SOURCE or r.text.tier == CONTEXT
                  or not any(_same_product(r, s) for s in specific)]
    # A bare "stem cells" is the same product as a named kind of cells, not as exosomes.
    cells = [r for r, _ in chosen if _rank(r) > BARE and r.concept.id != "STEM_CELL_PRODUCT"]
    if cells:
        chosen = [(r, lab) for r, lab in chosen if _rank(r) > BARE]
    return chosen


def _same_product(loose: _Reading, specific: _Reading) -> bool:
    """Whether a product named by its tissue alone ("bone marrow-derived stem cells") may be the
    one named precisely elsewhere: not when two items give them (each item is one product of
    its own), and not when both name their tissues and they differ ("cord blood cells" beside
    "umbilical cord MSC")."""
    if loose.text.naming and loose.text == specific.text:
        return False  # one name listing two products ("UCB + UC-MSC")
    kinds = {unit.split()[0] for unit in (loose.text.unit, specific.text.unit) if unit}
    if loose.text.unit != specific.text.unit and len(kinds) == 1 and loose.text.unit and specific.text.unit:
        return False  # two interventions, or two arms (an arm and the intervention it gives may be one)
    a, b = _tissue_of(loose), _tissue_of(specific)
    return a is None or b is None or a == b


def _tissue_of(r: _Reading) -> Kind | None:
    if r.item.tissue is not None:
        return r.item.tissue.kind
    return r.concept.kind if r.concept.rank == SOURCE else None


_PART_REASONS = {
    Part.OTHER_CELLS: "another cell therapy, not a stem-cell therapy",
    Part.OTHER_TRANSPLANT: "another kind of transplant",
    Part.NOT_A_PRODUCT: "names no stem-cell product",
    Part.CONDITIONING: "a conditioning regimen, with no graft given",
    Part.MOBILISATION: "mobilising or collecting cells, with none given back",
}


def _worth_saying(r: _Reading, role: str) -> bool:
    """Whether a reading that gave no label says something a reader should see: a stem-cell
    word set aside, or what an item or title is (another cell therapy, a regimen alone)."""
    if r.part in (Part.OTHER_CELLS, Part.OTHER_TRANSPLANT, Part.NOT_A_PRODUCT):
        return r.text.naming or r.text.field in ("brief title", "official title")  # not every "lymphocyte"
    if r.part in (Part.CONDITIONING, Part.MOBILISATION):
        return role != GIVES
    return r.part in _CARRIES_LABEL and (r.status in _SET_ASIDE or r.status in (
        Category.LAB, Category.NOT_GIVEN, Category.COLLECTED))


def _why(r: _Reading) -> SetAside:
    if r.part in _PART_REASONS and r.status not in _SET_ASIDE:
        reason = _PART_REASONS[r.part]
    else:
        status = r.status or Category.NEGATED
        reason = status.value + (f" (“{r.cue}”)" if r.cue else "")
    return SetAside(r.text.field, r.phrase, r.concept.name, reason)


# ---------------------------------------------------------------------------
# Uses beyond a whole study.


def names_therapy(text: str) -> bool:
    """Whether a sentence names a stem-cell therapy that is not negated or only a drug's target."""
    readings = _read(_Text("sentence", text, "", TREATMENT))
    setting = _Setting(conditioning=False, no_conditioning=False)
    return any(_label(r, setting) and r.status not in _SET_ASIDE for r in readings)


def mentions_therapy(texts: Iterable[tuple[str, str]]) -> bool:
    """Whether any of these texts (field, text) mentions a stem-cell product, procedure or graft
    at all, whatever its context: a listing's few fields, read to decide what to fetch."""
    readings = [r for name, t in texts for r in _read(_Text(name, t, "", TREATMENT))]
    parts = {r.part for r in readings}
    return bool(parts & {Part.PRODUCT, Part.PROCEDURE, Part.GRAFT}) or (
        Part.CONDITIONING in parts and bool(parts & {Part.GRAFT_STEP, Part.MOBILISATION, Part.TRANSPLANT_WORD}))
