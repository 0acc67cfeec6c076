"""One study's detail card: what a patient asks ("what is it, can I join, where,
who do I contact?") and what a neurologist checks (eligibility, evidence).

The card is plain data; ``card_markdown`` renders it for the page (registry
text escaped) and ``card_text`` for the terminal.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, replace
from typing import Any, NamedTuple

from ..analysis import findings, flags
from ..analysis.classify import GIVES, HSCT, MSC, Evidence
from ..analysis.eligibility import STRUCTURED, read_criteria
from ..analysis.flags import Flag
from ..analysis.merge import counted
from ..analysis.status import (
    OPEN_TO_NEW,
    RecruitmentReport,
    recruitment_report,
    recruitment_reports,
    status_caution,
    status_group,
    status_words,
)
from ..analysis.subtype import AUTOLOGOUS, DONOR_WORDS, ROUTE_WORDS, arms_giving, compared_in_title
from ..analysis.table import Entry
from ..analysis.therapy import names_therapy
from ..config import ALL_REGISTRIES as REGISTRY_CODES
from ..config import DEFAULT_REGISTRY
from ..ids import name_of, url_of
from ..model import Arm, Contact, Study
from . import facts, plain, provenance
from .facts import Claim

# Where a line that is not read from a record field comes from.
OWN_WORDS = "this finder's explanation"  # what a flag or a program-read item means, never about the study


class Line(NamedTuple):
    """One statement on the card and what it rests on: the record fields it was read from,
    a reviewed source's citation, or ``OWN_WORDS``. Every line has one (bench/claims.py)."""

    label: str  # "" for a paragraph
    value: str
    source: str
    link: str = ""  # an address this finder built (a source's DOI or page), shown as a real link
    link_text: str = ""  # the link's words; "" shows the address itself (a DOI that copies cleanly)
    # The records ``source``'s fields came from (``provenance``), filled in by ``study_card``.
    read_from: tuple[provenance.From, ...] = ()


@dataclass(frozen=True)
class Section:
    title: str
    items: tuple[Line, ...] = ()
    verbatim: str = ""  # registry text shown as published (eligibility criteria)
    verbatim_title: str = "Eligibility criteria, as published"
    contacts: tuple[Contact, ...] = ()  # shown first, with call and mail links on the page
    link: tuple[str, str] | tuple[()] = ()  # (text, url) of a link we build, shown after the items
    read_from: tuple[provenance.From, ...] = ()  # the records its lines were read from, and which fields
    read_note: str = ""  # the same in words, under the section: each record named when there are several


@dataclass(frozen=True)
class SiteRow:
    facility: str
    place: str
    status: str
    contact: str
    contacts: tuple[Contact, ...] = ()  # the same, to be called or written to from a phone


@dataclass(frozen=True)
class Card:
    study_id: str
    title: str
    url: str
    registry: str  # the name of the registry whose record the card reads
    sections: tuple[Section, ...]
    sites: tuple[SiteRow, ...]
    is_full: bool


def _from(evidence: tuple[Evidence, ...], what: str) -> str:
    """' (from the intervention name: "Autologous")' for the first phrase of one answer."""
    first = next((e for e in evidence if e.label == what), None)
    return f' (from the {first.field}: "{first.phrase}")' if first else ""


_KIND_FIELDS = "interventions, arms, titles, keywords, summary, description, primary outcomes"


def _fields_of(evidence: tuple[Evidence, ...], what: str) -> str:
    return ", ".join(dict.fromkeys(e.field for e in evidence if e.label == what)) or _KIND_FIELDS


def _kind_items(entry: Entry) -> list[Line]:
    """Whose cells, which tissue and which route, each with the phrase it rests on, or
    "not stated in the record" (having looked in every field that could say it)."""
    kind, labels = entry.kind, entry.labels
    if not labels:
        return []  # no therapy (a laboratory study): no kind to state
    ask = "not stated where the record describes the therapy; ask the study team"

    def line(label: str, part: str, what: str, value: str) -> Line:
        words = _fields_of(kind.evidence, what)
        # A part only another registry's record states is named as that record's.
        told = provenance.sources_of_field(entry, f"kind.{part}", words.split(", ")) \
            if f"kind.{part}" in entry.provenance else ()
        return Line(label, value + _from(kind.evidence, what) if value else ask, words, read_from=told)

    items = [line("Whose cells", "donors", "donor", "; ".join(DONOR_WORDS[d] for d in kind.donors))]
    if MSC in labels:
        items.append(line("Tissue the cells come from", "tissues", "tissue", ", ".join(kind.tissues)))
    if any(label != HSCT for label in labels):
        items.append(line("How the cells are given", "routes", "route", ", ".join(ROUTE_WORDS[r] for r in kind.routes)))
    return items


