"""What the study cards say, and what each statement rests on.

Run from the repository root: ``python bench/claims.py``. The data is read in place from
``tests/data/ctgov`` (the copy of the shared records), or from ``$TRIALS_SHARED_DIR/ctgov``.

For the card of every MS stem-cell study in the labelled corpora (each study once, from its
fullest record, read with its corpus's data date) and of the role phrasings written for the
tests, it prints:

- how many lines the cards hold, and how many rest on a record field, on a reviewed source
  (with its checked-on date) or on the finder's own explanation; and the lines with no
  source at all (target 0), each named;
- lines that say "not stated in the record" (the product saying what the record does not);
- the checks that issue 16 found failing on unseen records, each a count that must be 0:
  a card saying participants receive a therapy while every intervention only samples,
  scans or asks and neither the summary nor the description says they receive it; a donor (allogeneic) transplant shown the figures for one's own cells; a
  study that takes no new participants called "likely fits"; an open status past its
  completion date shown without its caution.
"""

from __future__ import annotations

import sys
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.support import evaluation as ev  # noqa: E402
from tests.support.standin import shared_dir  # noqa: E402
from trials.analysis.classify import GIVES, classify  # noqa: E402
from trials.analysis.eligibility import read_criteria  # noqa: E402
from trials.analysis.prescreen import FITS, assess, make_profile  # noqa: E402
from trials.analysis.status import OPEN_TO_NEW, STILL_OPEN, end_of  # noqa: E402
from trials.analysis.table import Entry  # noqa: E402
from trials.analysis.therapy import _gives_nothing, _giving  # noqa: E402
from trials.presentation.detail import OWN_WORDS, Card, card_text, study_card  # noqa: E402
from trials.registries.ctgov.record import read_study  # noqa: E402

DATA_DATES = {"ms-2025-09": "2025-09-25T00:00:00", "msc-2022": "2022-10-07T00:00:00"}
ROLE_PHRASINGS = Path(__file__).resolve().parents[1] / "tests" / "data" / "role_phrasings.csv"
NOT_STATED = "not stated in the record"
# Profiles a patient might give, for the "likely fits" check.
PROFILES = [make_profile(age, "female", ms_type, edss)
            for age in (30, 45) for ms_type in ("RRMS", "SPMS", "PPMS") for edss in (2.0, 4.0, 6.5)]


def _entries() -> list[Entry]:
    entries = []
    records = ev.fullest(ev.load_records(shared_dir() / "ctgov"))
    phrased = [(p.as_study(), "2025-09-25T00:00:00") for p in ev.load_role_phrasings(ROLE_PHRASINGS)]
    for raw, data_date in [(r.study, DATA_DATES[r.corpus]) for r in records] + phrased:
        study = read_study(raw)
        found = classify(study)
        if found.labels and found.is_ms:
            entries.append(Entry(study, found.labels, "", found.study_role, data_date, data_date, "api", True))
    return entries


def _kinds(card: Card) -> Counter[str]:
    kinds: Counter[str] = Counter()
    for section in card.sections:
        for line in section.items:
            if not line.source:
                kinds["no source"] += 1
            elif line.source == OWN_WORDS:
                kinds["the finder's explanation"] += 1
            elif "https://" in line.source:
                kinds["a reviewed source"] += 1
            else:
                kinds["record fields"] += 1
            if NOT_STATED in line.value:
                kinds[NOT_STATED] += 1
    return kinds


def main() -> int:
    entries = _entries()
    totals: Counter[str] = Counter()
    unsourced: list[str] = []
    failures: dict[str, list[str]] = {
        "receive a therapy, only the title says so": [],
        "donor transplant shown own-cell figures": [],
        "not open to new participants, yet 'likely fits'": [],
        "open status past completion, no caution": [],
    }
    for e in entries:
        card = study_card(e)
        totals += _kinds(card)
        unsourced += [f"  {e.id.value} {s.title}: {line.label or line.value[:60]}"
                      for s in card.sections for line in s.items if not line.source]
        text = card_text(card)
        study = e.study
        # Only the title could then say that anyone is treated.
        if (e.study_role == GIVES and study.interventions and study.study_type != "EXPANDED_ACCESS"
                and all(_gives_nothing(i) for i in study.interventions)
                and _giving(f"{study.summary} {study.description}") is not True):
            failures["receive a therapy, only the title says so"].append(e.id.value)
        if e.kind.is_allogeneic and "HSCT with own cells" in text:
            failures["donor transplant shown own-cell figures"].append(e.id.value)
        criteria = read_criteria(study)
        if study.overall_status not in OPEN_TO_NEW and any(
                assess(criteria, p, study.overall_status).verdict == FITS for p in PROFILES):
            failures["not open to new participants, yet 'likely fits'"].append(e.id.value)
        ended = end_of(study.completion_date) if study.completion_date else None
        if (study.overall_status in STILL_OPEN and ended and e.data_date and ended < e.data_date
                and "may be out of date" not in text):
            failures["open status past completion, no caution"].append(e.id.value)

    lines = sum(v for k, v in totals.items() if k != NOT_STATED)
    print(f"{len(entries)} study cards (labelled corpora, fullest record of each study, and the role phrasings)")
    print(f"  {lines} lines")
    for kind in ("record fields", "a reviewed source", "the finder's explanation", "no source"):
        print(f"  {kind:28} {totals[kind]:6d}")
    print(f"  lines saying '{NOT_STATED}': {totals[NOT_STATED]}")
    print(f"\nLines with no source (target 0): {len(unsourced)}")
    for line in unsourced:
        print(line)
    print("\nStatements issue 16 found untrue on unseen records (each target 0):")
    for what, ids in failures.items():
        print(f"  {what:62} {len(ids):3d}  {' '.join(ids)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
