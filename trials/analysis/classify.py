"""Which stem-cell therapy a study tests, and whether it studies MS.

Everything here reads one ``trials.model.Study`` (from a full record or a listing's few
fields) and answers from the study's own words, so every label comes with the phrase and
field that caused it.

Therapy rules are regular expressions tried in a fixed order over the fields that say what
participants receive (titles, interventions, arms), most specific first. Each match is
widened over the origin, process and tissue words around it ("autologous bone marrow
derived ... cells") and blanks out that whole mention, so a later, looser rule cannot
reuse it: one mention of one product gets one kind. "mesenchymal stem cell-derived
exosomes" is read once, as an exosome product, and never again as mesenchymal stem cells.

Matches differ in how much they say. Specific ones name a kind of cell or procedure
("mesenchymal", "hematopoietic stem cell", "neural stem cells", a product code); others name
only a tissue ("bone marrow-derived stem cells") or nothing ("stem cell transplantation").
Only the most specific kind found counts, and when no kind is named the keywords and brief
summary (and the registry's MeSH index terms) may name it. Eligibility criteria are never
read: drug trials list earlier transplants there as exclusions.

Last, the study's role: whether participants receive the therapy, are followed after having
had it, or only give samples for laboratory work (then no therapy label is given).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from ..model import Intervention, Study
from ..store.sqlite import Classified

THERAPY_TYPES: tuple[str, ...] = ("HSCT", "MSC", "iPSC", "Other stem cell")

# Bump whenever a rule changes, so stored classifications are recomputed.
CLASSIFIER_VERSION = "3"

MS = "MS"
HSCT, MSC, IPSC, OTHER = THERAPY_TYPES


@dataclass(frozen=True)
class Evidence:
    label: str  # a therapy type, or "MS"
    field: str  # human-readable field name, e.g. "intervention name"
    phrase: str  # the exact text matched, as it appears in the record


# What a study does with the therapy it names.
GIVES = "gives therapy"  # participants receive the product, the transplant or its conditioning
FOLLOWS = "follows treated people"  # cohorts, registries, biomarker studies of people who had it
LAB_ONLY = "lab only"  # participants give samples; the therapy is tried on cells in a dish
STUDY_ROLES: tuple[str, ...] = (GIVES, FOLLOWS, LAB_ONLY)


@dataclass(frozen=True)
class Classification:
    labels: tuple[str, ...]  # subset of THERAPY_TYPES in that order; () = not a stem-cell study
    evidence: tuple[Evidence, ...]  # why each label (at least one per label)
    is_ms: bool
    ms_evidence: Evidence | None
    study_role: str = ""  # one of STUDY_ROLES; "" when no stem-cell therapy is named


# ---------------------------------------------------------------------------
# The study's words, each with a reader's name for its field (shown as evidence).

_Field = tuple[str, str]  # (human-readable field name, text)


def _texts(name: str, values: Iterable[str]) -> list[_Field]:
    return [(name, v) for v in values if v]


def _title_fields(study: Study) -> list[_Field]:
    return _texts("brief title", [study.brief_title]) + _texts("official title", [study.official_title])


def _treatment_fields(study: Study) -> list[_Field]:
    """Fields that say what participants receive, most concrete first."""
    interventions, arms = study.interventions, study.design.arms
    return (
        _texts("intervention name", (i.name for i in interventions))
        + _texts("intervention other name", (n for i in interventions for n in i.other_names))
        + _texts("intervention description", (i.description for i in interventions))
        + _texts("arm group label", (a.label for a in arms))
        + _texts("arm group description", (a.description for a in arms))
        + _title_fields(study)
        + _texts("acronym", [study.acronym])
    )


def _keyword_fields(study: Study) -> list[_Field]:
    return _texts("keyword", study.keywords)


def _intervention_term_fields(study: Study) -> list[_Field]:
    return _texts("intervention MeSH term", (t.term for t in study.intervention_terms))


def _context_fields(study: Study) -> list[_Field]:
    """Fields that describe the topic, read only to name the kind of a generic mention.

    The registry's index terms are here, as support: sparse records lack them, so
    they never make a study a stem-cell study on their own."""
    return _keyword_fields(study) + _intervention_term_fields(study) + _texts("brief summary", [study.summary])


def _description_fields(study: Study) -> list[_Field]:
    """Everything that says what happens to participants, for the study's role."""
    return _treatment_fields(study) + _keyword_fields(study) + _texts(
        "description", [study.summary, study.description])