def _claims_for(label: str, entry: Entry) -> list[tuple[str, Claim]]:
    """(heading, claim) for one therapy label, chosen by the kind the record names: a donor
    transplant never gets the figures published for transplants of one's own cells, and a
    claim about one route only shows when the cells may be given that way."""
    known, kind = facts.load_facts(), entry.kind
    therapy = known.for_label(label)
    claims = [c for c in (therapy.claims if therapy else ())
              if (not c.route or not kind.routes or c.route in kind.routes)
              and (not c.regimen or c.regimen in kind.regimens)]
    if label != HSCT:
        return [(label, c) for c in claims]
    donor = known.for_kind(facts.ALLOGENEIC_HSCT)
    donor_claims = list(donor.claims) if donor else []
    own = [("HSCT with own cells", c) for c in claims]
    if kind.is_allogeneic:
        also = [("HSCT with donor cells", c) for c in claims if facts.ALLOGENEIC_HSCT in c.also_for]
        # A study naming both kinds (one arm each) gets both, the donor's first.
        return [("HSCT with donor cells", c) for c in donor_claims] + (own if AUTOLOGOUS in kind.donors else also)
    if AUTOLOGOUS not in kind.donors:
        # The record does not say, or names only an identical twin's cells: first that donor
        # transplants differ and these figures would not apply to one, then what is known of
        # own-cell HSCT.
        return [("HSCT with donor cells", c) for c in donor_claims if c.topic in _DONOR_CAUTION] + own
    return own


# The donor claims shown when a record does not say whose cells it transplants.
_DONOR_CAUTION = ("Donor (allogeneic) transplant", "Figures for own-cell transplants do not apply")


def _interventions(entry: Entry) -> str:
    """The interventions as registered, and a word when none of them is the therapy itself
    (RAM-MS lists the transplant's drugs and the comparators; its title names the transplant)."""
    study = entry.study
    if not study.interventions:
        return "not stated in the record"
    listed = "; ".join(i.label for i in study.interventions)
    described = [m.group(1).strip() for i in study.interventions if (m := _COMPARATOR_TEXT.search(i.description))]
    if described:
        listed += "; compared with: " + "; ".join(described) + " (from the intervention description)"
    if entry.labels and entry.study_role == GIVES and arms_giving(study) is None:
        return listed + (f" (none of these is the {plain.therapy_words(entry.labels)} itself: the record names it "
                         "elsewhere, see why it is listed below)")
    return listed


def _therapy_section(entry: Entry, cited: list[Claim]) -> Section:
    """What the study does with the therapy and which kind it names, then the reviewed
    claims for that kind, numbered by source ([1], [2] ...) for 'Sources'."""
    role = entry.study_role
    items = [
        Line("", _gives_sentence(entry) if role == GIVES else plain.role_sentence(role, entry.labels),
             "interventions, arm group, allocation, overall status" if role == GIVES else "interventions, study type"),
        Line("Interventions", _interventions(entry), "interventions"),
        *_kind_items(entry),
        Line("Why it is listed as stem-cell therapy" if entry.labels else "What the classifier found",
             entry.evidence or "not classified", "the fields named in it"),
    ]
    for label in entry.labels:
        for heading, claim in _claims_for(label, entry):
            registry = f" Its registry record: {claim.registry[0]}." if claim.registry else ""
            report = recruitment_reports().get(claim.registry[0]) if claim.registry else None
            registry += f" {report.sentence} [{_cite(_reported(report), cited)}]" if report else ""
            items.append(Line(f"{heading}: {claim.topic}", f"{claim.text} [{_cite(claim, cited)}]{registry}",
                              claim.citation, link=claim.registry_url))
    title = "What is being tested" if role == GIVES else "What the study is about"
    return Section(title, tuple(i for i in items if i.value))


_PLACEBO_WORD = re.compile(r"\b(?:placebo|sham)\b", re.I)
# An intervention item that is what a comparison group gets instead of the cells (by its name).
_COMPARATOR_ITEM = re.compile(r"\b(?:placebo|sham|saline|vehicle|suspension medi(?:a|um)|control(?: group| arm)?"
                              r"|best available (?:therapy|treatment)|standard (?:of )?care|usual care|cell[- ]free)\b",
                              re.I)
# A comparator named inside a free-text description (ISRCTN: "... Comparator: best available DMT").
_COMPARATOR_TEXT = re.compile(r"\b(?:comparator|control(?: group| arm)?)\s*:\s*([^.;]+)", re.I)
# A group that gets the cells later: a delayed start or a switch after a period.
_LATER = re.compile(r"\b(?:after|at|from)\s+(?:\d+|one|two|three|six|twelve)\s+(?:months?|weeks?|years?)\b"
                    r"[^.;]{0,80}?\b(?:receiv|transplant|inject|treat|cross|switch|given)\w*|\bdelayed\b", re.I)


