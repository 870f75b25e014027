"""Revoting (the last online ballot counts), "paper cancels online", and the seal at the close."""

from __future__ import annotations

import threading
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from civic.accounts.roles import Role
from civic.core.audit import AuditEntry
from civic.core.errors import Conflict
from civic.core.mail import outbox as sent_mail
from civic.core.time import utcnow
from civic.eligibility import keys
from civic.eligibility import services as roll_services
from civic.eligibility.models import Participation, ParticipationChannel
from civic.eligibility.services import AlreadyVoted
from civic.extensions import db
from civic.results.closing import close_ended_votes, close_vote
from civic.results.models import TallyRun
from civic.voting import ballot as ballot_services
from civic.voting import board, mixer, notices, sealing, tags
from civic.voting.ballot_rules import BallotFormat, Settings
from civic.voting.models import Ballot, BallotTag, PooledBallot, VoteSeal
from civic.voting.services import election_for_pool
from civic.voting.views import RECEIPT
from tests.conftest import csrf_token
from tests.factories import create_user
from tests.voting.test_casting import _fill, _on_roll
from tests.voting.test_filling import _ballot

EN = {"Accept-Language": "en"}


def _count(model, *where) -> int:
    db.session.expire_all()
    return int(db.session.scalar(select(func.count()).select_from(model).where(*where)))


def _cast(client, edition, pool, token, *project_ids) -> str:
    _fill(client, edition, pool, *project_ids)
    answer = client.post(f"/editions/{edition.slug}/vote/cast", data={"csrf_token": token}, headers=EN)
    assert answer.status_code == 303, answer.get_data(as_text=True)[:400]
    with client.session_transaction() as kept:
        ((_place, tracker),) = kept[RECEIPT]["cast"]
    return tracker


def _close(edition):
    phases = {p.kind.value: p for p in edition.phases}
    phases["vote"].ends_at = utcnow() - timedelta(minutes=2)
    phases["results"].starts_at = utcnow() - timedelta(minutes=1)
    db.session.commit()


def _check(client, edition, tracker) -> str:
    return client.get(f"/editions/{edition.slug}/board/check?tracker={tracker}", headers=EN).get_data(as_text=True)


def test_with_revoting_the_last_online_ballot_counts_and_the_earlier_one_stays_on_the_board(
    client, login_as, app, outbox
):
    edition, pool, ids, _ = _ballot(app, ballot_format=BallotFormat.APPROVAL, revote=True)
    user = login_as(locale="en")
    _on_roll(edition, user)
    token = csrf_token(client, f"/editions/{edition.slug}/vote/{pool.id}")
    first = _cast(client, edition, pool, token, ids["Jardin"])
    home = client.get(f"/editions/{edition.slug}/vote", headers=EN).get_data(as_text=True)
    assert "lets you vote again until it closes" in home and "Fill in the ballot" in home
    _fill(client, edition, pool, ids["Bancs"])
    review = client.get(f"/editions/{edition.slug}/vote/review", headers=EN).get_data(as_text=True)
    assert "will replace the one you cast before" in review and "Cast my ballot" in review
    second = _cast(client, edition, pool, token, ids["Bancs"])
    assert first != second
    # One participation (its day moved on), two ballots in the pool, the first superseded.
    (participation,) = db.session.scalars(select(Participation)).all()
    assert participation.ballots == 1 and participation.channel is ParticipationChannel.ONLINE
    assert _count(PooledBallot) == 2 and _count(PooledBallot, PooledBallot.superseded.is_(True)) == 1
    # The person is told, in one e-mail sent by the worker, that they voted twice since the last one.
    assert not [m for m in outbox if "was recorded on" in m.body]
    assert notices.send_due_notices(minimum=1) == 1
    (told,) = [m for m in sent_mail() if "was recorded on" in m.body]  # sent in the test's (twin) app
    assert "You voted 2 times since our last message: only your last ballot counts." in told.body
    mixer.mix(edition=edition, final=True)
    db.session.commit()
    # While the vote is open, "check my ballot" does not say the first was replaced (a coercer could ask).
    assert "Your ballot is in the box" in _check(client, edition, first)
    (group,) = election_for_pool(pool).groups  # only the last ballot is counted
    bancs = next(p.external_id for p in pool.projects if p.proposal.title == "Bancs")
    assert group.projects == (bancs,) and group.weight == 1
    _close(edition)
    close_vote(edition)
    assert "was replaced by a later vote" in _check(client, edition, first)
    assert "Your ballot is in the box" in _check(client, edition, second)
    pb = client.get(f"/editions/{edition.slug}/ballots.pb").get_data(as_text=True)
    assert second in pb and first not in pb  # the recount file holds only counted ballots


