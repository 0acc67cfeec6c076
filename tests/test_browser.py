"""A real browser on the real page: Debian's Chromium driven by Playwright, at a phone's
size (390x844, mobile) and a desktop's (1366x900).

Starts the local stand-in API with real records, fills the store with `trials refresh`
as a user would, serves `streamlit run app.py` on 127.0.0.1, then opens shared links as
a patient and a neurologist would: results and active filters on screen, a wrong value
named, a study opened where the reader is, the CSV, and axe-core on home, a filtered page
with a card, and an empty result. Screenshots land in tests/output/ for a person to look at.
"""

from __future__ import annotations

import csv
import io
import os
import re
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import httpx
import pytest

from trials import finder
from trials.config import Settings
from trials.filters import apply, make_filters
from trials.standin import StandIn, load_corpus
from trials.summary import summarize

from .conftest import MS_2025, MSC_2022, REPO, needs_shared

CHROMIUM = Path("/usr/bin/chromium")
OUTPUT = Path(os.environ.get("TRIALS_TEST_OUTPUT", REPO / "tests" / "output"))
IDLE = "[data-testid='stApp'][data-test-script-state='notRunning']"
PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True,
         "device_scale_factor": 2}
DESKTOP = {"viewport": {"width": 1366, "height": 900}}
BEAT_MS = "NCT04047628"  # HSCT versus best available therapy, recruiting in this data

playwright = pytest.importorskip("playwright.sync_api")
pytestmark = [
    needs_shared,
    pytest.mark.skipif(not CHROMIUM.exists() and not os.environ.get("CI"),
                       reason="Debian's chromium is not installed (.ci/run installs it)"),
]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    """(page URL, settings) of a running app over a store filled from the stand-in."""
    cache = tmp_path_factory.mktemp("cache")
    OUTPUT.mkdir(parents=True, exist_ok=True)
    with StandIn(load_corpus(MS_2025, MSC_2022)) as api:
        env = {**os.environ, "TRIALS_API_URL": api.url, "TRIALS_CACHE_DIR": str(cache),
               "TRIALS_REQUEST_INTERVAL": "0"}
        subprocess.run([sys.executable, "-m", "trials", "refresh"], env=env, check=True,
                       capture_output=True, timeout=120)
        port = free_port()
        server = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", str(REPO / "app.py"),
             "--server.headless", "true", "--server.address", "127.0.0.1",
             "--server.port", str(port)],
            env=env, cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
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
def desktop(browser):
    context = browser.new_context(**DESKTOP, accept_downloads=True)
    yield context.new_page()
    context.close()


def settle(page) -> None:
    page.wait_for_selector(IDLE, timeout=60_000)
    page.wait_for_timeout(300)  # a rerun may start right after
    page.wait_for_selector(IDLE, timeout=60_000)


def open_page(page, url: str) -> None:
    page.goto(url)
    settle(page)


def in_viewport(page, locator) -> bool:
    box = locator.bounding_box()
    height = page.viewport_size["height"]
    return box is not None and box["y"] >= 0 and box["y"] + min(box["height"], 40) <= height


def params(page) -> dict[str, list[str]]:
    return parse_qs(urlparse(page.url).query)


def expected(settings: Settings, **kwargs):
    return apply(finder.load(settings).table, make_filters(gives_therapy=True, **kwargs))


def test_phone_shared_link_with_the_cli_spellings(served, phone):
    url, settings = served
    want = expected(settings, therapies=["HSCT"], statuses=["Recruiting now"])
    assert len(want) > 0
    open_page(phone, f"{url}/?therapy=hsct&status=RECRUITING")
    summary = phone.get_by_role("heading", name=summarize(want).text, exact=True)
    summary.wait_for(timeout=10_000)
    line = phone.get_by_text("Filters: HSCT · Recruiting now · only trials that give the therapy")
    assert in_viewport(phone, line) and in_viewport(phone, summary)  # on the first screen
    # The compact list, not the grid; its first study starts on the first or second screen.
    first = phone.locator(".st-key-phone_list button").first
    assert first.is_visible() and first.bounding_box()["y"] < 2 * PHONE["viewport"]["height"]
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
    want = expected(settings, therapies=["HSCT"], statuses=["Recruiting now"])
    open_page(desktop, f"{url}/?therapy=HSCT&status=Recruiting+now")
    desktop.get_by_role("heading", name=summarize(want).text, exact=True).wait_for(timeout=10_000)
    desktop.locator("[data-testid='stDataFrame']").first.wait_for(state="visible", timeout=10_000)
    desktop.locator(".st-key-phone_list").wait_for(state="hidden", timeout=5_000)
    assert desktop.get_by_text("ClinicalTrials.gov data as of 2025-09-25 00:00 UTC").count() >= 1
    assert desktop.get_by_text("not medical advice").count() >= 1
    desktop.screenshot(path=str(OUTPUT / "desktop.png"))

    with desktop.expect_download() as download_info:
        desktop.get_by_role("button", name=re.compile(r"^Download (this study|these \d+ studies) as CSV")).click()
    raw = Path(download_info.value.path()).read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"))))
    assert sorted(r["nct_id"] for r in rows) == sorted(want["nct_id"])
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
