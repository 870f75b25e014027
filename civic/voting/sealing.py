"""The close of the vote (scellement): after it, nothing in the database joins a person to a ballot.

In the order of the design (voting.md, "Closing"), once the vote's end has passed on the server's clock:

1. the mixer's final flush: whatever waits in the pool is sealed as the board's last batch;
2. unused kiosk tickets and the ballot tags are deleted and the edition's tag key erased (audited: the
   erasure is the promise);
3. the tables that held both sides are rewritten so that neither physical order nor transaction ids tell
   who wrote what when: on PostgreSQL every ballot, choice and participation row of the edition is
   rewritten by the seal's own transaction (one ``xmin`` for all) and, after its commit, the tables are
   clustered on their random keys (physical order = ``ctid`` order = key order, dead rows gone:
   ``compact``); on SQLite the tables are WITHOUT ROWID
   (physical order is key order), deleted rows are overwritten (every connection runs with
   ``secure_delete``, civic.core.database) and, after the commit,
   the WAL is checkpointed and truncated and the file rebuilt (``VACUUM``: ``compact``);
4. the counts are reconciled (online ballots = what online participations cast; kiosk and paper ballots
   at most what in-person participations allow) and recorded with the seal.

Counting and publishing follow, above voting (``civic.results.closing``).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select, text

from civic.core import audit
from civic.core.errors import Conflict
from civic.core.time import utcnow
from civic.eligibility.models import Participation, ParticipationChannel
from civic.eligibility.services import vote_window
from civic.extensions import db
from civic.processes.models import Edition
from civic.voting import mixer, tags, townhall
from civic.voting.ballot_rules import BallotScope, DistrictsPerVoter
from civic.voting.models import Ballot, BallotChannel, BallotSettings, PooledBallot, VotePool, VoteSeal

# The tables the seal rewrites on PostgreSQL, with the primary key each is clustered on.
_CLUSTERED = (
    ("ballot", "pk_ballot"),
    ("ballot_choice", "pk_ballot_choice"),
    ("ballot_pool", "pk_ballot_pool"),
    ("ballot_tag", "pk_ballot_tag"),
    ("participation", "pk_participation"),
    ("kiosk_ticket", "pk_kiosk_ticket"),
)


class VoteStillOpen(Conflict):
    """The vote has not ended yet: it cannot be sealed."""


class AlreadySealed(Conflict):
    """The vote was sealed already."""


def seal_of(edition: Edition) -> VoteSeal | None:
    return db.session.get(VoteSeal, edition.id)


def seal_edition(*, edition: Edition, now: datetime | None = None) -> VoteSeal:
    """Seal the edition's vote (steps 1 to 4 above); flushed, not committed. Then commit and ``compact``."""
    moment = now or utcnow()
    window = vote_window(edition)
    if window is None or moment < window.ends_at:
        raise VoteStillOpen(_l("The vote is still open: it is sealed after its end."))
    if seal_of(edition) is not None:
        raise AlreadySealed(_l("This vote is already sealed."))
    last = mixer.mix(edition=edition, final=True)
    tickets = townhall.drop_tickets(edition)  # unused kiosk tickets die with the vote
    forgotten = tags.forget(edition)
    erased = tags.erase_key(edition)
    if db.engine.dialect.name == "postgresql":
        _rewrite_postgresql(edition)
    counts = reconcile(edition)
    seal = VoteSeal(edition_id=edition.id, sealed_at=moment, counts=counts)
    db.session.add(seal)
    db.session.flush()
    audit.record(
        actor_id=None,
        action="voting.seal",
        target_type="edition",
        target_id=edition.id,
        after={
            "last_batch": last.number if last else None,
            "tags_deleted": forgotten,
            "kiosk_tickets_deleted": tickets,
            "tag_key_erased": erased,
            "reconciled": counts["reconciled"],
        },
    )
    return seal


def _rewrite_postgresql(edition: Edition) -> None:
    """Give every row of the edition on both sides the seal's transaction id (one ``xmin`` for all)."""
    statements = (
        "UPDATE ballot SET batch = batch WHERE pool_id IN (SELECT id FROM vote_pool WHERE edition_id = :e)",
        "UPDATE ballot_choice SET position = position WHERE ballot_id IN (SELECT b.id FROM ballot b "
        "JOIN vote_pool p ON p.id = b.pool_id WHERE p.edition_id = :e)",
        "UPDATE participation SET day = day WHERE edition_id = :e",
    )
    for statement in statements:
        db.session.execute(text(statement), {"e": edition.id})


