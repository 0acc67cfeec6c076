"""One exception family. Every message is written for the person reading it.

Catch ``TrialsError`` at the edges (CLI, page); its ``str()`` is what to show.
"""

from __future__ import annotations


class TrialsError(Exception):
    """Base class: something the user can read and act on."""


class ApiError(TrialsError):
    """A registry's API could not be used (down, slow, rate-limited, junk); the message names it."""


class ApiUnavailable(ApiError):
    """No usable answer after the allowed tries (network, timeout, 429, 5xx)."""


class ApiRejected(ApiError):
    """The API refused the request (400/404): retrying will not help."""


class ApiForbidden(ApiError):
    """HTTP 403: a registry refuses this client or network, whatever it asks."""


class ApiBadResponse(ApiError):
    """The API answered 200 with something that is not the JSON we asked for."""


class StoreError(TrialsError):
    """The local store could not be read or written."""


class UpdateRunning(TrialsError):
    """Another process or thread is updating the store right now."""


class InputError(TrialsError):
    """The user's input (an option, an NCT id, a file) cannot be used."""
