"""What a person asks, as one value: ``Query``.

A query holds the filters, the pre-screen's answers, a place and a distance, since when
changes count, the studies to compare and the study to open. This module is the one place
that knows how each of them is written and named: as command-line options
(``add_options``, ``from_cli``), as the page's link (``from_link``, ``to_link``), as the
page's widgets (``widget_values``, ``from_widgets``), in words (``describe``), and in the
notices about a value that cannot be used (``Unused``). The command line and a link read
every value with the same parsers, so ``--status RECRUITING`` and ``?status=RECRUITING``
mean the same ("Recruiting now").

A link is read forgivingly: a value that cannot be used is named in a notice and left out,
never dropped silently. The command line is strict: such a value is an error. Values that
only the data can check (a country, a study, the studies to compare) are checked by
``Query.checked``, which ``trials.pipeline.search`` calls with the data's vocabulary.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field, fields, replace
from datetime import date
from typing import Any
from urllib.parse import parse_qs, urlsplit

from . import catalog, registries
from .analysis.changes import parse_since
from .analysis.classify import SHORT_NAMES, THERAPY_TYPES
from .analysis.geo import MAX_PLACE, REGIONS
from .analysis.nearby import parse_within
from .analysis.prescreen import Profile, make_profile, parse_age, parse_edss, parse_ms_type, parse_sex
from .analysis.status import (
    ALL_STATUSES,
    PHASES,
    STATUS_GROUPS,
    STUDY_TYPES,
    is_whole_group,
    status_group,
    status_words,
)
from .analysis.subtype import ALLOGENEIC, AUTOLOGOUS, DONOR_WORDS, ROUTE_WORDS, ROUTES
from .config import ALL_REGISTRIES
from .errors import InputError
from .ids import name_of
from .model import common_country
from .presentation import plain

MAX_TEXT = 200  # longer search text is cut: nobody types more, and it bounds the work
MAX_VALUES = 20  # values read per parameter: a link holds a handful, and this bounds the work
MAX_LINK = 8_000  # characters of a link the command line reads (browsers stop near there too)
_SHOWN_CHARS = 60  # how much of a value a notice repeats
MIN_COMPARED, MAX_COMPARED = 2, 4
_YES = {"true", "yes", "on", "1"}
_NO = {"false", "no", "off", "0"}


def clean_text(text: str) -> str:
    """Typed text with control characters dropped, spaces collapsed and length bounded."""
    printable = "".join(ch if ch.isprintable() else " " for ch in text)
    return " ".join(printable.split())[:MAX_TEXT]


def quoted(value: str) -> str:
    """A value someone typed, in quotes and cut short, for a notice."""
    value = clean_text(value)
    return f"“{value[:_SHOWN_CHARS]}{'…' if len(value) > _SHOWN_CHARS else ''}”"


# -- one value at a time ------------------------------------------------------------

def parse_therapy(value: str) -> str:
    """A therapy type by its label ("Other stem cell") or short name ("other", "unclear"), any case."""
    wanted = value.strip().casefold()
    for therapy in THERAPY_TYPES:
        if wanted in (therapy.casefold(), SHORT_NAMES[therapy]):
            return therapy
    raise InputError(f"Unknown therapy type {value!r}. Choose from: {', '.join(SHORT_NAMES.values())}.")


def parse_status(value: str) -> str:
    """A status group ("Recruiting now", any case) or a registry status ("TERMINATED", any
    case, "-" or " " for "_"). A registry status that is a whole group on its own is that
    group: "RECRUITING" is "Recruiting now"."""
    text = value.strip()
    for group in STATUS_GROUPS:
        if text.casefold() == group.casefold():
            return group
    registry_value = text.upper().replace(" ", "_").replace("-", "_")
    if registry_value in ALL_STATUSES:
        return status_group(registry_value) if is_whole_group(registry_value) else registry_value
    groups = ", ".join(f'"{g}"' for g in STATUS_GROUPS)
    raise InputError(f"Unknown status {value!r}. Use one of {', '.join(ALL_STATUSES)}, or {groups}.")


def parse_phase(value: str) -> str:
    text = value.strip().upper().replace(" ", "").replace("_", "")
    aliases = {p.replace("_", ""): p for p in PHASES}
    aliases.update({str(n): f"PHASE{n}" for n in range(1, 5)})
    aliases.update({"EARLY1": "EARLY_PHASE1", "0": "EARLY_PHASE1", "N/A": "NA", "NOPHASE": "NA"})
    if text in aliases:
        return aliases[text]
    raise InputError(f"Unknown phase {value!r}. Use one of {', '.join(PHASES)} (or 1-4).")


def parse_study_type(value: str) -> str:
    text = value.strip().upper().replace(" ", "_").replace("-", "_")
    if text in STUDY_TYPES:
        return text
    raise InputError(f"Unknown study type {value!r}. Use one of {', '.join(STUDY_TYPES)}.")


REGISTRY_NAMES = tuple(name_of(code) for code in ALL_REGISTRIES)


def parse_registry(value: str) -> str:
    """A registry by its name or code ("isrctn", "ClinicalTrials.gov", "ctgov", "CTIS")."""
    text = value.strip().casefold().removeprefix("eu ").replace(" ", "")
    for code in ALL_REGISTRIES:
        name = name_of(code)
        if text in (code, name.casefold().replace(" ", ""), name.casefold().removeprefix("eu ")):
            return name
    raise InputError(f"Unknown registry {value!r}. Use one of {', '.join(REGISTRY_NAMES)}.")


def parse_cells(value: str) -> str:
    text = value.strip().casefold()
    aliases = {AUTOLOGOUS: AUTOLOGOUS, "own": AUTOLOGOUS, "own cells": AUTOLOGOUS,
               ALLOGENEIC: ALLOGENEIC, "donor": ALLOGENEIC, "donor cells": ALLOGENEIC}
    if text in aliases:
        return aliases[text]
    raise InputError(f"Unknown origin of cells {value!r}. Use autologous (own cells) or allogeneic (donor).")


def parse_route(value: str) -> str:
    text = value.strip().casefold().replace("_", "").replace("-", "").replace(" ", "")
    aliases = {r.replace("-", "").replace(" ", ""): r for r in ROUTES} | {"iv": "intravenous", "it": "intrathecal"}
    if text in aliases:
        return aliases[text]
    raise InputError(f"Unknown route {value!r}. Use one of {', '.join(ROUTES)}.")


def parse_region(value: str) -> str:
    text = " ".join(value.split()).casefold()
    for region in REGIONS:
        if text == region.casefold():
            return region
    raise InputError(f"Unknown region {value!r}. Use one of {', '.join(REGIONS)}.")


def parse_country(value: str) -> str:
    """A country as typed; ``Query.checked`` matches it to the data's spelling."""
    text = clean_text(value)
    if not text:
        raise InputError("A country cannot be empty.")
    return text


