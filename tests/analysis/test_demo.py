"""The demo's edition under analysis: reviews in every state, a published batch, idempotent."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from civic.analysis.demo import SLUG
from civic.analysis.models import Review
from civic.analysis.rules import ReviewState, Verdict
from civic.extensions import db
from civic.processes.models import Edition
from tests.demo import row_counts, seed_demo, seeded_demo_app


@pytest.fixture(scope="module")
def demo_app(tmp_path_factory):
    monkeypatch = pytest.MonkeyPatch()
    try:
        yield seeded_demo_app(tmp_path_factory.mktemp("analysis-demo"), monkeypatch)
    finally:
        monkeypatch.undo()


@pytest.fixture(autouse=True)
def _request_context():  # the package's conftest pushes one on the per-test app; this module has its own
    yield


@pytest.fixture
def app():  # not the shared per-test database: this module reads its own seeded demo
    yield None


def test_the_demo_has_reviews_in_every_state_and_a_published_batch(demo_app):
    with demo_app.app_context():
        edition = db.session.scalar(select(Edition).where(Edition.slug == SLUG))
        reviews = list(db.session.scalars(select(Review).where(Review.edition_id == edition.id)))
        assert {r.state for r in reviews} == set(ReviewState)
        published = [r for r in reviews if r.state is ReviewState.PUBLISHED]
        assert {r.verdict for r in published} == set(Verdict)
        assert all(r.cost_estimate_cents for r in published if r.verdict is not Verdict.NOT_FEASIBLE)
        assert any(r.current_reply() for r in reviews if r.state is ReviewState.SUBMITTED)


def test_seeding_the_demo_twice_changes_nothing(demo_app):
    before = row_counts(demo_app)
    seed_demo(demo_app)
    assert row_counts(demo_app) == before


def test_the_demo_pages_render(demo_app):
    client = demo_app.test_client()
    with demo_app.app_context():
        edition = db.session.scalar(select(Edition).where(Edition.slug == SLUG))
        ids = [
            r.proposal_id for r in db.session.scalars(select(Review).where(Review.edition_id == edition.id))
        ]
    assert client.get(f"/editions/{SLUG}/proposals").status_code == 200
    for proposal_id in ids:
        assert client.get(f"/proposals/{proposal_id}").status_code == 200