def _condition_fields(study: Study) -> list[_Field]:
    return _texts("condition", study.conditions)


# ---------------------------------------------------------------------------
# Therapy rules, tried in this order.

# How much a match says about the kind of cell. Only the strongest kind present in the
# treatment fields counts: "autologous bone marrow-derived stem cells" in an arm of a study
# titled "mesenchymal stem cells" is the MSCs described loosely, not a second product.
_BARE = 0  # "stem cells", "stem cell transplantation"
_SOURCE = 1  # a tissue but no kind: "bone marrow-derived stem cells", "amniotic fluid stem cells"
_SPECIFIC = 2  # a kind: "mesenchymal", "hematopoietic", "neural stem cells", a product code


@dataclass(frozen=True)
class _Rule:
    label: str | None  # None: a phrase known not to be a stem-cell therapy
    pattern: re.Pattern[str]
    rank: int


def _rule(label: str | None, regex: str, rank: int = _SPECIFIC) -> _Rule:
    return _Rule(label, re.compile(regex, re.IGNORECASE), rank)


# Abbreviations are matched case-sensitively, with word boundaries, so "MSC" never
# matches inside "MSCopilot", "MSCQI" or "MSC2358825A".
#
# Registries name one product with many words around its kind: "autologous bone marrow
# derived human stromal cells", "culture-expanded allogeneic adult mesenchymal stromal cells
# from adipose tissue". The words below describe a product without changing its kind. They may
# stand between a source tissue and the cell word, and a match is widened over them on both
# sides, so that one mention is read once, by the most specific rule, and its tissue words
# cannot make a second, looser match.
_ORIGIN_WORD = (
    r"auto(?:logou?s|genic|genous)|allo(?:geneic|genic|genous)|syngeneic|xenogeneic|human|adult"
    r"|f(?:o)?etal|neonatal|donor|third[\s-]+party|patient'?s?[\s-]+own|own"
)
_PROCESS_WORD = (
    r"derived|culture[\s-]+expanded|(?:ex[\s-]+vivo|in[\s-]+vitro)(?:[\s-]+expanded)?|expanded|cultured"
    r"|purified|enriched|selected|isolated|cryopreserved|fresh(?:ly)?|primed|activated|engineered"
    r"|modified|multipotent|adherent|processed|concentrated|harvested|obtained"
)
_TISSUE = (
    r"(?:umbilical[\s-]+)?cord[\s-]+blood|bone[\s-]+marrow|marrow|adipose(?:[\s-]+tissue)?|fat(?:[\s-]+tissue)?"
    r"|lipoaspirate|umbilical[\s-]+cord(?:[\s-]+tissue)?|wharton'?s?[\s-]+jelly|placenta(?:l)?"
    r"|amniotic(?:[\s-]+(?:fluid|membrane))?|amnion|chorionic|decidua(?:l)?|dental[\s-]+pulp"
    r"|menstrual(?:[\s-]+blood)?|endometri(?:al|um)|peripheral[\s-]+blood"
)
# Stromal cells of these tissues are MSCs; fat's "stromal cells" may be the unexpanded
# vascular fraction, so fat is not among them.
_STROMAL_TISSUE = (
    r"(?:bone[\s-]+)?marrow|umbilical[\s-]+cord(?:[\s-]+tissue)?|wharton'?s?[\s-]+jelly|placenta(?:l)?"
    r"|amniotic(?:[\s-]+membrane)?|amnion|chorionic|decidua(?:l)?|dental[\s-]+pulp|endometri(?:al|um)"
)
_MOD = r"(?:" + _ORIGIN_WORD + r"|" + _PROCESS_WORD + r"|" + _TISSUE + r"|from|of)"
# "bone marrow[ derived human ]stromal cells". Bounded: registries never stack more, and an
# unbounded run makes a long field of such words cost quadratic time.
_GAP = r"(?:[\s,/-]{1,3}" + _MOD + r"){0,6}[\s,/-]{1,3}"
_WIDEN_LEFT = re.compile(r"(?:(?:" + _ORIGIN_WORD + r"|" + _PROCESS_WORD + r"|" + _TISSUE + r")[\s,/-]+)+$",
                         re.IGNORECASE)