def _gives_sentence(entry: Entry) -> str:
    """Who receives the therapy, as the arms say: everyone, or not the groups the record says get
    none (and how a participant's group is decided); never "participants receive" of a study
    that stopped before anyone took part."""
    study = entry.study
    therapy = plain.therapy_words(entry.labels)
    if study.overall_status == "WITHDRAWN":
        return f"This study stopped before anyone took part; it planned to give {therapy}."
    found = arms_giving(study)
    without = [arm.label for arm, gives in found or () if gives is False]
    unsure = not found or any(gives is None for _, gives in found)  # (no groups listed: unsure too)
    placebo_named = _PLACEBO_WORD.search(study.official_title) or any(
        _COMPARATOR_ITEM.search(f"{arm.label} {arm.description}") for arm in study.design.arms)
    if study.design.intervention_model == "CROSSOVER" and (without or placebo_named):
        return (f"Participants in this study receive {therapy}, but not all at the same time: in this crossover "
                "study the groups get it in a different order (one may first get a placebo or another treatment); "
                "see the groups below.")
    chance = (" Chance decides which group each participant joins; the record does not say how many join each "
              "group, so ask the study team what the chance of receiving the cells is.")
    compared = compared_in_title(study) if not without and unsure else None
    if compared:
        # A record that lists no groups (or none that settle it) still says in its title what the
        # cells are tested against: BEAT-MS, "Best Available Therapy Versus Autologous HSCT".
        randomised = study.design.allocation == "RANDOMIZED" or re.search(
            r"randomi[sz]", f"{study.brief_title} {study.official_title}", re.I)
        return (f"Not everyone in this study receives {therapy}: its {compared.field} compares it with "
                f'"{compared.other}" ("{compared.title}").'
                + (chance if randomised else " The record does not list its groups: ask the study team which "
                                             "group you would be in."))
    placebo = next((i.name for i in study.interventions if _COMPARATOR_ITEM.search(i.name)
                    and not names_therapy(i.name)), "")
    if placebo and not without and unsure:
        # Instead, or first: in a crossover the saline group gets the cells later (NCT04749667).
        return (f"Some participants in this study receive \"{placebo}\" instead of {therapy}, or before it: the "
                "record does not list its groups, so ask the study team who gets what, and when."
                + (chance if study.design.allocation == "RANDOMIZED" else ""))
    if not without and unsure and study.design.allocation == "RANDOMIZED" and len(study.design.arms) > 1:
        return (f"In this randomised study chance decides which group each participant joins, and the record "
                f"does not make clear whether every group receives {therapy}: see the groups below, and ask the "
                "study team.")
    if not without:
        return plain.role_sentence(GIVES, entry.labels)
    how = {"RANDOMIZED": chance,
           "NON_RANDOMIZED": " The groups are not assigned by chance: ask the study team which group you would be in."
           }.get(study.design.allocation, "")
    later = {arm.label: m.group(0) for arm, gives in found or () if gives is False
             for m in [_LATER.search(" ".join((arm.description, *_descriptions(study, arm))))] if m}
    if later and set(later) == set(without):
        # Delayed-start controls: every group gets the cells, some only after a period.
        when = "; ".join(f'{label} ("{phrase}")' for label, phrase in later.items())
        return (f"Every group in this study receives {therapy}, but not at the same time: the "
                f"group{'s' if len(later) > 1 else ''} {when} first {'get' if len(later) > 1 else 'gets'} a "
                "comparison treatment and the cells later, as the record describes."
                + (" Chance decides which group each participant joins." if study.design.allocation == "RANDOMIZED"
                   else ""))
    them = "; ".join(without)
    return (f"Not everyone in this study receives {therapy}: the group{'s' if len(without) > 1 else ''} "
            f"{them} {'do' if len(without) > 1 else 'does'} not.{how}")


def _descriptions(study: Study, arm: Arm) -> list[str]:
    """The descriptions of the intervention items an arm lists (old records list none per arm:
    then the items whose name holds the arm's label, "injection of cell free media")."""
    names = {x.split(": ", 1)[-1].casefold() for x in arm.interventions}
    return [i.description for i in study.interventions if i.name.casefold() in names
            or (not names and arm.label.casefold() in i.name.casefold())]


def _reported(report: RecruitmentReport) -> Claim:
    """A published report of a trial's recruitment, as a claim with its source."""
    return Claim("Recruitment", report.sentence, report.source, None, report.url, report.checked_on)


def _cite(claim: Claim, cited: list[Claim]) -> int:
    """The claim's source number, adding the source to ``cited`` on first use."""
    for number, seen in enumerate(cited, start=1):
        if seen.url == claim.url:
            return number
    cited.append(claim)
    return len(cited)


def _sources_section(cited: list[Claim]) -> Section:
    return Section("Sources", tuple(
        Line(f"[{number}]", f"{c.source_name}, {c.year or 'undated'}. Checked on {c.checked_on.isoformat()}.",
             c.citation, link=c.url)
        for number, c in enumerate(cited, start=1)))


def _flag_section(found: tuple[Flag, ...], cited: list[Claim]) -> Section:
    """Every reason, what a flag means and does not mean, and what MS societies advise."""
    items = [Line(f.title.capitalize(), f.reason, "the fields and dates named in it") for f in found]
    items += [Line("What this means", flags.MEANS, OWN_WORDS),
              Line("What it does not mean", flags.DOES_NOT_MEAN, OWN_WORDS)]
    items += [Line(f"Advice: {c.topic}", f"{c.text} [{_cite(c, cited)}]", c.citation)
              for c in facts.load_facts().clinic_guidance]
    return Section("Warning: questions about this listing", tuple(items))


