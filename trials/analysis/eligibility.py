"""Who a study admits, read from its eligibility module and criteria text.

The registry's structured fields give age limits and sex; everything an MS
patient asks next (which MS types, what EDSS, how long ill, which treatments
must have failed) is only in the free criteria text. This module reads that
text with rules written for how registries phrase criteria, not for single
records, and keeps the sentence behind every item so a reader can check it.

Conventions:
- Criteria text is split into inclusion and exclusion parts at headings
  ("Inclusion Criteria:", "Key exclusion criteria", "Study Exclusion
  Criteria." ...). Text before any heading counts as inclusion.
- A limit in the exclusion part is turned round: "Age > 65" excluded means a
  maximum age of 65, "EDSS greater than 6.5" excluded means a maximum of 6.5.
- EDSS moves in steps of 0.5 (1.0 after 0), so a strict limit becomes the
  next step inside it ("EDSS < 6.5" means at most 6.0). Ages are in years.
- An EDSS number that is a change ("an increase of 1 EDSS point"), a condition
  ("if baseline EDSS <= 5.0") or an example is not a range.
- MS types: RRMS, SPMS, PPMS, CIS and RMS (relapsing forms). Progressive-
  relapsing MS (PRMS) counts as PPMS, as in the 2013 Lublin revision. A type
  named only in the exclusion part restricts too: "primary or secondary
  progressive MS" excluded leaves RRMS. No restriction is an empty tuple.
"""

from __future__ import annotations

import csv
import io
import math
import re
from collections.abc import Iterable
from dataclasses import dataclass, replace
from functools import lru_cache
from importlib import resources

from ..model import Eligibility, Study

INCLUSION = "inclusion"
EXCLUSION = "exclusion"
STRUCTURED = "registry fields"

MAIN_TYPES = frozenset({"RRMS", "SPMS", "PPMS"})
TYPE_WORDS = {
    "RRMS": "relapsing-remitting MS",
    "SPMS": "secondary progressive MS",
    "PPMS": "primary progressive MS",
    "CIS": "clinically isolated syndrome",
    "RMS": "relapsing forms of MS",
}
MAX_CRITERIA = 40_000  # registry text is untrusted: bound the work per study


@dataclass(frozen=True)
class Limit:
    """A range with its source: ``low``/``high`` None when open on that side."""

    low: float | None
    high: float | None
    low_inclusive: bool = True
    high_inclusive: bool = True
    source: str = ""
    part: str = ""

    @property
    def is_two_sided(self) -> bool:
        return self.low is not None and self.high is not None


@dataclass(frozen=True)
class Item:
    """One thing the criteria ask for, in plain words, with the sentence it came from."""

    kind: str  # age, sex, ms_type, edss, duration, activity, no_recent_relapse, failed_treatment, note
    text: str
    source: str  # the sentence (or " | "-joined alternatives) it was read from
    part: str
    among: str = ""  # the line offering it as one of several ways in


@dataclass(frozen=True)
class Criteria:
    study_id: str
    has_text: bool
    sex: str  # the registry's ALL, FEMALE, MALE; "" when not stated
    age_structured: Limit | None
    age_text: Limit | None  # all age limits in the text, combined
    ms_types: tuple[str, ...]  # admitted, alphabetical; () = not restricted
    ms_types_excluded: tuple[str, ...]
    edss: Limit | None
    edss_unclear: bool  # the text's EDSS limits contradict each other
    mentions_ms: bool  # the criteria text speaks of MS (or CIS) at all
    items: tuple[Item, ...]
    edss_unread: tuple[str, ...] = ()  # sentences naming an EDSS requirement without a readable value
    edss_subgroup: tuple[str, ...] = ()  # sentences with an EDSS limit for some participants only

    @property
    def min_age(self) -> float | None:
        limit = self.age_structured or self.age_text
        return limit.low if limit else None

    @property
    def max_age(self) -> float | None:
        limit = self.age_structured or self.age_text
        return limit.high if limit else None

    @property
    def notes(self) -> tuple[str, ...]:
        return tuple(i.text for i in self.items if i.kind == "note")


# -- text clean-up and splitting --------------------------------------------------

_MD_ESCAPE = re.compile(r"\\([^\w\s])")
_REPLACE = (
    ("≧", "≥"), ("≦", "≤"), ("⩾", "≥"), ("⩽", "≤"), ("\u00a0", " "), ("–", "-"), ("—", "-"),
    (">/=", "≥"), ("</=", "≤"), (">=", "≥"), ("=>", "≥"), ("<=", "≤"), ("=<", "≤"), ("_", " "),
)
_DECIMAL = re.compile(r"(?<=\d)[·,](?=\d(?!\d))")  # "2·0", "3,0" -> "2.0", "3.0"; not "1,000"


def normalise(text: str) -> str:
    """Markdown escapes undone, comparison signs and decimal marks made uniform."""
    text = _MD_ESCAPE.sub(r"\1", text[:MAX_CRITERIA])
    for old, new in _REPLACE:
        text = text.replace(old, new)
    return _DECIMAL.sub(".", text)


_QUALIFIER = (r"(?:key|main|major|principal|general|other|additional|study|patients?'?|clinic|participants?'?"
              r"|further|specific)")
_HEADING = re.compile(
    rf"^[\W\d]*(?:[IVX]+(?:\.\d+)*\.?\s+)?(?:{_QUALIFIER}\s+){{0,2}}(inclusion|exclusion)\s+criteria\b"
    r"(?:[^:.\n]{0,70}:|\s*[:.])?\s*",
    re.I,
)
_BULLET = re.compile(r"^\s*(?:(?:[-*•·]|\(?\s*(?:\d{1,2}|[a-hj-z]|[ivx]{1,4})\s?[.)])\s*)+")
_SENTENCE_END = re.compile(r"(?<=[.;!?])(?<!e\.g\.)(?<!i\.e\.)(?<!\bvs\.)(?<!\bDr\.)\s+(?=[A-Z(\d•])")


