"""Which stem-cell therapy a study gives, read from its words through the vocabulary.

The grammar, applied to each text of a study (an intervention's name and description, an
arm, a title, a summary):

1. **Words to concepts.** ``vocabulary`` finds the terms; describing words are skipped.
2. **Phrases.** A tissue names the kind of a generic head ("stem cells from adipose tissue",
   "bone marrow stromal cells"); cells made from other cells take their source's kind
   ("neural progenitors derived from MSCs" are MSC, anything made from iPSCs is iPSC, and
   exosomes or secretome of stem cells are "Other stem cell"); a product followed by a
   transplant word is a transplant of that product.
3. **Context.** ``context`` decides whether each phrase is given to participants, negated,
   only considered, had before or elsewhere, done in the laboratory, collected, or a drug's
   target. Interventions, arms and titles say what is given unless a cue says otherwise;
   summaries only when a cue says so ("participants will receive ...").
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
from . import context, words
from .context import Category
from .vocabulary import BARE, CASE_SENSITIVE_KINDS, CONCEPTS, SOURCE, SPECIFIC, Concept, Kind, Part, vocabulary

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


class _Text(NamedTuple):
    field: str
    text: str
    unit: str  # the intervention or arm it belongs to; "" for the study's own texts
    tier: str  # TREATMENT (says what is given) or CONTEXT (describes the topic)
    naming: bool = False  # an intervention's name: a named product there names the whole item
    topic_only: bool = False  # an item that treats nobody (a blood draw, a scan): nothing in it is given


def _texts(study: Study) -> list[_Text]:
    out: list[_Text] = []
    for n, i in enumerate(study.interventions):
        unit, quiet = f"intervention {n}", _treats_nobody(i)
        out += [_Text("intervention name", i.name, unit, TREATMENT, True, quiet)] if i.name else []
        out += [_Text("intervention other name", o, unit, TREATMENT, True, quiet) for o in i.other_names if o]
        if i.description:
            out.append(_Text("intervention description", i.description, unit, TREATMENT, False, quiet))
    for n, a in enumerate(study.design.arms):
        unit, quiet = f"arm {n}", a.type == "NO_INTERVENTION"
        out += [_Text("arm group label", a.label, unit, TREATMENT, False, quiet)] if a.label else []
        out += [_Text("arm group description", a.description, unit, TREATMENT, False, quiet)] if a.description else []
    for name, value in (("brief title", study.brief_title), ("official title", study.official_title),
                        ("acronym", study.acronym)):
        out += [_Text(name, value, "", TREATMENT)] if value else []
    out += [_Text("keyword", k, "", CONTEXT) for k in study.keywords if k]
    out += [_Text("intervention MeSH term", t.term, "", CONTEXT) for t in study.intervention_terms if t.term]
    for name, value in (("brief summary", study.summary), ("description", study.description)):
        out += [_Text(name, value, "", CONTEXT)] if value else []
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


# Interventions that treat nobody: taking samples, scanning, asking, measuring.
_TREATS_NOBODY = re.compile(
    r"\b(?:(?:venou?s\s+)?blood\s+(?:draws?|samples?|sampling|tests?|collection|withdrawal)|venou?s\s+blood"
    r"|veni-?punctures?|vene-?punctures?|phlebotomy|biops(?:y|ies)|samples?|sampling|aspirat(?:e|es|ion)"
    r"|lipoaspirat(?:e|es|ion)|liposuction"
    r"|lumbar\s+punctures?(?=\s+(?:for|to)\s+(?:\w+\s+){0,2}(?:csf|cerebrospinal|sampl|collect|obtain|analys))"
    r"|specimens?|swabs?|urine|saliva|(?:csf|cerebrospinal\s+fluid)(?:\s+collection)?"
    r"|mri|magnetic\s+resonance(?:\s+imaging)?|pet(?:[\s-]+ct)?|ct|scans?|imaging|ultrasound|x-?rays?"
    r"|optical\s+coherence\s+tomography|oct|eeg|evoked\s+potentials?|questionnaires?|surveys?|interviews?|diary"
    r"|assessments?|(?:clinical|neurological)?\s*examinations?|observation(?:al)?|monitoring|follow[\s-]*up"
    r"|data\s+collection|(?:laboratory|lab)\s+(?:biomarker\s+)?(?:analys[ie]s|tests?|studies)"
    r"|biomarkers?(?:\s+analys[ie]s)?|quality\s+of\s+life|qol|cognitive\s+tests?|no\s+intervention"
    r"|diagnostic\s+tests?|flow\s+cytometry)\b",
    re.IGNORECASE,
)
# Words that join such items: "Venous blood draw and skin biopsy", "MRI of the brain".
_JOINING = re.compile(
    r"\b(?:and|or|of|with|the|a|an|for|from|to|at|in|on|by|skin|tissue|brain|spinal|cord|whole|single"
    r"|one|two|three|repeated|serial|research|study|standard|routine|baseline|peripheral|collection"
    r"|analysis|only|plus|via|bone|marrow|abdominal|punch|fat|daily|symptom|online|structured|annual"
    r"|safety|visit|clinical|sample|samples)\b|[\s,/+&;:()\-.\d]+",
    re.IGNORECASE,
)
# Items that take samples, as opposed to scanning or asking (a lumbar puncture is not one:
# it is also how cells are put into the spinal fluid).
_SAMPLING = re.compile(r"blood|biops|puncture|sampl|specimen|swab|urine|saliva|csf|cerebrospinal|venou|aspirat"
                       r"|lipoaspir|liposuction", re.IGNORECASE)


def _treats_nobody(intervention: Intervention) -> bool:
    """An intervention that only samples, scans, asks or measures."""
    if intervention.type == "DIAGNOSTIC_TEST":
        return True
    name = intervention.name
    if not name or not _TREATS_NOBODY.search(name):
        return False
    return not _JOINING.sub("", _TREATS_NOBODY.sub("", name))


# ---------------------------------------------------------------------------
# Phrases: mentions joined by the grammar.


@dataclass
class _Item:
    concept: Concept
    first: int
    last: int
    ambiguous: bool = False  # an ambiguous abbreviation ("HCT"): needs support in the study
    abbreviation: bool = False
    named_product: bool = False  # a product's own name ("NurOwn"): decides over its description
    transplanted: bool = False  # named as a transplant ("neural stem cell transplantation")
    expanded: bool = False  # grown in culture ("culture-expanded adipose stromal cells")
    reprogrammed: bool = False
    tissue: Concept | None = None
    source_kind: Kind | None = None  # what it was made from ("MSC-derived exosomes": MSC)
    done: bool = False  # joined into another item

    @property
    def part(self) -> Part:
        return self.concept.part


def _c(concept_id: str) -> Concept:
    return CONCEPTS[concept_id]


# What a generic head becomes with a tissue beside it.
_HEAD_WITH_TISSUE: dict[str, dict[str, str]] = {
    "STEM_CELLS": {
        "TISSUE_MARROW": "MARROW_CELLS", "TISSUE_ADIPOSE": "ADIPOSE_CELLS", "TISSUE_CORD": "UMBILICAL_CORD_CELLS",
        "TISSUE_CORD_BLOOD": "CORD_BLOOD_CELLS", "TISSUE_PERIPHERAL_BLOOD": "HSC",
        "TISSUE_PERINATAL": "PERINATAL_CELLS",
        "TISSUE_DENTAL": "DENTAL_PULP_CELLS", "TISSUE_OTHER": "OTHER_STEM_CELLS"},
    "STROMAL_CELLS": {
        "TISSUE_MARROW": "MSC", "TISSUE_ADIPOSE": "ADIPOSE_CELLS", "TISSUE_CORD": "MSC", "TISSUE_CORD_BLOOD": "MSC",
        "TISSUE_PERINATAL": "MSC", "TISSUE_DENTAL": "MSC", "TISSUE_OTHER": "OTHER_STEM_CELLS"},
    "MONONUCLEAR_CELLS": {
        "TISSUE_MARROW": "BM_MNC", "TISSUE_CORD_BLOOD": "CORD_BLOOD_MNC",
        "TISSUE_PERIPHERAL_BLOOD": "OTHER_CELLS_PBMC"},
    "CELL_HEAD": {
        "TISSUE_MARROW": "MARROW_CELLS", "TISSUE_CORD_BLOOD": "CORD_BLOOD_CELLS", "TISSUE_PERINATAL": "PERINATAL_CELLS",
        "TISSUE_CORD": "UMBILICAL_CORD_CELLS"},
}
_HEAD_WITH_TISSUE["PROGENITOR_CELLS"] = _HEAD_WITH_TISSUE["STEM_CELLS"]
# "fat-derived cells", "muscle-derived cells": a plain cell word takes these tissues only
# when the cells are said to come from them ("fat cells" are adipocytes, not a product).
_DERIVED_CELLS = {"TISSUE_ADIPOSE": "ADIPOSE_CELLS", "TISSUE_OTHER": "OTHER_STEM_CELLS"}

_FROM = frozenset({"from", "of"})
_MADE = frozenset({"derived", "generated", "differentiated", "produced", "made", "manufactured", "isolated",
                   "obtained", "prepared", "purified", "secreted", "released", "expanded", "grown", "induced",
                   "engineered", "developed", "created", "collected", "harvested"})
_TURNED = frozenset({"differentiated", "induced", "converted", "reprogrammed", "directed", "transformed", "matured"})
_INTO = frozenset({"into", "to", "toward", "towards"})
_SOURCES = frozenset({Part.PRODUCT})
_MADE_THINGS = frozenset({Part.PRODUCT, Part.ACELLULAR, Part.CELL_HEAD, Part.OTHER_CELLS})
_CARRIES_LABEL = frozenset({Part.PRODUCT, Part.PROCEDURE, Part.GRAFT, Part.GRAFT_STEP, Part.ACELLULAR})


def _is_describing(token: words.Token) -> bool:
    return token.text in words.JOINERS or token.key in vocabulary().skippable


def _describing_only(ws: Sequence[words.Token], start: int, end: int) -> bool:
    return all(_is_describing(t) for t in ws[start:end])


def _phrases(ws: Sequence[words.Token]) -> list[_Item]:
    items = [_Item(m.concept, m.first, m.last, ambiguous=m.term.ambiguous, named_product=m.term.kind == "product name",
                   abbreviation=m.term.kind in CASE_SENSITIVE_KINDS)
             for m in vocabulary().find(ws) if m.concept.part is not Part.MODIFIER]
    _merge_restated(ws, items)
    items = [i for i in items if not i.done]
    _attach_tissues(ws, items)
    items = [i for i in items if not i.done]
    _join_derived(ws, items)
    items = [i for i in items if not i.done]
    _attach_transplant_words(ws, items)
    items = [i for i in items if not i.done]
    for item in items:
        _widen(ws, item)
        if item.concept.id in ("ESC", "PSC") and any(
                t.key.startswith("reprogram") for t in ws[max(0, item.first - 4):item.first]):
            item.concept, item.reprogrammed = _c("IPSC"), True
    return items


def _merge_restated(ws: Sequence[words.Token], items: list[_Item]) -> None:
    """An abbreviation right after the words it stands for is the same mention: "neural stem
    cells (NSCs)", "neural stem cells NSCs"."""
    for a, b in zip(items, items[1:], strict=False):
        if b.abbreviation and not a.done and a.part in (Part.PRODUCT, Part.PROCEDURE) and b.part in (
                Part.PRODUCT, Part.PROCEDURE) and a.concept.kind == b.concept.kind and all(
                t.text in "(),-" for t in ws[a.last:b.first]):
            a.last, b.done = b.last + (b.last < len(ws) and ws[b.last].text == ")"), True


