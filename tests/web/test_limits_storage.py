"""Rate limits in memory (one server process): counted and expired without a thread per request."""

from __future__ import annotations

import threading
import time

import pytest
from flask import Flask
from flask.testing import FlaskClient
from limits import parse
from limits.storage import storage_from_string
from limits.strategies import FixedWindowRateLimiter

from civic.extensions import limiter
from civic.web.limits import SweptMemoryStorage, storage_uri
from tests.conftest import csrf_token


@pytest.fixture
def thread_starts(monkeypatch: pytest.MonkeyPatch) -> list[threading.Thread]:
    """Every thread started during the test (limits' own memory storage starts a timer per 10 ms of use)."""
    started: list[threading.Thread] = []
    start = threading.Thread.start

    def counted(thread: threading.Thread) -> None:
        started.append(thread)
        start(thread)

    monkeypatch.setattr(threading.Thread, "start", counted)
    return started


def test_memory_in_the_configuration_opens_the_swept_storage(app: Flask) -> None:
    assert app.config["RATELIMIT_STORAGE_URI"] == "civic-memory://"
    assert isinstance(limiter.storage, SweptMemoryStorage)
    assert storage_uri("redis://127.0.0.1:6379/0") == "redis://127.0.0.1:6379/0"


@pytest.mark.parametrize("uri", ["memory://", "civic-memory://"])
def test_counting_starts_no_thread_and_still_refuses_past_the_limit(
    uri: str, thread_starts: list[threading.Thread]
) -> None:
    storage = storage_from_string(storage_uri(uri))
    assert isinstance(storage, SweptMemoryStorage)
    window = FixedWindowRateLimiter(storage)
    three = parse("3 per minute")
    del thread_starts[:]  # the storage's own start (limits starts one timer when it is made)
    answers = []
    for _ in range(5):
        answers.append(window.hit(three, "user", "1"))
        time.sleep(0.015)  # past the 10 ms after which limits' own storage starts a new timer thread
    assert answers == [True, True, True, False, False]
    assert window.hit(three, "user", "2")  # another account has its own count
    assert thread_starts == []


def test_expired_counters_are_swept_by_a_later_request() -> None:
    storage = storage_from_string("civic-memory://")
    assert isinstance(storage, SweptMemoryStorage)
    storage.incr("gone", expiry=0.01)
    time.sleep(0.02)
    storage.incr("other", expiry=60)
    assert "gone" in storage.storage  # not swept yet: at most one sweep every SWEEP_SECONDS
    storage._next_sweep = time.monotonic() - 1
    storage.incr("other", expiry=60)
    assert "gone" not in storage.storage and "gone" not in storage.expirations
    assert storage.get("other") == 2


def test_a_limited_route_still_refuses_repeated_bad_logins(
    client: FlaskClient, thread_starts: list[threading.Thread]
) -> None:
    statuses = []
    for _ in range(12):
        token = csrf_token(client, "/login")
        answer = client.post("/login", data={"csrf_token": token, "email": "x@example.org", "password": "no"})
        statuses.append(answer.status_code)
    assert 429 in statuses
    assert thread_starts == []
