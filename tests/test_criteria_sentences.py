"""Criteria sentences read as a clinician reads them (issue 29, part 3): alternatives are not
requirements, examples are not rules, a subgroup's limit is not everyone's. The table
(tests/data/criteria_sentences.csv) holds real sentences as registered, named by their record,
and sentences of our own in the style of real criteria of MS and of other diseases, each with
its reading; bench/eligibility.py reports how many the reader gets exactly right."""

from __future__ import annotations

import pytest

from trials.analysis.prescreen import NO, add_fit, make_profile

from .support.criteria import expected, observed, reading, rows

ROWS = rows()


@pytest.mark.parametrize("row", ROWS, ids=[f"{r['source']}: {r['sentence'][:40]}" for r in ROWS])
def test_each_sentence_is_read_as_the_table_says(row):
    assert observed(reading(row["part"], row["sentence"])) == expected(row)


def test_the_subgroup_a_limit_in_parentheses_names_is_never_told_it_does_not_fit():
    # "EDSS 3.0 to 6.5 (up to 7.0 for patients with primary progressive MS)": a person with
    # PPMS at EDSS 7.0 is the trial's own target group.
    import pandas as pd

    c = reading("inclusion", "EDSS 3.0 to 6.5 (up to 7.0 for patients with primary progressive MS)")
    rows = pd.DataFrame({"study_id": ["NCT00000001"], "overall_status": ["RECRUITING"], "status_caution": [""]})
    fit = add_fit(rows, {"NCT00000001": c}, make_profile(edss=7.0, ms_type="PPMS"))
    assert fit.loc[0, "fit"] != NO and "another limit for some participants" in fit.loc[0, "fit_reasons"]
    # Outside both, and with no subgroup beside the limit, the verdict stands.
    plain = reading("inclusion", "EDSS 3.0 to 6.5")
    assert add_fit(rows, {"NCT00000001": plain}, make_profile(edss=7.0, ms_type="PPMS")).loc[0, "fit"] == NO