def _attach_tissues(ws: Sequence[words.Token], items: list[_Item]) -> None:
    """A tissue before a product ("bone marrow [derived] MSCs") or after it ("MSCs from adipose
    tissue") belongs to it, and names the kind of a generic head."""
    for n, item in enumerate(items):
        if item.part not in (Part.PRODUCT, Part.PROCEDURE, Part.CELL_HEAD) or item.done:
            continue
        tissue, span, derived = None, (item.first, item.last), False
        before = items[n - 1] if n > 0 else None
        after = items[n + 1] if n + 1 < len(items) else None
        if before is not None and before.part is Part.TISSUE and not before.done and _describing_only(
                ws, before.last, item.first):
            tissue, span = before, (before.first, item.last)
            derived = any(t.key == "derived" for t in ws[before.last:item.first])
        elif after is not None and after.part is Part.TISSUE and not after.done and _tissue_after(ws, item, after):
            tissue, span, derived = after, (item.first, after.last), True
        if tissue is None:
            continue
        table = _HEAD_WITH_TISSUE.get(item.concept.id, {})
        target = table.get(tissue.concept.id) or (
            _DERIVED_CELLS.get(tissue.concept.id) if item.part is Part.CELL_HEAD and derived else None)
        if item.concept.id in _HEAD_WITH_TISSUE and target is None:
            continue  # "peripheral blood cells", "fat cells": no product
        tissue.done = True
        item.tissue, (item.first, item.last) = tissue.concept, span
        if target == "OTHER_CELLS_PBMC":
            item.concept = _c("OTHER_CELLS")
        elif target:
            item.concept = _c(target)