_WIDEN_RIGHT = re.compile(
    r"^[\s,-]+(?:(?:" + _PROCESS_WORD + r")[\s-]+)?(?:from|of)[\s-]+(?:the[\s-]+)?(?:(?:" + _ORIGIN_WORD
    + r"|" + _PROCESS_WORD + r")[\s,-]+)*(?:" + _TISSUE + r")(?:[\s-]+(?:origin|tissue))?",
    re.IGNORECASE,
)
_CELLS = r"(?:[\s-]+cells?)?"
_TRANSPLANT = r"(?:transplan\w*|(?:en)?graft(?:s|ing)?)"  # also the registry's "Transplanataion"
_HAEMATOPOIETIC = r"ha?em(?:at)?o?poi?etic"  # haematopoietic, hematopoetic, hemopoietic
_STEM = r"(?:stem|stromal|progenitor|precursor)"
_MSC_NAME = r"(?:mesenchymal(?:[\s-]+like)?(?:[\s-]+" + _STEM + r")*[\s-]+cells?|(?-i:\bMSCs?\b))"
_MSC_ABBR = r"(?-i:\b(?:h?UC|BM|h?AD|ad|AT|WJ|hP|P|D|hE?S)?-?MSCs?\b)"
_IPSC_NAME = (r"(?:induced[\s-]+pluripotent(?:[\s-]+stem)?" + _CELLS
              + r"|(?-i:\bh?iPS)[\s-]+cells?|(?-i:\bh?iPS(?:Cs?)?\b))")
_ACELLULAR = (
    r"(?:small\s+)?(?:extracellular\s+)?"
    r"(?:exosomes?|vesicles?|(?-i:s?EVs?)|secretomes?|conditioned[\s-]+medi(?:um|a)|lysates?)"
)
_NEURAL = r"(?:neur(?:al|onal)|oligodendro\w*|glial)[\s-]+(?:stem|progenitor|precursor)s?" + _CELLS
_ABBREVIATED = r"\)?[\s-]*(?:\([A-Za-z-]+\)\s*)?"  # "MSCs)" or "stem cells (MSCs)" before "-derived"
_MADE_INTO = r"(?:-?derived|differentiated\s+into)\s+"
_NEURAL_ABBR = r"(?:\s*\(?(?-i:h?NSCs?|MSC-NPs?|OPCs?)\)?)?"

