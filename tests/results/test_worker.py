"""Counts run by a real worker process (huey's consumer on its SQLite storage) and survive its end.

The worker is ``python -m tests.results.worker`` on the test database; the pages the test reads are those
staff poll, so what they show (progress, states) crossed from the worker process through the database.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from huey.storage import RedisStorage
from sqlalchemy import select

from civic.accounts.roles import Role
from civic.core import queue
from civic.core.audit import AuditEntry
from civic.extensions import db
from civic.results.models import RunState, TallyRun
from civic.results.services import start_run
from civic.tally.api import count_file
from civic.tally.pabulib import read
from civic.voting.pabulib_io import import_pabulib
from tests.accounts.test_shared_limits import redis_url  # noqa: F401 - a redis-server on loopback
from tests.conftest import csrf_token
from tests.factories import create_user
from tests.tally.shared import TEST_DATA

ROOT = Path(__file__).resolve().parents[2]
WIELICZKA = "Poland_Wieliczka_2023_Green_Budget.pb"
HX = {"HX-Request": "true"}


@pytest.fixture
def queue_file(app, tmp_path) -> Iterator[str]:
    """Make the app under test put its tasks in a SQLite queue file (as production does), not run them."""
    url = f"sqlite:///{tmp_path / 'queue.sqlite'}"
    app.config.update(QUEUE_IMMEDIATE=False, QUEUE_URL=url)
    queue.init_queue(app)
    try:
        yield url
    finally:
        app.config.update(QUEUE_IMMEDIATE=True, QUEUE_URL=None)
        queue.init_queue(app)


@pytest.fixture
def redis_queue(app, queue_file, redis_url) -> str:  # noqa: F811
    """Make the app under test put its tasks in Redis (queue_file puts the queue back after the test)."""
    url = f"{redis_url}/3"
    app.config.update(QUEUE_URL=url)
    queue.init_queue(app)
    return url


@pytest.fixture
def start_worker(database_url, queue_file, tmp_path) -> Iterator[Callable[[str], subprocess.Popen]]:
    """Start worker processes (see tests/results/worker.py for the modes); stop those still running after."""
    started: list[subprocess.Popen] = []
    env = dict(
        os.environ,
        DATABASE_URL=database_url,
        CIVIC_QUEUE_URL=queue_file,
        CIVIC_INSTANCE_PATH=str(tmp_path / "worker-instance"),
        CIVIC_ENV="development",
        CIVIC_BASE_URL="http://localhost",
    )

    def start(
        mode: str = "real", queue_url: str | None = None, *, sigint_ignored: bool = False
    ) -> subprocess.Popen:
        log = open(tmp_path / f"worker-{len(started)}.log", "wb")  # noqa: SIM115 - closed with the process
        # "cli" is the command production runs; the other modes patch the count first (tests/results/worker.py).
        command = (
            ["flask", "--app", "civic", "civic", "worker"]
            if mode == "cli"
            else ["tests.results.worker", mode]
        )
        process = subprocess.Popen(
            [sys.executable, "-m", *command],
            cwd=ROOT,
            env={**env, "CIVIC_QUEUE_URL": queue_url or queue_file},
            stdout=log,
            stderr=log,
            # As a shell starts a command in the background (make run): Ctrl+C does not reach it.
            preexec_fn=(lambda: signal.signal(signal.SIGINT, signal.SIG_IGN)) if sigint_ignored else None,
        )
        process.log = log  # type: ignore[attr-defined]
        started.append(process)
        return process

    yield start
    for process in started:
        if process.poll() is None:
            process.kill()
        process.wait()
        process.log.close()  # type: ignore[attr-defined]


def _until(check: Callable[[], object], what: str, timeout: float = 90.0) -> object:
    """Wait for the worker: poll ``check`` (on fresh database reads) until it gives something true."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        db.session.expire_all()
        value = check()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"the worker never got there: {what}")


def _run(run_id: int) -> TallyRun:
    return db.session.get(TallyRun, run_id)


def _post_count(client, pool, rule: str) -> int:
    token = csrf_token(client, f"/staff/editions/{pool.edition.slug}/counts")
    response = client.post(f"/staff/pools/{pool.id}/runs", data={"csrf_token": token, "rule": rule})
    assert response.status_code == 303
    return int(response.headers["Location"].rsplit("/", 1)[1])


def _english_analyst(login_as):
    analyst = login_as(Role.ANALYST)
    analyst.locale = "en"
    db.session.commit()
    return analyst


@pytest.fixture
def wieliczka(app):
    pool = import_pabulib(read(TEST_DATA / WIELICZKA), source_name=WIELICZKA)
    db.session.commit()
    return pool


def test_a_worker_process_counts_what_the_web_queued(client, login_as, wieliczka, start_worker):
    _english_analyst(login_as)
    # Queued while no worker runs: the page says what it waits for, and the queue file keeps the task.
    run_id = _post_count(client, wieliczka, "mes")
    page = client.get(f"/staff/runs/{run_id}", headers=HX).get_data(as_text=True)
    assert "waits for the counting service" in page and _run(run_id).state is RunState.QUEUED
    # A run recorded but never put in the queue (its store was down) is queued again by a starting worker.
    orphan = start_run(actor=create_user(roles=(Role.ANALYST,)), pool=wieliczka, rule="greedy").id
    db.session.commit()
    worker = start_worker("cli")  # `civic worker`, as make run and the systemd unit start it
    _until(lambda: _run(run_id).is_finished and _run(orphan).is_finished, "both counts done")
    assert _run(run_id).live.worker.endswith(f":{worker.pid}")
    expected = count_file(TEST_DATA / WIELICZKA, "mes")
    assert _run(run_id).state is RunState.DONE and _run(run_id).outcome["selected"] == list(expected.selected)
    assert _run(orphan).state is RunState.DONE
    done = client.get(f"/staff/runs/{run_id}", headers=HX).get_data(as_text=True)
    assert "Selected projects" in done and "every 1s" not in done


