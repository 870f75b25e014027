"""After the vote's end: seal it (civic.voting.sealing), then count every ballot box with the edition's rule.

The worker runs ``close_ended_votes`` every minute: each edition whose vote (held in Civic: it has ballot
settings) has ended and is not sealed yet is sealed, committed, compacted, and its counts queued through
the results pipeline, as if an analyst had started them (the audit says the seal did). Publishing stays a
person's act (an administrator, during the results phase). Where paper ballots are still to be typed
(paper participations and no accepted paper ballot yet), counting waits for the staff to start it once
the tally sheets are in.
"""

from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy import select

from civic.core import audit
from civic.core.time import utcnow
from civic.extensions import db
from civic.processes.models import Edition
from civic.results.models import TallyRun
from civic.voting import sealing
from civic.voting.models import BallotSettings, VotePool, VoteSeal

log = logging.getLogger(__name__)


def ended_unsealed(now: datetime) -> list[Edition]:
    """Return the editions whose vote has ended and is not sealed yet."""
    from civic.eligibility.services import vote_window

    editions = db.session.scalars(
        select(Edition)
        .join(BallotSettings, BallotSettings.edition_id == Edition.id)
        .outerjoin(VoteSeal, VoteSeal.edition_id == Edition.id)
        .where(VoteSeal.edition_id.is_(None))
    )
    return [e for e in editions if (w := vote_window(e)) is not None and now >= w.ends_at]


def _queue_counts(edition: Edition, rule: str) -> list[TallyRun]:
    runs = []
    for pool in db.session.scalars(select(VotePool).where(VotePool.edition_id == edition.id)):
        run = TallyRun(pool_id=pool.id, rule=rule, created_by_id=None)
        db.session.add(run)
        db.session.flush()
        audit.record(
            actor_id=None,
            action="tally.run",
            target_type="vote_pool",
            target_id=pool.id,
            after={"run": run.id, "rule": rule, "started_by": "seal"},
        )
        runs.append(run)
    return runs


def close_vote(edition: Edition, *, now: datetime | None = None) -> VoteSeal:
    """Seal the edition's vote, commit, compact the database, and queue its counts (unless paper waits)."""
    from civic.results.tasks import count_run

    seal = sealing.seal_edition(edition=edition, now=now)
    settings = db.session.get(BallotSettings, edition.id)
    paper_waits = seal.counts["paper_participations"] > 0 and seal.counts["paper_ballots"] == 0
    runs = [] if settings is None or paper_waits else _queue_counts(edition, settings.counting_rule)
    run_ids = [r.id for r in runs]
    db.session.commit()
    sealing.compact()
    for run_id in run_ids:
        count_run(run_id)  # after the commit: the worker must find the run
    return seal


def close_ended_votes() -> int:
    """Seal every edition whose vote has ended (the worker's periodic job); return how many were sealed."""
    sealed = 0
    for edition in ended_unsealed(utcnow()):
        try:
            close_vote(edition)
            sealed += 1
        except sealing.AlreadySealed:  # another worker sealed it first
            db.session.rollback()
        except Exception:
            db.session.rollback()
            log.exception("sealing the vote of edition %s failed; the next run tries again", edition.id)
    return sealed
