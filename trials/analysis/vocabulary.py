"""The words of stem-cell therapy, as data: concepts, their terms, and where each term is found.

The terms live in ``trials/data/therapy_vocabulary.csv`` (concept, term, kind of term,
source), built from published vocabularies: MeSH descriptors and entry terms, NCI Thesaurus
and Cell Ontology synonyms, MAxO procedures, the EBMT handbook's procedure terms, ISCT, IFATS
and ISSCR nomenclature, FACT-JACIE product names, the abbreviations clinicians use, and named
cell products with the record or paper that says what each is. This module defines what each
concept *is* to the grammar (a product of some stem-cell kind, a transplant procedure, a
conditioning regimen, another cell therapy ...), loads the file, and finds every term in a
text's words (``trials.analysis.words``: one spelling, abbreviations as written, describing
words skipped inside a term, the longest term first).
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Sequence
from dataclasses import dataclass
from enum import Enum
from functools import lru_cache
from importlib import resources

from . import words

VOCABULARY_FILE = "therapy_vocabulary.csv"


class Part(Enum):
    """What a concept is to the grammar (``trials.analysis.therapy``)."""

    PRODUCT = "product"  # cells of a stem-cell kind, given as therapy when administered
    PROCEDURE = "procedure"  # a transplant procedure named whole: given by being named
    GRAFT = "graft"  # the graft given after conditioning ("stem cell rescue", "HPC-A")
    GRAFT_STEP = "graft step"  # a word for the graft that needs a regimen beside it ("reinfusion")
    CONDITIONING = "conditioning"  # a regimen or agent that prepares for a graft; nothing alone
    MOBILISATION = "mobilisation"  # mobilising and collecting cells; nothing alone
    ACELLULAR = "acellular"  # exosomes, secretome ...: a product only when made from stem cells
    CELL_HEAD = "cell head"  # neurons, oligodendrocytes ...: a product only when made from stem cells
    OTHER_CELLS = "other cells"  # cell therapies that are not stem-cell therapies
    OTHER_TRANSPLANT = "other transplant"  # organ, tissue and faecal microbiota transplants
    NOT_A_PRODUCT = "not a product"  # stem-cell words that name no product ("stem cell factor")
    TRANSPLANT_WORD = "transplant word"  # "transplantation", "graft": makes a product a procedure
    TISSUE = "tissue"  # where cells come from: names the kind of a generic head
    MODIFIER = "modifier"  # origin and process words that leave a product's kind alone
    # What an intervention that treats nobody is named for (``Vocabulary.procedures``):
    SAMPLING = "sampling"  # taking a sample (blood, marrow, fat, skin, teeth, spinal fluid)
    OBSERVING = "observing"  # scans, questions, examinations, tests and records


class Kind(Enum):
    """The stem-cell kind of a product or procedure; its label is ``LABEL_OF``."""

    HSC = "haematopoietic"
    MSC = "mesenchymal"
    IPSC = "induced pluripotent"
    ESC = "embryonic or pluripotent"
    NEURAL = "neural"
    MARROW = "bone marrow cells"
    ADIPOSE = "adipose"
    SVF = "stromal vascular fraction"
    PERINATAL = "amniotic or placental"
    CORD_BLOOD = "cord blood"
    OTHER = "other stem-cell kind"
    UNSPECIFIED = "not named"


# How much a mention says about the kind. Within one study the most specific mentions
# decide: "bone marrow-derived stem cells" in an arm of a trial that names mesenchymal stem
# cells is those MSCs described loosely, not a second product.
BARE, SOURCE, SPECIFIC = 0, 1, 2


@dataclass(frozen=True)
class Concept:
    id: str
    name: str  # shown as evidence: what the words were read as
    part: Part
    kind: Kind | None = None
    rank: int = SPECIFIC


def _define(id: str, name: str, part: Part, kind: Kind | None = None, rank: int = SPECIFIC) -> Concept:
    return Concept(id, name, part, kind, rank)


_P, _K = Part, Kind
CONCEPTS: dict[str, Concept] = {c.id: c for c in (
    # Transplant procedures named whole (MeSH: Hematopoietic Stem Cell Transplantation and
    # its narrower terms; Stem Cell Transplantation; Mesenchymal Stem Cell Transplantation).
    _define("HSCT", "Hematopoietic Stem Cell Transplantation", _P.PROCEDURE, _K.HSC),
    _define("BMT", "Bone Marrow Transplantation", _P.PROCEDURE, _K.HSC),
    _define("PBSCT", "Peripheral Blood Stem Cell Transplantation", _P.PROCEDURE, _K.HSC),
    _define("CBT", "Cord Blood Stem Cell Transplantation", _P.PROCEDURE, _K.HSC),
    _define("MSC_TRANSPLANT", "Mesenchymal Stem Cell Transplantation", _P.PROCEDURE, _K.MSC),
    # In MS a stem cell transplant of no named kind, or an autologous transplant, is an HSCT
    # (the EBMT's "autologous stem cell transplantation"); a named kind elsewhere wins.
    _define("SCT", "Stem Cell Transplantation", _P.PROCEDURE, _K.HSC, BARE),
    # Products.
    _define("HSC", "Hematopoietic Stem Cells", _P.PRODUCT, _K.HSC),
    _define("MSC", "Mesenchymal Stem Cells", _P.PRODUCT, _K.MSC),
    _define("MSC_CELLS", "Cells made from mesenchymal stem cells", _P.PRODUCT, _K.MSC),
    _define("UMBILICAL_CORD_CELLS", "Umbilical cord (Wharton's jelly) stem cells", _P.PRODUCT, _K.MSC, SOURCE),
    _define("DENTAL_PULP_CELLS", "Dental pulp stem cells", _P.PRODUCT, _K.MSC, SOURCE),
    _define("IPSC", "Induced Pluripotent Stem Cells", _P.PRODUCT, _K.IPSC),
    _define("ESC", "Embryonic Stem Cells", _P.PRODUCT, _K.ESC),
    _define("PSC", "Pluripotent Stem Cells", _P.PRODUCT, _K.ESC, SOURCE),  # embryonic or induced: not said
    _define("NSC", "Neural Stem Cells", _P.PRODUCT, _K.NEURAL),
    _define("OPC", "Oligodendrocyte Precursor Cells", _P.PRODUCT, _K.NEURAL),
    _define("BM_MNC", "Bone marrow mononuclear cells", _P.PRODUCT, _K.MARROW),
    _define("MARROW_CELLS", "Bone marrow-derived stem cells", _P.PRODUCT, _K.MARROW, SOURCE),
    _define("SVF", "Stromal vascular fraction", _P.PRODUCT, _K.SVF),
    _define("ADIPOSE_CELLS", "Adipose-derived stem or stromal cells", _P.PRODUCT, _K.ADIPOSE, SOURCE),
    _define("PERINATAL_CELLS", "Amniotic or placental stem cells", _P.PRODUCT, _K.PERINATAL, SOURCE),
    _define("CORD_BLOOD_CELLS", "Cord blood cells", _P.PRODUCT, _K.CORD_BLOOD, SOURCE),
    _define("CORD_BLOOD_MNC", "Cord blood mononuclear cells", _P.PRODUCT, _K.CORD_BLOOD),
    _define("OTHER_STEM_CELLS", "Other adult stem or progenitor cells", _P.PRODUCT, _K.OTHER),
    # Generic heads: the tissue beside them names their kind ("stem cells from adipose
    # tissue"); without one, "stem cells" is a stem-cell product of no named kind, and
    # "stromal cells" or "mononuclear cells" are no stem-cell product at all.
    _define("STEM_CELLS", "Stem Cells", _P.PRODUCT, _K.UNSPECIFIED, BARE),
    _define("STROMAL_CELLS", "Stromal Cells", _P.PRODUCT, None, BARE),
    _define("PROGENITOR_CELLS", "Progenitor cells", _P.PRODUCT, _K.UNSPECIFIED, BARE),
    _define("MONONUCLEAR_CELLS", "Mononuclear cells", _P.PRODUCT, None, BARE),
    # Steps of a transplant.
    _define("GRAFT", "Stem cell graft (rescue after conditioning)", _P.GRAFT, _K.HSC),
    _define("GRAFT_STEP", "Graft reinfusion", _P.GRAFT_STEP, _K.HSC),
    _define("CONDITIONING", "Transplantation Conditioning", _P.CONDITIONING),
    _define("MOBILISATION", "Hematopoietic Stem Cell Mobilization", _P.MOBILISATION),
    _define("STEM_CELL_PRODUCT", "Acellular product of stem cells (exosomes, vesicles, secretome)", _P.PRODUCT,
            _K.OTHER),
    # What stem cells make, and what is made from them.
    _define("ACELLULAR", "Acellular product (exosomes, vesicles, secretome)", _P.ACELLULAR),
    _define("CELL_HEAD", "Differentiated cells", _P.CELL_HEAD),
    # Not stem-cell therapies.
    _define("OTHER_CELLS", "Another cell therapy", _P.OTHER_CELLS),
    _define("OTHER_TRANSPLANT", "Another kind of transplant", _P.OTHER_TRANSPLANT),
    _define("NOT_A_PRODUCT", "Stem-cell words that name no product", _P.NOT_A_PRODUCT),
    # Words around a product.
    _define("TRANSPLANT_WORD", "Transplantation", _P.TRANSPLANT_WORD),
    _define("TISSUE_MARROW", "bone marrow", _P.TISSUE, _K.MARROW),
    _define("TISSUE_ADIPOSE", "adipose tissue", _P.TISSUE, _K.ADIPOSE),
    _define("TISSUE_CORD", "umbilical cord", _P.TISSUE, _K.MSC),
    _define("TISSUE_CORD_BLOOD", "cord blood", _P.TISSUE, _K.CORD_BLOOD),
    _define("TISSUE_PERIPHERAL_BLOOD", "peripheral blood", _P.TISSUE, _K.HSC),
    _define("TISSUE_PERINATAL", "placenta or amnion", _P.TISSUE, _K.PERINATAL),
    _define("TISSUE_DENTAL", "dental pulp or menstrual blood", _P.TISSUE, _K.MSC),
    _define("TISSUE_OTHER", "another tissue (muscle, skin, olfactory mucosa)", _P.TISSUE, _K.OTHER),
    _define("ORIGIN", "whose cells", _P.MODIFIER),
    _define("PROCESS", "how the cells were prepared", _P.MODIFIER),
    _define("EXPANDED", "grown in culture", _P.MODIFIER),
    # Interventions that give nothing.
    _define("SAMPLING", "Specimen collection", _P.SAMPLING),
    _define("OBSERVING", "Observation, imaging or questioning", _P.OBSERVING),
)}
# How every word of reprogramming begins (reprogrammed, reprogramming): the grammar reads
# cells so named as induced pluripotent stem cells.
REPROGRAM = "reprogram"
# Never mentions of a therapy: only what an intervention is named for.
PROCEDURE_PARTS = frozenset({Part.SAMPLING, Part.OBSERVING})

STRONG_PARTS = frozenset({Part.PRODUCT, Part.PROCEDURE, Part.GRAFT, Part.GRAFT_STEP, Part.TRANSPLANT_WORD,
                          Part.ACELLULAR})

TERM_KINDS = frozenset({
    "preferred term", "entry term", "synonym", "abbreviation", "abbreviation (ambiguous)", "product name",
    "regimen", "agent", "procedure term", "modifier", "misspelling", "translation",
})
# Written as the source writes them, matched as written: "MSC" is not "msc" in "MSCopilot".
CASE_SENSITIVE_KINDS = frozenset({"abbreviation", "abbreviation (ambiguous)"})


class VocabularyError(ValueError):
    """The vocabulary file is malformed: an unknown concept or kind, or a row without a source."""


@dataclass(frozen=True)
class Term:
    concept: Concept
    text: str  # as the source writes it
    kind: str  # TERM_KINDS
    source: str

    @property
    def ambiguous(self) -> bool:
        """An abbreviation with another common meaning ("HCT": haematocrit): it needs support."""
        return self.kind == "abbreviation (ambiguous)"


# ---------------------------------------------------------------------------
# The vocabulary and its matcher.


@dataclass(frozen=True)
class Mention:
    """A term found in a text: the term, and where (characters, and word indexes)."""

    term: Term
    start: int
    end: int
    first: int
    last: int  # exclusive

    @property
    def concept(self) -> Concept:
        return self.term.concept


class Vocabulary:
    """Every term of the file; ``find`` gives the longest terms in a text, left to right."""

    MAX_SKIPPED = 3  # describing words between a term's words: "bone marrow [derived human] stromal"

    def __init__(self, terms: list[Term]) -> None:
        self.terms = terms
        # Every word of a modifier ("ex vivo expanded") may stand inside another term.
        modifiers = frozenset(key for t in terms if t.concept.part is Part.MODIFIER for key in words.keys(t.text))
        self.skippable = modifiers
        self.expanded = frozenset(key for t in terms if t.concept.id == "EXPANDED" for key in words.keys(t.text))
        self._trie: words.Trie[Term] = words.Trie(modifiers, self.MAX_SKIPPED)
        self._tissues: words.Trie[Term] = words.Trie()  # tissues alone, inside longer terms too
        self._procedures: words.Trie[Term] = words.Trie()  # sampling and observing, apart from the rest
        self._strong: set[str] = set()  # a word of every term that can make a study a stem-cell study
        for term in terms:
            if term.concept.part is Part.MODIFIER:
                continue  # skipped inside terms, never a mention
            keys = words.keys(term.text, term.kind in CASE_SENSITIVE_KINDS)
            if term.concept.part in PROCEDURE_PARTS:
                self._procedures.add(keys, term)
                continue
            self._trie.add(keys, term)
            if term.concept.part is Part.TISSUE:
                self._tissues.add(keys, term)
            if term.concept.part in STRONG_PARTS:
                self._strong.add(_anchor(keys, modifiers))
        self.tissue_words = frozenset(key for t in terms if t.concept.part is Part.TISSUE
                                      for key in words.keys(t.text) if not key.startswith("="))
        self._strong_plain = frozenset(k for k in self._strong if not k.startswith("="))
        self._strong_exact = frozenset(k[1:] for k in self._strong if k.startswith("="))

    def may_name_therapy(self, texts: list[str]) -> bool:
        """Whether any of these texts holds a word that every product, transplant, graft or
        exosome term has, or a word of reprogramming (the grammar makes "reprogrammed cells" a
        product): most studies of the MS corpus hold none and are read no further."""
        joined = "\n".join(texts)
        found = set(words.raw_words(joined))
        return not (self._strong_plain.isdisjoint(map(words.normal, found))
                    and self._strong_exact.isdisjoint(map(words.exact, found))) or REPROGRAM in joined.casefold()

    def find(self, text_words: Sequence[words.Token]) -> list[Mention]:
        if not self._trie.could_match(text_words):
            return []  # most texts of the MS corpus: no first word of any term
        return [Mention(f.value, text_words[f.first].start, text_words[f.last - 1].end, f.first, f.last)
                for f in self._trie.find(text_words)]

    @staticmethod
    def concept(concept_id: str) -> Concept:
        return CONCEPTS[concept_id]

    def tissues(self, text_words: Sequence[words.Token]) -> list[Concept]:
        """The tissues a text names, wherever they stand ("bone marrow" in "Bone marrow aspiration")."""
        return [f.value.concept for f in self._tissues.find(text_words)]

    def procedures(self, text_words: Sequence[words.Token]) -> list[Mention]:
        """The sampling and observing terms in a text ("Bone marrow puncture", "Brain MRI"),
        kept apart from the therapy terms: "bone marrow" stays a tissue in "bone marrow aspirate
        concentrate"."""
        found = self._procedures.find(text_words)
        # A term inside a longer name of a drug or product is part of that name ("CSF" in
        # "G-CSF"); one inside a procedure or a tissue ("Bone marrow aspiration") is that procedure.
        longer = [(t.first, t.last) for t in self._trie.find(text_words)
                  if t.value.kind != "procedure term" and t.value.concept.part is not Part.TISSUE] if found else []
        return [Mention(f.value, text_words[f.first].start, text_words[f.last - 1].end, f.first, f.last)
                for f in found if not any(a <= f.first and f.last <= b and b - a > f.last - f.first
                                          for a, b in longer)]

    def by_source(self) -> dict[str, int]:
        """How many terms each family of sources gave, largest first."""
        counts: dict[str, int] = {}
        for term in self.terms:
            family = next((name for name, pattern in _FAMILIES if pattern.search(term.source)), _LITERATURE)
            counts[family] = counts.get(family, 0) + 1
        return dict(sorted(counts.items(), key=lambda item: (-item[1], item[0])))


