"""The "your participation was recorded" e-mails: due in the cast's transaction, sent by the worker in batches."""

from __future__ import annotations

from datetime import date, timedelta

import time_machine
from sqlalchemy import func, select

from civic.accounts.roles import Role
from civic.core.mail import outbox as sent_mail
from civic.core.time import utcnow
from civic.eligibility import services as roll_services
from civic.eligibility.models import Participation
from civic.extensions import db
from civic.voting import ballot as ballot_services
from civic.voting import casting, filling, notices
from civic.voting.ballot_rules import BallotFormat
from tests.factories import create_user
from tests.voting.test_filling import _ballot
from tests.voting.test_revote_and_seal import _close

BIRTH = date(1980, 5, 17)


def _voters(edition, n, *, locales=("fr",)):
    desk = create_user(roles=(Role.FRONT_DESK,))
    voters = []
    for i in range(n):
        voter = create_user(email=f"notice{edition.id}-{i}@example.org", locale=locales[i % len(locales)])
        identifier = f"NOTICE-{edition.id}-{i:03d}"
        roll_services.add_in_person(
            actor=desk, edition=edition, identifier=identifier, birth_date=BIRTH, district_id=None
        )
        roll_services.link_with_identifier(actor=voter, edition=edition, identifier=identifier, birth_date=BIRTH)
        voters.append(voter)
    db.session.commit()
    return voters


def _cast(edition, pool, voter, project=0):
    settings = ballot_services.settings_of(edition).rules()
    reading = filling.Reading((list(pool.projects)[project],), None)
    casting.cast_ballots(actor=voter, edition=edition, settings=settings, ballots=[(pool, reading)])
    db.session.commit()


def _due() -> int:
    db.session.expire_all()
    return int(db.session.scalar(select(func.coalesce(func.sum(Participation.notices_due), 0))))


def _mails_to(voters) -> list:
    addresses = {v.email for v in voters}
    return [m for m in sent_mail() if m.template == "participation_recorded" and m.to in addresses]


def test_the_cast_sends_nothing_and_the_worker_waits_for_k_people_then_sends_all_in_their_language(app):
    edition, pool, _ids, _ = _ballot(app, ballot_format=BallotFormat.APPROVAL)
    voters = _voters(edition, 4, locales=("fr", "en"))
    for voter in voters[:3]:
        _cast(edition, pool, voter)
    assert _mails_to(voters) == [] and _due() == 3
    # Fewer than k (here 4) are due, on the day they voted, while the vote is open: nothing leaves.
    assert notices.send_due_notices(minimum=4) == 0
    assert _mails_to(voters) == [] and _due() == 3
    _cast(edition, pool, voters[3])
    assert notices.send_due_notices(minimum=4) == 4
    mails = _mails_to(voters)
    assert sorted(m.to for m in mails) == sorted(v.email for v in voters) and _due() == 0
    by_address = {m.to: m for m in mails}
    assert "a été enregistrée le" in by_address[voters[0].email].body
    assert "was recorded on" in by_address[voters[1].email].body
    assert by_address[voters[1].email].locale == "en"
    # Nothing is due any more: a second run sends nothing again.
    assert notices.send_due_notices(minimum=1) == 0 and len(_mails_to(voters)) == 4


def test_notices_due_since_an_earlier_day_leave_whatever_their_number(app):
    edition, pool, _ids, _ = _ballot(app, ballot_format=BallotFormat.APPROVAL)
    (voter,) = _voters(edition, 1)
    _cast(edition, pool, voter)
    assert notices.send_due_notices(minimum=20) == 0
    with time_machine.travel(utcnow() + timedelta(days=1)):
        assert notices.send_due_notices(minimum=20) == 1
    (mail,) = _mails_to([voter])
    assert utcnow().date().strftime("%Y") in mail.body  # the day of the participation, not of the sending


def test_once_the_vote_is_over_every_due_notice_leaves(app):
    edition, pool, _ids, _ = _ballot(app, ballot_format=BallotFormat.APPROVAL)
    voters = _voters(edition, 2)
    for voter in voters:
        _cast(edition, pool, voter)
    assert notices.send_due_notices(minimum=20) == 0
    _close(edition)
    assert notices.send_due_notices(minimum=20) == 2 and _due() == 0


def test_a_revote_before_the_sending_is_told_in_one_e_mail_with_the_number_of_votes(app):
    edition, pool, _ids, _ = _ballot(app, ballot_format=BallotFormat.APPROVAL, revote=True)
    voter, other = _voters(edition, 2, locales=("en",))
    _cast(edition, pool, voter, 0)
    _cast(edition, pool, voter, 1)
    _cast(edition, pool, other, 2)
    assert _due() == 3
    assert notices.send_due_notices(minimum=2) == 2
    told = {m.to: m.body for m in _mails_to([voter, other])}
    assert "You voted 2 times since our last message: only your last ballot counts." in told[voter.email]
    assert "times since" not in told[other.email]
    # A revote after the e-mail makes one due again, and only that one.
    _cast(edition, pool, voter, 2)
    assert _due() == 1


def test_a_vote_recorded_while_the_e_mails_are_being_sent_stays_due(app, monkeypatch):
    edition, pool, _ids, _ = _ballot(app, ballot_format=BallotFormat.APPROVAL, revote=True)
    voter, other = _voters(edition, 2)
    _cast(edition, pool, voter, 0)
    real_send = notices.send_mail
    revoted = []

    def send_and_revote(**message):
        # The person votes again between the worker's read and its commit (same transaction here: the
        # worker's update must clear only the count it read).
        if not revoted:
            revoted.append(True)
            db.session.execute(
                Participation.__table__.update()
                .where(Participation.person_key == _key_of(edition, voter))
                .values(notices_due=Participation.notices_due + 1)
            )
        return real_send(**message)

    monkeypatch.setattr(notices, "send_mail", send_and_revote)
    assert notices.send_due_notices(minimum=1) == 1
    # The e-mail told one vote; the one recorded meanwhile stays due, for the next send.
    assert _due() == 1 and len(_mails_to([voter])) == 1
    assert notices.send_due_notices(minimum=1) == 1 and _due() == 0
    del other


def _key_of(edition, voter) -> str:
    from civic.eligibility.models import RollLink

    return db.session.scalar(
        select(RollLink.person_key).where(RollLink.edition_id == edition.id, RollLink.user_id == voter.id)
    )