def _tissue_after(ws: Sequence[words.Token], item: _Item, tissue: _Item) -> bool:
    """"cells from (the) autologous adipose tissue", "cells of bone marrow origin"."""
    between = [t for t in ws[item.last:tissue.first] if not _is_describing(t)]
    return len(between) <= 2 and bool(between) and between[0].key in _FROM | {"derived"} and all(
        t.key in _FROM | {"the", "derived"} for t in between)


def _join_derived(ws: Sequence[words.Token], items: list[_Item]) -> None:
    """Cells or acellular products made from a stem-cell product take a kind from both."""
    for n in range(len(items) - 1):
        a, b = items[n], items[n + 1]
        if a.done or b.done:
            continue
        gap = ws[a.last:b.first]
        if a.part in _SOURCES and b.part in _MADE_THINGS and _made_forward(gap, b):
            source, made = a, b
        elif a.part in _MADE_THINGS and b.part in _SOURCES and _made_backward(gap, a):
            source, made = b, a
        else:
            continue
        kind = _derived_concept(source, made)
        if kind is None:
            continue
        made.source_kind = source.concept.kind
        made.concept, made.first, made.last = kind, min(a.first, b.first), max(a.last, b.last)
        made.tissue = made.tissue or source.tissue
        made.named_product = made.named_product or source.named_product
        source.done = True