def parse_yes_no(value: str) -> bool:
    text = value.strip().casefold()
    if text not in _YES | _NO:
        raise InputError(f"{quoted(value)} is neither yes nor no.")
    return text in _YES


def parse_place(value: str | None) -> str:
    """A place as typed ("Milan, Italy"), cleaned and bounded; ``trials.pipeline`` looks it up."""
    return clean_text(value or "")[:MAX_PLACE]


def parse_date(value: object) -> str | None:
    """The day changes count from ("2025-10-01"; a moment's day, in UTC). The page's date
    widget holds a day, so every door reads a day."""
    moment = parse_since(value)
    return moment[:10] if moment else None


def parse_study(value: str) -> str:
    """A study id in any registry's form ("nct04047628"), as the data holds it."""
    return registries.parse_id(value).value


def parse_compare(values: str | Sequence[str]) -> tuple[str, ...]:
    """2 to 4 different study ids, from "NCT1,NCT2" or a list."""
    texts = [values] if isinstance(values, str) else list(values)
    parts = [p for t in texts for p in str(t)[:MAX_TEXT].replace(";", ",").replace(" ", ",").split(",") if p]
    ids = tuple(dict.fromkeys(parse_study(p) for p in parts))
    if not MIN_COMPARED <= len(ids) <= MAX_COMPARED:
        raise InputError(f"Choose {MIN_COMPARED} to {MAX_COMPARED} different studies to compare "
                         f"(got {len(ids)}), e.g. NCT04047628,NCT03477500.")
    return ids


