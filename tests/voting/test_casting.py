"""Casting over HTTP: one participation and the ballots in one transaction, every refusal writes nothing."""

from __future__ import annotations

import threading
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from civic.accounts.roles import Role
from civic.core.mail import outbox as sent_mail
from civic.core.time import utcnow
from civic.eligibility import services as roll_services
from civic.eligibility.models import Participation
from civic.extensions import db
from civic.voting import board, notices
from civic.voting.ballot_rules import BallotFormat
from civic.voting.models import PooledBallot
from tests.conftest import csrf_token
from tests.factories import create_user
from tests.voting.test_filling import _ballot, _url

EN = {"Accept-Language": "en"}


def _on_roll(edition, user, identifier="AB-123456"):
    desk = create_user(roles=(Role.FRONT_DESK,))
    roll_services.add_in_person(
        actor=desk, edition=edition, identifier=identifier, birth_date=date(1980, 5, 1), district_id=None
    )
    roll_services.link_with_identifier(
        actor=user, edition=edition, identifier=identifier, birth_date=date(1980, 5, 1)
    )
    db.session.commit()


def _count(model, *where) -> int:
    db.session.expire_all()
    return int(db.session.scalar(select(func.count()).select_from(model).where(*where)))


def _fill(client, edition, pool, *project_ids):
    token = csrf_token(client, _url(edition, pool))
    answer = client.post(_url(edition, pool), data={"csrf_token": token, "project": list(project_ids)})
    assert answer.status_code == 303, answer.get_data(as_text=True)[:500]
    return token


def test_a_resident_on_the_roll_casts_gets_a_tracker_and_an_email_without_it(client, login_as, app, outbox):
    edition, pool, ids, _ = _ballot(app, ballot_format=BallotFormat.KNAPSACK)
    user = login_as(locale="en")
    _on_roll(edition, user)
    token = _fill(client, edition, pool, ids["Jardin"], ids["Fontaine"])
    review = client.get(f"/editions/{edition.slug}/vote/review", headers=EN).get_data(as_text=True)
    assert "Cast my ballot" in review
    sent_before = len(outbox)
    answer = client.post(f"/editions/{edition.slug}/vote/cast", data={"csrf_token": token})
    assert answer.status_code == 303 and answer.headers["Location"].endswith("/vote/receipt")
    (pooled,) = db.session.scalars(select(PooledBallot)).all()
    receipt = client.get(answer.headers["Location"], headers=EN).get_data(as_text=True)
    assert board.shown_tracker(pooled.tracker) in receipt
    assert _count(Participation) == 1
    # The cast sends nothing itself: the worker sends the due e-mails in a batch (here a batch of one).
    assert outbox[sent_before:] == []
    assert _count(Participation, Participation.notices_due == 1) == 1
    before = len(sent_mail())  # the worker's sending runs in the test's own app (conftest: the twin app)
    assert notices.send_due_notices(minimum=1) == 1
    mails = sent_mail()[before:]
    assert len(mails) == 1 and "was recorded on" in mails[0].body and "times" not in mails[0].body
    assert _count(Participation, Participation.notices_due == 0) == 1
    assert pooled.tracker not in mails[0].body and "Jardin" not in mails[0].body
    # A second cast, from the review or by replaying the post, is refused and writes nothing.
    _fill(client, edition, pool, ids["Bancs"])
    again = client.post(f"/editions/{edition.slug}/vote/cast", data={"csrf_token": token}, headers=EN)
    assert again.status_code == 409 and "already taken part in this vote: online" in again.get_data(
        as_text=True
    )
    assert _count(Participation) == 1 and _count(PooledBallot) == 1


def test_a_resident_not_on_the_roll_cannot_cast_and_nothing_is_written(client, login_as, app):
    edition, pool, ids, _ = _ballot(app, ballot_format=BallotFormat.APPROVAL)
    login_as(locale="en")
    token = _fill(client, edition, pool, ids["Bancs"])
    review = client.get(f"/editions/{edition.slug}/vote/review", headers=EN).get_data(as_text=True)
    assert "first link your account to the voter roll" in review and "Cast my ballot" not in review
    answer = client.post(f"/editions/{edition.slug}/vote/cast", data={"csrf_token": token}, headers=EN)
    assert answer.status_code == 403 and "Link your account to the voter roll" in answer.get_data(
        as_text=True
    )
    assert _count(PooledBallot) == 0 and _count(Participation) == 0


def test_after_the_deadline_nothing_is_cast(client, login_as, app):
    edition, pool, ids, _ = _ballot(app, ballot_format=BallotFormat.APPROVAL)
    user = login_as(locale="en")
    _on_roll(edition, user)
    token = _fill(client, edition, pool, ids["Bancs"])
    vote = next(p for p in edition.phases if p.kind.value == "vote")
    vote.ends_at = utcnow() - timedelta(minutes=1)
    db.session.commit()
    answer = client.post(f"/editions/{edition.slug}/vote/cast", data={"csrf_token": token}, headers=EN)
    assert answer.status_code == 403 and "The vote is closed" in answer.get_data(as_text=True)
    assert _count(PooledBallot) == 0 and _count(Participation) == 0