def _made_forward(gap: Sequence[words.Token], made: _Item) -> bool:
    """"MSC-derived exosomes", "MSC exosomes", "MSCs differentiated into neural stem cells"."""
    texts = [t for t in gap if t.is_word]
    if not texts:  # adjacent, or joined by a hyphen only
        return all(t.text == "-" for t in gap) and (made.part is not Part.PRODUCT or bool(gap))
    if all(_is_describing(t) for t in gap) and any(t.key in _MADE for t in texts):
        return True
    return texts[0].key in _TURNED and len(texts) >= 2 and texts[1].key in _INTO and len(texts) <= 5


def _made_backward(gap: Sequence[words.Token], made: _Item) -> bool:
    """"neural stem cells derived from iPSCs", "secretome of MSCs", "OPCs made from a hiPSC line"."""
    texts = [t for t in gap if t.is_word]
    if not texts or len(texts) > 6 or any(t.text in ".;:" for t in gap):
        return False
    keys = [t.key for t in texts]
    for n, key in enumerate(keys[:-1]):
        if key in _MADE and keys[n + 1] in _FROM | {"by"}:
            return all(_is_describing(t) for t in texts[:n])
    return keys[0] in _FROM and made.part in (Part.ACELLULAR, Part.CELL_HEAD) and len(keys) <= 4


def _derived_concept(source: _Item, made: _Item) -> Concept | None:
    s, m = source.concept, made.concept
    if s.kind is Kind.IPSC or source.reprogrammed:
        return _c("IPSC")
    if s.kind is None or s.kind is Kind.UNSPECIFIED and m.part is not Part.ACELLULAR and m.kind is None:
        return None  # "stromal cells", or a plain "stem cells" making unnamed cells: nothing to join
    if m.part is Part.ACELLULAR:
        return _c("STEM_CELL_PRODUCT")
    if s.kind is Kind.ESC:  # "hPSC-derived" says less than "hESC-derived": it keeps its rank
        return _c("MSC") if m.kind is Kind.MSC else s
    if m.part is Part.OTHER_CELLS:
        return m  # cells of another kind made from adult stem cells stay what they are
    if s.kind is Kind.MSC:
        return _c("MSC_CELLS")
    return m if m.part is Part.PRODUCT and m.kind not in (None, Kind.UNSPECIFIED) else s


