"""A real browser on the real page: Debian's Chromium driven by Playwright, at a phone's
size (390x844, mobile) and a desktop's (1366x900).

Starts the local stand-in API with real records, fills the store with `trials refresh`
as a user would, serves the page with `trials serve` from an empty folder on 127.0.0.1
(``streamlit run app.py`` is the same page: tests/test_app.py), then opens shared links as
a patient and a neurologist would: results and active filters on screen, a wrong value
named, a study opened where the reader is, the CSV, and axe-core on home, a filtered page
with a card, and an empty result. Screenshots land in $TMPDIR/ms-trials-screenshots/
(or $TRIALS_TEST_OUTPUT) for a person to look at.
"""

from __future__ import annotations

import copy
import csv
import io
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import httpx
import pytest
from pypdf import PdfReader

import trials
from trials.config import Settings
from trials.presentation.map import site_points

from .conftest import MS_2025, MSC_2022, REPO, by_id
from .support.standin import StandIn, free_port, load_corpus

CHROMIUM = Path("/usr/bin/chromium")
# Outside the checkout (tests write only to temporary folders); TRIALS_TEST_OUTPUT chooses another.
OUTPUT = Path(os.environ.get("TRIALS_TEST_OUTPUT") or Path(tempfile.gettempdir()) / "ms-trials-screenshots")
IDLE = "[data-testid='stApp'][data-test-script-state='notRunning']"
PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True,
         "device_scale_factor": 2}
DESKTOP = {"viewport": {"width": 1366, "height": 900}}
BEAT_MS = "NCT04047628"  # HSCT versus best available therapy, recruiting in this data

playwright = pytest.importorskip("playwright.sync_api")
pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists() and not os.environ.get("CI"),
                       reason="Debian's chromium is not installed (.ci/run installs it)"),
]


NEW_STUDY = "NCT03799718"  # NurOwn (MSC)
COMPLETES = "NCT04749667"  # MSC, recruiting in the 2022 records
SECOND_RELEASE = "2025-09-26T00:00:00"


def nct(study: dict) -> str:
    return study["protocolSection"]["identificationModule"]["nctId"]


