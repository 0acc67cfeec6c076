"""What a study found, as its record says it: results posted on the registry, publications
of its results, and the other papers it cites, kept apart.

ClinicalTrials.gov types each reference: RESULT (the study team lists it as reporting this
study's results), DERIVED (PubMed linked it to the study by its number, automatically) and
BACKGROUND (what the study builds on). A type is the lister's word, so it is checked against
what the citation itself says: a paper published before the study began cannot report its
results, and a study protocol is its plan, not its findings. Neither, nor background reading,
is ever shown as what the study found.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..model import CTGOV, Reference, Study

_PMID = re.compile(r"[1-9][0-9]{0,8}")  # PubMed ids are positive integers
# The year in an NLM citation: "... Mult Scler. 2021 Apr;27(5):778-789." (the first one after
# a full stop, so a year in the title does not count).
_YEAR = re.compile(r"\.\s+((?:19|20)[0-9]{2})(?:\s+([A-Z][a-z]{2})(?:\s+[0-9]{1,2})?)?\s*[;:.]")
_MONTHS = {m: i for i, m in enumerate(("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct",
                                       "Nov", "Dec"), start=1)}
# A paper of a study's plan, in the words protocol papers give their titles (SPIRIT-style
# "study protocol", "protocol for a randomised trial", "design and rationale", "statistical
# analysis plan", "design of a ... trial").
_PROTOCOL = re.compile(r"\b(?:study\s+)?protocol\b|\bstudy design\b|\brationale,?\s+and\s+design\b"
                       r"|\brationale,\s+design\b|\bdesign,?\s+and\s+(?:rationale|methods)\b"
                       r"|\bstatistical\s+analysis\s+plan\b|\bdesign\s+of\s+(?:a|an|the)\b[^.]{0,80}?\b(?:trial|study)\b",
                       re.IGNORECASE)
# Journals of study protocols, as NLM abbreviates them in a citation ("... Trials. 2019 May 9;20(1):263."):
# a paper there describes a study's plan (BMC's Trials, JMIR Research Protocols).
_PROTOCOL_JOURNAL = re.compile(r"\.\s+(?:Trials|JMIR Res Protoc)\.\s+(?:19|20)[0-9]{2}\b")
LINKED_BY = {"RESULT": "the study team", "DERIVED": "PubMed, automatically"}
_LINKED_LABEL = {LINKED_BY["RESULT"]: "Listed as a result by the study team",
                 LINKED_BY["DERIVED"]: "Linked to this study automatically by PubMed"}
MAX_BACKGROUND = 5  # other papers shown; the registry record has the rest


@dataclass(frozen=True)
class Publication:
    citation: str  # registry text, as cited
    pmid: str  # "" when the record gives none, or none that is a PubMed id
    linked_by: str  # who tied it to the study as a result: LINKED_BY's words; "" for background
    why_not_results: str = ""  # a paper listed as a result that cannot be one, or background that is a plan

    @property
    def url(self) -> str:
        """Its PubMed page, built from a checked id (registry text never becomes a link)."""
        return f"https://pubmed.ncbi.nlm.nih.gov/{self.pmid}/" if self.pmid else ""


@dataclass(frozen=True)
class Findings:
    has_results: bool  # results posted on the registry
    results_first_posted: str  # their date; "" when the record does not give it
    results_url: str  # the registry's results page; "" without results
    publications: tuple[Publication, ...]  # of this study's results
    other: tuple[Publication, ...]  # background reading, protocols, papers from before the study

    @property
    def any(self) -> bool:
        return self.has_results or bool(self.publications)


@dataclass(frozen=True)
class Statement:
    """One thing the card and the sheet say about what the study found."""

    label: str  # "" for a sentence of its own
    text: str  # registry text (citations) is the caller's to escape
    link: str  # an address this finder built (the registry's results page, PubMed)
    fields: str  # the record fields it rests on, or "" for the finder's own words
    finding: bool = True  # False for the papers kept apart (background, protocols, earlier papers)


def _why_not_results(ref: Reference, study: Study) -> str:
    published = _YEAR.search(ref.citation)
    if published and study.start_date:
        # Month by month when both give one ("2015 Jan" against "2015-02"), else by year.
        month = _MONTHS.get(published.group(2) or "")
        start_month = int(study.start_date[5:7]) if len(study.start_date) >= 7 else None
        when = (int(published.group(1)), month or 0) if month and start_month else (int(published.group(1)), 0)
        began = (int(study.start_date[:4]), start_month if month and start_month else 0)
        if when < began:
            return f"published in {published.group(1)}, before the study began ({study.start_date[:7]})"
    if _is_protocol(ref.citation):
        return "the study's plan (protocol), not its results"
    return ""


def _is_protocol(citation: str) -> bool:
    return bool(_PROTOCOL.search(citation) or _PROTOCOL_JOURNAL.search(citation))


def _publication(ref: Reference, study: Study) -> Publication:
    pmid = ref.pmid if _PMID.fullmatch(ref.pmid) else ""
    if ref.type not in LINKED_BY:
        # Background reading may still be the study's own protocol (MSCIMS lists its protocol paper as
        # background): a plan, said as one, whatever the registry calls it.
        plan = "a study's plan (protocol), not results" if _is_protocol(ref.citation) else ""
        return Publication(ref.citation, pmid, "", plan)
    return Publication(ref.citation, pmid, LINKED_BY[ref.type], _why_not_results(ref, study))


def findings_of(study: Study) -> Findings:
    cited = [_publication(r, study) for r in study.references if r.citation or r.pmid]
    return Findings(
        has_results=study.has_results,
        results_first_posted=study.results_first_posted if study.has_results else "",
        # ClinicalTrials.gov's study page opens its results tab with this parameter.
        # ClinicalTrials.gov shows results on a tab of the record; ISRCTN on the record itself.
        results_url=(f"{study.url}?tab=results" if study.id.registry == CTGOV else study.url)
        if study.has_results and study.url else "",
        publications=tuple(p for p in cited if p.linked_by and not p.why_not_results),
        # The papers listed as results that cannot be ones first: a reader needs to see those.
        other=tuple(sorted((p for p in cited if not p.linked_by or p.why_not_results),
                           key=lambda p: not p.why_not_results)),
    )


def statements(study: Study, is_full: bool) -> tuple[Statement, ...]:
    """What the card and the sheet say, in order: results, publications of them (or that the
    stored record lists none), then the other papers, each labelled for what it is."""
    if not is_full:
        return (Statement("", "Only summary fields are stored for this study: see the registry record for "
                              "results and publications.", "", "results and references (not stored)"),)
    found = findings_of(study)
    said: list[Statement] = []
    if found.has_results:
        when = f"first posted {found.results_first_posted}" if found.results_first_posted else "date not stated"
        said.append(Statement("Results posted on the registry", when, found.results_url,
                              "has results, results first posted"))
    for p in found.publications:
        if p.linked_by == LINKED_BY["RESULT"]:
            said.append(Statement("Publication of its results", p.citation, p.url, "references (type result)"))
        else:
            said.append(Statement("Publication PubMed linked to this study (automatically; it may report part "
                                  "of the study or a related analysis)", p.citation, p.url,
                                  "references (type derived)"))
    if found.any:
        said.append(Statement("", "Results say what the study found, which may be that the treatment did not "
                                  "work or was not safe enough. Ask your neurologist to go through them with you.",
                              "", ""))
    else:
        said.append(Statement("", "The stored record lists no posted results and no publication of this study's "
                                  "results yet; the registry record may have newer ones.", "",
                              "has results, references"))
    for p in found.other[:MAX_BACKGROUND]:
        linked = _LINKED_LABEL.get(p.linked_by, "")
        label = (f"{linked}, but {p.why_not_results}" if p.why_not_results and linked
                 else f"Background reading: {p.why_not_results}" if p.why_not_results
                 else "Background reading (not this study's results)")
        said.append(Statement(label, p.citation, p.url, "references", finding=False))
    if len(found.other) > MAX_BACKGROUND:
        said.append(Statement("", f"The registry record cites {len(found.other) - MAX_BACKGROUND} more papers.",
                              "", "references", finding=False))
    return tuple(said)
