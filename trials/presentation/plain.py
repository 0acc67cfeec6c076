"""Plain words for patients: what a status or phase means, how old the data is,
and Markdown escaping for registry text.

What each therapy is and what is known of its risks lives, with sources, in
``therapy_facts.json`` (read by ``trials.facts``). The words here describe, they
never advise: every card sends the reader to the registry record and to their
neurologist.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import UTC, datetime

from .. import catalog
from ..analysis.therapy import OTHER, UNCLEAR
from ..config import ALL_REGISTRIES
from ..ids import name_of
from ..registries.base import ImportResult, reasons_text
from ..store.sqlite import StoreInfo

DISCLAIMER = (
    "This is information from public registries, not medical advice. Being listed on a trial "
    f"registry ({catalog.names(joined='or')}) does not mean a study is safe, effective or "
    "approved. Discuss any trial with your neurologist before you contact a study team."
)

# The line every visitor sees above the results; DISCLAIMER is in "About the data".
SHORT_DISCLAIMER = ("Information from public registries, not medical advice: discuss any trial "
                    "with your neurologist.")

STATUS_MEANING = {
    "RECRUITING": "The record says the study is looking for participants.",
    "AVAILABLE": "The treatment can be requested outside a trial (expanded access).",
    "NOT_YET_RECRUITING": "The record says the study has not started taking participants yet.",
    "ENROLLING_BY_INVITATION": "The record says only people invited by the study team can join.",
    "ACTIVE_NOT_RECRUITING": "The record says the study is running but takes no new participants.",
    "TEMPORARILY_NOT_AVAILABLE": "Expanded access is paused for now.",
    "NO_LONGER_AVAILABLE": "Expanded access has ended.",
    "APPROVED_FOR_MARKETING": "The treatment has been approved and is sold outside trials.",
    "WITHHELD": "The registry withholds this study's status.",
    "COMPLETED": "The study has finished. Results may be in the registry or in journals.",
    "SUSPENDED": "The study is paused; it may start again.",
    "TERMINATED": "The study stopped before it was finished.",
    "WITHDRAWN": "The study stopped before anyone took part.",
    "UNKNOWN": (
        "The sponsor has not confirmed the status for over two years, so nobody can say "
        "from the registry whether it still runs."
    ),
}

PHASE_MEANING = {
    "EARLY_PHASE1": "Early phase 1: a first, very small test in people.",
    "PHASE1": "Phase 1: tests safety and dose in a small group of people.",
    "PHASE2": "Phase 2: looks at whether it works, and at side effects, in a larger group.",
    "PHASE3": "Phase 3: compares it with standard treatment in many people.",
    "PHASE4": "Phase 4: follows a treatment that is already approved.",
    "NA": "No phase: phases apply to drug trials; this study is of another kind.",
}

STUDY_TYPE_WORDS = {
    "INTERVENTIONAL": "Interventional (participants are assigned what the study does to them; see its interventions)",
    "OBSERVATIONAL": "Observational study (follows people; gives no treatment)",
    "EXPANDED_ACCESS": "Expanded access (treatment outside a trial)",
}

# The first thing a patient reads about a study: does it give the treatment at all?
ROLE_SENTENCE = {
    "gives therapy": "Participants in this study receive {therapy}.",
    "follows treated people": (
        "This study follows people who have or had {therapy} in their care; it does not give the treatment."
    ),
    "lab only": (
        "This is a laboratory study: participants give samples such as blood or skin, and "
        "no treatment is given to them."
    ),
}
ROLE_WORDS = {
    "gives therapy": "Gives the therapy",
    "follows treated people": "Follows people already treated",
    "lab only": "Laboratory study only",
}


# Therapy types as a sentence names them, where the label itself would not read.
THERAPY_NOUNS = {UNCLEAR: "stem cells of a kind the record does not name", OTHER: "stem cells of another kind"}


def therapy_words(labels: tuple[str, ...] | list[str]) -> str:
    """"HSCT and MSC" in words a patient reads ("a stem-cell therapy" for none)."""
    return " and ".join(THERAPY_NOUNS.get(label, label) for label in labels) or "a stem-cell therapy"


def role_sentence(role: str, labels: tuple[str, ...] | list[str]) -> str:
    return ROLE_SENTENCE[role].format(therapy=therapy_words(labels)) if role in ROLE_SENTENCE else ""


def phase_words(phases: tuple[str, ...] | list[str]) -> str:
    names = [p.replace("EARLY_PHASE1", "Early phase 1").replace("PHASE", "Phase ")
             for p in phases if p != "NA"]
    if not names:
        return "No phase" if phases else "Not stated"
    return " / ".join(names)


_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()<>#+\-.!|~:$=^&])")
# Streamlit's Markdown turns http://..., www.... and e-mail addresses in plain text into
# live links (GFM autolink literals), escaped or not, and :name: into emoji or icons. An
# invisible WORD JOINER after a ":" followed by a letter or "/", after an "@" inside a word
# and between "www" and "." stops both;
# the text reads the same, and times such as "09:00" are left alone.
_JOINER = "\u2060"
_LINKIFIABLE = re.compile(r"(?<=:)(?=[/A-Za-z_])|(?<=\w@)(?=\w)|(?<=www)(?=\\?\.)", re.IGNORECASE)


def md_escape(text: str, *, in_link: bool = False) -> str:
    """Registry text made inert for Streamlit Markdown.

    Escapes every Markdown and Streamlit-directive character (``:red[...]``,
    ``$math$``), drops control characters, stops URLs and e-mail addresses from
    becoming links, and keeps line breaks as hard breaks. The text of a link the product builds
    (``in_link``) needs no joiners: nothing is linkified inside a link.
    """
    text = terminal_safe(text)  # control characters are no more use on a page than in a terminal
    lines = (_MD_SPECIAL.sub(r"\\\1", line) for line in text.splitlines())
    if not in_link:
        lines = (_LINKIFIABLE.sub(_JOINER, line) for line in lines)
    return "  \n".join(lines)


# How much registry text the page shows at once. A title longer than this, or a field
# of several pages, is no longer reading matter; the rest sits behind "show full text"
# (the store keeps no field over records.MAX_FIELD_CHARS, so even that is bounded).
TITLE_LIMIT = 300
FIELD_LIMIT = 3000


def clip(text: str, limit: int) -> str:
    """The text, cut to ``limit`` characters with an ellipsis when longer: at a space when
    one is near the end, so no word is cut in half."""
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    space = cut.rfind(" ")
    return (cut[:space] if space > limit * 0.7 else cut).rstrip(" ,;:") + "…"


# ANSI escape sequences (CSI such as colours and cursor moves, OSC such as window titles
# and hyperlinks, and the two-character ones), removed whole so no "[31m" is left over.
_ANSI = re.compile(r"\x1b(?:\[[0-?]*[ -/]*[@-~]|\][^\x07\x1b]*(?:\x07|\x1b\\)?|[@-Z\\-_])")
# C0 controls but the line break, DEL, C1 controls, and the bidirectional overrides and
# isolates that can make a terminal show text in another order than it is.
_CONTROL = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f\u061c\u202a-\u202e\u2066-\u2069]")


def terminal_safe(text: str) -> str:
    """Registry text fit for a terminal: no escape sequences, no control characters
    (a tab becomes a space, so tables stay aligned), line breaks kept."""
    return _CONTROL.sub("", _ANSI.sub("", text).replace("\t", " "))


def _parse_utc(text: str | None) -> datetime | None:
    if not text:
        return None
    try:
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def count(number: int, singular: str, plural: str) -> str:
    """'1 study', '3 studies'."""
    return f"{number} {singular if number == 1 else plural}"


def age_words(moment: datetime, now: datetime) -> str:
    """How old something is in plain words: '45 days', '14 months', '4 years'."""
    days = max(0, (now - moment).days)
    if days < 60:
        return count(days, "day", "days")
    if days < 730:
        return count(days // 30, "month", "months")
    return count(days // 365, "year", "years")


STALE_DAYS = 30  # older data gets a warning: statuses and contacts change within weeks


def stale_warning(data_timestamp: str | None, now: datetime | None = None, whose: str = "This data") -> str | None:
    """A warning when the registry data is more than STALE_DAYS old, with its age in words;
    ``whose`` names the data when other registries' data beside it may be current."""
    now = now or datetime.now(UTC)
    as_of = _parse_utc(data_timestamp)
    if as_of is None or (now - as_of).days <= STALE_DAYS:
        return None
    # Short: on a phone this line stands above the results.
    return f"{whose} is {age_words(as_of, now)} old: check each study's registry record for changes."


