"""Warning flags for registry entries that look like paid treatment rather than research.

Some ClinicalTrials.gov entries for stem-cell "treatments" are run by clinics that charge
the people who take part. Nothing in the registry says so directly, so each rule here
reads one kind of evidence from the record and, when it fires, names it: the phrase and
field, the sponsor and its class, the dates. A flag is a reason to ask questions, never a
verdict; ``MEANS`` and ``DOES_NOT_MEAN`` say so on every card that shows one.

Every rule except the payment wording needs a commercial lead sponsor offering the
treatment at one or a few sites: universities, hospitals and public bodies run most MS
studies, and their stale or unpublished records are not what these flags are for.
Rules read the language of the record, never a list of NCT ids.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from ..model import Study
from ..store.sqlite import SponsorCheck
from . import classify
from .status import STILL_OPEN, end_of, years_before

# Registry-sponsor classes that are public bodies or research networks, never clinics.
PUBLIC_CLASSES = frozenset({"NIH", "FED", "OTHER_GOV", "NETWORK"})
MAX_SITES = 3  # "one or a few sites": a clinic treats where it is
LONG_AGO_YEARS = 2  # the registry itself calls a status UNKNOWN after two unconfirmed years

PAY = "pay_to_participate"
SPONSOR_PAY = "sponsor_asks_payment_elsewhere"
CLAIM = "claims_it_works"
COMPANY = "company_offer"
STALE = "stale_status"
NO_RESULTS = "no_results"
UNCONFIRMED_NUMBER = "names_an_unconfirmed_trial"

TITLES = {  # short words for the table and the CSV
    PAY: "asks participants to pay",
    SPONSOR_PAY: "sponsor's other listings ask participants to pay",
    CLAIM: "the listing says the treatment is safe or works",
    COMPANY: "company treating several conditions without a comparison group",
    STALE: "status not confirmed for years",
    NO_RESULTS: "completion date long past, no results posted",
    UNCONFIRMED_NUMBER: "gives another registry's trial number that trial does not confirm",
}

MEANS = (
    "A flag means this registry entry shows signs we also see in listings run by clinics "
    "that sell stem-cell treatments: the reasons are listed above, each with the words or "
    "dates in the record that caused it."
)
DOES_NOT_MEAN = (
    "A flag does not mean the study is a fraud or unsafe, and no flag does not mean a study "
    "is safe, approved or free. Registration on ClinicalTrials.gov is not a review or an "
    "approval by anyone. Ask the study team who pays for what, and discuss it with your "
    "neurologist."
)


@dataclass(frozen=True)
class Flag:
    code: str  # one of TITLES
    reason: str  # plain words naming the evidence (phrase and field, sponsor, dates)

    @property
    def title(self) -> str:
        return TITLES[self.code]


# -- rule 1: the text asks participants to pay ------------------------------------------

_WHO = r"(?:patients?|participants?|subjects?|volunteers?|individuals?)"
_PAY_PATTERNS = tuple(re.compile(p, re.IGNORECASE) for p in (
    # "patient sponsored", "patient-funded", "participant-paid"
    rf"\b{_WHO}['’]?s?['’]?[- ](?:sponsored|funded|financed|paid)\b",
    # "self-pay", "self-paying" ("self-funded" alone often means the investigator's money)
    r"\bself[- ]?(?:pay|paid|paying)\b",
    # "patients' own funding", "at their own expense"
    rf"\b(?:{_WHO}['’]?s?['’]?|their|his or her) own (?:funding|funds|expense|expenses|cost)\b",
    # "participants will pay", "patients must cover the costs" (not "pay attention")
    rf"\b{_WHO} (?:will|must|shall|have to|has to|are required to|is required to|agree to) "
    r"(?:pay\b(?!\s+attention)|(?:cover|bear) (?:the |all |any )?(?:cost|costs|expenses|fees?)\b)",
    # "patients are responsible for the cost of ..."
    rf"\b{_WHO} (?:will be|are|is) (?:responsible|charged|billed) for (?:the |all |any )?"
    r"(?:cost|costs|fee|fees|payment|expenses|price)\b",
    # "the cost of treatment is paid by the patient"
    r"\bcosts? of (?:the )?(?:treatment|procedure|therapy|stem cells?|cells|participation|study)"
    rf"[^.;]{{0,60}}\b(?:paid|borne|covered|payable|funded) by (?:the )?{_WHO}",
    # "treatment fee", "a fee for the procedure", "program fees"
    r"\b(?:treatment|procedure|therapy|study|participation|program|programme|processing|"
    r"laboratory|enrol?ment|registration|cell) fees?\b",
    r"\bfees? (?:for|of) (?:the )?(?:treatment|procedure|therapy|cells|participation|study)\b",
    # "cost of the treatment is $15,000", "price for the procedure: USD 9,000"
    r"\b(?:cost|costs|price|fee|fees) (?:of|for) (?:the |each |one )?(?:treatment|procedure|"
    r"therapy|cells?|stem cells?|participation|program|programme|infusions?|injections?)\b"
    r"[^.;]{0,30}(?:US\$|\$|USD|€|EUR|£|GBP)\s?\d",
))
# Money going the other way, or no money at all.
_NOT_A_CHARGE = re.compile(
    r"\b(?:no|not|never|without|free|waived|at no|compensat\w*|reimburs\w*|stipend|"
    r"gift card|paid to|will receive|will be paid)\b", re.IGNORECASE)
_SENTENCE = re.compile(r"[^.;\n]+")


def pay_evidence(study: Study) -> tuple[str, str] | None:
    """(phrase, field) of the first words in the record asking participants to pay."""
    for field, text in study.texts:
        for sentence in _SENTENCE.findall(text):
            for pattern in _PAY_PATTERNS:
                match = pattern.search(sentence)
                if match and not _NOT_A_CHARGE.search(sentence):
                    return match.group(0), field
    return None


# -- rule 2: the listing itself says the treatment is safe or works ------------------------

# Research asks whether a treatment works; a listing that sells it says that it does.
_CLAIM_PATTERNS = tuple(re.compile(p, re.IGNORECASE) for p in (
    # "is safe and effective", "have been proven to be effective", "is a safe and will induce"
    r"\b(?:is|are|has been|have been|was|were)\s+(?:(?:proven|shown|demonstrated|found|known)\s+"
    r"(?:to\s+be\s+)?)?(?:an?\s+|both\s+|very\s+|highly\s+)?(?:safe|effective|efficacious)"
    r"\s+(?:and\s+(?:safe|effective|efficacious|will|can|does)\b|(?:treatment|therapy|option|cure)\b)",
    r"\b(?:is|are|has been|have been)\s+(?:proven|shown|demonstrated)\s+(?:to\s+be\s+)?"
    r"(?:safe|effective|efficacious|beneficial)\b",
    r"\bnot\s+only\s+safe\s+but\s+(?:also\s+)?(?:effective|efficacious)",
    r"\bproven\s+(?:to\s+(?:be\s+)?)?(?:safe|effective|efficacious|work|treatments?|therap\w+|benefits?|results)\b",
    r"\bwill\s+(?:induce|produce|provide|bring|have)\s+(?:a\s+)?(?:therapeutic|clinical|beneficial|positive"
    r"|significant)\s+(?:effect|benefit|response|improvement)",
    # Verbs in lower case: "HALT-MS" is a trial's name.
    r"(?-i:\b(?:cures?|reverses?|halts?))\s+(?:the\s+)?(?:progression\s+of\s+)?(?:ms|multiple\s+sclerosis"
    r"|the\s+disease|disability|damage|symptoms)\b",
))
# A question, a hope or somebody else's finding (animals, other diseases) is not a claim.
_NOT_A_CLAIM = re.compile(
    r"\b(?:whether|if|may|might|could|would|potential(?:ly)?|possibl[ey]|hypothes\w*|aims?|objectives?"
    r"|purpose|goal|hope|expect\w*|to\s+(?:evaluate|assess|determine|investigate|test|study|examine"
    r"|demonstrate|confirm|show|establish|explore|compare)|animals?|mice|murine|rats?|pre-?clinical"
    r"|EAE|in\s+vitro)\b", re.IGNORECASE)
# A denial just before the words ("there is no proven treatment", "not effective").
_DENIED = re.compile(r"\b(?:not|no|none|never|lack\s+of|without|unproven|nor)\W+(?:\w+\W+){0,2}$", re.IGNORECASE)
_CLAIM_FIELDS = ("brief title", "official title", "brief summary", "detailed description")


def claim_evidence(study: Study) -> tuple[str, str] | None:
    """(sentence, field) of the first sentence where the listing says its treatment is safe
    or works, in its titles, summary or description."""
    for field, text in study.texts:
        if field not in _CLAIM_FIELDS:
            continue
        for sentence in _SENTENCE.findall(text):
            # About the stem-cell product, not a drug given beside it or another treatment.
            if _NOT_A_CLAIM.search(sentence) or not classify.classify_sentence(sentence):
                continue
            if any(m and not _DENIED.search(sentence[:m.start()])
                   for m in (p.search(sentence) for p in _CLAIM_PATTERNS)):
                # The whole sentence: a claim's few words alone read oddly ("is a safe and will").
                words = " ".join(sentence.split())
                return (words if len(words) <= 200 else words[:199] + "…"), field
    return None


# -- who runs it, where, and against what -------------------------------------------------

_COMPANY_WORDS = re.compile(
    r"\b(?:inc|llc|llp|ltd|limited|corp|corporation|co|gmbh|s\.?a|s\.?r\.?l|pvt|plc|pty|"
    r"biotech\w*|bio-?technology|bioscience\w*|therapeutics|stem ?cells?|regenerative|"
    r"cellular medicine|anti-?aging)\b\.?", re.IGNORECASE)
_ACADEMIC_WORDS = re.compile(
    r"universit|college|hospital|hôpital|hospice|ospedale|klinikum|\bnhs\b|\birccs\b|"
    r"national|ministry|medical cent(?:er|re)|health sciences|school of medicine|academy|"
    r"institute of (?:health|medical)", re.IGNORECASE)


@dataclass(frozen=True)
class _Sponsor:
    name: str
    kind: str  # the registry's class, e.g. INDUSTRY

    @property
    def is_company(self) -> bool:
        """A business, by the registry's class or (when it says OTHER) by its name."""
        if self.kind == "INDUSTRY":
            return True
        if self.kind in PUBLIC_CLASSES or _ACADEMIC_WORDS.search(self.name):
            return False
        return bool(_COMPANY_WORDS.search(self.name))

    @property
    def words(self) -> str:
        kind = _CLASS_WORDS.get(self.kind, "a kind of organisation the registry does not say")
        return f"lead sponsor {self.name or 'not named'} ({kind})"


