"""Words, and phrases found among them: what the vocabulary and the context cues match on.

A text is split into words (of any language) and single punctuation marks. Each word is
compared in two forms: normalised (lower case, no accents, American spelling, singular:
"Haematopoietic" and "hematopoietic", "cells" and "cell" are one word) for ordinary terms,
and as written for abbreviations, so "MSC" never matches inside "MSCopilot" and "HCT" is
not "hct". A ``Trie`` of phrases finds
the longest phrase starting at each word; between a phrase's words it may skip words the
caller names (describing words such as "derived" or "human") and joiners ("MSC-NP").
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Generic, NamedTuple, TypeVar

# Letters of any language ("hématopoïétiques", "Stammzelltransplantation"), digits, or one mark.
# An accent typed as a separate mark (Unicode NFD: "e" + U+0301) stays inside its word.
_WORD = re.compile(r"(?:[^\W_]|[\u0300-\u036f])+(?:['’](?:[^\W_]|[\u0300-\u036f])+)?|[^\s\w\u0300-\u036f]|_")
# British spellings and registries' misspellings of the words that matter, to one form.
_SPELLINGS = (
    (re.compile(r"^h[ae]{1,2}m(?:at)?o?p[oiey]*tic$"), "hematopoietic"),  # hemopoietic, haematopoetic, heamato...
    (re.compile(r"^mesen(?:chi|qui|ki)m"), "mesenchym"),  # "mesenchimal", "mesenquimal"
    (re.compile(r"^cels?$"), "cell"),  # "stem cels"
    (re.compile(r"^transplan\w*$"), "transplant"),  # transplantation, transplanted, "Transplanataion"
    (re.compile(r"^(?:en)?graft(?:s|ing|ed)?$"), "graft"),
    (re.compile(r"^hae"), "he"),
    (re.compile(r"^foet"), "fet"),
    (re.compile(r"^faec"), "fec"),
    (re.compile(r"^leukaem"), "leukem"),
    (re.compile(r"(?<=[a-z]{3})is(ation|ed|ing|e|es)$"), r"iz\1"),  # mobilisation, mobilised
    (re.compile(r"our$"), "or"),  # tumour
    (re.compile(r"(?<=[a-z]{3})ies$"), "y"),  # therapies
)
_KEEP_S = ("ss", "us", "is", "as", "ics")


def _without_accents(word: str) -> str:
    """"hématopoïétiques" -> "hematopoietiques", "autólogo" -> "autologo": registries in other
    languages write their accents, or leave them out."""
    if word.isascii():
        return word
    return "".join(c for c in unicodedata.normalize("NFKD", word) if not unicodedata.combining(c))


@lru_cache(maxsize=1 << 16)
def normal(word: str) -> str:
    """One form of a word for matching: lower case, no accents, American spelling, singular."""
    w = _without_accents(word.casefold().replace("’", "'"))
    if w.endswith("'s"):
        w = w[:-2]
    for pattern, replacement in _SPELLINGS:
        w = pattern.sub(replacement, w)
    if len(w) > 3 and w.endswith("s") and not w.endswith(_KEEP_S):
        w = w[:-1]
    return w


@lru_cache(maxsize=1 << 16)
def exact(word: str) -> str:
    """An abbreviation as written, singular: "MSCs" -> "MSC", "hNSCs" -> "hNSC"."""
    return word[:-1] if len(word) > 2 and word.endswith("s") and word[-2].isupper() else word


class Token(NamedTuple):
    text: str
    start: int
    end: int
    key: str  # normal(text)
    exact: str  # exact(text)

    @property
    def is_word(self) -> bool:
        return self.text[0].isalnum()


@lru_cache(maxsize=1 << 12)
def tokens(text: str) -> tuple[Token, ...]:
    """The words and marks of a text (kept for the texts read most: a study's own texts are
    read for its labels, its role and the abbreviations it spells out)."""
    return tuple(Token(m.group(), m.start(), m.end(), normal(m.group()), exact(m.group()))
                 for m in _WORD.finditer(text))


def raw_words(text: str) -> list[str]:
    """The words of a text, without building tokens: for a quick look whether a term can be there."""
    return _WORD.findall(text)


# Marks a phrase's words may be split by ("MSC-NP", "HPC, Apheresis", "Cy/ATG"): a phrase is
# matched with or without them.
JOINERS = frozenset({"-", "/", ",", "+", "–"})


def looks_abbreviated(word: str) -> bool:
    """"MSC", "hUC", "iPS", "CD34", "A": a word whose capitals are not just a sentence's first letter."""
    return any(c.isupper() for c in word[1:]) or any(c.isdigit() for c in word) or (len(word) == 1 and word.isupper())


