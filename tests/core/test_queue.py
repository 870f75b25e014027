"""The one task queue: SQLite in instance/ by default, Redis when configured, immediate in tests."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from huey.storage import MemoryStorage, RedisStorage, SqliteStorage

from civic import create_app
from civic.core import queue
from tests.conftest import settings_for


@pytest.fixture
def make_app(database_url, tmp_path, monkeypatch):
    """Build apps with the test settings changed; the queue goes back to immediate mode after."""
    monkeypatch.setenv("CIVIC_INSTANCE_PATH", str(tmp_path / "instance"))

    def make(**changes):
        return create_app({**settings_for(database_url), **changes})

    yield make
    create_app(settings_for(database_url))


def test_tests_run_tasks_at_once_in_memory(make_app):
    make_app()
    assert queue.huey.immediate and isinstance(queue.huey.storage, MemoryStorage)


def test_tasks_wait_in_a_sqlite_file_in_the_instance_folder_by_default(make_app, tmp_path):
    app = make_app(QUEUE_IMMEDIATE=False)
    assert not queue.huey.immediate and isinstance(queue.huey.storage, SqliteStorage)
    assert Path(queue.huey.storage.filename) == tmp_path / "instance" / "queue.sqlite"
    assert (tmp_path / "instance" / "queue.sqlite").exists()
    assert queue.shown_queue_url(app) == f"sqlite:///{tmp_path / 'instance' / 'queue.sqlite'}"


def test_a_redis_url_puts_the_tasks_in_redis_without_showing_its_password(make_app):
    app = make_app(QUEUE_IMMEDIATE=False, QUEUE_URL="redis://:s3cret@queue-host:6380/2")
    storage = queue.huey.storage
    assert isinstance(storage, RedisStorage)
    assert (
        storage.pool.connection_kwargs["host"] == "queue-host" and storage.pool.connection_kwargs["db"] == 2
    )
    assert queue.shown_queue_url(app) == "redis://…@queue-host:6380/2"


def test_an_unknown_queue_url_is_refused_at_start(make_app):
    with pytest.raises(ValueError, match="CIVIC_QUEUE_URL"):
        make_app(QUEUE_IMMEDIATE=False, QUEUE_URL="amqp://broker")


def test_the_queue_url_comes_from_the_environment():
    env = dict(os.environ, CIVIC_QUEUE_URL="redis://queue-host:6379/1")
    code = "from civic.config import Config; print(Config.QUEUE_URL)"
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "redis://queue-host:6379/1"


def test_a_worker_of_this_host_is_dead_once_its_process_has_ended():
    ended = subprocess.Popen([sys.executable, "-c", "pass"])
    ended.wait()
    host = socket.gethostname()
    assert queue.is_dead_here(f"{host}:{ended.pid}")
    assert queue.is_dead_here(f"{host}:{os.getpid()}")  # a name this new process carries was an earlier one's
    assert not queue.is_dead_here(f"{host}:{os.getppid()}")  # alive
    assert not queue.is_dead_here(f"another-host:{ended.pid}")  # cannot tell: its lease decides
    assert not queue.is_dead_here(None)


def test_the_worker_command_refuses_a_queue_in_immediate_mode(app):
    result = app.test_cli_runner().invoke(args=["civic", "worker"])
    assert result.exit_code == 2 and "QUEUE_IMMEDIATE" in result.output