# The registry's sponsor classes in plain words (ClinicalTrials.gov's AgencyClass values).
_CLASS_WORDS = {
    "INDUSTRY": "a company, as the registry classes it",
    "NIH": "the US National Institutes of Health", "FED": "a US federal agency", "OTHER_GOV": "a government body",
    "NETWORK": "a research network", "INDIV": "an individual", "UNKNOWN": "a kind of organisation not known",
    "OTHER": "a university, hospital or other organisation, as the registry classes it",
    "AMBIG": "a kind of organisation the registry could not tell",
}


def _sites_words(count: int) -> str:
    return "no site listed" if count == 0 else f"{count} site{'s' if count != 1 else ''}"


_COMPARATOR_ARMS = {"PLACEBO_COMPARATOR", "ACTIVE_COMPARATOR", "SHAM_COMPARATOR",
                    "NO_INTERVENTION"}
_COMPARATOR_WORDS = re.compile(
    r"\b(?:placebo|sham|control(?:led)?|versus|vs\.?|compared (?:with|to)|comparator|"
    r"(?<!non-)(?<!non )randomi[sz]ed)\b", re.IGNORECASE)


def _comparison(study: Study) -> str | None:
    """What in the record shows a comparison group, or None when nothing does."""
    if study.design.allocation == "RANDOMIZED":
        return "randomised allocation"
    for arm in study.design.arms:
        if arm.type in _COMPARATOR_ARMS:
            return f"a {arm.type.replace('_', ' ').lower()} arm"
    for text in (study.title, study.official_title, *(i.name for i in study.interventions)):
        match = _COMPARATOR_WORDS.search(text)
        if match:
            return f"'{match.group(0)}'"
    return None


