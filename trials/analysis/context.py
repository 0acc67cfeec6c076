"""What the words around a mention say about it: negated, done in the laboratory, had elsewhere ...

The ConText algorithm (Harkema, Dowling, Thornblade and Chapman, J Biomed Inform 2009): a
cue ("without", "in vitro", "after", "will receive") opens a scope over the words after
it, before it or both, up to a window of words, the end of the sentence or a terminating
word ("but", "then"), and a mention inside that scope takes the cue's category. The cues
are data (``trials/data/context_cues.csv``: cue, category, direction, window, source), read
by this hand-written scope and, in ``bench/context.py``, by medspacy's ConText for the
comparison that chose this one.

A scope also ends where a cue of a category that can end it begins: "without prior HSCT
receive stem cells" negates the transplant, not the cells the participants receive.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass, replace
from enum import Enum
from functools import lru_cache
from importlib import resources

from . import words

CUES_FILE = "context_cues.csv"


class Category(Enum):
    """What a cue says of the mentions in its scope, strongest first (``strongest``)."""

    NEGATED = "negated"  # "without", "no ... is given", "instead of"
    EXCLUDED = "excluded"  # "exclusion criteria", "ineligible"
    NOT_GIVEN = "not given in this study"  # "no cells are returned to participants" (the whole item)
    HYPOTHETICAL = "only considered"  # "candidates for", "considering", "attitudes towards"
    REFERENCE = "a comparison with other data"  # "published", "historical controls"
    INSTITUTION = "the name of a department"  # "Stem Cell Transplantation Unit"
    ACTED_ON = "acted on by a drug"  # "stimulates", "promotes differentiation of", "spares"
    ENDOGENOUS = "the body's own cells"  # "endogenous", "resident"
    ELSEWHERE = "had before or outside the study"  # "previously treated with", "recipients", "history of"
    STEP = "a step before or after another"  # "after", "prior to": settled by the item it is in
    LAB = "done in the laboratory"  # "in vitro", "co-cultured", "assays", "organoids"
    GIVEN = "given to participants"  # "will receive", "infused", "transplanted"
    COLLECTED = "collected, not given"  # "harvested", "mobilised", "banked"
    PSEUDO = "not a cue"  # "no evidence of disease activity", "expanded in vitro": blocks a cue
    TERMINATE = "ends a scope"  # "but", "however"
    SEQUENCE = "the next step"  # "then", "followed by": ends a negation, not what is given


ORDER = tuple(Category)
# The cues whose scope a cue of another category ends. A giving verb ends a negation,
# purpose or history scope; a negation or history ends a giving verb's scope.
_ENDS = {
    **{c: frozenset({Category.GIVEN, Category.TERMINATE, Category.SEQUENCE}) for c in (
        Category.NEGATED, Category.EXCLUDED, Category.HYPOTHETICAL, Category.REFERENCE, Category.ACTED_ON,
        Category.ENDOGENOUS, Category.ELSEWHERE, Category.STEP, Category.COLLECTED, Category.LAB)},
    Category.GIVEN: frozenset({Category.NEGATED, Category.ELSEWHERE, Category.HYPOTHETICAL, Category.TERMINATE}),
}
# "after delivery to isolate MSCs": a step's scope ends where laboratory or collection work begins.
_ENDS[Category.STEP] = _ENDS[Category.STEP] | {Category.LAB, Category.COLLECTED}
# A step's scope is its clause: "Following conditioning, autologous stem cells are reinfused"
# says when the cells are given, not that they were had before.
_CLAUSE_ENDS = {Category.STEP: frozenset({","})}
_SENTENCE_END = frozenset({".", ";", "?", "!"})
UNIT = 0  # a window of 0: the cue holds for the whole item (only NOT_GIVEN); ignored for marks
_WHOLE_OR_MARK = frozenset({Category.NOT_GIVEN, Category.PSEUDO, Category.TERMINATE, Category.SEQUENCE})


class Direction(Enum):
    FORWARD = "forward"
    BACKWARD = "backward"
    BOTH = "both"


@dataclass(frozen=True)
class Cue:
    text: str
    category: Category
    direction: Direction
    window: int  # words; UNIT for the whole text
    source: str


class CuesError(ValueError):
    """The cue file is malformed."""


FORMS = "~"  # a cue ending in it matches its last word's forms too ("characterise~": characterised, characterising)


def _forms(word: str) -> list[str]:
    """A verb's forms, loosely (a form no text uses costs nothing): "characterise" ->
    characterises, characterised, characterising, characterisation; "isolate" -> isolation."""
    stem = word[:-1] if word.endswith("e") else word
    return [word, word + "s", stem + "ed", stem + "ing", stem + "ation", stem + "ion",
            word + word[-1] + "ed", word + word[-1] + "ing"]  # reprogrammed, reprogramming


def parse(rows: list[dict[str, str]]) -> words.Trie[Cue]:
    trie: words.Trie[Cue] = words.Trie()
    inflected: list[Cue] = []
    for number, row in enumerate(rows, start=2):
        where = f"{CUES_FILE} line {number}"
        try:
            cue = Cue(row["cue"].strip(), Category[row["category"].strip()], Direction(row["direction"].strip()),
                      int(row["window"]), row["source"].strip())
        except (KeyError, ValueError, AttributeError) as exc:
            raise CuesError(f"{where}: {exc}") from exc
        if not cue.text or not cue.source:
            raise CuesError(f"{where}: every cue needs its words and its source")
        if (cue.window == UNIT) != (cue.category in _WHOLE_OR_MARK):
            raise CuesError(f"{where}: a window of {UNIT} is for {', '.join(c.name for c in _WHOLE_OR_MARK)}, "
                            f"and only they have it")
        if cue.text.endswith(FORMS):
            if not cue.text.removesuffix(FORMS).strip() or any(c.text == cue.text for c in inflected):
                raise CuesError(f"{where}: the cue {cue.text!r} is empty or listed twice")
            inflected.append(cue)
        elif not trie.add(words.keys(cue.text), cue):
            raise CuesError(f"{where}: the cue {cue.text!r} is listed twice")
    # A form listed on its own line keeps that line's direction and window.
    for cue in inflected:
        *first, last = cue.text.removesuffix(FORMS).split(" ")
        for form in _forms(last):
            trie.add(words.keys(" ".join([*first, form])), replace(cue, text=" ".join([*first, form])))
    return trie


@lru_cache(maxsize=1)
def cues() -> words.Trie[Cue]:
    text = resources.files("trials").joinpath("data", CUES_FILE).read_text(encoding="utf-8")
    return parse(list(csv.DictReader(io.StringIO(text, newline=""))))


Span = tuple[int, int]  # token indexes of a mention, end exclusive


@dataclass(frozen=True)
class Context:
    """The categories a mention falls under, each with the cue's words as written."""

    found: tuple[tuple[Category, str], ...]

    @property
    def strongest(self) -> tuple[Category, str] | None:
        return min(self.found, key=lambda f: ORDER.index(f[0])) if self.found else None

    def has(self, category: Category) -> bool:
        return any(c is category for c, _ in self.found)


