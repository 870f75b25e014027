"""Counts stored, re-run with the same digest and outcome, published (audited), shown with reasons."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from sqlalchemy import select

from civic.accounts.roles import Role
from civic.core.audit import AuditEntry
from civic.extensions import db
from civic.results.models import RunState, TallyRun
from civic.results.services import execute_run, publish_run, start_run
from civic.tally.api import count_file
from civic.tally.pabulib import read
from civic.voting.pabulib_io import import_pabulib
from tests.conftest import csrf_token
from tests.factories import create_user
from tests.tally.shared import TEST_DATA as TEST_DIR

WIELICZKA = "Poland_Wieliczka_2023_Green_Budget.pb"
TOULOUSE = "France_Toulouse_2019.pb"


def _import(name: str):
    pool = import_pabulib(read(Path(TEST_DIR) / name), source_name=name)
    db.session.commit()
    return pool


def _wait(client, run_id: int, timeout: float = 60.0) -> TallyRun:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        db.session.expire_all()
        run = db.session.get(TallyRun, run_id)
        if run.is_finished:
            return run
        time.sleep(0.1)
    raise AssertionError("the count did not finish")


def test_staff_run_in_background_rerun_same_digest_and_publish(client, login_as):
    pool = _import(WIELICZKA)
    admin = login_as(Role.ADMIN)
    token = csrf_token(client, f"/staff/editions/{pool.edition.slug}/counts")
    response = client.post(f"/staff/pools/{pool.id}/runs", data={"csrf_token": token, "rule": "mes"})
    assert response.status_code == 303
    run_id = int(response.headers["Location"].rsplit("/", 1)[1])
    # The run page is the progress indicator htmx polls until the count is done.
    page = client.get(f"/staff/runs/{run_id}", headers={"HX-Request": "true"}).get_data(as_text=True)
    assert f'id="run-{run_id}-status"' in page and "<html" not in page
    first = _wait(client, run_id)
    assert first.state is RunState.DONE
    assert first.outcome["selected"] == list(count_file(Path(TEST_DIR) / WIELICZKA, "mes").selected)
    done = client.get(f"/staff/runs/{run_id}", headers={"HX-Request": "true"}).get_data(as_text=True)
    assert "every 1s" not in done
    rerun = client.post(f"/staff/runs/{run_id}/rerun", data={"csrf_token": token})
    second = _wait(client, int(rerun.headers["Location"].rsplit("/", 1)[1]))
    assert (second.ballots_digest, second.outcome) == (first.ballots_digest, first.outcome)
    published = client.post(f"/staff/runs/{run_id}/publish", data={"csrf_token": token, "confirmed": "yes"})
    assert published.status_code == 303
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "results.publish"))
    assert entry.actor_id == admin.id and entry.after["run"] == run_id


def test_public_results_show_winners_reasons_and_other_rules(app, client):
    pool = _import(WIELICZKA)
    admin = create_user(roles=(Role.ADMIN,))
    runs = {}
    for rule in ("mes", "greedy", "phragmen"):
        run = start_run(actor=admin, pool=pool, rule=rule)
        db.session.commit()
        execute_run(run.id)
        runs[rule] = db.session.get(TallyRun, run.id)
    publish_run(actor=admin, run=runs["mes"])
    db.session.commit()
    page = client.get(f"/editions/{pool.edition.slug}/results", headers={"Accept-Language": "en"}).get_data(
        as_text=True
    )
    winner = pool.projects[[p.external_id for p in pool.projects].index(runs["mes"].outcome["selected"][0])]
    assert winner.proposal.title in page
    assert "Method of Equal Shares" in page and "per voter" in page
    assert "supporters had" in page  # a plain-language reason for a project MES could not fund
    assert "<progress" in page
    compare = client.get(
        f"/editions/{pool.edition.slug}/results?tab=compare", headers={"Accept-Language": "en"}
    )
    body = compare.get_data(as_text=True)
    assert "Sequential Phragmén" in body and "Greedy" in body and "Not computed yet" not in body


def test_rule_not_applicable_is_refused_and_a_failed_count_says_why(app, client, login_as):
    pool = _import(TOULOUSE)
    admin = create_user(roles=(Role.ADMIN,))
    from civic.core.errors import ValidationFailed

    with pytest.raises(ValidationFailed):
        start_run(actor=admin, pool=pool, rule="mes")
    db.session.rollback()
    # A run stored before the check (or by an older version) fails with a reason code, not a crash.
    run = TallyRun(pool_id=pool.id, rule="mes", created_by_id=admin.id)
    db.session.add(run)
    db.session.commit()
    execute_run(run.id)
    run = db.session.get(TallyRun, run.id)
    assert run.state is RunState.FAILED and "cumulative" in run.error
    assert run.error_code == "rule_not_applicable"
    assert run.error_params == {"rule": "mes", "kind": "cumulative"}
    staff = login_as(Role.ADMIN)
    french = client.get(f"/staff/runs/{run.id}").get_data(as_text=True)
    assert "ne peut pas compter les bulletins à points" in french
    staff.locale = "en"
    db.session.commit()
    english = client.get(f"/staff/runs/{run.id}").get_data(as_text=True)
    assert "cannot count points ballots (points shared among projects)" in english
    assert "not computed" not in english.lower()


def test_only_staff_run_and_only_admins_publish(client, login_as):
    pool = _import(TOULOUSE)
    login_as(Role.RESIDENT)
    token = csrf_token(client)
    assert (
        client.post(f"/staff/pools/{pool.id}/runs", data={"csrf_token": token, "rule": "greedy"}).status_code
        == 403
    )
    analyst = create_user(roles=(Role.ANALYST,))
    run = start_run(actor=analyst, pool=pool, rule="greedy")
    db.session.commit()
    execute_run(run.id)
    from civic.core.errors import PermissionDenied

    with pytest.raises(PermissionDenied):
        publish_run(actor=analyst, run=db.session.get(TallyRun, run.id))
    db.session.rollback()
