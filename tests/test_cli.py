"""The `trials` command as a user runs it: against the local stand-in API
serving real records, then offline, then with bad input."""

from __future__ import annotations

import copy
import csv
import json
import os
import re
import sqlite3
import subprocess
import sys

import pytest

from trials.cli import main
from trials.registries.ctgov import smoke as check
from trials.registries.ctgov.record import raw_nct_id
from trials.snapshot import BUNDLED
from trials.store import bundled
from .support.standin import StandIn, load_corpus

from .conftest import MS_2025, MSC_2022, REPO, by_id, hostile_study


def trials(*args, env, cwd=None):
    return subprocess.run([sys.executable, "-m", "trials", *args], env=env, cwd=cwd,
                          capture_output=True, text=True, timeout=120)


@pytest.fixture
def env(tmp_path):
    return {**os.environ, "TRIALS_CACHE_DIR": str(tmp_path / "cache"),
            "TRIALS_REQUEST_INTERVAL": "0"}


def make_stale(cache_dir):
    with sqlite3.connect(cache_dir / "trials.sqlite3") as conn:
        # (A key the store no longer uses would age nothing: the test would lose its meaning.)
        aged = conn.execute("UPDATE meta SET value = '2025-09-20T00:00:00Z' WHERE key = 'ctgov:checked_at'")
        assert aged.rowcount == 1


@pytest.mark.slow
def test_refresh_search_export_show_and_incremental_refresh(env, tmp_path):
    with StandIn(load_corpus(MS_2025)) as api:
        env["TRIALS_API_URL"] = api.url
        done = trials("refresh", env=env)
        assert done.returncode == 0, done.stderr
        assert "Refreshed ClinicalTrials.gov (full): 2435 MS studies listed" in done.stderr

        found = trials("search", "--therapy", "HSCT", "--status", "Recruiting now", env=env)
        assert found.returncode == 0, found.stderr
        assert "ClinicalTrials.gov data as of 2025-09-25 00:00 UTC" in found.stdout
        assert "NCT04047628" in found.stdout  # BEAT-MS recruits in this data
        assert "recruiting now" in found.stdout

        out = tmp_path / "hsct.csv"
        exported = trials("export", "--therapy", "hsct", "--output", str(out), env=env)
        assert exported.returncode == 0, exported.stderr
        raw = out.read_bytes()
        assert raw.startswith(b"\xef\xbb\xbf")
        rows = list(csv.DictReader(raw.decode("utf-8-sig").splitlines()))
        assert rows and all("HSCT" in r["therapy_types"].split("; ") for r in rows)
        assert {r["data_timestamp"] for r in rows} == {"2025-09-25T00:00:00"}
        beat = next(r for r in rows if r["study_id"] == "NCT04047628")
        assert beat["url"] == "https://clinicaltrials.gov/study/NCT04047628"
        assert beat["study_role"] == "gives therapy"
        # Only trials that give the therapy, unless asked otherwise (the page's default too).
        assert {r["study_role"] for r in rows} == {"gives therapy"}
        every = trials("export", "--therapy", "hsct", "--no-gives-therapy", "--output", str(out), env=env)
        assert every.returncode == 0, every.stderr
        every_rows = list(csv.DictReader(out.read_bytes().decode("utf-8-sig").splitlines()))
        assert 0 < len(rows) < len(every_rows)
        assert {r["study_role"] for r in every_rows} == {"gives therapy", "follows treated people"}
        assert beat["enrollment"] == "156" and beat["phases"] == "PHASE3"

        shown = trials("show", "nct04047628", env=env)
        assert shown.returncode == 0, shown.stderr
        assert "BEAT-MS" in shown.stdout and "Palo Alto" in shown.stdout

        # A later data release: BEAT-MS stops recruiting.
        changed = copy.deepcopy(by_id(api.studies, "NCT04047628"))
        changed["protocolSection"]["statusModule"]["overallStatus"] = "ACTIVE_NOT_RECRUITING"
        changed["protocolSection"]["statusModule"]["lastUpdatePostDateStruct"]["date"] = "2025-10-02"
        api.studies = [changed if s["protocolSection"]["identificationModule"]["nctId"] == "NCT04047628"
                       else s for s in api.studies]
        api.data_timestamp = "2025-10-03T00:00:00"
        again = trials("refresh", env=env)
        assert again.returncode == 0, again.stderr
        assert "Refreshed ClinicalTrials.gov (incremental)" in again.stderr and "1 stem-cell candidates" in again.stderr
        assert "1 status changes" in again.stderr

    # The API is gone now: stored data is used, and the user is told.
    make_stale(tmp_path / "cache")
    offline = trials("search", "--therapy", "HSCT", "--status", "ACTIVE_NOT_RECRUITING", env=env)
    assert offline.returncode == 0, offline.stderr
    assert "could not be reached" in offline.stderr and "Showing the last good data" in offline.stderr
    assert "NCT04047628" in offline.stdout
    assert "Traceback" not in offline.stderr