def sentence_bounds(text_words: Sequence[words.Token], i: int) -> Span:
    start = i
    while start > 0 and text_words[start - 1].text not in _SENTENCE_END:
        start -= 1
    end = i
    while end < len(text_words) and text_words[end].text not in _SENTENCE_END:
        end += 1
    return start, end


def contexts(text_words: Sequence[words.Token], spans: Sequence[Span]) -> list[Context]:
    """The context of each mention (a span of ``text_words``), by the hand-written scope."""
    if not spans:
        return []
    inside = {i for first, last in spans for i in range(first, last)}
    # A cue inside a mention is part of its name ("transplanted" in a term), and so is one whose
    # last word it took ("Patient-Derived" before "Neural Progenitors" is a cue, though the
    # mention took "Derived"); a cue for the whole text may hold a plain word of ours ("no
    # cells are given": "cells").
    found = [f for f in cues().find(list(text_words))
             if f.value.window == UNIT or f.first not in inside]
    live = [f for f in found if f.value.category is not Category.PSEUDO]
    out = []
    for first, last in spans:
        hits: list[tuple[Category, str]] = []
        for cue in live:
            if cue.value.category in (Category.TERMINATE, Category.SEQUENCE):
                continue
            if _covers(text_words, live, cue, first, last):
                words_as_written = " ".join(t.text for t in text_words[cue.first:cue.last])
                hits.append((cue.value.category, words_as_written))
        out.append(Context(tuple(hits)))
    # Mentions joined by "and" or "or" share a scope the first one is in ("who received
    # high-dose immunosuppressive therapy and autologous hematopoietic cell transplantation").
    for n in range(1, len(spans)):
        between = text_words[spans[n - 1][1]:spans[n][0]]
        if not out[n].found and out[n - 1].found and between and all(t.key in _JOINING for t in between):
            out[n] = out[n - 1]
    return out


_JOINING = frozenset({"and", "or", ",", "/", "&", "plus"})


def _covers(text_words: Sequence[words.Token], live: list[words.Found[Cue]], cue: words.Found[Cue],
            first: int, last: int) -> bool:
    """Whether the cue's scope reaches the mention at [first, last)."""
    value = cue.value
    if value.window == UNIT:
        return True
    lo, hi = sentence_bounds(text_words, cue.first)
    if not lo <= first < hi:
        return False
    clause = _CLAUSE_ENDS.get(value.category, frozenset())
    if clause and any(t.text in clause for t in text_words[min(cue.last, last):max(cue.first, first)]):
        return False
    enders = _ENDS.get(value.category, frozenset({Category.TERMINATE}))
    if cue.first < first < cue.last:  # the mention took the cue's last words ("Patient-Derived Neural ...")
        return value.direction is not Direction.BACKWARD
    if first >= cue.last and value.direction is not Direction.BACKWARD:
        between = [c for c in live if cue.last <= c.first < first and c.value.category in enders
                   and c.value.category is not value.category]
        return not between and _word_distance(text_words, cue.last, first) <= value.window
    if last <= cue.first and value.direction is not Direction.FORWARD:
        between = [c for c in live if last <= c.first < cue.first and c.value.category in enders
                   and c.value.category is not value.category]
        return not between and _word_distance(text_words, last, cue.first) <= value.window
    return False


def _word_distance(text_words: Sequence[words.Token], start: int, end: int) -> int:
    """Words (not punctuation) from ``start`` up to ``end``, plus one: the mention's place."""
    return sum(1 for t in text_words[start:end] if t.is_word) + 1
