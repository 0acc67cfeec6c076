"""A record that names a real trial's number must earn the link (issue 28), end to end:
stand-ins of ClinicalTrials.gov, ISRCTN and EU CTIS, one refresh, then the table, the card,
the sheet, "near me", links to one study, the pre-screen and ``trials show --format json``.

The ClinicalTrials.gov side is the real msc-2022 answer (``tests/conftest.py`` ``MSC_2022``),
with one edit: NCT02495766 (EMMES) is built from the real record NCT02495766, its eligibility
removed (every record of the corpus gives eligibility, and the twin's EDSS range and ages can
only be seen to be used where the ClinicalTrials.gov record lacks them). The ISRCTN stand-in
serves only the two built records of ``tests/data/registries/isrctn/hijack`` (each edit listed
in its README); the CTIS stand-in serves the real non-MS retrieve bodies, so its refresh works
and lists nothing.

- ``HOSTILE_CLINIC.xml`` (ISRCTN00000201): a clinic in Cancun, Mexico, recruiting on the test's
  day, with a phone and an e-mail, whose ClinicalTrials.gov-number field names NCT01228266
  (CMM-EM, a real MSC trial in Barcelona, terminated). Nothing else bears the claim out.
- ``TWIN_EMMES.xml`` (ISRCTN00000202): a one-sided but legitimate twin of NCT02495766: it names
  the NCT number and gives the same sponsor, acronym and title, and eligibility criteria with
  EDSS 3.0 to 6.5 and ages 18 to 55.
"""

from __future__ import annotations

import io
import json
import re
from datetime import date

import pandas as pd
import pytest
from pypdf import PdfReader

import trials
from trials.analysis.status import status_group
from trials.analysis.table import row as table_row
from trials.cli import main
from trials.config import ALL_REGISTRIES, Settings
from trials.model import StudyId
from trials.pipeline import SHOWING_BUNDLED
from trials.presentation import detail, sheet
from trials.query import Query
from trials.registries.isrctn import record as isrctn_record

from .conftest import MSC_2022, by_id
from .conftest import entry as entry_of_record
from .support.ctis_standin import CtisStandIn, load_records
from .support.isrctn_standin import IsrctnStandIn, load_trials
from .support.standin import StandIn, load_corpus, shared_dir

REGISTRIES = shared_dir() / "registries"
HIJACK = REGISTRIES / "isrctn" / "hijack"

REAL = "NCT01228266"  # CMM-EM, Hospital Clinic of Barcelona: TERMINATED in the real record
HOSTILE = "ISRCTN00000201"  # built: names REAL's number, agrees with it on nothing
ATTACKER_PHONE = "+52 998 555 0142"
ATTACKER_MAIL = "bookings@clinica-regenerativa.example"
ATTACKER_CLINIC = "Clinica Regenerativa"

TWIN_OF = "NCT02495766"  # EMMES, Banc de Sang i Teixits: COMPLETED; served with its eligibility removed
TWIN = "ISRCTN00000202"  # built: names TWIN_OF's number, same sponsor, acronym and title
TWIN_UPDATED = "2019-06-03"
TWIN_ID = StudyId("isrctn", TWIN)

# The columns that say what the real trial is and whom to ask: none may change because of a claim.
OWN_COLUMNS = ("overall_status", "status_group", "countries", "locations", "central_contact", "contacts_listed")


def ctgov_records() -> list[dict]:
    """The real msc-2022 answer, NCT02495766 without its eligibility module."""
    studies = load_corpus(MSC_2022)
    twin_of = by_id(studies, TWIN_OF)
    del twin_of["protocolSection"]["eligibilityModule"]
    return studies


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    """One refresh of the three stand-ins, kept for the module; ISRCTN's "today" fixed, as in
    tests/test_registries.py, so the built records' statuses mean the same next year."""
    cache = tmp_path_factory.mktemp("hijack") / "cache"
    ctis = sorted((REGISTRIES / "ctis").glob("retrieve-*.json"))  # real, not MS: nothing listed
    with pytest.MonkeyPatch.context() as mp, StandIn(ctgov_records()) as ctgov, \
            IsrctnStandIn(load_trials(*sorted(HIJACK.glob("*.xml")))) as isrctn, \
            CtisStandIn(load_records(*ctis)) as ctis_api:
        mp.setattr(isrctn_record, "today", lambda: date(2026, 12, 4))
        env = {"TRIALS_API_URL": ctgov.url, "TRIALS_ISRCTN_URL": isrctn.url, "TRIALS_CTIS_URL": ctis_api.url,
               "TRIALS_REGISTRIES": ",".join(ALL_REGISTRIES), "TRIALS_REQUEST_INTERVAL": "0",
               "TRIALS_CACHE_DIR": str(cache)}
        for name, value in env.items():
            mp.setenv(name, value)
        settings = Settings.from_env()
        result = trials.refresh(settings)
        assert [r.registry for r in (result, *result.others)] == ["ClinicalTrials.gov", "ISRCTN", "EU CTIS"]
        assert result.problems == ()
        yield settings, env