def second_release(study: dict) -> dict:
    if nct(study) not in (NEW_STUDY, COMPLETES):
        return study
    changed = copy.deepcopy(study)
    status = changed["protocolSection"]["statusModule"]
    status["lastUpdatePostDateStruct"] = {"date": "2025-09-26"}
    if nct(study) == COMPLETES:
        status["overallStatus"] = "COMPLETED"
    return changed


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    """(page URL, settings) of a running app over a store filled from the stand-in."""
    cache = tmp_path_factory.mktemp("cache")
    OUTPUT.mkdir(parents=True, exist_ok=True)
    corpus = load_corpus(MS_2025, MSC_2022)
    # Two data releases, so the page has changes to show. Built from the real records: NurOwn
    # appears in the second (as if registered later) and one MSC study completes; only their
    # dates and that status are changed.
    with StandIn([s for s in corpus if nct(s) != NEW_STUDY]) as api:
        env = {**os.environ, "TRIALS_REGISTRIES": "ctgov", "TRIALS_API_URL": api.url, "TRIALS_CACHE_DIR": str(cache),
               "TRIALS_REQUEST_INTERVAL": "0"}
        subprocess.run([sys.executable, "-m", "trials", "refresh"], env=env, check=True,
                       capture_output=True, timeout=120)
        api.studies = [second_release(s) for s in corpus]
        api.data_timestamp = SECOND_RELEASE
        subprocess.run([sys.executable, "-m", "trials", "refresh"], env=env, check=True,
                       capture_output=True, timeout=120)
        port = free_port()
        elsewhere = tmp_path_factory.mktemp("empty-folder")  # no .streamlit/config.toml here
        server = subprocess.Popen(
            [sys.executable, "-m", "trials", "serve", "--host", "127.0.0.1", "--port", str(port)],
            env={**env, "PYTHONPATH": str(REPO)}, cwd=elsewhere,
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            url = f"http://127.0.0.1:{port}"
            deadline = time.monotonic() + 60
            while True:
                try:
                    if httpx.get(f"{url}/_stcore/health", timeout=2).status_code == 200:
                        break
                except httpx.HTTPError:
                    pass
                if time.monotonic() > deadline or server.poll() is not None:
                    pytest.fail("the Streamlit app did not start")
                time.sleep(0.3)
            yield url, Settings(api_url=api.url, cache_dir=cache, request_interval=0)
        finally:
            server.terminate()
            server.wait(timeout=20)


@pytest.fixture(scope="module")
def browser():
    with playwright.sync_playwright() as p:
        chromium = p.chromium.launch(
            executable_path=str(CHROMIUM),
            args=["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--no-first-run"])
        yield chromium
        chromium.close()


@pytest.fixture
def phone(browser):
    context = browser.new_context(**PHONE)
    yield context.new_page()
    context.close()


@pytest.fixture
def tall(browser):
    """A desktop window tall enough to hold the map and the comparison at once."""
    context = browser.new_context(viewport={"width": 1400, "height": 2400}, accept_downloads=True)
    yield context.new_page()
    context.close()


@pytest.fixture
def desktop(browser):
    context = browser.new_context(**DESKTOP, accept_downloads=True)
    yield context.new_page()
    context.close()


def settle(page) -> None:
    page.wait_for_selector(IDLE, timeout=60_000)
    page.wait_for_timeout(300)  # a rerun may start right after
    page.wait_for_selector(IDLE, timeout=60_000)
    # Under load a rerun's elements may still be placeholders (grey skeletons) when the script
    # is idle: a layout measured then is not the page's (a CI run once found the first study
    # pushed below the phone's first screen by them).
    page.wait_for_function("() => !document.querySelector(\"[data-testid='stSkeleton']\")", timeout=60_000)


def open_page(page, url: str) -> None:
    page.goto(url)
    settle(page)


def in_viewport(page, locator) -> bool:
    box = locator.bounding_box()
    height = page.viewport_size["height"]
    return box is not None and box["y"] >= 0 and box["y"] + min(box["height"], 40) <= height


def params(page) -> dict[str, list[str]]:
    return parse_qs(urlparse(page.url).query)


def expected(settings: Settings, **filters) -> trials.Result:
    snapshot = trials.load(settings)
    return trials.search(snapshot, trials.Query(filters=trials.Filters(**filters)))


def test_phone_shared_link_with_the_cli_spellings(served, phone):
    url, settings = served
    want = expected(settings, therapies=("HSCT",), statuses=("Recruiting now",)).rows
    assert len(want) > 0
    open_page(phone, f"{url}/?therapy=hsct&status=RECRUITING")
    summary = phone.get_by_role("heading", name=expected(settings, therapies=("HSCT",),
                                statuses=("Recruiting now",)).summary, exact=True)
    summary.wait_for(timeout=10_000)
    line = phone.get_by_text("Filters: HSCT · Recruiting now · only trials that give the therapy")
    # The filters in force and the results: on the first or second screen (this data is
    # old, so a warning says so above them), the compact list, not the grid.
    first = phone.locator(".st-key-phone_list button").first
    for shown in (line, summary, first):
        assert shown.is_visible() and shown.bounding_box()["y"] < 2 * PHONE["viewport"]["height"]
    assert not phone.locator("[data-testid='stDataFrame']").first.is_visible()
    assert phone.locator(".st-key-phone_list button").count() == len(want)
    # The link now says what is shown, in the page's own spelling.
    assert params(phone)["therapy"] == ["HSCT"] and params(phone)["status"] == ["Recruiting now"]
    phone.screenshot(path=str(OUTPUT / "phone-link.png"))


def test_phone_wrong_value_is_named(served, phone):
    url, settings = served
    open_page(phone, f"{url}/?country=Germany&phase=2")
    notice = phone.get_by_text(re.compile(r"No study lists “Germany”; showing all countries\. "
                                          r"Countries with a study recruiting now: .+"))
    notice.wait_for(timeout=10_000)
    assert in_viewport(phone, notice)
    assert phone.get_by_text("Filters: Phase 2 · only trials that give the therapy").is_visible()
    assert "country" not in params(phone) and params(phone)["phase"] == ["PHASE2"]
    phone.screenshot(path=str(OUTPUT / "phone-notice.png"))


def test_phone_a_study_opens_where_the_reader_is(served, phone):
    url, _ = served
    open_page(phone, f"{url}/?therapy=HSCT&status=Recruiting+now")
    item = phone.locator(".st-key-phone_list button").filter(has_text="Best Available Therapy")
    item.scroll_into_view_if_needed()
    item.click()
    settle(phone)
    dialog = phone.get_by_role("dialog")
    title = dialog.get_by_role("heading", name=re.compile("Best Available Therapy Versus Autologous"))
    title.wait_for(timeout=10_000)
    assert in_viewport(phone, title)
    assert dialog.get_by_role("link", name=f"{BEAT_MS} on ClinicalTrials.gov").is_visible()
    assert params(phone)["study"] == [BEAT_MS]
    phone.screenshot(path=str(OUTPUT / "phone-card.png"))


def test_desktop_table_card_and_csv(served, desktop):
    url, settings = served
    found = expected(settings, therapies=("HSCT",), statuses=("Recruiting now",))
    want = found.rows
    open_page(desktop, f"{url}/?therapy=HSCT&status=Recruiting+now")
    desktop.get_by_role("heading", name=found.summary, exact=True).wait_for(timeout=10_000)
    desktop.locator("[data-testid='stDataFrame']").first.wait_for(state="visible", timeout=10_000)
    desktop.locator(".st-key-phone_list").wait_for(state="hidden", timeout=5_000)
    assert desktop.get_by_text("ClinicalTrials.gov data as of 2025-09-26 00:00 UTC").count() >= 1
    assert desktop.get_by_text("not medical advice").count() >= 1
    desktop.screenshot(path=str(OUTPUT / "desktop.png"))

    settle(desktop)
    # The CSV is built on the server when asked for: allow for a busy machine.
    with desktop.expect_download(timeout=60_000) as download_info:
        desktop.get_by_role("button", name=re.compile(r"^Download (this study|these \d+ studies) as CSV")).click()
    raw = Path(download_info.value.path()).read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"))))
    assert sorted(r["study_id"] for r in rows) == sorted(want["study_id"])
    assert {r["data_timestamp"] for r in rows} == {"2025-09-25T00:00:00"}

    box = desktop.locator("[data-testid='stSelectbox']").filter(has_text="Read about one study")
    box.locator("input").click()  # the keyboard path
    desktop.keyboard.type(BEAT_MS)
    desktop.keyboard.press("Enter")
    settle(desktop)
    title = desktop.get_by_role("dialog").get_by_role(
        "heading", name=re.compile("Best Available Therapy Versus Autologous"))
    title.wait_for(timeout=10_000)
    assert in_viewport(desktop, title)
    assert params(desktop)["study"] == [BEAT_MS]
    desktop.screenshot(path=str(OUTPUT / "desktop-card.png"))
    desktop.keyboard.press("Escape")  # closing the card takes the study out of the link
    settle(desktop)
    assert desktop.get_by_role("dialog").count() == 0 and "study" not in params(desktop)


def local_only(page) -> list[str]:
    """Refuse every request that leaves 127.0.0.1 (map tiles, fonts, anything); returns
    the list of what was refused."""
    refused: list[str] = []

    def route(request_route):
        if re.match(r"^(https?|wss?)://127\.0\.0\.1[:/]", request_route.request.url):
            request_route.continue_()
        else:
            refused.append(request_route.request.url)
            request_route.abort()

    page.route("**/*", route)
    return refused


def test_near_me_map_and_changes_without_network(served, tall):
    page = tall
    url, settings = served
    refused = local_only(page)
    snapshot = trials.load(settings)
    found = trials.search(snapshot, trials.Query(filters=trials.Filters(therapies=("MSC",)), near="Milan, Italy"))
    near = found.near
    points = site_points(found.rows, snapshot.sites)
    assert len(points) > 5

    page.goto(f"{url}/?therapy=MSC&near=Milan%2C+Italy&since=2025-01-01")
    settle(page)
    # What changed, at the top: the new study and the completed one from the second release.
    page.get_by_text("Since 2025-01-01: 1 new study, 1 completed.", exact=False).wait_for(timeout=10_000)
    page.get_by_text(near.message[:60], exact=False).first.wait_for(timeout=10_000)
    heading = page.get_by_role(
        "heading", name=f"Where the sites are: {len(points)} sites of these {len(near.table)} studies")
    heading.wait_for(timeout=10_000)
    chart = page.locator("[data-testid='stVegaLiteChart']").last
    chart.wait_for(timeout=20_000)
    drawn = chart.locator("canvas, svg").first
    drawn.wait_for(timeout=20_000)
    box = drawn.bounding_box()
    assert box and box["width"] > 300 and box["height"] > 300
    heading.scroll_into_view_if_needed()
    page.wait_for_timeout(800)  # let Vega finish drawing before the picture
    chart.screenshot(path=str(OUTPUT / "map.png"))
    page.screenshot(path=str(OUTPUT / "near-me.png"), full_page=True)
    # Every request that left 127.0.0.1 was refused, and the map still drew.
    assert not [u for u in refused if "tile" in u or "openstreetmap" in u or "mapbox" in u], refused

    page.get_by_text("What changed since 2025-01-01").click()
    button = page.get_by_role("button", name=re.compile("Atom feed of these changes"))
    button.wait_for(timeout=20_000)
    # The expander grows as it opens; a click while it moves can land beside the button.
    button.scroll_into_view_if_needed()
    page.wait_for_timeout(500)
    with page.expect_download(timeout=60_000) as feed_download:  # a busy machine may take a while
        button.click()
    feed = Path(feed_download.value.path()).read_bytes()
    assert feed.count(b"<entry>") == 2 and NEW_STUDY.encode() in feed and COMPLETES.encode() in feed


def test_comparison_from_a_link(served, tall):
    page = tall
    url, settings = served
    local_only(page)
    ids = ["NCT04047628", "NCT03477500", COMPLETES]  # BEAT-MS, RAM-MS (HSCT) and an MSC trial
    page.goto(f"{url}/?near=Milan%2C+Italy&compare={','.join(ids)}")
    settle(page)
    table = page.locator("[data-testid='stTable']")
    table.wait_for(timeout=20_000)
    text = table.inner_text()
    for study_id in ids:
        assert study_id in text
    for question in ("Therapy", "Design", "EDSS limits", "Primary outcome", "Nearest open site", "Flags"):
        assert question in text
    assert "Completed" in text  # the second release's status of the MSC trial
    table.scroll_into_view_if_needed()
    page.screenshot(path=str(OUTPUT / "compare.png"), full_page=True)

    with page.expect_download() as download_info:
        page.get_by_role("button", name="Download this comparison as CSV").click()
    raw = Path(download_info.value.path()).read_bytes()
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    assert rows[0] == ["question", *ids]
    data_row = next(r for r in rows if r[0] == "Registry data as of")
    assert data_row[3] == SECOND_RELEASE  # each study's own data version

    page.goto(f"{url}/?compare=NCT1,not-an-id")
    settle(page)
    page.get_by_text("The studies to compare in this link were not used").wait_for(timeout=10_000)


# Links that together use every parameter the page knows (checked below), read as a link is
# read: the CLI's spellings, a country alias, several values, a value that matches nothing.
AGREEMENT_LINKS = (
    "/",
    "/?therapy=hsct&status=RECRUITING&status=terminated&country=usa&gives=false",
    "/?phase=2&type=interventional&registry_status=ACTIVE_NOT_RECRUITING&q=transplant",
    "/?therapy=MSC&near=Milan%2C+Italy&within=3000&since=2025-01-01",
    "/?therapy=MSC&since=2025-09-26T12:00:00Z",  # a moment's day, at both doors
    "/?therapy=MSC&age=38&sex=female&ms_type=RRMS&edss=4&hide_no_fit=true",
    "/?therapy=MSC&cells=autologous&route=intrathecal&route=intravenous",
    "/?region=europe&region=Middle+East&gives=false&registry=ctgov",
    "/?results=yes&gives=false",
    "/?therapy=HSCT&study=NCT04047628&compare=NCT04047628,NCT03477500",
    "/?therapy=nonsense&country=Germany&phase=2",
)


def test_a_link_gives_the_same_csv_on_the_page_and_the_command_line(served, desktop, tmp_path):
    """``trials export --link URL`` writes exactly the page's Download for that link."""
    url, settings = served
    assert set().union(*(parse_qs(urlparse(link).query) for link in AGREEMENT_LINKS)) == set(trials.LINK_PARAMS)
    env = {**os.environ, "TRIALS_REGISTRIES": "ctgov", "TRIALS_CACHE_DIR": str(settings.cache_dir), "TRIALS_API_URL": settings.api_url,
           "PYTHONPATH": str(REPO)}
    def export(number: int, link: str) -> bytes:
        out = tmp_path / f"{number}.csv"
        done = subprocess.run([sys.executable, "-m", "trials", "export", "--offline", "--link", url + link,
                               "-o", str(out)], env=env, capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, done.stderr
        return out.read_bytes()

    # The command line exports one link at a time beside the browser: the two overlap, and a
    # loaded machine never carries more than one extra process.
    with ThreadPoolExecutor(max_workers=1) as cli:
        exports = [cli.submit(export, number, link) for number, link in enumerate(AGREEMENT_LINKS)]
        for link, exported in zip(AGREEMENT_LINKS, exports, strict=True):
            on_page = downloaded(desktop, url + link)
            assert len(on_page) > 1_000 and exported.result() == on_page, link


def downloaded(page, address: str) -> bytes:
    """The CSV the page's Download button gives at this address."""
    open_page(page, address)
    if page.get_by_role("dialog").count():
        page.keyboard.press("Escape")  # the study's card covers the page
        settle(page)
    button = page.get_by_role("button", name=re.compile(r"^Download (this study|these \d+ studies) as CSV"))
    button.wait_for(timeout=20_000)
    settle(page)
    try:
        with page.expect_download(timeout=60_000) as download:
            button.click()
    except playwright.TimeoutError:
        page.screenshot(path=str(OUTPUT / "agreement-failed.png"), full_page=True)
        raise AssertionError(f"no download from the page for {address}") from None
    return Path(download.value.path()).read_bytes()


class Journey:
    """Taps on a page, counted: a tap is a touch or click on the page (typing is not), each
    followed by the page settling and a numbered screenshot for a person to read."""

    def __init__(self, page, name: str, *, touch: bool) -> None:
        self.page, self.name, self.touch, self.taps = page, name, touch, 0

    def tap(self, locator, step: str) -> None:
        self.taps += 1
        locator.scroll_into_view_if_needed()
        locator.tap() if self.touch else locator.click()
        settle(self.page)
        self.page.screenshot(path=str(OUTPUT / f"journey-{self.name}-{self.taps:02d}-{step}.png"))

    def type(self, text: str) -> None:
        self.page.keyboard.type(text)
        self.page.keyboard.press("Enter")
        settle(self.page)
        self.page.screenshot(path=str(OUTPUT / f"journey-{self.name}-{self.taps:02d}-typed.png"))

    def open_step(self, label: str, step: str) -> None:
        """Open a step; a step already open would be a re-opening (issue 18: panels that
        closed themselves), so it fails the journey."""
        button = self.page.locator(".st-key-steps").get_by_role("button", name=label)
        assert button.get_attribute("aria-pressed") == "false", f"{label} had to be opened again"
        self.tap(button, step)


def serious(page) -> list[str]:
    from axe_playwright_python.sync_playwright import Axe

    found = Axe().run(page).response["violations"]
    return [f"{v['id']} ({v['impact']}): {[n['target'] for n in v['nodes']][:5]}" for v in found
            if v["impact"] in ("serious", "critical") or v["id"] in ("heading-order", "color-contrast")]


def test_a_patients_journey_on_a_phone(served, phone):
    """Issue 18's patient: 38, relapsing MS, EDSS 4.0, in Milan. About me, where, then a
    study's card, to a contact she can tap: at most 10 taps, no step opened twice."""
    url, settings = served
    page, journey = phone, Journey(phone, "phone", touch=True)
    open_page(page, url)
    page.screenshot(path=str(OUTPUT / "journey-phone-00-first-screen.png"))
    # The first screen shows a study, not only notices and filters.
    first = page.locator(".st-key-phone_list button").first
    assert in_viewport(page, first), "no study on the first phone screen"

    journey.open_step("1 About me", "about-me")
    about = page.locator(".st-key-step_about")
    journey.tap(about.get_by_role("spinbutton", name="Your age (years)"), "age")
    journey.type("38")
    journey.tap(about.get_by_role("radio", name="Female"), "sex")
    journey.tap(about.get_by_role("radio", name=re.compile(r"\(RRMS\)")), "ms-type")
    journey.tap(about.locator("[data-testid='stSelectbox']"), "edss")
    journey.type("4.0")  # the list's search box: typing, then the keyboard's enter
    assert about.is_visible(), "the pre-screen closed itself"
    assert params(page).get("age") is None  # the answers stay out of the link unless asked

    journey.tap(about.get_by_role("button", name="Next: 2 Where"), "next-where")
    where = page.locator(".st-key-step_where")
    assert about.is_visible() and where.is_visible()
    journey.tap(where.get_by_role("textbox", name=re.compile("Near me")), "near-me")
    journey.type("Milan, Italy")
    assert where.is_visible() and params(page)["near"] == ["Milan, Italy"]

    snapshot = trials.load(settings)
    found = trials.search(snapshot, trials.Query(near="Milan, Italy", profile=trials.Profile(
        age=38, sex="female", ms_type="RRMS", edss=4.0)))
    assert page.get_by_text(re.compile(r"^Your pre-screen \(likely fits first, then nearest\)")).is_visible()
    # She opens the first study the list does not mark as having no contact.
    reachable = [r.study_id for r in found.rows.itertuples() if r.contacts_listed][0]
    position = list(found.rows["study_id"]).index(reachable)
    assert position < 10, "the first reachable study is beyond the phone list's first page"
    item = page.locator(".st-key-phone_list button").nth(position)
    skipped = page.locator(".st-key-phone_list [data-testid='stMarkdown']")
    assert all("no phone or e-mail in the stored record" in skipped.nth(i).inner_text() for i in range(position))
    journey.tap(item, "card")
    dialog = page.get_by_role("dialog")
    contact = dialog.locator("a[href^='tel:'], a[href^='mailto:']").first
    contact.scroll_into_view_if_needed()
    page.screenshot(path=str(OUTPUT / f"journey-phone-{journey.taps:02d}-contact.png"))
    assert contact.is_visible() and in_viewport(page, contact)
    assert re.fullmatch(r"(tel:\+?[0-9]+(;ext=[0-9]+)?|mailto:[^@\s]+@[^@\s]+)", contact.get_attribute("href"))
    assert journey.taps + 1 <= 10, f"{journey.taps + 1} taps to a contact"  # + the tap on it
    # Sites and sources are text a phone can tap, copy and read aloud, not a canvas.
    assert dialog.locator(".st-key-card_sites_list").is_visible()
    assert not dialog.locator(".st-key-card_sites_table").is_visible()
    assert dialog.locator("a[href^='https://doi.org/']").count() >= 1
    assert not serious(page)

    # The sheet for her neurologist (issue 19): her answers go on it only once she ticks the box.
    for tick, answered in ((False, False), (True, True)):
        if tick:
            journey.tap(dialog.get_by_text("Put my pre-screen answers on the sheet"), "sheet-answers")
        with page.expect_download(timeout=60_000) as download:
            journey.tap(dialog.get_by_role("button", name=re.compile("Sheet for my neurologist")), "sheet")
        pdf = PdfReader(download.value.path())
        words = " ".join(pdf.pages[0].extract_text().split())
        assert len(pdf.pages) == 1 and f"https://clinicaltrials.gov/study/{reachable}" in words
        assert ("My pre-screen" in words) is answered and "not medical advice" in words


def test_a_neurologists_journey_on_a_desktop(served, desktop):
    """Region, phase, then the CSV for the clinic, with the clinicians' step open throughout."""
    url, settings = served
    page, journey = desktop, Journey(desktop, "desktop", touch=False)
    open_page(page, url)
    journey.open_step("For clinicians", "for-clinicians")
    panel = page.locator(".st-key-step_clinicians")
    for label, choice in (("Region", "Europe"), ("Phase", "Phase 2")):
        journey.tap(panel.locator("[data-testid='stMultiSelect']").filter(has_text=label).locator("input"),
                    label.lower())
        journey.tap(page.get_by_role("option", name=choice, exact=True), choice.lower().replace(" ", "-"))
        page.keyboard.press("Escape")
        assert panel.is_visible(), f"the clinicians' step closed after {label}"
    assert params(page)["region"] == ["Europe"] and params(page)["phase"] == ["PHASE2"]
    want = expected(settings, regions=("Europe",), phases=("PHASE2",)).rows
    assert len(want) > 0
    with page.expect_download(timeout=60_000) as download_info:
        journey.tap(page.get_by_role("button", name=re.compile(r"^Download (this study|these \d+ studies) as CSV")),
                    "csv")
    rows = list(csv.DictReader(io.StringIO(Path(download_info.value.path()).read_text("utf-8-sig"))))
    assert sorted(r["study_id"] for r in rows) == sorted(want["study_id"])
    assert {r["study_id"]: r["data_timestamp"] for r in rows} == dict(zip(want["study_id"], want["data_timestamp"]))
    assert journey.taps <= 7
    assert not serious(page)


AXE_STATES = {
    "home": "/",
    "filtered-with-card": f"/?therapy=HSCT&status=Recruiting+now&study={BEAT_MS}",
    "empty": "/?therapy=iPSC",
}


@pytest.mark.parametrize("size", ["phone", "desktop"])
@pytest.mark.parametrize("state", list(AXE_STATES))
def test_axe_finds_no_serious_problem(served, browser, size, state):
    from axe_playwright_python.sync_playwright import Axe

    url, _ = served
    context = browser.new_context(**(PHONE if size == "phone" else DESKTOP))
    try:
        page = context.new_page()
        open_page(page, url + AXE_STATES[state])
        if state == "filtered-with-card":
            page.get_by_role("dialog").wait_for(timeout=10_000)
        page.wait_for_timeout(500)  # the chart draws after the script ends
        found = Axe().run(page).response["violations"]
        page.screenshot(path=str(OUTPUT / f"axe-{state}-{size}.png"), full_page=True)
    finally:
        context.close()
    report = [f"{v['id']} ({v['impact']}): {[n['target'] for n in v['nodes']][:5]}" for v in found]
    assert not [v for v in found if v["impact"] in ("serious", "critical")
                or v["id"] in ("heading-order", "color-contrast")], report


def test_an_upload_is_the_uploaders_own_view_and_changes_nothing_for_others(served, browser, tmp_path):
    """Issue 17: a forged download (a real study with a later update and a fake contact, an
    invented recruiting study and a malformed record) is seen by its uploader only, the
    malformed record refused and named; the store and every other visitor's page are unchanged."""
    url, settings = served
    before = trials.load(settings)
    real = copy.deepcopy(by_id(load_corpus(MS_2025), BEAT_MS))  # BEAT-MS, from the real records
    status = real["protocolSection"]["statusModule"]
    status["lastUpdatePostDateStruct"] = {"date": "2025-09-24"}
    real["protocolSection"]["contactsLocationsModule"] = {"centralContacts": [
        {"name": "Enrol Today", "phone": "+1 555 0100", "email": "enrol@clinic.example"}]}
    invented = copy.deepcopy(real)
    invented["protocolSection"]["identificationModule"] |= {"nctId": "NCT09999997",
                                                            "briefTitle": "Stem Cells Cure MS Now"}
    status = invented["protocolSection"]["statusModule"]
    status["overallStatus"] = "RECRUITING"
    malformed = copy.deepcopy(invented)  # and one the attacker broke: a module that is a number
    malformed["protocolSection"]["identificationModule"]["nctId"] = "NCT09999996"
    malformed["protocolSection"]["statusModule"] = 1.5
    forged = tmp_path / "forged.json"
    forged.write_text(json.dumps([real, invented, malformed]), encoding="utf-8")

    uploader = browser.new_context(**DESKTOP).new_page()
    local_only(uploader)
    open_page(uploader, url)
    uploader.get_by_text("Data from a download instead").click()
    settle(uploader)
    uploader.locator("input[type='file']").set_input_files(str(forged))
    uploader.get_by_text("You are viewing your own file forged.json", exact=False).wait_for(timeout=30_000)
    settle(uploader)
    assert ("Skipped, as no valid study record: 1 record (record 3: NCT09999996: protocolSection.statusModule "
            "is a number, not an object)") in uploader.locator("[data-testid='stApp']").inner_text()

    other = browser.new_context(**DESKTOP).new_page()
    local_only(other)
    open_page(other, f"{url}/?study={BEAT_MS}")
    text = other.locator("[role='dialog']").inner_text()
    assert "Enrol Today" not in text and "555 0100" not in text
    open_page(other, f"{url}/?study=NCT09999997")
    assert other.get_by_text("which is not in the data", exact=False).count() == 1
    after = trials.load(settings)
    assert "NCT09999997" not in after.entries
    assert after.entries[BEAT_MS].study == before.entries[BEAT_MS].study
    assert after.info.imported is None  # nothing was imported into the shared store

    # The uploader can go back to the server's data.
    uploader.get_by_role("button", name="Back to this server's data").click()
    settle(uploader)
    assert uploader.get_by_text("You are viewing your own file", exact=False).count() == 0
    uploader.context.close()
    other.context.close()