_RULES: tuple[_Rule, ...] = (
    # Not stem-cell therapies, though they use the words.
    _rule(None, r"endogenous\s+" + _NEURAL),
    _rule(None, r"(?:fa?ecal|microbiota|microbiome|stool|kidney|renal|liver|organ|lung|heart|cardiac|corneal?"
          r"|islet|uterus|face|hand|hair|fat|tissue)[\s-]+(?:microbiota[\s-]+)?transplan\w*"),
    _rule(None, r"stem[\s-]+cells?[\s-]+(?:mobili[sz]\w*|factor|donors?|donation|harvest\w*|collection"
          r"|apheresis|research|biology|lines?|niche)|(?:cancer|tumou?r|leuka?emi\w*)[\s-]+stem[\s-]+cells?"
          r"|stem[\s-]+cell[\s-]+like|stem[\s-]+(?:cell[\s-]+)?memory"),
    # Products made from stem cells. Acellular ones are "Other stem cell" and the cells are
    # only their source; neural cells grown from MSCs (MSC-NP) or iPSCs keep their source's
    # class, and so do MSCs grown from embryonic stem cells.
    _rule(OTHER, r"(?:" + _MSC_NAME + r"|stem[\s-]+cells?)" + _ABBREVIATED + r"(?:-?derived\s+)?" + _ACELLULAR),
    _rule(OTHER, _MSC_ABBR + r"-(?-i:s?EVs?|Exos?)\b"),  # "hUC-MSC-sEV-001"
    _rule(MSC, _MSC_NAME + _ABBREVIATED + _MADE_INTO + _NEURAL + _NEURAL_ABBR),
    _rule(IPSC, _IPSC_NAME + _ABBREVIATED + r"[\s-]*" + _MADE_INTO + r"[\w\s-]{0,40}?"
          + r"(?:cells?|progenitors?|precursors?)"),
    _rule(MSC, r"embryonic[\s-]+stem[\s-]+cells?" + _ABBREVIATED + _MADE_INTO + _MSC_NAME),
    # Product codes whose record may not say what they are.
    _rule(MSC, r"\bSCM-010\b"),  # Stem Cell Medicine: adipose-derived expanded mesenchymal cells
    _rule(MSC, r"\bNurOwn\b|(?-i:\bMSC-NTF\b)"),  # BrainStorm: MSCs secreting neurotrophic factors
    _rule(MSC, r"\bHB-adMSCs?\b"),  # Hope Biosciences: adipose-derived MSCs
    _rule(MSC, r"\bXCEL-MC-ALPHA\b"),  # Banc de Sang i Teixits: bone-marrow mesenchymal stromal cells
    _rule(HSCT, r"\bFCR001\b"),  # Talaris: allogeneic HSC graft after mild conditioning
    # MSC: named as mesenchymal, or as stromal cells of a tissue other than fat (fat's
    # "stromal cells" are often the unexpanded vascular fraction, unless grown in culture).
    _rule(MSC, _MSC_NAME + r"(?:" + _ABBREVIATED + _MSC_ABBR + r"\)?)?"),
    _rule(MSC, _MSC_ABBR),
    _rule(MSC, r"(?:(?:culture[\s-]+)?expanded|cultured)" + _GAP + r"(?:adipose|fat)\w*" + _GAP
          + r"stromal" + _CELLS),
    _rule(MSC, r"(?:" + _STROMAL_TISSUE + r"|multipotent)" + _GAP + r"stromal(?![\s-]+vascular)(?:[\s-]+stem)?"
          + r"[\s-]+cells?", ),
    _rule(MSC, r"wharton'?s?[\s-]+jelly(?:" + _GAP + r"(?:stem|stromal|derived))?" + _CELLS),
    # iPSC.
    _rule(IPSC, _IPSC_NAME),
    # HSCT.
    _rule(HSCT, _HAEMATOPOIETIC + r"[\s-]+(?:(?:stem|progenitor)[\s-]+)?(?:cells?|" + _TRANSPLANT
          + r")(?:[\s-]+(?:" + _TRANSPLANT + r"|infusion|rescue|therapy|support))?"),
    _rule(HSCT, r"(?-i:\b[aA]?HSCTs?\b|\bHCTs?\b|\bPBSCT?s?\b|\bBMT\b|\bHSCs?\b)"),
    _rule(HSCT, r"peripheral[\s-]+blood(?:" + _GAP + r")?(?:stem|progenitor)" + _CELLS
          + r"(?:[\s-]+" + _TRANSPLANT + r")?"),
    _rule(HSCT, r"(?:bone[\s-]+)?marrow[\s-]+(?:" + _TRANSPLANT + r"|rescue)"),
    _rule(HSCT, r"\bCD34\+?[\s-]+(?:selected|enriched|selection|positive)"),
    _rule(HSCT, r"(?:" + _ORIGIN_WORD + r")[\s-]+" + _TRANSPLANT),
    # Other stem cells.
    _rule(OTHER, _NEURAL + r"|(?-i:\bh?NSCs?\b)"),
    _rule(OTHER, r"marrow" + _GAP + r"mono[\s-]?nuclear(?:[\s-]+stem)?" + _CELLS + r"|(?-i:\bBM-?MNCs?\b)"),
    _rule(OTHER, r"stromal[\s-]+vascular[\s-]+fraction|(?-i:\b(?:AD-)?c?SVF\b)"),
    _rule(OTHER, r"embryonic\s+stem" + _CELLS),
    # A tissue but no kind of cell: the record may name the kind elsewhere.
    _rule(MSC, r"(?:umbilical[\s-]+cord(?![\s-]+blood)|dental[\s-]+pulp)" + _GAP + r"(?:stem|stromal)" + _CELLS
          + r"|(?-i:\bDPSCs?\b|\bSHEDs?\b)", rank=_SOURCE),
    _rule(OTHER, r"adipose(?:[\s-]+tissue)?" + _GAP + r"(?:stem|stromal|regenerative)" + _CELLS
          + r"|(?-i:\bADSCs?\b|\bADRCs?\b)", rank=_SOURCE),
    _rule(OTHER, r"(?:amniotic(?:[\s-]+fluid)?|amnion|placenta\w*|(?:umbilical\s+)?cord\s+blood)[\w\s-]{0,40}?"
          + r"(?:stem|progenitor)" + _CELLS, rank=_SOURCE),
    _rule(OTHER, r"(?:bone[\s-]+)?marrow(?:" + _GAP + r"|[\s-]+)(?:stem[\s-]+)?cell(?:s|ular)?(?:[\s-]+therapy)?"
          + r"|(?-i:\bBMSCs?\b)", rank=_SOURCE),
    _rule(OTHER, r"(?:infusion|injection|implantation)\s+of\s+(?:(?:" + _ORIGIN_WORD
          + r"|whole)\s+)*(?:bone\s+)?marrow\b", rank=_SOURCE),
    # In MS, a stem cell transplant without a named kind is an HSCT.
    _rule(HSCT, r"stem[\s-]+cells?[\s-]+(?:" + _TRANSPLANT + r"|rescue)|(?:" + _ORIGIN_WORD
          + r")[\s-]+stem[\s-]+cells?(?![\s-]+(?:therapy|treatment|injection))", rank=_BARE),
    _rule(OTHER, r"stem[\s-]+cells?(?:[\s-]+(?:therapy|treatment|injection|infusion))?", rank=_BARE),
)

