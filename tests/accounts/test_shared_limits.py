"""Rate limits hold across server processes when they share a Redis storage; a warning for memory://."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from civic.config import ratelimit_storage_warning

ROOT = Path(__file__).resolve().parents[2]
REDIS = shutil.which("redis-server")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def redis_url(tmp_path_factory):
    if REDIS is None:
        if os.environ.get("CIVIC_REQUIRE_BROWSER") == "1":
            pytest.fail(
                "redis-server is missing but CI (CIVIC_REQUIRE_BROWSER=1) requires the shared-limit test"
            )
        pytest.skip(
            "redis-server not installed: shared rate-limit storage NOT tested (apt-get install redis-server)"
        )
    port = _free_port()
    folder = tmp_path_factory.mktemp("redis")
    server = subprocess.Popen(
        [
            REDIS,
            "--port",
            str(port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
            "--dir",
            str(folder),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 10
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                if time.monotonic() > deadline or server.poll() is not None:
                    pytest.fail("redis-server did not start")
                time.sleep(0.05)
        yield f"redis://127.0.0.1:{port}"
    finally:
        server.terminate()
        server.wait(timeout=10)


def _process(database_url: str, storage: str, email: str, attempts: int) -> list[int]:
    """Run one app instance in its own Python process and return its login statuses."""
    env = {**os.environ, "CIVIC_INSTANCE_PATH": str(Path(database_url.removeprefix("sqlite:///")).parent)}
    output = subprocess.run(
        [sys.executable, "-m", "tests.accounts.limits_worker", database_url, storage, email, str(attempts)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    ).stdout
    return json.loads(output.strip().splitlines()[-1])


def test_two_processes_share_the_failed_login_limit_through_redis(redis_url, tmp_path):
    database = f"sqlite:///{tmp_path}/limits.sqlite"
    assert _process(database, redis_url, "shared@example.org", 3) == [422, 422, 422]
    # The second instance knows about the first one's failures: the 6th failure overall is refused.
    assert _process(database, redis_url, "shared@example.org", 3) == [422, 422, 429]


def test_memory_storage_is_per_process(tmp_path):
    """Why the warning exists: two processes on memory:// each allow the full budget."""
    database = f"sqlite:///{tmp_path}/limits.sqlite"
    assert _process(database, "memory://", "alone@example.org", 3) == [422, 422, 422]
    assert _process(database, "memory://", "alone@example.org", 3) == [422, 422, 422]


def test_several_workers_on_memory_storage_are_warned_about():
    assert "CIVIC_RATELIMIT_STORAGE_URI=redis://" in ratelimit_storage_warning("memory://", 2)
    assert ratelimit_storage_warning("memory://", 1) is None
    assert ratelimit_storage_warning("redis://127.0.0.1:6379", 4) is None


def test_gunicorn_start_up_hook_warns(monkeypatch):
    import importlib.util

    spec = importlib.util.spec_from_file_location("gunicorn_conf", ROOT / "gunicorn.conf.py")
    conf = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(conf)
    warnings: list[str] = []

    class Server:
        class cfg:
            workers = 2

        class log:
            warning = staticmethod(warnings.append)

    monkeypatch.delenv("CIVIC_RATELIMIT_STORAGE_URI", raising=False)
    conf.on_starting(Server)
    assert len(warnings) == 1 and "memory://" in warnings[0]
    monkeypatch.setenv("CIVIC_RATELIMIT_STORAGE_URI", "redis://127.0.0.1:6379")
    conf.on_starting(Server)
    assert len(warnings) == 1


def test_create_app_warns_when_web_concurrency_shares_memory_storage(app, database_url, monkeypatch, caplog):
    from civic import create_app
    from tests.conftest import settings_for

    monkeypatch.setenv("WEB_CONCURRENCY", "3")
    with caplog.at_level("WARNING"):
        create_app(settings_for(database_url))
    assert any("3 worker processes" in r.getMessage() for r in caplog.records)