@pytest.fixture
def settings(served, monkeypatch):
    """The refreshed store's settings, its environment set again for this test (conftest's
    autouse fixture points every test at an empty store of its own)."""
    found, env = served
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    assert Settings.from_env() == found
    return found


@pytest.fixture
def snapshot(settings):
    return trials.load(settings)


def pdf_text(pdf: bytes) -> str:
    """The sheet's words as tests/test_sheet.py reads them (its streams are compressed)."""
    return " ".join(" ".join(page.extract_text().split()) for page in PdfReader(io.BytesIO(pdf)).pages)


def attacker_in(text: str) -> list[str]:
    """Which of the hostile record's details a text shows (its phone in any spacing)."""
    digits = re.sub(r"\D", "", text)
    found = [w for w in (ATTACKER_MAIL, ATTACKER_CLINIC, "Cancun", "Quintana Roo", "Mexico") if w in text]
    return found + (["phone"] if "529985550142" in digits or "9985550142" in digits else [])


# --- 1. the hostile record takes nothing from the real trial, and lends it nothing -------------

def test_the_claimed_trial_keeps_its_own_status_sites_and_contacts_in_the_table(snapshot):
    table = snapshot.table.set_index("study_id")
    real = table.loc[REAL]
    assert real["overall_status"] == "TERMINATED"
    assert real["status_group"] == status_group("TERMINATED") == "Stopped early"
    assert real["registry"] == "ClinicalTrials.gov" and real["registry_ids"] == REAL
    assert real["countries"] == "Spain" and "Barcelona" in real["locations"]
    assert not attacker_in(" ".join(str(real[c]) for c in OWN_COLUMNS))
    assert real["contacts_listed"] == 0  # the real record lists no contact; the attacker's is not one
    assert HOSTILE not in real["sources"]
    # Each column exactly as the real record alone gives it.
    alone = table_row(entry_of_record(by_id(load_corpus(MSC_2022), REAL)))
    assert {c: real[c] for c in OWN_COLUMNS} == {c: alone[c] for c in OWN_COLUMNS}


def test_the_hostile_record_is_its_own_row_that_lists_no_number_of_the_real_trial(snapshot):
    table = snapshot.table.set_index("study_id")
    hostile = table.loc[HOSTILE]
    assert hostile["registry"] == "ISRCTN" and hostile["registry_ids"] == HOSTILE
    assert hostile["url"] == f"https://www.isrctn.com/{HOSTILE}"
    assert hostile["overall_status"] == "RECRUITING" and hostile["countries"] == "Mexico"
    assert ATTACKER_PHONE in hostile["central_contact"]  # the details are there, on its own row
    assert len(table[table["registry_ids"].str.contains(REAL)]) == 1
    entry = snapshot.entries[HOSTILE]
    assert [(c.by.value, c.of.value) for c in entry.claims] == [(HOSTILE, REAL)]
    assert [(c.by.value, c.of.value) for c in snapshot.entries[REAL].claims] == [(HOSTILE, REAL)]
    assert [s.id.value for s in snapshot.entries[REAL].records] == [REAL]
    # Giving a real trial's number that trial does not confirm is a warning sign, on its row and card.
    assert "trial number that trial does not confirm" in hostile["flags"]
    assert "does not confirm" not in table.loc[REAL, "flags"]


def test_each_number_opens_its_own_row(snapshot):
    for number in (REAL, HOSTILE):
        query, notices = Query.from_link({"study": [number]})
        assert notices == ()
        assert trials.search(snapshot, query).query.study == number


def test_the_claimed_trials_card_shows_none_of_the_attackers_details_and_names_the_claim(snapshot):
    card = detail.study_card(snapshot.entries[REAL])
    assert card.study_id == REAL and card.registry == "ClinicalTrials.gov"
    assert not attacker_in(detail.card_text(card))
    contacts = next(s for s in card.sections if s.title == "Who to contact")
    assert contacts.contacts == ()
    assert not attacker_in(" ".join(f"{c.text} {c.phone} {c.email}" for c in contacts.contacts))
    assert [s.place for s in card.sites] == ["Barcelona, Spain"]
    assert not attacker_in(" ".join(f"{s.facility} {s.place} {s.contact}" for s in card.sites))
    status = next(s for s in card.sections if s.title == "Can I join?")
    assert next(line for line in status.items if line.label == "Status").value.startswith("Stopped early (Terminated)")
    registered = next(s for s in card.sections if s.title == "Registered in")
    [claim] = [line for line in registered.items if line.label == "Not the same trial"]
    assert HOSTILE in claim.value and "Nothing from it is shown here" in claim.value
    assert claim.link == ""  # the real trial's card sends nobody to the record that claims it
    # Nothing on the card is read from the hostile record.
    assert not [f for s in card.sections for line in s.items for f in line.read_from if f.record.value == HOSTILE]
    # The hostile record's own card says the claim was not believed.
    own = detail.study_card(snapshot.entries[HOSTILE])
    [line] = [x for s in own.sections for x in s.items if x.label == "Not the same trial"]
    assert REAL in line.value and line.link == f"https://clinicaltrials.gov/study/{REAL}"