def _status_section(entry: Entry) -> Section:
    trial = entry.study
    status = trial.overall_status
    # ClinicalTrials.gov's words for a status ("The record says the study is looking for
    # participants") are true of its own field only; another basis says what it is instead.
    meaning = "" if trial.status_basis else plain.STATUS_MEANING.get(status, "")
    items = [
        Line("Status", f"{status_group(status)} ({status_words(status)}). {meaning}".strip(), "overall status"),
        # Every status is the sponsor's word on some day: say which.
        Line("Record last updated", trial.last_update or "not stated in the record", "last update posted"),
        Line("Status last verified by the sponsor", trial.last_verified or "not stated in the record",
             "status verified date"),
        Line("Please note", status_caution(trial, entry.data_date),
             "overall status, completion date, last update posted, status verified date"),
        *((Line("Reported elsewhere", report.sentence, _reported(report).citation, link=report.url,
                link_text=report.source),) if (report := recruitment_report(trial)) else ()),
        # Another registry's record of the trial may be newer: its status stands beside this one.
        *(Line("Other registries", d.text, "each registry's status and last update")
          for d in entry.disagreements if d.fact == "status"),
    ]
    if trial.status_basis:  # records that differ, or a registry without a status field of the model's kind
        items.insert(1, Line("How this status was found", trial.status_basis, "overall status"))
    if status == "UNKNOWN" and trial.last_known_status:
        items.append(Line("Last status reported", status_words(trial.last_known_status), "last known status"))
    if trial.why_stopped:
        items.append(Line("Why it stopped", trial.why_stopped, "why stopped"))
    # What a phase means is about testing a treatment: only said of a study that gives one.
    gives = entry.study_role == GIVES
    items += [Line("Phase", plain.PHASE_MEANING.get(p, plain.phase_words((p,))) if gives
                   else f"{plain.phase_words((p,))} (as registered)", "phases") for p in trial.phases]
    items.append(Line("Kind of study", plain.STUDY_TYPE_WORDS.get(trial.study_type, trial.study_type
                                                                  or "not stated in the record"), "study type"))
    if trial.enrollment is not None:
        items.append(Line("Participants", f"{trial.enrollment} ({counted(trial)})", "enrollment"))
    return Section("Can I join?", tuple(i for i in items if i.value))


def _registries_section(entry: Entry) -> Section | None:
    """Which registries hold the trial, which record this card reads, why the records are
    taken to be one trial, what other records claim of it, and where the records disagree;
    None for a trial with one record that names no other registry's number and is named by none."""
    ids = entry.ids
    if len(ids) == 1 and entry.id.registry == DEFAULT_REGISTRY and not entry.claims:
        return None
    held = {s.id: s for s in entry.records}
    items = []
    for number in ids:
        record = held.get(number)
        if record is None:
            named = f"named by the record{'s' if len(held) > 1 else ''}"
            what = (f"{named}; this finder does not read that register" if number.registry not in REGISTRY_CODES
                    else f"{named}; no record with this number is among the MS stem-cell trials stored here")
        else:
            role = "the card's main record" if record.id == entry.id else "the same trial's record there"
            what = (f"{role}; status {status_words(record.overall_status).lower() or 'not stated'}; "
                    f"record updated {record.last_update or 'on a date it does not give'}")
        items.append(Line(name_of(number.registry), f"{number.value}: {what}",
                          "the registry numbers the records give", link=url_of(number),
                          link_text=f"{number.value} on {name_of(number.registry)}"))
    items += [Line("Why one trial", f"{link.basis[0].upper()}{link.basis[1:]}.",
                   "the registry numbers the records give") for link in entry.links]
    if len(held) > 1:
        items.append(Line("Merged", "Each fact below is read from the record named under it; what only one record "
                                    "gives (criteria, contacts, sites) is used and named as its.",
                          "the records named above"))
    # Numbers named one-sidedly and not believed: by this trial's records (with a link to the
    # trial they name), and about this trial (no link: its card is no place to send patients
    # to a record that claims it; past a few, counted).
    by_us = [c for c in entry.claims if c.of not in held]
    about_us = [c for c in entry.claims if c.of in held]
    items += [Line("Not the same trial", c.about_claimer(), "the registry numbers the records give",
                   link=url_of(c.of), link_text=f"{c.of.value} on {name_of(c.of.registry)}") for c in by_us]
    items += [Line("Not the same trial", c.about_claimed(), "the registry numbers the records give")
              for c in about_us[:MAX_CLAIMS_SHOWN]]
    if len(about_us) > MAX_CLAIMS_SHOWN:
        items.append(Line("Not the same trial", f"{len(about_us) - MAX_CLAIMS_SHOWN} more records give this "
                          "trial's number in the same way; nothing from them is shown here.",
                          "the registry numbers the records give"))
    # A differing status stands under "Can I join?"; the other differences here.
    items += [Line("Where they differ", d.text, f"{_DIFFER_FIELDS[d.fact]}, last update",
                   read_from=_each_record(entry, _DIFFER_FIELDS[d.fact]))
              for d in entry.disagreements if d.fact != "status"]
    return Section("Registered in", tuple(items))