@dataclass(frozen=True)
class Sentence:
    text: str
    part: str  # INCLUSION or EXCLUSION
    first: bool  # first sentence of its line (a list item's main statement)
    parent: str = ""  # the list item this sentence's line is a sub-item of ("a. RRMS with: i. ...")
    among: str = ""  # the line that lists it as one of several ways in ("one or more of the following:")


# A list item's marker: "1.", "a.", "i.", "(ii)", "( ii )", "b ." or a bullet sign.
_MARKER = re.compile(r"^\s*(?:[-*•·]\s*)*\(?\s*(\d{1,2}|[ivx]{1,4}|[a-z])\s?[.)]\s|^\s*([-*•·])\s*")
_FIRST_TOKENS = frozenset({"1", "a", "i", "-"})  # what a list starts with
# A line that opens a list of alternatives: each of its sub-items admits on its own.
_ANY_OF = re.compile(r"\b(?:(?:one|1) or more|any(?: one)?|at least (?:one|1)|one|either)(?: of)? the following\b"
                     r"|\b(?:(?:one|1) or more|any|at least (?:one|1)|either)(?: of (?:these|them))?\s*:+\s*$", re.I)
# Roman items written on one line ("...: i. first ii. second", "( ii ) ... ( iii ) ..."): cut into lines.
_ROMAN = r"\(?\s*(?:i|ii|iii|iv|v|vi|vii|viii)\s*[.)]\s"
_INLINE_START = re.compile(r"^\s*" + _ROMAN + r"|:\s+\(?\s*i\s*[.)]\s")
_INLINE_ITEMS = re.compile(r"(?<=:)\s+(?=\(?\s*i\s*[.)]\s)|(?<!\()\s+(?=\(?\s*(?:ii|iii|iv|v|vi|vii|viii)\s*[.)]\s)")


def _marker(line: str) -> tuple[str, str]:
    """(kind, token) of a line's list marker: kind "1" (digits), "a" (a letter), "i" (roman) or
    "-" (a bullet sign); ("", "") for an unmarked line."""
    found = _MARKER.match(line)
    if not found:
        return "", ""
    token = found.group(1) or "-"
    kind = "1" if token.isdigit() else "i" if re.fullmatch(r"[ivx]+", token) else "a" if token != "-" else "-"
    return kind, token


def _lines(criteria: str) -> list[tuple[str, bool]]:
    """(line, after a blank line), with one-line roman lists cut into items."""
    out: list[tuple[str, bool]] = []
    blank = False
    for raw in normalise(criteria).splitlines():
        if not raw.strip():
            blank = True
            continue
        parts = _INLINE_ITEMS.split(raw) if _INLINE_START.search(raw) else [raw]
        out += [(part, blank and n == 0) for n, part in enumerate(parts)]
        blank = False
    return out


def _opens_list(line: str) -> bool:
    return line.endswith(":") or bool(_ANY_OF.search(line))


def sentences(criteria: str) -> list[Sentence]:
    """The criteria as sentences, each marked inclusion or exclusion, with the list item it is
    a sub-item of and, when that list offers alternatives, the line that offers them.

    List depth is read from the markers: a line whose marker kind (1., a., i., -) is not yet
    open is a sub-item; one whose kind is open closes the items below it. Registries drop
    markers ("Course outbreaks ...:" for "a. Course outbreaks"): a later item ("b.", "ii.")
    whose kind is not open is then a sibling of the nearest unmarked line, unless that line
    has just opened a list. Unmarked lines right under a line that opens a list (a colon, "one
    or more of the following") are its items until a blank line follows them."""
    part = INCLUSION
    out: list[Sentence] = []
    frames: list[list] = []  # [marker kind ("" unmarked), line, sub-items so far], outermost first
    for raw, after_blank in _lines(criteria):
        line = raw.strip()
        heading = _HEADING.match(line)
        if heading:
            part = INCLUSION if heading.group(1).lower() == "inclusion" else EXCLUSION
            line = line[heading.end():]
            frames = []
        kind, token = _marker(line)
        line = _BULLET.sub("", line).strip()
        if not line:
            continue
        if kind:
            kinds = [f[0] for f in frames]
            if kind in kinds:
                del frames[kinds.index(kind):]
            elif token not in _FIRST_TOKENS:
                unmarked = [n for n, f in enumerate(frames) if not f[0]]
                if unmarked and not (unmarked[-1] == len(frames) - 1 and frames[-1][2] == 0):
                    del frames[unmarked[-1]:]
        elif not (frames and _opens_list(frames[-1][1]) and not (after_blank and frames[-1][2])):
            frames = []
        if frames:
            frames[-1][2] += 1
        parent = frames[-1][1] if frames else ""
        among = next((f[1] for f in reversed(frames) if _ANY_OF.search(f[1])), "")
        for n, sentence in enumerate(s.strip() for s in _SENTENCE_END.split(line)):
            if sentence:
                out.append(Sentence(sentence, part, n == 0, parent, among))
        if kind or not parent or _opens_list(line):
            frames.append([kind, line, 0])
    return out


# -- numbers, comparisons and ranges ------------------------------------------------

_NUM = r"\d{1,3}(?:\.\d+)?"
_GE = (r"≥|greater than or equal to|more than or equal to|equal to or (?:greater|more|higher|older) than|"
       r"more or egal(?: to)?|superior or egal to|of at least|at least|no less than|not less than|"
       r"minimum(?: of)?|from")
_LE = (r"≤|less than or equal to|equal to or (?:less|lower|younger) than|inferior or egal(?: to)?|"
       r"at most|up to|no more than|not more than|not greater than|not exceeding|maximum(?: of)?")
_GT = r">|more than|greater than|higher than|older than|above|over|superior to"
_LT = r"<|less than|lower than|younger than|below|under|inferior to"
_CMP = rf"(?:{_GE}|{_LE}|{_GT}|{_LT})"
_OPS = ((re.compile(rf"^(?:{_GE})$", re.I), "≥"), (re.compile(rf"^(?:{_LE})$", re.I), "≤"),
        (re.compile(rf"^(?:{_GT})$", re.I), ">"), (re.compile(rf"^(?:{_LT})$", re.I), "<"))