def test_without_revoting_a_second_ballot_is_refused_and_nothing_is_written(client, login_as, app):
    edition, pool, ids, _ = _ballot(app, ballot_format=BallotFormat.APPROVAL)
    user = login_as(locale="en")
    _on_roll(edition, user)
    token = csrf_token(client, f"/editions/{edition.slug}/vote/{pool.id}")
    _cast(client, edition, pool, token, ids["Jardin"])
    assert not tags.key_path(edition.id).exists() and _count(BallotTag) == 0  # no revote: no tag at all
    _fill(client, edition, pool, ids["Bancs"])
    again = client.post(f"/editions/{edition.slug}/vote/cast", data={"csrf_token": token}, headers=EN)
    assert again.status_code == 409 and "already taken part in this vote: online" in again.get_data(as_text=True)
    assert _count(PooledBallot) == 1 and _count(PooledBallot, PooledBallot.superseded.is_(True)) == 0


def test_two_revotes_of_one_person_at_once_leave_exactly_one_counted_ballot(app, login_as, client):
    edition, pool, ids, _ = _ballot(app, ballot_format=BallotFormat.APPROVAL, revote=True)
    user = login_as(locale="en")
    _on_roll(edition, user)
    token = csrf_token(client, f"/editions/{edition.slug}/vote/{pool.id}")
    _cast(client, edition, pool, token, ids["Jardin"])
    _fill(client, edition, pool, ids["Bancs"])
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
    assert results == [303, 303]
    assert _count(PooledBallot) == 3 and _count(PooledBallot, PooledBallot.superseded.is_(False)) == 1
    assert _count(Participation) == 1


def test_the_revote_policy_is_frozen_with_the_other_rules(client, login_as, app):
    edition, pool, ids, _ = _ballot(app, ballot_format=BallotFormat.APPROVAL)
    user = login_as(locale="en")
    _on_roll(edition, user)
    token = csrf_token(client, f"/editions/{edition.slug}/vote/{pool.id}")
    _cast(client, edition, pool, token, ids["Jardin"])
    admin = create_user(roles=(Role.ADMIN,))
    before = ballot_services.settings_of(edition).rules()
    with pytest.raises(ballot_services.BallotFrozen):
        ballot_services.save_settings(
            actor=admin,
            edition=edition,
            settings=Settings(ballot_format=before.ballot_format, scope=before.scope, revote=True),
        )
    db.session.rollback()
    assert ballot_services.settings_of(edition).revote is False


def _desk_paper(edition, identifier="AB-123456"):
    desk = create_user(roles=(Role.FRONT_DESK,))
    key = keys.person_key(identifier)
    return roll_services.record_participation(
        actor=desk, edition=edition, person_key=key, channel=ParticipationChannel.PAPER, place="Mairie"
    )


def test_paper_cancels_online_supersedes_the_online_ballot_while_the_vote_is_open(client, login_as, app):
    edition, pool, ids, _ = _ballot(app, ballot_format=BallotFormat.APPROVAL, paper_cancels_online=True)
    user = login_as(locale="en")
    _on_roll(edition, user)
    token = csrf_token(client, f"/editions/{edition.slug}/vote/{pool.id}")
    online = _cast(client, edition, pool, token, ids["Jardin"])
    participation = _desk_paper(edition)
    db.session.commit()
    assert participation.channel is ParticipationChannel.PAPER and participation.place == "Mairie"
    assert participation.ballots == 0
    (pooled,) = db.session.scalars(select(PooledBallot)).all()
    assert pooled.tracker == online and pooled.superseded
    # Online again after voting on paper: refused (paper is never superseded).
    _fill(client, edition, pool, ids["Bancs"])
    again = client.post(f"/editions/{edition.slug}/vote/cast", data={"csrf_token": token}, headers=EN)
    assert again.status_code == 409 and "on paper" in again.get_data(as_text=True)


def test_without_paper_cancels_online_the_town_hall_is_told_the_person_voted_online(client, login_as, app):
    edition, pool, ids, _ = _ballot(app, ballot_format=BallotFormat.APPROVAL, revote=True)
    user = login_as(locale="en")
    _on_roll(edition, user)
    token = csrf_token(client, f"/editions/{edition.slug}/vote/{pool.id}")
    _cast(client, edition, pool, token, ids["Jardin"])
    with pytest.raises(AlreadyVoted) as refused:
        _desk_paper(edition)
    db.session.rollback()
    assert refused.value.channel is ParticipationChannel.ONLINE and refused.value.day == date.today()
    assert _count(PooledBallot, PooledBallot.superseded.is_(False)) == 1