# -- the filters --------------------------------------------------------------------

@dataclass(frozen=True)
class Filters:
    """The filters a person asked for; an empty value means "any" (see ``trials.analysis.filters``)."""

    therapies: tuple[str, ...] = ()
    statuses: tuple[str, ...] = ()  # status groups ("Recruiting now") and exact registry statuses
    phases: tuple[str, ...] = ()
    study_types: tuple[str, ...] = ()
    countries: tuple[str, ...] = ()
    regions: tuple[str, ...] = ()  # geo.REGIONS: a study with a country in any of them
    cells_from: tuple[str, ...] = ()  # subtype.AUTOLOGOUS / ALLOGENEIC, as the record states it
    routes: tuple[str, ...] = ()  # subtype.ROUTES, as the record states it
    registries: tuple[str, ...] = ()  # a trial with a record in any of these registries (names)
    text: str = ""
    gives_therapy: bool = True  # only studies whose participants receive the therapy
    with_results: bool = False  # only studies with results posted or publications of them

    def values(self) -> dict[str, Any]:
        return {f.name: getattr(self, f.name) for f in fields(self)}

    def without(self, name: str) -> Filters:
        """The same filters with one of them switched off."""
        return replace(self, **{name: type(getattr(self, name))()})

    def active(self) -> tuple[str, ...]:
        """Names of the filters that narrow the result."""
        return tuple(name for name, value in self.values().items() if value)


_DEFAULTS = Filters()


@dataclass(frozen=True)
class Param:
    """One filter as it is written: URL parameter (also the page widget's key), command-line
    option, and the words that name it and its values. What kind of value it holds (several,
    one text, or yes/no) is the kind of its ``Filters`` field."""

    name: str  # URL parameter and page widget key
    field: str  # the ``Filters`` field it fills
    what: str  # how a notice names it: "therapy type"
    parse: Callable[[str], Any]  # one value as typed -> its canonical form; InputError if unknown
    label: str  # the page widget's label
    choices: tuple[str, ...] = ()  # canonical values, in the order they are listed and written
    choice_words: str = ""  # "Choose from: ..." in a notice
    owns: Callable[[str], bool] = lambda value: True  # for a field two params share: this one's values
    words: Callable[[Any], str] = str  # a value in the line that names every filter in force ("" = none)
    option_words: Callable[[str], str] = str  # a value among the widget's options
    clinician: bool = False  # on the page, in "For clinicians"
    column: str = ""  # the table's column it reads: the data's values are the choices when
    # there are no fixed ones, and the page shows how many studies have each when ``counted``
    counted: bool = False
    help: str = ""
    placeholder: str = ""
    cli: str | None = ""  # the command-line option ("" = --name; None = none)
    metavar: str = "VALUE"
    cli_help: str = ""
    unknown_yes_no: str = ""  # for a yes/no filter: what a link with another value shows

    @property
    def default(self) -> Any:
        return getattr(_DEFAULTS, self.field)

    @property
    def kind(self) -> type:
        """tuple (several values), str (one text) or bool (yes/no)."""
        return type(self.default)

    def written(self, value: Any) -> list[str]:
        """This parameter's part of a field's value, as the link writes it (defaults left out)."""
        if self.kind is tuple:
            return [v for v in value if self.owns(v)]
        if self.kind is bool:
            return [] if value == self.default else ["true" if value else "false"]
        return [value] if value else []

    def narrows(self, value: Any) -> bool:
        """Whether this parameter's part of a field's value keeps some studies out."""
        if self.kind is tuple:
            return any(self.owns(v) for v in value)
        return value is True or (self.kind is str and bool(value))

    def named(self, value: Any) -> list[str]:
        """This parameter's part of a field's value, in words (nothing for no filter)."""
        if self.kind is tuple:
            return [self.words(v) for v in value if self.owns(v)]
        if self.kind is bool:
            return [w for w in (self.words(value),) if w]
        return [self.words(value)] if value else []