# Every rule above needs one of these words. Most texts (drug names, titles of other
# studies) contain none and skip the rules, which keeps a pass over thousands of studies
# fast. A new rule needs its word here.
_RULE_WORDS = (
    "stem", "progenitor", "precursor", "mesench", "msc", "stromal", "marrow", "poiet", "poet", "hsc",
    "hct", "pbsc", "bmt", "cd34", "transplant", "graft", "pluripotent", "ips", "nsc", "mnc", "svf",
    "nurown", "scm-010", "xcel-mc", "fcr001", "wharton", "pulp", "dpsc", "shed", "adsc", "adrc",
)

# Stands in for text a rule has used: not a word character and not whitespace, so later
# patterns can neither match it nor bridge across it.
_USED = "\x00"


@dataclass(frozen=True)
class _Match:
    evidence: Evidence
    rank: int


def _widen(text: str, start: int, end: int) -> tuple[int, int]:
    """The whole mention around a match: the origin, process and tissue words next to it."""
    before = _WIDEN_LEFT.search(text, max(0, start - 120), start)
    if before:
        start = before.start()
    after = _WIDEN_RIGHT.match(text[end : end + 160])
    if after:
        end += after.end()
    return start, end


def _matches(fields: list[_Field]) -> list[_Match]:
    found: list[_Match] = []
    for field, original in fields:
        lowered = original.lower()
        if not any(word in lowered for word in _RULE_WORDS):
            continue
        text = original
        for rule in _RULES:
            spans = [_widen(text, *m.span()) for m in rule.pattern.finditer(text)]
            for start, end in spans:
                if _USED in text[start:end]:
                    continue  # widened into a mention already read
                if rule.label is not None:
                    phrase = original[start:end].strip(" ,-/")
                    found.append(_Match(Evidence(rule.label, field, phrase), rule.rank))
                text = text[:start] + _USED * (end - start) + text[end:]
    return found


def _therapy_evidence(study: Study) -> list[Evidence]:
    treatment = _matches(_treatment_fields(study))
    if not treatment:
        return []
    strongest = max(m.rank for m in treatment)
    evidence = [m.evidence for m in treatment if m.rank == strongest]
    if strongest < _SPECIFIC:
        # The treatment fields name no kind of cell: the keywords or summary may.
        evidence += [m.evidence for m in _matches(_context_fields(study)) if m.rank == _SPECIFIC]
    return evidence


def _unique(evidence: Iterable[Evidence]) -> tuple[Evidence, ...]:
    return tuple(dict.fromkeys(evidence))


# ---------------------------------------------------------------------------
# The MS filter.

_MS_NAME = re.compile(
    r"multiple[\s-]+sc(?:le|el)rosis|sclerosis,\s*multiple|disseminated\s+sclerosis", re.IGNORECASE
)
_MS_ABBREVIATION = re.compile(r"\b(?:RR|SP|PP)?MS\b")  # case-sensitive on purpose
_MS_MESH_ID = "D009103"