MAX_CLAIMS_SHOWN = 3  # records claiming a trial, named one by one on its card

# The record field each difference between registries is read from, in the views' words.
_DIFFER_FIELDS = {"start date": "start date", "end date": "completion date", "number of participants": "enrollment"}


def _each_record(entry: Entry, field: str) -> tuple[provenance.From, ...]:
    """Every record of the trial that gives the field: a difference is read from all of them."""
    attribute = provenance.FIELDS[field]
    return tuple(provenance.From(r.id, r.last_update, (field, "last update")) for r in entry.records
                 if getattr(r, attribute) not in (None, ""))

_ITEM_LABELS = {
    "age": "Age in the criteria text",
    "ms_type": "MS type",
    "edss": "Disability (EDSS)",
    "duration": "How long you have had MS",
    "activity": "Recent disease activity",
    "no_recent_relapse": "Stable disease",
    "failed_treatment": "Earlier treatments",
    "note": "Please note",
}


def _eligibility_section(entry: Entry) -> Section:
    trial = entry.study
    e = trial.eligibility
    items = []
    if e.minimum_age or e.maximum_age:
        items.append(Line("Ages", f"{e.minimum_age or 'no minimum'} to {e.maximum_age or 'no maximum'}",
                          "minimum age, maximum age"))
    if e.sex:
        items.append(Line("Sex", {"ALL": "All", "FEMALE": "Women only", "MALE": "Men only"}.get(e.sex, e.sex), "sex"))
    if e.healthy_volunteers is not None:
        items.append(Line("Healthy volunteers", "Accepted" if e.healthy_volunteers else "Not accepted",
                          "healthy volunteers"))
    # What the criteria text says, item by item, each with the sentence it was read from.
    for item in read_criteria(trial).items:
        if item.part == STRUCTURED:
            continue
        quoted = f' (from: "{item.source}")' if item.source else ""
        items.append(Line(_ITEM_LABELS[item.kind], item.text + quoted, "eligibility criteria"))
    if not items and not e.criteria:
        items.append(Line("", "The stored record does not include eligibility; see the registry record.",
                          "eligibility (absent)"))
    elif e.criteria:
        items.append(Line("", "These items were read from the published criteria by a program and may miss "
                              "or misread something: the criteria as published, below, are what counts.", OWN_WORDS))
    [source, *_] = entry.sources_of("eligibility.criteria")
    where = f" in the {name_of(source.registry)} record {source.value}" if len(entry.records) > 1 else ""
    return Section("Who can take part", tuple(items), verbatim=e.criteria,
                   verbatim_title=f"Eligibility criteria, as published{where}")


ALLOCATION_WORDS = {
    "RANDOMIZED": "Randomised: chance decides which group each participant joins.",
    "NON_RANDOMIZED": "Not randomised: the groups are not assigned by chance.",
    "NA": "One group: everyone gets the same treatment.",
}
ARM_WORDS = {
    "EXPERIMENTAL": "gets the treatment being tested",
    "ACTIVE_COMPARATOR": "gets an existing treatment instead, for comparison",
    "PLACEBO_COMPARATOR": "gets a placebo (a dummy with no active treatment) given the same way, for comparison",
    "SHAM_COMPARATOR": "gets a sham (a pretend procedure), for comparison",
    "NO_INTERVENTION": "gets no study treatment, for comparison",
    "OTHER": "another group",
}
# What a comparator's name means in a trial (matched as words in the arm's interventions).
COMPARATOR_WORDS = {
    "saline": "saline (salt water) given the same way as the treatment, so that nobody can tell the groups apart",
    "placebo": "a placebo: looks the same but has no active treatment",
    "best available therapy": "the best approved MS medicine for each participant, chosen by their doctors",
    "standard of care": "the usual treatment the participant would get anyway",
}
MASKED_WORDS = {
    "PARTICIPANT": "participants",
    "CARE_PROVIDER": "their doctors and nurses",
    "INVESTIGATOR": "the researchers",
    "OUTCOMES_ASSESSOR": "the people who measure the results",
}


def _arm_text(arm: Arm, cells_in_every_group: bool = False) -> str:
    # A comparator group that also gets the cells (another dose or schedule) gets no "existing
    # treatment instead": the registry's type says only that it is compared.
    compared_cells = cells_in_every_group and arm.type in ("ACTIVE_COMPARATOR", "OTHER")
    words = "gets the cells being tested too (another dose or schedule), for comparison" if compared_cells \
        else ARM_WORDS.get(arm.type, "a study group")
    if arm.type == "NO_INTERVENTION" and _PLACEBO_WORD.search(f"{arm.label} {arm.description}"):
        words = "gets a placebo, for comparison (registered as a group with no intervention)"
    text = f"{arm.label}: {words}"
    if arm.interventions:
        text += f" ({'; '.join(arm.interventions)})"
    if arm.type in ("PLACEBO_COMPARATOR", "ACTIVE_COMPARATOR", "SHAM_COMPARATOR") and not compared_cells:
        named = " ".join((arm.label, *arm.interventions)).lower()
        meanings = [m for word, m in COMPARATOR_WORDS.items() if word in named]
        if meanings:
            text += ". Here that means " + "; ".join(meanings)
    return text + "."


