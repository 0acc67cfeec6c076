"""ISRCTN and EU CTIS trials through the finder's analysis: typed, flagged, read and pre-screened
like ClinicalTrials.gov's, measured against hand-read expectations.

Run from the repository root: ``python bench/registries.py``. No real ISRCTN or CTIS record is
an MS stem-cell trial, so the MS cases are the built ones in ``tests/data/registries/*/ms``
(each edit listed in their README), plus the real CTIS ocrelizumab search element. The
expected values below were read by hand from each record's own text, not from the program's
output; ISRCTN statuses are worked out on one fixed day (``ON``).
"""

from __future__ import annotations

import sys
import xml.etree.ElementTree as ET
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from common import print_header, print_table, verdict  # noqa: E402

from tests.support.ctis_standin import load_records  # noqa: E402
from tests.support.isrctn_standin import load_trials  # noqa: E402
from tests.support.standin import shared_dir  # noqa: E402
from trials.analysis.classify import classified  # noqa: E402
from trials.analysis.eligibility import read_criteria  # noqa: E402
from trials.analysis.flags import flags_for  # noqa: E402
from trials.analysis.prescreen import assess, make_profile  # noqa: E402
from trials.analysis.subtype import subtype  # noqa: E402
from trials.model import Study  # noqa: E402
from trials.registries.ctis import record as ctis  # noqa: E402
from trials.registries.isrctn import record as isrctn  # noqa: E402

ON = date(2026, 12, 4)
PATIENT = make_profile(38, "female", "RRMS", 4.0)  # the patient of the phone journey

# id: (labels, status, whose cells, min age, max age, MS types, EDSS low-high, pre-screen verdict)
EXPECTED = {
    "ISRCTN88667898": (("HSCT",), "RECRUITING", ("autologous",), 18, 55, ("RRMS",), (0.0, 6.0), "likely fits"),
    "ISRCTN00000102": (("MSC",), "COMPLETED", ("autologous",), 18, 50, (), None, "not open to new participants"),
    "ISRCTN00000103": ((), "NOT_YET_RECRUITING", (), 18, 99, (), None, "likely fits"),
    "ISRCTN00000104": (("Other stem cell",), "TERMINATED", ("allogeneic",), 18, 65, ("PPMS", "SPMS"), (6.5, 8.0),
                       "not open to new participants"),
    "2023-599998-02-00": (("HSCT",), "COMPLETED", ("autologous",), 18, 64, ("RRMS",), (None, 5.5),
                          "not open to new participants"),
    "2024-599999-01-00": (("MSC",), "RECRUITING", ("autologous",), 18, 64, ("RRMS", "SPMS"), (3.0, 6.5),
                          "likely fits"),
    "2022-002654-95-00": (("Other stem cell",), "RECRUITING", ("allogeneic",), 18, 64, ("PPMS", "SPMS"),
                          (6.5, 8.0), "does not fit"),
    "2025-523726-40-00": ((), "RECRUITING", (), 18, 64, (), None, "ask your neurologist"),
}
COLUMNS = ("labels", "status", "cells", "min age", "max age", "MS types", "EDSS", "pre-screen")


def studies() -> list[Study]:
    folder = shared_dir() / "registries"
    found = [isrctn.read(isrctn.stored(ET.fromstring(t)), on=ON)
             for t in load_trials(*sorted((folder / "isrctn" / "ms").glob("*.xml")))]
    found += [ctis.read(r) for r in load_records(*sorted((folder / "ctis" / "ms").glob("*.json")),
                                                 folder / "ctis" / "search-data-element_2025-523726-40-00.json")]
    return found


def measured(study: Study) -> tuple:
    label = classified(study)
    c = read_criteria(study)
    edss = (c.edss.low, c.edss.high) if c.edss else None
    fit = assess(c, PATIENT, study.overall_status)
    return (label.labels, study.overall_status, subtype(study, label.labels).donors,
            c.min_age, c.max_age, c.ms_types, edss, fit.verdict)


def main() -> None:
    print_header("ISRCTN and EU CTIS MS cases through the classifier, flags, eligibility reader and pre-screen")
    rows, wrong, checked, flagged = [], [], 0, 0
    for study in studies():
        got, want = measured(study), EXPECTED[study.id.value]
        checked += len(want)
        misses = [f"{name}: expected {w!r}, got {g!r}" for name, g, w in zip(COLUMNS, got, want, strict=True)
                  if g != w]
        wrong += [f"  {study.id.value} {m}" for m in misses]
        flags = flags_for(study, ON, got[0], None)
        flagged += bool(flags)
        rows.append([study.id.value, study.id.registry, ", ".join(got[0]) or "not stem-cell", got[1], got[7],
                     "; ".join(f.title for f in flags) or "-", verdict(not misses)])
    print_table(f"{len(rows)} cases (pre-screen: a {PATIENT.age:g}-year-old woman, RRMS, EDSS {PATIENT.edss})",
                ["study", "registry", "therapy", "status", "pre-screen", "flags", "all values"], rows)
    print(f"\n{checked} values checked, {len(wrong)} wrong; {flagged} of {len(rows)} studies flagged "
          "(none of the built records asks for payment or is run by a clinic, so none is expected).")
    for line in wrong:
        print(line)


if __name__ == "__main__":
    main()