def _design_words(study: Study) -> str:
    design = study.design
    parts = [v.replace("_", " ").lower() for v in (design.intervention_model, design.allocation, design.masking)
             if v and v != "NA"]
    parts = ["open label" if p == "none" else p for p in parts]
    return ", ".join(parts) or "no comparison group named in the record"


_MS_CONDITION = re.compile(
    r"multipl\w* scler|\bMS\b|\b(?:RR|SP|PP|PR)MS\b|clinically isolated|demyelinat", re.IGNORECASE)


def _other_conditions(study: Study) -> list[str]:
    """Listed conditions that are not MS (nor an MS form), when more than one is listed."""
    if len(study.conditions) < 2:
        return []
    return [c.rstrip(". ") for c in study.conditions if not _MS_CONDITION.search(c)]


# -- the rules ------------------------------------------------------------------------

def _pay_flag(study: Study) -> Flag | None:
    found = pay_evidence(study)
    if not found:
        return None
    phrase, field = found
    return Flag(PAY, f"The {field} says \u201c{phrase}\u201d: participants may be asked to pay.")


def _claim_flag(study: Study, sponsor: _Sponsor) -> Flag | None:
    found = claim_evidence(study)
    if not found:
        return None
    phrase, field = found
    return Flag(CLAIM, (
        f"The {field} of this listing by the {sponsor.words} says \u201c{phrase}\u201d: it states as "
        "a fact what a study is meant to find out."))


