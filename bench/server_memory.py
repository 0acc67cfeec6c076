"""Memory of the page's server process under the largest uploads and under 50 visitors at once.

Starts the real page server (``python -m trials serve --port N``, Streamlit runs in that very
process) over a store in a temporary folder, filled from the stand-in API on 127.0.0.1, and
opens the page in headless Chromium (Debian's /usr/bin/chromium; Playwright never downloads
one). A background thread reads the server's resident set size (VmRSS in /proc/<pid>/status;
psutil is not needed) every 0.1 s. Every scenario gets a server of its own, and a table:

- baseline: the server idle after one visit (one page drawn, then closed, then 2 s);
- before: with the scenario's pages open, before the measured step (uploads only);
- peak: the largest sample during the measured step (until every page has drawn), and its
  rise over the baseline; VmHWM is the kernel's record of the process's lifetime peak, which
  a 0.1 s sample can miss (it is updated lazily, so it may also read a little under a sample);
- at end: when every page has drawn, pages still open;
- 10 s after: 10 s after every page was closed. Streamlit keeps a closed page's session (and
  what it holds: an uploaded file, the data read from it) for ``server.disconnectedSessionTTL``,
  120 s by default, so memory held by sessions is not expected back by then (``--linger S``
  reads it again S seconds later, and once more 2 s after one new visit).

1. The largest upload the page allows (``server.maxUploadSize = 20`` in trials/page/config.toml):
   a ClinicalTrials.gov JSON download (a JSON array of v2 study records) of ``--upload-mb`` MB,
   made of the real ms-2025-09 records followed by copies under new ``NCT9…`` ids (common.scaled),
   uploaded through the page's file uploader (in the "Data from a download instead" panel) until
   the page says "You are viewing your own file"; first from one page, then (another server)
   from three pages at once. Sizes are decimal megabytes: on Linux the browser refuses a file
   over 20 x 1000 x 1000 bytes (Streamlit's uploader uses 1,024 only on Windows), although the
   server would take 20 x 1024 x 1024.
2. ``--visitors`` desktop pages (1366x900; tabs, each a Streamlit session of its own, ten to a
   browser context so that they share its HTTP cache; opened ``--batch`` at a time, a batch a
   second, and all kept open) while the page's shared updater runs a refresh: the store's
   ``checked_at`` is made a day old (load.age_by_a_day) after the baseline visit, and the stand-in
   gets a newer ``dataTimestamp`` and ``--delay`` seconds before every answer. Also prints how
   many pages drew the results table with no error on them, and the ``/version`` and listing
   requests the stand-in answered (one refresh = 1 + 1).

    python bench/server_memory.py                       # ~4 min on 2 cores
    python bench/server_memory.py --scenarios visitors --visitors 20
    python bench/server_memory.py --upload-mb 10 --delay 0.5 --linger 130

Prints figures only; it asserts nothing. The servers and the browser are always stopped.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
import sys
import threading
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path

import httpx
from common import MAX_COPIES, REPO, load_ms_studies, print_header, print_table, refresh_into, scaled, temp_dir, traffic
from load import age_by_a_day

from tests.support.standin import StandIn, free_port

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run",
                 # Nothing leaves 127.0.0.1 (map tiles, fonts): refused at once, without a route
                 # handler in this process for every request of 50 pages.
                 "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1"]
DESKTOP = {"viewport": {"width": 1366, "height": 900}}
IDLE = "[data-testid='stApp'][data-test-script-state='notRunning']"
RESULTS = "[data-testid='stDataFrame']"
ERRORS = ("[data-testid='stException'], [data-testid='stAlertContentError'], "
          "[data-testid='stExpanderIconError'], [data-testid='stFileChipIconError']")
IMPORT_PANEL = "Data from a download instead"  # trials/page/data.py, import_panel
OWN_FILE = "You are viewing your own file"  # trials/page/data.py, uploaded_notice
NEWER_DATA = "2025-10-03T00:00:00"
SAMPLE_S = 0.1
SERVER_START_TIMEOUT_S = 60
PAGE_TIMEOUT_MS = 240_000
UPLOAD_LIMIT_BYTES = 20 * 1000 * 1000  # what the browser lets through on Linux (see above)


# -- the server and its memory -----------------------------------------------------------------

def status_kb(pid: int) -> dict[str, int]:
    """VmRSS and VmHWM of a process, in kB."""
    found = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, value = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            found[key] = int(value.split()[0])
    return found


def mb(kb: float) -> str:
    return f"{kb / 1024:,.0f} MB"


class Sampler:
    """VmRSS of ``pid`` every 0.1 s in a thread (and, if given, how many requests the stand-in
    had answered by then), until stopped."""

    def __init__(self, pid: int, api: StandIn | None = None) -> None:
        self.pid, self.api = pid, api
        self.samples: list[tuple[float, int, int]] = []  # (monotonic, VmRSS kB, stand-in requests)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="rss-sampler", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                rss = status_kb(self.pid)["VmRSS"]
            except (OSError, KeyError):  # the process has ended
                return
            self.samples.append((time.monotonic(), rss, len(self.api.requests) if self.api else 0))
            self._stop.wait(SAMPLE_S)

    def peak(self, start: float, end: float) -> int:
        return max((rss for t, rss, _ in self.samples if start <= t <= end), default=0)

    def requests_window(self, start: float) -> tuple[float, float] | None:
        """Seconds after ``start`` of the first and last sample at which the stand-in's count grew."""
        grew = [t for (t, _, n), (_, _, before) in zip(self.samples[1:], self.samples, strict=False)
                if t >= start and n > before]
        return (grew[0] - start, grew[-1] - start) if grew else None

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()


