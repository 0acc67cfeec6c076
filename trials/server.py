"""``trials serve``: the page, served by Streamlit with the package's own settings.

Streamlit reads ``.streamlit/config.toml`` from the folder it is started in, so an
installed package would look and behave differently from each folder. Instead, every
setting in ``trials/page/config.toml`` (the one the repository's ``.streamlit/config.toml``
links to) is passed on the command line.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tomllib
from pathlib import Path

PAGE = Path(__file__).resolve().parent / "page"
SCRIPT = PAGE / "streamlit_app.py"
CONFIG = PAGE / "config.toml"


def options(config: Path = CONFIG) -> list[str]:
    """Every setting of a Streamlit config file as command-line flags (``--theme.baseFontSize 18``)."""
    flags = []
    for section, values in tomllib.loads(config.read_text(encoding="utf-8")).items():
        for key, value in values.items():
            text = str(value).lower() if isinstance(value, bool) else str(value)
            flags += [f"--{section}.{key}", text]
    return flags


def command(host: str, port: int) -> list[str]:
    return [sys.executable, "-m", "streamlit", "run", str(SCRIPT), *options(),
            "--server.address", host, "--server.port", str(port)]


def serve(host: str = "127.0.0.1", port: int = 8501) -> int:
    """Serve the page until stopped; returns Streamlit's exit status."""
    args = command(host, port)
    if os.name == "posix":
        os.execv(args[0], args)  # Streamlit becomes this process: signals and exit status are its own
    return subprocess.call(args)
