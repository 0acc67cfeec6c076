"""What a deployment installs and runs is what the tests exercise (issue 20).

Docker itself may not run where the tests do; these check that the image is built from
the same lock and starts the same command the browser tests start (``trials serve``).
"""

from __future__ import annotations

import json
import re
import tomllib

from .conftest import REPO


def pins(name: str) -> dict[str, str]:
    text = (REPO / name).read_text(encoding="utf-8")
    return {m.group(1).lower(): m.group(2) for m in re.finditer(r"^([A-Za-z0-9_.-]+)==(\S+) \\$", text, re.M)}


def dockerfile() -> str:
    return (REPO / "Dockerfile").read_text(encoding="utf-8")


def test_the_image_installs_the_locked_versions_with_their_hashes_and_the_package_without_others():
    text = dockerfile()
    assert "COPY requirements.lock ./" in text
    assert "pip install --require-hashes -r requirements.lock" in text
    assert "pip install --no-deps ." in text
    assert re.search(r"^USER trials$", text, re.M) and "VOLUME /data" in text and "TRIALS_CACHE_DIR=/data" in text


def test_the_image_serves_the_page_as_the_tests_do_and_checks_its_health():
    text = dockerfile()
    [command] = re.findall(r"^CMD (\[.*\])$", text, re.M)
    assert json.loads(command) == ["trials", "serve", "--host", "0.0.0.0", "--port", "8501"]
    assert "http://127.0.0.1:8501/_stcore/health" in text.split("HEALTHCHECK", 1)[1]
    browser_tests = (REPO / "tests" / "test_browser.py").read_text(encoding="utf-8")
    assert '"trials", "serve", "--host"' in browser_tests


def test_the_locks_pin_every_dependency_at_the_same_version():
    runtime, tested = pins("requirements.lock"), pins("requirements-test.lock")
    project = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    named = {re.split(r"[ ;<>=!~\[(]", d, maxsplit=1)[0].lower() for d in project["dependencies"]}
    test_named = {re.split(r"[ ;<>=!~\[(]", d, maxsplit=1)[0].lower()
                  for d in project["optional-dependencies"]["test"]}
    assert named <= set(runtime) and named | test_named <= set(tested)
    assert {name: tested[name] for name in runtime} == runtime  # the image runs what CI tested
    assert runtime["streamlit"].startswith("1.67.")  # within the bound the page's CSS needs


def test_a_hosting_service_that_reads_requirements_txt_gets_the_locked_versions():
    lines = [line for line in (REPO / "requirements.txt").read_text(encoding="utf-8").splitlines()
             if line and not line.startswith("#")]
    assert lines == ["-r requirements.lock"]