PARAMS: tuple[Param, ...] = (
    Param("gives", "gives_therapy", "“only trials that give the therapy”", parse_yes_no,
          "Only trials that give the therapy",
          words=lambda on: "only trials that give the therapy" if on else "",
          help="Off: also studies that only follow people who already had a stem-cell treatment "
               "(registries, long-term follow-ups).",
          cli="--gives-therapy",
          cli_help="only studies whose participants receive the therapy (the default; "
                   "--no-gives-therapy adds follow-ups of people treated before and laboratory studies)",
          unknown_yes_no="showing only trials that give it"),
    Param("results", "with_results", "“only studies with results or publications”", parse_yes_no,
          "Only studies with results or publications",
          words=lambda on: "with results or publications" if on else "",
          help="Results posted on the registry, or a publication the record ties to the study's results. "
               "A publication says what the study found, which may be that the treatment did not work.",
          cli="--with-results",
          cli_help="only studies with results posted on the registry or publications of their results",
          unknown_yes_no="not limiting to studies with results"),
    Param("therapy", "therapies", "therapy type", parse_therapy, "Therapy type", THERAPY_TYPES,
          ", ".join(THERAPY_TYPES), placeholder="All types", metavar="TYPE", column="therapy_types",
          counted=True,
          help="HSCT: blood stem-cell transplant. MSC: mesenchymal stem cells. "
               "iPSC: induced pluripotent stem cells. Stem cell (kind unclear): the record gives stem cells "
               "but does not say which kind.",
          cli_help="hsct, msc, ipsc, other or unclear (default: every stem-cell type)"),
    Param("status", "statuses", "status", parse_status, "Recruitment status", tuple(STATUS_GROUPS),
          ", ".join(STATUS_GROUPS), owns=lambda v: v in STATUS_GROUPS, placeholder="Any status",
          cli_help='a group such as "Recruiting now", or a registry status such as TERMINATED'),
    Param("q", "text", "search text", clean_text, "Search words",
          placeholder="e.g. intrathecal, Sheffield, cord", cli="--text", metavar="WORDS",
          words=lambda v: f"words “{v}”",
          cli_help="words that must all appear (title, conditions, interventions, sponsor, sites)"),
    Param("country", "countries", "country", parse_country, "Country", placeholder="Any country",
          metavar="NAME", column="countries", cli_help='a country, e.g. "United States" or UK'),
    Param("region", "regions", "region", parse_region, "Region", REGIONS, ", ".join(REGIONS),
          words=lambda r: f"in {r}", clinician=True, metavar="REGION", placeholder="Any region",
          help="A study with a site in any country of the region. Latin America includes Mexico, Central "
               "America and the Caribbean; the Middle East includes Egypt, Turkey and Cyprus.",
          cli_help=f"{', '.join(REGIONS)}: a study with a site in any country of it"),
    Param("phase", "phases", "phase", parse_phase, "Phase", PHASES, "1, 2, 3, 4, early phase 1, no phase",
          words=lambda p: plain.phase_words((p,)), option_words=lambda p: plain.phase_words((p,)),
          clinician=True, metavar="PHASE", cli_help="EARLY_PHASE1, PHASE1 ... PHASE4, NA (or 1-4)"),
    Param("type", "study_types", "study type", parse_study_type, "Study type", STUDY_TYPES,
          ", ".join(STUDY_TYPES).lower(),
          words=lambda t: plain.STUDY_TYPE_WORDS.get(t, t).split(" (")[0],
          option_words=lambda t: t.replace("_", " ").capitalize(), clinician=True, metavar="TYPE",
          cli_help="INTERVENTIONAL, OBSERVATIONAL or EXPANDED_ACCESS"),
    Param("cells", "cells_from", "origin of the cells", parse_cells, "Whose cells", (AUTOLOGOUS, ALLOGENEIC),
          "autologous (own cells), allogeneic (donor)", words=lambda v: f"cells: {DONOR_WORDS[v]}",
          option_words=lambda v: DONOR_WORDS[v], clinician=True, metavar="ORIGIN",
          help="Only studies whose record says whose cells are used. A record that does not say is "
               "left out when this is set.",
          cli_help="autologous (own cells) or allogeneic (donor); studies whose record does not say are left out"),
    Param("route", "routes", "route", parse_route, "How the cells are given", ROUTES, ", ".join(ROUTES),
          words=lambda v: f"given {ROUTE_WORDS[v]}", option_words=lambda v: ROUTE_WORDS[v], clinician=True,
          metavar="ROUTE", help="As the record states it; records that do not say are left out when this is set.",
          cli_help="intravenous, intrathecal, ... as the record states it"),
    Param("registry", "registries", "registry", parse_registry, "Registry", REGISTRY_NAMES,
          ", ".join(REGISTRY_NAMES), words=lambda r: f"registered on {r}", clinician=True, metavar="REGISTRY",
          column="registry", counted=True,
          help="A trial with a record in any of these registries (a trial registered in several is one row).",
          cli_help=f"{catalog.names(joined='or')}: trials with a record there"),
    Param("registry_status", "statuses", "registry status", parse_status, "Registry status (exact)",
          tuple(s for s in ALL_STATUSES if not is_whole_group(s)), ", ".join(ALL_STATUSES),
          owns=lambda v: v not in STATUS_GROUPS, words=lambda s: f"registry status {status_words(s)}",
          clinician=True, cli=None),
)
_PARAM = {p.name: p for p in PARAMS}
FILTER_WORDS = {p.field: p.what for p in reversed(PARAMS)}  # "without the {what} filter"
FILTER_WORDS["statuses"] = "status"
# A field's values in their canonical order (the order its parameters list them), so that a
# query reads back equal whichever door it came through.
_ORDER = {f.name: tuple(c for p in PARAMS if p.field == f.name for c in p.choices) for f in fields(Filters)}
PROFILE_PARAMS = ("age", "sex", "ms_type", "edss")  # in a link only when the patient asks
LINK_PARAMS = (*_PARAM, "study", "compare", "near", "within", "since", *PROFILE_PARAMS, "hide_no_fit")