def ago(moment: datetime, now: datetime) -> str:
    seconds = max(0, int((now - moment).total_seconds()))
    for unit, size in (("day", 86400), ("hour", 3600), ("minute", 60)):
        if seconds >= size:
            count = seconds // size
            return f"{count} {unit}{'s' if count != 1 else ''} ago"
    return "just now"


def data_age(data_timestamp: str | None, fetched_at: str | None, now: datetime | None = None) -> str:
    """'ClinicalTrials.gov data as of 2025-09-25 09:00 UTC, fetched 2 hours ago'."""
    now = now or datetime.now(UTC)
    as_of = _parse_utc(data_timestamp)
    fetched = _parse_utc(fetched_at)
    if as_of is None:
        return "No data yet."
    text = f"ClinicalTrials.gov data as of {as_of:%Y-%m-%d %H:%M} UTC"
    if fetched is not None:
        text += f", fetched {ago(fetched, now)}"
    return text + "."


_REGISTRY_ORDER = {code: i for i, code in enumerate(ALL_REGISTRIES)}


def store_age(info: StoreInfo, now: datetime | None = None) -> str:
    """The data-age line for what the store holds, each registry with its own date."""
    now = now or datetime.now(UTC)
    # Registries asked at about the same time share their words (one refresh asks them all).
    checked: dict[str, list[str]] = {}
    for dates in sorted(info.others, key=lambda d: _REGISTRY_ORDER.get(d.registry, len(_REGISTRY_ORDER))):
        when = _parse_utc(dates.checked_at or dates.fetched_at)
        if when:
            checked.setdefault(ago(when, now), []).append(name_of(dates.registry))
    others = [f"{' and '.join(names)} data checked {words}" for words, names in checked.items()]
    if not others:
        return _ctgov_age(info, now)
    if info.data_timestamp is None and info.imported is None:
        return "; ".join(others) + "."
    return f"{_ctgov_age(info, now)[:-1]}; {'; '.join(others)}."