_AGE_UNIT = r"(?:years?|yrs?\.?|months?|weeks?)(?:[- ]old)?"
_JOIN = r"(?:-|to|and|&|through|until)"

_BOUNDS = re.compile(
    # "3.0 - 6.5", "between 3.5 & 6", "≥18 to ≤55", "> 18 years and < 70", "4 to <8"
    rf"(?:between\s+)?(?:(?P<c1>{_CMP})\s*)?(?P<a>{_NUM})\s*(?:{_AGE_UNIT}\s*|points?\s*)?,?\s*"
    rf"(?:{_JOIN})\s*(?:(?P<c2>{_CMP})\s*)?(?P<b>{_NUM})(?![\d.]*\s*%)"
    # "≥ 18", "greater than or equal to 3.0"
    rf"|(?P<c>{_CMP})\s*(?P<n>{_NUM})"
    # "18+", "18 years or older", "3.0 or greater"
    rf"|(?P<m>{_NUM})\s*(?:{_AGE_UNIT}\s*)?(?:of age\s*)?"
    r"(?P<t>\+|(?:or|and) (?:older|more|greater|higher|above|over)\b|(?:or|and) (?:younger|less|lower|below|under)\b)",
    re.I,
)


def _op(words: str | None, default: str) -> str:
    if not words:
        return default
    for pattern, op in _OPS:
        if pattern.match(" ".join(words.split())):
            return op
    return default


def _bounds(match: re.Match) -> list[tuple[str, float]]:
    """(op, value) pairs of one _BOUNDS match; ops are ≥ ≤ > <."""
    if match.group("a"):
        return [(_op(match.group("c1"), "≥"), float(match.group("a"))),
                (_op(match.group("c2"), "≤"), float(match.group("b")))]
    if match.group("n"):
        return [(_op(match.group("c"), "≥"), float(match.group("n")))]
    tail = match.group("t").lower()
    up = tail == "+" or any(w in tail for w in ("older", "more", "greater", "higher", "above", "over"))
    return [("≥" if up else "≤", float(match.group("m")))]


def _limit(bounds: Iterable[tuple[str, float]], part: str, source: str) -> Limit | None:
    """A Limit from (op, value) pairs; pairs from the exclusion part are turned round."""
    low = high = None
    low_inc = high_inc = True
    bounds = list(bounds)
    if part == EXCLUSION:
        if len(bounds) != 1:
            return None  # "excluded if between A and B" is not a limit on one side
        op, value = bounds[0]
        bounds = [({"<": "≥", "≤": ">", ">": "≤", "≥": "<"}[op], value)]
    for op, value in bounds:
        if op in "≥>":
            low, low_inc = value, op == "≥"
        else:
            high, high_inc = value, op == "≤"
    if low is not None and high is not None and low > high:
        return None
    return Limit(low, high, low_inc, high_inc, source, part)


def combine(limits: list[Limit]) -> tuple[Limit | None, bool]:
    """All limits of one kind as one, and whether they contradict each other.

    Two-sided ranges that differ are alternatives for subgroups ("4 to <8
    (phase 1) or 4 to <13 (phase 2)"), so the widest is kept; one-sided limits
    ("Age < 18" excluded) apply to everyone and narrow it.
    """
    if not limits:
        return None, False
    ranges = [x for x in limits if x.is_two_sided]
    low = high = None
    low_inc = high_inc = True
    if ranges:
        lowest = min(ranges, key=lambda x: (x.low, not x.low_inclusive))
        highest = max(ranges, key=lambda x: (x.high, x.high_inclusive))
        low, low_inc, high, high_inc = lowest.low, lowest.low_inclusive, highest.high, highest.high_inclusive
    for x in limits:
        if x.is_two_sided:
            continue
        if x.low is not None and (low is None or (x.low, not x.low_inclusive) > (low, not low_inc)):
            low, low_inc = x.low, x.low_inclusive
        if x.high is not None and (high is None or (x.high, x.high_inclusive) < (high, high_inc)):
            high, high_inc = x.high, x.high_inclusive
    if low is not None and high is not None and low > high:
        return None, True
    source = " | ".join(dict.fromkeys(x.source for x in limits))
    return Limit(low, high, low_inc, high_inc, source, limits[0].part), False


def _last_words(text: str, n: int) -> str:
    return " ".join(re.split(r"[\s(]+", text.strip().lower())[-n:])


# -- age ------------------------------------------------------------------------------

_AGE_BEFORE = re.compile(
    r"(?<!childbearing )(?<!bearing )(?<!gestational )\bage[ds]?\b(?!\s+(?:of|at)\s+(?:onset|diagnosis|first))"
    r"(?:\s|:|\(|is|are|of|the|patients?|participants?|subjects?|between|must|should|be)*$",
    re.I,
)
_AGE_AFTER = re.compile(rf"^\s*{_AGE_UNIT}\s*(?:old|of age)\b|^\s*(?:years|yrs)\b(?=[^.;]*\bage\b)", re.I)
_AGE_UNIT_AFTER = re.compile(r"^\s*(months?|weeks?)\b", re.I)
_CONDITION = re.compile(r"\b(?:if|when|unless|except)\b", re.I)


def age_limits(sentence: Sentence) -> list[Limit]:
    text = sentence.text
    found = []
    for match in _BOUNDS.finditer(text):
        before = text[max(0, match.start() - 40):match.start()]
        after = text[match.end():match.end() + 30]
        tail = (match.group("t") or "").lower()
        inner_unit = re.search(_AGE_UNIT, match.group(0), re.I)
        is_age = (
            _AGE_BEFORE.search(before)
            or _AGE_AFTER.search(after)
            or ("older" in tail or "younger" in tail)
            or (tail == "+" and re.match(r"^\s*(?:years|yrs)", after, re.I))
            or (inner_unit and re.search(r"(?:old|of age)\b", match.group(0) + after[:12], re.I))
        )
        if not is_age or _CONDITION.search(_last_words(before, 5)):
            continue
        bounds = _bounds(match)
        unit = _AGE_UNIT_AFTER.match(after)
        if unit:  # ages in months or weeks, as years
            per_year = 12 if unit.group(1).lower().startswith("month") else 52
            bounds = [(op, round(v / per_year, 2)) for op, v in bounds]
        if any(not 0 <= v <= 120 for _, v in bounds):
            continue
        limit = _limit(bounds, sentence.part, text)
        if limit:
            found.append(limit)
    return found