@dataclass(frozen=True)
class Unused:
    """A value asked for that the data cannot answer, and what was done instead."""

    field: str  # what it was about: a Filters field, or "study", "compare", "near"
    what: str  # the problem, one sentence without its full stop
    instead: str = ""  # what a link's reader sees done instead: "showing all countries"
    more: str = ""  # what would work: "Countries with a study recruiting now: ..."

    @property
    def text(self) -> str:
        """The notice for a link's reader: the problem and what was done instead."""
        head = f"{self.what}; {self.instead}." if self.instead else f"{self.what}."
        return f"{head} {self.more}".strip()

    @property
    def error(self) -> str:
        """The message for the command line, where the value is an error."""
        return f"{self.what}. {self.more}".strip()


# -- the query ----------------------------------------------------------------------

@dataclass(frozen=True)
class Query:
    """Everything a person asks. Values are canonical: ``from_cli``, ``from_link`` and
    ``from_widgets`` parse, and nothing parses them again."""

    filters: Filters = Filters()
    profile: Profile = Profile()  # the pre-screen's answers
    hide_no_fit: bool = False  # leave out the studies that do not fit the answers
    share_answers: bool = False  # the answers go into the link
    near: str = ""  # a place as typed ("Milan, Italy"); located by trials.pipeline
    within_km: float | None = None
    since: str | None = None  # the day changes count from; None: the 30 days to the last refresh
    compare: tuple[str, ...] = ()  # 2 to 4 study ids
    study: str | None = None  # the study to open

    @property
    def is_personal(self) -> bool:
        """Whether it holds what only this person asked (answers, a place): such a view is
        never kept for the next visitor."""
        return not self.profile.is_empty or bool(self.near)

    def shared_part(self) -> Query:
        """What decides the rows, and nothing else: the study to open and the comparison are
        left out, and switches that change nothing without answers or a place."""
        return replace(self, study=None, compare=(), share_answers=False,
                       hide_no_fit=self.hide_no_fit and not self.profile.is_empty,
                       within_km=self.within_km if self.near else None)

    # -- reading ------------------------------------------------------------------

    @classmethod
    def from_link(cls, params: Mapping[str, Sequence[str]]) -> tuple[Query, tuple[str, ...]]:
        """A link's parameters (every value of each, as ``st.query_params.get_all`` or
        ``parse_qs`` give them), read forgivingly; with a notice for each value not used."""
        reader = _LinkReader(params)
        return reader.query(), tuple(reader.notices)

    @classmethod
    def from_url(cls, url: str) -> tuple[Query, tuple[str, ...]]:
        """A page link as a whole ("https://host/?therapy=HSCT&status=..."), for ``--link``."""
        if len(url) > MAX_LINK:
            raise InputError(f"The link is {len(url):,} characters long; a page link is far shorter.")
        query = urlsplit(url.strip()).query if "?" in url else url.strip().lstrip("?")
        return cls.from_link(parse_qs(query, keep_blank_values=True))

    @classmethod
    def from_cli(cls, args: argparse.Namespace) -> Query:
        """The options ``add_options`` declared, read strictly: InputError on the first value
        that cannot be used."""
        values: dict[str, list[Any]] = {}
        for param in PARAMS:
            if param.cli is None:
                continue
            given = getattr(args, param.name)
            if param.kind is bool:
                values[param.field] = [given]
            else:
                texts = given if param.kind is tuple else [given] if given else []
                values.setdefault(param.field, []).extend(param.parse(t) for t in texts)
        if args.within and not args.near:
            raise InputError('--within needs --near, e.g. --near "Milan, Italy" --within 500.')
        return cls(filters=_filters(values),
                   profile=make_profile(args.age, args.sex, args.ms_type, args.edss),
                   hide_no_fit=args.hide_no_fit, near=parse_place(args.near),
                   within_km=parse_within(args.within), since=parse_date(args.since))

    @classmethod
    def from_widgets(cls, state: Mapping[str, Any]) -> Query:
        """The page's widget values (already canonical: the widgets offer only canonical
        choices), by the keys ``widget_values`` gives."""
        values: dict[str, list[Any]] = {}
        for param in PARAMS:
            value = state.get(param.name)
            if param.kind is tuple:
                values.setdefault(param.field, []).extend(value or ())
            elif value is not None:
                values.setdefault(param.field, []).append(clean_text(value) if param.kind is str else value)
        since = state.get("since")
        return cls(
            filters=_filters(values),
            profile=Profile(state.get("age"), state.get("sex"), state.get("ms_type"), state.get("edss")),
            hide_no_fit=bool(state.get("hide_no_fit")), share_answers=bool(state.get("share_answers")),
            near=parse_place(state.get("near")), within_km=state.get("within"),
            since=since.isoformat() if isinstance(since, date) else None,
            compare=tuple(state.get("compare") or ()), study=state.get("study"),
        )

    def checked(self, countries: Sequence[str], recruiting: Sequence[str],
                studies: Collection[str]) -> tuple[Query, list[Unused]]:
        """The query with the values only the data can check checked against it: countries
        in the data's spelling (``countries``; ``recruiting`` are offered instead of one it
        lacks), and studies it holds (``studies``)."""
        unused: list[Unused] = []
        chosen, missing = [], []
        for value in self.filters.countries:
            wanted = common_country(value).casefold()
            match = next((c for c in countries if c.casefold() == wanted), None)
            (chosen.append(match) if match else missing.append(value))
        if missing:
            offer = f"Countries with a study recruiting now: {', '.join(recruiting)}." if recruiting else ""
            regions = [r for v in missing for r in REGIONS if v.casefold() == r.casefold()]
            if regions:  # issue 18: "--country Europe" gave nothing without saying why
                offer = f"{' and '.join(regions)} {'is a region' if len(regions) == 1 else 'are regions'}: " \
                        f"use the region filter (under “For clinicians” on the page, --region on the command line). " \
                        f"{offer}".strip()
            unused.append(Unused("countries", f"No study lists {', '.join(quoted(v) for v in missing)}",
                                 "showing the other countries asked for" if chosen else "showing all countries",
                                 offer))
        study = self.study
        if study is not None and study not in studies:
            unused.append(Unused("study", f"This link asks for study {quoted(study)}, which is not in the "
                                          "data on this page; choose a study from the list"))
            study = None
        unknown = [i for i in self.compare if i not in studies]
        if unknown:
            unused.append(Unused("compare", f"{', '.join(unknown)} {'is' if len(unknown) == 1 else 'are'} not "
                                            "among the MS stem-cell studies in the local data, so not compared"))
        return replace(self, filters=replace(self.filters, countries=tuple(dict.fromkeys(chosen))),
                       study=study, compare=tuple(i for i in self.compare if i in studies)), unused

    # -- writing ------------------------------------------------------------------

    def to_link(self) -> dict[str, list[str]]:
        """The canonical parameters: what ``from_link`` reads back as this query. Defaults are
        left out (only trials that give the therapy, no answers unless shared)."""
        params: dict[str, list[str]] = {}
        for param in PARAMS:
            written = param.written(getattr(self.filters, param.field))
            if written:
                params[param.name] = written
        if self.study:
            params["study"] = [self.study]
        if len(self.compare) >= MIN_COMPARED:  # one chosen study is no comparison yet
            params["compare"] = [",".join(self.compare)]
        if self.near:
            params["near"] = [self.near]
        if self.within_km:
            params["within"] = [f"{self.within_km:g}"]
        if self.since:
            params["since"] = [self.since]
        if self.share_answers:
            answers = (self.profile.age, self.profile.sex, self.profile.ms_type, self.profile.edss)
            params.update({k: [str(v)] for k, v in zip(PROFILE_PARAMS, answers, strict=True) if v is not None})
            if self.hide_no_fit:
                params["hide_no_fit"] = ["true"]
        return params

    def widget_values(self) -> dict[str, Any]:
        """The page's widget values, by key (the URL parameter names)."""
        values: dict[str, Any] = {}
        for param in PARAMS:
            value = getattr(self.filters, param.field)
            values[param.name] = [v for v in value if param.owns(v)] if param.kind is tuple else value
        profile = self.profile
        values.update(age=profile.age, sex=profile.sex, ms_type=profile.ms_type, edss=profile.edss,
                      hide_no_fit=self.hide_no_fit, share_answers=self.share_answers, near=self.near,
                      within=self.within_km, since=date.fromisoformat(self.since) if self.since else None,
                      compare=list(self.compare), study=self.study)
        return values

    def describe(self) -> str:
        """Every filter in force, in the page's words, with the place "near me" ranks by:
        "Filters: HSCT · Recruiting now · Phase 2 · only trials that give the therapy".
        Values come in the page's order, switches after them."""
        ordered = sorted(PARAMS, key=lambda p: p.kind is bool)
        parts = [w for p in ordered for w in p.named(getattr(self.filters, p.field))]
        if self.near:
            parts.append(f"near {self.near}" + (f" within {self.within_km:g} km" if self.within_km else ""))
        return "Filters: " + (" · ".join(parts) if parts else "none, every study is shown")

    def clinician_count(self) -> int:
        """How many of the clinicians' filters are in force (each parameter counts once)."""
        return sum(p.narrows(getattr(self.filters, p.field)) for p in PARAMS if p.clinician)


