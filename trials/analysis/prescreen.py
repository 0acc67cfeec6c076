"""A patient's pre-screen: could the published limits take me?

A profile (age, sex, MS type, EDSS; each optional) is compared with what
``trials.eligibility`` read from a study, criterion by criterion. The verdict
is exactly one of FITS ("likely fits"), DOES_NOT_FIT ("does not fit") or ASK
("ask your neurologist"). It never says "eligible": only the study team
decides that.

``does not fit`` needs a published limit that clearly excludes the answer.
Anything unclear, missing or contradictory (the registry's fields and the
text disagree, the patient did not answer, the record has no criteria text)
makes the verdict ``ask your neurologist``. Requirements the profile cannot
answer (disease duration, recent relapses, treatments that failed) are listed
as "to check" for the neurologist; they do not change the verdict.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

import pandas as pd

from ..errors import InputError
from .eligibility import TYPE_WORDS, Criteria, Limit, edss_words, range_words
from .status import OPEN_TO_NEW, status_words

FITS = "likely fits"
DOES_NOT_FIT = "does not fit"
ASK = "ask your neurologist"
NOT_OPEN = "not open to new participants"
VERDICTS = (FITS, ASK, DOES_NOT_FIT, NOT_OPEN)  # the page's sort order: likely fits first

OK, NO, UNCLEAR, TO_CHECK = "fits", "does not fit", "unclear", "to check"

SEXES = ("female", "male")
PATIENT_TYPES = ("RRMS", "SPMS", "PPMS", "CIS")
MAX_AGE = 120

VERDICT_MEANING = {
    FITS: "Your answers are inside every published limit on age, sex, MS type and EDSS that "
          "could be checked. Only the study team can say whether you can take part.",
    ASK: "Something could not be checked: a limit you did not answer, a limit the record does not "
         "state clearly, or two published limits that disagree. Your neurologist can tell.",
    DOES_NOT_FIT: "A published limit clearly leaves out one of your answers.",
    NOT_OPEN: "The registry's status says the study takes no new participants (it is completed, closed "
              "or stopped), so no answer can fit it now.",
}

EDSS_EXPLAINED = (
    "EDSS (Expanded Disability Status Scale) is the score neurologists use for disability in MS, "
    "from 0 (normal examination) to 10, in steps of 0.5. Around 4.0 to 5.5 walking becomes limited; "
    "6.0 means needing a stick or crutch to walk about 100 metres. Your neurologist can tell you yours."
)


@dataclass(frozen=True)
class Profile:
    age: int | None = None
    sex: str | None = None  # "female" | "male"
    ms_type: str | None = None  # RRMS | SPMS | PPMS | CIS
    edss: float | None = None

    @property
    def is_empty(self) -> bool:
        return self == Profile()


@dataclass(frozen=True)
class Reason:
    criterion: str  # "Age", "Sex", "MS type", "EDSS", or a requirement to check
    status: str  # fits / does not fit / unclear / to check
    detail: str
    source: str  # the sentence (or registry field) it rests on

    @property
    def text(self) -> str:
        quoted = f' ("{self.source}")' if self.source else ""
        return f"{self.criterion}: {self.status}: {self.detail}{quoted}"


@dataclass(frozen=True)
class Fit:
    verdict: str
    reasons: tuple[Reason, ...]

    @property
    def text(self) -> str:
        """One reason a line (the CSV cell and the page both show it so)."""
        return "\n".join(r.text for r in self.reasons)


# -- validating what a person typed -------------------------------------------------

def parse_age(value: object) -> int | None:
    if value is None or value == "":
        return None
    try:
        age = int(str(value).strip())
    except ValueError:
        raise InputError(f"Age {value!r} is not a whole number of years (for example 42).") from None
    if not 0 <= age <= MAX_AGE:
        raise InputError(f"Age {age} is outside 0 to {MAX_AGE} years.")
    return age


def parse_sex(value: str | None) -> str | None:
    if not value:
        return None
    text = value.strip().casefold()
    aliases = {"female": "female", "f": "female", "woman": "female", "male": "male", "m": "male", "man": "male"}
    if text not in aliases:
        raise InputError(f"Sex {value!r} is not understood. Use female or male.")
    return aliases[text]


def parse_ms_type(value: str | None) -> str | None:
    if not value:
        return None
    text = value.strip().upper()
    if text not in PATIENT_TYPES:
        raise InputError(f"MS type {value!r} is not understood. Use one of {', '.join(PATIENT_TYPES)}.")
    return text


def parse_edss(value: object) -> float | None:
    if value is None or value == "":
        return None
    try:
        edss = float(str(value).strip().replace(",", "."))
    except ValueError:
        raise InputError(f"EDSS {value!r} is not a number (for example 3.5).") from None
    if not (math.isfinite(edss) and 0 <= edss <= 10 and (edss * 2).is_integer()):
        raise InputError(f"EDSS {value!r} is not a score: EDSS runs from 0 to 10 in steps of 0.5.")
    return edss


def make_profile(age: object = None, sex: str | None = None, ms_type: str | None = None,
                 edss: object = None) -> Profile:
    """A profile from what a person typed; raises InputError on a value it cannot use."""
    return Profile(parse_age(age), parse_sex(sex), parse_ms_type(ms_type), parse_edss(edss))


# -- one criterion at a time --------------------------------------------------------

def _age_status(age: int, limit: Limit) -> str:
    """A whole-years age against a limit: the person is somewhere in [age, age + 1)."""
    if limit.low is not None:
        if age + 1 <= limit.low:
            return NO
        if age < limit.low or (age == limit.low and not limit.low_inclusive):
            return UNCLEAR
    if limit.high is not None:
        # The registry's "65 Years" and a text's "≤ 65" run to the 66th birthday.
        end = limit.high + 1 if limit.high_inclusive and limit.high == int(limit.high) else limit.high
        if age >= end:
            return NO
        if age + 1 > end:
            return UNCLEAR
    return OK


def _age(profile: Profile, c: Criteria) -> Reason | None:
    limits = [x for x in (c.age_structured, c.age_text) if x]
    if not limits:
        return None
    sources = " | ".join(x.source for x in limits)
    published = "; ".join(f"{'registry fields' if x is c.age_structured else 'criteria text'}: "
                          f"{range_words(x, 'years')}" for x in limits)
    if profile.age is None:
        return Reason("Age", UNCLEAR, f"you did not give your age; the study asks for {published}", sources)
    statuses = {_age_status(profile.age, x) for x in limits}
    if statuses == {OK}:
        return Reason("Age", OK, f"{profile.age} is within {published}", sources)
    if statuses == {NO}:
        return Reason("Age", NO, f"{profile.age} is outside {published}", sources)
    return Reason("Age", UNCLEAR, f"{profile.age} is at the edge of, or between, the published limits "
                                  f"({published})", sources)


def _sex(profile: Profile, c: Criteria) -> Reason | None:
    source = f"sex: {c.sex}" if c.sex else ""
    if c.sex in ("", "ALL"):
        return Reason("Sex", OK, "open to all", source) if c.sex == "ALL" else None
    wanted = {"FEMALE": "female", "MALE": "male"}.get(c.sex)
    words = "women only" if wanted == "female" else "men only"
    if profile.sex is None:
        return Reason("Sex", UNCLEAR, f"you did not give your sex; the study takes {words}", source)
    if wanted == profile.sex:
        return Reason("Sex", OK, words, source)
    return Reason("Sex", NO, f"the study takes {words}", source)


def _type_source(c: Criteria) -> str:
    return " | ".join(dict.fromkeys(i.source for i in c.items if i.kind == "ms_type"))


def _ms_type(profile: Profile, c: Criteria) -> Reason | None:
    admitted, excluded = set(c.ms_types), set(c.ms_types_excluded)
    source = _type_source(c)
    listed = ", ".join(TYPE_WORDS[t] for t in sorted(admitted))
    if profile.ms_type is None:
        if admitted:
            return Reason("MS type", UNCLEAR, f"you did not give your MS type; the study is for {listed}", source)
        return None
    mine = TYPE_WORDS[profile.ms_type]
    if profile.ms_type in excluded:
        return Reason("MS type", NO, f"the criteria leave out {mine}", source)
    if not admitted:
        if not c.has_text:
            return Reason("MS type", UNCLEAR, "the stored record has no criteria text to check", "")
        if not c.mentions_ms:
            return Reason("MS type", UNCLEAR, "the criteria do not mention MS", "")
        if profile.ms_type == "CIS":
            return Reason("MS type", UNCLEAR, "the criteria name no MS type; whether CIS counts as MS "
                                              "here is for the study team to say", source)
        return Reason("MS type", OK, "the criteria do not limit the MS type", source)
    if profile.ms_type in admitted:
        return Reason("MS type", OK, f"the study is for {listed}", source)
    if "RMS" in admitted and profile.ms_type in ("SPMS", "CIS"):
        return Reason("MS type", UNCLEAR, f"the study is for {listed}; whether {mine} with relapses "
                                          "counts is for your neurologist to say", source)
    return Reason("MS type", NO, f"the study is for {listed}, not {mine}", source)


def _edss(profile: Profile, c: Criteria) -> Reason | None:
    if c.edss_unclear:
        sources = " | ".join(i.source for i in c.items if i.kind == "edss")
        return Reason("EDSS", UNCLEAR, "the published EDSS limits contradict each other", sources)
    if c.edss is None:
        # Silence fits only when the criteria never name EDSS as a requirement.
        if c.edss_unread:
            return Reason("EDSS", UNCLEAR, "the criteria name an EDSS requirement whose value could not be "
                                           "read", " | ".join(c.edss_unread))
        if c.edss_subgroup:
            return Reason("EDSS", UNCLEAR, "the criteria give an EDSS limit for some participants only; "
                                           "whether it applies to you is for your neurologist to say",
                          " | ".join(c.edss_subgroup))
        if profile.edss is not None and c.has_text:
            return Reason("EDSS", OK, "no EDSS limit found in the criteria", "")
        return None
    limit, source = c.edss, c.edss.source
    if profile.edss is None:
        return Reason("EDSS", UNCLEAR, f"you did not give your EDSS; the study asks for {edss_words(limit)}",
                      source)
    inside = (limit.low is None or profile.edss >= limit.low) and (limit.high is None or profile.edss <= limit.high)
    if inside:
        return Reason("EDSS", OK, f"{profile.edss:.1f} is within {edss_words(limit)}", source)
    if any(source in s or s in source for s in c.edss_subgroup):
        # "EDSS 3.0 to 6.5 (up to 7.0 for patients with PPMS)": outside the main limit may be
        # inside a group's own: never "does not fit" to the group the study also takes.
        return Reason("EDSS", UNCLEAR, f"{profile.edss:.1f} is outside {edss_words(limit)}, but the same "
                                       "criterion gives another limit for some participants: ask whether it "
                                       "applies to you", source)
    return Reason("EDSS", NO, f"{profile.edss:.1f} is outside {edss_words(limit)}", source)


_TO_CHECK = {
    "duration": "How long you have had MS",
    "activity": "Recent relapses or MRI activity",
    "no_recent_relapse": "Stable disease",
    "failed_treatment": "Earlier treatments",
}


def _edss_to_check(c: Criteria) -> list[Reason]:
    """EDSS sentences beside a limit that was read: for the neurologist to check."""
    if c.edss is None:
        return []
    return ([Reason("EDSS", TO_CHECK, "a further EDSS requirement whose value could not be read", s)
             for s in c.edss_unread]
            + [Reason("EDSS", TO_CHECK, "a further EDSS limit for some participants only", s)
               for s in c.edss_subgroup])


def assess(c: Criteria, profile: Profile, status: str = "", status_caution: str = "") -> Fit:
    """The verdict and its reasons, criterion by criterion. ``status`` is the registry's
    overall status: a study that takes no new participants fits nobody now; one whose open
    status may be out of date (``status_caution``) is at most "ask your neurologist"."""
    reasons = [r for r in (_age(profile, c), _sex(profile, c), _ms_type(profile, c), _edss(profile, c)) if r]
    if status_caution and status in OPEN_TO_NEW:
        reasons.insert(0, Reason("Status", UNCLEAR, status_caution, f"overallStatus: {status}"))
    if status == "UNKNOWN":
        reasons.insert(0, Reason("Status", UNCLEAR, "the registry status is unknown: the sponsor has not confirmed "
                                                    "for over two years whether the study still runs",
                                 "overallStatus: UNKNOWN"))
    elif status and status not in OPEN_TO_NEW:
        reasons.insert(0, Reason("Status", NO, f"the registry status is {status_words(status)}: the study takes "
                                               "no new participants", f"overallStatus: {status}"))
        reasons += [Reason(_TO_CHECK[i.kind], TO_CHECK, i.text, i.source) for i in c.items if i.kind in _TO_CHECK]
        return Fit(NOT_OPEN, tuple(reasons + _edss_to_check(c)))
    if not c.has_text:
        reasons.append(Reason("Criteria text", UNCLEAR, "the stored record has no eligibility criteria "
                                                        "text; only the registry fields were checked", ""))
    statuses = {r.status for r in reasons}
    if NO in statuses:
        verdict = DOES_NOT_FIT
    elif UNCLEAR in statuses or OK not in statuses:
        verdict = ASK
    else:
        verdict = FITS
    reasons += [Reason(_TO_CHECK[i.kind], TO_CHECK, i.text, i.source)
                for i in c.items if i.kind in _TO_CHECK]
    return Fit(verdict, tuple(reasons + _edss_to_check(c)))


def add_fit(df: pd.DataFrame, criteria: Mapping[str, Criteria], profile: Profile) -> pd.DataFrame:
    """``df`` with ``fit`` and ``fit_reasons`` columns, likely fits first (rows are never dropped)."""
    fits = [assess(criteria[n], profile, status, caution) if n in criteria else None
            for n, status, caution in zip(df["study_id"], df["overall_status"], df["status_caution"], strict=True)]
    out = df.copy()
    out["fit"] = [f.verdict if f else ASK for f in fits]
    out["fit_reasons"] = [f.text if f else "The stored record could not be read." for f in fits]
    order = out["fit"].map({v: i for i, v in enumerate(VERDICTS)})
    return out.iloc[order.argsort(kind="stable")].reset_index(drop=True)


def without_does_not_fit(df: pd.DataFrame) -> pd.DataFrame:
    """The rows a "hide studies that do not fit" switch keeps: none that a published limit
    or the study's status leaves out."""
    return df[~df["fit"].isin((DOES_NOT_FIT, NOT_OPEN))] if "fit" in df else df