_STRUCTURED_AGE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(year|month|week|day)s?\s*$", re.I)
_PER_YEAR = {"year": 1, "month": 12, "week": 52, "day": 365}


def structured_age(text: str) -> float | None:
    """'18 Years' -> 18.0, '6 Months' -> 0.5; None for 'N/A' or anything else."""
    match = _STRUCTURED_AGE.match(text or "")
    if not match:
        return None
    return round(float(match.group(1)) / _PER_YEAR[match.group(2).lower()], 2)


def _completed_years_high(limit: Limit) -> float | None:
    """The upper limit in whole years: '< 13 years' is the registry's 'up to 12 years'."""
    if limit.high is None:
        return None
    if not limit.high_inclusive and limit.high == int(limit.high):
        return limit.high - 1
    return limit.high


# -- EDSS -------------------------------------------------------------------------------

_EDSS = re.compile(
    r"\bED[SD]S\b|expanded\s+(?:kurtzke\s+)?disability\s+status\s+(?:scale|score)|"
    r"kurtzke(?:\s+expanded)?\s+disability|disability\s+status\s+scale",
    re.I,
)
_EDSS_FILLER = re.compile(
    r"^(?:\s|:|,|-(?=\s)|\([^()\d]*\)|\b(?:scores?|scale|of|is|was|between|range|ranging|from|level|value|"
    r"must|should|be|an?|the|at\s+(?:screening|baseline|entry|inclusion|enrol?lment)|inclusive|within|rate|rating"
    r"|grade|needs?\s+to\s+be|has\s+to\s+be|equal\s+to(?=\s*\d))\b)*",
    re.I,
)
_CHANGE = re.compile(
    r"increas|chang|worsen|progress(?!ive)|deteriorat|decreas|improv|reduc|gain|rise|drop|sustain|confirm", re.I
)
_EXAMPLE = re.compile(r"e\.g\.|for example|such as|stratif|subgroup|for instance", re.I)
_GIVES_EXAMPLES = re.compile(r"\be\.g\.|\bfor example\b|\bsuch as\b|\bfor instance\b", re.I)


def in_example(text: str, position: int) -> bool:
    """Whether ``position`` lies in an example a sentence gives ("... for example, patients with
    EDSS above 6.5 or disease longer than 15 years"): the words after "for example", "e.g.",
    "such as" to the end of their parenthesis or sentence. Limits there are examples of who is
    taken, not rules."""
    before = text[:position]
    markers = list(_GIVES_EXAMPLES.finditer(before))
    if not markers:
        return False
    marker = markers[-1]  # the nearest before the position
    between = before[marker.end():]
    opened = before[:marker.start()].count("(") - before[:marker.start()].count(")")
    return ";" not in between and not (opened > 0 and ")" in between)


def _edss_step_inside(value: float, upward: bool) -> float:
    """The next EDSS step inside a strict limit: > 3 means 3.5, < 1.0 means 0."""
    if upward:
        return 1.0 if value < 1.0 else value + 0.5
    return 0.0 if value <= 1.0 else value - 0.5


# A limit that holds for some participants only: "< 6.5 only for patients with cerebellar
# signs", "≤ 5.5 in the progressive cohort", "if relapsing".
_FOR_SOME = (
    r"(?:only\s+(?:for|in|if|when|among)|(?:for|in|among)\s+(?:those|patients|participants|subjects|people"
    r"|individuals|persons|women|men)\s+(?:with|who|having|in|of)|(?:for|in|among)\s+(?:the\s+)?(?:\w+\s+)?"
    r"(?:cohort|group|arm|part|stage)\b|(?:for|in|among)\s+(?:the\s+)?(?:patients\s+with\s+)?"
    r"(?:RR|SP|PP|R|PR)MS\b|(?:for|in|among)\s+(?:the\s+)?(?:patients\s+with\s+)?(?:relapsing|progressive"
    r"|primary|secondary)\b|if\b|when\b|unless\b|except\b|(?:cohort|group|arm|part|stage)\s+[A-Z\d]\b)"
)
_SUBGROUP_AFTER = re.compile(r"^[^.;]{0,80}?\b" + _FOR_SOME, re.I)  # "EDSS < 6.5 only for patients with ..."
_SUBGROUP_BEFORE = re.compile(r"\b" + _FOR_SOME + r"[^.;]{0,80}$", re.I)  # "For patients with ..., EDSS < 6.5"


@dataclass(frozen=True)
class EdssReading:
    """What one sentence says about EDSS: the limits that apply to everyone, and the
    sentence itself when it names EDSS as a requirement that could not be read as one."""

    limits: tuple[Limit, ...]
    unread: str = ""  # a requirement without its value ("EDSS within protocol parameters")
    subgroup: str = ""  # a limit for some participants only