def test_killed_mid_count_then_started_again_leaves_no_count_stuck(client, login_as, wieliczka, start_worker):
    _english_analyst(login_as)
    worker = start_worker("endless")
    run_id = _post_count(client, wieliczka, "mes")

    # The worker process reports progress; the page staff poll shows it (read from the database).
    def progress_shown() -> bool:
        page = client.get(f"/staff/runs/{run_id}", headers=HX).get_data(as_text=True)
        return "steps so far" in page

    _until(progress_shown, "progress on the run page")
    assert _run(run_id).state is RunState.RUNNING and _run(run_id).live.worker.endswith(f":{worker.pid}")

    worker.send_signal(signal.SIGKILL)  # no chance to say anything
    worker.wait()
    start_worker("real")
    # The new worker sees the old one's process is gone: the count is interrupted, not "counting" for ever.
    _until(lambda: _run(run_id).state is RunState.INTERRUPTED, "the killed count marked interrupted")
    run = _run(run_id)
    assert run.outcome is None and run.finished_at is not None and run.progress["steps"] > 0
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "tally.interrupted"))
    assert entry.after["run"] == run_id and entry.actor_id is None

    page = client.get(f"/staff/runs/{run_id}", headers=HX).get_data(as_text=True)
    assert "interrupted" in page and f'action="/staff/runs/{run_id}/rerun"' in page and "every 1s" not in page
    token = csrf_token(client, f"/staff/runs/{run_id}")
    again = client.post(f"/staff/runs/{run_id}/rerun", data={"csrf_token": token})
    new_id = int(again.headers["Location"].rsplit("/", 1)[1])
    _until(lambda: _run(new_id).is_finished, "the count started again done")
    assert _run(new_id).state is RunState.DONE
    assert _run(new_id).outcome["selected"] == list(count_file(TEST_DATA / WIELICZKA, "mes").selected)
    stuck = db.session.scalars(
        select(TallyRun).where(TallyRun.state.in_([RunState.QUEUED, RunState.RUNNING]))
    )
    assert list(stuck) == []


def test_a_worker_stopped_by_sigterm_marks_its_count_interrupted_at_once(
    client, login_as, wieliczka, start_worker
):
    login_as(Role.ANALYST)
    worker = start_worker("endless")
    run_id = _post_count(client, wieliczka, "mes")
    _until(lambda: _run(run_id).progress, "the count running")
    worker.send_signal(signal.SIGTERM)
    assert worker.wait(timeout=60) == 0
    db.session.expire_all()
    assert _run(run_id).state is RunState.INTERRUPTED  # no restart needed to know


@pytest.mark.parametrize(("locale", "message"), [("en", "unexpected error"), ("fr", "erreur imprévue")])
def test_an_unexpected_error_in_the_worker_fails_the_count_in_the_readers_language(
    client, login_as, wieliczka, start_worker, locale, message
):
    analyst = login_as(Role.ANALYST)
    analyst.locale = locale
    db.session.commit()
    start_worker("boom")
    run_id = _post_count(client, wieliczka, "mes")
    _until(lambda: _run(run_id).is_finished, "the count failed")
    run = _run(run_id)
    assert run.state is RunState.FAILED and run.error_code == "internal_error"
    assert run.error == "RuntimeError: the engine broke"  # for the technical team; staff read a sentence
    page = client.get(f"/staff/runs/{run_id}", headers=HX).get_data(as_text=True)
    assert message in page and "the engine broke" not in page


def test_with_redis_configured_a_worker_takes_the_counts_from_redis(
    client, login_as, wieliczka, redis_queue, start_worker
):
    login_as(Role.ANALYST)
    assert isinstance(queue.huey.storage, RedisStorage)
    run_id = _post_count(client, wieliczka, "greedy")
    assert queue.huey.pending_count() == 1  # waiting in Redis, not in the SQLite file
    start_worker("real", queue_url=redis_queue)
    _until(lambda: _run(run_id).is_finished, "the count done")
    assert _run(run_id).state is RunState.DONE
    assert _run(run_id).outcome["selected"] == list(count_file(TEST_DATA / WIELICZKA, "greedy").selected)


def test_a_worker_started_in_the_background_keeps_counting_through_ctrl_c(
    client, login_as, wieliczka, start_worker
):
    login_as(Role.ANALYST)
    worker = start_worker("cli", sigint_ignored=True)
    first = _post_count(client, wieliczka, "greedy")
    _until(lambda: _run(first).is_finished, "the first count done")  # the worker is up, its handlers set
    worker.send_signal(signal.SIGINT)  # the terminal's Ctrl+C, meant for the server in the foreground
    second = _post_count(client, wieliczka, "greedy")
    _until(lambda: _run(second).is_finished, "the count after Ctrl+C done")
    assert worker.poll() is None
    worker.send_signal(signal.SIGTERM)  # how make run stops it
    assert worker.wait(timeout=60) == 0