def _attach_transplant_words(ws: Sequence[words.Token], items: list[_Item]) -> None:
    """"neural stem cell transplantation", "reinfusion of their haematopoietic stem cells": the
    product is transplanted."""
    for n, item in enumerate(items):
        if item.part not in (Part.TRANSPLANT_WORD, Part.GRAFT_STEP) or item.done:
            continue
        before = items[n - 1] if n > 0 else None
        after = items[n + 1] if n + 1 < len(items) else None
        if before is not None and before.part is Part.PRODUCT and not before.done and _describing_only(
                ws, before.last, item.first):
            before.transplanted, before.last, item.done = True, item.last, True
        elif after is not None and after.part is Part.PRODUCT and not after.done and _of_between(ws, item, after):
            after.transplanted, after.first, item.done = True, item.first, True
        elif after is not None and after.concept.id in _TISSUE_TRANSPLANTS and not after.done and _of_between(
                ws, item, after):  # "transplantation of (autologous) bone marrow": the procedure
            item.concept, item.last, after.done = _c(_TISSUE_TRANSPLANTS[after.concept.id]), after.last, True


_TISSUE_TRANSPLANTS = {"TISSUE_MARROW": "BMT", "TISSUE_CORD_BLOOD": "CBT", "TISSUE_PERIPHERAL_BLOOD": "PBSCT"}


def _of_between(ws: Sequence[words.Token], item: _Item, after: _Item) -> bool:
    between = [t for t in ws[item.last:after.first] if not _is_describing(t)]
    return len(between) == 1 and between[0].key in _FROM


def _widen(ws: Sequence[words.Token], item: _Item) -> None:
    """The whole phrase: the describing words on each side belong to it."""
    while item.first > 0 and _is_describing(ws[item.first - 1]) and ws[item.first - 1].text not in words.JOINERS:
        item.first -= 1
    while item.last < len(ws) and _is_describing(ws[item.last]) and ws[item.last].text not in words.JOINERS:
        item.last += 1
    expanded = vocabulary().expanded
    item.expanded = any(t.key in expanded for t in ws[item.first:item.last])


# ---------------------------------------------------------------------------
# Readings: phrases with their context.


@dataclass(frozen=True)
class _Reading:
    concept: Concept
    text: _Text
    phrase: str
    status: Category | None  # GIVEN, ELSEWHERE, LAB ... or None: the topic, not said to be given
    cue: str
    ambiguous: bool
    abbreviation: bool
    named_product: bool
    transplanted: bool
    expanded: bool
    tissue: Concept | None
    source_kind: Kind | None

    @property
    def part(self) -> Part:
        return self.concept.part

    @property
    def evidence_concept(self) -> str:
        return self.concept.name + (" (transplanted)" if self.transplanted and self.part is Part.PRODUCT else "")


_SET_ASIDE = frozenset({Category.NEGATED, Category.EXCLUDED, Category.HYPOTHETICAL, Category.REFERENCE,
                        Category.INSTITUTION, Category.ACTED_ON, Category.ENDOGENOUS})


def _read(text: _Text) -> list[_Reading]:
    ws = words.tokens(text.text)
    items = _phrases(ws)
    if not items:
        return []
    found = context.contexts(ws, [(i.first, i.last) for i in items])
    default = Category.GIVEN if text.tier == TREATMENT and not text.topic_only else None
    out = []
    for item, ctx in zip(items, found, strict=True):
        strongest = ctx.strongest
        status, cue = strongest if strongest else (default, "")
        if status is Category.GIVEN and text.topic_only:
            status, cue = None, ""  # a blood draw's description says what is done with the blood
        phrase = text.text[ws[item.first].start:ws[item.last - 1].end]
        out.append(_Reading(item.concept, text, phrase, status, cue, item.ambiguous, item.abbreviation,
                            item.named_product, item.transplanted, item.expanded, item.tissue, item.source_kind))
    return out


