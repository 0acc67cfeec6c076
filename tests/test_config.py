"""Settings from the environment: each one checked, named when wrong, and the store's
default folder never the folder a command happens to run in (issue 20)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from trials.config import DEFAULT_API_URL, Settings, default_cache_dir
from trials.errors import InputError

from .conftest import REPO


@pytest.mark.parametrize("name, value, words", [
    ("TRIALS_REQUEST_INTERVAL", "abc", "TRIALS_REQUEST_INTERVAL must be a number of seconds from 0 to 60, not 'abc'"),
    ("TRIALS_REQUEST_INTERVAL", "-1", "from 0 to 60, not '-1'"),
    ("TRIALS_API_URL", "clinicaltrials.gov/api/v2", "TRIALS_API_URL must be an http:// or https:// address"),
    ("TRIALS_API_URL", "ftp://user:secret@example.org", "not 'ftp://example.org'"),
    ("TRIALS_SHARED_IMPORTS", "maybe", "TRIALS_SHARED_IMPORTS must be 1 (on) or 0 (off), not 'maybe'"),
])
def test_a_setting_that_cannot_be_used_is_named_with_what_it_accepts(monkeypatch, name, value, words):
    monkeypatch.setenv(name, value)
    with pytest.raises(InputError, match=words.replace("(", r"\(").replace(")", r"\)")):
        Settings.from_env()


def test_settings_read_as_written(monkeypatch, tmp_path):
    monkeypatch.setenv("TRIALS_API_URL", "http://127.0.0.1:8765/api/v2/")
    monkeypatch.setenv("TRIALS_SHARED_IMPORTS", "Yes")
    monkeypatch.setenv("TRIALS_CACHE_DIR", str(tmp_path))
    settings = Settings.from_env()
    assert (settings.api_url, settings.shared_imports, settings.cache_dir) == (
        "http://127.0.0.1:8765/api/v2", True, tmp_path)
    for unset in ("TRIALS_API_URL", "TRIALS_SHARED_IMPORTS", "TRIALS_CACHE_DIR"):
        monkeypatch.delenv(unset)
    settings = Settings.from_env()
    assert (settings.api_url, settings.shared_imports) == (DEFAULT_API_URL, False)


def test_the_store_stays_in_a_checkouts_cache_folder_whatever_the_current_folder():
    assert default_cache_dir() == REPO / "cache"


@pytest.mark.slow
def test_an_installed_package_keeps_its_store_in_the_users_data_folder(tmp_path):
    # The package copied out of the checkout, as an installed one sits in site-packages.
    site = tmp_path / "site"
    shutil.copytree(REPO / "trials", site / "trials")
    home = tmp_path / "home"
    found = subprocess.run(
        [sys.executable, "-c", "from trials.config import default_cache_dir; print(default_cache_dir())"],
        env={"PYTHONPATH": str(site), "HOME": str(home), "PATH": "/usr/bin:/bin"}, cwd=tmp_path,
        capture_output=True, text=True, timeout=60)
    assert found.returncode == 0, found.stderr
    folder = Path(found.stdout.strip())
    assert folder.is_relative_to(home) and folder.name == "ms-stemcell-trials"
    assert not folder.is_relative_to(tmp_path / "site")


def test_the_public_names_load_on_first_use_and_match_the_imports_type_checkers_read():
    import ast

    import trials

    tree = ast.parse((REPO / "trials" / "__init__.py").read_text(encoding="utf-8"))
    [guard] = [n for n in tree.body if isinstance(n, ast.If) and getattr(n.test, "id", "") == "TYPE_CHECKING"]
    imported = {(alias.asname or alias.name): ("." * node.level + (node.module or ""), alias.name)
                for node in guard.body if isinstance(node, ast.ImportFrom) for alias in node.names}
    assert imported == trials._WHERE
    for name in trials.__all__:
        assert getattr(trials, name) is not None
