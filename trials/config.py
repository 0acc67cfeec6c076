"""Settings read from the environment, in one place."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import platformdirs

from .catalog import BY_CODE, CATALOG, WITH_API
from .errors import InputError

DEFAULT_REGISTRY = "ctgov"  # ClinicalTrials.gov: TRIALS_API_URL is its address
DEFAULT_API_URL = BY_CODE[DEFAULT_REGISTRY].api_url
# The registries a refresh asks, by code (trials.catalog): every one with an API.
ALL_REGISTRIES = WITH_API
APP_NAME = "ms-stemcell-trials"
# robots.txt asks for Crawl-delay: 1; the API documents no rate limit.
DEFAULT_REQUEST_INTERVAL = 1.0
# Says who is asking, with a link, as ClinicalTrials.gov's terms ask of automated clients.
DEFAULT_USER_AGENT = "ms-stemcell-trials/0.2 (finder for multiple sclerosis stem-cell trials)"


def default_cache_dir() -> Path:
    """Where the store lives unless TRIALS_CACHE_DIR says otherwise: a checkout's own
    (git-ignored) ``cache/``; for an installed package the user's data folder, never the
    folder the command happens to run in."""
    checkout = Path(__file__).resolve().parents[1]
    if (checkout / "pyproject.toml").is_file() and (checkout / "app.py").is_file():
        return checkout / "cache"
    return Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))


@dataclass(frozen=True)
class Settings:
    api_url: str = DEFAULT_API_URL
    cache_dir: Path = field(default_factory=default_cache_dir)
    request_interval: float = DEFAULT_REQUEST_INTERVAL
    user_agent: str = DEFAULT_USER_AGENT
    # Whether a download uploaded on the page goes into the shared store for every visitor.
    # Off by default: an upload is then the uploader's own view, and the shared data changes
    # only through the registry or the operator's `trials import`.
    shared_imports: bool = False
    # The other registries' API addresses, (code, address), where not their default (trials.catalog).
    urls: tuple[tuple[str, str], ...] = ()
    # Which registries a refresh asks. From the environment (TRIALS_REGISTRIES) all of them
    # unless told otherwise, for a deployment that can reach only some or an offline demo of one;
    # settings built in code name one API address (api_url), so they ask that registry only.
    registries: tuple[str, ...] = (DEFAULT_REGISTRY,)

    def url(self, registry: str) -> str:
        """The API address a refresh of ``registry`` (its code) asks."""
        if registry == DEFAULT_REGISTRY:
            return self.api_url
        return dict(self.urls).get(registry) or BY_CODE[registry].api_url

    @property
    def store_path(self) -> Path:
        return self.cache_dir / "trials.sqlite3"

    @classmethod
    def from_env(cls) -> Settings:
        folder = os.environ.get("TRIALS_CACHE_DIR", "").strip()
        return cls(
            api_url=_api_url(os.environ.get("TRIALS_API_URL")),
            urls=tuple((r.code, _api_url(os.environ.get(r.api_env), r.api_env, r.api_url)) for r in CATALOG
                       if r.api_env and r.code != DEFAULT_REGISTRY),
            registries=_registries(os.environ.get("TRIALS_REGISTRIES")),
            cache_dir=Path(folder) if folder else default_cache_dir(),
            request_interval=_interval(os.environ.get("TRIALS_REQUEST_INTERVAL")),
            user_agent=_user_agent(os.environ.get("TRIALS_USER_AGENT")),
            shared_imports=_switch("TRIALS_SHARED_IMPORTS", os.environ.get("TRIALS_SHARED_IMPORTS")),
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


def _user_agent(text: str | None) -> str:
    """TRIALS_USER_AGENT: one line of printable ASCII (an HTTP header value); unset: ours. A line
    break was sent on and every request failed, retried, as a network error."""
    value = (text or "").strip()
    if value and not all(" " <= c <= "~" for c in value):
        raise InputError("TRIALS_USER_AGENT must be one line of printable ASCII text (letters, digits, "
                         f"spaces and punctuation), not {value[:40]!r}.")
    return value or DEFAULT_USER_AGENT


def _api_url(text: str | None, name: str = "TRIALS_API_URL", default: str = DEFAULT_API_URL) -> str:
    """A registry's address setting: an http(s) address with a host (unset: the registry's own)."""
    if text is None or not text.strip():
        return default
    url = text.strip().rstrip("/")
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise InputError(f"{name} must be an http:// or https:// address such as {default}, "
                         f"not {without_credentials(url)[:60]!r}.")
    return url


def _registries(text: str | None) -> tuple[str, ...]:
    """TRIALS_REGISTRIES: registry codes separated by commas (unset: all of them)."""
    if text is None or not text.strip():
        return ALL_REGISTRIES
    codes = tuple(dict.fromkeys(c.strip().lower() for c in text.split(",") if c.strip()))
    unknown = [c for c in codes if c not in ALL_REGISTRIES]
    if unknown or not codes:
        raise InputError(f"TRIALS_REGISTRIES must list registries from {', '.join(ALL_REGISTRIES)} "
                         f"separated by commas, not {text.strip()[:60]!r}.")
    return codes


_ON, _OFF = ("1", "true", "yes", "on"), ("", "0", "false", "no", "off")


def _switch(name: str, text: str | None) -> bool:
    """An on/off setting: 1, true, yes or on; 0, false, no, off or unset."""
    value = (text or "").strip().lower()
    if value not in _ON + _OFF:
        raise InputError(f"{name} must be 1 (on) or 0 (off), not {value[:40]!r}.")
    return value in _ON
