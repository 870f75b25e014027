"""Long counts record how far they are and can be cancelled; cancelling is audited; lost ones are interrupted."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select, update

from civic.accounts.roles import Role
from civic.core.audit import AuditEntry
from civic.core.content_version import current_version
from civic.core.time import utcnow
from civic.extensions import db
from civic.results import services
from civic.results.models import RunProgress, RunState, TallyRun
from civic.results.services import execute_run, start_run
from civic.tally import pabulib
from civic.voting.pabulib_io import import_pabulib
from tests.conftest import csrf_token
from tests.factories import create_user

# Two voters with 50 each, two projects of 60: Equal Shares "add1" raises the per-voter budget
# 50, 51, … 60, where both projects become affordable and together overspend: ten increments.
SLOW_TO_SETTLE = """META
key;value
description;progress
num_projects;2
num_votes;2
budget;100
vote_type;approval
rule;equalshares/add1
PROJECTS
project_id;cost;name
a;60;Alpha
b;60;Beta
VOTES
voter_id;vote
1;a
2;b
"""


@pytest.fixture
def pool(app):
    pool = import_pabulib(pabulib.read_string(SLOW_TO_SETTLE), source_name="progress.pb")
    db.session.commit()
    return pool


def _queued(pool, rule: str = "mes-add1") -> TallyRun:
    run = start_run(actor=create_user(roles=(Role.ANALYST,)), pool=pool, rule=rule)
    db.session.commit()
    return run


def test_long_count_records_its_progress(pool, monkeypatch):
    monkeypatch.setattr(services, "PROGRESS_EVERY", 0.0)
    run_id = _queued(pool).id
    execute_run(run_id)
    run = db.session.get(TallyRun, run_id)
    assert run.state is RunState.DONE and run.outcome["selected"] == []
    # The last step recorded before the outcome overspent: the per-voter budget tried then.
    assert run.progress["steps"] >= 9
    assert int(run.progress["per_voter"]) == 50 + run.progress["steps"]


def test_cancelled_while_counting_keeps_no_outcome(pool, monkeypatch):
    monkeypatch.setattr(services, "PROGRESS_EVERY", 0.0)
    run_id = _queued(pool, "official").id
    real_count = services.count_pool

    def cancel_then_count(*args, **kwargs):
        # Staff press "cancel" while the count runs: another connection commits the new state.
        with db.engine.begin() as connection:
            connection.execute(update(TallyRun).where(TallyRun.id == run_id).values(state=RunState.CANCELLED))
        return real_count(*args, **kwargs)

    monkeypatch.setattr(services, "count_pool", cancel_then_count)
    execute_run(run_id)
    db.session.expire_all()
    run = db.session.get(TallyRun, run_id)
    assert run.state is RunState.CANCELLED
    assert run.outcome is None and run.ballots_digest is None
    assert run.progress == {"steps": 1, "per_voter": "51"}  # stopped at the first step, not the tenth


def test_staff_cancel_a_queued_count_and_it_never_runs(client, login_as, pool):
    run_id = _queued(pool).id
    analyst = login_as(Role.ANALYST)
    page = client.get(f"/staff/runs/{run_id}").get_data(as_text=True)
    # The run page leads to a confirmation page (works without JavaScript), whose danger button posts.
    assert f'href="/staff/runs/{run_id}/cancel"' in page
    confirm = client.get(f"/staff/runs/{run_id}/cancel").get_data(as_text=True)
    assert f'action="/staff/runs/{run_id}/cancel"' in confirm and 'class="danger"' in confirm
    token = csrf_token(client, f"/staff/runs/{run_id}/cancel")
    unconfirmed = client.post(f"/staff/runs/{run_id}/cancel", data={"csrf_token": token})
    assert unconfirmed.status_code == 303 and unconfirmed.headers["Location"].endswith(
        f"/staff/runs/{run_id}/cancel"
    )
    assert db.session.get(TallyRun, run_id).state is RunState.QUEUED
    response = client.post(f"/staff/runs/{run_id}/cancel", data={"csrf_token": token, "confirmed": "yes"})
    assert response.status_code == 303
    execute_run(run_id)  # what the background thread would do next: nothing
    db.session.expire_all()
    run = db.session.get(TallyRun, run_id)
    assert run.state is RunState.CANCELLED and run.outcome is None and run.finished_at is not None
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "tally.cancel"))
    assert entry is not None and entry.actor_id == analyst.id
    assert entry.before["state"] == "queued" and entry.after["state"] == "cancelled"
    # A finished count cannot be cancelled; a resident cannot cancel anything.
    again = client.post(f"/staff/runs/{run_id}/cancel", data={"csrf_token": token, "confirmed": "yes"})
    assert again.status_code == 409
    login_as(Role.RESIDENT)
    other = _queued(pool).id
    token = csrf_token(client, "/")
    assert (
        client.post(f"/staff/runs/{other}/cancel", data={"csrf_token": token, "confirmed": "yes"}).status_code
        == 403
    )
    db.session.expire_all()
    assert db.session.get(TallyRun, other).state is RunState.QUEUED


def test_progress_shown_while_running(client, login_as, pool):
    run = _queued(pool)
    run.state = RunState.RUNNING
    run.progress = {"steps": 1234, "per_voter": "35049"}
    db.session.commit()
    analyst = login_as(Role.ANALYST)
    analyst.locale = "en"
    db.session.commit()
    page = client.get(f"/staff/runs/{run.id}", headers={"HX-Request": "true"}).get_data(as_text=True)
    assert "1234 steps so far" in page and "35049" in page
    assert f'id="run-{run.id}-cancel"' in page


def test_progress_updates_leave_the_public_page_cache_alone(pool, monkeypatch):
    monkeypatch.setattr(services, "PROGRESS_EVERY", 0.0)
    run_id = _queued(pool).id
    before = current_version()
    execute_run(run_id)
    run = db.session.get(TallyRun, run_id)
    assert run.state is RunState.DONE and run.progress["steps"] >= 9  # one progress commit per step
    # Started, then finished: the cached public pages are thrown away twice, not at every step.
    assert current_version() - before == 2


def _running(pool, *, heartbeat_at, worker="elsewhere:1") -> int:
    run = _queued(pool)
    run.state, run.started_at = RunState.RUNNING, utcnow() - timedelta(hours=1)
    run.live = RunProgress(progress={"steps": 7, "per_voter": "57"}, worker=worker, heartbeat_at=heartbeat_at)
    db.session.commit()
    return run.id


def test_a_count_whose_worker_stopped_beating_is_interrupted_when_staff_look(app, client, login_as, pool):
    lease = timedelta(seconds=app.config["QUEUE_LEASE_SECONDS"])
    alive = _running(pool, heartbeat_at=utcnow() - lease / 2)
    lost = _running(pool, heartbeat_at=utcnow() - lease * 2)
    # Left "running" by the in-process thread of older versions: started long ago, never a heartbeat.
    legacy = _running(pool, heartbeat_at=None)
    login_as(Role.ANALYST, locale="en")
    page = client.get(f"/staff/runs/{lost}", headers={"HX-Request": "true"}).get_data(as_text=True)
    assert "interrupted because the counting service stopped" in page and "every 1s" not in page
    assert f'action="/staff/runs/{lost}/rerun"' in page  # count it again
    db.session.expire_all()
    states = {run_id: db.session.get(TallyRun, run_id).state for run_id in (alive, lost, legacy)}
    assert states == {alive: RunState.RUNNING, lost: RunState.INTERRUPTED, legacy: RunState.INTERRUPTED}
    entries = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "tally.interrupted")).all()
    assert sorted(e.after["run"] for e in entries) == sorted([lost, legacy])
    assert {e.after["worker"] for e in entries} == {"elsewhere:1"}


def test_a_count_given_up_while_its_worker_still_runs_stops_there(pool, monkeypatch):
    monkeypatch.setattr(services, "PROGRESS_EVERY", 0.0)
    run_id = _queued(pool, "official").id
    real_count = services.count_pool

    def interrupted_then_count(*args, **kwargs):
        # A page saw its heartbeat too late and marked it interrupted: staff may have counted it again.
        with db.engine.begin() as connection:
            connection.execute(
                update(TallyRun).where(TallyRun.id == run_id).values(state=RunState.INTERRUPTED)
            )
        return real_count(*args, **kwargs)

    monkeypatch.setattr(services, "count_pool", interrupted_then_count)
    execute_run(run_id)
    db.session.expire_all()
    run = db.session.get(TallyRun, run_id)
    assert run.state is RunState.INTERRUPTED and run.outcome is None and run.progress["steps"] == 1


def test_only_one_caller_counts_a_run(pool):
    run_id = _queued(pool, "greedy").id
    execute_run(run_id, worker="first:1")
    finished = db.session.get(TallyRun, run_id).finished_at
    execute_run(run_id, worker="second:2")  # the same task delivered twice: the run is no longer queued
    db.session.expire_all()
    run = db.session.get(TallyRun, run_id)
    assert run.state is RunState.DONE and run.finished_at == finished and run.live.worker == "first:1"
