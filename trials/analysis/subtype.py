"""Which kind of a therapy a study gives: whose cells (the participant's own or a donor's),
from which tissue, and by which route, each only where the record says it.

Risks differ by kind: a transplant of a donor's blood-forming cells (allogeneic HSCT) is far
riskier than one of the participant's own (autologous), so the card shows the figures
published for the kind the record names and says "not stated in the record" when it names
none. Every answer keeps the phrase and field it was read from.

Fields are read in order of how directly they say what participants receive: interventions
and arms first, then titles, then keywords, the summary, the description and the primary
outcomes (a graft-versus-host outcome is only measured after a donor transplant). For whose
cells and which tissue, the first group of fields that answers decides, so a summary
contrasting the study with "allogeneic transplants" elsewhere cannot override an
intervention that says "autologous"; routes are gathered from every field.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

from ..model import Arm, Intervention, Study
from . import therapy
from .classify import HSCT, MSC, Evidence

AUTOLOGOUS = "autologous"
SYNGENEIC = "syngeneic"
ALLOGENEIC = "allogeneic"
DONOR_WORDS = {
    AUTOLOGOUS: "the participant's own cells (autologous)",
    SYNGENEIC: "an identical twin's cells (syngeneic)",
    ALLOGENEIC: "a donor's cells (allogeneic)",
}

_DONOR_PATTERNS = (
    (AUTOLOGOUS, re.compile(
        r"\bauto(?:logou?s|logus|genic|geneic|genous)\b|\bpatients?['’]?s?\s+own\b|\b(?:their|his|her)\s+own\s+"
        r"(?:\w+\s+){0,3}(?:cells?|marrow|blood|fat|tissue)|(?-i:\baHSCT\b|\bASCT\b|\bAHSCT\b)", re.IGNORECASE)),
    # An identical twin's cells: neither one's own nor an unmatched donor's (MeSH "Transplantation,
    # Isogeneic", entry term "Syngeneic Transplantation").
    (SYNGENEIC, re.compile(r"\bsyngeneic\b|\bisogeneic\b|\bidentical[\s-]+twin", re.IGNORECASE)),
    (ALLOGENEIC, re.compile(
        r"\ballo(?:geneic|genic|genous)\b|haplo-?identical|\bmatched\s+(?:sibling|related|unrelated)"
        r"|\b(?:sibling|unrelated|related|healthy|third[\s-]+party)\s+donors?\b"
        r"|\bHLA[\s-]+(?:matched|identical)|(?-i:\balloHSCT\b)", re.IGNORECASE)),
)
# Graft-versus-host disease is measured only after donor cells; mentioned elsewhere it may be
# a contrast ("autologous HSCT carries no risk of GVHD"), so only a primary outcome counts.
_GVHD = re.compile(r"graft[\s-]+versus[\s-]+host|\bGvHD\b", re.IGNORECASE)

# MSC tissues, most specific first ("umbilical cord blood" is not cord tissue).
_TISSUE_PATTERNS = (
    ("bone marrow", re.compile(r"\bbone[\s-]+marrow|\bmarrow\b|(?-i:\bBM-?MSCs?\b|\bBMSCs?\b)", re.IGNORECASE)),
    ("adipose tissue", re.compile(r"\badipose|\bfat\b|lipoaspirate|(?-i:\bh?AD-?MSCs?\b|\badMSCs?\b|\bAT-?MSCs?\b)",
                                  re.IGNORECASE)),
    ("umbilical cord", re.compile(r"umbilical[\s-]+cord(?![\s-]+blood)|wharton|(?-i:\bh?UC-?MSCs?\b|\bWJ-?MSCs?\b)",
                                  re.IGNORECASE)),
    ("placenta", re.compile(r"placenta|decidua|chorion", re.IGNORECASE)),
    ("embryonic stem cells", re.compile(r"embryonic[\s-]+stem|(?-i:\bhES-?MSCs?\b|\bhESCs?\b)", re.IGNORECASE)),
    ("amniotic tissue", re.compile(r"amnio", re.IGNORECASE)),
    ("dental pulp", re.compile(r"dental[\s-]+pulp|(?-i:\bDPSCs?\b)", re.IGNORECASE)),
    ("menstrual blood", re.compile(r"menstrual|endometri", re.IGNORECASE)),
)
TISSUES = tuple(name for name, _ in _TISSUE_PATTERNS)

ROUTE_WORDS = {
    "intravenous": "into a vein (intravenous)",
    "intrathecal": "into the spinal fluid (intrathecal)",
    "intramuscular": "into a muscle (intramuscular)",
    "intra-arterial": "into an artery (intra-arterial)",
    "subcutaneous": "under the skin (subcutaneous)",
    "intranasal": "into the nose (intranasal)",
    "into the brain": "into the brain (surgery)",
}
ROUTES = tuple(ROUTE_WORDS)
_ROUTE_PATTERNS = (
    # "IV" only where it is a route ("IV infusion", "(IV)", "given IV"): it is also a roman
    # numeral (phase IV, arm IV, stage IV).
    ("intravenous", re.compile(
        r"\bintra-?venous(?:ly)?\b|\binto\s+(?:a|the)\s+vein|\((?-i:IV)\)"
        r"|(?-i:\bI\.?V\.?)(?=\s*(?:infusions?|injections?|administration|route|bolus|drip|doses?|therapy|treatment|deployment)\b)"
        r"|\b(?:via|by|given|administered|infused|injected)\s+(?-i:I\.?V\.?)(?![\w.])", re.IGNORECASE)),
    ("intrathecal", re.compile(r"\bintra-?thecal(?:ly)?\b|(?-i:\bIT\b(?=\s+(?:injection|infusion|administration)))"
                               r"|into\s+the\s+(?:spinal|cerebrospinal)\s+fluid", re.IGNORECASE)),
    ("intramuscular", re.compile(r"\bintra-?muscular(?:ly)?\b|(?-i:\bI\.?M\.?\b(?=\s+(?:injection|administration)))",
                                 re.IGNORECASE)),
    ("intra-arterial", re.compile(r"\bintra-?arterial(?:ly)?\b", re.IGNORECASE)),
    ("subcutaneous", re.compile(r"\bsub-?cutaneous(?:ly)?\b", re.IGNORECASE)),
    ("intranasal", re.compile(r"\bintra-?nasal(?:ly)?\b|\bnasal\s+(?:spray|drops|administration)", re.IGNORECASE)),
    # The NCI Thesaurus' routes into the brain: intracerebral, intraparenchymal, intraventricular
    # and intracerebroventricular (ICV), into the ventricles, stereotactic.
    ("into the brain", re.compile(r"\bintra-?(?:cerebral|parenchymal|ventricular|cerebro-?ventricular)(?:ly)?\b"
                                  r"|(?-i:\bICV\b)|\binto\s+the\s+(?:brain'?s?\s+|lateral\s+)?ventricles?\b"
                                  r"|stereota\w+", re.IGNORECASE)),
)


# Conditioning regimens more toxic than the cyclophosphamide/ATG of most MS transplants: high-intensity
# (busulfan, total-body irradiation) and BEAM, "myeloablative" (EBMT; Silfverberg et al. 2024).
REGIMENS = ("high-intensity",)
_REGIMEN_PATTERNS = (
    ("high-intensity", re.compile(
        r"(?-i:\bBEAM\b)|\bcarmustine\b|\bbusulf[ae]n\b|total[\s-]+body[\s-]+irradiation|(?-i:\bTBI\b)"
        r"|(?<!non-)(?<!non )\bmyeloablat\w*|high[\s-]+intensity\s+conditioning", re.IGNORECASE)),
)


@dataclass(frozen=True)
class Subtype:
    """The kind of therapy, as far as the record says; () means not stated."""

    donors: tuple[str, ...]  # AUTOLOGOUS and/or ALLOGENEIC
    tissues: tuple[str, ...]  # MSC source tissues, in TISSUES order
    routes: tuple[str, ...]  # how the cells are given, in ROUTES order
    evidence: tuple[Evidence, ...]  # label: "donor", "tissue", "route" or "regimen"
    regimens: tuple[str, ...] = ()  # conditioning regimens of a kind with claims of their own (REGIMENS)

    @property
    def is_allogeneic(self) -> bool:
        return ALLOGENEIC in self.donors

    def words(self, labels: tuple[str, ...]) -> str:
        """'HSCT: autologous; MSC: bone marrow, intrathecal' for the table and the CSV."""
        parts = []
        for label in labels:
            kind = list(self.donors or ("cells' origin not stated",))
            if label == MSC:
                kind += list(self.tissues or ("tissue not stated",))
            if label != HSCT:
                kind += list(self.routes or ("route not stated",))
            parts.append(f"{label}: {', '.join(kind)}")
        return "; ".join(parts)


def _item_text(item: Intervention) -> str:
    return " ".join((item.name, *item.other_names, item.description))


def _naming_cells(study: Study) -> list[Intervention]:
    """The interventions that name the stem-cell therapy by themselves."""
    return [i for i in study.interventions if _names_cells(_item_text(i))]


def cell_items(study: Study) -> tuple[list[Intervention], list[Arm]]:
    """The interventions that are the stem-cell therapy, and the arms that give them: whose cells
    and which route are read from these only, never borrowed from another item (an allogeneic
    faecal microbiota transplant beside an autologous HSCT). When no item names the cells by
    itself, every item speaks (and every arm is taken to give them)."""
    cells = _naming_cells(study)
    found = arms_giving(study, cells)
    if found is None:
        return list(study.interventions), list(study.design.arms)
    return cells, [arm for arm, gives in found if gives is not False]  # (an arm that may give them speaks)


# Arm types that give no study treatment (the registry's own words for them).
_NO_TREATMENT_ARMS = frozenset({"PLACEBO_COMPARATOR", "SHAM_COMPARATOR", "NO_INTERVENTION"})


def arms_giving(study: Study, cells: list[Intervention] | None = None) -> list[tuple[Arm, bool | None]] | None:
    """Each arm, and whether it gives the stem-cell therapy: True when its items or its words
    name it; False when its type gives no treatment or the items it lists are none of the cells;
    None when the record does not say (old records list no items per arm). None for all when no
    intervention names the cells by itself."""
    if cells is None:
        cells = _naming_cells(study)
    if not cells:
        return None
    labels = {f"{i.type}: {i.name}".casefold() for i in cells} | {i.name.casefold() for i in cells}

    def gives(arm: Arm) -> bool | None:
        if any(x.casefold() in labels or x.split(": ", 1)[-1].casefold() in labels for x in arm.interventions) \
                or _names_cells(f"{arm.label} {arm.description}"):
            return True
        if arm.type in _NO_TREATMENT_ARMS or arm.interventions:
            return False
        return None

    return [(arm, gives(arm)) for arm in study.design.arms]


# "A versus B", "A vs. B", "A compared with B": a title that names what the cells are tested against.
_VERSUS = re.compile(r"\s(?:versus|vs\.?|compared (?:with|to))\s", re.IGNORECASE)
_LEFT_END = re.compile(r".*(?:\bof|\bwith|:)\s+", re.IGNORECASE)  # "... Trial of [Best Available Therapy]"
_RIGHT_END = re.compile(r"\s+(?:for|in|among|on|to|as|after)\s|\s*[(:;]", re.IGNORECASE)  # "[...] for RRMS (RAM-MS)"


@dataclass(frozen=True)
class Comparison:
    """What a title says the therapy is compared with: ``other`` as its words, and where."""

    field: str
    other: str
    title: str


def compared_in_title(study: Study) -> Comparison | None:
    """The comparison a title states, when one side names the stem-cell therapy and the other
    names something else (BEAT-MS: "Best Available Therapy Versus Autologous Hematopoietic Stem
    Cell Transplant"): a record without its groups still tells who does not get the cells."""
    for field, title in (("brief title", study.brief_title), ("official title", study.official_title)):
        parts = _VERSUS.split(title, maxsplit=1)
        if len(parts) != 2:
            continue
        left, right = parts
        left_cells, right_cells = _names_cells(left), _names_cells(right)
        if left_cells == right_cells:
            continue
        if left_cells:
            end = _RIGHT_END.search(right)
            other = right[:end.start()] if end else right
        else:
            start = _LEFT_END.match(left)
            other = left[start.end():] if start else left
        other = other.strip(" ,;:-")
        if other and not _names_cells(other):
            return Comparison(field, other, title)
    return None


@functools.lru_cache(maxsize=8192)
def _names_cells(text: str) -> bool:
    # (Item names repeat from record to record: "Cyclophosphamide", "Filgrastim".)
    return therapy.names_therapy(text)


def _fields(study: Study) -> tuple[list[tuple[str, str]], ...]:
    """The study's words in groups, most direct first."""
    items, arms = cell_items(study)
    interventions = [("intervention name", i.name) for i in items]
    interventions += [("intervention other name", n) for i in items for n in i.other_names]
    interventions += [("intervention description", i.description) for i in items]
    interventions += [("arm group label", a.label) for a in arms]
    interventions += [("arm group description", a.description) for a in arms]
    titles = [("brief title", study.brief_title), ("official title", study.official_title),
              ("acronym", study.acronym)]
    rest = [("keyword", k) for k in study.keywords] + [("brief summary", study.summary),
                                                       ("description", study.description)]
    rest += [("primary outcome", o) for o in study.primary_outcomes]
    return tuple([(f, t) for f, t in group if t] for group in (interventions, titles, rest))


# Drugs given around a transplant: their route is not the cells' ("subcutaneous G-CSF").
_OTHER_DRUG = re.compile(
    r"g-?csf|filgrastim|lenograstim|plerixafor|cyclophosphamide|\br?atg\b|thymoglobulin|rituximab|alemtuzumab"
    r"|natalizumab|ocrelizumab|interferon|glatiramer|steroids?|methylprednisolone|prednisolone|mesna|fludarabine"
    r"|busulfan|melphalan|vaccines?", re.IGNORECASE)  # (a placebo is given as the cells are)
_SENTENCE = re.compile(r"[^.;\n]+")


def _about_other_drug(text: str, match: re.Match[str]) -> bool:
    """Whether a route word belongs to another drug named right next to it."""
    near = text[max(0, match.start() - 40):match.end() + 40]
    return bool(_OTHER_DRUG.search(near))


def _answer(study: Study, patterns: tuple[tuple[str, re.Pattern[str]], ...], order: tuple[str, ...],
            what: str, first_group: bool) -> tuple[tuple[str, ...], tuple[Evidence, ...]]:
    """Values the fields name, with the first phrase for each; with ``first_group`` only
    those of the most direct group of fields that names any. Routes are read sentence by
    sentence, and a route next to another drug's name is that drug's."""
    found: dict[str, Evidence] = {}
    for group in _fields(study):
        for field, text in group:
            for value, pattern in patterns:
                for sentence in _SENTENCE.findall(text) if what == "route" else (text,):
                    match = pattern.search(sentence)
                    if match and value not in found and not (what == "route" and _about_other_drug(sentence, match)):
                        found[value] = Evidence(what, field, match.group(0).strip())
        if found and first_group:
            break
    values = tuple(v for v in order if v in found)
    return values, tuple(found[v] for v in values)


def subtype(study: Study, labels: tuple[str, ...]) -> Subtype:
    """The kind of each labelled therapy the record names (tissues only for MSC)."""
    if not labels:
        return Subtype((), (), (), ())
    donors, donor_evidence = _answer(study, _DONOR_PATTERNS, tuple(DONOR_WORDS), "donor", True)
    if not donors:
        gvhd = next((m for m in map(_GVHD.search, study.primary_outcomes) if m), None)
        if gvhd:
            donors, donor_evidence = (ALLOGENEIC,), (Evidence("donor", "primary outcome", gvhd.group(0)),)
    tissues, tissue_evidence = (_answer(study, _TISSUE_PATTERNS, TISSUES, "tissue", True)
                                if MSC in labels else ((), ()))
    # A study may give cells by two routes, named in different places.
    routes, route_evidence = _answer(study, _ROUTE_PATTERNS, ROUTES, "route", False)
    regimens, regimen_evidence = _regimens(study) if HSCT in labels else ((), ())
    return Subtype(donors, tissues, routes, donor_evidence + tissue_evidence + route_evidence + regimen_evidence,
                   regimens)


def _regimens(study: Study) -> tuple[tuple[str, ...], tuple[Evidence, ...]]:
    """The conditioning regimens any intervention, arm, title or summary names (the regimen is
    often an item of its own beside the graft: BEAM, then the cells)."""
    fields = [("intervention", _item_text(i)) for i in study.interventions]
    fields += [("arm group", f"{a.label} {a.description}") for a in study.design.arms]
    fields += [("brief title", study.brief_title), ("official title", study.official_title),
               ("brief summary", study.summary), ("description", study.description)]
    found = {}
    for value, pattern in _REGIMEN_PATTERNS:
        hit = next(((field, m) for field, text in fields if (m := pattern.search(text))), None)
        if hit:
            found[value] = Evidence("regimen", hit[0], hit[1].group(0))
    return tuple(found), tuple(found.values())
