"""The background task queue: one huey instance for every domain's ``tasks.py``, configured by ``create_app``.

Tasks wait in a SQLite file in instance/ by default (no extra server for a small town), or in Redis when
``CIVIC_QUEUE_URL=redis://…`` names one (several machines share it). A separate process, ``civic worker``,
runs them; the test configuration runs them at once, in the caller's process (huey's ``immediate`` mode).

Every task runs in an application context with its own database session, and a task that needs to show it
is still alive (a long count) keeps a heartbeat with ``heartbeat``.
"""

from __future__ import annotations

import functools
import logging
import os
import re
import signal
import socket
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, ParamSpec, TypeVar

from flask import Flask, current_app, has_app_context
from huey import Huey
from huey.storage import MemoryStorage, RedisStorage, SqliteStorage

from civic.extensions import db

P = ParamSpec("P")
R = TypeVar("R")

log = logging.getLogger(__name__)

# Results are not kept: tasks write what they produce to the database, where the pages read it.
# Until an app configures it the queue runs tasks at once, in process, like the tests.
huey = Huey("civic", results=False, immediate=True)

_STATE: dict[str, Any] = {"app": None}
_AT_WORKER_START: list[Callable[[], None]] = []


def queue_url(app: Flask) -> str:
    """Return where the queue keeps its tasks: QUEUE_URL, or a SQLite file in the instance folder."""
    return str(app.config.get("QUEUE_URL") or "sqlite:///" + str(Path(app.instance_path) / "queue.sqlite"))


def shown_queue_url(app: Flask) -> str:
    """Return the queue's address without its password, for logs."""
    return re.sub(r"//[^@/]*@", "//…@", queue_url(app))


def init_queue(app: Flask) -> None:
    """Point the queue at the app's storage (or immediate mode) and run its tasks in this app."""
    url = queue_url(app)
    immediate = bool(app.config.get("QUEUE_IMMEDIATE"))
    if url.startswith(("redis://", "rediss://", "unix://")):
        storage_class: type[Any] = RedisStorage
        options: dict[str, Any] = {"url": url}
    elif url.startswith("sqlite:///"):
        path = Path(url[len("sqlite:///") :])
        if not immediate:
            path.parent.mkdir(parents=True, exist_ok=True)
        storage_class, options = SqliteStorage, {"filename": str(path)}
    elif url == "memory://":
        storage_class, options = MemoryStorage, {}
    else:
        raise ValueError(f"CIVIC_QUEUE_URL must be redis://…, sqlite:///path or memory://, not {url!r}")
    huey.storage.close()
    huey.storage_class, huey.storage_kwargs = storage_class, options
    huey.immediate = immediate  # rebuilds the storage when the mode changes, not otherwise
    huey.storage = huey.create_storage()
    _STATE["app"] = app
    app.extensions["civic_queue"] = huey


def _task_app() -> Flask:
    if has_app_context():
        return current_app._get_current_object()  # type: ignore[attr-defined,no-any-return]
    app = _STATE["app"]
    if app is None:
        raise RuntimeError("the task queue is used before create_app() configured it")
    return app  # type: ignore[no-any-return]


def in_app_context(job: Callable[P, R]) -> Callable[P, R]:
    """Wrap ``job`` to run in a fresh application context (its own database session), removed after."""

    @functools.wraps(job)
    def run(*args: P.args, **kwargs: P.kwargs) -> R:
        with _task_app().app_context():
            try:
                return job(*args, **kwargs)
            finally:
                db.session.remove()

    return run


def task(**options: Any) -> Callable[[Callable[P, None]], Any]:
    """Declare a background task: calling it enqueues it; the worker runs it in an application context."""

    def declare(job: Callable[P, None]) -> Any:
        return huey.task(**options)(in_app_context(job))

    return declare


def at_worker_start(job: Callable[[], None]) -> Callable[[], None]:
    """Run ``job`` (in an application context) once when a worker starts, before it takes any task."""
    _AT_WORKER_START.append(job)
    return job


def worker_name() -> str:
    """Name this process as a worker: host and process id."""
    return f"{socket.gethostname()}:{os.getpid()}"


def is_dead_here(worker: str | None) -> bool:
    """Tell whether ``worker`` (see ``worker_name``) was a process of this host that no longer runs.

    Only a worker of this host can be checked; a process id now used by another program counts as alive
    (its lease will expire instead).
    """
    if not worker or ":" not in worker:
        return False
    host, _, pid_text = worker.rpartition(":")
    if host != socket.gethostname() or not pid_text.isdigit():
        return False
    pid = int(pid_text)
    if pid == os.getpid():
        return True  # this process has just started: the worker of that name was an earlier one
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False


@contextmanager
def heartbeat(beat: Callable[[], None], every: float) -> Iterator[None]:
    """Call ``beat`` every ``every`` seconds from a thread, in an application context, while the block runs.

    A process killed mid-task stops beating: whoever reads the task's state can tell it was lost.
    """
    stop = threading.Event()
    app = _task_app()

    def loop() -> None:
        while not stop.wait(every):
            with app.app_context():
                try:
                    beat()
                except Exception:
                    log.exception("heartbeat failed")
                finally:
                    db.session.remove()

    thread = threading.Thread(target=loop, name="civic-heartbeat", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join()


def run_worker(app: Flask, *, workers: int = 1, worker_type: str = "thread") -> None:
    """Run the queue's consumer in this process until it is stopped (SIGINT: after the running tasks)."""
    if huey.immediate:
        raise RuntimeError("the queue runs tasks immediately (QUEUE_IMMEDIATE): there is nothing to consume")
    for job in _AT_WORKER_START:
        with app.app_context():
            try:
                job()
            finally:
                db.session.remove()
    with app.app_context():
        db.engine.dispose()  # forked workers must not share the connections opened above
    consumer = huey.create_consumer(workers=workers, worker_type=worker_type)
    if signal.getsignal(signal.SIGINT) is signal.SIG_IGN:
        # Started in the background of a shell (make run): the terminal's Ctrl+C is for the foreground
        # server; whoever started this worker stops it with SIGTERM. (huey would catch SIGINT again.)
        consumer._signal_actions.pop(signal.SIGINT, None)
    consumer.run()