def _unit_cues(study_texts: list[_Text]) -> dict[str, tuple[str, str]]:
    """Items whose own words say nothing in them is given ("no cells are returned to participants")."""
    out: dict[str, tuple[str, str]] = {}
    for text in study_texts:
        if not text.unit:
            continue
        ws = words.tokens(text.text)
        for f in context.cues().find(ws):
            if f.value.category is Category.NOT_GIVEN:
                out[text.unit] = (Category.NOT_GIVEN.value, " ".join(t.text for t in ws[f.first:f.last]))
    return out


# ---------------------------------------------------------------------------
# The study.

Labelled = tuple[_Reading, str]

_KIND_LABEL = {Kind.MSC: MSC, Kind.IPSC: IPSC, Kind.ESC: OTHER, Kind.NEURAL: OTHER, Kind.SVF: OTHER,
               Kind.PERINATAL: OTHER, Kind.OTHER: OTHER, Kind.MARROW: OTHER, Kind.CORD_BLOOD: OTHER}


@dataclass(frozen=True)
class _Setting:
    """What the whole study says about a transplant around its products."""

    conditioning: bool  # a conditioning regimen is given
    no_conditioning: bool  # the record says no conditioning is given ("no chemotherapy")


def _label(r: _Reading, setting: _Setting) -> str | None:
    """The therapy label of a reading, in the study's setting; None when it gives none."""
    part, kind = r.part, r.concept.kind
    if part is Part.GRAFT:
        return HSCT
    if part in (Part.GRAFT_STEP, Part.TRANSPLANT_WORD):  # "reinfusion", "autograft", a bare "transplant"
        return HSCT if setting.conditioning else None
    if part is Part.ACELLULAR:
        return None  # exosomes of nothing named
    if part not in (Part.PRODUCT, Part.PROCEDURE) or kind is None:
        return None
    if kind is Kind.HSC:  # blood-forming cells are given as a transplant, unless the record says no conditioning
        return OTHER if setting.no_conditioning and part is Part.PRODUCT and not r.transplanted else HSCT
    if kind in (Kind.CORD_BLOOD, Kind.MARROW) and r.concept.id not in ("BM_MNC", "CORD_BLOOD_MNC"):
        return HSCT if setting.conditioning or (r.transplanted and kind is Kind.CORD_BLOOD) else OTHER
    if kind is Kind.UNSPECIFIED:
        return HSCT if r.transplanted or setting.conditioning else UNCLEAR
    if kind is Kind.ADIPOSE:
        return MSC if r.expanded else OTHER
    return _KIND_LABEL.get(kind, OTHER)


def _rank(r: _Reading) -> int:
    if r.part in (Part.GRAFT, Part.GRAFT_STEP):
        return SPECIFIC
    if r.concept.kind is Kind.ADIPOSE and r.expanded:
        return SPECIFIC
    return r.concept.rank


def _supported(r: _Reading, readings: list[_Reading]) -> bool:
    """An ambiguous abbreviation ("HCT", "BMT") counts when the record names the same kind
    of therapy unambiguously, or describes it ("autologous HCT")."""
    family = {Part.CONDITIONING, Part.MOBILISATION, Part.GRAFT, Part.GRAFT_STEP}
    return any(o is not r and not o.ambiguous and (o.concept.kind == r.concept.kind or o.part in family)
               for o in readings) or any(t.isalpha() and t[0].islower() for t in r.phrase.split()[:-1])


def _spelled_otherwise(texts: list[_Text], readings: list[_Reading]) -> set[str]:
    """Abbreviations the record spells out as something else: "Attention Bias Modification
    Training (ABMT)", "Best Medical Treatment (BMT)", "CBT: cognitive behavioural therapy"."""
    wanted = {r.phrase.strip() for r in readings if r.abbreviation}
    out: set[str] = set()
    for text in texts:
        ws = [t for t in words.tokens(text.text) if t.is_word]
        initials = "".join(t.text[0].casefold() for t in ws)
        for abbreviation in wanted - out:
            letters = abbreviation.casefold()
            start = initials.find(letters)
            while start >= 0:
                run = ws[start:start + len(letters)]
                if not vocabulary().find(run):
                    out.add(abbreviation)
                    break
                start = initials.find(letters, start + 1)
        if out == wanted:
            break
    return out


