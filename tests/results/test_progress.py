"""Long counts record how far they are and can be cancelled; cancelling is audited."""

from __future__ import annotations

import pytest
from sqlalchemy import select, update

from civic.accounts.roles import Role
from civic.core.audit import AuditEntry
from civic.extensions import db
from civic.results import services
from civic.results.models import RunState, TallyRun
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
