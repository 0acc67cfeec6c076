"""Phrases: the vocabulary's mentions in one text, joined by the grammar into the products,
procedures and steps the text names.

- A tissue before or after a generic head names its kind ("bone marrow [derived] stromal
  cells" are MSCs, "stem cells from adipose tissue" adipose-derived cells, "mononuclear cells
  of cord blood" a cord blood product); a plain cell word takes a tissue only when the cells
  are said to come from it ("fat-derived cells", not "fat cells").
- Cells or acellular products made from a stem-cell product take one kind from both:
  anything made from iPSCs is iPSC, neural progenitors made from MSCs are MSC, exosomes or
  secretome of stem cells are "Other stem cell", MSCs made from embryonic stem cells are MSC.
- A product followed by a transplant word, or a transplant word and "of" before it, is a
  transplant of that product; "transplantation of bone marrow" is a marrow transplant.
- An abbreviation right after the words it stands for is the same mention.
- Each phrase is widened over the describing words beside it, which also say whether the
  cells were grown in culture ("culture-expanded").

The tables below are the grammar's rules, in concept ids of ``trials.analysis.vocabulary``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from . import words
from .vocabulary import CASE_SENSITIVE_KINDS, CONCEPTS, REPROGRAM, Concept, Kind, Part, vocabulary


@dataclass
class Phrase:
    """A mention, or several joined: what it is read as and where it stands (word indexes)."""

    concept: Concept
    first: int
    last: int  # exclusive
    ambiguous: bool = False  # an ambiguous abbreviation ("HCT"): needs support in the study
    abbreviation: str = ""  # the abbreviation as written ("MSC"), when the phrase is one
    named_product: bool = False  # a product's own name ("NurOwn"): decides over its description
    transplanted: bool = False  # named as a transplant ("neural stem cell transplantation")
    expanded: bool = False  # grown in culture ("culture-expanded adipose stromal cells")
    reprogrammed: bool = False
    tissue: Concept | None = None
    source_kind: Kind | None = None  # what it was made from ("MSC-derived exosomes": MSC)
    made: Concept | None = None  # what it named before its source was joined ("exosomes")
    done: bool = False  # joined into another phrase

    @property
    def part(self) -> Part:
        return self.concept.part


def _concept(concept_id: str) -> Concept:
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
        "TISSUE_PERIPHERAL_BLOOD": "OTHER_CELLS"},  # peripheral blood mononuclear cells: no stem cells
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
_AUXILIARIES = frozenset({"is", "are", "was", "were", "be", "been", "being"})
_SOURCES = frozenset({Part.PRODUCT})
_MATERIAL = frozenset({Part.GRAFT, Part.GRAFT_STEP, Part.MOBILISATION})  # collected cells another product is made of
_MADE_THINGS = frozenset({Part.PRODUCT, Part.ACELLULAR, Part.CELL_HEAD, Part.OTHER_CELLS})


def _is_describing(token: words.Token) -> bool:
    """A joiner or a describing word; not "+", which joins two products ("UCB + UC-MSC")."""
    return token.text in words.JOINERS and token.text != "+" or token.key in vocabulary().skippable


def _describing_only(ws: Sequence[words.Token], start: int, end: int) -> bool:
    return all(_is_describing(t) for t in ws[start:end])


def phrases(ws: Sequence[words.Token]) -> list[Phrase]:
    """The phrases of one text's words."""
    items = [Phrase(m.concept, m.first, m.last, ambiguous=m.term.ambiguous, named_product=m.term.kind == "product name",
                   abbreviation=_abbreviation(ws[m.first:m.last]) if m.term.kind in CASE_SENSITIVE_KINDS else "")
             for m in vocabulary().find(ws) if m.concept.part is not Part.MODIFIER]
    _merge_restated(ws, items)
    items = [i for i in items if not i.done]
    _attach_tissues(ws, items)
    items = [i for i in items if not i.done]
    _join_derived(ws, items)
    items = [i for i in items if not i.done]
    _attach_transplant_words(ws, items)
    items = [i for i in items if not i.done]
    _attach_collections(ws, items)
    items = [i for i in items if not i.done]
    for item in items:
        _widen(ws, item)
        if item.concept.id in ("ESC", "PSC") and any(
                t.key.startswith(REPROGRAM) for t in ws[max(0, item.first - 4):item.first]):
            item.concept, item.reprogrammed = _concept("IPSC"), True
        elif item.concept.id in ("STEM_CELLS", "CELL_HEAD") and _reprogrammed(ws, item.first):
            # "These reprogrammed cells", "Reprogrammed Stem Cell-Derived ...": the lay words for
            # induced pluripotent stem cells (ISSCR); cells "directly reprogrammed" never pass
            # through a pluripotent state and stay what they are.
            item.concept, item.reprogrammed = _concept("IPSC"), True
    return items