def _sponsor_pay_flag(study: Study, sponsor: _Sponsor, elsewhere: SponsorCheck | None) -> Flag | None:
    others = [p for p in elsewhere.paying if p[0] != study.id.value] if elsewhere else []
    if elsewhere is None or not others:
        return None
    named = "; ".join(f"{study_id} (its {field} says \u201c{phrase}\u201d)" for study_id, phrase, field in others[:3])
    more = f" and {len(others) - 3} more" if len(others) > 3 else ""
    return Flag(SPONSOR_PAY, (
        f"Other ClinicalTrials.gov listings of the {sponsor.words} ask participants to pay: "
        f"{named}{more} (looked up on {elsewhere.checked_at[:10]})."))


def _company_flag(study: Study, sponsor: _Sponsor) -> Flag | None:
    others = _other_conditions(study)
    if not others or _comparison(study):
        return None
    shown = "; ".join(others[:5]) + (f" and {len(others) - 5} more" if len(others) > 5 else "")
    return Flag(COMPANY, (
        f"The {sponsor.words} offers the treatment at {_sites_words(len(study.sites))}, with "
        f"no comparison group ({_design_words(study)}), for multiple sclerosis alongside "
        f"other conditions: {shown}."))


def _stale_flag(study: Study, sponsor: _Sponsor, data_date: date) -> Flag | None:
    status = study.overall_status
    if status == "UNKNOWN":
        last = study.last_known_status
        last_words = f", last reported as {last.replace('_', ' ').lower()}" if last else ""
        return Flag(STALE, (
            f"The registry status is UNKNOWN: the {sponsor.words} has not confirmed for over "
            f"two years whether the study still runs{last_words}."))
    # ms-2025-09-style sparse records have no statusVerifiedDate: no date, no flag.
    verified = study.last_verified
    checked = end_of(verified) if verified else None
    if status in STILL_OPEN and checked and checked < years_before(data_date, LONG_AGO_YEARS):
        return Flag(STALE, (
            f"The record says {status.replace('_', ' ').lower()}, but the {sponsor.words} "
            f"last verified it in {verified} (data of {data_date.isoformat()})."))
    return None


