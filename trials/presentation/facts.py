"""The reviewed patient texts for each therapy type, each claim with its source.

The texts live in one data file, ``therapy_facts.json``, so that a reviewer reads and
updates them in one place and every claim carries its source and the date someone last
checked it against that source. This module loads the file, refuses it loudly when a
claim lacks a source or a date, and hands out frozen values.

What depends on the data (how many iPSC trials are registered today) is never written in
the file: ``registry_sentence`` computes it from the counts the caller passes in.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

from ..analysis.classify import THERAPY_TYPES
from ..analysis.subtype import REGIMENS, ROUTES
from ..errors import TrialsError
from ..ids import ids_in, url_of, written

FACTS_FILE = "therapy_facts.json"
ALLOGENEIC_HSCT = "HSCT allogeneic"  # a donor's cells: risks unlike those of autologous HSCT
KINDS = (ALLOGENEIC_HSCT,)
MAX_TEXT = 600  # a claim is a few plain sentences; longer means it needs splitting


class FactsError(TrialsError):
    """The therapy facts file is malformed: a claim without a source, date or text."""


@dataclass(frozen=True)
class Claim:
    topic: str  # a short heading, e.g. "Risk of death, older series"
    text: str  # our own plain words; figures exactly as the source gives them
    source_name: str  # organisation or journal (with authors where known)
    year: int | None  # None for undated web pages
    url: str  # a link or a DOI link
    checked_on: date  # when the text was last checked against the source
    also_for: tuple[str, ...] = ()  # kinds (KINDS) it holds for too: a fertility advice for any transplant
    route: str = ""  # only for cells given this way (subtype.ROUTES); "" for any
    registry: tuple[str, ...] = ()  # the registry records of the trial it reports (registry numbers)
    regimen: str = ""  # only for studies naming such a conditioning regimen (subtype.REGIMENS); "" for any

    @property
    def registry_url(self) -> str:
        return url_of(ids_in(self.registry[0])[0]) if self.registry else ""

    @property
    def citation(self) -> str:
        """'Name, 2021. https://...' (web pages without a date say 'undated')."""
        year = self.year if self.year is not None else "undated"
        return f"{self.source_name}, {year}. {self.url}"


@dataclass(frozen=True)
class TherapyFacts:
    label: str  # one of classify.THERAPY_TYPES
    claims: tuple[Claim, ...]

    @property
    def sources(self) -> tuple[Claim, ...]:
        """One claim per distinct source, in first-use order (for a 'Sources' list)."""
        seen: dict[str, Claim] = {}
        for claim in self.claims:
            seen.setdefault(claim.url, claim)
        return tuple(seen.values())


@dataclass(frozen=True)
class Facts:
    therapies: tuple[TherapyFacts, ...]
    clinic_guidance: tuple[Claim, ...]  # what MS societies and the FDA say about stem-cell clinics
    kinds: tuple[TherapyFacts, ...] = ()  # a kind whose risks differ: "HSCT allogeneic"
    sheet_questions: tuple[Claim, ...] = ()  # the clinic sheet's questions to ask, each sourced

    def for_label(self, label: str) -> TherapyFacts | None:
        return next((t for t in self.therapies if t.label == label), None)

    def for_kind(self, kind: str) -> TherapyFacts | None:
        return next((t for t in self.kinds if t.label == kind), None)


# -- reading and checking the file ------------------------------------------------

def _text(raw: dict, key: str, where: str) -> str:
    value = raw.get(key)
    if not isinstance(value, str) or not value.strip():
        raise FactsError(f"{where}: '{key}' is missing or empty.")
    return value.strip()


def _source(key: str, raw: Any) -> tuple[str, int | None, str]:
    where = f"source {key!r}"
    if not isinstance(raw, dict):
        raise FactsError(f"{where} is not an object.")
    name = _text(raw, "name", where)
    url = _text(raw, "url", where)
    if not url.startswith("https://"):
        raise FactsError(f"{where}: the link must be an https:// address, not {url!r}.")
    year = raw.get("year")
    if year is not None and (isinstance(year, bool) or not isinstance(year, int)
                             or not 1900 <= year <= 2100):
        raise FactsError(f"{where}: 'year' must be a year or null, not {year!r}.")
    return name, year, url


def _claim(raw: Any, where: str, sources: dict[str, tuple[str, int | None, str]]) -> Claim:
    if not isinstance(raw, dict):
        raise FactsError(f"{where} is not an object.")
    text = _text(raw, "text", where)
    if len(text) > MAX_TEXT:
        raise FactsError(f"{where}: the text is {len(text)} characters; split it (at most {MAX_TEXT}).")
    key = _text(raw, "source", where)
    if key not in sources:
        raise FactsError(f"{where}: source {key!r} is not listed under 'sources'.")
    checked = _text(raw, "checked_on", where)
    try:
        checked_on = date.fromisoformat(checked)
    except ValueError:
        raise FactsError(f"{where}: checked_on {checked!r} is not a date (YYYY-MM-DD).") from None
    name, year, url = sources[key]
    also_for = raw.get("also_for", [])
    if not isinstance(also_for, list) or any(k not in KINDS for k in also_for):
        raise FactsError(f"{where}: 'also_for' must list kinds among {', '.join(KINDS)}.")
    route = raw.get("route", "")
    if route not in ("", *ROUTES):
        raise FactsError(f"{where}: 'route' {route!r} is not one of {', '.join(ROUTES)}.")
    registry = raw.get("registry", [])
    if not isinstance(registry, list) or any(not isinstance(i, str) or [written(n) for n in ids_in(i)] != [i]
                                             for i in registry):
        raise FactsError(f"{where}: 'registry' must list registry numbers as written, such as NCT00273364 "
                         "or ISRCTN88667898.")
    regimen = raw.get("regimen", "")
    if regimen not in ("", *REGIMENS):
        raise FactsError(f"{where}: 'regimen' {regimen!r} is not one of {', '.join(REGIMENS)}.")
    return Claim(_text(raw, "topic", where), text, name, year, url, checked_on, tuple(also_for), route,
                 tuple(registry), regimen)


def parse_facts(data: Any) -> Facts:
    """Facts from the decoded JSON; raises FactsError naming the first problem."""
    if not isinstance(data, dict):
        raise FactsError("The facts file must hold one JSON object.")
    raw_sources = data.get("sources")
    if not isinstance(raw_sources, dict) or not raw_sources:
        raise FactsError("The facts file lists no 'sources'.")
    sources = {key: _source(key, raw) for key, raw in raw_sources.items()}
    raw_therapies = data.get("therapies")
    if not isinstance(raw_therapies, dict):
        raise FactsError("The facts file has no 'therapies' object.")
    unknown = set(raw_therapies) - set(THERAPY_TYPES)
    missing = [t for t in THERAPY_TYPES if t not in raw_therapies]
    if unknown or missing:
        raise FactsError(f"Therapy types must be exactly {', '.join(THERAPY_TYPES)} "
                         f"(unknown: {sorted(unknown)}, missing: {missing}).")
    therapies = []
    for label in THERAPY_TYPES:
        claims = raw_therapies[label]
        if not isinstance(claims, list) or not claims:
            raise FactsError(f"Therapy {label!r} has no claims.")
        therapies.append(TherapyFacts(label, tuple(
            _claim(c, f"{label} claim {i + 1}", sources) for i, c in enumerate(claims))))
    guidance = data.get("clinic_guidance")
    if not isinstance(guidance, list) or not guidance:
        raise FactsError("The facts file has no 'clinic_guidance' claims.")
    clinic = tuple(_claim(c, f"clinic guidance {i + 1}", sources) for i, c in enumerate(guidance))
    asked = data.get("sheet_questions")
    if not isinstance(asked, list) or not asked:
        raise FactsError("The facts file has no 'sheet_questions'.")
    questions = tuple(_claim(c, f"sheet question {i + 1}", sources) for i, c in enumerate(asked))
    raw_kinds = data.get("kinds", {})
    if not isinstance(raw_kinds, dict) or any(k not in KINDS for k in raw_kinds):
        raise FactsError(f"'kinds' must be an object with keys among {', '.join(KINDS)}.")
    kinds = []
    for kind, claims in raw_kinds.items():
        if not isinstance(claims, list) or not claims:
            raise FactsError(f"Kind {kind!r} has no claims.")
        kinds.append(TherapyFacts(kind, tuple(
            _claim(c, f"{kind} claim {i + 1}", sources) for i, c in enumerate(claims))))
    used = ({c.url for t in (*therapies, *kinds) for c in t.claims} | {c.url for c in (*clinic, *questions)})
    unused = [key for key, (_, _, url) in sources.items() if url not in used]
    if unused:
        raise FactsError(f"Sources listed but never cited: {', '.join(unused)}.")
    return Facts(tuple(therapies), clinic, tuple(kinds), questions)


def load_facts(path: Path | None = None) -> Facts:
    """Read and check a facts file (the packaged one by default)."""
    if path is None:
        return _packaged()
    try:
        return parse_facts(json.loads(Path(path).read_text(encoding="utf-8")))
    except (OSError, json.JSONDecodeError) as exc:
        raise FactsError(f"Cannot read the facts file {path}: {exc}") from exc


@lru_cache(maxsize=1)
def _packaged() -> Facts:
    text = resources.files(__package__).joinpath(FACTS_FILE).read_text(encoding="utf-8")
    return parse_facts(json.loads(text))


# -- sentences computed from the data ---------------------------------------------

_THERAPY_NOUNS = {  # with their article, for "No trial of ... is registered"
    "HSCT": "haematopoietic stem cell transplantation",
    "MSC": "a mesenchymal stem cell therapy",
    "iPSC": "an iPSC-based therapy",
    "Other stem cell": "another stem-cell therapy",
    "Stem cell (kind unclear)": "a stem-cell therapy of a kind its record does not name",
}


def registry_sentence(label: str, count: int, data_timestamp: str | None) -> str:
    """How many MS studies of a therapy type the registry holds as of the data date.

    ``count`` is the number of studies carrying ``label`` in the caller's table or store,
    ``data_timestamp`` the registry data version (ISO date or date-time) it comes from.
    """
    data = f"registry data of {data_timestamp[:10]}" if data_timestamp else "the local data"
    if count <= 0:
        noun = _THERAPY_NOUNS.get(label, label)
        # Only what this tool found: its search, rules and data date, not the world's registries.
        return f"This tool found no trial of {noun} for multiple sclerosis in {data}."
    studies = "study" if count == 1 else "studies"
    return f"This tool found {count} multiple sclerosis {studies} labelled {label} in {data}."
