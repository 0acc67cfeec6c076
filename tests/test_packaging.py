"""What the package ships: every data file the code reads is declared package data (a file left
out is missing from the wheel, and the installed finder fails where it reads it); the sdist ships
the whole test tree or none of it (issue 31)."""

from __future__ import annotations

import tomllib

from .conftest import REPO


def _files(folder: str) -> set[str]:
    """The package's files, as in a clone or an unpacked sdist (no git needed)."""
    return {p.relative_to(REPO).as_posix() for p in (REPO / folder).rglob("*")
            if p.is_file() and "__pycache__" not in p.parts and p.suffix != ".pyc"}


def test_every_data_file_of_the_package_is_declared_package_data():
    declared = tomllib.loads((REPO / "pyproject.toml").read_text("utf-8"))["tool"]["setuptools"]["package-data"]
    shipped = {f"{package.replace('.', '/')}/{name}" for package, names in declared.items() for name in names}
    data = {path for path in _files("trials") if not path.endswith((".py", ".typed"))}
    assert data - shipped == set(), "declare these in [tool.setuptools.package-data]"


def test_the_sdist_ships_the_whole_test_tree():
    # conftest.py, tests/support and tests/data travel with tests/test_*.py (pytest failed on import).
    manifest = (REPO / "MANIFEST.in").read_text("utf-8").split()
    assert manifest[:2] == ["graft", "tests"]