@pytest.mark.parametrize("args, message", [
    (["search", "--status", "BOGUS"], "Unknown status 'BOGUS'"),
    (["search", "--therapy", "CAR-T"], "Unknown therapy type 'CAR-T'"),
    (["search", "--phase", "7"], "Unknown phase '7'"),
    (["show", "NCT12", "--offline"], "No trial data is stored here yet"),
    (["show", "banana"], "'banana' is not a study id; they look like NCT04047628"),
    (["import", "/nonexistent/file.json"], "Cannot read /nonexistent/file.json"),
    (["search", "--offline"], "No trial data is stored here yet"),
    (["search", "--offline", "--edss", "3.3"], "steps of 0.5"),
    (["export", "-o", "x.csv", "--offline", "--age", "abc"], "whole number"),
    (["search", "--offline", "--ms-type", "benign"], "Use one of RRMS, SPMS, PPMS, CIS"),
    (["search", "--offline", "--sex", "x"], "Use female or male"),
])
def test_bad_input_gets_one_clear_line(args, message, tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(bundled, "PATH", tmp_path / "no-snapshot.json.gz")
    monkeypatch.setenv("TRIALS_CACHE_DIR", str(tmp_path))
    monkeypatch.setenv("TRIALS_API_URL", "http://127.0.0.1:9/api/v2")  # nothing listens there
    monkeypatch.setenv("TRIALS_REQUEST_INTERVAL", "0")
    assert main(args) == 1
    err = capsys.readouterr().err
    assert err.startswith("trials: ") and message in err
    assert err.count("\n") == 1


def test_no_data_and_no_api_says_what_to_do(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(bundled, "PATH", tmp_path / "no-snapshot.json.gz")  # none shipped
    monkeypatch.setenv("TRIALS_CACHE_DIR", str(tmp_path))
    monkeypatch.setenv("TRIALS_API_URL", "http://127.0.0.1:9/api/v2")  # nothing listens there
    monkeypatch.setenv("TRIALS_REQUEST_INTERVAL", "0")
    assert main(["search"]) == 1
    err = capsys.readouterr().err
    assert "could not be reached after 4 tries" in err and "trials import FILE" in err


def test_help_for_every_command():
    for command in ("refresh", "search", "export", "show", "feed", "compare", "import", "check", "bundle",
                    "serve"):
        with pytest.raises(SystemExit) as exit_:
            main([command, "--help"])
        assert exit_.value.code == 0


@pytest.mark.slow
def test_the_bundled_snapshot_stands_in_for_an_empty_store_without_api(tmp_path, env):
    env["TRIALS_API_URL"] = "http://127.0.0.1:9/api/v2"  # nothing listens there
    found = trials("search", "--therapy", "MSC", env=env)
    assert found.returncode == 0, found.stderr
    assert "could not be reached" in found.stderr
    label = re.compile(r"Bundled snapshot, data as of \d{4}-\d{2}-\d{2}, \d+ months? old")
    # The age once, on the age line; why the bundled copy is shown once, in the notice.
    assert label.search(found.stdout) and "Showing the data shipped with this finder instead." in found.stderr
    assert "NCT01854957" in found.stdout  # MESEMS, in the shipped snapshot
    out = tmp_path / "msc.csv"
    exported = trials("export", "--therapy", "MSC", "--output", str(out), "--offline", env=env)
    assert exported.returncode == 0 and label.search(exported.stderr), exported.stderr
    rows = list(csv.DictReader(out.read_text(encoding="utf-8-sig").splitlines()))
    assert rows and {r["fetched_at"] for r in rows} == {BUNDLED}
    shown = trials("show", "NCT01854957", "--offline", env=env)
    assert shown.returncode == 0 and label.search(shown.stdout), shown.stderr


@pytest.mark.slow
def test_the_bundled_data_is_built_from_a_store_and_the_first_refresh_replaces_it(tmp_path, env):
    with StandIn(load_corpus(MS_2025, MSC_2022)) as api:
        env["TRIALS_API_URL"] = api.url
        built = tmp_path / "bundled.json.gz"
        empty = trials("bundle", "--output", str(built), env=env)
        assert empty.returncode == 1 and "trials refresh" in empty.stderr
        assert trials("refresh", env=env).returncode == 0
        made = trials("bundle", "--output", str(built), env=env)
        assert made.returncode == 0, made.stderr
        shipped = bundled.read(built)
        assert shipped.data_timestamp == "2025-09-25T00:00:00"
        assert {registry for registry, _ in shipped.records} == {"ctgov"}
        assert "NCT04047628" in {raw_nct_id(record) for _, record in shipped.records}
        assert f"Wrote {len(shipped.records)} MS stem-cell studies" in made.stderr
        # Once the store holds data, the shipped snapshot is not mentioned again.
        found = trials("search", env=env)
        assert "Bundled snapshot" not in found.stdout + found.stderr
        assert "ClinicalTrials.gov data as of 2025-09-25" in found.stdout


@pytest.mark.slow
def test_check_against_the_stand_in(env):
    with StandIn(load_corpus(MS_2025)) as api:
        env["TRIALS_API_URL"] = api.url
        env["TRIALS_USER_AGENT"] = "ms-finder-check/1.0 (maintainer@example.org)"
        done = trials("check", env=env)
        assert done.returncode == 0, done.stdout + done.stderr
        lines = done.stdout.splitlines()
        assert "ms-finder-check/1.0" in lines[0]
        assert [line.split()[0] for line in lines[1:]] == ["ok"] * 4
        assert "/version: API 2.0.5, data as of 2025-09-25T00:00:00" in done.stdout
        assert "requested field names exist" in done.stdout
        paths = [r.path for r in api.requests]
        assert paths == ["/api/v2/version", "/api/v2/studies", "/api/v2/studies",
                         "/api/v2/studies/metadata"]


def test_check_names_a_field_the_api_does_not_know(monkeypatch, capsys):
    monkeypatch.setattr(check, "DETAIL_FIELDS", (*check.DETAIL_FIELDS, "NoSuchPiece"))
    with StandIn(load_corpus(MS_2025)) as api:
        monkeypatch.setenv("TRIALS_API_URL", api.url)
        monkeypatch.setenv("TRIALS_REQUEST_INTERVAL", "0")
        assert main(["check"]) == 1
    out = capsys.readouterr().out
    assert "FAIL  /studies/metadata, field names: unknown to the API: NoSuchPiece" in out


def test_check_reports_a_403_in_words(monkeypatch, capsys):
    with StandIn([]) as api:
        api.fail_next(403, count=10)
        monkeypatch.setenv("TRIALS_API_URL", api.url)
        monkeypatch.setenv("TRIALS_REQUEST_INTERVAL", "0")
        assert main(["check"]) == 1
    out = capsys.readouterr().out
    assert out.count("FAIL") == 4 and "403 Forbidden" in out and "trials import FILE" in out


@pytest.mark.slow
def test_refresh_full_rebuilds_a_store_with_damaged_pages(tmp_path, env):
    with StandIn(load_corpus(MS_2025)) as api:
        env["TRIALS_API_URL"] = api.url
        assert trials("refresh", env=env).returncode == 0
        path = tmp_path / "cache" / "trials.sqlite3"
        size = path.stat().st_size
        with open(path, "r+b") as fh:  # damage in the middle, as a failing disk leaves it
            fh.seek((size // 2) // 4096 * 4096)
            fh.write(b"\x00\xff" * 4 * 4096)
        rebuilt = trials("refresh", "--full", env=env)
        assert rebuilt.returncode == 0, rebuilt.stderr
        assert "could not be read" in rebuilt.stderr and "Refreshed ClinicalTrials.gov (full)" in rebuilt.stderr
        assert "refresh --full" not in rebuilt.stderr and "Traceback" not in rebuilt.stderr
        found = trials("search", "--therapy", "HSCT", "--offline", env=env)
        assert found.returncode == 0 and "NCT04047628" in found.stdout


def test_export_and_search_with_a_pre_screen(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("TRIALS_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("TRIALS_API_URL", "http://127.0.0.1:9/api/v2")
    assert main(["import", str(MSC_2022)]) == 0
    profile = ["--age", "35", "--sex", "female", "--ms-type", "rrms", "--edss", "3"]
    out = tmp_path / "fit.csv"
    assert main(["export", "--offline", "-o", str(out), *profile]) == 0
    rows = list(csv.DictReader(out.read_bytes().decode("utf-8-sig").splitlines()))
    columns = {"min_age", "max_age", "sex", "ms_types", "edss_min", "edss_max", "central_contact",
               "eligibility_criteria", "last_verified", "fit", "fit_reasons"}
    assert columns <= set(rows[0])
    by = {r["study_id"]: r for r in rows}
    # NCT05116540 (recruiting): RRMS, age 18-75, EDSS 3.0-6.5 in its published criteria.
    assert by["NCT05116540"]["fit"] == "likely fits"
    assert (by["NCT05116540"]["ms_types"], by["NCT05116540"]["edss_min"]) == ("RRMS", "3.0")
    # NCT04749667 (recruiting) is for progressive MS with EDSS 4 to 7.
    assert by["NCT04749667"]["fit"] == "does not fit"
    assert "MS type: does not fit" in by["NCT04749667"]["fit_reasons"]
    # NCT02035514 has the same limits as the first, but it is completed: it fits nobody now.
    assert by["NCT02035514"]["fit"] == "not open to new participants"
    assert "the registry status is Completed" in by["NCT02035514"]["fit_reasons"]
    assert "EDSS: fits: 3.0 is within EDSS 3.0 to 6.5" in by["NCT02035514"]["fit_reasons"]  # still read
    # Status unknown: never "likely fits", at most "ask your neurologist".
    assert {by[n]["fit"] for n in ("NCT01854957", "NCT03069170")} == {"ask your neurologist"}
    order = [r["fit"] for r in rows]
    assert order == sorted(order, key=["likely fits", "ask your neurologist", "does not fit",
                                       "not open to new participants"].index)
    assert "eligible" not in {r["fit"] for r in rows}

    capsys.readouterr()
    assert main(["search", "--offline", *profile]) == 0
    printed = capsys.readouterr().out
    assert "likely fits" in printed and "only the study team decides" in printed
    assert main(["show", "NCT09999999", "--offline"]) == 1
    assert "NCT09999999 is not in the local data" in capsys.readouterr().err


def filled_env(tmp_path, studies) -> dict:
    """An environment whose store holds ``studies``, imported from a real file, checked just now
    (so nothing goes to the network)."""
    path = tmp_path / "download.json"
    path.write_text(json.dumps(studies), encoding="utf-8")
    env = {**os.environ, "TRIALS_CACHE_DIR": str(tmp_path / "cache"),
           "TRIALS_API_URL": "http://127.0.0.1:9/api/v2", "PYTHONPATH": str(REPO)}
    done = trials("import", str(path), env=env)
    assert done.returncode == 0, done.stderr
    return env


@pytest.mark.slow
def test_a_closed_pipe_ends_quietly(tmp_path):
    # Enough rows that `head` goes away while `trials` is still writing (far over a pipe's 64 KiB).
    studies = [hostile_study(f"NCT{i:08d}", title=f"Autologous stem cell transplant study {i} " * 4)
               for i in range(1, 3001)]
    env = filled_env(tmp_path, studies)
    done = subprocess.run(
        ["bash", "-c", f'"{sys.executable}" -m trials search --offline | head -2; '
                       'echo "trials exit status ${PIPESTATUS[0]}" >&2'],
        env=env, capture_output=True, text=True, timeout=120)
    assert len(done.stdout.splitlines()) == 2
    assert "Traceback" not in done.stderr and "BrokenPipe" not in done.stderr, done.stderr
    assert done.stderr.strip().splitlines()[-1] in ("trials exit status 0", "trials exit status 141")


@pytest.mark.slow
def test_control_characters_never_reach_the_terminal(tmp_path):
    env = filled_env(tmp_path, [hostile_study()])
    for args in (["search", "--offline"], ["show", "NCT00000001", "--offline"]):
        done = trials(*args, env=env)
        assert done.returncode == 0, done.stderr
        for raw in ("\x1b", "\x07", "\u202e", "\u202c", "\r", "\x9b"):
            assert raw not in done.stdout, (args, raw)
        assert "RED" in done.stdout and "TXET" in done.stdout  # the words stay


@pytest.mark.slow
def test_the_import_message_is_terminal_safe(tmp_path):
    path = tmp_path / "x.json"
    path.write_text(json.dumps([hostile_study("NCT\x1b[2J1"), hostile_study()]), encoding="utf-8")
    env = {**os.environ, "TRIALS_CACHE_DIR": str(tmp_path / "cache"), "PYTHONPATH": str(REPO)}
    done = trials("import", str(path), env=env)
    assert done.returncode == 0 and "\x1b" not in done.stderr
    assert "record 1: nctId 'NCT\\x1b[2J1' is not an NCT id" in done.stderr


def test_a_page_link_on_the_command_line_is_read_as_the_page_reads_it(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("TRIALS_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("TRIALS_API_URL", "http://127.0.0.1:9/api/v2")
    assert main(["import", str(MSC_2022)]) == 0
    link = "https://finder.example/?therapy=msc&therapy=nonsense&country=spain&country=Germany&age=abc"
    out = tmp_path / "link.csv"
    capsys.readouterr()
    assert main(["export", "--offline", "--link", link, "-o", str(out)]) == 0
    err = capsys.readouterr().err
    # What the link asked for but cannot be used is named, as on the page; the rest applies.
    assert "therapy type “nonsense”, which this page does not know; showing the others" in err
    assert "No study lists “Germany”; showing the other countries asked for." in err
    assert "An answer in this link was not used: Age 'abc'" in err
    rows = list(csv.DictReader(out.read_bytes().decode("utf-8-sig").splitlines()))
    assert rows and all(r["therapy_types"] == "MSC" and "Spain" in r["countries"] for r in rows)
    # The same values as options are errors, and a link replaces the options.
    assert main(["search", "--offline", "--country", "Germany"]) == 1
    assert "trials: No study lists “Germany”. Countries with a study recruiting now" in capsys.readouterr().err
    assert main(["search", "--offline", "--therapy", "MSC", "--link", link]) == 1
    assert "--link gives the whole search" in capsys.readouterr().err


def test_outputs_never_follow_a_symbolic_link_and_bad_settings_are_named(tmp_path, env):
    """Issue 17: `-o` through a planted link overwrote its target; a bad interval was a traceback."""
    target = tmp_path / "precious.txt"
    target.write_text("keep me")
    link = tmp_path / "out.csv"
    link.symlink_to(target)
    for command in (["export", "--offline", "-o", str(link)], ["feed", "--offline", "-o", str(link)]):
        refused = trials(*command, env=env)
        assert refused.returncode == 1 and "symbolic link" in refused.stderr and "Traceback" not in refused.stderr
    assert target.read_text() == "keep me"
    for bad in ("abc", "-1", "nan"):
        refused = trials("search", "--offline", env={**env, "TRIALS_REQUEST_INTERVAL": bad})
        assert refused.returncode == 1 and "TRIALS_REQUEST_INTERVAL must be a number" in refused.stderr
        assert "Traceback" not in refused.stderr


@pytest.mark.slow
def test_a_dash_writes_to_standard_output_and_the_version_is_printed(tmp_path, env):
    assert trials("import", str(MSC_2022), env=env).returncode == 0
    exported = trials("export", "--offline", "--therapy", "MSC", "-o", "-", cwd=tmp_path, env=env)
    assert exported.returncode == 0, exported.stderr
    # No byte-order mark on a pipe (issue 31: csv.DictReader read it into the first column's name);
    # a file keeps it, for spreadsheets.
    assert not exported.stdout.startswith("\ufeff")
    rows = list(csv.DictReader(exported.stdout.splitlines()))
    assert rows and all("MSC" in r["therapy_types"] for r in rows) and "study_id" in rows[0]
    assert trials("export", "--offline", "-o", "out.csv", cwd=tmp_path, env=env).returncode == 0
    assert (tmp_path / "out.csv").read_bytes().startswith(b"\xef\xbb\xbf")
    table = trials("search", "--offline", cwd=tmp_path, env=env)
    assert "Study id" in table.stdout and "NCT id" not in table.stdout  # ISRCTN and CTIS numbers too
    assert f"Wrote {len(rows)} studies to standard output." in exported.stderr
    feed = trials("feed", "--offline", "-o", "-", cwd=tmp_path, env=env)
    assert feed.returncode == 0 and feed.stdout.startswith("<?xml") and "(Atom)" in feed.stderr
    assert not (tmp_path / "-").exists()  # no file named "-"
    version = trials("--version", env=env)
    assert version.returncode == 0 and re.fullmatch(r"trials \d+\.\d+\.\d+\n", version.stdout)


def test_help_and_version_load_nothing_heavy():
    # `trials --help` took about a second because pandas was imported first (issue 20);
    # bench/startup.py measures the time, this checks the cause.
    probe = ("import sys\nfrom trials.cli import main\nfor argv in (['--help'], ['--version']):\n"
             "    try:\n        main(argv)\n    except SystemExit:\n        pass\n"
             "print(sorted(m for m in ('pandas', 'httpx', 'streamlit', 'pyarrow') if m in sys.modules))")
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert "usage: trials" in done.stdout and done.stdout.strip().endswith("[]")


@pytest.mark.slow
def test_the_bash_completion_completes_commands_and_options(tmp_path, capsys):
    assert main(["completion", "bash"]) == 0
    script = tmp_path / "trials.bash"
    script.write_text(capsys.readouterr().out, encoding="utf-8")
    done = subprocess.run(["bash", "-c", f"source {script}\n"
                           "COMP_WORDS=(trials sea); COMP_CWORD=1; _shtab_trials; echo ${COMPREPLY[@]}\n"
                           "COMP_WORDS=(trials export --out); COMP_CWORD=2; _shtab_trials; echo ${COMPREPLY[@]}"],
                          capture_output=True, text=True, timeout=60)
    assert done.stdout.splitlines() == ["search", "--output"], done.stderr


def test_json_output_is_one_object_per_study_with_real_types_and_the_datas_age(monkeypatch, capsys, tmp_path):
    monkeypatch.setenv("TRIALS_API_URL", "http://127.0.0.1:9/api/v2")
    assert main(["import", str(MSC_2022)]) == 0
    capsys.readouterr()
    assert main(["search", "--offline", "--therapy", "MSC", "--near", "Milan, Italy", "--format", "json"]) == 0
    found = json.loads(capsys.readouterr().out)
    assert found["data_age"].startswith("Data from an imported file dated 2022-10-07")
    assert "not medical advice" in found["disclaimer"] and "Milan, Italy" in found["notes"][0]
    first = found["studies"][0]
    assert isinstance(first["enrollment"], int) and isinstance(first["distance_km"], int)
    assert isinstance(first["min_age"], int)  # whole years, as in the CSV
    assert first["url"] == f"https://clinicaltrials.gov/study/{first['study_id']}"
    assert all("MSC" in s["therapy_types"] for s in found["studies"])

    assert main(["show", "--offline", first["study_id"], "--format", "json"]) == 0
    [shown] = json.loads(capsys.readouterr().out)["studies"]
    assert shown["study_id"] == first["study_id"] and shown["enrollment"] == first["enrollment"]
    status = shown["card"]["sections"][0]["lines"][0]
    assert status["label"] == "Status" and status["source"] == "overall status"

    second = found["studies"][1]["study_id"]
    assert main(["compare", "--offline", first["study_id"], second, "--format", "json"]) == 0
    compared = json.loads(capsys.readouterr().out)["studies"]
    assert [c["study"] for c in compared] == [first["study_id"], second]
    assert compared[0]["Registry record"] == first["url"]
    out = tmp_path / "compare.json"  # -o is honoured with --format json too
    assert main(["compare", "--offline", first["study_id"], second, "--format", "json", "-o", str(out)]) == 0
    assert json.loads(out.read_text(encoding="utf-8"))["studies"] == compared and capsys.readouterr().out == ""


def test_completion_needs_no_settings(monkeypatch, capsys):
    monkeypatch.setenv("TRIALS_API_URL", "bogus")  # a wrong setting stops every command that uses it
    assert main(["completion", "zsh"]) == 0
    assert "#compdef trials" in capsys.readouterr().out
    assert main(["search", "--offline"]) == 1
    assert "TRIALS_API_URL must be an http:// or https:// address" in capsys.readouterr().err


@pytest.mark.parametrize("port", ["99999", "0", "http"])
def test_a_port_that_cannot_be_one_is_a_usage_error_not_a_traceback(port, env):
    # Issue 31: `trials serve --port 99999` printed a 52-line traceback from the server.
    done = trials("serve", "--port", port, env=env)
    assert done.returncode == 2 and "is not a port: give a number from 1 to 65535" in done.stderr
    assert "Traceback" not in done.stderr and len(done.stderr.splitlines()) <= 2


def test_check_prints_no_password(monkeypatch, capsys, tmp_path):
    # Issue 31: `trials check` printed TRIALS_API_URL with its password. The registries are not
    # asked here (their checks are replaced): what is tested is what the command prints.
    from trials import commands
    from trials.config import Settings
    from trials.registries import Check

    settings = Settings(api_url="https://user:s3cret@proxy.example/api/v2", cache_dir=tmp_path)
    monkeypatch.setattr("trials.check", lambda s: [Check("ClinicalTrials.gov: /version", False,
                                                         "could not reach https://user:s3cret@proxy.example/api/v2")])
    assert commands._check(settings) == 1
    out = capsys.readouterr().out
    assert "s3cret" not in out and "user@" not in out
    assert "Checking https://proxy.example/api/v2" in out and "could not reach https://proxy.example/api/v2" in out


@pytest.mark.parametrize("agent", ["finder\r\nX-Evil: 1", "tab\there", "caf\u00e9 finder"])
def test_a_user_agent_that_is_no_header_value_is_one_line_naming_the_setting(agent, env):
    # Issue 31: a line break in TRIALS_USER_AGENT gave a storm of retried network errors.
    refused = trials("search", "--offline", env={**env, "TRIALS_USER_AGENT": agent})
    assert refused.returncode == 1 and "TRIALS_USER_AGENT must be one line of printable ASCII" in refused.stderr
    assert "Traceback" not in refused.stderr and len(refused.stderr.strip().splitlines()) == 1