def _design_section(trial: Study, gives: bool = True) -> Section:
    """How the study is done. The words for groups and blinding speak of who gets the
    treatment; for a study that gives none (``gives`` False), the registry's words only."""
    d = trial.design
    items: list[Line] = []
    if not gives:
        registered = [(what, value.replace("_", " ").lower()) for what, value in (
            ("Allocation", d.allocation), ("Model", d.intervention_model), ("Masking", d.masking)) if value]
        items += [Line(what, f"{value} (as registered)", what.lower()) for what, value in registered]
        items += [Line("Group", f"{a.label}: {a.description or 'no description'}", "arm group") for a in d.arms]
        return Section("How the study is done", tuple(items) or (
            Line("", "The stored record does not describe the design; see the registry record.", "design (absent)"),))
    if d.allocation:
        items.append(Line("Groups", ALLOCATION_WORDS.get(d.allocation, d.allocation), "allocation"))
    if d.intervention_model == "CROSSOVER":
        items.append(Line("Crossover", "Groups switch treatment part-way through the study (registered as a "
                                       "crossover study); each group's own description is quoted below.",
                          "intervention model"))
    found = arms_giving(trial) or []
    every = len(found) > 1 and all(gives for _, gives in found)
    # In a crossover the group's type tells only its first period: its own words tell the switch.
    items += [Line("Group", _arm_text(a, every) + (f' As registered: "{plain.clip(a.description, 400)}"'
                                                   if d.intervention_model == "CROSSOVER" and a.description else ""),
                   "arm group") for a in d.arms]
    if d.masking == "NONE":
        items.append(Line("Who knows the group", "Nobody is blinded: everyone knows who gets what (open label).",
                          "masking"))
    elif d.masking:
        who = ", ".join(MASKED_WORDS.get(w, w.lower()) for w in d.who_masked) or "some of those involved"
        items.append(Line("Who knows the group", f"Blinded: {who} are not told who is in which group.",
                          "masking, who masked"))
    if trial.enrollment is not None:
        items.append(Line("How many people", f"{trial.enrollment} ({counted(trial)})", "enrollment"))
    end = trial.completion_date or trial.primary_completion_date
    if trial.start_date or end:
        items.append(Line("How long", f"From {trial.start_date or 'a start not stated'} to "
                                      f"{end or 'an end not stated'} (the whole study, as registered).",
                          "start date, completion date"))
    if not items:
        items.append(Line("", "The stored record does not describe the design; see the registry record.",
                          "design (absent)"))
    return Section("How the study is done", tuple(items))


def _contacts_section(entry: Entry) -> Section:
    """Whom to ask: the trial's contacts, those only another registry's record gives named as
    that record's (a patient must not miss a contact because another registry holds it)."""
    trial = entry.study
    items = [Line("Investigator", ", ".join(p for p in (c.name, c.affiliation) if p), "overall officials")
             for c in trial.officials]
    items.append(Line("Sponsor", trial.sponsor or "not stated in the record", "lead sponsor"))
    if trial.collaborators:
        items.append(Line("Collaborators", "; ".join(trial.collaborators), "collaborators"))
    if trial.funders:
        items.append(Line("Funders", "; ".join(trial.funders), "funders"))
    contacts = tuple(c for c in trial.central_contacts if c.name or c.phone or c.email)
    elsewhere = Counter(c.listed_by for c in contacts if c.listed_by)
    items += [Line(f"From the {registry} record", f"{plain.count(found, 'contact', 'contacts')} listed above",
                   "central contacts")
              for registry, found in elsewhere.items()]
    if not contacts and any(c for s in trial.sites for c in s.contacts):
        items.append(Line("", "No central contact is listed: use the site contacts below or the "
                              "registry record.", "central contacts (absent), location contacts"))
    elif not contacts:
        return Section("Who to contact", tuple(i for i in items if i.value), link=(
            "The stored record lists no contact for this study: see the registry record", trial.url))
    return Section("Who to contact", tuple(i for i in items if i.value), contacts=contacts)


def _findings_section(trial: Study, is_full: bool) -> Section:
    """Results and publications as the record states them, other papers apart: a background
    paper or a protocol is never shown as this study's result (``findings.statements``)."""
    return Section("What it found", tuple(Line(st.label, st.text or "citation not given", st.fields or OWN_WORDS,
                                               link=st.link) for st in findings.statements(trial, is_full)))


def _dates_section(trial: Study) -> Section:
    items = (
        Line("Start", trial.start_date, "start date"),
        Line("Primary completion", trial.primary_completion_date, "primary completion date"),
        Line("Completion", trial.completion_date, "completion date"),
        Line("First posted", trial.first_posted, "first posted"),
        Line("Last update", trial.last_update, "last update posted"),
    )
    return Section("Dates (as registered)", tuple(i for i in items if i.value))


