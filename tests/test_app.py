"""The Streamlit page, run in-process by AppTest; the network is mocked by respx."""

from __future__ import annotations

import copy
import json
import re

import httpx
import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

import trials

from trials.page import filters
from trials.presentation import plain, views
from trials.registries.ctgov.download import import_download
from trials.registries.values import MAX_FIELD_CHARS
from trials.store import bundled
from trials.store.sqlite import Store, utc_now

from .conftest import BASE, MS_2025, MSC_2022, REPO, by_id, hostile_study, load_jsonl

pytestmark = pytest.mark.slow  # the page runs in-process, a second or more each

APP = str(REPO / "app.py")


@pytest.fixture(autouse=True)
def settings(tmp_path, monkeypatch):
    st.cache_data.clear()  # the page's caches outlive a test
    st.cache_resource.clear()
    monkeypatch.setenv("TRIALS_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("TRIALS_API_URL", BASE)
    monkeypatch.setenv("TRIALS_REQUEST_INTERVAL", "0")
    yield
    st.cache_data.clear()
    st.cache_resource.clear()


def fill_store(tmp_path, *paths, fresh=True):
    store = Store(tmp_path / "cache" / "trials.sqlite3")
    for path in paths:
        import_download(store, path)
    with store.writing() as w:
        w.set_registry_meta("ctgov", checked_at=utc_now() if fresh else "2025-01-01T00:00:00Z",
                            data_timestamp="2025-09-25T00:00:00")
    return store




def fill_with(tmp_path, *studies: dict):
    """A store holding these studies, imported as a download would be."""
    path = tmp_path / "studies.json"
    path.write_text(json.dumps(list(studies)))
    return fill_store(tmp_path, path)


def run(panels=True, import_open=False, **query):
    """The page for a link; its filter panels open (they draw their widgets only when open)."""
    at = AppTest.from_file(APP, default_timeout=30)
    for key, value in query.items():
        at.query_params[key] = value
    if panels:
        at.session_state["steps"] = list(filters.STEPS)
    if import_open:
        at.session_state["import_open"] = True
    return at.run()


def texts(elements) -> list[str]:
    return [e.value for e in elements]


def summary_line(at) -> str:
    return next(t for t in texts(at.header) if re.match(r"\d+ stud", t))


def card_title(at) -> str:
    return next(t for t in texts(at.header) if not re.match(r"\d+ stud", t))


def test_filters_change_the_table(tmp_path):
    fill_store(tmp_path, MS_2025)
    at = run()
    assert not at.exception
    everything = at.dataframe[0].value
    assert summary_line(at).startswith(f"{len(everything)} studies")
    at.pills(key="therapy").set_value(["HSCT"]).run()
    hsct = at.dataframe[0].value
    assert 0 < len(hsct) < len(everything)
    assert all("HSCT" in t.split("; ") for t in hsct["therapy_types"])
    at.pills(key="status").set_value(["Recruiting now"]).run()
    recruiting = at.dataframe[0].value
    assert set(recruiting["status_group"].str.removesuffix(views.OUT_OF_DATE)) == {"Recruiting now"}
    n, countries = len(recruiting), len(set('; '.join(recruiting['countries']).split('; ')))
    assert summary_line(at) == f"{n} stud{'y' if n == 1 else 'ies'}, {n} recruiting now, " \
        f"in {countries} countr{'y' if countries == 1 else 'ies'}"
    assert "https://clinicaltrials.gov/study/NCT04047628" in set(recruiting["url"])
    assert "therapy" in [m.key for m in at.get("button_group")]
    at.segmented_control(key="steps").set_value(["about", "where", "clinicians"]).run()
    # The step closed: its widgets are gone, its filters still apply, and the line under the
    # steps names them.
    assert "therapy" not in [m.key for m in at.get("button_group")]
    assert len(at.dataframe[0].value) == n
    assert [m for m in texts(at.markdown) if m.replace("\\", "").startswith("Filters: ")]


def test_url_parameters_restore_a_search(tmp_path):
    fill_store(tmp_path, MS_2025)
    # The page's own words ("Phase 2") are read as well as the API's.
    at = run(therapy="MSC", phase="Phase 2", q="umbilical")
    assert not at.exception
    assert at.pills(key="therapy").value == ["MSC"]
    assert at.multiselect(key="phase").value == ["PHASE2"]
    assert at.text_input(key="q").value == "umbilical"
    shown = at.dataframe[0].value
    assert len(shown) >= 1
    assert all("MSC" in t for t in shown["therapy_types"])
    assert all("Phase 2" in p for p in shown["phases"])


def test_offline_banner_keeps_the_last_good_data(tmp_path, respx_mock):
    fill_store(tmp_path, MS_2025, fresh=False)
    respx_mock.get(f"{BASE}/version").mock(return_value=httpx.Response(503, text="down"))
    at = run()
    assert not at.exception
    [banner] = [w.replace("\\", "") for w in texts(at.warning) if "Showing the last good data" in w]
    # Data on screen: no retries within its budget; the network's own words are the operator's.
    assert "did not answer after 1 try. Showing the last good data." in banner
    assert "data as of 2025-09-25" in banner
    assert len(at.dataframe[0].value) > 0  # the stored studies are still on screen


def test_empty_store_and_no_api_offers_an_import(tmp_path, respx_mock, monkeypatch):
    monkeypatch.setattr(bundled, "PATH", tmp_path / "none.json.gz")  # no snapshot shipped
    respx_mock.get(f"{BASE}/version").mock(side_effect=httpx.ConnectError("refused"))
    at = run()
    assert not at.exception
    assert any("no trial data on this computer yet" in w for w in texts(at.warning))
    assert any("could not be reached" in e for e in texts(at.error))
    assert at.get("file_uploader")  # the JSON download can be imported instead


def test_empty_store_and_no_api_shows_the_bundled_snapshot_labelled(tmp_path, respx_mock):
    respx_mock.get(f"{BASE}/version").mock(side_effect=httpx.ConnectError("refused"))
    at = run(import_open=True)
    assert not at.exception
    label = re.compile(r"Bundled snapshot, data as of \d{4}-\d{2}-\d{2}, \d+ months? old")
    [banner] = [w.replace("\\", "") for w in texts(at.warning) if "could not be reached after" in w]
    # Plain words: no network error number, and the age said once, by the age line (issue 18).
    assert banner.endswith("Showing the data shipped with this finder instead.") and "last:" not in banner
    # The age line: a warning, as the snapshot is more than 30 days old.
    [age] = [w.replace("\\", "") for w in texts(at.warning) if w.startswith("Bundled snapshot")]
    assert label.search(age)
    shown = at.dataframe[0].value
    assert "https://clinicaltrials.gov/study/NCT04047628" in set(shown["url"])
    assert at.get("file_uploader")  # a download can still replace it (its panel opened)


def test_a_store_that_cannot_be_made_is_a_message_not_a_traceback(tmp_path, monkeypatch):
    (tmp_path / "file").write_text("a file where the cache folder should be")
    monkeypatch.setenv("TRIALS_CACHE_DIR", str(tmp_path / "file" / "cache"))
    at = run()
    assert not at.exception
    [error] = [t.replace("\\", "") for t in texts(at.error)]  # shown as text: Markdown escaped
    assert "Cannot create the cache folder" in error and "Make it writable" in error
    # The server's paths are the operator's business (the CLI and the log name them), not a visitor's.
    assert str(tmp_path) not in error and "(a folder on the server)" in error


def test_empty_result_explains_itself(tmp_path):
    fill_store(tmp_path, MS_2025)
    at = run(therapy="iPSC")
    assert not at.exception
    assert summary_line(at).startswith("0 studies")
    [info] = [i.replace("\\", "") for i in texts(at.info) if "iPSC" in i]
    assert "found no trial of an iPSC-based therapy for multiple sclerosis in" in info
    assert not at.dataframe  # no empty grid


def test_detail_view_of_a_study(tmp_path):
    fill_store(tmp_path, MS_2025, MSC_2022)
    at = run()
    at.selectbox(key="study").set_value("NCT01854957").run()
    assert not at.exception
    assert "MEsenchymal StEm Cells for Multiple Sclerosis" in card_title(at).replace("\\", "")
    body = "\n".join(texts(at.markdown)).replace("\\", "")
    assert "[NCT01854957 on ClinicalTrials.gov](https://clinicaltrials.gov/study/NCT01854957)" in body
    assert "Mesenchymal stem (stromal) cells" in body  # the plain-language card, from the facts file
    assert "did not meet its primary efficacy endpoint" in body
    assert "Sources" in texts(at.subheader)
    assert "Lancet Neurology, 2021" in body and "Checked on 2026-11-25" in body
    assert "Warning" not in " ".join(texts(at.subheader))  # an academic trial: no flag
    assert "Ages:** 18 Years to 50 Years" in body
    assert "MESEMS@unige.it" in body  # who to contact
    assert any("Inclusion Criteria" in t for t in texts(at.text))  # criteria as published
    [sites] = [d.value for d in at.dataframe if "place" in d.value.columns]
    assert "Genova" in "; ".join(sites["place"])


def test_a_flagged_study_shows_the_marker_and_the_warning(tmp_path):
    fill_store(tmp_path, MS_2025)
    at = run(therapy="Other stem cell")
    [grid] = [d.value for d in at.dataframe if "flags" in d.value.columns]
    assert any(cell.startswith("⚠ company treating") for cell in grid["flags"])
    at.selectbox(key="study").set_value("NCT02939859").run()  # adipose SVF, a company, 1 site
    assert not at.exception
    assert "Warning: questions about this listing" in texts(at.subheader)
    body = "\n".join(texts(at.markdown)).replace("\\", "")
    assert "Healeon Medical Inc (a company, as the registry classes it)" in body
    assert "What it does not mean" in body and "National MS Society" in body


def test_registry_text_is_never_markup(tmp_path, respx_mock):
    # Built from a real record's shape, with a hostile title and sponsor.
    study = {"protocolSection": {
        "identificationModule": {"nctId": "NCT00000001",
                                 "briefTitle": "<img src=x onerror=alert(1)> **Stem** [cell](http://evil) :red[HSCT]"},
        "statusModule": {"overallStatus": "RECRUITING", "lastUpdatePostDateStruct": {"date": "2025-01-01"}},
        "sponsorCollaboratorsModule": {"leadSponsor": {"name": "$x$ <b>Clinic</b>"}},
        "conditionsModule": {"conditions": ["Multiple Sclerosis"]},
        "armsInterventionsModule": {"interventions": [
            {"type": "PROCEDURE", "name": "Autologous hematopoietic stem cell transplantation"}]}}}
    fill_with(tmp_path, study)
    at = run(study="NCT00000001")
    assert not at.exception
    assert card_title(at) == plain.md_escape(study["protocolSection"]["identificationModule"]["briefTitle"])
    rendered = "\n".join(texts(at.header) + texts(at.markdown))
    # Every character that Markdown, HTML or a Streamlit directive would act on is escaped.
    for unescaped in (r"(?<!\\)<", r"(?<!\\)\$", r"(?<!\\)\[cell", r"(?<!\\):red", r"(?<!\\)\*\*Stem"):
        assert not re.search(unescaped, rendered), unescaped
    assert "Clinic" in rendered and "Stem" in rendered


def test_a_corrupt_store_is_explained_and_replaced(tmp_path, respx_mock):
    respx_mock.get(f"{BASE}/version").mock(return_value=httpx.Response(503))
    (tmp_path / "cache").mkdir()
    (tmp_path / "cache" / "trials.sqlite3").write_bytes(b"garbage" * 1000)
    at = run()
    assert not at.exception
    assert any("could not be read" in w for w in texts(at.warning))


def test_update_button_refreshes_with_progress(tmp_path, respx_mock):
    store = fill_store(tmp_path, MS_2025)
    respx_mock.get(f"{BASE}/version").mock(return_value=httpx.Response(
        200, json={"apiVersion": "2.0.5", "dataTimestamp": "2025-09-25T00:00:00"}))
    respx_mock.get(f"{BASE}/studies").mock(return_value=httpx.Response(200, json={"studies": [], "totalCount": 0}))
    at = run()
    at.button[0].click().run()
    assert not at.exception
    assert store.info().source.startswith("ClinicalTrials.gov API")  # refreshed over the import
    assert "refresh_error" not in at.session_state


# Links the page builds itself; everything else in registry text must stay text.
# Links the page builds: registry records, validated contacts and the reviewed sources' addresses.
SOURCE_LINKS = "|".join(re.escape(s["url"].replace("(", "%28").replace(")", "%29")) for s in json.loads(
    (REPO / "trials" / "presentation" / "therapy_facts.json").read_text(encoding="utf-8"))["sources"].values())
OWN_LINK = re.compile(r"(?<!\\)\[(?:[^\[\]\n\\]|\\.)*\]\((?:https://clinicaltrials\.gov/study/NCT\d{8}"
                      r"|https://www\.isrctn\.com/ISRCTN\d{8}|tel:\+?\d+(?:;ext=\d+)?"
                      r"|mailto:[\w.+-]+@[\w.-]+|" + SOURCE_LINKS + r")\)")
AUTOLINK = re.compile(r"https?://|www\.|[\w.+-]@[\w-]+\.\w", re.IGNORECASE)


def all_markdown(at) -> str:
    return "\n".join(texts(at.header) + texts(at.markdown) + texts(at.caption) + texts(at.success)
                     + texts(at.info) + texts(at.warning) + [e.label for e in at.expander])


def test_registry_text_makes_no_links_but_contacts_can_be_called(tmp_path):
    fill_with(tmp_path, hostile_study())
    at = run(study="NCT00000001")
    assert not at.exception
    rendered = all_markdown(at)
    assert "](tel:+15551234567;ext=12)" in rendered  # a validated phone number
    assert "](mailto:study@uni.example)" in rendered  # a validated e-mail address
    # The site's desk too, now that a phone lists sites as text (issue 18): a valid address.
    assert "](mailto:site@evil.example)" in rendered
    assert rendered.count("](tel:") == 1 and rendered.count("](mailto:") == 2
    plain_text = OWN_LINK.sub("", rendered).replace("\\", "")
    assert not AUTOLINK.search(plain_text), AUTOLINK.search(plain_text)
    for shown in ("title.evil.example", "www\u2060.sponsor-evil.example", "contact.evil.example",
                  "call http:\u2060//phone.evil.example", "affiliation.evil.example"):
        assert shown in plain_text, shown  # still there to read, only inert
    # Criteria are plain text (st.text), never Markdown.
    assert any("https://criteria.evil.example" in t for t in texts(at.text))


def test_a_10_mb_title_is_cut_and_the_page_stays_small(tmp_path):
    huge = "Stem cell transplantation in multiple sclerosis " * 220_000  # about 10 MB
    fill_with(tmp_path, hostile_study(title=huge))
    at = run(study="NCT00000001")
    assert not at.exception
    header = card_title(at)
    assert len(header) < 2 * plain.TITLE_LIMIT and header.endswith("…")
    assert all(len(b.label) < 2 * plain.TITLE_LIMIT for b in at.button)  # the phone list too
    assert 0.7 * plain.TITLE_LIMIT < len(at.dataframe[0].value["title"][0]) <= plain.TITLE_LIMIT  # cut at a space
    assert any(e.label == "Show the full title" for e in at.expander)
    assert any(len(t) == MAX_FIELD_CHARS and t.endswith("…") for t in texts(at.text))
    sent = sum(len(t) for t in texts(at.header) + texts(at.markdown) + texts(at.text))
    assert sent < 200_000  # of a 10 MB field


def test_only_trials_that_give_the_therapy_by_default(tmp_path):
    fill_store(tmp_path, MS_2025)
    at = run()
    assert not at.exception
    assert at.toggle(key="gives").value is True
    given = at.dataframe[0].value
    assert set(given["study_role"]) == {"gives therapy"}
    at.toggle(key="gives").set_value(False).run()
    everything = at.dataframe[0].value
    assert "follows treated people" in set(everything["study_role"])
    assert len(everything) > len(given)
    # The switch is bound to the URL like every filter.
    assert run(gives="False").toggle(key="gives").value is False


def test_the_card_of_a_follow_up_says_first_that_it_gives_no_treatment(tmp_path):
    fill_store(tmp_path, MS_2025)
    at = run(gives="False")
    at.selectbox(key="study").set_value("NCT06567197").run()  # an observational aHSCT cohort
    assert not at.exception
    assert "What the study is about" in texts(at.subheader)
    # Its section opens with the sentence, right after whether the study takes anyone and whom to ask.
    headings = texts(at.subheader)
    assert headings.index("What the study is about") == headings.index("Can I join?") + 2
    assert headings.index("Who to contact") == headings.index("Can I join?") + 1
    assert any(t.replace("\\", "").startswith(
        "This study follows people who have or had HSCT in their care; it does not give the treatment.") for t in texts(at.markdown))


def test_pre_screen_annotates_sorts_explains_and_stays_out_of_the_link(tmp_path):
    fill_store(tmp_path, MSC_2022)
    at = run()
    assert not at.exception
    assert "fit" not in at.dataframe[0].value  # no answers, no verdicts
    at.number_input(key="age").set_value(35)
    at.pills(key="ms_type").set_value("RRMS")
    at.selectbox(key="edss").set_value(3.0).run()
    assert not at.exception
    shown = at.dataframe[0].value
    order = list(shown["fit"])
    assert order[0] == "likely fits" and "does not fit" in order
    assert order == sorted(order, key=list(trials.VERDICTS).index)
    page_text = " ".join(texts(at.markdown) + texts(at.caption))
    assert "only the study team decides" in page_text
    assert "eligible" not in page_text.lower()
    assert not {"age", "ms_type", "edss"} & set(at.query_params)  # kept in the session only

    assert "not open to new participants" in order  # completed studies fit nobody now
    at.selectbox(key="study").set_value("NCT04749667").run()  # recruiting, progressive MS only
    assert "Your pre-screen: does not fit" in texts(at.subheader)
    assert any("MS type: does not fit" in t.replace("\\", "").replace("\u2060", "") for t in texts(at.markdown))

    at.toggle(key="hide_no_fit").set_value(True).run()
    assert not {"does not fit", "not open to new participants"} & set(at.dataframe[0].value["fit"])
    at.checkbox(key="share_answers").check().run()
    assert (at.query_params["age"], at.query_params["ms_type"]) == ("35", "RRMS")


def test_a_link_in_the_clis_spellings_shows_what_it_asks_for(tmp_path):
    fill_store(tmp_path, MS_2025)
    at = run(panels=False, therapy="hsct", status="RECRUITING", phase="3", type="interventional")
    assert not at.exception
    # The widgets' values hold them, and the URL now says them in the page's own spelling.
    state = at.session_state
    assert (state["therapy"], state["status"]) == (["HSCT"], ["Recruiting now"])
    assert at.multiselect(key="phase").value == ["PHASE3"]  # in the open clinicians' panel
    assert at.multiselect(key="type").value == ["INTERVENTIONAL"]
    assert at.query_params["therapy"] == "HSCT" and at.query_params["phase"] == "PHASE3"
    assert at.query_params["status"] == "Recruiting now"
    shown = at.dataframe[0].value
    assert len(shown) >= 1 and set(shown["status_group"].str.removesuffix(views.OUT_OF_DATE)) == {"Recruiting now"}
    assert "Filters: HSCT · Recruiting now · Phase 3 · Interventional · only trials that give the therapy" \
        in [m.replace("\\", "") for m in texts(at.markdown)]
    assert not [w for w in texts(at.warning) if "This link asks" in w or "No study lists" in w]
    # Clinician filters from a link are in force, so their step is open and says so; the
    # patient's steps stay shut and still filter.
    assert at.segmented_control(key="steps").value == ["clinicians"]
    assert not at.get("toggle")  # the closed steps drew no widgets


def test_a_value_that_matches_nothing_is_named(tmp_path):
    fill_store(tmp_path, MS_2025)
    at = run(country="Germany", therapy=["HSCT", "stem cells please"])
    assert not at.exception
    notices = [w.replace("\\", "") for w in texts(at.warning) if "link" in w or "lists" in w]
    assert any(n.startswith("No study lists “Germany”; showing all countries. Countries with a "
                            "study recruiting now: ") for n in notices), notices
    assert any("therapy type “stem cells please”" in n for n in notices), notices
    assert at.multiselect(key="country").value == [] and "country" not in at.query_params
    assert at.pills(key="therapy").value == ["HSCT"]
    # Once the reader changes the filters, the link's notices have done their job.
    at.multiselect(key="country").set_value(["Italy"]).run()
    assert not [w for w in texts(at.warning) if "Germany" in w]


def test_old_data_is_dated_in_plain_words_and_the_api_url_sits_in_the_footer(tmp_path):
    fill_store(tmp_path, MS_2025)
    at = run()
    [stale] = [w for w in texts(at.warning) if "This data is" in w]
    assert re.search(r"This data is \d+ (year|years|month|months|day|days) old", stale.replace("\\", ""))
    about = [m for m in texts(at.markdown) if m.startswith("**About the data.**")]
    assert len(about) == 1 and "not medical advice" in about[0]
    assert not [m for m in texts(at.markdown) if "Source:" in m and not m.startswith("**About")]


def test_a_study_without_any_contact_says_where_to_ask(tmp_path):
    # A real record's shape (ms-2025-09 holds many such sparse records) with no contact at all.
    study = {"protocolSection": {
        "identificationModule": {"nctId": "NCT00000002", "briefTitle": "Autologous HSCT in MS"},
        "statusModule": {"overallStatus": "RECRUITING", "lastUpdatePostDateStruct": {"date": "2025-01-01"}},
        "conditionsModule": {"conditions": ["Multiple Sclerosis"]},
        "armsInterventionsModule": {"interventions": [
            {"type": "PROCEDURE", "name": "Autologous hematopoietic stem cell transplantation"}]}}}
    fill_with(tmp_path, study)
    at = run(study="nct00000002")
    assert not at.exception
    body = "\n".join(texts(at.markdown)).replace("\\", "")
    assert ("[The stored record lists no contact for this study: see the registry record]"
            "(https://clinicaltrials.gov/study/NCT00000002)") in body
    assert at.query_params["study"] == "NCT00000002"


def test_a_links_notices_stay_until_the_filters_change_and_a_fixed_place_clears_its_own(tmp_path):
    fill_store(tmp_path, MS_2025)
    at = run(status=["TERMINATED", "Recruiting now"], therapy="bogus", near="Nowhereville")
    assert not at.exception

    def notices():
        return [w.replace("\\", "") for w in texts(at.warning) if "link" in w or "city" in w]

    first = notices()
    assert any("therapy type “bogus”" in n for n in first)
    assert any("No city called 'Nowhereville'" in n for n in first)
    at.run()  # a rerun, nothing changed: the same notices
    assert notices() == first
    at.text_input(key="near").set_value("Milan, Italy").run()  # the place fixed: its notice goes
    assert any("bogus" in n for n in notices()) and not any("Nowhereville" in n for n in notices())
    at.pills(key="therapy").set_value(["HSCT"]).run()  # the filters changed: the link's go too
    assert notices() == []


LINK_INJECTIONS = ("[Click here to enrol](https://evil.example/phish)", "![x](https://evil.example/t.png)",
                   "<img src=https://evil.example/t.png>")
LIVE_MARKUP = re.compile(r"(?<!\\)\[Click here|(?<!\\)!\[x\]|(?<!\\)\]\(https://evil|(?<!\\)<img")


@pytest.mark.parametrize("param", ["near", "compare", "age", "sex", "within", "since", "study", "q", "country",
                                   "edss", "ms_type", "therapy"])
def test_a_links_values_are_shown_as_text_never_as_links_or_images(tmp_path, param):
    """Issue 17: every message that quotes a link's value shows it as text."""
    fill_store(tmp_path, MSC_2022)
    for value in LINK_INJECTIONS:
        at = run(**{param: value})
        assert not at.exception
        shown = [e.value for kind in ("markdown", "warning", "error", "info", "success", "caption")
                 for e in getattr(at, kind)]
        assert not [v for v in shown if LIVE_MARKUP.search(v)], (param, value)


def test_a_visitors_clear_cache_request_resets_only_their_own_session():
    """Issue 17: any websocket client could clear the caches every visitor shares."""
    from types import SimpleNamespace

    from streamlit.runtime.app_session import AppSession

    import trials.page  # noqa: F401 - replaces the handler

    runs = []

    @st.cache_resource
    def shared() -> int:
        runs.append(1)
        return len(runs)

    shared()
    state = SimpleNamespace(cleared=False)
    session = SimpleNamespace(_session_state=SimpleNamespace(clear=lambda: setattr(state, "cleared", True)))
    AppSession._handle_clear_cache_request(session)
    assert shared() == 1 and runs == [1]  # the shared cache survived
    assert state.cleared  # the visitor's own session was reset
    shared.clear()


def test_a_cards_sites_are_text_with_contacts_to_tap_as_well_as_a_table(tmp_path):
    # Issue 18: a site's contact sat in a canvas table, cut off on a phone and not tappable.
    # The real MS study NCT04749667, with the real site contact of NCT00962923 added to its
    # first site (no MS stem-cell record in the data has a site contact with both).
    studies = load_jsonl(MSC_2022)
    record = copy.deepcopy(by_id(studies, "NCT04749667"))
    contact = by_id(studies, "NCT00962923")["protocolSection"]["contactsLocationsModule"]["locations"][0]["contacts"][0]
    record["protocolSection"]["contactsLocationsModule"]["locations"][0]["contacts"] = [contact]
    fill_with(tmp_path, record)
    at = run(study="NCT04749667")
    assert not at.exception
    [sites] = [m for m in texts(at.markdown) if m.startswith("- **")]
    assert sites.count("\n- **") == len(record["protocolSection"]["contactsLocationsModule"]["locations"]) - 1
    assert "](tel:+862583106666;ext=66866)" in sites and "](mailto:yitaoding@hotmail.com)" in sites
    assert "no contact listed for this site" in sites  # the other sites say so
    assert at.dataframe[-1].value.columns.tolist() == ["facility", "place", "status", "contact"]


def test_the_patients_steps_open_in_order_one_tap_each_and_stay_open(tmp_path):
    # Issue 18: panels closed themselves after a choice; a patient's path is about me, where,
    # what, each one tap, each optional.
    fill_store(tmp_path, MS_2025)
    at = run(panels=False)
    assert at.segmented_control(key="steps").value == []
    assert not at.get("button_group")[1:]  # only the step buttons: no step drew its widgets
    at.segmented_control(key="steps").set_value(["about"]).run()
    at.pills(key="ms_type").set_value("RRMS").run()
    assert at.segmented_control(key="steps").value == ["about"]  # a choice leaves it open
    at.button(key="next_about").click().run()
    assert at.segmented_control(key="steps").value == ["about", "where"]
    at.text_input(key="near").set_value("Milan, Italy").run()
    at.button(key="next_where").click().run()
    assert at.segmented_control(key="steps").value == ["about", "where", "what"]
    assert "next_what" not in [b.key for b in at.button]  # the results follow the last step
    at.segmented_control(key="steps").set_value([]).run()
    # Closed, the steps still filter, and the line under them says so.
    assert at.session_state["ms_type"] == "RRMS" and at.query_params["near"] == "Milan, Italy"
    assert any("near Milan, Italy" in m.replace("\\", "") for m in texts(at.markdown))