def _filters(values: Mapping[str, list[Any]]) -> Filters:
    """Filters from parsed values by field: repeats dropped and values in their canonical
    order, text joined, the last yes/no kept."""
    built: dict[str, Any] = {}
    for name, given in values.items():
        kind = type(getattr(_DEFAULTS, name))
        if kind is bool:
            built[name] = bool(given[-1]) if given else getattr(_DEFAULTS, name)
        elif kind is str:
            built[name] = clean_text(" ".join(given))
        else:
            order = _ORDER[name]
            unique = list(dict.fromkeys(given))
            built[name] = tuple(sorted(unique, key=lambda v: order.index(v) if v in order else len(order)))
    return Filters(**built)


@dataclass
class _LinkReader:
    """Reads a link's parameters forgivingly, collecting a notice for every value not used."""

    params: Mapping[str, Sequence[str]]
    notices: list[str] = field(default_factory=list)

    def values(self, name: str) -> list[str]:
        return [v for v in list(self.params.get(name, ()))[:MAX_VALUES] if v.strip()]

    def first(self, name: str) -> str | None:
        found = self.values(name)
        return found[0] if found else None

    def checked(self, name: str, parse: Callable[[str], Any], not_used: str) -> Any:
        """The first value of ``name`` parsed, or None with a notice that starts ``not_used``."""
        value = self.first(name)
        if value is None:
            return None
        try:
            return parse(value)
        except InputError as exc:
            self.notices.append(f"{not_used}: {exc}")
            return None

    def filter_values(self, param: Param) -> list[Any]:
        given = self.values(param.name)
        found, unknown = [], []
        for value in given[:1] if param.kind is not tuple else given:
            try:
                found.append(param.parse(value))
            except InputError:
                unknown.append(value)
        if unknown and param.kind is bool:
            self.notices.append(f"This link asks for {quoted(unknown[0])} for {param.what}, which is "
                                f"neither yes nor no; {param.unknown_yes_no}.")
        elif unknown:
            rest = "showing the others" if found else f"showing every {param.what}"
            self.notices.append(f"This link asks for {param.what} {', '.join(quoted(v) for v in unknown)}, "
                                f"which this page does not know; {rest}. Choose from: {param.choice_words}.")
        return found

    def query(self) -> Query:
        values: dict[str, list[Any]] = {}
        for param in PARAMS:
            values.setdefault(param.field, []).extend(self.filter_values(param))
        study = self.first("study")
        if study is not None:
            try:
                study = parse_study(study)
            except InputError:
                self.notices.append(f"This link asks for study {quoted(study)}, which is not in the data on "
                                    "this page; choose a study from the list.")
                study = None
        answers = [self.checked(name, parse, "An answer in this link was not used")
                   for name, parse in zip(PROFILE_PARAMS, (parse_age, parse_sex, parse_ms_type, parse_edss),
                                          strict=True)]
        return Query(
            filters=_filters(values),
            profile=Profile(*answers),
            hide_no_fit=bool(self.checked("hide_no_fit", parse_yes_no,
                                          "The choice to hide studies that do not fit was not used")),
            share_answers=any(self.first(name) is not None for name in PROFILE_PARAMS),
            near=parse_place(self.first("near")),
            within_km=self.checked("within", parse_within, "The distance in this link was not used"),
            since=self.checked("since", parse_date, "The date in this link was not used"),
            compare=self.checked("compare", parse_compare, "The studies to compare in this link were not used")
            or (),
            study=study,
        )