class PageServer:
    """``python -m trials serve --port N`` over the store in ``folder``; ``trials serve`` execs
    Streamlit, so the subprocess's pid is the server's."""

    def __init__(self, folder: Path, api_url: str) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = folder / f"server-{self.port}.log"
        cwd = folder / f"cwd-{self.port}"  # an empty folder: no .streamlit/config.toml to pick up
        cwd.mkdir()
        env = {**os.environ, "TRIALS_REGISTRIES": "ctgov", "TRIALS_CACHE_DIR": str(folder / "store"), "TRIALS_API_URL": api_url,
               "TRIALS_REQUEST_INTERVAL": "0", "PYTHONPATH": str(REPO)}
        env.pop("TRIALS_SHARED_IMPORTS", None)  # uploads stay each visitor's own
        with open(self.log, "w") as output:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "trials", "serve", "--port", str(self.port)],
                cwd=cwd, env=env, stdout=output, stderr=subprocess.STDOUT)

    def wait_until_healthy(self) -> None:
        deadline = time.monotonic() + SERVER_START_TIMEOUT_S
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"the server exited with {self.process.returncode}:\n{self.tail()}")
            try:
                if httpx.get(f"{self.url}/_stcore/health", timeout=2).status_code == 200:
                    return
            except httpx.TransportError:
                pass  # not listening yet
            time.sleep(0.1)
        raise RuntimeError(f"the server did not answer within {SERVER_START_TIMEOUT_S} s:\n{self.tail()}")

    def memory(self) -> dict[str, int]:
        return status_kb(self.process.pid)

    def tail(self) -> str:
        return self.log.read_text(errors="replace")[-2000:]

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


# -- pages ---------------------------------------------------------------------------------------

@dataclass
class Visit:
    page: object
    seconds: float | None = None  # navigation until the page had drawn and settled
    drew: bool = False  # the results table is on the page
    errors: list[str] = field(default_factory=list)
    script_errors: list[str] = field(default_factory=list)  # uncaught JavaScript errors

    @property
    def clean(self) -> bool:
        return self.drew and not self.errors and not self.script_errors


async def settle(page, timeout_ms: int = PAGE_TIMEOUT_MS) -> None:
    """The script has run and no rerun follows at once (tests/test_browser.py's settle)."""
    await page.wait_for_selector(IDLE, timeout=timeout_ms)
    await page.wait_for_timeout(300)
    await page.wait_for_selector(IDLE, timeout=timeout_ms)


async def open_page(browser, url: str, context=None) -> Visit:
    """A new tab (a Streamlit session of its own) in ``context``, or in a new browser context."""
    context = context or await browser.new_context(**DESKTOP)
    page = await context.new_page()
    visit = Visit(page)
    page.on("pageerror", lambda error: visit.script_errors.append(str(error)))
    await page.goto(url, wait_until="commit", timeout=PAGE_TIMEOUT_MS)
    return visit


