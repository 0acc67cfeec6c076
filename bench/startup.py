"""How fast the command line starts, what `--near` adds, and what the package installs:
this checkout next to an earlier commit, side by side in one run.

For each tree (the earlier one checked out with ``git worktree`` into a temporary folder)
it runs fresh processes with that tree first on ``PYTHONPATH`` and prints:

- ``trials --help`` and ``trials --version``: wall time (median of ``--runs``);
- ``trials search --offline`` on a store filled from the 2,435 real MS records, without and
  with ``--near "Milan, Italy" --within 500``: wall time and peak resident memory of the
  process (``wait4``), and what ``--near`` adds to each;
- the installed size of the runtime dependencies each tree's ``pyproject.toml`` names (the
  files of each installed distribution and of what it requires, as this interpreter has
  them), and of the tree's own package.

    python bench/startup.py [--before COMMIT] [--runs 5]

The earlier commit defaults to e331cac, the last one before the gazetteer file and the
lazily loaded public API.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
import time
import tomllib
from importlib import metadata
from pathlib import Path

from common import REPO, median, print_header, print_table

PLACE = ("--near", "Milan, Italy", "--within", "500")


def run(tree: Path, args: list[str], cache: Path) -> tuple[float, float]:
    """(seconds, peak MB) of one ``python -m trials ...`` in a fresh process."""
    env = {**os.environ, "PYTHONPATH": str(tree), "TRIALS_REGISTRIES": "ctgov", "TRIALS_CACHE_DIR": str(cache), "TRIALS_API_URL":
           "http://127.0.0.1:9/api/v2"}
    start = time.perf_counter()
    process = subprocess.Popen([sys.executable, "-m", "trials", *args], env=env, cwd=tree,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(process.pid, 0)
    elapsed = time.perf_counter() - start
    if os.waitstatus_to_exitcode(status) not in (0, 1):
        sys.exit(f"trials {' '.join(args)} failed in {tree}")
    return elapsed, usage.ru_maxrss / 1024


def timed(tree: Path, args: list[str], cache: Path, runs: int) -> tuple[float, float]:
    results = [run(tree, args, cache) for _ in range(runs)]
    return median([r[0] for r in results]), median([r[1] for r in results])


def _installed_mb(name: str, seen: set[str]) -> float:
    """Installed size of a distribution and everything it requires (each counted once)."""
    key = re.sub(r"[-_.]+", "-", name).lower()
    if key in seen:
        return 0.0
    seen.add(key)
    try:
        dist = metadata.distribution(name)
    except metadata.PackageNotFoundError:
        return 0.0
    size = sum(f.size or 0 for f in dist.files or ()) / 1e6
    for requirement in dist.requires or ():
        if "extra ==" in requirement:
            continue
        size += _installed_mb(re.split(r"[ ;<>=!~\[(]", requirement, maxsplit=1)[0], seen)
    return size


def install_mb(tree: Path) -> tuple[float, float]:
    """(runtime dependencies, the package's own files) in MB."""
    project = tomllib.loads((tree / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    seen: set[str] = set()
    deps = sum(_installed_mb(re.split(r"[ ;<>=!~\[(]", d, maxsplit=1)[0], seen) for d in project["dependencies"])
    own = sum(p.stat().st_size for p in (tree / "trials").rglob("*") if p.is_file() and "__pycache__" not in p.parts)
    return deps, own / 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--before", default="e331cac", help="the earlier commit (default e331cac)")
    parser.add_argument("--runs", type=int, default=5, help="runs per figure; the median is shown")
    args = parser.parse_args()
    print_header("Start-up, --near and install size: before and after")
    with tempfile.TemporaryDirectory(prefix="trials-bench-") as folder:
        before = Path(folder) / "before"
        subprocess.run(["git", "-C", str(REPO), "worktree", "add", "--detach", "-q", str(before), args.before],
                       check=True)
        try:
            rows = []
            figures = {}
            for label, tree in ((f"before ({args.before})", before), ("after (this checkout)", REPO)):
                cache = Path(folder) / f"cache-{tree.name}"
                run(tree, ["import", str(REPO / "tests" / "data" / "ctgov" / "ms-2025-09" / "studies.jsonl")],
                    cache)
                help_s, _ = timed(tree, ["--help"], cache, args.runs)
                version_s = timed(tree, ["--version"], cache, args.runs)[0]
                plain_s, plain_mb = timed(tree, ["search", "--offline"], cache, args.runs)
                near_s, near_mb = timed(tree, ["search", "--offline", *PLACE], cache, args.runs)
                deps_mb, own_mb = install_mb(tree)
                figures[label] = (help_s, near_s - plain_s, near_mb - plain_mb, deps_mb)
                rows.append([label, f"{help_s:.2f}", f"{version_s:.2f}",
                             f"{plain_s:.2f} / {plain_mb:.0f}", f"{near_s:.2f} / {near_mb:.0f}",
                             f"+{near_s - plain_s:.2f} / +{near_mb - plain_mb:.0f}",
                             f"{deps_mb:.0f}", f"{own_mb:.1f}"])
            print_table("Fresh processes, median of each figure",
                        ["tree", "--help s", "--version s", "search s / MB", "search --near s / MB",
                         "--near adds s / MB", "deps installed MB", "package MB"], rows)
            (b_help, b_near_s, b_near_mb, b_deps), (a_help, a_near_s, a_near_mb, a_deps) = figures.values()
            print(f"\nAfter / before: --help {a_help / b_help:.2f}x, what --near adds {a_near_s / b_near_s:.2f}x "
                  f"in time and {a_near_mb / b_near_mb:.2f}x in memory, installed dependencies "
                  f"{a_deps / b_deps:.2f}x. Targets: --help and --version under 0.3 s, --near adding at most "
                  "0.3 s and 30 MB.")
        finally:
            subprocess.run(["git", "-C", str(REPO), "worktree", "remove", "--force", str(before)], check=False)


if __name__ == "__main__":
    main()