def read_study(study: Study) -> TherapyReading:
    if not vocabulary().may_name_therapy(_all_words(study)):
        return TherapyReading((), (), "")
    texts = _texts(study)
    readings = [r for t in texts for r in _read(t)]
    if not readings:
        return TherapyReading((), (), "")
    unit_cues = _unit_cues(texts)
    readings = [replace(r, status=Category.NOT_GIVEN, cue=unit_cues[r.text.unit][1])
                if r.text.unit in unit_cues and r.status not in _SET_ASIDE
                and not (r.concept.id == "STEM_CELL_PRODUCT" and "cell" in unit_cues[r.text.unit][1].casefold())
                else r for r in readings]  # "no cells are given" says nothing against exosomes
    spelled = _spelled_otherwise(texts, readings)
    readings = _named_products_decide([
        r for r in readings if not (r.abbreviation and r.phrase.strip() in spelled)
        and not (r.ambiguous and not _supported(r, readings))])
    readings = _collected_items(_one_product_per_item(readings))
    setting = _Setting(
        conditioning=any(r.part is Part.CONDITIONING and r.status is Category.GIVEN for r in readings),
        no_conditioning=any(r.part is Part.CONDITIONING and r.status is Category.NEGATED for r in readings))
    labelled = [(r, _label(r, setting)) for r in readings]
    given = [(r, lab) for r, lab in labelled if lab and r.status is Category.GIVEN]
    elsewhere = [(r, lab) for r, lab in labelled if lab and r.status is Category.ELSEWHERE]
    lab_work = [(r, lab) for r, lab in labelled if lab and r.status in (Category.LAB, Category.NOT_GIVEN)]
    topic = [(r, lab) for r, lab in labelled if lab and r.status is None]

    # What the interventions and arms say decides over the titles and summary, which describe
    # them: a title naming MSCs in a study whose MSC item is only manufactured gives nobody
    # MSCs, and a title naming glial progenitors of a study whose item is iPSC-derived cells
    # names those cells. A title adds a label only when the items name no product, or name
    # theirs less precisely ("bone marrow-derived stem cells" under a title of MSCs).
    itemised = {lab for r, lab in labelled if lab and r.text.unit and not r.text.topic_only}
    item_rank = max((_rank(r) for r, lab in labelled if lab and r.text.unit and not r.text.topic_only
                     and r.status not in _SET_ASIDE), default=-1)

    def describes_items(r: _Reading, lab: str) -> bool:
        return bool(r.text.unit) or not itemised or lab in itemised or _rank(r) > item_rank

    given = [(r, lab) for r, lab in given if describes_items(r, lab)]
    elsewhere = [(r, lab) for r, lab in elsewhere if describes_items(r, lab)]
    titles_only = [(r, lab) for r, lab in given if not r.text.unit and lab in itemised]
    given = [(r, lab) for r, lab in given if r.text.unit or lab not in itemised]
    topic += titles_only
    # (Expanded access gives the product by definition, whatever its items list.)
    sampling_only = bool(study.interventions) and all(_treats_nobody(i) for i in study.interventions) and (
        study.study_type != "EXPANDED_ACCESS")
    demoted: list[Labelled] = []
    if sampling_only and not any(r.text.tier == CONTEXT for r, _ in given):
        # Nobody is treated: what the titles name is the topic.
        demoted = [(r, lab) for r, lab in given if not r.text.unit]
        given = [(r, lab) for r, lab in given if r.text.unit]
        topic += demoted

    observational = study.study_type == "OBSERVATIONAL"
    sampled = any(_SAMPLING.search(i.name) for i in study.interventions)
    chosen: list[Labelled]
    if given and not observational:
        role, chosen = GIVES, given
    elif elsewhere:
        role, chosen = FOLLOWS, given + elsewhere
    elif lab_work or (demoted and sampled):
        role, chosen = LAB_ONLY, []
    elif given:  # an observational study of a therapy given in routine care
        role, chosen = FOLLOWS, given
    elif demoted:  # scans or questions of people who had it
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
        for made in (r for r in item if r.source_kind is not None):  # its source, named apart
            drop |= {id(r) for r in item if r.source_kind is None and r.concept.kind == made.source_kind
                     and made.concept.kind != made.source_kind}
        names = [r for r in item if r.text.naming or r.text.field == "arm group label"]
        if names:
            best, kinds = max(_rank(r) for r in names), {r.concept.kind for r in names}
            drop |= {id(r) for r in item if r not in names and r.concept.kind not in kinds and _rank(r) <= best}
    return [r for r in readings if id(r) not in drop]


