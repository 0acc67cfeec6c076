"""What a study found, as its record says it: results posted on the registry, publications
of its results, and the background reading it cites, kept apart.

ClinicalTrials.gov types each reference: RESULT (the study team says it reports this
study's results), DERIVED (PubMed linked it to the study by its number, automatically) and
BACKGROUND (what the study builds on). A background paper is never this study's result.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..model import Study

_PMID = re.compile(r"[1-9][0-9]{0,8}")  # PubMed ids are positive integers
RESULT_TYPES = {"RESULT": "the study team", "DERIVED": "PubMed, automatically"}


@dataclass(frozen=True)
class Publication:
    citation: str  # registry text, as cited
    pmid: str  # "" when the record gives none, or none that is a PubMed id
    linked_by: str  # who tied it to the study: RESULT_TYPES's words; "" for background

    @property
    def url(self) -> str:
        """Its PubMed page, built from a checked id (registry text never becomes a link)."""
        return f"https://pubmed.ncbi.nlm.nih.gov/{self.pmid}/" if self.pmid else ""


@dataclass(frozen=True)
class Findings:
    has_results: bool  # results posted on the registry
    results_first_posted: str  # their date; "" when the record does not give it
    results_url: str  # the registry's results page; "" without results
    publications: tuple[Publication, ...]  # of this study's results (RESULT and DERIVED)
    background: tuple[Publication, ...]

    @property
    def any(self) -> bool:
        return self.has_results or bool(self.publications)


def _publication(citation: str, pmid: str, linked_by: str) -> Publication:
    return Publication(citation, pmid if _PMID.fullmatch(pmid) else "", linked_by)


def findings_of(study: Study) -> Findings:
    refs = [r for r in study.references if r.citation or r.pmid]
    return Findings(
        has_results=study.has_results,
        results_first_posted=study.results_first_posted if study.has_results else "",
        # ClinicalTrials.gov's study page opens its results tab with this parameter.
        results_url=f"{study.url}?tab=results" if study.has_results and study.url else "",
        publications=tuple(_publication(r.citation, r.pmid, RESULT_TYPES[r.type])
                           for r in refs if r.type in RESULT_TYPES),
        background=tuple(_publication(r.citation, r.pmid, "") for r in refs if r.type not in RESULT_TYPES),
    )