def _ctgov_age(info: StoreInfo, now: datetime) -> str:
    """ClinicalTrials.gov's part of the line. Studies whose record came from an imported file
    are named with their own date: the API's date is not theirs."""
    imported = info.imported
    if imported is None:
        return data_age(info.data_timestamp, info.fetched_at, now)
    oldest, newest = imported.oldest[:10], imported.newest[:10]
    dated = oldest if oldest == newest else f"{oldest} to {newest}"
    if info.data_timestamp is None:
        when = _parse_utc(imported.imported_at)
        return (f"Data from an imported file dated {dated}"
                + (f", imported {ago(when, now)}" if when else "")
                + "; not yet checked against its registry.")
    text = data_age(info.data_timestamp, info.fetched_at, now)
    if not imported.stem_cell:
        return text
    noun = "study" if imported.stem_cell == 1 else "studies"
    return f"{text[:-1]}; {imported.stem_cell} {noun} from an imported file dated {dated}."


def bundled_age(data_timestamp: str | None, now: datetime | None = None) -> str:
    """'Bundled snapshot, data as of 2025-09-25, 14 months old: ...' for the shipped data."""
    now = now or datetime.now(UTC)
    as_of = _parse_utc(data_timestamp)
    if as_of is None:
        return "No data yet."
    months = (now.year - as_of.year) * 12 + now.month - as_of.month - (now.day < as_of.day)
    old = ("less than a month old" if months < 1
           else f"{months} month{'s' if months != 1 else ''} old")
    # Why it is shown (the registry unreachable, or its first answer still on the way) is the
    # notice's to say, once.
    return (f"Bundled snapshot, data as of {as_of:%Y-%m-%d}, {old}: the copy that came with this "
            "finder, as no data is stored here yet. Studies may have changed since.")


def for_visitors(text: str, folders: Iterable[str]) -> str:
    """A message as a page visitor sees it: the server's ``folders`` (the cache, the temporary
    folder), and any path inside them, and a network error's technical cause left out. The
    command line, run by the operator, and the server's log keep them."""
    for folder in sorted({f.rstrip("/") for f in folders if f and f.strip("/")}, key=len, reverse=True):
        text = re.sub(re.escape(folder) + r"(?:/[^\s]*)?", "(a folder on the server)", text)
    # "(last: [Errno -2] Name or service not known)": the network's own words, for the operator.
    return _LAST_CAUSE.sub("", text)


_LAST_CAUSE = re.compile(r" \(last: [^()]*(?:\([^()]*\)[^()]*)*\)")


def import_summary(result: ImportResult) -> str:
    """What an import did, in one paragraph: what was stored, kept, repeated and refused."""
    dated = result.oldest if result.oldest == result.newest else f"{result.oldest} to {result.newest}"
    out = [f"Imported {count(result.imported, 'study', 'studies')} from {result.file} (data dated {dated})."]
    if result.kept_newer:
        out.append(f"{count(result.kept_newer, 'study was', 'studies were')} kept as stored, because the "
                   "stored record is newer or comes from its registry's API.")
    if result.duplicates:
        out.append(f"{count(result.duplicates, 'record repeated', 'records repeated')} an id earlier in the "
                   "file; the newer record of each was kept.")
    if result.skipped:
        out.append(f"Skipped, as no valid study record: {count(result.skipped, 'record', 'records')} ("
                   + reasons_text(result.skipped, result.reasons) + ").")
    return " ".join(out)
