"""Time from opening the Streamlit page to the results table being visible, in headless Chromium.

Run: ``python bench/page.py [--runs 5] [--scale 1]``. Starts ``streamlit run app.py`` on a free
port of 127.0.0.1 over a warm store (refreshed from the stand-in just before), then loads the
page ``--runs`` times, each in a fresh browser context, with Debian's Chromium (Playwright
never downloads a browser here). The server is always stopped at the end.

For scale, the same is timed on a baseline: the smallest Streamlit page with a title and a
61-row table, served and loaded the same way. It is the floor that Streamlit and Chromium set
on this machine, whatever the app does.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
from common import (
    REPO,
    duration,
    load_ms_studies,
    median,
    print_header,
    print_table,
    refresh_into,
    scaled,
    temp_dir,
    traffic,
    verdict,
)

from trials.standin import StandIn, free_port

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run"]
RESULTS_TABLE = "[data-testid='stDataFrame']"
PAGE_END = "Data from a download instead"  # the last thing app.py draws on a filled page
TARGET_S = 2.0
SERVER_START_TIMEOUT_S = 60
LOAD_TIMEOUT_MS = 300_000  # generous: at 100x the page takes long, and that is the figure


def wait_until_healthy(url: str, server: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + SERVER_START_TIMEOUT_S
    while time.monotonic() < deadline:
        if server.poll() is not None:
            sys.exit(f"Streamlit exited with {server.returncode}:\n{log.read_text()[-2000:]}")
        try:
            if httpx.get(f"{url}/_stcore/health", timeout=2).text == "ok":
                return
        except httpx.TransportError:
            pass  # not listening yet
        time.sleep(0.1)
    sys.exit(f"Streamlit did not answer /_stcore/health within {SERVER_START_TIMEOUT_S} s:\n"
             f"{log.read_text()[-2000:]}")


BASELINE_APP = f"""import pandas as pd
import streamlit as st

st.title("Baseline")
st.dataframe(pd.DataFrame({{"study": [f"NCT{{i:08d}}" for i in range(61)]}}))
st.write("{PAGE_END}")
"""


def baseline_app(folder: Path) -> Path:
    """The bare page, with the app's own Streamlit settings (theme, no usage statistics)."""
    (folder / ".streamlit").mkdir(parents=True)
    shutil.copy(REPO / ".streamlit" / "config.toml", folder / ".streamlit" / "config.toml")
    script = folder / "baseline.py"
    script.write_text(BASELINE_APP)
    return script


@contextmanager
def streamlit_app(script: Path, env: dict[str, str], log: Path) -> Iterator[str]:
    """``script`` served on 127.0.0.1; yields its URL once healthy, and always stops the server."""
    port = free_port()
    command = [sys.executable, "-m", "streamlit", "run", script.name, "--server.headless", "true",
               "--server.address", "127.0.0.1", "--server.port", str(port)]
    with open(log, "w") as output:
        server = subprocess.Popen(command, cwd=script.parent, env={**os.environ, **env},
                                  stdout=output, stderr=subprocess.STDOUT)
    try:
        url = f"http://127.0.0.1:{port}"
        wait_until_healthy(url, server, log)
        yield url
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


# Milestones of one load, in the order they happen.
MILESTONES = ("DOM ready", "title", "results table", "page complete")


def page_loads(url: str, runs: int) -> list[dict[str, float]]:
    """Seconds from navigation to each milestone, for each load."""
    from playwright.sync_api import sync_playwright  # only this script needs it

    loads = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            for _ in range(runs):
                context = browser.new_context()  # no cookies, cache or session from the last load
                page = context.new_page()
                start = time.perf_counter()
                page.goto(url, wait_until="domcontentloaded")  # Streamlit's JavaScript is parsed
                reached = {"DOM ready": time.perf_counter() - start}
                for name, locator in (("title", page.locator("h1").first),
                                      ("results table", page.locator(RESULTS_TABLE).first),
                                      ("page complete", page.get_by_text(PAGE_END))):
                    locator.wait_for(state="visible", timeout=LOAD_TIMEOUT_MS)
                    reached[name] = time.perf_counter() - start
                loads.append(reached)
                context.close()
        finally:
            browser.close()
    return loads


def report(title: str, loads: list[dict[str, float]]) -> None:
    print_table(title, ["load", *MILESTONES],
                [[f"#{i}", *(duration(load[m]) for m in MILESTONES)] for i, load in enumerate(loads, 1)]
                + [["median", *(duration(median([load[m] for load in loads])) for m in MILESTONES)]])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="page loads, each in a fresh context (default 5)")
    parser.add_argument("--scale", type=int, default=1, help="copies of the MS records in the store (default 1)")
    parser.add_argument("--no-baseline", dest="baseline", action="store_false",
                        help="skip the bare Streamlit page that shows the floor")
    args = parser.parse_args()
    if not Path(CHROMIUM).exists():
        sys.exit(f"{CHROMIUM} is missing: apt-get install chromium (Playwright must not download one).")
    print_header(f"Page load in headless Chromium, store with {args.scale}x the MS records")

    with StandIn(scaled(load_ms_studies(), args.scale)) as api, temp_dir() as folder:
        stored = refresh_into(folder, api.url)
        mark = len(api.requests)
        env = {"TRIALS_CACHE_DIR": str(folder), "TRIALS_API_URL": api.url, "TRIALS_REQUEST_INTERVAL": "0"}
        with streamlit_app(REPO / "app.py", env, folder / "app.log") as url:
            ours = page_loads(url, args.runs)
        during = traffic(api, mark).requests
        if args.baseline:
            with streamlit_app(baseline_app(folder / "baseline"), {}, folder / "baseline.log") as url:
                baseline = page_loads(url, args.runs)

    report(f"app.py, {args.runs} loads ({stored.listed:,} MS studies stored; the first is the server's "
           "first run), seconds from navigation", ours)
    print(f"API requests made by the page during the loads: {during} (the store was fresh).")
    if args.baseline:
        report("Baseline: a bare Streamlit page with a title and a 61-row table, same loads", baseline)
    table = [load["results table"] for load in ours]
    rows = [["results table visible, median", f"< {duration(TARGET_S)}", duration(median(table)),
             verdict(median(table) < TARGET_S)]]
    if args.baseline:
        floor = median([load["results table"] for load in baseline])
        rows.append(["bare Streamlit page (the floor), median", "-", duration(floor), "-"])
    print_table("Target", ["what", "target", "measured", "verdict"], rows)


if __name__ == "__main__":
    main()