def add_options(parser: argparse.ArgumentParser) -> None:
    """The query's command-line options (``search`` and ``export``), from ``PARAMS``."""
    group = parser.add_argument_group("filters (repeat an option to allow several values)")
    for param in PARAMS:
        if param.cli is None:
            continue
        option = param.cli or f"--{param.name}"
        if param.kind is bool:
            group.add_argument(option, dest=param.name, action=argparse.BooleanOptionalAction,
                               default=param.default, help=param.cli_help)
        elif param.kind is str:
            group.add_argument(option, dest=param.name, default="", metavar=param.metavar, help=param.cli_help)
        else:
            group.add_argument(option, dest=param.name, action="append", default=[], metavar=param.metavar,
                               help=param.cli_help)
    screen = parser.add_argument_group(
        "pre-screen (any of these adds the columns fit and fit_reasons: 'likely fits', 'does not "
        "fit', 'ask your neurologist' or 'not open to new participants'; only the study team "
        "decides who takes part)")
    screen.add_argument("--age", metavar="N", help="your age in whole years")
    screen.add_argument("--sex", metavar="female|male")
    screen.add_argument("--ms-type", metavar="RRMS|SPMS|PPMS|CIS", dest="ms_type")
    screen.add_argument("--edss", metavar="X", help="your EDSS score, 0 to 10 in steps of 0.5")
    screen.add_argument("--hide-no-fit", action="store_true",
                        help="leave out the studies that do not fit or take no new participants")
    near = parser.add_argument_group(
        "near me (adds the columns distance_km, distance_approximate, nearest_site, "
        "nearest_site_status, nearest_site_contact; nearest first, after likely fits with pre-screen answers)")
    near.add_argument("--near", metavar='"CITY, COUNTRY"',
                      help='where you are, e.g. "Milan, Italy", a city alone, or a country; '
                           "looked up offline (GeoNames cities over 15,000 people)")
    near.add_argument("--within", metavar="KM",
                      help="only studies with a recruiting or not-yet-recruiting site this close")
    parser.add_argument("--since", metavar="YYYY-MM-DD",
                        help="the changed column marks new studies and status changes seen since that day "
                             "(default: the 30 days to the last refresh)")