def _reprogrammed(ws: Sequence[words.Token], first: int) -> bool:
    """"reprogrammed" right before the cells, not said how ("directly", "direct-", "metabolically")."""
    before = [t.key for t in ws[max(0, first - 3):first] if t.is_word]
    return len(before) > 0 and before[-1].startswith(REPROGRAM) and not (
        len(before) > 1 and (before[-2].endswith("ly") or before[-2] == "direct"))


def _abbreviation(span: Sequence[words.Token]) -> str:
    """The abbreviation in a term's words as written: "SCT" of "Autologous SCT"."""
    marked = [t.text for t in span if t.is_word and words.looks_abbreviated(t.text)]
    return marked[-1] if marked else span[-1].text


def _merge_restated(ws: Sequence[words.Token], items: list[Phrase]) -> None:
    """An abbreviation right after the words it stands for is the same mention: "neural stem
    cells (NSCs)", "neural stem cells NSCs"."""
    for a, b in zip(items, items[1:], strict=False):
        if b.abbreviation and not a.done and a.part in (Part.PRODUCT, Part.PROCEDURE) and b.part in (
                Part.PRODUCT, Part.PROCEDURE) and a.concept.kind == b.concept.kind and all(
                t.text in "(),-" for t in ws[a.last:b.first]):
            a.last, b.done = b.last + (b.last < len(ws) and ws[b.last].text == ")"), True


def _attach_tissues(ws: Sequence[words.Token], items: list[Phrase]) -> None:
    """A tissue before a product ("bone marrow [derived] MSCs") or after it ("MSCs from adipose
    tissue") belongs to it, and names the kind of a generic head."""
    for n, item in enumerate(items):
        # (Other cells take their tissue too: "cord blood-derived macrophage-like cells" are no cord blood.)
        if item.part not in (Part.PRODUCT, Part.PROCEDURE, Part.CELL_HEAD, Part.OTHER_CELLS) or item.done:
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
        if target:
            item.concept = _concept(target)


def with_tissue(head: Concept, tissue: Concept) -> Concept | None:
    """What a stem, stromal, progenitor or mononuclear cell head is with a tissue named in its
    item; None when the pair is no stem-cell product or the head names no such cells (a plain
    "cells" takes a tissue only beside it)."""
    target = _HEAD_WITH_TISSUE.get(head.id, {}).get(tissue.id) if head.id != "CELL_HEAD" else None
    return _concept(target) if target else None


def _tissue_after(ws: Sequence[words.Token], item: Phrase, tissue: Phrase) -> bool:
    """"cells from (the) autologous adipose tissue", "cells of bone marrow origin"."""
    between = [t for t in ws[item.last:tissue.first] if not _is_describing(t)]
    return len(between) <= 2 and bool(between) and between[0].key in _FROM | {"derived"} and all(
        t.key in _FROM | {"the", "derived"} for t in between)


def _join_derived(ws: Sequence[words.Token], items: list[Phrase]) -> None:
    """Cells or acellular products made from a stem-cell product take a kind from both."""
    for n in range(len(items) - 1):
        a, b = items[n], items[n + 1]
        if a.done or b.done:
            continue
        gap = ws[a.last:b.first]
        if a.part in _MATERIAL and b.part is Part.OTHER_CELLS and _made_forward(gap, b) or (
                a.part is Part.OTHER_CELLS and b.part in _MATERIAL and _made_backward(gap, a)):
            # "CAR T cells manufactured from the participant's leukapheresis product": the
            # collected cells are what the product is made of, not a graft given back.
            made, source = (b, a) if a.part in _MATERIAL else (a, b)
            made.first, made.last, source.done = min(a.first, b.first), max(a.last, b.last), True
            continue
        if a.part in _SOURCES and b.part in _MADE_THINGS and _made_forward(gap, b):
            source, made = a, b
        elif a.part in _MADE_THINGS and b.part in _SOURCES and _made_backward(gap, a):
            source, made = b, a
        else:
            continue
        kind = _derived_concept(source, made)
        if kind is None:
            continue
        made.source_kind, made.made = source.concept.kind, made.made or made.concept
        made.concept, made.first, made.last = kind, min(a.first, b.first), max(a.last, b.last)
        made.tissue = made.tissue or source.tissue
        made.named_product = made.named_product or source.named_product
        made.ambiguous = made.ambiguous and source.ambiguous  # "hiPSC-OPC": the source says what "OPC" is
        source.done = True