def test_a_cast_without_csrf_is_refused(client, login_as, app):
    edition, pool, ids, _ = _ballot(app, ballot_format=BallotFormat.APPROVAL)
    user = login_as(locale="en")
    _on_roll(edition, user)
    _fill(client, edition, pool, ids["Bancs"])
    assert client.post(f"/editions/{edition.slug}/vote/cast", data={}).status_code == 400
    assert _count(Participation) == 0


def test_a_person_casts_once_even_from_two_sessions_at_the_same_time(app, login_as, client):
    """Two browsers of the same person post at once: one participation, one ballot, the other refused."""
    edition, pool, ids, _ = _ballot(app, ballot_format=BallotFormat.APPROVAL)
    user = login_as(locale="en")
    _on_roll(edition, user)
    token = _fill(client, edition, pool, ids["Bancs"])
    other = app.test_client()
    with client.session_transaction() as mine, other.session_transaction() as theirs:
        theirs.update(dict(mine))
    barrier, results = threading.Barrier(2), []

    def post(c):
        barrier.wait()
        results.append(c.post(f"/editions/{edition.slug}/vote/cast", data={"csrf_token": token}).status_code)

    threads = [threading.Thread(target=post, args=(c,)) for c in (client, other)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) == [303, 409]
    assert _count(Participation) == 1 and _count(PooledBallot) == 1


def test_the_first_online_ballot_freezes_the_ballot_even_before_the_mixer_runs(client, login_as, app):
    from civic.voting import ballot as services
    from civic.voting.ballot import BallotFrozen
    from civic.voting.ballot_rules import Settings

    edition, pool, ids, _ = _ballot(app, ballot_format=BallotFormat.APPROVAL)
    user = login_as(locale="en")
    _on_roll(edition, user)
    token = _fill(client, edition, pool, ids["Bancs"])
    assert client.post(f"/editions/{edition.slug}/vote/cast", data={"csrf_token": token}).status_code == 303
    assert _count(PooledBallot) == 1  # still waiting for its batch
    admin = create_user(roles=(Role.ADMIN,))
    with pytest.raises(BallotFrozen):
        services.save_settings(
            actor=admin, edition=edition, settings=Settings(ballot_format=BallotFormat.KNAPSACK)
        )
    db.session.rollback()


def test_in_a_per_district_vote_a_person_casts_only_in_their_district(client, login_as, app):
    from civic.voting import ballot as services
    from civic.voting.ballot_rules import Settings
    from tests.factories import create_district, create_edition
    from tests.voting.test_ballot_building import feasible

    nord, sud = create_district(name="Nord"), create_district(name="Sud")
    edition = create_edition(districts=[nord, sud], open_phase="vote")
    for share in edition.districts:
        share.envelope_cents = 500_00
    db.session.commit()
    feasible(edition, nord, title="Jardin du Nord", cost=100_00)
    feasible(edition, sud, title="Fontaine du Sud", cost=100_00)
    admin = create_user(roles=(Role.ADMIN,))
    services.save_settings(
        actor=admin, edition=edition, settings=Settings(ballot_format=BallotFormat.APPROVAL)
    )
    pools = {p.district_id: p for p in services.build_all_ballots(actor=admin, edition=edition)}
    db.session.commit()
    user = login_as(locale="en")
    desk = create_user(roles=(Role.FRONT_DESK,))
    roll_services.add_in_person(
        actor=desk, edition=edition, identifier="N-1", birth_date=date(1980, 5, 1), district_id=nord.id
    )
    roll_services.link_with_identifier(
        actor=user, edition=edition, identifier="N-1", birth_date=date(1980, 5, 1)
    )
    db.session.commit()
    home = client.get(f"/editions/{edition.slug}/vote", headers=EN).get_data(as_text=True)
    assert "Fill in the ballot of Nord" in home and "ballot of Sud" not in home
    south = pools[sud.id]
    page = client.get(_url(edition, south), headers=EN).get_data(as_text=True)
    assert "You do not vote in this district" in page
    _fill(client, edition, south, south.projects[0].id)
    token = _fill(client, edition, pools[nord.id], pools[nord.id].projects[0].id)
    review = client.get(f"/editions/{edition.slug}/vote/review", headers=EN).get_data(as_text=True)
    assert "Jardin du Nord" in review and "Fontaine du Sud" not in review
    assert client.post(f"/editions/{edition.slug}/vote/cast", data={"csrf_token": token}).status_code == 303
    (pooled,) = db.session.scalars(select(PooledBallot)).all()
    assert pooled.pool_id == pools[nord.id].id