def test_the_claimed_trials_sheet_shows_none_of_the_attackers_details(snapshot):
    query, notices = Query.from_link({"near": ["Cancun, Mexico"], "edss": ["4"]})
    assert notices == ()
    about = trials.about_one(snapshot, query, REAL)
    assert about.site is None  # no open site, in Cancun or anywhere
    words = pdf_text(sheet.clinic_sheet(snapshot.entries[REAL], about, paper="a4"))
    assert f"https://clinicaltrials.gov/study/{REAL}" in words
    assert "Stopped early (registry status Terminated)" in words
    assert "Recruiting" not in words and "recruiting" not in words
    assert [w for w in attacker_in(words) if w != "Mexico"] == []  # "Cancún, Mexico" is the place asked from
    assert "No site of this study is open" in words
    # Without a place, "Whom to contact" lists the study's contacts: the real record has none.
    plain = pdf_text(sheet.clinic_sheet(snapshot.entries[REAL], trials.about_one(snapshot, Query(), REAL)))
    assert "Whom to contact" in plain and "The stored record lists no contact for this study" in plain
    assert attacker_in(plain) == [] and "Recruiting" not in plain
    # The same reading finds the attacker's phone and status on the hostile row's own sheet.
    hostile = pdf_text(sheet.clinic_sheet(snapshot.entries[HOSTILE], trials.about_one(snapshot, Query(), HOSTILE)))
    assert "phone" in attacker_in(hostile) and ATTACKER_MAIL in hostile and "Recruiting now" in hostile


def test_near_cancun_the_claimed_trial_is_not_at_the_clinic(snapshot):
    query, notices = Query.from_link({"near": ["Cancun, Mexico"]})
    assert notices == ()
    rows = trials.search(snapshot, query).rows.set_index("study_id")
    hostile = rows.loc[HOSTILE]
    assert hostile["distance_km"] < 5 and ATTACKER_CLINIC in hostile["nearest_site"]
    real = rows.loc[REAL]
    assert pd.isna(real["distance_km"]) or real["distance_km"] > 1000
    assert "Cancun" not in real["nearest_site"] and ATTACKER_CLINIC not in real["nearest_site"]
    assert ATTACKER_PHONE not in real["nearest_site_contact"]
    near, _ = Query.from_link({"near": ["Cancun, Mexico"], "within": ["100"]})
    assert REAL not in set(trials.search(snapshot, near).rows["study_id"])
    assert not [s for s in snapshot.sites[REAL] if s.country == "Mexico" or s.city == "Cancun"]


# --- 2. the legitimate one-sided twin is merged, and what only it gives is used and named -------

def test_the_twin_is_merged_and_its_eligibility_fills_the_row(snapshot):
    table = snapshot.table.set_index("study_id")
    assert TWIN not in table.index
    row = table.loc[TWIN_OF]
    assert row["registry"] == "ClinicalTrials.gov; ISRCTN"
    assert row["registry_ids"].split("; ")[:2] == [TWIN_OF, TWIN]
    # The served ClinicalTrials.gov record gives no eligibility: these are the twin's.
    entry = snapshot.entries[TWIN_OF]
    assert entry.records[0].eligibility.criteria == "" and entry.records[0].eligibility.minimum_age == ""
    assert (row["min_age"], row["max_age"], row["edss_min"], row["edss_max"]) == (18, 55, 3.0, 6.5)
    assert entry.sources_of("eligibility.criteria") == (TWIN_ID,)
    assert entry.sources_of("eligibility.ages") == (TWIN_ID,)
    assert entry.sources_of("overall_status") == (StudyId("ctgov", TWIN_OF),)
    # The sources column names the twin's record, with its date, for the columns it gave.
    parts = dict(p.split(": ", 1) for p in row["sources"].split("; "))
    # contacts_listed counts the lead's site contacts and the twin's central ones: both records.
    assert parts[f"ClinicalTrials.gov {TWIN_OF} (record updated 2020-01-21)"] == (
        "every other column read from a record, and with another record contacts_listed")
    given = parts[f"ISRCTN {TWIN} (record updated {TWIN_UPDATED})"].split(", ")
    assert {"min_age", "max_age", "edss_min", "edss_max", "eligibility_criteria"} <= set(given)
    assert "overall_status" not in given and "countries" not in given
    assert [link.records for link in entry.links] == [(TWIN_ID, StudyId("ctgov", TWIN_OF))]
    assert entry.claims == ()