# Mentions of MS that are not the condition studied: a virus named after it, rating scales
# named after it, and people who care for or treat people with MS.
_NOT_MS_MENTION = re.compile(
    r"(?:" + _MS_NAME.pattern + r")[\s-]+associated\s+retrovirus"
    r"|(?:" + _MS_NAME.pattern + r")(?:\s+[\w-]+){0,2}\s+(?:scale|questionnaire|inventory|composite)\b"
    r"|(?:carers?|caregivers?|care\s+partners?|famil(?:y|ies)|relatives|providers|professionals|nurses|staff)"
    r"\s+(?:of|for|working\s+with|caring\s+for)\s+(?:people|persons|patients|individuals)"
    r"\s+(?:living\s+)?with\s+(?:" + _MS_NAME.pattern + r")",
    re.IGNORECASE,
)
# Conditions that come with MS in titles and keywords without being MS.
_MS_LOOKALIKE = re.compile(
    r"optic\s+neuritis|neuromyelitis|\bNMO|\bMOG|leukoencephalopathy|amyotrophic|systemic\s+sclerosis"
    r"|scleroderma|tuberous|^healthy",
    re.IGNORECASE,
)
_HEALTHY_PARTICIPANTS = re.compile(
    r"healthy\s+(?:volunteers?|subjects?|participants?|controls?)", re.IGNORECASE
)


def _first_ms_match(fields: list[_Field], allow_abbreviation: bool) -> Evidence | None:
    for field, text in fields:
        text = _NOT_MS_MENTION.sub(lambda m: _USED * len(m.group()), text)
        match = _MS_NAME.search(text)
        if match is None and allow_abbreviation:
            match = _MS_ABBREVIATION.search(text)
        if match:
            return Evidence(MS, field, match.group().strip())
    return None


def _ms_term_evidence(study: Study) -> Evidence | None:
    for term in study.condition_terms:
        if term.id == _MS_MESH_ID or _MS_NAME.search(term.term):
            return Evidence(MS, "condition MeSH term", term.term or _MS_MESH_ID)
    return None


def _mentions_are_context(study: Study) -> bool:
    """True when titles and keywords naming MS describe the setting, not the participants."""
    conditions = [text for _, text in _condition_fields(study)]
    if conditions and all(_MS_LOOKALIKE.search(c) for c in conditions):
        return True
    return any(_HEALTHY_PARTICIPANTS.search(text) for _, text in _title_fields(study))


def _ms_evidence(study: Study) -> Evidence | None:
    declared = _first_ms_match(_condition_fields(study), allow_abbreviation=True) or _ms_term_evidence(study)
    if declared or _mentions_are_context(study):
        return declared
    # The conditions list is free text and sometimes names only a symptom ("Spasticity");
    # then keywords or the title say whose symptom it is.
    return _first_ms_match(_keyword_fields(study), allow_abbreviation=True) or _first_ms_match(
        _title_fields(study), allow_abbreviation=False
    )


# ---------------------------------------------------------------------------
# What the study does with the therapy.

# The therapy tried on cells outside the body, and participants who only give samples.
_IN_VITRO = re.compile(
    r"in[\s-]+vitro|ex[\s-]+vivo\s+(?:assays?|models?|experiments?)|in\s+(?:a|the)\s+(?:dish|laboratory|lab)\b"
    r"|cell[\s-]+cultures?|co-?cultur\w*|(?:laboratory|lab)\s+(?:study|studies|models?|experiments?|tests?|testing)"
    r"|disease[\s-]+model\w*|cell[\s-]+lines?\b|reprogramm\w*|organoids?|bio-?bank\w*",
    re.IGNORECASE,
)
_SAMPLES = re.compile(
    r"(?:blood|skin|tissue|csf|cerebrospinal\s+fluid|urine|saliva|serum|plasma)\s+"
    r"(?:samples?|specimens?|biops(?:y|ies)|draws?|collection)|biops(?:y|ies)|sample\s+collection"
    r"|samples?\s+(?:will\s+be\s+|are\s+|were\s+)?(?:collected|taken|obtained|donated)|fibroblasts?"
    r"|(?:donate|give|provide)s?\s+(?:a\s+)?(?:blood|skin|samples?)",
    re.IGNORECASE,
)
# People who already had the therapy: "after aHSCT", "patients treated with", "registry".
_HAD_IT = re.compile(
    r"\b(?:after|following|post|treated\s+with|(?:have|had|who)\s+(?:had|received|underwent|undergone)"
    r"|underwent|undergone|previously|prior|history\s+of|survivors?|recipients?|outcomes?\s+of"
    r"|registry|cohort|long[\s-]+term|follow[\s-]*up)\b",
    re.IGNORECASE,
)
_SENTENCE_END = re.compile(r"(?<=[.;!?])\s+|\n+")


def _named(fields: list[_Field]) -> bool:
    return any(m.evidence.label for m in _matches(fields))


def classify_sentence(text: str) -> bool:
    """Whether a sentence names a stem-cell therapy (the flags ask what a claim is about)."""
    return _named([("sentence", text)])


