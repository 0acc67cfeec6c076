"""Settings read from the environment, in one place."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

from .errors import InputError

DEFAULT_API_URL = "https://clinicaltrials.gov/api/v2"
DEFAULT_CACHE_DIR = "cache"
# robots.txt asks for Crawl-delay: 1; the API documents no rate limit.
DEFAULT_REQUEST_INTERVAL = 1.0
# Says who is asking, with a link, as ClinicalTrials.gov's terms ask of automated clients.
DEFAULT_USER_AGENT = "ms-stemcell-trials/0.1 (finder for multiple sclerosis stem-cell trials)"


@dataclass(frozen=True)
class Settings:
    api_url: str = DEFAULT_API_URL
    cache_dir: Path = Path(DEFAULT_CACHE_DIR)
    request_interval: float = DEFAULT_REQUEST_INTERVAL
    user_agent: str = DEFAULT_USER_AGENT
    # Whether a download uploaded on the page goes into the shared store for every visitor.
    # Off by default: an upload is then the uploader's own view, and the shared data changes
    # only through the registry or the operator's `trials import`.
    shared_imports: bool = False

    @property
    def store_path(self) -> Path:
        return self.cache_dir / "trials.sqlite3"

    @classmethod
    def from_env(cls) -> Settings:
        return cls(
            api_url=os.environ.get("TRIALS_API_URL", DEFAULT_API_URL).rstrip("/"),
            cache_dir=Path(os.environ.get("TRIALS_CACHE_DIR", DEFAULT_CACHE_DIR)),
            request_interval=_interval(os.environ.get("TRIALS_REQUEST_INTERVAL")),
            user_agent=os.environ.get("TRIALS_USER_AGENT", "").strip() or DEFAULT_USER_AGENT,
            shared_imports=os.environ.get("TRIALS_SHARED_IMPORTS", "").strip().lower() in ("1", "true", "yes"),
        )


_CREDENTIALS = re.compile(r"(?<=://)[^/@\s]+@")


def without_credentials(text: str) -> str:
    """``text`` with the user and password removed from every URL in it: a TRIALS_API_URL
    may carry them, and the data's source line and error messages are shown to visitors."""
    return _CREDENTIALS.sub("", text)


MAX_REQUEST_INTERVAL = 60.0


def _interval(text: str | None) -> float:
    """TRIALS_REQUEST_INTERVAL as seconds: a number from 0 to 60 (unset: the default)."""
    if text is None or not text.strip():
        return DEFAULT_REQUEST_INTERVAL
    try:
        seconds = float(text)
    except ValueError:
        seconds = float("nan")
    if not 0 <= seconds <= MAX_REQUEST_INTERVAL:  # also NaN
        raise InputError(f"TRIALS_REQUEST_INTERVAL must be a number of seconds from 0 to "
                         f"{MAX_REQUEST_INTERVAL:g}, not {text.strip()[:40]!r}.")
    return seconds
