"""Adding a registry is one catalog entry and one sub-package (issue 28), shown by doing it.

A copy of the package gets a fourth registry, ANZCTR (the Australian New Zealand Clinical
Trials Registry): one entry in ``trials/catalog.py`` and a sub-package ``registries/anzctr``
whose adapter only translates (its refresh hands ``sync.write_listing`` a listing; the answer
is a recorded one built for this test, as no machine here reaches ANZCTR). Nothing else in the
copy is edited; the commands then refresh it, list its trial, export it and show its card.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import trials

pytestmark = pytest.mark.slow  # copies the package and runs the command line

ENTRY = '''    Register("anzctr", "ANZCTR", re.compile(_BEFORE + r"ACTRN\\s?([0-9]{14})" + _AFTER, re.IGNORECASE),
             "ACTRN", "", "ACTRN12619000520167", "https://www.anzctr.org.au/Trial/Registration/TrialReview.aspx?ACTRN={}",
             "https://www.anzctr.org.au/api", "TRIALS_ANZCTR_URL", "anzctr"),
'''

ADAPTER = '''"""ANZCTR, built for the test of adding a registry: a recorded answer, read and listed."""

from __future__ import annotations

import re

from ...errors import InputError
from ...model import Eligibility, Intervention, Site, Study, StudyId
from .. import sync
from ..base import Check, Registry

ANSWER = [{
    "actrn": "ACTRN12699000000001",
    "title": "Autologous haematopoietic stem cell transplantation for relapsing multiple sclerosis",
    "condition": "Multiple sclerosis", "status": "RECRUITING", "updated": "2026-11-20",
    "intervention": "Autologous haematopoietic stem cell transplantation after cyclophosphamide mobilisation",
    "city": "Melbourne", "country": "Australia", "criteria": "Relapsing MS, EDSS 2.0 to 6.0, aged 18 to 50.",
}]


def parse_id(text: str) -> StudyId:
    match = re.fullmatch(r"ACTRN\\s*([0-9]{14})", text.strip(), re.IGNORECASE)
    if not match:
        raise InputError(f"{text!r} is not an ANZCTR id; they look like ACTRN12619000520167.")
    return StudyId("anzctr", "ACTRN" + match.group(1))


def read(record: dict) -> Study:
    key = parse_id(record["actrn"])
    return Study(id=key, url=f"https://www.anzctr.org.au/Trial/Registration/TrialReview.aspx?ACTRN={key.value[5:]}",
                 brief_title=record["title"], overall_status=record["status"], last_update=record["updated"],
                 study_type="INTERVENTIONAL", conditions=(record["condition"],),
                 interventions=(Intervention("PROCEDURE", record["intervention"]),),
                 sites=(Site("", record["city"], "", record["country"], record["status"]),),
                 eligibility=Eligibility(record["criteria"], "", "", "", None))


def refresh(store, settings, *, full=False, progress=None, budget=None):
    items = [sync.Fetched(record, read(record)) for record in ANSWER]
    return sync.write_listing(store, sync.Listing("anzctr", "full", "2026-12-01T00:00:00", items, complete=True,
                                                  full=full, source="ANZCTR recorded answer"))


def import_file(store, path):
    raise InputError("ANZCTR files are not read by this test adapter.")


REGISTRY = Registry(code="anzctr", read=read, parse_id=parse_id, refresh=refresh, import_file=import_file,
                    check=lambda settings: [Check("recorded answer", True, "1 trial")])
'''


def _digests(root: Path) -> dict[str, str]:
    return {str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in root.rglob("*") if p.is_file() and "__pycache__" not in p.parts}


def test_a_fourth_registry_is_one_catalog_entry_and_one_package(tmp_path):
    original = Path(trials.__file__).parent
    copy = tmp_path / "src" / "trials"
    shutil.copytree(original, copy, ignore=shutil.ignore_patterns("__pycache__"))
    catalog = copy / "catalog.py"
    text = catalog.read_text("utf-8")
    anchor = "    # A EudraCT number is a year"
    assert anchor in text
    catalog.write_text(text.replace(anchor, ENTRY + anchor, 1), encoding="utf-8")
    (copy / "registries" / "anzctr").mkdir()
    (copy / "registries" / "anzctr" / "__init__.py").write_text(ADAPTER, encoding="utf-8")

    before, after = _digests(original), _digests(copy)
    changed = sorted(name for name in after if before.get(name) != after[name])
    assert changed == ["catalog.py", str(Path("registries/anzctr/__init__.py"))]

    env = {**os.environ, "PYTHONPATH": str(copy.parent), "TRIALS_CACHE_DIR": str(tmp_path / "cache"),
           "TRIALS_REGISTRIES": "anzctr", "TRIALS_REQUEST_INTERVAL": "0"}

    def run(*args: str) -> str:
        done = subprocess.run([sys.executable, "-m", "trials", *args], capture_output=True, text=True, env=env,
                              cwd=tmp_path, timeout=120)
        assert done.returncode == 0, done.stderr
        return done.stdout

    run("refresh")
    listed = run("export", "--offline", "--registry", "ANZCTR", "-o", "-")
    assert "ACTRN12699000000001" in listed and "HSCT" in listed and "Recruiting now" in listed
    assert "https://www.anzctr.org.au/Trial/Registration/TrialReview.aspx?ACTRN=" in listed
    card = run("show", "--offline", "actrn 12699000000001")
    assert "Melbourne" in card and "ANZCTR record" in card
    assert "ANZCTR" in run("--help")  # the description names every registry it reads