def _interventions_use(study: Study) -> tuple[bool, bool]:
    """(given, in a dish): whether an intervention or arm names the therapy as something
    participants receive, and whether one names it as something done to cells in a dish."""
    given = in_dish = False
    items = [[i.name, i.description, *i.other_names] for i in study.interventions]
    items += [[a.label, a.description] for a in study.design.arms]
    for texts in items:
        fields = _texts("intervention", texts)
        if _named(fields):
            if any(_IN_VITRO.search(text) for _, text in fields):
                in_dish = True
            else:
                given = True
    return given, in_dish


def _lab_only(study: Study, in_dish: bool) -> bool:
    """Participants give samples and the therapy is tried on their cells, not given to them."""
    fields = _description_fields(study)
    if not any(_SAMPLES.search(text) for _, text in fields):
        return False
    for field, text in fields:
        for sentence in _SENTENCE_END.split(text):
            if not _named([(field, sentence)]):
                continue
            if _HAD_IT.search(sentence):
                return False  # about people who had the therapy
            in_dish = in_dish or bool(_IN_VITRO.search(sentence))
    return in_dish


# ... and in a title, just before the therapy: "Vaccine Responses After aHSCT".
_HAD_IT_BEFORE = re.compile(
    r"\b(?:after|following|post|treated\s+with|had|received|underwent|undergone|undergoing"
    r"|(?:survivors?|recipients?|outcomes?|registry|cohort)\s+of)[\s-]+(?:\S+[\s-]+){0,3}$",
    re.IGNORECASE,
)


def _titles_say_had_it(study: Study) -> bool:
    for field, title in _title_fields(study):
        for match in _matches([(field, title)]):
            start = title.find(match.evidence.phrase)
            if start >= 0 and _HAD_IT_BEFORE.search(title[max(0, start - 60) : start]):
                return True
    return False


# Interventions that treat nobody: taking samples, scanning, asking, measuring. A study
# whose interventions are all of this kind gives no therapy, whatever its title names.
_TREATS_NOBODY = re.compile(
    r"\b(?:(?:venou?s\s+)?blood\s+(?:draws?|samples?|sampling|tests?|collection|withdrawal)|venou?s\s+blood"
    r"|veni-?punctures?|phlebotomy|biops(?:y|ies)|samples?|sampling"
    r"|lumbar\s+punctures?(?=\s+(?:for|to)\s+(?:\w+\s+){0,2}(?:csf|cerebrospinal|sampl|collect|obtain|analys))"
    r"|specimens?|swabs?|urine|saliva|(?:csf|cerebrospinal\s+fluid)(?:\s+collection)?"
    r"|mri|magnetic\s+resonance(?:\s+imaging)?|pet(?:[\s-]+ct)?|ct|scans?|imaging|ultrasound|x-?rays?"
    r"|optical\s+coherence\s+tomography|oct|eeg|evoked\s+potentials?|questionnaires?|surveys?|interviews?"
    r"|assessments?|(?:clinical|neurological)?\s*examinations?|observation(?:al)?|monitoring|follow[\s-]*up"
    r"|data\s+collection|(?:laboratory|lab)\s+(?:biomarker\s+)?(?:analys[ie]s|tests?|studies)"
    r"|biomarkers?(?:\s+analys[ie]s)?|quality\s+of\s+life|qol|cognitive\s+tests?|no\s+intervention"
    r"|diagnostic\s+tests?)\b",
    re.IGNORECASE,
)
# Words that join such items: "Venous blood draw and skin biopsy", "MRI of the brain".
_JOINING = re.compile(
    r"\b(?:and|or|of|with|the|a|an|for|from|to|at|in|on|by|skin|tissue|brain|spinal|cord|whole|single"
    r"|one|two|three|repeated|serial|research|study|standard|routine|baseline|peripheral|collection"
    r"|analysis|only|plus|via)\b|[\s,/+&;:()\-.]+",
    re.IGNORECASE,
)
# (A lumbar puncture is not among them: it is also how cells are put into the spinal fluid.)
_SAMPLING = re.compile(r"blood|biops|puncture|sampl|specimen|swab|urine|saliva|csf|cerebrospinal|venou",
                       re.IGNORECASE)
# The study's own description saying that participants get the therapy.
_GIVEN = re.compile(
    r"\b(?:receive[sd]?|receiving|given|get|gets|administ\w+|inject\w*|infus\w*|transplant\w*|implant\w*"
    r"|treated\s+with|undergo\w*)\b", re.IGNORECASE)


