"""Peak memory and time of `trials import` on a large download, next to reading it whole.

Builds a website-style download (a JSON array) of the requested size from the 128 real,
unmodified records in ``tests/data/ctgov/full-records/studies.json`` (copies under new
``NCT9…`` ids), then imports it into an empty store in a fresh process and reports how far
that process's peak resident memory rose above what it held after importing the package.
For comparison, a second fresh process reads the same file whole with ``json.load`` (what
the import did before it streamed).

    python bench/import_memory.py            # 200 MB
    python bench/import_memory.py --mb 50
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

from common import REPO, shared_dir

CHILD = """
import json, resource, sys, time
from pathlib import Path
from trials.registries.ctgov.download import import_download
from trials.store.sqlite import Store
def rss_kb():  # the resident memory now (ru_maxrss is the peak so far)
    status = Path("/proc/self/status").read_text()
    return int(next(l for l in status.splitlines() if l.startswith("VmRSS:")).split()[1])
base = rss_kb()
start = time.perf_counter()
if sys.argv[1] == "import":
    result = import_download(Store(Path(sys.argv[3]) / "trials.sqlite3"), Path(sys.argv[2]))
    count = result.imported
else:
    with open(sys.argv[2], encoding="utf-8") as fh:
        count = len(json.load(fh))
seconds = time.perf_counter() - start
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps({"base_mb": base / 1024, "rise_mb": (peak - base) / 1024, "seconds": seconds,
                  "studies": count}))
"""


def write_download(path: Path, megabytes: int) -> int:
    """A JSON array of copies of the real records, about ``megabytes`` MB; returns its study count."""
    with open(shared_dir() / "ctgov" / "full-records" / "studies.json", encoding="utf-8") as fh:
        records = json.load(fh)
    target, written, count = megabytes * 1024 * 1024, 0, 0
    with open(path, "w", encoding="utf-8") as out:
        out.write("[")
        while written < target:
            record = records[count % len(records)]
            record["protocolSection"]["identificationModule"]["nctId"] = f"NCT9{count:07d}"
            text = ("," if count else "") + json.dumps(record, ensure_ascii=False)
            out.write(text)
            written += len(text.encode("utf-8"))
            count += 1
        out.write("]")
    return count


def measure(mode: str, path: Path, folder: Path) -> dict:
    env_path = str(REPO)
    done = subprocess.run([sys.executable, "-c", CHILD, mode, str(path), str(folder)],
                          capture_output=True, text=True, check=True,
                          env={"PYTHONPATH": env_path, "PATH": "/usr/bin:/bin"})
    return json.loads(done.stdout)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mb", type=int, default=200, help="size of the download (default 200)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "ctg-studies.json"
        studies = write_download(path, args.mb)
        size = path.stat().st_size / 1024 / 1024
        print(f"Download: {size:.0f} MB, {studies} studies (copies of 128 real records)")
        print(f"{'how':<28}{'memory before':>15}{'peak rise':>12}{'time':>9}")
        for mode, label in (("import", "trials import (streamed)"), ("whole", "json.load of the file")):
            got = measure(mode, path, Path(folder))
            print(f"{label:<28}{got['base_mb']:>12.0f} MB{got['rise_mb']:>9.0f} MB"
                  f"{got['seconds']:>8.1f}s")


if __name__ == "__main__":
    main()