_LITERATURE = "published papers, product and trial pages"
_FAMILIES = tuple((name, re.compile(pattern)) for name, pattern in (
    ("clinical usage, not checked against a published source", r"not checked"),
    ("MeSH", r"\bMeSH\b"),
    ("NCI Thesaurus and NCI dictionaries", r"\bNCI"),
    ("Cell Ontology", r"Cell Ontology"),
    ("Medical Action Ontology (MAxO)", r"MAxO"),
    ("SNOMED CT", r"SNOMED"),
    ("ISCT and IFATS nomenclature", r"\bISCT|IFATS"),
    ("ISSCR guidelines", r"ISSCR"),
    ("EBMT handbook and guidelines", r"\bEBMT"),
    ("FACT-JACIE, NetCord-FACT and cellular therapy product standards", r"FACT|Circular of Information|ISBT"),
    ("registry records and trial sites", r"ClinicalTrials\.gov|EudraCT|ISRCTN|registry usage|registry misspelling"
                                         r"|BEAT-MS|HALT-MS|StarMS|ACTiMuS|ASTIMS"),
    ("plain-language patient information", r"plain-language"),
))


# Words too common to say a text may name a stem-cell product: "stem cell therapy" is
# anchored on "stem", not "therapy".
_GENERIC = frozenset({
    "cell", "cellular", "therapy", "therapeutic", "treatment", "product", "intervention", "injection", "infusion",
    "support", "blood", "peripheral", "positive", "viable", "forming", "nucleated", "alpha", "concentrate", "in", "of",
    "and", "the", "a", "t", "g", "re", "non", "double", "total", "with", "from", "to", "based", "auto", "allo",
    "cord", "muscle", "csf", "unit",
})