def _made_forward(gap: Sequence[words.Token], made: Phrase) -> bool:
    """"MSC-derived exosomes", "MSC exosomes", "MSCs differentiated into neural stem cells"."""
    texts = [t for t in gap if t.is_word]
    if not texts:  # adjacent, or joined by a hyphen only
        return all(t.text == "-" for t in gap) and (made.part is not Part.PRODUCT or bool(gap))
    if all(_is_describing(t) for t in gap) and any(t.key in _MADE for t in texts):
        return True
    return texts[0].key in _TURNED and len(texts) >= 2 and texts[1].key in _INTO and len(texts) <= 5


def _made_backward(gap: Sequence[words.Token], made: Phrase) -> bool:
    """"neural stem cells derived from iPSCs", "secretome of MSCs", "OPCs made from a hiPSC line"."""
    texts = [t for t in gap if t.is_word]
    if not texts or len(texts) > 6 or any(t.text in ".;:" for t in gap):
        return False
    keys = [t.key for t in texts]
    for n, key in enumerate(keys[:-1]):
        if key in _MADE and keys[n + 1] in _FROM | {"by"}:  # "(is) collected from", "(are) secreted by"
            return all(_is_describing(t) or t.key in _AUXILIARIES for t in texts[:n])
    return keys[0] in _FROM and made.part in (Part.ACELLULAR, Part.CELL_HEAD) and len(keys) <= 4


def _derived_concept(source: Phrase, made: Phrase) -> Concept | None:
    s, m = source.concept, made.concept
    if s.kind is Kind.IPSC or source.reprogrammed:
        return _concept("IPSC")
    if s.kind is None or s.kind is Kind.UNSPECIFIED and m.part is not Part.ACELLULAR and m.kind is None:
        return None  # "stromal cells", or a plain "stem cells" making unnamed cells: nothing to join
    if m.part is Part.ACELLULAR:
        return _concept("STEM_CELL_PRODUCT")
    if s.kind is Kind.ESC:  # "hPSC-derived" says less than "hESC-derived": it keeps its rank
        return _concept("MSC") if m.kind is Kind.MSC else s
    if m.part is Part.OTHER_CELLS:
        return m  # cells of another kind made from adult stem cells stay what they are
    if s.kind is Kind.MSC:
        return _concept("MSC_CELLS")
    return m if m.part is Part.PRODUCT and m.kind not in (None, Kind.UNSPECIFIED) else s


def _attach_transplant_words(ws: Sequence[words.Token], items: list[Phrase]) -> None:
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
            item.concept, item.last, after.done = _concept(_TISSUE_TRANSPLANTS[after.concept.id]), after.last, True


def _attach_collections(ws: Sequence[words.Token], items: list[Phrase]) -> None:
    """"stem/progenitor cell mobilisation", "CD34+ cell harvest": cells named before a word of
    mobilising or collecting are what it collects, not a product given."""
    for before, item in zip(items, items[1:], strict=False):
        if before.part is Part.PRODUCT and item.part is Part.MOBILISATION and not before.done and _describing_only(
                ws, before.last, item.first):
            item.first, before.done = before.first, True


_TISSUE_TRANSPLANTS = {"TISSUE_MARROW": "BMT", "TISSUE_CORD_BLOOD": "CBT", "TISSUE_PERIPHERAL_BLOOD": "PBSCT"}


def _of_between(ws: Sequence[words.Token], item: Phrase, after: Phrase) -> bool:
    between = [t for t in ws[item.last:after.first] if not _is_describing(t)]
    return len(between) == 1 and between[0].key in _FROM


def _widen(ws: Sequence[words.Token], item: Phrase) -> None:
    """The whole phrase: the describing words on each side belong to it."""
    while item.first > 0 and _is_describing(ws[item.first - 1]) and ws[item.first - 1].text not in words.JOINERS:
        item.first -= 1
    while item.last < len(ws) and _is_describing(ws[item.last]) and ws[item.last].text not in words.JOINERS:
        item.last += 1
    expanded = vocabulary().expanded
    # ... and a bracket right after it may say how the cells were grown: "(culture-expanded)".
    aside = ws[item.last:item.last + 6] if item.last < len(ws) and ws[item.last].text == "(" else ()
    aside = aside[:next((n for n, t in enumerate(aside) if t.text == ")"), 0)]
    item.expanded = any(t.key in expanded for t in (*ws[item.first:item.last], *aside))