def _treats_nobody(intervention: Intervention) -> bool:
    """An intervention that only samples, scans, asks or measures."""
    if intervention.type == "DIAGNOSTIC_TEST":
        return True
    name = intervention.name
    if not name or not _TREATS_NOBODY.search(name):
        return False
    return not _JOINING.sub("", _TREATS_NOBODY.sub("", name))


def _description_gives(study: Study) -> bool:
    """Whether the summary or description says participants get the therapy it names
    ("patients receive autologous MSCs intrathecally"), though no intervention lists it."""
    for field, text in _texts("description", [study.summary, study.description]):
        for sentence in _SENTENCE_END.split(text):
            if _GIVEN.search(sentence) and not _HAD_IT.search(sentence) and _named([(field, sentence)]):
                return True
    return False


def _role(study: Study) -> str:
    """What the study does with the therapy, from its interventions first: when every
    intervention only samples, scans or asks, nobody receives anything, whatever the title
    names."""
    given, in_dish = _interventions_use(study)
    if not given and _lab_only(study, in_dish):
        return LAB_ONLY
    study_type = study.study_type
    if study_type == "OBSERVATIONAL":
        return FOLLOWS
    if given or study_type == "EXPANDED_ACCESS":
        return GIVES
    interventions = study.interventions
    if interventions and all(_treats_nobody(i) for i in interventions) and not _description_gives(study):
        # Nobody is treated: samples for the laboratory, or a look at people treated before.
        sampled = any(_SAMPLING.search(i.name) for i in interventions)
        return FOLLOWS if _titles_say_had_it(study) or not sampled else LAB_ONLY
    # A trial of something else in people who had the therapy ("vaccines after aHSCT").
    if _titles_say_had_it(study):
        return FOLLOWS
    return GIVES


# ---------------------------------------------------------------------------
# Public API.


def classify(study: Study) -> Classification:
    """Therapy labels, study role and MS flag of one study, with the phrases behind them.
    A lab-only study gets no therapy label: nothing is given to anyone."""
    evidence = _therapy_evidence(study)
    role = _role(study) if evidence else ""
    if role == LAB_ONLY:
        evidence = []
    labels = tuple(t for t in THERAPY_TYPES if any(e.label == t for e in evidence))
    ms_evidence = _ms_evidence(study)
    return Classification(
        labels=labels,
        evidence=_unique(e for e in evidence if e.label in labels),
        is_ms=ms_evidence is not None,
        ms_evidence=ms_evidence,
        study_role=role,
    )


# A product code: one token with letters and digits ("SCM-010", "DUOC-01", "MB-CART2019.1").
_PRODUCT_CODE = re.compile(r"(?=\S*\d)(?=\S*[A-Za-z])[\w.+-]+")


def _has_coded_biologic(study: Study) -> bool:
    """A biologic named only by a code may be a cell product that only its descriptions
    explain, and the first pass does not fetch descriptions."""
    return any(i.type == "BIOLOGICAL" and _PRODUCT_CODE.fullmatch(i.name) is not None
               for i in study.interventions)


def is_candidate(study: Study) -> bool:
    """Whether a study read from a listing's few fields (titles, intervention names, other
    names and types) may be a stem-cell therapy study.

    True means "fetch the full record and classify it"; the full record decides.
    """
    return bool(_therapy_evidence(study)) or _has_coded_biologic(study)


def describe(c: Classification) -> str:
    """One line for a neurologist: each label with its first piece of evidence, then MS."""
    parts = []
    if c.study_role == LAB_ONLY:
        parts.append("laboratory study only (participants give samples; no therapy is given)")
    for label in c.labels:
        first = next(e for e in c.evidence if e.label == label)
        parts.append(f'{label}: {first.field} "{first.phrase}"')
    if not parts:
        parts.append("no stem-cell therapy found")
    elif c.study_role == FOLLOWS:
        parts.append("follows people who had it")
    if c.ms_evidence:
        parts.append(f'{MS}: {c.ms_evidence.field} "{c.ms_evidence.phrase}"')
    else:
        parts.append("not an MS study")
    return "; ".join(parts)


def classified(study: Study) -> Classified:
    """What the store keeps of a study's classification."""
    result = classify(study)
    return Classified(result.labels, result.is_ms, describe(result), result.study_role)
