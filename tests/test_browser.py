"""A real browser on the real page: Debian's Chromium driven by Playwright.

Starts the local stand-in API with real records, fills the store with
`trials refresh` as a user would, serves `streamlit run app.py` on 127.0.0.1,
then opens a shared link, reads the summary, picks a study and downloads the
CSV. Screenshots land in tests/output/ for a person to look at.
"""

from __future__ import annotations

import csv
import io
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from trials import finder
from trials.config import Settings
from trials.standin import StandIn, free_port, load_corpus
from trials.filters import apply, make_filters
from trials.summary import summarize

from .conftest import MS_2025, MSC_2022, REPO, needs_shared

CHROMIUM = Path("/usr/bin/chromium")
OUTPUT = Path(os.environ.get("TRIALS_TEST_OUTPUT", REPO / "tests" / "output"))
IDLE = "[data-testid='stApp'][data-test-script-state='notRunning']"

playwright = pytest.importorskip("playwright.sync_api")
pytestmark = [
    needs_shared,
    pytest.mark.skipif(not CHROMIUM.exists() and not os.environ.get("CI"),
                       reason="Debian's chromium is not installed (.ci/run installs it)"),
]


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    """(page URL, settings) of a running app over a store filled from the stand-in."""
    cache = tmp_path_factory.mktemp("cache")
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


@pytest.fixture
def page(served):
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=str(CHROMIUM),
            args=["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--no-first-run"])
        context = browser.new_context(viewport={"width": 1400, "height": 2400}, accept_downloads=True)
        yield context.new_page()
        browser.close()


def settle(page) -> None:
    page.wait_for_selector(IDLE, timeout=60_000)
    page.wait_for_timeout(300)  # a rerun may start right after
    page.wait_for_selector(IDLE, timeout=60_000)


def test_shared_link_summary_detail_and_csv(served, page):
    url, settings = served
    OUTPUT.mkdir(parents=True, exist_ok=True)
    expected = apply(finder.load(settings).table,
                     make_filters(therapies=["HSCT"], statuses=["Recruiting now"],
                                  gives_therapy=True))  # the page's default
    assert len(expected) > 0

    page.goto(f"{url}/?therapy=HSCT&status=Recruiting+now")
    settle(page)
    summary = summarize(expected).text
    page.get_by_text(summary, exact=True).wait_for(timeout=10_000)
    assert page.get_by_text("not medical advice").count() >= 1
    assert page.get_by_text("ClinicalTrials.gov data as of 2025-09-25 00:00 UTC").count() == 1
    page.screenshot(path=str(OUTPUT / "page.png"))

    with page.expect_download() as download_info:
        page.get_by_role("button", name=re.compile(r"^Download these \d+ stud")).click()
    raw = Path(download_info.value.path()).read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"))))
    assert sorted(r["nct_id"] for r in rows) == sorted(expected["nct_id"])
    assert {r["status_group"] for r in rows} == {"Recruiting now"}
    assert {r["data_timestamp"] for r in rows} == {"2025-09-25T00:00:00"}

    chosen = "NCT04047628"  # BEAT-MS, recruiting in this data
    box = page.locator("[data-testid='stSelectbox']").filter(has_text="Read about one study")
    box.locator("input").click()
    page.keyboard.type(chosen)
    page.keyboard.press("Enter")
    settle(page)
    page.get_by_role("heading", name="Best Available Therapy Versus Autologous").wait_for(timeout=10_000)
    assert page.get_by_text("Can I join?").count() == 1
    assert f"study={chosen}" in page.url  # the study is part of the shareable link
    page.get_by_role("heading", name="Best Available Therapy Versus Autologous").scroll_into_view_if_needed()
    page.screenshot(path=str(OUTPUT / "detail.png"), full_page=True)
