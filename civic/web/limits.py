"""Rate-limit helpers shared by the blueprints: limits read from the configuration, counted per account."""

from __future__ import annotations

import time
from collections.abc import Callable

from flask import current_app
from flask.wrappers import Response
from flask_limiter.util import get_remote_address
from flask_login import current_user
from limits.storage import MemoryStorage


def configured(config_key: str) -> Callable[[], str]:
    """Return a callable reading a limit such as "10 per hour" from the configuration at request time."""
    return lambda: str(current_app.config[config_key])


def account_key() -> str:
    """Count per account (several residents may share a town hall's address), per address when anonymous."""
    return f"user:{current_user.id}" if current_user.is_authenticated else f"ip:{get_remote_address()}"


def failed(response: Response) -> bool:
    """Tell whether a form post failed (anything but the 303 of a success): only failures are counted."""
    return response.status_code != 303


def succeeded(response: Response) -> bool:
    """Tell whether a form post succeeded (a 303): only what was really written is counted."""
    return response.status_code == 303


class SweptMemoryStorage(MemoryStorage):
    """limits' in-memory storage, its expired counters swept by the requests themselves, not by a new thread.

    ``memory://`` (limits' MemoryStorage) starts a ``threading.Timer`` of 10 ms whenever a counter moves and
    no timer is alive: under load, nearly every request started a thread and waited (``Thread.start``) until
    the system scheduled it — measured on ballot casts through the test client, 270 threads for 300 requests
    and 18 % of the time spent waiting for them. Here the same sweep runs on the request's own thread, at most
    once every ``SWEEP_SECONDS``; a counter read in between is still expired on the spot by ``get``, as before.
    ``memory://`` in the configuration uses this class (``storage_uri``).
    """

    STORAGE_SCHEME = ["civic-memory"]
    SWEEP_SECONDS = 5.0

    def __init__(self, uri: str | None = None, wrap_exceptions: bool = False, **options: str) -> None:
        super().__init__(uri, wrap_exceptions=wrap_exceptions, **options)
        self.timer.cancel()  # the one timer the base class starts: the sweeps below replace it
        self._next_sweep = time.monotonic() + self.SWEEP_SECONDS

    # limits.storage.memory.MemoryStorage calls this (a name-mangled private method: limits is pinned in
    # pyproject.toml, and tests/web/test_limits_storage.py fails if the hook stops being called).
    def _MemoryStorage__schedule_expiry(self) -> None:
        now = time.monotonic()
        if now >= self._next_sweep:
            self._next_sweep = now + self.SWEEP_SECONDS
            self._MemoryStorage__expire_events()  # type: ignore[attr-defined]


def storage_uri(configured_uri: str) -> str:
    """Return the storage limits should open for the configured one: memory:// becomes the swept storage."""
    if configured_uri.startswith("memory://"):
        return "civic-memory://" + configured_uri.removeprefix("memory://")
    return configured_uri
