"""Background jobs of the vote: the mixer, run by the worker (``civic worker``), never in a web request.

Every minute the worker moves the ballots waiting in each edition's pool into the box once at least
MIXER_BATCH_SIZE of them wait (civic.voting.mixer.mix), and, once the vote is over, whatever still waits.
A mixer that loses a race to seal the same batch rolls back and leaves the ballots in the pool for the
next run: nothing is lost, nothing sealed twice.
"""

from __future__ import annotations

import logging
import time

from huey import crontab
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from civic.core import queue
from civic.core.time import utcnow
from civic.extensions import db
from civic.processes.models import Edition
from civic.voting import mixer, notices
from civic.voting.models import PooledBallot, VotePool

log = logging.getLogger(__name__)


def vote_has_ended(edition: Edition) -> bool:
    """Tell whether the edition's vote phase is over (its last ballots are then sealed whatever their number)."""
    from civic.eligibility.services import vote_window

    window = vote_window(edition)
    return window is not None and utcnow() >= window.ends_at


def mix_waiting_ballots() -> int:
    """Mix every edition that has ballots waiting; return how many batches were sealed.

    While the vote is open a batch needs MIXER_BATCH_SIZE ballots; once it is over, whatever waits is
    sealed as the last batch.
    """
    edition_ids = db.session.scalars(
        select(VotePool.edition_id).join(PooledBallot, PooledBallot.pool_id == VotePool.id).distinct()
    ).all()
    sealed = 0
    for edition_id in edition_ids:
        edition = db.session.get(Edition, edition_id)
        if edition is None:
            continue
        try:
            sealed += mixer.mix_until_done(edition=edition, final=vote_has_ended(edition))
        except IntegrityError:  # another mixer sealed this batch number first
            db.session.rollback()
            log.info("mixer for edition %s lost a race; the next run takes the ballots", edition_id)
            continue
    return sealed


# When this process last asked the worker to mix each edition (monotonic seconds).
_MIX_ASKED: dict[int, float] = {}
MIX_REQUEST_INTERVAL = 2.0


def request_mix(edition_id: int) -> None:
    """Ask the worker to mix the edition soon: at most once per MIX_REQUEST_INTERVAL per web process.

    Every cast calls this after its commit. A batch needs 2k waiting ballots, so asking on every cast
    would only put a queue write (and its fsync) in every request; the minute's mixer catches what a
    skipped request leaves. Immediate mode (tests) asks every time.
    """
    now = time.monotonic()
    if not queue.huey.immediate and now - _MIX_ASKED.get(edition_id, -MIX_REQUEST_INTERVAL) < MIX_REQUEST_INTERVAL:
        return
    _MIX_ASKED[edition_id] = now
    mix_edition(edition_id)


@queue.task()
def mix_edition(edition_id: int) -> None:
    """Mix one edition now (its ballots wait until at least MIXER_BATCH_SIZE of them do), a batch at a time."""
    edition = db.session.get(Edition, edition_id)
    if edition is not None:
        mixer.mix_until_done(edition=edition)


def drop_ended_tickets() -> int:
    """Delete the unused kiosk tickets of every edition whose vote is over; return how many were deleted."""
    from civic.voting import townhall
    from civic.voting.models import KioskTicket

    dropped = 0
    for edition_id in db.session.scalars(select(KioskTicket.edition_id).distinct()).all():
        edition = db.session.get(Edition, edition_id)
        if edition is not None and vote_has_ended(edition):
            dropped += townhall.drop_tickets(edition)
    db.session.commit()
    return dropped


queue.huey.periodic_task(crontab(minute="*"))(queue.in_app_context(mix_waiting_ballots))
queue.huey.periodic_task(crontab(minute="*"))(queue.in_app_context(drop_ended_tickets))
queue.huey.periodic_task(crontab(minute="*"))(queue.in_app_context(notices.send_due_notices))