def compact() -> None:
    """After the seal's commit: leave nothing of the old rows in the files (outside the seal's transaction).

    PostgreSQL: each table is clustered on its random primary key, which writes a new file in key order
    without the dead rows (the deleted tags and pool rows, the versions the seal's updates replaced, with
    their old ``xmin``). It must follow the commit: inside the transaction that deleted them, those rows
    are not dead yet and CLUSTER would copy them. SQLite: the WAL is checkpointed and truncated and the file
    rebuilt (VACUUM), which cannot run inside a transaction either.
    """
    # The session released its connection at the commit: the rewrite runs on a connection of its own.
    if db.engine.dialect.name == "postgresql":
        with db.engine.connect() as connection:
            for table, index in _CLUSTERED:
                connection.execute(text(f"CLUSTER {table} USING {index}"))
                connection.commit()
        return
    with db.engine.connect() as connection:
        raw = connection.connection.driver_connection
        assert raw is not None
        raw.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        raw.execute("VACUUM")
        raw.execute("PRAGMA wal_checkpoint(TRUNCATE)")


def _per_person(edition: Edition) -> int:
    """Return how many ballot boxes one person may vote in (to bound kiosk and paper ballots)."""
    settings = db.session.get(BallotSettings, edition.id)
    pools = int(
        db.session.scalar(select(func.count()).select_from(VotePool).where(VotePool.edition_id == edition.id))
        or 0
    )
    if settings is None or settings.scope is BallotScope.EDITION:
        return 1
    reach = {DistrictsPerVoter.OWN: 1, DistrictsPerVoter.OWN_PLUS_ONE: 2}
    return min(pools, reach.get(settings.districts_per_voter, pools)) or 1


def reconcile(edition: Edition) -> dict[str, Any]:
    """Return the close's counts and whether they agree (the numbers published with the board)."""
    in_edition = select(VotePool.id).where(VotePool.edition_id == edition.id)
    by_channel = dict(
        db.session.execute(
            select(Participation.channel, func.count())
            .where(Participation.edition_id == edition.id)
            .group_by(Participation.channel)
        ).all()
    )
    cast_online = int(
        db.session.scalar(
            select(func.coalesce(func.sum(Participation.ballots), 0)).where(
                Participation.edition_id == edition.id,
                Participation.channel == ParticipationChannel.ONLINE,
            )
        )
        or 0
    )
    valid = dict(
        db.session.execute(
            select(Ballot.channel, func.count())
            .where(Ballot.pool_id.in_(in_edition), Ballot.superseded.is_(False))
            .group_by(Ballot.channel)
        ).all()
    )
    superseded = int(
        db.session.scalar(
            select(func.count()).where(Ballot.pool_id.in_(in_edition), Ballot.superseded.is_(True))
        )
        or 0
    )
    waiting = int(db.session.scalar(select(func.count()).where(PooledBallot.pool_id.in_(in_edition))) or 0)
    per_person = _per_person(edition)
    counts: dict[str, Any] = {
        "online_participations": int(by_channel.get(ParticipationChannel.ONLINE, 0)),
        "online_ballots_cast": cast_online,
        "online_ballots": int(valid.get(BallotChannel.ONLINE, 0)),
        "town_hall_participations": int(by_channel.get(ParticipationChannel.TOWN_HALL, 0)),
        "paper_participations": int(by_channel.get(ParticipationChannel.PAPER, 0)),
        "in_person_ballots": int(valid.get(BallotChannel.IN_PERSON, 0)),
        "paper_ballots": int(valid.get(BallotChannel.PAPER, 0)),
        "superseded": superseded,
        "waiting": waiting,
    }
    problems = []
    if counts["online_ballots"] != cast_online:
        problems.append("online_ballots_differ")
    if waiting:
        problems.append("ballots_waiting")
    if counts["in_person_ballots"] > counts["town_hall_participations"] * per_person:
        problems.append("kiosk_ballots_above_participations")
    if counts["paper_ballots"] > counts["paper_participations"] * per_person:
        problems.append("paper_ballots_above_participations")
    counts["problems"] = problems
    counts["reconciled"] = not problems
    return counts