def test_the_seal_flushes_drops_the_tags_erases_the_key_reconciles_and_queues_the_counts(
    client, login_as, app
):
    edition, pool, ids, _ = _ballot(app, ballot_format=BallotFormat.APPROVAL, revote=True)
    user = login_as(locale="en")
    _on_roll(edition, user)
    token = csrf_token(client, f"/editions/{edition.slug}/vote/{pool.id}")
    _cast(client, edition, pool, token, ids["Jardin"])
    last = _cast(client, edition, pool, token, ids["Fontaine"])
    key_file = tags.key_path(edition.id)
    assert key_file.exists() and _count(BallotTag) == 1
    with pytest.raises(sealing.VoteStillOpen):
        sealing.seal_edition(edition=edition)
    assert close_ended_votes() == 0  # still open: nothing sealed
    _close(edition)
    assert close_ended_votes() == 1
    assert close_ended_votes() == 0  # once only
    seal = db.session.get(VoteSeal, edition.id)
    assert seal.counts["reconciled"] and seal.counts["online_ballots"] == 1 == seal.counts["online_participations"]
    assert seal.counts["superseded"] == 1 and seal.counts["waiting"] == 0
    assert not key_file.exists() and _count(BallotTag) == 0 and _count(PooledBallot) == 0
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "voting.seal"))
    assert entry.after["tag_key_erased"] is True and entry.after["tags_deleted"] == 1
    assert entry.actor_id is None
    (run,) = db.session.scalars(select(TallyRun).where(TallyRun.pool_id == pool.id)).all()
    assert run.rule == "greedy" and run.created_by_id is None
    # Every tracker shown is on the sealed board, and the chain checks.
    assert last in {t for b in mixer.sealed_batches(edition) for t in b.trackers}
    assert board.chain_problems(mixer.published_key(edition), mixer.sealed_batches(edition)) == []
    page = client.get(f"/editions/{edition.slug}/board", headers=EN).get_data(as_text=True)
    assert "The close" in page and "The ballots match the participations." in page
    assert "1 ballot was replaced by a later vote" in page
    data = client.get(f"/editions/{edition.slug}/board", headers={"Accept": "application/json"}).get_json()
    assert data["sealed"]["counts"]["online_ballots"] == 1 and data["sealed"]["counts"]["reconciled"]
    with pytest.raises(Conflict):
        sealing.seal_edition(edition=edition)
    db.session.rollback()
    # After the seal, no one can revote (no key) even if the calendar were moved back.
    assert _count(Ballot, Ballot.superseded.is_(False)) == 1


def test_reconciliation_flags_online_ballots_that_do_not_match_participations(app, login_as, client):
    edition, pool, ids, _ = _ballot(app, ballot_format=BallotFormat.APPROVAL)
    user = login_as(locale="en")
    _on_roll(edition, user)
    token = csrf_token(client, f"/editions/{edition.slug}/vote/{pool.id}")
    _cast(client, edition, pool, token, ids["Jardin"])
    mixer.put_in_pool(pool=pool, choices=[(pool.projects[2], None)])  # a ballot nobody cast (stuffing)
    db.session.commit()
    _close(edition)
    seal = close_vote(edition)
    assert not seal.counts["reconciled"] and "online_ballots_differ" in seal.counts["problems"]


def test_the_seal_vote_command_refuses_an_open_vote_then_seals_it(app, login_as, client):
    from tests.voting.helpers import civic

    edition, pool, ids, _ = _ballot(app, ballot_format=BallotFormat.APPROVAL)
    user = login_as(locale="en")
    _on_roll(edition, user)
    token = csrf_token(client, f"/editions/{edition.slug}/vote/{pool.id}")
    _cast(client, edition, pool, token, ids["Jardin"])
    refused = civic(app, "seal-vote", edition.slug)
    # The refusals are the domain's messages, in the town's default language (French).
    assert refused.exit_code != 0 and "encore ouvert" in refused.output
    _close(edition)
    done = civic(app, "seal-vote", edition.slug)
    assert done.exit_code == 0, done.output
    assert "1 online" in done.output and "the counts match the participations" in done.output
    again = civic(app, "seal-vote", edition.slug)
    assert again.exit_code != 0 and "déjà scellé" in again.output
    assert civic(app, "seal-vote", "no-such-edition").exit_code != 0