def _results_flag(study: Study, sponsor: _Sponsor, data_date: date) -> Flag | None:
    if study.has_results or study.overall_status == "WITHDRAWN":
        return None  # a withdrawn study treated nobody, so it has nothing to report
    ended = end_of(study.completion_date)
    if ended is None or ended >= years_before(data_date, LONG_AGO_YEARS):
        return None
    return Flag(NO_RESULTS, (
        f"The completion date {study.completion_date} (as the record gives it, planned or actual) is more "
        f"than {LONG_AGO_YEARS} years before the data date ({data_date.isoformat()}) and the {sponsor.words} "
        f"has posted no results."))


def data_date_of(data_timestamp: str | None) -> date | None:
    """The date of a registry data version ('2025-09-25T00:00:00' -> 2025-09-25)."""
    try:
        return date.fromisoformat(data_timestamp[:10]) if data_timestamp else None
    except ValueError:
        return None


def sponsor_rules_apply(study: Study, therapy_labels: tuple[str, ...]) -> bool:
    """Whether the rules about who runs a listing concern this study: a stem-cell study
    whose lead sponsor is a business offering it at one or a few sites."""
    return (bool(therapy_labels) and _Sponsor(study.sponsor, study.sponsor_class).is_company
            and len(study.sites) <= MAX_SITES)


def flags_for(study: Study, data_date: date | None, therapy_labels: tuple[str, ...],
              elsewhere: SponsorCheck | None = None) -> tuple[Flag, ...]:
    """Every flag the record earns, in a fixed order; () for most studies.

    ``data_date`` is the date of the registry data (not today's clock): "long ago" and
    "not verified for years" are measured from it, and without one they are not judged.
    ``therapy_labels`` are the study's
    stem-cell labels (trials.classify): the sponsor rules describe clinics selling cell
    treatments, so a drug company's old trial without posted results is not their business.
    Payment wording is flagged in any study. ``elsewhere`` is what a lookup of the lead
    sponsor's other listings found (the refresh makes it for the sponsors these rules concern).
    """
    found = [_pay_flag(study)]
    sponsor = _Sponsor(study.sponsor, study.sponsor_class)
    if sponsor_rules_apply(study, therapy_labels):
        found += [_sponsor_pay_flag(study, sponsor, elsewhere), _claim_flag(study, sponsor),
                  _company_flag(study, sponsor)]
        if data_date is not None:
            found += [_stale_flag(study, sponsor, data_date), _results_flag(study, sponsor, data_date)]
    return tuple(f for f in found if f is not None)


# -- rule 7: the record gives a real trial's number that the trial does not give back ----------

def unconfirmed_number_flag(named: tuple[str, ...]) -> Flag | None:
    """A record that names other registries' trials as its own, where those trials' records do
    not name it back and their details differ (``analysis.links``): a typo, or a listing
    borrowing a real trial's standing. ``named``: "NCT01228266 on ClinicalTrials.gov", ..."""
    if not named:
        return None
    return Flag(UNCONFIRMED_NUMBER, f"It gives {', '.join(named)} as the same trial's number, but that record does "
                "not give this one back and their sponsor, title and acronym differ: they are not the same "
                "trial as far as the registries show.")