def _site_status(site: str, trial: str) -> str:
    """A site's own status, and when it says open while the study is not (or its status is
    unknown), that this is the site's last report."""
    if not site:
        return ""
    if site in OPEN_TO_NEW and trial and trial not in OPEN_TO_NEW:
        return (f"{status_words(site)} as last reported for this site; the study as a whole: "
                f"{status_words(trial).lower()}")
    return status_words(site)


def study_card(entry: Entry) -> Card:
    trial = entry.study
    sites = tuple(
        SiteRow(
            facility=s.facility,
            place=f"{s.place} (listed by the trial's {s.listed_by} record)" if s.listed_by else s.place,
            status=_site_status(s.status, trial.overall_status),
            contact="; ".join(c.text for c in s.contacts)
            or "none published",
            contacts=s.contacts,
        )
        for s in trial.sites
    )
    cited: list[Claim] = []  # sources in the order the card cites them
    found = entry.flags
    warning = (_flag_section(found, cited),) if found else ()
    therapy = _therapy_section(entry, cited)
    return Card(
        study_id=trial.id.value,
        title=trial.named_title,
        url=trial.url,
        registry=name_of(trial.id.registry),
        sections=tuple(_attributed(section, entry) for section in (
            *warning,
            # Whether the study takes anyone, and how sure the record is of it, before the
            # long texts about the therapy.
            _status_section(entry),
            *(s for s in (_registries_section(entry),) if s),
            # Whom to ask comes next: on a phone the therapy's background below runs to many screens.
            _contacts_section(entry),
            therapy,
            *((_sources_section(cited),) if cited else ()),
            _findings_section(trial, entry.is_full),
            _eligibility_section(entry),
            _design_section(trial, entry.study_role == GIVES),
            _dates_section(trial),
        )),
        sites=sites,
        is_full=entry.is_full,
    )


# What a contact field must look like before the page makes it a link: a phone number of
# digits, spaces, + - ( ) . and an extension; a plain e-mail address. Anything else is text.
_PHONE = re.compile(r"(\+?[0-9 ()\-.]{5,30}?)(?:\s*(?:ext\.?|x)\s*([0-9]{1,6}))?", re.IGNORECASE)
_EMAIL = re.compile(r"[A-Za-z0-9._%+-]{1,64}@[A-Za-z0-9-]{1,63}(?:\.[A-Za-z0-9-]{1,63})*\.[A-Za-z]{2,24}")


def tel_link(phone: str) -> str | None:
    """``tel:+15551234567;ext=12`` for a phone number, or None when it is no number."""
    match = _PHONE.fullmatch(phone.strip())
    if not match:
        return None
    digits = re.sub(r"[^0-9]", "", match.group(1))
    if not 5 <= len(digits) <= 20:
        return None
    plus = "+" if match.group(1).startswith("+") else ""
    return f"tel:{plus}{digits}" + (f";ext={match.group(2)}" if match.group(2) else "")


def mailto_link(email: str) -> str | None:
    return f"mailto:{email}" if len(email) <= 254 and _EMAIL.fullmatch(email) else None


def _contact_markdown(contact: Contact) -> str:
    return "**Contact:** " + reach(contact)


def reach(contact: Contact) -> str:
    """A contact's name, and its phone and e-mail as links to call or write (once validated)."""
    def one_line(text: str) -> str:
        return plain.md_escape(plain.clip(" ".join(text.split()), plain.FIELD_LIMIT))

    parts = [one_line(contact.name)] if contact.name.strip() else []
    for value, href in ((contact.phone, tel_link(contact.phone)),
                        (contact.email, mailto_link(contact.email))):
        if href:
            parts.append(f"[{plain.md_escape(value, in_link=True)}]({href})")
        elif value.strip():
            parts.append(one_line(value))
    return ", ".join(parts)


def site_markdown(names: tuple[str, ...], status: str, contacts: tuple[Contact, ...]) -> str:
    """One site as a list item of text a phone can read aloud and tap (a table is drawn on a
    canvas: nothing in it can be tapped, copied or read by a screen reader)."""
    # One line each: a blank line in registry text would end the list item early.
    where = ", ".join(plain.md_escape(plain.clip(" ".join(t.split()), plain.FIELD_LIMIT))
                      for t in names if t.strip()) or "Site not named"
    reached = "; ".join(reach(c) for c in contacts) or "no contact listed for this site"
    return f"- **{where}**: {plain.md_escape(status)}. Contact: {reached}"


def sites_markdown(card: Card) -> str:
    """The card's sites, a list item each."""
    return "\n".join(site_markdown((s.facility, s.place), s.status or "status not stated for this site",
                                   s.contacts) for s in card.sites)


def record_words(line: Line) -> list[str]:
    """The record fields a line names (none for a reviewed source, the finder's explanation,
    or a pointer at the line itself, "the fields named in it")."""
    if "https://" in line.source or line.source == OWN_WORDS or line.source.startswith("the "):
        return []
    return line.source.split(", ")