def edss_reading(sentence: Sentence) -> EdssReading:
    text = sentence.text
    found: list[Limit] = []
    unread = subgroup = ""
    for mention in _EDSS.finditer(text):
        before = text[:mention.start()]
        words = _last_words(before, 4)
        if _CONDITION.search(words) or "baseline" in words or _CHANGE.search(_last_words(before, 3)):
            continue
        if _EXAMPLE.search(_last_words(before, 6)) or in_example(text, mention.start()):
            continue
        rest = text[mention.end():]
        filler = _EDSS_FILLER.match(rest)
        rest = rest[filler.end():] if filler else rest
        match = _BOUNDS.match(rest)
        change = re.match(rf"[^.;]{{0,30}}?(?:{_CHANGE.pattern}|point)", rest, re.I)
        if not match or match.group("t") and match.group("t") in ("+",):
            if not change and not _BOUNDS.search(rest[:40]):
                unread = text  # named as a requirement, no value read
            continue
        if re.match(r"\s*(?:points?|p)\b", rest[match.end():], re.I) and not match.group("a"):
            continue  # "≥1 point": a change
        bounds = _bounds(match)
        if any(not 0 <= v <= 10 for _, v in bounds):
            continue
        after = rest[match.end():]
        aside = re.match(r"\s*\(([^()]*)\)", after)
        if aside and re.search(_FOR_SOME, aside.group(1), re.I):
            # "EDSS 3.0 to 6.5 (up to 7.0 for patients with PPMS)": the limit holds for everyone
            # else; the parenthesis is another group's, told apart as such.
            subgroup, after = text, after[aside.end():]
        elif _SUBGROUP_AFTER.match(after) or _SUBGROUP_BEFORE.search(before):
            subgroup = text  # not a limit on everyone
            continue
        limit = _limit(bounds, sentence.part, text)
        if limit is None:
            continue
        # EDSS is in steps: strict limits become the next step inside.
        low, high = limit.low, limit.high
        if low is not None and not limit.low_inclusive:
            low = _edss_step_inside(low, upward=True)
        if high is not None and not limit.high_inclusive:
            high = _edss_step_inside(high, upward=False)
        found.append(Limit(low, high, True, True, text, sentence.part))
    return EdssReading(tuple(found), "" if found else unread, subgroup)


# -- MS types ---------------------------------------------------------------------------

_MS = r"(?:\s+(?:ms|multiple sclerosis))?"
_TYPE_PATTERNS = (
    (("PPMS", "SPMS"), re.compile(
        r"(?i:\b(?:primary|secondary)\s*(?:,|or|and|/|&)\s*(?:primary|secondary)\s*-?\s*progressive)" + f"(?i:{_MS})")),
    (("PPMS", "SPMS"), re.compile(
        r"(?i:(?<!primary )(?<!secondary )(?<![-\w])progressive\s+(?:forms?\s+of\s+)?(?:ms|multiple sclerosis"
        r"|cohort|group|arm|patients|participants)\b)")),
    (("RRMS",), re.compile(r"\bRRMS(?![a-z])|(?i:relapsing\s*-?\s*remitting" + _MS + ")")),
    (("SPMS",), re.compile(r"\bSPMS(?![a-z])|(?i:secondary\s*-?\s*progressive" + _MS + ")")),
    (("PPMS",), re.compile(r"\bP[PR]MS(?![a-z])|(?i:(?:primary\s*-?\s*progressive|progressive\s*-?\s*relapsing)"
                           + _MS + ")")),
    (("CIS",), re.compile(r"(?i:clinically\s+isolated\s+syndrome)(?:\s*\(CIS\))?|\bCIS\b(?!\s+of)")),
    (("RMS",), re.compile(r"\bRMS\b|(?i:(?<!progressive )(?<!progressive-)(?<!-)\brelapsing\s+(?:forms?\s+of\s+)?"
                          r"(?:ms|multiple sclerosis)\b)")),
)
_PRMS = re.compile(r"progressive\s*-?\s*relapsing|\bPRMS\b", re.I)
_PRIMARY = re.compile(r"primary\s*-?\s*progressive|\bPPMS\b", re.I)
_GENERIC_MS = re.compile(r"(?i:\bmultiple sclerosis\b)|\bMS\b")
_NEGATED = re.compile(r"\b(?:not|without|with out|unless|except|no)\b", re.I)
_NOT_ELIGIBLE = re.compile(r"not eligible|excluded|exclude", re.I)


def types_named(text: str) -> set[str]:
    """MS types a sentence names; CIS together with plain 'MS' means any MS or CIS."""
    if re.search(r"carcinoma in situ", text, re.I):
        text = re.sub(r"\(?\bCIS\b\)?", "", text)
    named: set[str] = set()
    rest = text
    for codes, pattern in _TYPE_PATTERNS:
        if pattern.search(rest):
            named.update(codes)
            rest = pattern.sub(" ", rest)
    if "CIS" in named and _GENERIC_MS.search(rest):
        named |= MAIN_TYPES
    return named


def ms_types(parsed: list[Sentence]) -> tuple[tuple[str, ...], tuple[str, ...], list[Item]]:
    """(admitted, excluded, items) from the criteria sentences."""
    admitted: set[str] = set()
    excluded: set[str] = set()
    items = []
    for s in parsed:
        named = types_named(s.text)
        if not named:
            continue
        if s.part == EXCLUSION or _NOT_ELIGIBLE.search(s.text):
            # Only a list item's main statement, and not "SPMS without relapses" (a subgroup).
            if not s.first or _NEGATED.search(s.text):
                continue
            excluded |= named
            items.append(Item("ms_type", "Not for: " + ", ".join(TYPE_WORDS[t] for t in sorted(named)),
                              s.text, EXCLUSION))
        else:
            admitted |= named
            words = [TYPE_WORDS[t] for t in sorted(named)]
            if "PPMS" in named and _PRMS.search(s.text) and not _PRIMARY.search(s.text):
                # "progressive-relapsing course": not primary progressive MS without relapses
                words[sorted(named).index("PPMS")] = "progressive-relapsing MS (primary progressive MS with relapses)"
            items.append(Item("ms_type", "For: " + ", ".join(words), s.text, s.part))
    if "RMS" in excluded:
        excluded.add("RRMS")
    if admitted:
        conflict = admitted & excluded
        if conflict:
            items.append(Item("note", "MS type: both admitted and excluded: " + ", ".join(sorted(conflict))
                              + "; the exclusion is probably about a subgroup", "", EXCLUSION))
        excluded -= admitted
    elif excluded:
        admitted = set(MAIN_TYPES - excluded)
    if admitted >= MAIN_TYPES | {"CIS"}:
        admitted = set()  # any MS or CIS: not a restriction
    return tuple(sorted(admitted)), tuple(sorted(excluded)), items


# -- other requirements -------------------------------------------------------------