@pytest.mark.parametrize("answers, edss_reason", [
    ({"edss": ["7.5"], "age": ["40"]}, "EDSS: does not fit: 7.5 is outside EDSS 3.0 to 6.5"),
    ({"edss": ["4"], "age": ["40"]}, "EDSS: fits: 4.0 is within EDSS 3.0 to 6.5"),
])
def test_the_prescreen_reads_the_twins_edss_range_and_ages(snapshot, answers, edss_reason):
    query, notices = Query.from_link(answers)
    assert notices == ()
    verdict, reasons = trials.about_one(snapshot, query, TWIN_OF).fit
    edss = [line for line in reasons.splitlines() if line.startswith("EDSS:")]
    assert edss == [f'{edss_reason} ("EDSS 3.0 to 6.5")'], reasons  # read from the twin's criteria
    assert "Age: fits: 40 is within registry fields: 18 to 55 years" in reasons
    # The list says the same as the sheet's single study.
    rows = trials.search(snapshot, query).rows.set_index("study_id")
    assert rows.loc[TWIN_OF, "fit_reasons"] == reasons and rows.loc[TWIN_OF, "fit"] == verdict


def test_the_prescreen_leaves_out_an_age_the_twin_excludes(snapshot):
    query, _ = Query.from_link({"edss": ["4"], "age": ["60"]})
    _, reasons = trials.about_one(snapshot, query, TWIN_OF).fit
    assert "Age: does not fit: 60 is outside" in reasons and "18 to 55 years" in reasons


def test_show_json_names_the_twins_record_for_the_eligibility_lines(settings, capsys):
    capsys.readouterr()
    assert main(["show", "--offline", TWIN_OF, "--format", "json"]) == 0
    said = capsys.readouterr()
    assert SHOWING_BUNDLED not in said.err  # the refreshed store, not the copy shipped with the finder
    [shown] = json.loads(said.out)["studies"]
    assert shown["study_id"] == TWIN_OF and shown["registry"] == "ClinicalTrials.gov; ISRCTN"
    assert shown["edss_max"] == 6.5
    sections = {s["title"]: s for s in shown["card"]["sections"]}
    who = sections["Who can take part"]
    lines = {line["label"]: line for line in who["lines"]}
    twin = {"registry": "ISRCTN", "record": TWIN, "updated": TWIN_UPDATED}

    def read_from(line: dict) -> list[dict]:
        return [{k: f[k] for k in twin} for f in line["read_from"]]

    assert read_from(lines["Ages"]) == [twin] and lines["Ages"]["read_from"][0]["fields"] == ["minimum age",
                                                                                               "maximum age"]
    assert lines["Ages"]["value"] == "18 Years to 55 Years"
    edss = lines["Disability (EDSS)"]
    assert edss["value"].startswith("EDSS 3.0 to 6.5") and read_from(edss) == [twin]
    assert edss["read_from"][0]["fields"] == ["eligibility criteria"]
    assert all(read_from(line) in ([], [twin]) for line in who["lines"])
    assert [f["record"] for f in who["read_from"]] == [TWIN]
    assert "EDSS 3.0 to 6.5" in who["criteria_as_published"]
    # The status is still the ClinicalTrials.gov record's, and says so.
    status = next(line for line in sections["Can I join?"]["lines"] if line["label"] == "Status")
    assert [(f["registry"], f["record"]) for f in status["read_from"]] == [("ClinicalTrials.gov", TWIN_OF)]


def test_show_json_of_the_claimed_trial_reads_nothing_from_the_hostile_record(settings, capsys):
    capsys.readouterr()
    assert main(["show", "--offline", REAL, "--format", "json"]) == 0
    said = capsys.readouterr()
    assert SHOWING_BUNDLED not in said.err
    out = said.out
    [shown] = json.loads(out)["studies"]
    assert shown["overall_status"] == "TERMINATED" and shown["countries"] == "Spain"
    assert not attacker_in(out)
    registered = next(s for s in shown["card"]["sections"] if s["title"] == "Registered in")
    [claim] = [line for line in registered["lines"] if line["label"] == "Not the same trial"]
    assert HOSTILE in claim["value"] and claim["read_from"] == []
    records = {f["record"] for s in shown["card"]["sections"] for line in s["lines"] for f in line["read_from"]}
    assert records == {REAL}