def _attributed(section: Section, entry: Entry) -> Section:
    """The section with each line's and its own record fields traced to the records they came from."""
    items = tuple(item if item.read_from else item._replace(read_from=provenance.sources(entry, record_words(item)))
                  for item in section.items)
    # (Contacts are shown above the lines, read from the central contacts.)
    words = [*(["central contacts"] if section.contacts else []), *(w for item in items for w in record_words(item))]
    found = _joined_sources((*provenance.sources(entry, words), *(f for item in items for f in item.read_from)))
    # A trial with one record: the card's heading names it, so the note names its fields only.
    note = provenance.text(found) if len(entry.records) > 1 else (
        f"the record: {', '.join(dict.fromkeys(words))}" if words else "")
    return replace(section, items=items, read_from=found, read_note=note)


def _joined_sources(found: tuple[provenance.From, ...]) -> tuple[provenance.From, ...]:
    """One From per record, its fields joined in order of first use."""
    by_record: dict[Any, provenance.From] = {}
    for f in found:
        seen = by_record.get(f.record)
        by_record[f.record] = f if seen is None else replace(
            seen, fields=tuple(dict.fromkeys((*seen.fields, *f.fields))))
    return tuple(by_record.values())


def record_fields(section: Section) -> str:
    """The records a section's lines were read from and their fields, in order of first use
    ("" for a section of reviewed sources only)."""
    return section.read_note


def section_markdown(section: Section) -> str:
    """A section as Markdown: every piece of registry text escaped and cut to
    ``plain.FIELD_LIMIT`` (``long_items`` has the rest); links only those we build."""
    lines = [_contact_markdown(c) for c in section.contacts]
    for line in section.items:
        text = plain.md_escape(plain.clip(line.value, plain.FIELD_LIMIT))
        if line.link:  # ours, from the reviewed sources: a link whose text copies cleanly
            # (Parentheses in a DOI would end the Markdown link early: they are percent-encoded.)
            target = line.link.replace("(", "%28").replace(")", "%29")
            text += f" [{plain.md_escape(line.link_text or line.link, in_link=True)}]({target})"
        lines.append(f"**{plain.md_escape(line.label)}:** {text}" if line.label else text)
    if section.link:
        text, url = section.link
        lines.append(f"[{plain.md_escape(text, in_link=True)}]({url})")
    fields = record_fields(section)
    if fields:
        lines.append(f"*{plain.md_escape('Read from ' + fields + '.')}*")
    return "\n\n".join(lines)


def long_items(section: Section) -> list[tuple[str, str]]:
    """(label, full text) of the items ``section_markdown`` had to cut."""
    return [(line.label or section.title, line.value) for line in section.items
            if len(line.value) > plain.FIELD_LIMIT]


def sites_for_page(card: Card) -> list[SiteRow]:
    """The card's sites, each field cut to ``plain.FIELD_LIMIT`` for the page's table."""
    def cut(text: str) -> str:
        return plain.clip(text, plain.FIELD_LIMIT)

    return [SiteRow(cut(s.facility), cut(s.place), cut(s.status), cut(s.contact), s.contacts) for s in card.sites]


def card_data(card: Card) -> dict[str, Any]:
    """The card as plain data, for ``trials show --format json``: every line with its source."""
    return {
        "study_id": card.study_id, "title": card.title, "url": card.url, "is_full": card.is_full,
        "sections": [{
            "title": section.title,
            "contacts": [c.text for c in section.contacts],
            "lines": [{"label": line.label, "value": line.value, "source": line.source, "link": line.link or None,
                       "read_from": [f.as_dict() for f in line.read_from]} for line in section.items],
            "read_from": [f.as_dict() for f in section.read_from],
            "link": dict(zip(("text", "url"), section.link, strict=True)) if section.link else None,
            "criteria_as_published": section.verbatim or None,
        } for section in card.sections],
        "sites": [{"facility": s.facility, "place": s.place, "status": s.status, "contact": s.contact}
                  for s in card.sites],
    }


def card_text(card: Card) -> str:
    """The card for a terminal (the caller makes it terminal-safe)."""
    out = [f"{card.study_id}  {card.title}", f"{card.registry} record: {card.url}"]
    for section in card.sections:
        out += ["", section.title.upper()]
        out += [f"  Contact: {c.text}" for c in section.contacts]
        for line in section.items:
            text = f"{line.value} {line.link}" if line.link else line.value
            out.append(f"  {line.label}: {text}" if line.label else f"  {text}")
        if record_fields(section):
            out.append(f"  (read from {record_fields(section)})")
        if section.link:
            out.append(f"  {section.link[0]}: {section.link[1]}")
        if section.verbatim:
            out += [f"  {section.verbatim_title}:"] + [f"    {line}" for line in section.verbatim.splitlines()]
    if card.sites:
        out += ["", f"SITES ({len(card.sites)})"]
        out += [f"  {' - '.join(p for p in (s.facility, s.place, s.status, s.contact) if p)}"
                for s in card.sites]
    if not card.is_full:
        out += ["", "Only summary fields are stored for this study; see the registry record."]
    return "\n".join(out)