def _collected_items(readings: list[_Reading]) -> list[_Reading]:
    """An intervention named as a collection ("Leukapheresis", "PBSC collection") collects
    what its description names; it gives none of it."""
    collecting = {r.text.unit for r in readings if r.text.naming and r.part is Part.MOBILISATION}
    collecting -= {r.text.unit for r in readings if r.text.naming and r.part in (Part.PRODUCT, Part.PROCEDURE)}
    return [replace(r, status=Category.COLLECTED) if r.text.unit in collecting and r.status is Category.GIVEN
            else r for r in readings]


def _named_products_decide(readings: list[_Reading]) -> list[_Reading]:
    """A product's own name decides what it is, in its intervention and in any text that
    names it: "DUOC-01" is macrophage-like cells, whatever its description says of the cord
    blood it is made from. An intervention's other names are its name said again: they count
    only when the name itself names no product."""
    def place(r: _Reading) -> str:
        return r.text.unit if r.text.naming and r.text.unit else f"{r.text.field}:{r.text.text}"

    def is_name(r: _Reading) -> bool:
        return r.named_product and (r.text.naming or not r.text.unit)

    named = {place(r) for r in readings if is_name(r)}
    product_parts = (Part.PRODUCT, Part.PROCEDURE)
    named_items = {r.text.unit for r in readings if r.text.field == "intervention name" and r.part in product_parts}
    kept = []
    for r in readings:
        if r.part in product_parts and not is_name(r):
            if (r.text.unit and r.text.unit in named) or f"{r.text.field}:{r.text.text}" in named:
                continue
        if r.text.field == "intervention other name" and r.text.unit in named_items and not r.named_product:
            continue
        kept.append(r)
    return kept


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
        chosen = [(r, lab) for r, lab in chosen if _rank(r) == SPECIFIC or r.text.tier == CONTEXT
                  or _rank(r) == SOURCE and r.text.tier == TREATMENT and not _specific_in_treatment(chosen)]
    if strongest > BARE:
        chosen = [(r, lab) for r, lab in chosen if _rank(r) > BARE]
    return chosen


def _specific_in_treatment(chosen: Iterable[Labelled]) -> bool:
    return any(_rank(r) == SPECIFIC and r.text.tier == TREATMENT for r, _ in chosen)


_PART_REASONS = {
    Part.OTHER_CELLS: "another cell therapy, not a stem-cell therapy",
    Part.OTHER_TRANSPLANT: "another kind of transplant",
    Part.NOT_A_PRODUCT: "names no stem-cell product",
    Part.CONDITIONING: "a conditioning regimen, with no graft given",
    Part.MOBILISATION: "mobilising or collecting cells, with none given back",
}


def _worth_saying(r: _Reading, role: str) -> bool:
    if r.part in _PART_REASONS:
        return r.part not in (Part.CONDITIONING, Part.MOBILISATION) or role != GIVES
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


def mentions_therapy(study: Study, texts: Iterable[tuple[str, str]]) -> bool:
    """Whether any of these texts (field, text) mentions a stem-cell product, procedure or graft
    at all, whatever its context: a listing's few fields, read to decide what to fetch."""
    readings = [r for name, t in texts for r in _read(_Text(name, t, "", TREATMENT))]
    parts = {r.part for r in readings}
    return bool(parts & {Part.PRODUCT, Part.PROCEDURE, Part.GRAFT}) or (
        Part.CONDITIONING in parts and bool(parts & {Part.GRAFT_STEP, Part.MOBILISATION, Part.TRANSPLANT_WORD}))
