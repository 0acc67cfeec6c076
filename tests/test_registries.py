"""Three registries in one finder (issue 21), end to end: stand-ins of ClinicalTrials.gov,
ISRCTN and EU CTIS serving recorded responses, one refresh, one table.

No real record of ISRCTN or CTIS is an MS stem-cell trial (tests/data/registries/README.md):
the MS cases are built from the real records' shapes, each edit listed in the README of
``tests/data/registries/isrctn/ms`` and ``tests/data/registries/ctis/ms``. The ClinicalTrials.gov
side is the real msc-2022 answer, which holds MESEMS (NCT01854957); the built ISRCTN and CTIS
MSC cases name that number, as records of one trial in three registries do.
"""

from __future__ import annotations

import csv
import io
import json
import re
from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest

import trials
from trials import updates
from trials.cli import main
from trials.config import ALL_REGISTRIES, Settings
from trials.presentation import detail, views
from trials.query import Query
from trials.registries.isrctn import record as isrctn_record

from .conftest import MSC_2022
from .support.ctis_standin import CtisStandIn, load_records
from .support.isrctn_standin import IsrctnStandIn, load_trials
from .support.standin import StandIn, load_corpus, shared_dir

REGISTRIES = shared_dir() / "registries"
ISRCTN_MS = REGISTRIES / "isrctn" / "ms"
CTIS_MS = REGISTRIES / "ctis" / "ms"
MESEMS = "NCT01854957"
MESEMS_ISRCTN = "ISRCTN00000102"  # built: the MSC case that names MESEMS's NCT number
MESEMS_CTIS = "2024-599999-01-00"  # built, likewise
STARMS = "ISRCTN88667898"  # on ISRCTN only (and EudraCT 2019-001549-42)


def ctis_records() -> list[dict]:
    """The built MS cases and the real non-MS retrieve bodies (the register is larger than its
    MS part, so the narrowing check has something to prove)."""
    return load_records(*sorted(CTIS_MS.glob("*.json")), *sorted((REGISTRIES / "ctis").glob("retrieve-*.json")))


@pytest.fixture
def served(tmp_path, monkeypatch):
    # ISRCTN statuses are worked out from dates against today: the built records' dates are
    # read on one fixed day, so these tests mean the same next year.
    monkeypatch.setattr(isrctn_record, "today", lambda: date(2026, 12, 4))
    with StandIn(load_corpus(MSC_2022)) as ctgov, IsrctnStandIn(load_trials(*sorted(ISRCTN_MS.glob("*.xml")))) \
            as isrctn, CtisStandIn(ctis_records()) as ctis:
        for name, value in (("TRIALS_API_URL", ctgov.url), ("TRIALS_ISRCTN_URL", isrctn.url),
                            ("TRIALS_CTIS_URL", ctis.url), ("TRIALS_REGISTRIES", ",".join(ALL_REGISTRIES)),
                            ("TRIALS_REQUEST_INTERVAL", "0"), ("TRIALS_CACHE_DIR", str(tmp_path / "cache"))):
            monkeypatch.setenv(name, value)
        yield Settings.from_env(), ctgov, isrctn, ctis


def test_one_refresh_brings_every_registry_into_one_table(served):
    settings, _, isrctn, ctis = served
    result = trials.refresh(settings)
    assert [r.registry for r in (result, *result.others)] == ["ClinicalTrials.gov", "ISRCTN", "EU CTIS"]
    assert result.problems == ()
    table = trials.load(settings).table
    leads = {r: set(table.loc[table["registry"].str.startswith(r), "study_id"])
             for r in ("ClinicalTrials.gov", "ISRCTN", "EU CTIS")}
    assert all(leads.values()), leads  # each registry leads some rows
    assert STARMS in leads["ISRCTN"] and "2022-002654-95-00" in leads["EU CTIS"]  # NET-MS, built
    # The exercise trial is MS but no stem-cell trial: stored, not listed.
    assert "ISRCTN00000103" not in set(table["study_id"])


def test_a_trial_in_three_registries_is_one_row_with_every_number(served):
    settings, *_ = served
    trials.refresh(settings)
    table = trials.load(settings).table
    rows = table[table["registry_ids"].str.contains(MESEMS)]
    assert len(rows) == 1
    row = rows.iloc[0]
    assert row["study_id"] == MESEMS  # ClinicalTrials.gov's record leads
    assert row["registry"] == "ClinicalTrials.gov; ISRCTN; EU CTIS"
    ids = row["registry_ids"].split("; ")
    assert ids[:3] == [MESEMS, MESEMS_ISRCTN, f"CTIS {MESEMS_CTIS}"]
    assert "EudraCT 2012-000518-13" in ids  # named by the ISRCTN record, held by no registry here
    assert row["registry_links"].split("; ")[:3] == [
        f"https://clinicaltrials.gov/study/{MESEMS}", f"https://www.isrctn.com/{MESEMS_ISRCTN}",
        f"https://euclinicaltrials.eu/search-for-clinical-trials/?lang=en&EUCT={MESEMS_CTIS}"]
    assert MESEMS_ISRCTN not in set(table["study_id"]) and MESEMS_CTIS not in set(table["study_id"])