def _anchor(keys: tuple[str, ...], modifiers: frozenset[str]) -> str:
    """A word every occurrence of a term holds, as uncommon as the term allows: a word of
    its own, else a describing word, else its longest."""
    def base(key: str) -> str:
        return words.normal(key.lstrip("="))

    own = [k for k in keys if base(k) not in _GENERIC and base(k) not in modifiers]
    describing = [k for k in keys if base(k) not in _GENERIC]
    return max(own or describing or keys, key=len)


def parse(rows: list[dict[str, str]]) -> Vocabulary:
    terms: list[Term] = []
    seen: dict[tuple[bool, tuple[str, ...]], str] = {}
    for number, row in enumerate(rows, start=2):
        concept = CONCEPTS.get((row.get("concept") or "").strip())
        text, kind, source = ((row.get(k) or "").strip() for k in ("term", "kind", "source"))
        where = f"{VOCABULARY_FILE} line {number}"
        if concept is None:
            raise VocabularyError(f"{where}: unknown concept {row.get('concept')!r}")
        if kind not in TERM_KINDS:
            raise VocabularyError(f"{where}: unknown kind of term {kind!r}")
        if not text or not source:
            raise VocabularyError(f"{where}: every term needs its text and its source")
        # A procedure's words are matched apart ("lipoaspirate": a tissue, and a sample taken).
        key = (concept.part in PROCEDURE_PARTS, words.keys(text, kind in CASE_SENSITIVE_KINDS))
        if seen.get(key, concept.id) != concept.id:
            raise VocabularyError(f"{where}: {text!r} is already a term of {seen[key]}")
        seen[key] = concept.id
        terms.append(Term(concept, text, kind, source))
    return Vocabulary(terms)


@lru_cache(maxsize=1)
def vocabulary() -> Vocabulary:
    text = resources.files("trials").joinpath("data", VOCABULARY_FILE).read_text(encoding="utf-8")
    return parse(list(csv.DictReader(io.StringIO(text, newline=""))))
