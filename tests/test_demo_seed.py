"""`civic seed-demo` on a freshly migrated database: the demo town is complete, and seeding twice changes nothing."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from civic.accounts.models import User
from civic.cli import DEMO_DISTRICTS, DEMO_RESIDENTS, DEMO_STAFF
from civic.demo import CURRENT, PAST, REAL_ELECTIONS
from civic.extensions import db
from civic.processes.models import District, Edition
from civic.proposals.models import Channel, Comment, Proposal
from civic.results.models import TallyRun
from civic.voting.models import Ballot, VotePool
from tests.demo import row_counts, seed_demo, seeded_demo_app


@pytest.fixture(scope="module")
def demo_app(tmp_path_factory):
    monkeypatch = pytest.MonkeyPatch()
    try:
        yield seeded_demo_app(tmp_path_factory.mktemp("demo-seed"), monkeypatch)
    finally:
        monkeypatch.undo()


def test_seed_creates_every_demo_account_district_and_role(demo_app):
    with demo_app.app_context():
        emails = set(db.session.scalars(select(User.email)))
        for email, _name, roles in DEMO_STAFF:
            assert email in emails
            user = db.session.scalar(select(User).where(User.email == email))
            assert {role.value for role in user.roles} >= set(roles), email
            assert user.is_confirmed
        assert {email for email, _n, _d in DEMO_RESIDENTS} <= emails
        assert set(db.session.scalars(select(District.name))) == set(DEMO_DISTRICTS)


def test_seed_creates_the_current_and_past_editions_with_their_proposals(demo_app):
    with demo_app.app_context():
        editions = {e.slug: e for e in db.session.scalars(select(Edition))}
        current = editions["budget-participatif-2026"]
        past = editions["budget-participatif-2025"]
        assert current.published and past.published
        titles = set(db.session.scalars(select(Proposal.title).where(Proposal.edition_id == current.id)))
        assert titles == {p.title for p in CURRENT}
        past_titles = set(db.session.scalars(select(Proposal.title).where(Proposal.edition_id == past.id)))
        assert past_titles == {p.title for p in PAST}
        assert db.session.scalar(
            select(func.count()).select_from(Proposal).where(Proposal.channel == Channel.IN_PERSON)
        )
        assert db.session.scalar(select(func.count()).select_from(Comment)) == 2


def test_seed_imports_the_real_elections_with_a_published_count(demo_app):
    with demo_app.app_context():
        for _file, name in REAL_ELECTIONS:
            edition = db.session.scalar(select(Edition).where(Edition.name == name))
            assert edition is not None, name
            pool = db.session.scalar(select(VotePool).where(VotePool.edition_id == edition.id))
            assert (
                db.session.scalar(select(func.count()).select_from(Ballot).where(Ballot.pool_id == pool.id))
                > 0
            )
            published = db.session.scalar(
                select(TallyRun).where(TallyRun.pool_id == pool.id, TallyRun.published_at.is_not(None))
            )
            assert published is not None and published.rule == "official", name


def test_seeding_twice_changes_nothing(demo_app):
    before = row_counts(demo_app)
    seed_demo(demo_app)
    assert row_counts(demo_app) == before


def test_seed_closes_a_vote_cast_through_the_real_paths_and_publishes_it(demo_app):
    from civic.results.demo import SLUG
    from civic.voting.models import VoteSeal

    with demo_app.app_context():
        edition = db.session.scalar(select(Edition).where(Edition.slug == SLUG))
        seal = db.session.get(VoteSeal, edition.id)
        assert seal is not None and seal.counts["reconciled"], seal.counts
        # 26 online voters, two of whom voted twice and one of whom then voted on paper: 25 online ballots count.
        assert seal.counts["online_ballots"] == 25 and seal.counts["superseded"] == 3, seal.counts
        assert seal.counts["town_hall_participations"] == 5 and seal.counts["in_person_ballots"] == 5
        assert seal.counts["paper_participations"] == 7 and seal.counts["paper_ballots"] == 6
        pool = db.session.scalar(select(VotePool).where(VotePool.edition_id == edition.id))
        published = db.session.scalar(
            select(TallyRun).where(TallyRun.pool_id == pool.id, TallyRun.published_at.is_not(None))
        )
        assert published is not None and published.rule == "greedy"
    client = demo_app.test_client()
    assert client.get(f"/editions/{SLUG}/ballots.pb").status_code == 200
    results = client.get(f"/editions/{SLUG}/results.json").get_json()
    assert results["pools"][0]["selected"]
    board = client.get(f"/editions/{SLUG}/board", headers={"Accept": "application/json"}).get_json()
    assert board["checks"] and board["sealed"]["counts"]["reconciled"]
    ballots_pb = client.get(f"/editions/{SLUG}/ballots.pb").get_data(as_text=True)
    assert "num_votes;36" in ballots_pb, ballots_pb[:400]  # 25 online, 5 kiosk, 6 paper


def test_seed_runs_an_appel_a_communs_whose_books_pass_the_check_and_bean_check(demo_app, tmp_path):
    import shutil
    import subprocess
    import sys
    from pathlib import Path

    from civic.commons import ledger
    from civic.commons.demo import SLUG
    from civic.commons.models import (
        CommonsCall,
        CommonsProject,
        Delegation,
        LedgerPending,
        PendingState,
        ProjectState,
    )
    from tests.voting.helpers import civic

    with demo_app.app_context():
        call = db.session.scalar(select(CommonsCall).where(CommonsCall.slug == SLUG))
        assert call is not None and call.published
        states = sorted(p.state.value for p in db.session.scalars(select(CommonsProject)))
        assert states == [ProjectState.CANCELLED.value, ProjectState.FUNDED.value, ProjectState.OPEN.value]
        delegations = list(db.session.scalars(select(Delegation)))
        assert any(d.depth == 2 for d in delegations) and any(d.revoked_at is None for d in delegations)
        assert any(d.theme == "Cartographie" and d.revoked_at is None for d in delegations)
        pledges = {
            p.state for p in db.session.scalars(select(LedgerPending).where(LedgerPending.kind == "pledge"))
        }
        assert {PendingState.PENDING, PendingState.POSTED} <= pledges
        assert any(
            p.kind == "match" and p.state is PendingState.PENDING
            for p in db.session.scalars(select(LedgerPending))
        )
        assert ledger.problems() == []
        books = tmp_path / "round.beancount"
        written = civic(demo_app, "ledger", "export-beancount", SLUG, "--output", str(books))
        assert written.exit_code == 0, written.output
    bean_check = shutil.which("bean-check") or str(Path(sys.executable).with_name("bean-check"))
    checked = subprocess.run([bean_check, str(books)], capture_output=True, text=True)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert books.read_text().count(" balance ") >= 15