_DURATION = re.compile(
    r"(?:disease|illness|\bms)\s+duration|duration\s+of\s+(?:the\s+)?(?:disease|illness|ms\b|multiple sclerosis)|"
    r"(?:diagnos\w*|diagnosis)\b[^.;]{0,60}?\b(?:for at least|at least|between|more than|less than|since|for)\b"
    r"[^.;]{0,15}?\d+\s*(?:years?|months?)|(?:years?|months?) since (?:the )?(?:diagnosis|onset|disease)",
    re.I,
)
_RELAPSE = re.compile(r"relapse|outbreak|exacerbation|\b(?:ms|acute|clinical)\s+attack|attack phase", re.I)
_MRI_ACTIVITY = re.compile(r"gadolinium|\bGd\b|\bGEL\b|enhancing lesion|new T2|T2 new|MRI activity|active lesion"
                           r"|worsening MRI|MRI (?:worsening|progression)|new (?:MRI )?lesions", re.I)
_COUNT_OR_TIME = re.compile(r"\d|\bone\b|\btwo\b|at least|or more", re.I)
_NONE = re.compile(r"\b(?:no|not|without|lack of|free of|absence of|after the last|since the last)\b", re.I)
_FAILED = re.compile(
    r"not respond|non-?respon|no response|did not respond|lack of response|inadequate response|poor response|"
    r"fail|resistan|refractory|breakthrough|intoleran|despite|attempted therapy",
    re.I,
)
_TREATMENT = re.compile(
    r"therap|treatment|drug|\bDMT|immunomodulat|immunosuppress|interferon|glatiramer|natalizumab|"
    r"fingolimod|steroid",
    re.I,
)


@lru_cache(maxsize=1)
def _drug_names() -> tuple[tuple[str, re.Pattern[str]], ...]:
    """(generic name, its names as one pattern) from trials/data/ms_drugs.csv: generic and trade
    names, each row with its source (a list of earlier drugs may name Copaxone, not glatiramer)."""
    rows = csv.DictReader(io.StringIO(resources.files("trials").joinpath("data", "ms_drugs.csv").read_text("utf-8")))
    return tuple((row["generic"], re.compile(r"\b(?:" + "|".join(re.escape(n) for n in row["names"].split(";"))
                                             + r")", re.I)) for row in rows)


def drugs_named(text: str) -> list[str]:
    """The MS drugs a text names, by generic or trade name, as generic names in the list's order."""
    return [generic for generic, pattern in _drug_names() if pattern.search(text)]


def _duration_text(sentence: Sentence) -> str:
    found = _DURATION.search(sentence.text)
    text = sentence.text[found.start() if found else 0:]
    # "Disease duration >= 2 and >= 10 years": two lower limits is a typing error, not a rule.
    sides = [op for m in _BOUNDS.finditer(text) for op, _ in _bounds(m)]
    if len(sides) > 1 and len({op.replace("=", "") for op in sides}) == 1:
        return (f'Time since diagnosis or disease onset: the criterion reads "{text.strip()}", two limits of the '
                "same kind (probably a typing error): ask the study team")
    for match in _BOUNDS.finditer(text):
        unit = re.match(r"\s*(years?|months?)\b", text[match.end():], re.I)
        if unit or match.group("a"):
            limit = _limit(_bounds(match), sentence.part, sentence.text)
            if limit:
                words = "months" if unit and unit.group(1).lower().startswith("month") else "years"
                return "Time since diagnosis or disease onset: " + range_words(limit, words)
    return "Limit on how long you have had the disease"


# Other ways into a criterion than the one it names first: "or an EDSS increase", "or
# treatment-naive patients with rapidly evolving severe MS".
_WORSENING = re.compile(r"\bED[SD]S\b[^.;]{0,40}?(?:increas|worsen|progress|chang)|(?:increas|worsen|progress\w*)"
                        r"[^.;]{0,40}?\bED[SD]S\b|disability (?:worsening|progression)|\bprogression\b", re.I)
# "or" joining two ways in, not a count ("2 or more relapses") or a comparison ("or older").
_OR = re.compile(r"\bor\b(?!\s+(?:more|less|greater|fewer|older|younger|higher|lower|above|below|equal|so)\b)", re.I)
# What ends a list of alternatives: "and", a new list item ("ii."), a new clause.
_AND = re.compile(r"\band\b|;|\b(?:i{1,3}|iv|v|vi)\.\s|\b[a-e]\)\s", re.I)


def _alternatives(text: str, these: list[re.Match[str]], those: list[re.Match[str]]) -> bool:
    """Whether an "or" stands between a mention of one kind and one of the other, with no "and"
    or new list item between them: either admits, neither is required on its own."""
    for a in these:
        for b in those:
            first, second = sorted((a, b), key=lambda m: m.start())
            between = text[first.end():second.start()]
            if _OR.search(between) and not _AND.search(between):
                return True
    return False


_OTHER_WAY_IN = re.compile(r"treatment[- ]na[iï]ve|untreated|not (?:been )?(?:previously )?treated|never (?:been )?"
                           r"treated|rapidly evolving|highly active|aggressive|or\s+(?:if|when)\b"
                           r"|do(?:es)? not wish|unwilling|refus|declin", re.I)
_INTOLERANCE = re.compile(r"intoleran|not tolerat|adverse (?:event|effect|reaction)|side[- ]effect|withdr[ae]w", re.I)
# A time window: "in the past 12 months", "during the 60 days prior", "Relapse <= 60 days".
_WINDOW = re.compile(r"(\d+|one|two|three|six|twelve)\s*(days?|weeks?|months?|years?)\b", re.I)


_ANY_ONE = "Any one of the ways the criterion lists ({}); none is required on its own"


def _activity_kinds(text: str) -> list[str]:
    return [words for words, pattern in (("a relapse", _RELAPSE), ("MRI activity", _MRI_ACTIVITY),
                                         ("worsening disability", _WORSENING)) if pattern.search(text)]


def _any_one(text: str) -> str:
    kinds = _activity_kinds(text)
    return _ANY_ONE.format(", ".join(kinds[:-1]) + " or " + kinds[-1] if len(kinds) > 1 else kinds[0])


def _for_group(s: Sentence, admitted: tuple[str, ...]) -> str:
    """"For relapsing-remitting MS: " when the sentence or its list item names MS types that are
    a part of those the study admits (a subgroup's own requirement); "" otherwise."""
    named = types_named(s.text) | types_named(s.parent)
    if not named or not admitted or set(admitted) <= named:
        return ""
    return "For " + " and ".join(TYPE_WORDS[t] for t in sorted(named)) + ": "