def test_any_number_of_a_trial_opens_its_one_row_and_its_card_names_each_registry(served):
    settings, *_ = served
    trials.refresh(settings)
    snapshot = trials.load(settings)
    for number in (MESEMS_ISRCTN, "ctis" + MESEMS_CTIS, "2012-000518-13"):
        query, notices = Query.from_link({"study": [number]})
        assert notices == ()
        assert trials.search(snapshot, query).query.study == MESEMS
    card = detail.study_card(snapshot.entries[MESEMS])
    registered = next(s for s in card.sections if s.title == "Registered in")
    lines = {line.label: line for line in registered.items}
    assert lines["ClinicalTrials.gov"].value.startswith(f"{MESEMS}: the card's main record")
    assert lines["ISRCTN"].value.startswith(f"{MESEMS_ISRCTN}: the same trial's record there")
    assert lines["ISRCTN"].link == f"https://www.isrctn.com/{MESEMS_ISRCTN}"
    # The records disagree (built so): ClinicalTrials.gov's says unknown (2013), ISRCTN's completed
    # (updated 2026-03), CTIS's recruiting (2025-10). The row shows the newest record's status, says
    # whose it is, and every record's status stands under "Can I join?" with its date.
    entry = snapshot.entries[MESEMS]
    assert [s.overall_status for s in entry.records] == ["UNKNOWN", "COMPLETED", "RECRUITING"]
    assert entry.study.overall_status == "COMPLETED"
    assert entry.study.status_basis.startswith("from the trial's ISRCTN record, updated 2026-03-02")
    status = next(s for s in card.sections if s.title == "Can I join?")
    # The status line names the record it was read from, with that record's date.
    [read_from] = next(line for line in status.items if line.label == "Status").read_from
    assert (read_from.registry, read_from.record.value, read_from.updated) == ("ISRCTN", MESEMS_ISRCTN, "2026-03-02")
    assert "Why one trial" in {line.label for line in registered.items}
    [other] = [line.value for line in status.items if line.label == "Other registries"]
    assert all(f"record updated {s.last_update}" in other for s in entry.records)
    assert not any(line.label == "Where they differ" and "status" in line.value for line in registered.items)
    row = snapshot.table.set_index("study_id").loc[MESEMS]
    assert row["overall_status"] == "COMPLETED" and "The registries differ on the status" in row["status_caution"]
    # Whom to ask and where, from every record, each saying which registry's record gives it.
    contact = next(s for s in card.sections if s.title == "Who to contact")
    assert any(line.label == "From the EU CTIS record" for line in contact.items)
    assert {c.email for c in contact.contacts} >= {c.email for r in entry.records for c in r.central_contacts}
    assert any("(listed by the trial's EU CTIS record)" in site.place for site in card.sites)


def test_a_patient_near_sheffield_finds_the_isrctn_only_hsct_trial_with_its_status_age_and_link(served):
    settings, *_ = served
    trials.refresh(settings)
    snapshot = trials.load(settings)
    result = trials.search(snapshot, Query.from_link({"near": ["Sheffield, UK"], "therapy": ["HSCT"]})[0])
    rows = result.rows.set_index("study_id")
    assert STARMS in rows.index
    starms = rows.loc[STARMS]
    assert starms["status_group"] == "Recruiting now" and starms["registry"] == "ISRCTN"
    assert starms["url"] == f"https://www.isrctn.com/{STARMS}"
    assert "Sheffield" in starms["nearest_site"]
    assert "ISRCTN and EU CTIS data checked" in result.age  # each registry with its own date
    # She knows it as StarMS, its acronym: the words find it and the list names it so.
    named = trials.search(snapshot, Query.from_link({"q": ["starms"]})[0])
    assert list(named.rows["study_id"]) == [STARMS]
    assert views.phone_list(named.rows)[0].title.startswith("StarMS: Autologous")
    card = detail.study_card(snapshot.entries[STARMS])
    status = next(s for s in card.sections if s.title == "Can I join?")
    basis = next(line for line in status.items if line.label == "How this status was found")
    assert "recruitment" in basis.value and [f.registry for f in basis.read_from] == ["ISRCTN"]


def test_the_command_line_shows_exports_and_filters_by_registry(served, capsys, tmp_path):
    settings, *_ = served
    assert main(["refresh"]) == 0
    said = "".join(capsys.readouterr())
    assert "Refreshed ISRCTN" in said and "Refreshed EU CTIS" in said
    assert main(["show", "--offline", STARMS]) == 0
    shown = capsys.readouterr().out
    assert f"ISRCTN record: https://www.isrctn.com/{STARMS}" in shown
    out = tmp_path / "isrctn.csv"
    assert main(["export", "--offline", "--registry", "isrctn", "-o", str(out)]) == 0
    rows = list(csv.DictReader(io.StringIO(out.read_text("utf-8-sig"))))
    assert rows and all("ISRCTN" in r["registry"] for r in rows)
    assert {r["study_id"] for r in rows} >= {STARMS, MESEMS}  # MESEMS has an ISRCTN record too


