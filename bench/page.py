"""The page next to a bare Streamlit page: first useful view in Chromium, and server load.

Run: ``python bench/page.py [--runs 7] [--sessions 1 10 50] [--app DIR]``. Fills a warm store
from the stand-in (with the measured checkout's own ``trials refresh``), then serves ``app.py``
and a bare page (a title and one 60-row table, with the app's Streamlit settings) side by side
on 127.0.0.1 and measures both in the same run:

1. **First useful view** in headless Chromium (Debian's; Playwright never downloads one),
   at desktop (1366x900) and phone (390x844, mobile) sizes: seconds from navigation until the
   results are visible (the app's table on a desktop, its compact list on a phone; the bare
   page's table). Every load is a fresh browser context; app and bare page alternate so that
   the machine's noise falls on both.
2. **Server load**: 1, 10 and 50 sessions opened at once over the websocket, as a browser
   does (connect, ask for a run, read until the script finishes), in rounds of 50 views per
   level: median and 95th percentile time to results, and the server's CPU seconds per page
   view (``/proc/<pid>/stat``, less the server's idle CPU over the same time).

``--app DIR`` measures another checkout's ``app.py`` (for before/after figures). The servers
are always stopped at the end.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
from common import REPO, duration, load_ms_studies, print_header, print_table, temp_dir, verdict

from tests.support.standin import StandIn, free_port

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run"]
SIZES = {
    "desktop": {"viewport": {"width": 1366, "height": 900}},
    "phone": {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True,
              "device_scale_factor": 1},
}
# "Results visible": the first visible table, or the app's compact list (it replaces the table
# at phone width).
RESULTS = "[data-testid='stDataFrame'], .st-key-phone_list button"
TARGET_VIEW = 1.15  # first useful view within 1.15x the bare page
TARGET_CPU = 1.5  # server CPU per view within 1.5x the bare page's
SERVER_START_TIMEOUT_S = 60
LOAD_TIMEOUT_MS = 120_000
SESSION_TIMEOUT_S = 300

# The page's Streamlit settings: trials/page/config.toml (``trials serve`` passes them on the
# command line; the repository's .streamlit/config.toml links to it for ``streamlit run``).
APP_CONFIG = REPO / "trials" / "page" / "config.toml"

BARE_APP = """import pandas as pd
import streamlit as st

st.title("Baseline")
st.dataframe(pd.DataFrame({"study": [f"NCT{i:08d}" for i in range(60)]}))
"""


def bare_app(folder: Path, settings: bool = True) -> Path:
    """The bare page, with the app's own Streamlit settings (theme, no file watcher, no forced
    garbage collection) or, for scale, Streamlit's defaults."""
    folder.mkdir(parents=True)
    if settings:
        (folder / ".streamlit").mkdir()
        shutil.copy(APP_CONFIG, folder / ".streamlit" / "config.toml")
    script = folder / "bare.py"
    script.write_text(BARE_APP)
    return script


def fill_store(app: Path, env: dict[str, str]) -> None:
    """A warm store, written by the measured checkout's own ``trials refresh``: another
    checkout's app.py may not read a store of this one's layout (it would set it aside)."""
    done = subprocess.run([sys.executable, "-m", "trials", "refresh"], cwd=app, env={**os.environ, **env},
                          capture_output=True, text=True)
    if done.returncode:
        sys.exit(f"trials refresh in {app} exited with {done.returncode}:\n{(done.stdout + done.stderr)[-2000:]}")


