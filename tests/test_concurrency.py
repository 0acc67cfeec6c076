"""One update at a time, for every process and thread: real `python -m trials` processes
and real threads against the stand-in API made slow, counting what reaches the API."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import threading
from pathlib import Path

import pytest

import trials
from trials import updates
from trials.config import Settings
from trials.pipeline import INTERACTIVE_BUDGET
from trials.registries.ctgov import plan

from .conftest import MS_2025, trials_env, wait_for
from .support.standin import StandIn, load_corpus


def load(settings: Settings) -> trials.Snapshot:
    return trials.load(settings)

pytestmark = pytest.mark.slow  # real processes and threads against a slow stand-in


@pytest.fixture(scope="module")
def corpus():
    return load_corpus(MS_2025)


def start(*args: str, env: dict) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "trials", *args], env=env, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def finish(process: subprocess.Popen) -> tuple[int, str, str]:
    out, err = process.communicate(timeout=120)
    return process.returncode, out, err


def kinds(api: StandIn, since: int = 0) -> dict[str, int]:
    """Requests the stand-in answered, by kind: what a refresh costs ClinicalTrials.gov."""
    log = api.requests[since:]
    studies = [r for r in log if r.path.endswith("/studies")]
    return {"version": sum(r.path.endswith("/version") for r in log),
            "listing": sum("query.cond" in r.query for r in studies),
            "detail": sum("filter.ids" in r.query for r in studies),
            "sponsor lookups": sum("query.lead" in r.query for r in studies)}


def filled_day_old_store(api: StandIn, cache: Path) -> None:
    """A store refreshed from the stand-in, then aged by a day; the API has new data."""
    subprocess.run([sys.executable, "-m", "trials", "refresh"], env=trials_env(cache, api.url),
                   check=True, capture_output=True, timeout=120)
    with sqlite3.connect(cache / "trials.sqlite3") as conn:
        # (A key the store no longer uses would age nothing: the test would lose its meaning.)
        aged = conn.execute("UPDATE meta SET value = '2025-09-20T00:00:00Z' WHERE key = 'ctgov:checked_at'")
        assert aged.rowcount == 1
    api.data_timestamp = "2025-10-03T00:00:00"
    api.requests.clear()


def test_a_long_refresh_makes_others_wait_or_use_stored_data_never_fetch_twice(tmp_path, corpus):
    with StandIn(corpus) as api:
        filled_day_old_store(api, tmp_path / "cache")
        env = trials_env(tmp_path / "cache", api.url)
        api.delay = 2.0  # every answer takes 2 s: the full refresh below takes about 10 s
        first = start("refresh", "--full", env=env)
        wait_for(lambda: api.requests or first.poll() is not None, what="the first request")
        waiting = start("refresh", env=env)  # patient: waits for the first, then reads its data
        searching = start("search", "--therapy", "HSCT", env=env)  # interactive: waits briefly
        rc, out, search_err = finish(searching)
        assert rc == 0, search_err
        assert "already running" in search_err and "Showing the stored data" in search_err
        assert "NCT04047628" in out and "data as of 2025-09-25" in out
        rc, _, first_err = finish(first)
        assert rc == 0 and "Refreshed ClinicalTrials.gov (full)" in first_err, first_err
        rc, _, waiting_err = finish(waiting)
        assert rc == 0, waiting_err
        assert "Another update finished while this one waited" in waiting_err
        for err in (search_err, first_err, waiting_err):
            assert "Traceback" not in err and "database is locked" not in err
        # ClinicalTrials.gov saw one refresh: one /version, one listing pass (3 pages), one
        # request for the candidates' full records (a full refresh writes every record again)
        # and the next few sponsor lookups.
        assert kinds(api) == {"version": 1, "listing": 3, "detail": 1,
                              "sponsor lookups": plan.SPONSOR_LOOKUPS_PER_REFRESH}


def test_ten_threads_on_day_old_data_make_one_refresh(tmp_path, corpus, monkeypatch):
    # What is tested is one refresh for ten readers, not how long a reader waits: on a loaded
    # machine the refresh took 4.3 s against the 3 s a reader waits (issue 31), and the test
    # failed 1 in 3. The readers wait as long as the refresh takes here; how long a page's
    # reader waits, and what it says when that runs out, test_store tests.
    monkeypatch.setattr(updates, "BRIEF_WAIT", 60.0)
    with StandIn(corpus) as api:
        filled_day_old_store(api, tmp_path / "cache")
        api.delay = 0.3
        settings = Settings(api_url=api.url, cache_dir=tmp_path / "cache", request_interval=0)
        results, errors = [], []

        def reader():
            try:
                results.append(trials.refresh(settings, automatic=True).mode)
            except Exception as exc:  # noqa: BLE001 - collected and asserted below
                errors.append(exc)

        threads = [threading.Thread(target=reader) for _ in range(10)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)
        assert errors == []
        assert sorted(results) == ["done by another update"] * 9 + ["incremental"]
        assert kinds(api) == {"version": 1, "listing": 1, "detail": 0,
                              "sponsor lookups": plan.SPONSOR_LOOKUPS_PER_REFRESH}
        assert load(settings).info.data_timestamp == "2025-10-03T00:00:00"


def test_the_page_updater_starts_one_refresh_for_ten_visitors(tmp_path, corpus):
    with StandIn(corpus) as api:
        filled_day_old_store(api, tmp_path / "cache")
        api.delay = 0.5
        settings = Settings(api_url=api.url, cache_dir=tmp_path / "cache", request_interval=0)
        started, barrier = [], threading.Barrier(10)

        def visitor():
            barrier.wait()
            updater = trials.updater(settings)  # what the page calls for every session
            if load(settings).is_stale():
                started.append(updater.start(automatic=True))
            updater.wait(60)

        threads = [threading.Thread(target=visitor) for _ in range(10)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(90)
        assert started.count(True) == 1
        state = trials.updater(settings).state
        assert not state.running and state.error is None and state.runs == 1
        assert kinds(api) == {"version": 1, "listing": 1, "detail": 0,
                              "sponsor lookups": plan.SPONSOR_LOOKUPS_PER_REFRESH}
        assert not load(settings).is_stale()


def test_a_slow_api_does_not_hold_up_an_interactive_search(tmp_path, corpus):
    with StandIn(corpus) as api:
        filled_day_old_store(api, tmp_path / "cache")
        api.delay = 120.0  # far longer than a person waits
        found = subprocess.run([sys.executable, "-m", "trials", "search", "--therapy", "HSCT"],
                               env=trials_env(tmp_path / "cache", api.url),
                               capture_output=True, text=True, timeout=60)
        assert found.returncode == 0, found.stderr
        assert f"did not answer within {INTERACTIVE_BUDGET:.0f} s" in found.stderr
        assert "Showing the last good data" in found.stderr and "NCT04047628" in found.stdout