async def until_drawn(visit: Visit, start: float) -> Visit:
    """Wait for the first run's output (before it, a page not yet connected also reads as
    'notRunning'), then for the page to settle; note what it shows."""
    page = visit.page
    try:
        await page.wait_for_selector(f"{RESULTS}, {ERRORS}", timeout=PAGE_TIMEOUT_MS)
        await settle(page)
        visit.seconds = time.monotonic() - start
    except Exception as exc:  # noqa: BLE001 - a page that never drew is a figure too
        visit.errors.append(f"{exc.__class__.__name__}: {str(exc).splitlines()[0]}")
    return await checked(visit)


async def checked(visit: Visit) -> Visit:
    page = visit.page
    visit.drew = await page.locator(RESULTS).count() > 0
    for error in await page.locator(f"{ERRORS}, [data-testid='stConnectionStatus']").all():
        text = " ".join((await error.inner_text()).split())[:160]
        visit.errors.append(text or await error.get_attribute("data-testid") or "error")
    return visit


async def close_all(visits: list[Visit]) -> None:
    await asyncio.gather(*(v.page.context.close() for v in visits), return_exceptions=True)


async def one_visit(browser, server: PageServer) -> Visit:
    """The baseline's single visit: drawn, checked and closed."""
    visit = await until_drawn(await open_page(browser, server.url), time.monotonic())
    await close_all([visit])
    if not visit.clean:
        print(f"  the baseline visit: drew={visit.drew}, errors={visit.errors + visit.script_errors}")
    return visit


def baseline(server: PageServer) -> int:
    time.sleep(2)
    return server.memory()["VmRSS"]


async def after_leaving(browser, server: PageServer, visits: list[Visit], linger: float) -> tuple[int, list[str]]:
    """RSS 10 s after closing every page; with ``linger``, also that many seconds later, and
    after one more visit then (Streamlit drops expired sessions only when its session store
    is next used, such as by a new visitor)."""
    await close_all(visits)
    await asyncio.sleep(10)
    ten = server.memory()["VmRSS"]
    if not linger:
        return ten, []
    await asyncio.sleep(linger)
    later = server.memory()["VmRSS"]
    await one_visit(browser, server)
    return ten, [mb(later), mb(baseline(server))]


@dataclass
class Scenario:
    """One scenario's server, measured from its baseline; what it opened is closed after."""

    server: PageServer
    base: int  # the idle server's RSS after one visit, in kB
    sampler: Sampler | None = None
    visits: list[Visit] = field(default_factory=list)


@asynccontextmanager
async def scenario(browser, folder: Path, api_url: str) -> AsyncIterator[Scenario]:
    """A server of its own, one visit, the baseline; afterwards its pages, sampler and server stopped."""
    server = PageServer(folder, api_url)
    measured = None
    try:
        server.wait_until_healthy()
        await one_visit(browser, server)
        measured = Scenario(server, baseline(server))
        yield measured
    finally:
        if measured is not None:
            if measured.sampler:
                measured.sampler.stop()
            await close_all(measured.visits)
        server.stop()


def linger_headers(linger: float) -> list[str]:
    return [f"{linger:.0f} s later", "then 1 visit"] if linger else []


def describe_problems(label: str, visits: list[Visit]) -> None:
    problems: dict[str, int] = {}
    for visit in visits:
        for text in (visit.errors + [f"script error: {e}" for e in visit.script_errors]
                     + ([] if visit.drew else ["no results table"])):
            problems[text] = problems.get(text, 0) + 1
    for text, count in sorted(problems.items(), key=lambda item: -item[1]):
        print(f"  {label}: {count} page(s): {text}")


# -- 1. the largest upload -----------------------------------------------------------------------

