"""The count task: immediate in tests (the request counts before it answers), and never left running."""

from __future__ import annotations

import time

from flask import current_app
from sqlalchemy import select, update

from civic.accounts.roles import Role
from civic.extensions import db
from civic.results import services, tasks
from civic.results.models import RunProgress, RunState, TallyRun
from civic.results.services import start_run
from tests.conftest import csrf_token
from tests.factories import create_user, create_vote_pool


def _post_count(client, pool, rule: str = "greedy") -> TallyRun:
    token = csrf_token(client, f"/staff/editions/{pool.edition.slug}/counts")
    response = client.post(f"/staff/pools/{pool.id}/runs", data={"csrf_token": token, "rule": rule})
    assert response.status_code == 303
    db.session.expire_all()
    return db.session.get(TallyRun, int(response.headers["Location"].rsplit("/", 1)[1]))


def test_in_tests_the_queue_counts_before_the_request_answers(app, client, login_as):
    pool = create_vote_pool()
    login_as(Role.ANALYST)
    run = _post_count(client, pool)
    assert run.state is RunState.DONE and run.outcome["selected"]


def test_an_error_around_the_count_still_marks_it_failed(app, client, login_as, monkeypatch):
    pool = create_vote_pool()
    login_as(Role.ANALYST, locale="en")

    def claim_then_break(run_id: int, *, worker: str | None = None) -> None:
        db.session.execute(update(TallyRun).where(TallyRun.id == run_id).values(state=RunState.RUNNING))
        db.session.commit()
        raise ConnectionError("database gone")  # outside the count's own error handling

    monkeypatch.setattr(services, "execute_run", claim_then_break)
    run = _post_count(client, pool)
    assert run.state is RunState.FAILED and run.error_code == "internal_error" and run.finished_at
    assert run.error == "ConnectionError: database gone"
    page = client.get(f"/staff/runs/{run.id}").get_data(as_text=True)
    assert "The count stopped on an unexpected error" in page


def test_a_running_count_keeps_showing_its_worker_is_alive(app, monkeypatch):
    current_app.config["QUEUE_LEASE_SECONDS"] = 0.06  # a heartbeat every 10 ms
    run = start_run(actor=create_user(roles=(Role.ANALYST,)), pool=create_vote_pool(), rule="greedy")
    db.session.commit()
    real_count = services.count_pool
    beats = []

    def count_after_two_beats(*args, **kwargs):
        # Read as a page would, from another connection, while the count is under way.
        deadline = time.monotonic() + 30
        while len(set(beats)) < 3 and time.monotonic() < deadline:
            with db.engine.connect() as connection:
                beats.append(
                    connection.scalar(select(RunProgress.heartbeat_at).where(RunProgress.run_id == run.id))
                )
            time.sleep(0.005)
        return real_count(*args, **kwargs)

    monkeypatch.setattr(services, "count_pool", count_after_two_beats)
    tasks.count_run(run.id)
    assert len(set(beats)) == 3  # the claim's time, then two heartbeats
    db.session.expire_all()
    assert db.session.get(TallyRun, run.id).state is RunState.DONE