def _stable(text: str) -> str:
    """"No relapse in the 60 days before, as the criterion says": what must not have happened,
    and over which window."""
    what = " or ".join(w for w, p in (("No relapse", _RELAPSE), ("new MRI activity", _MRI_ACTIVITY)) if p.search(text))
    what = what if what.startswith("No ") else "No " + what
    window = _WINDOW.search(text)
    return what + (f" in the {window.group(1)} {window.group(2)} before, as the criterion says" if window
                   else " for a time the criterion sets")


def _activity(s: Sentence) -> str | None:
    """The disease-activity requirement of an inclusion sentence, in plain words."""
    text = s.text
    relapse, mri = _RELAPSE.search(text), _MRI_ACTIVITY.search(text)
    if s.part != INCLUSION or not _COUNT_OR_TIME.search(text):
        return None
    if not (relapse or mri):
        # "An increase of >= 1 EDSS point in the last 12 months": worsening, the list's other way in
        # ("Moderate: Increase of >= 1 EDSS point": a term defined, not a requirement.)
        worse = _WORSENING.search(text)
        defined = re.match(r"[\w -]{1,25}:\s", text)
        return ("Worsening disability required, as the criterion says" if worse and not defined
                and not types_named(text) and not in_example(text, worse.start()) else None)
    if text.endswith(":") and _ANY_OF.search(text):
        return None  # "..., confirmed by one or more of the following:": its items say what counts
    first = min(m.start() for m in (relapse, mri) if m)
    # "no evidence of relapse", "a lack of gadolinium-enhancing lesions": stability, not activity;
    # but "without relapses, but with 1 GEL at MRI" asks for activity of another kind
    but = re.search(r"\bbut\b", text[first:])
    after = first + but.end() if but else 0
    stable_then_active = but and (_RELAPSE.search(text, after) or _MRI_ACTIVITY.search(text, after))
    negation = _NONE.search(text[max(0, first - 40):first])
    if negation and not stable_then_active:
        if types_named(text[:max(0, first - 40) + negation.start()]):
            # "Secondary progressive MS without relapse: progression of ... EDSS": a kind of MS, and
            # what it must show instead.
            return ("Worsening disability required (for those without relapses, as the criterion says)"
                    if _WORSENING.search(text) else None)
        return _stable(text)
    if s.among or _alternatives(text, [*_RELAPSE.finditer(text), *_MRI_ACTIVITY.finditer(text)],
                                list(_WORSENING.finditer(text))):
        return _any_one(text)  # one of several ways in: none is required on its own
    kinds = _activity_kinds(text)
    spots = sorted(m.start() for p in (_RELAPSE, _MRI_ACTIVITY, _WORSENING) for m in p.finditer(text))
    between = text[spots[0]:spots[-1]] if spots else ""
    joined = (" or " if _OR.search(between) and not _AND.search(between) else " and ").join(kinds)
    return f"{joined[0].upper()}{joined[1:]} required, as the criterion says"


_WITHOUT = re.compile(r"without\b", re.I)  # "Without on-going relapses, but with ...": the other way in
# A list's line that says all of its items are needed: "both:", "all the following features:".
_ALL_OF = re.compile(r"\b(?:both|all|each|every)\b|\bmust\b|\brequired\b|\bmeets?\b|\bfollowing (?:\w+ )?criteria\b",
                     re.I)


def _siblings(first: Item, s: Sentence, group: str) -> Item:
    """Two activity items of one list: "With a relapse ..." and "Without relapses, but with a
    lesion ..." are two ways in, whatever the list's line says; items of a list that says
    neither "any" nor "all" are a question for the study team."""
    source = first.source + " | " + s.text
    if _WITHOUT.match(s.text):
        return Item("activity", group + _any_one(source), source, s.part, s.parent)
    kinds = _activity_kinds(source)
    named = " or ".join(kinds)
    return Item("activity", group + f'{named[0].upper()}{named[1:]}, as the list under "{s.parent}" gives them: '
                "ask the study team whether one is enough", source, s.part, s.parent)


def other_items(parsed: list[Sentence], admitted: tuple[str, ...] = ()) -> list[Item]:
    """Duration, disease activity and earlier-treatment requirements, each said for the MS types
    it is written for; the alternatives of one list are one item (any of its sentences admits)."""
    items: list[Item] = []
    either: list[str] = []  # sentences read as alternatives: their sub-items are more of them
    under: dict[str, int] = {}  # a list's line -> the activity item its sub-items gave
    for s in parsed:
        if not s.among and s.parent and any(t in s.parent for t in either):
            s = replace(s, among=s.parent)  # "Progression, relapses or worsening MRI, evidenced by:"
        if s.among and types_named(s.text):
            s = replace(s, among="")  # "For PPMS only, >= 1 GEL": a group's own rule, not one more way in
        text = s.text
        group = _for_group(s, admitted)
        if s.among and _FAILED.search(s.among) and not _FAILED.search(text):
            group += "If you join because earlier treatment did not work: "  # the list defines the failure
        duration = _DURATION.search(text)
        if duration and not in_example(text, duration.start()):
            items.append(Item("duration", _duration_text(s), text, s.part))
        activity = _activity(s)
        if activity:
            kind = "no_recent_relapse" if activity.startswith("No ") else "activity"  # (or worsening)
            block = next((n for n in range(len(items) - 1, -1, -1) if items[n].kind == kind == "activity"
                          and s.among and items[n].among and items[n].among in s.among), None)
            # (A list that says all its items are needed keeps each; a line naming an MS type is its own rule.)
            sibling = (under.get(s.parent) if kind == "activity" and s.parent and not s.among and not types_named(text)
                       and (not _ALL_OF.search(s.parent) or _WITHOUT.match(text)) else None)
            if block is not None:
                first = items[block]
                source = first.source + " | " + text
                items[block] = Item(kind, first.text.split("Any one")[0] + _any_one(source), source, s.part,
                                    first.among)
            elif sibling is not None:
                items[sibling] = _siblings(items[sibling], s, group)
            else:
                if kind == "activity" and s.parent:
                    under[s.parent] = len(items)
                own = text if activity.startswith("Any one") else ""
                either += [own] if own else []
                items.append(Item(kind, group + activity, text, s.part, s.among or own))
        elif s.part == EXCLUSION and _RELAPSE.search(text) and not types_named(text) \
                and _COUNT_OR_TIME.search(text) and not _NEGATED.search(text):
            items.append(Item("no_recent_relapse", _stable(text), text, s.part))
        if s.part == INCLUSION and _FAILED.search(text) and _TREATMENT.search(text):
            drugs = drugs_named(text)
            what = f" (named: {', '.join(drugs)})" if drugs else ""
            said = group + "Earlier treatment that did not work"
            said += (", or was not tolerated" if _INTOLERANCE.search(text) else "") + what
            other = _OTHER_WAY_IN.search(text)
            if other:
                words = " ".join(text[other.start():].split()[:8])
                said += f', or another way in that the criterion names ("{words} ..."): check with the study team'
            items.append(Item("failed_treatment", said, text, s.part))
    return items