def write_download(path: Path, studies: list[dict], megabytes: float) -> int:
    """A website-style JSON download (an array of v2 records, one a line) of at most
    ``megabytes`` x 1,000,000 bytes: the real records, then copies under NCT9… ids. Returns
    the study count."""
    target = int(megabytes * 1_000_000)
    corpus_bytes = sum(len(json.dumps(s, ensure_ascii=False, separators=(",", ":")).encode()) for s in studies)
    size, count = 2, 0  # "[" and "\n]"
    with open(path, "w", encoding="utf-8") as out:
        out.write("[")
        for study in scaled(studies, min(MAX_COPIES, target // corpus_bytes + 2)):
            text = ("," if count else "") + "\n" + json.dumps(study, ensure_ascii=False, separators=(",", ":"))
            length = len(text.encode("utf-8"))
            if size + length > target:
                break
            out.write(text)
            size, count = size + length, count + 1
        out.write("\n]")
    return count


async def uploads(browser, api: StandIn, folder: Path, download: Path, pages: int,
                  linger: float) -> list:
    async with scenario(browser, folder, api.url) as measured:
        server, base = measured.server, measured.base
        sampler = measured.sampler = Sampler(server.process.pid)
        start = time.monotonic()
        visits = measured.visits = [await open_page(browser, server.url) for _ in range(pages)]
        visits = measured.visits = list(await asyncio.gather(*(until_drawn(v, start) for v in visits)))
        for visit in visits:  # open the panel that holds the uploader
            await visit.page.get_by_text(IMPORT_PANEL).click()
        for visit in visits:
            await settle(visit.page)
            await visit.page.locator("input[type='file']").wait_for(state="attached", timeout=PAGE_TIMEOUT_MS)
        await asyncio.sleep(2)
        before = server.memory()["VmRSS"]

        async def upload(visit: Visit) -> Visit:
            page = visit.page
            await page.locator("input[type='file']").set_input_files(str(download))
            try:
                await page.get_by_text(OWN_FILE, exact=False).wait_for(timeout=PAGE_TIMEOUT_MS)
                await settle(page)
                visit.seconds = time.monotonic() - start
            except Exception as exc:  # noqa: BLE001 - a failed upload is a figure too
                visit.errors.append(f"{exc.__class__.__name__}: {str(exc).splitlines()[0]}")
            return await checked(visit)

        start = time.monotonic()
        visits = measured.visits = list(await asyncio.gather(*(upload(v) for v in visits)))
        end = time.monotonic()
        at_end = server.memory()["VmRSS"]
        ten, lingered = await after_leaving(browser, server, visits, linger)
        peak = sampler.peak(start, end)
        shown = sum(v.clean for v in visits)
        describe_problems(f"{pages} upload(s)", visits)
        return [f"{pages} upload{'s at once' if pages > 1 else ''}", mb(base), mb(before), mb(peak),
                mb(peak - base), mb(at_end), mb(ten), *lingered,
                mb(server.memory()["VmHWM"]), f"{end - start:.1f} s", f"{shown}/{pages}"]


# -- 2. many visitors while a refresh runs -------------------------------------------------------

async def visitors(browser, api: StandIn, folder: Path, count: int, batch: int, per_context: int,
                   delay: float, linger: float) -> None:
    async with scenario(browser, folder, api.url) as measured:
        try:
            server, base, visits = measured.server, measured.base, measured.visits
            age_by_a_day(folder / "store")
            api.data_timestamp = NEWER_DATA
            api.delay = delay
            since = len(api.requests)
            sampler = measured.sampler = Sampler(server.process.pid, api)
            start = time.monotonic()
            waits = []
            contexts: list = []
            for first in range(0, count, batch):
                for _ in range(-(-min(count, first + batch) // per_context) - len(contexts)):
                    contexts.append(await browser.new_context(**DESKTOP))
                opened = await asyncio.gather(*(open_page(browser, server.url, contexts[i // per_context])
                                                for i in range(first, min(count, first + batch))))
                visits += opened
                waits += [asyncio.ensure_future(until_drawn(v, start)) for v in opened]
                if first + batch < count:
                    await asyncio.sleep(1)
            arrived = time.monotonic() - start
            visits = measured.visits = list(await asyncio.gather(*waits))
            end = time.monotonic()
            at_end = server.memory()["VmRSS"]
            seen = traffic(api, since)
            refresh_window = sampler.requests_window(start)
            ten, lingered = await after_leaving(browser, server, visits, linger)
            peak = sampler.peak(start, end)
            times = sorted(v.seconds for v in visits if v.seconds is not None)
            print_table(
                f"2. {count} desktop visitors on day-old data while the shared updater refreshes "
                f"(stand-in answers after {delay} s; pages opened {batch} at a time, one batch a second, "
                f"{per_context} tabs a browser context)",
                ["visitors", "baseline", "peak", "peak rise", "at end", "10 s after",
                 *linger_headers(linger), "VmHWM", "all drawn"],
                [[count, mb(base), mb(peak), mb(peak - base), mb(at_end), mb(ten),
                  *lingered, mb(server.memory()["VmHWM"]), f"{end - start:.1f} s"]])
            clean = sum(v.clean for v in visits)
            print(f"  pages that drew the results with no error: {clean} of {count} "
                  f"(results table on {sum(v.drew for v in visits)}; drawn in {times[0]:.1f} s to "
                  f"{times[-1]:.1f} s after the first navigation)" if times else
                  f"  pages that drew the results with no error: {clean} of {count}")
            describe_problems(f"{count} visitors", visits)
            print(f"  all {count} pages had started loading {arrived:.1f} s after the first")
            print(f"  stand-in requests: /version {seen.version}, listing {seen.listing}, detail {seen.detail}, "
                  f"sponsor {seen.sponsors}, other {seen.other} "
                  f"({'one refresh' if seen.version == 1 and seen.listing == 1 else 'NOT one refresh'})")
            if refresh_window:
                print(f"  the stand-in answered them {refresh_window[0]:.1f} s to {refresh_window[1]:.1f} s "
                      "after the first navigation (each answer delayed)")
        finally:
            api.delay = 0.0


# -- main ------------------------------------------------------------------------------------------

async def run(args: argparse.Namespace) -> None:
    from playwright.async_api import async_playwright  # only this script needs it

    records = load_ms_studies()
    with StandIn(records) as api, temp_dir() as folder:
        download = folder / "ctg-studies.json"
        studies = write_download(download, records, args.upload_mb)
        print(f"Download: {download.stat().st_size:,} bytes ({download.stat().st_size / 1e6:.1f} MB), "
              f"{studies:,} studies (the {len(records):,} real ms-2025-09 records, then copies "
              "under NCT9… ids)")
        if download.stat().st_size > UPLOAD_LIMIT_BYTES:
            print(f"  larger than the browser lets through ({UPLOAD_LIMIT_BYTES:,} bytes): expect refusals")
        folders = {name: folder / name for name in ("one", "three", "visitors")}
        for path in folders.values():
            path.mkdir()
            refresh_into(path / "store", api.url)
        async with async_playwright() as playwright:
            browser = await playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            try:
                if "uploads" in args.scenarios:
                    rows = [await uploads(browser, api, folders["one"], download, 1, args.linger),
                            await uploads(browser, api, folders["three"], download, 3, args.linger)]
                    print_table(
                        f"1. Uploading the {download.stat().st_size / 1e6:.1f} MB download through the page's "
                        "file uploader until the page shows the visitor's own file (a server each)",
                        ["uploads", "baseline", "before", "peak", "peak rise", "at end", "10 s after",
                         *linger_headers(args.linger), "VmHWM", "uploads took",
                         "shown"],
                        rows)
                if "visitors" in args.scenarios:
                    await visitors(browser, api, folders["visitors"], args.visitors, args.batch,
                                   args.pages_per_context, args.delay, args.linger)
            finally:
                await browser.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--visitors", type=int, default=50, help="pages opened in scenario 2 (default 50)")
    parser.add_argument("--batch", type=int, default=10, help="pages opened together, one batch a second "
                        "(default 10)")
    parser.add_argument("--pages-per-context", type=int, default=10,
                        help="tabs sharing one browser context (and its HTTP cache) in scenario 2; with one "
                        "each, 50 pages take about twice as long on 2 cores (default 10)")
    parser.add_argument("--upload-mb", type=float, default=19.5,
                        help="size of the uploaded download in MB of 1,000,000 bytes (default 19.5; the "
                        "browser refuses more than 20)")
    parser.add_argument("--delay", type=float, default=1.0,
                        help="seconds before every stand-in answer in scenario 2 (default 1.0)")
    parser.add_argument("--linger", type=float, default=0,
                        help="also read the RSS this many seconds after the 10 s one (130 passes "
                        "Streamlit's 120 s session TTL; default 0: not read)")
    parser.add_argument("--scenarios", nargs="+", choices=["uploads", "visitors"], default=["uploads", "visitors"],
                        help="which to run (default both)")
    args = parser.parse_args()
    if not Path(CHROMIUM).exists():
        sys.exit(f"{CHROMIUM} is missing: apt-get install chromium (Playwright must not download one).")
    print_header("Memory (RSS) of the page's server process: largest uploads, many visitors during a refresh")
    print(f"Cores: {os.cpu_count()} (usable {len(os.sched_getaffinity(0))}); total memory "
          f"{os.sysconf('SC_PAGE_SIZE') * os.sysconf('SC_PHYS_PAGES') / 2**30:.1f} GiB; "
          f"RSS sampled every {SAMPLE_S} s from /proc/<pid>/status")
    asyncio.run(run(args))


if __name__ == "__main__":
    main()
