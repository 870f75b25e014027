"""The e-mail that tells a voter their participation was recorded, sent by the worker in batches.

A cast does not send it: the participation counts it as due (``Participation.notices_due``) in the cast's
transaction, and the worker (``send_due_notices``, every minute) sends an edition's due e-mails together
once at least MIXER_BATCH_SIZE people wait for one, once the oldest waited since an earlier day, or once
the vote is over. So the cast's request never waits for a mail server, a mail server that is down loses
nothing (the count stays due until the send commits), and the time of an e-mail tells the mail provider no
more about when a person voted than the board's batches tell everyone. A person who voted several times
since their last e-mail (revote) is told how many times, so a vote cast in their name does not go unseen.
"""

from __future__ import annotations

import random
from datetime import date

from flask import current_app
from sqlalchemy import bindparam, func, select, update

from civic.accounts.models import User
from civic.core.mail import send_mail
from civic.core.time import utcnow
from civic.eligibility.models import Participation, RollLink
from civic.extensions import db
from civic.processes.models import Edition

_shuffle = random.SystemRandom().shuffle


def _due(edition_id: int) -> list[tuple[str, date, int, User | None]]:
    rows = db.session.execute(
        select(Participation.person_key, Participation.day, Participation.notices_due, User)
        .outerjoin(
            RollLink,
            (RollLink.edition_id == Participation.edition_id) & (RollLink.person_key == Participation.person_key),
        )
        .outerjoin(User, User.id == RollLink.user_id)
        .where(Participation.edition_id == edition_id, Participation.notices_due > 0)
    ).all()
    return [tuple(r) for r in rows]  # type: ignore[misc]


def _ready(edition: Edition, waiting: int, oldest: date, today: date, k: int) -> bool:
    from civic.voting.tasks import vote_has_ended

    return waiting >= k or oldest < today or vote_has_ended(edition)


def send_due_notices(*, minimum: int | None = None) -> int:
    """Send the due confirmation e-mails of every edition that is ready; return how many were sent.

    Each edition is committed on its own; the e-mails leave after its commit (civic.core.mail), in an
    order that says nothing about the order people voted in.
    """
    k = minimum if minimum is not None else int(current_app.config.get("MIXER_BATCH_SIZE", 20))
    today = utcnow().date()
    editions = db.session.execute(
        select(Participation.edition_id, func.count(), func.min(Participation.day))
        .where(Participation.notices_due > 0)
        .group_by(Participation.edition_id)
    ).all()
    sent = 0
    for edition_id, waiting, oldest in editions:
        edition = db.session.get(Edition, edition_id)
        if edition is None or not _ready(edition, int(waiting), oldest, today, k):
            continue
        due = _due(edition_id)
        _shuffle(due)
        for _key, day, times, user in due:
            if user is not None and user.email:
                send_mail(
                    to=user.email,
                    template="participation_recorded",
                    locale=user.locale or "fr",
                    name=user.display_name,
                    edition=edition,
                    day=day,
                    times=times,
                )
                sent += 1
        # Only what was told: a vote cast meanwhile stays due for the next send.
        table = Participation.__table__
        if due:
            db.session.connection().execute(
                update(table)
                .where(
                    table.c.edition_id == edition_id,
                    table.c.person_key == bindparam("key"),
                    table.c.notices_due >= bindparam("times"),
                )
                .values(notices_due=table.c.notices_due - bindparam("times")),
                [{"key": key, "times": times} for key, _day, times, _user in due],
            )
        db.session.commit()
    return sent