def keys(phrase: str, case_sensitive: bool = False) -> tuple[str, ...]:
    """The words a phrase is matched on. In an abbreviation's term, its abbreviated words are
    matched as written ("=MSC") and the others in any case ("Autologous SCT", "autologous SCT")."""
    return tuple(("=" + t.exact) if case_sensitive and t.is_word and looks_abbreviated(t.text) else t.key
                 for t in tokens(phrase) if t.text not in JOINERS)


T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Found(Generic[T]):
    value: T
    first: int  # token indexes, end exclusive
    last: int


class Trie(Generic[T]):
    """Phrases to values; ``find`` gives the longest phrase at each word, left to right."""

    def __init__(self, skippable: frozenset[str] = frozenset(), max_skipped: int = 0) -> None:
        self._root: dict = {}
        self.skippable, self.max_skipped = skippable, max_skipped

    def add(self, phrase_keys: tuple[str, ...], value: T) -> bool:
        """False when the phrase is there already (the first value stays)."""
        node = self._root
        for key in phrase_keys:
            node = node.setdefault(key, {})
        if None in node:
            return False
        node[None] = value
        return True

    def could_match(self, words: Sequence[Token]) -> bool:
        return any(w.key in self._root or "=" + w.exact in self._root for w in words)

    def find(self, words: Sequence[Token]) -> list[Found[T]]:
        found: list[Found[T]] = []
        root, skippable = self._root, self.skippable
        i = 0
        while i < len(words):
            word = words[i]
            if word.key not in root and "=" + word.exact not in root and word.key not in skippable:
                i += 1  # most words begin no phrase
                continue
            match = self._best_from(words, i)
            if match is None:
                i += 1
                continue
            found.append(match)
            i = match.last
        return found

    def _best_from(self, words: Sequence[Token], i: int) -> Found[T] | None:
        """The longest phrase at word i; where describing words lead, a phrase starting after
        them may reach further ("allogeneic [umbilical cord blood transplantation]" beats
        "[allogeneic umbilical cord blood]"), and then it is the one."""
        best = self.longest(words, i)
        j = i
        while j < len(words) and words[j].key in self.skippable:
            j += 1
            later = self.longest(words, j) if j < len(words) else None
            if later is not None and (best is None or later.last > best.last):
                best = later
        return best

    def longest(self, words: Sequence[Token], i: int) -> Found[T] | None:
        best: Found[T] | None = None
        stack = [(self._root, i, 0)]  # (node, next word, words skipped)
        while stack:
            node, j, skipped = stack.pop()
            if j >= len(words):
                continue
            word = words[j]
            for key in ("=" + word.exact, word.key):
                child = node.get(key)
                if child is not None:
                    if None in child and (best is None or j + 1 > best.last):
                        best = Found(child[None], i, j + 1)  # a phrase ends on a word of its own
                    stack.append((child, j + 1, skipped))
            # Inside a phrase, joiners are free and describing words are skipped up to a limit.
            if node is not self._root:
                if word.text in JOINERS:
                    stack.append((node, j + 1, skipped))
                elif skipped < self.max_skipped and word.key in self.skippable:
                    stack.append((node, j + 1, skipped + 1))
        return best