# -- plain words for a limit --------------------------------------------------------

def _number(value: float) -> str:
    return f"{value:g}"


def range_words(limit: Limit, unit: str = "") -> str:
    """'18 to 65 years', 'at least 3.0', 'under 70 years'."""
    u = f" {unit}" if unit else ""
    low, high = limit.low, limit.high
    if low is not None and high is not None:
        return f"{_number(low)} to {_number(high)}{u}" + ("" if limit.high_inclusive else " (not included)")
    if low is not None:
        return f"{'at least' if limit.low_inclusive else 'over'} {_number(low)}{u}"
    if high is not None:
        return f"{'at most' if limit.high_inclusive else 'under'} {_number(high)}{u}"
    return "no limit"


def edss_words(limit: Limit) -> str:
    """'EDSS 3.0 to 6.5', 'EDSS at least 3.0', 'EDSS at most 6.0'."""
    if limit.low is not None and limit.high is not None:
        return f"EDSS {limit.low:.1f} to {limit.high:.1f}"
    if limit.low is not None:
        return f"EDSS at least {limit.low:.1f}"
    return f"EDSS at most {limit.high:.1f}" if limit.high is not None else "no EDSS limit"


# -- the whole study ---------------------------------------------------------------------

def read_criteria(study: Study) -> Criteria:
    return _read(study.id.value, study.eligibility)


@lru_cache(maxsize=16_384)  # the table and the pre-screen read the same studies; the work is the regexes
def _read(study_id: str, e: Eligibility) -> Criteria:
    parsed = sentences(e.criteria)
    items: list[Item] = []

    low, high = structured_age(e.minimum_age), structured_age(e.maximum_age)
    age_structured = Limit(low, high, source=f"minimumAge: {e.minimum_age or 'none'}; "
                                             f"maximumAge: {e.maximum_age or 'none'}",
                           part=STRUCTURED) if low is not None or high is not None else None
    if age_structured:
        items.append(Item("age", "Age " + range_words(age_structured, "years"), age_structured.source, STRUCTURED))
    text_ages = [lim for s in parsed for lim in age_limits(s)]
    age_text, age_clash = combine(text_ages)
    for lim in text_ages:
        items.append(Item("age", "Age " + range_words(lim, "years"), lim.source, lim.part))
    if age_clash:
        items.append(Item("note", "Age: the criteria text gives age limits that contradict each other",
                          " | ".join(x.source for x in text_ages), ""))
    if age_structured and age_text and _ages_differ(age_structured, age_text):
        items.append(Item(
            "note",
            f"Age: the registry's fields say {range_words(age_structured, 'years')}; the criteria text says "
            f"{range_words(age_text, 'years')}. Both are shown; ask the study team which applies.",
            age_text.source, ""))

    if e.sex:
        words = {"ALL": "All sexes", "FEMALE": "Women only", "MALE": "Men only"}.get(e.sex, e.sex)
        items.append(Item("sex", words, f"sex: {e.sex}", STRUCTURED))

    admitted, excluded, type_items = ms_types(parsed)
    items += type_items

    readings = [edss_reading(s) for s in parsed]
    edss_found = [lim for r in readings for lim in r.limits]
    edss, edss_clash = combine(edss_found)
    edss_unread = tuple(dict.fromkeys(r.unread for r in readings if r.unread))
    edss_subgroup = tuple(dict.fromkeys(r.subgroup for r in readings if r.subgroup))
    for source in edss_unread:
        items.append(Item("note", "EDSS: the criteria name an EDSS requirement without a value that could be "
                                  "read", source, ""))
    for source in edss_subgroup:
        items.append(Item("note", "EDSS: a limit that applies to some participants only", source, ""))
    for lim in edss_found:
        items.append(Item("edss", edss_words(lim), lim.source, lim.part))
    if len({(x.low, x.high) for x in edss_found if x.is_two_sided}) > 1:
        items.append(Item("note", "EDSS: the criteria give different EDSS ranges (probably for different "
                                  "groups); the widest is used", "", ""))
    if edss_clash:
        items.append(Item("note", "EDSS: the criteria's EDSS limits contradict each other", "", ""))

    items += other_items(parsed, admitted)
    return Criteria(
        study_id=study_id,
        has_text=bool(parsed),
        sex=e.sex,
        age_structured=age_structured,
        age_text=age_text,
        ms_types=admitted,
        ms_types_excluded=excluded,
        edss=edss,
        edss_unclear=edss_clash,
        edss_unread=edss_unread,
        edss_subgroup=edss_subgroup,
        mentions_ms=any(_GENERIC_MS.search(s.text) or types_named(s.text) for s in parsed),
        items=tuple(items),
    )


def _ages_differ(structured: Limit, text: Limit) -> bool:
    """Compared in completed years: "< 13" is "12", "17.99" is "17"."""
    if text.low is not None and structured.low is not None and text.low != structured.low:
        return True
    text_high = _completed_years_high(text)
    return (text_high is not None and structured.high is not None
            and math.floor(text_high) != math.floor(structured.high))