class Server:
    """``streamlit run script`` on 127.0.0.1, with its CPU seconds readable from /proc."""

    def __init__(self, script: Path, env: dict[str, str], log: Path) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = log
        command = [sys.executable, "-m", "streamlit", "run", script.name, "--server.headless", "true",
                   "--server.address", "127.0.0.1", "--server.port", str(self.port)]
        with open(log, "w") as output:
            self.process = subprocess.Popen(command, cwd=script.parent, env={**os.environ, **env},
                                            stdout=output, stderr=subprocess.STDOUT)

    def wait_until_healthy(self) -> None:
        deadline = time.monotonic() + SERVER_START_TIMEOUT_S
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                sys.exit(f"Streamlit exited with {self.process.returncode}:\n{self.log.read_text()[-2000:]}")
            try:
                if httpx.get(f"{self.url}/_stcore/health", timeout=2).text == "ok":
                    return
            except httpx.TransportError:
                pass  # not listening yet
            time.sleep(0.1)
        sys.exit(f"Streamlit did not answer within {SERVER_START_TIMEOUT_S} s:\n{self.log.read_text()[-2000:]}")

    def cpu_seconds(self) -> float:
        fields = Path(f"/proc/{self.process.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime + stime

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


@contextmanager
def served(*apps: tuple[Path, dict[str, str], Path]) -> Iterator[list[Server]]:
    servers = [Server(*app) for app in apps]
    try:
        for server in servers:
            server.wait_until_healthy()
        yield servers
    finally:
        for server in servers:
            server.stop()


# -- 1. first useful view in Chromium -----------------------------------------------------------

def first_views(app: Server, bare: Server, size: str, runs: int) -> tuple[list[float], list[float]]:
    """Seconds to visible results for the app and the bare page, loads alternating."""
    from playwright.sync_api import sync_playwright  # only this script needs it

    times: dict[str, list[float]] = {"app": [], "bare": []}
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            for run in range(runs + 1):  # the first round warms both servers and is dropped
                order = [("app", app), ("bare", bare)]
                for name, server in order if run % 2 else reversed(order):
                    context = browser.new_context(**SIZES[size])  # no cache, cookies or session
                    page = context.new_page()
                    start = time.perf_counter()
                    page.goto(server.url, wait_until="commit")
                    results = page.locator(RESULTS).filter(visible=True).first
                    results.wait_for(state="visible", timeout=LOAD_TIMEOUT_MS)
                    if run:
                        times[name].append(time.perf_counter() - start)
                    context.close()
        finally:
            browser.close()
    return times["app"], times["bare"]


# -- 2. sessions over the websocket -------------------------------------------------------------

async def one_session(server: Server, results_type: str) -> tuple[float, float]:
    """(seconds to the results element, seconds to the end of the script) for one new session."""
    from streamlit.proto.BackMsg_pb2 import BackMsg
    from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
    from websockets.asyncio.client import connect

    start = time.perf_counter()
    to_results = None
    uri = f"ws://127.0.0.1:{server.port}/_stcore/stream"
    async with connect(uri, subprotocols=["streamlit"], origin=server.url, max_size=None,
                       open_timeout=SESSION_TIMEOUT_S) as socket_:
        rerun = BackMsg()
        rerun.rerun_script.query_string = ""
        rerun.rerun_script.page_script_hash = ""
        await socket_.send(rerun.SerializeToString())
        while True:
            msg = ForwardMsg()
            msg.ParseFromString(await socket_.recv())
            kind = msg.WhichOneof("type")
            if (to_results is None and kind == "delta" and msg.delta.WhichOneof("type") == "new_element"
                    and msg.delta.new_element.WhichOneof("type") == results_type):
                to_results = time.perf_counter() - start
            if kind == "script_finished":
                done = time.perf_counter() - start
                return (to_results if to_results is not None else done), done


async def sessions_at_once(server: Server, count: int) -> list[tuple[float, float]]:
    return await asyncio.wait_for(
        asyncio.gather(*(one_session(server, "arrow_data_frame") for _ in range(count))),
        SESSION_TIMEOUT_S)


VIEWS_PER_LEVEL = 50  # views measured at each load level, so that CPU ticks (10 ms) average out
IDLE_S = 5.0  # how long each server's idle CPU (config file polling and the like) is measured


def idle_cpu_rate(server: Server) -> float:
    """CPU seconds per second the server spends with no visitor (Streamlit polls its config
    file every 200 ms): taken off the load figures, which are per page view."""
    before = server.cpu_seconds()
    time.sleep(IDLE_S)
    return (server.cpu_seconds() - before) / IDLE_S


def load(server: Server, count: int, idle_rate: float) -> tuple[list[float], float]:
    """Times to results of sessions opened ``count`` at a time (rounds of them, at least
    VIEWS_PER_LEVEL views in all), and the server's CPU seconds per view, idle CPU excluded."""
    rounds = max(1, -(-VIEWS_PER_LEVEL // count))
    before, start = server.cpu_seconds(), time.perf_counter()
    timings = [t for _ in range(rounds) for t in asyncio.run(sessions_at_once(server, count))]
    time.sleep(0.5)  # the server finishes its bookkeeping of closed sessions
    busy = server.cpu_seconds() - before - idle_rate * (time.perf_counter() - start)
    return [t for t, _ in timings], max(0.0, busy) / len(timings)


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


# -- report -------------------------------------------------------------------------------------

def ratio(ours: float, floor: float) -> str:
    return f"{ours / floor:.2f}x" if floor else "-"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7, help="loads per page and size (default 7)")
    parser.add_argument("--sessions", type=int, nargs="+", default=[1, 10, 50],
                        help="simultaneous websocket sessions (default 1 10 50)")
    parser.add_argument("--app", type=Path, default=REPO, help="folder whose app.py to measure")
    args = parser.parse_args()
    if not Path(CHROMIUM).exists():
        sys.exit(f"{CHROMIUM} is missing: apt-get install chromium (Playwright must not download one).")
    print_header(f"First useful view and server load: {args.app / 'app.py'} next to a bare Streamlit page")

    with StandIn(load_ms_studies()) as api, temp_dir() as folder:
        env = {"TRIALS_REGISTRIES": "ctgov", "TRIALS_CACHE_DIR": str(folder), "TRIALS_API_URL": api.url, "TRIALS_REQUEST_INTERVAL": "0",
               "PYTHONPATH": str(args.app.resolve())}
        fill_store(args.app.resolve(), env)
        with served((args.app.resolve() / "app.py", env, folder / "app.log"),
                    (bare_app(folder / "bare"), {}, folder / "bare.log"),
                    (bare_app(folder / "default", settings=False), {}, folder / "default.log"),
                    ) as (app, bare, default):
            views = {size: first_views(app, bare, size, args.runs) for size in SIZES}
            print_views(views)
            servers = {"app": app, "bare": bare, "default": default}
            idle = {name: idle_cpu_rate(server) for name, server in servers.items()}
            print("Idle CPU (taken off the figures below): "
                  + ", ".join(f"{name} {rate * 1000:.1f} ms/s" for name, rate in idle.items()))
            loads = {(name, n): load(server, n, idle[name]) for n in args.sessions
                     for name, server in servers.items()}
    print_loads(loads, args.sessions)


def print_views(views: dict[str, tuple[list[float], list[float]]]) -> None:
    rows = []
    for size, (ours, floor) in views.items():
        mine, base = statistics.median(ours), statistics.median(floor)
        rows.append([f"{size}: results visible, median of {len(ours)}", duration(mine), duration(base),
                     ratio(mine, base), f"<= {TARGET_VIEW}x", verdict(mine <= TARGET_VIEW * base)])
    print_table("1. First useful view in Chromium (fresh context each load; first round dropped)",
                ["what", "app.py", "bare page", "ratio", "target", "verdict"], rows)
    for size, (ours, floor) in views.items():
        print(f"   {size} loads, app:  {', '.join(duration(t) for t in ours)}")
        print(f"   {size} loads, bare: {', '.join(duration(t) for t in floor)}")


def print_loads(loads: dict[tuple[str, int], tuple[list[float], float]], sessions: list[int]) -> None:
    rows = []
    for n in sessions:
        (ours, cpu), (floor, base_cpu), (plain, plain_cpu) = (
            loads[("app", n)], loads[("bare", n)], loads[("default", n)])
        rows.append([f"{n} session{'s' if n != 1 else ''}",
                     *(duration(f(t)) for t in (ours, floor, plain) for f in (statistics.median, p95)),
                     *(f"{c * 1000:.0f} ms" for c in (cpu, base_cpu, plain_cpu)),
                     ratio(cpu, base_cpu), verdict(cpu <= TARGET_CPU * base_cpu),
                     ratio(cpu, plain_cpu)])
    print_table("2. Sessions opened at once over the websocket (rounds of them, at least "
                f"{VIEWS_PER_LEVEL} views per level): time to results (median, p95) and server CPU per "
                f"view; target <= {TARGET_CPU}x the bare page with the app's settings. 'default' is the bare "
                "page with Streamlit's default settings (file watcher, GC after each run), for scale.",
                ["sessions", "app med", "app p95", "bare med", "bare p95", "default med", "default p95",
                 "app CPU", "bare CPU", "default CPU", "app/bare", "verdict", "app/default"], rows)


if __name__ == "__main__":
    main()
