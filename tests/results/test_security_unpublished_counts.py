"""Counts of an edition still in preparation are for administrators only: an analyst (who runs counts of
published editions) gets a 404 on its runs and ballot boxes, as on its counts page, and cannot start one."""

from __future__ import annotations

from civic.accounts.roles import Role
from civic.extensions import db
from civic.results.models import TallyRun
from tests.conftest import csrf_token, log_in
from tests.factories import create_tally_run, create_user, create_vote_pool


def _unpublished_run():
    pool = create_vote_pool(name="Urne en préparation")
    run = create_tally_run(pool=pool)
    pool.edition.published = False
    db.session.commit()
    return pool, run


def test_analyst_cannot_read_the_runs_of_an_unpublished_edition(client):
    pool, run = _unpublished_run()
    log_in(client, create_user(roles=(Role.ANALYST,)))
    assert client.get(f"/staff/editions/{pool.edition.slug}/counts").status_code == 404
    for url in (f"/staff/runs/{run.id}", f"/staff/runs/{run.id}/cancel"):
        response = client.get(url)
        assert response.status_code == 404, url
        assert "Urne en préparation" not in response.get_data(as_text=True)


def test_analyst_cannot_start_or_rerun_a_count_of_an_unpublished_edition(client):
    pool, run = _unpublished_run()
    log_in(client, create_user(roles=(Role.ANALYST,)))
    token = csrf_token(client)
    before = db.session.query(TallyRun).count()
    assert (
        client.post(f"/staff/pools/{pool.id}/runs", data={"csrf_token": token, "rule": "greedy"}).status_code
        == 404
    )
    assert client.post(f"/staff/runs/{run.id}/rerun", data={"csrf_token": token}).status_code == 404
    assert db.session.query(TallyRun).count() == before


def test_admin_still_reads_the_runs_of_an_unpublished_edition(client):
    _pool, run = _unpublished_run()
    log_in(client, create_user(roles=(Role.ADMIN,)))
    assert client.get(f"/staff/runs/{run.id}").status_code == 200
