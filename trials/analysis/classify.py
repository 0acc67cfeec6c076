"""Which stem-cell therapy a study tests, and whether it studies MS.

Everything here reads one ``trials.model.Study`` (from a full record or a listing's few
fields) and answers from the study's own words, so every label comes with the phrase, the
field and the concept behind it.

The therapy is read by ``trials.analysis.therapy``: a vocabulary built from published
vocabularies (``trials/data/therapy_vocabulary.csv``), a grammar over it applied to each
intervention, arm, title and summary, and context cues (``trials/data/context_cues.csv``)
that tell a therapy given to participants from one negated, only considered, had before,
done in the laboratory or acted on by a drug. The MS filter is here: whether MS is a
condition the study is about, not a word in its title or keywords.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from ..model import Study
from ..store.sqlite import Classified
from . import therapy
from .therapy import (  # noqa: F401  (the classifier's public names)
    FOLLOWS,
    GIVES,
    HSCT,
    IPSC,
    LAB_ONLY,
    MSC,
    OTHER,
    STUDY_ROLES,
    THERAPY_TYPES,
    UNCLEAR,
    Evidence,
    SetAside,
)

# Bump whenever a rule, the vocabulary or the cues change, so stored classifications are
# recomputed.
CLASSIFIER_VERSION = "4"

MS = "MS"

# Short names for filters and links: "--therapy other", "?therapy=unclear".
SHORT_NAMES = {HSCT: "hsct", MSC: "msc", IPSC: "ipsc", OTHER: "other", UNCLEAR: "unclear"}


@dataclass(frozen=True)
class Classification:
    labels: tuple[str, ...]  # subset of THERAPY_TYPES in that order; () = not a stem-cell study
    evidence: tuple[Evidence, ...]  # why each label (at least one per label)
    is_ms: bool
    ms_evidence: Evidence | None
    study_role: str = ""  # one of STUDY_ROLES; "" when no stem-cell therapy is named
    set_aside: tuple[SetAside, ...] = ()  # stem-cell words that gave no label, and why


_Field = tuple[str, str]  # (human-readable field name, text)

# Stands in for text that is not a mention of MS: not a word character and not whitespace.
_USED = "\x00"


def _texts(name: str, values: tuple[str, ...] | list[str]) -> list[_Field]:
    return [(name, v) for v in values if v]


def _title_fields(study: Study) -> list[_Field]:
    return _texts("brief title", [study.brief_title]) + _texts("official title", [study.official_title])


def _keyword_fields(study: Study) -> list[_Field]:
    return _texts("keyword", list(study.keywords))


def _condition_fields(study: Study) -> list[_Field]:
    return _texts("condition", list(study.conditions))


# ---------------------------------------------------------------------------
# The MS filter.

_MS_NAME = re.compile(
    r"multiple[\s-]+sc(?:le|el)rosis|sclerosis,\s*multiple|disseminated\s+sclerosis"
    # The registries' other languages: French, German, Spanish, Italian, Portuguese.
    r"|scl[ée]rose\s+en\s+plaques|multiple[nr]?[\s-]+sklerose|escleros[ie]s?\s+m[úu]ltipla|esclerosis\s+m[úu]ltiple"
    r"|sclerosi\s+multipla",
    re.IGNORECASE,
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
        text = unicodedata.normalize("NFC", text)  # "Sclérose" with its accent typed apart
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
# Public API.


def classify(study: Study) -> Classification:
    """Therapy labels, study role and MS flag of one study, with the phrases behind them.
    A lab-only study gets no therapy label: nothing is given to anyone."""
    reading = therapy.read_study(study)
    ms_evidence = _ms_evidence(study)
    return Classification(
        labels=reading.labels,
        evidence=reading.evidence,
        is_ms=ms_evidence is not None,
        ms_evidence=ms_evidence,
        study_role=reading.role,
        set_aside=reading.set_aside,
    )


def classify_sentence(text: str) -> bool:
    """Whether a sentence names a stem-cell therapy (the flags ask what a claim is about)."""
    return therapy.names_therapy(text)


# A product code: one token with letters and digits ("SCM-010", "DUOC-01", "MB-CART2019.1").
_PRODUCT_CODE = re.compile(r"(?=\S*\d)(?=\S*[A-Za-z])[\w.+-]+")


def _has_coded_biologic(study: Study) -> bool:
    """A biologic named only by a code may be a cell product that only its descriptions
    explain, and the first pass does not fetch descriptions."""
    return any(i.type == "BIOLOGICAL" and _PRODUCT_CODE.fullmatch(i.name) is not None
               for i in study.interventions)


def is_candidate(study: Study) -> bool:
    """Whether a study read from a listing's few fields (titles, intervention names, other
    names and types, index terms) may be a stem-cell therapy study.

    True means "fetch the full record and classify it"; the full record decides. Context is
    not read here: a negated or laboratory mention is fetched all the same.
    """
    texts = [("title", study.brief_title), ("title", study.official_title), ("acronym", study.acronym)]
    texts += [("intervention", i.name) for i in study.interventions]
    texts += [("intervention", n) for i in study.interventions for n in i.other_names]
    texts += [("index term", t.term) for t in study.intervention_terms]
    return therapy.mentions_therapy([(f, t) for f, t in texts if t]) or _has_coded_biologic(study)


def _quote(e: Evidence) -> str:
    concept = f" [{e.concept}]" if e.concept and e.concept.casefold() != e.phrase.casefold() else ""
    return f'{e.field} "{e.phrase}"{concept}'


def describe(c: Classification) -> str:
    """One line for a neurologist: each label with its first piece of evidence, then MS.
    A study listed as no therapy says what it named and why that was not counted."""
    parts = []
    if c.study_role == LAB_ONLY:
        parts.append("laboratory study only (participants give samples; no therapy is given)")
    for label in c.labels:
        first = next(e for e in c.evidence if e.label == label)
        parts.append(f"{label}: {_quote(first)}")
    if not c.labels:
        parts.append("no stem-cell therapy found")
        parts += [f'not counted: {s.field} "{s.phrase}" ({s.reason})' for s in c.set_aside[:3]]
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