def test_one_registry_failing_keeps_its_data_and_lets_the_others_refresh(served):
    settings, ctgov, isrctn, ctis = served
    trials.refresh(settings)
    before = trials.load(settings).table.set_index("study_id").loc[STARMS, "status_group"]
    isrctn.fail_next(503, count=10)
    ctgov.data_timestamp = "2025-10-03T00:00:00"
    result = trials.refresh(settings, full=True)
    assert [r.registry for r in (result, *result.others)] == ["ClinicalTrials.gov", "EU CTIS"]
    assert len(result.problems) == 1 and result.problems[0].startswith("ISRCTN did not answer")
    assert "stay as they were" in result.problems[0]
    after = trials.load(settings).table.set_index("study_id")
    assert after.loc[STARMS, "status_group"] == before


def test_clinicaltrials_gov_down_still_says_what_the_other_registries_did(served):
    # Issue 31: with ClinicalTrials.gov down and ISRCTN up, `trials refresh` printed only the
    # failure; the README promises a line per registry.
    settings, ctgov, isrctn, ctis = served
    ctgov.fail_next(503, count=20)
    isrctn.fail_next(503, count=20)
    with pytest.raises(trials.ApiError) as raised:
        trials.refresh(settings, full=True)
    said = str(raised.value)
    assert said.startswith("ClinicalTrials.gov") and "EU CTIS was updated (" in said
    assert "ISRCTN did not answer" in said and said.count("Its stored trials stay as they were.") == 1


def test_a_status_change_of_another_registrys_record_is_the_trials_change(served):
    settings, _, isrctn, _ = served
    trials.refresh(settings)
    # The ISRCTN record of MESEMS stops (built edit: an override, as ISRCTN's registrants write it).
    isrctn.trials = [re.sub(r'lastUpdated="[^"]*"', 'lastUpdated="2026-12-01T10:00:00.000Z"', re.sub(
        r"<(\w+:)?recruitmentStatusOverride ?/>", r"<\1recruitmentStatusOverride>Stopped</\1recruitmentStatusOverride>", t))
        if MESEMS in t else t for t in isrctn.trials]
    assert any("Stopped" in t for t in isrctn.trials)
    trials.refresh(settings, full=True)
    found = trials.search(trials.load(settings), Query()).changes
    mine = [c for c in found if c.study_id == MESEMS and c.kind == "status"]
    assert mine and mine[0].other_registry == "ISRCTN" and "(its ISRCTN record)" in mine[0].headline


def test_import_takes_an_isrctn_xml_and_a_ctis_json_download(tmp_path, monkeypatch):
    monkeypatch.setenv("TRIALS_CACHE_DIR", str(tmp_path / "cache"))
    settings = Settings.from_env()
    xml = tmp_path / "isrctn.xml"
    xml.write_text((ISRCTN_MS / "HSCT_STARMS.xml").read_text("utf-8"), encoding="utf-8")
    record = tmp_path / "ctis.json"
    record.write_text(json.dumps(json.loads((CTIS_MS / "net-ms_2022-002654-95-00.json").read_text("utf-8"))),
                      encoding="utf-8")
    first, second = updates.import_file(settings, xml), updates.import_file(settings, record)
    assert first.imported == 1 and second.imported == 1
    ids = set(trials.load(settings).table["study_id"])
    assert {STARMS, "2022-002654-95-00"} <= ids


def test_check_covers_every_registry(served):
    settings, *_ = served
    checks = trials.check(settings)
    named = {c.name.split(":")[0] for c in checks}
    assert named == {"ClinicalTrials.gov", "ISRCTN", "EU CTIS"}
    assert all(c.ok for c in checks), [c for c in checks if not c.ok]


def test_a_file_of_no_registry_is_refused_with_a_clear_message(tmp_path, monkeypatch):
    monkeypatch.setenv("TRIALS_CACHE_DIR", str(tmp_path / "cache"))
    junk = tmp_path / "notes.txt"
    junk.write_text("hello", encoding="utf-8")
    with pytest.raises(trials.TrialsError):
        updates.import_file(Settings.from_env(), Path(junk))


def test_a_registry_added_to_a_store_brings_no_news_until_its_next_new_trial(served):
    settings, _, isrctn, _ = served
    trials.refresh(replace(settings, registries=("ctgov",)))  # a store from before issue 21
    trials.refresh(settings)  # ISRCTN and CTIS are asked for the first time: their trials are no news
    found = trials.search(trials.load(settings), Query()).changes
    assert not [c for c in found if c.kind == "new" and c.study_id in (STARMS, "2022-002654-95-00")]
    # A trial ISRCTN registers after that is news (built: StarMS's record under another number).
    twin = next(t for t in isrctn.trials if STARMS[6:] in t).replace(STARMS[6:], "99999999")
    isrctn.trials = [*isrctn.trials, re.sub(r'lastUpdated="[^"]*"', 'lastUpdated="2026-12-04T09:00:00.000Z"', twin)]
    trials.refresh(settings, full=True)
    found = trials.search(trials.load(settings), Query()).changes
    assert [c.study_id for c in found if c.kind == "new"] == ["ISRCTN99999999"]
