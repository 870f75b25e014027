"""The mixer: online ballots wait in the pool, then move into the box in random order, sealed on the board.

Why (design: voting.md, "Why a mixer"): a participation row and a ballot written in one transaction stay
linkable (PostgreSQL's ``xmin``, consecutive transaction ids, SQLite's insertion order). So the casting
transaction writes the ballot into ``ballot_pool`` only; the mixer, in a transaction of its own, moves
pooled ballots into ``ballot`` in a random order once at least ``k`` are waiting (or at the close), and
seals them as one batch of the public board: after it, a ballot's timing is known only to its batch.

The board's signing key is an Ed25519 key per edition, kept as a file in the instance folder
(``vote-keys/edition-<id>.key``, owner-only), never in the database: whoever holds the database alone
cannot re-sign a forged board. Its public half is stored (``VoteKey``) and published.
"""

from __future__ import annotations

import functools
import os
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from flask import current_app
from sqlalchemy import Insert, delete, func, insert, select

from civic.extensions import db
from civic.processes.models import Edition
from civic.voting import board
from civic.voting.models import (
    Ballot,
    BallotChannel,
    BallotChoice,
    BoardBatch,
    PooledBallot,
    VoteKey,
    VotePool,
    VotePoolProject,
    VoteSeal,
    VoteType,
)


def _key_path(edition_id: int) -> Path:
    folder = Path(current_app.config.get("VOTE_KEYS_DIR") or Path(current_app.instance_path) / "vote-keys")
    return folder / f"edition-{edition_id}.key"


def signing_key(edition: Edition) -> bytes:
    """Return the edition's board signing key, creating it (and publishing its public half) on first use."""
    path = _key_path(edition.id)
    if path.exists():
        return bytes.fromhex(path.read_text().strip())
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    private = board.new_signing_key()
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another process made it first: use theirs
        return bytes.fromhex(path.read_text().strip())
    with os.fdopen(fd, "w") as fh:
        fh.write(private.hex())
    if db.session.get(VoteKey, edition.id) is None:
        db.session.add(VoteKey(edition_id=edition.id, public_key=board.public_key(private)))
        db.session.flush()
    return private


def pool_content(pool: VotePool, choices: Sequence[tuple[VotePoolProject, int | None]]) -> bytes:
    """Return the canonical content of a ballot of ``pool`` (choices in ballot order, with points)."""
    kind = pool.vote_type.value if isinstance(pool.vote_type, VoteType) else str(pool.vote_type)
    return board.canonical_content(kind, [(project.external_id, points) for project, points in choices])


@dataclass(frozen=True)
class Sealable:
    """A ballot about to be sealed into the box: its random id, box, choices in ballot order, tracker, channel."""

    id: bytes
    pool_id: int
    choices: list[list[int | None]]
    tracker: str
    channel: BallotChannel
    superseded: bool = False


def new_ballot(
    *, pool: VotePool, choices: Sequence[tuple[VotePoolProject, int | None]], channel: BallotChannel
) -> Sealable:
    """Give a ballot of ``pool`` its random id and its tracker (nothing written)."""
    if any(project.pool_id != pool.id for project, _points in choices):
        raise ValueError("a choice is not on this ballot")
    ballot_id = secrets.token_bytes(16)
    return Sealable(
        id=ballot_id,
        pool_id=pool.id,
        choices=[[project.id, points] for project, points in choices],
        tracker=board.tracker(ballot_id, pool_content(pool, choices)),
        channel=channel,
    )


@functools.cache
def _insert_pooled() -> Insert:
    return PooledBallot.__table__.insert()  # type: ignore[attr-defined,no-any-return]


def put_in_pool(
    *,
    pool: VotePool,
    choices: Sequence[tuple[VotePoolProject, int | None]],
    channel: BallotChannel = BallotChannel.ONLINE,
) -> PooledBallot:
    """Write a cast ballot into the pool (the caller's transaction also writes the participation).

    Returns the pooled ballot; its tracker is what the voter is shown. Flushed, not committed. ``channel``:
    online, or in person (a kiosk ballot, whose participation the officer recorded earlier).
    """
    ballot = new_ballot(pool=pool, choices=choices, channel=channel)
    values = {
        "id": ballot.id,
        "pool_id": pool.id,
        "choices": ballot.choices,
        "tracker": ballot.tracker,
        "superseded": False,
        "channel": channel,
    }
    # A Core insert on the connection (the unit of work, and even the session's statement handling, cost
    # more than the statement on every cast). The object returned is not in the session: it only says what
    # was written (its tracker above all), and stays readable after the mixer has moved the row.
    db.session.connection().execute(_insert_pooled(), values)
    return PooledBallot(**values)


def waiting(edition: Edition) -> int:
    """Return how many ballots of the edition wait in the pool."""
    return int(
        db.session.scalar(
            select(func.count())
            .select_from(PooledBallot)
            .join(VotePool, VotePool.id == PooledBallot.pool_id)
            .where(VotePool.edition_id == edition.id)
        )
        or 0
    )


def last_batch(edition: Edition) -> BoardBatch | None:
    return db.session.scalar(
        select(BoardBatch)
        .where(BoardBatch.edition_id == edition.id)
        .order_by(BoardBatch.number.desc())
        .limit(1)
    )


def mix(*, edition: Edition, minimum: int | None = None, final: bool = False) -> BoardBatch | None:
    """Move the edition's pooled ballots into the box, in random order, as one sealed batch.

    Nothing happens while fewer than twice ``minimum`` (k = MIXER_BATCH_SIZE, default 20) wait; then all but
    k of them, chosen at random, move, so that every batch but the last holds at least k ballots and the
    last (``final``, the close, which moves whatever waits) holds at least k too once k were cast.
    While the vote is open a batch holds at most MIXER_MAX_BATCH (default 250) of them, chosen at random
    too: its transaction holds SQLite's one write lock, which every cast waits for, and sealing a thousand
    ballots after a burst stalled the casts for half a second (bench/vote_load.py); the others wait for
    the next batch (``mix_until_done`` seals them one transaction at a time).
    Returns the sealed batch, or None. Flushed, not committed; two mixers
    racing both try batch number n + 1 and the primary key lets only one commit.
    """
    k = minimum if minimum is not None else int(current_app.config.get("MIXER_BATCH_SIZE", 20))
    largest = max(2 * k, int(current_app.config.get("MIXER_MAX_BATCH", 250)))
    # Columns, not ORM objects: the mixer runs beside the casts, and making objects of the whole pool cost
    # more than the statement (on PostgreSQL at saturation, casts went 376 → 408/s without the mixer).
    pooled = db.session.execute(
        select(
            PooledBallot.id,
            PooledBallot.pool_id,
            PooledBallot.choices,
            PooledBallot.tracker,
            PooledBallot.channel,
            PooledBallot.superseded,
        )
        .join(VotePool, VotePool.id == PooledBallot.pool_id)
        .where(VotePool.edition_id == edition.id)
    ).all()
    if not pooled or (len(pooled) < 2 * k and not final):
        return None
    secrets.SystemRandom().shuffle(pooled)
    if not final:
        # k stay behind, chosen at random: a batch mixes ballots cast at any time since the last one, and
        # the last batch (the close) never holds fewer than k ballots when k or more were cast.
        pooled = pooled[: min(len(pooled) - k, largest)]
    entries = [
        Sealable(p.id, p.pool_id, p.choices, p.tracker, BallotChannel(p.channel), p.superseded) for p in pooled
    ]
    db.session.execute(delete(PooledBallot).where(PooledBallot.id.in_([entry.id for entry in entries])))
    return seal_ballots(edition=edition, ballots=entries)


def mix_until_done(*, edition: Edition, final: bool = False, most: int = 1000) -> int:
    """Seal batches of the edition (``mix``), one committed transaction each, until none is due; return how many.

    Between two batches the write lock is free: the casts waiting for it go first. ``most`` bounds one call.
    """
    sealed = 0
    while sealed < most and mix(edition=edition, final=final) is not None:
        db.session.commit()
        sealed += 1
    return sealed


def seal_ballots(*, edition: Edition, ballots: Sequence[Sealable]) -> BoardBatch:
    """Write ``ballots`` into the box in a random order and seal them as the edition's next board batch.

    The one code path of the mixer and of accepted paper tally sheets. Flushed, not committed; two sealers
    racing both try batch number n + 1 and the primary key lets only one commit.
    """
    if not ballots:
        raise ValueError("nothing to seal")
    shuffled = list(ballots)
    secrets.SystemRandom().shuffle(shuffled)
    previous = last_batch(edition)
    number = previous.number + 1 if previous else 1
    ranked = {
        pool_id
        for (pool_id,) in db.session.execute(
            select(VotePool.id).where(
                VotePool.edition_id == edition.id, VotePool.vote_type == VoteType.ORDINAL
            )
        )
    }
    rows, choices = [], []
    for entry in shuffled:
        rows.append(
            {
                "id": entry.id,
                "pool_id": entry.pool_id,
                "channel": entry.channel,
                "extra": None,
                "raw": None,
                "tracker": entry.tracker,
                "batch": number,
                "superseded": entry.superseded,
            }
        )
        for position, (project_id, points) in enumerate(entry.choices):
            choices.append(
                {
                    "ballot_id": entry.id,
                    "vote_pool_project_id": project_id,
                    "position": position,
                    "points": points,
                    "rank": position + 1 if entry.pool_id in ranked else None,
                }
            )
    connection = db.session.connection()
    connection.execute(insert(Ballot.__table__), rows)
    if choices:
        connection.execute(insert(BallotChoice.__table__), choices)
    trackers = sorted(entry.tracker for entry in shuffled)
    previous_hash = previous.hash if previous else board.GENESIS
    digest = board.batch_hash(previous_hash, trackers)
    sealed = BoardBatch(
        edition_id=edition.id,
        number=number,
        trackers=trackers,
        previous=previous_hash,
        hash=digest,
        signature=board.sign(signing_key(edition), digest),
    )
    db.session.add(sealed)
    db.session.flush()
    return sealed


def published_key(edition: Edition) -> str | None:
    """Return the edition's public board key (hex), once it exists."""
    key = db.session.get(VoteKey, edition.id)
    return key.public_key if key else None


def sealed_batches(edition: Edition) -> list[board.SealedBatch]:
    """Return the edition's board as the pure checker reads it."""
    rows = db.session.scalars(
        select(BoardBatch).where(BoardBatch.edition_id == edition.id).order_by(BoardBatch.number)
    )
    return [board.SealedBatch(b.number, tuple(b.trackers), b.previous, b.hash, b.signature) for b in rows]


# --- what the public board and "check my ballot" show ------------------------------------------------


@dataclass(frozen=True)
class BoardView:
    """The public board of an edition: its key, its sealed batches, how many ballots wait, whether it checks."""

    public_key: str | None
    batches: list[BoardBatch]
    waiting: int
    problems: list[str]
    seal: VoteSeal | None = None
    # After the close: the reconciled counts as they stand now (paper sheets may be accepted after the seal).
    counts: dict[str, Any] | None = None

    @property
    def ballots(self) -> int:
        return sum(len(b.trackers) for b in self.batches)


def board_view(edition: Edition) -> BoardView:
    """Read the edition's board and check its chain and signatures as anyone could."""
    batches = list(
        db.session.scalars(
            select(BoardBatch).where(BoardBatch.edition_id == edition.id).order_by(BoardBatch.number)
        )
    )
    key = published_key(edition)
    sealed = [
        board.SealedBatch(b.number, tuple(b.trackers), b.previous, b.hash, b.signature) for b in batches
    ]
    problems = board.chain_problems(key, sealed) if key and sealed else []
    return BoardView(
        public_key=key,
        batches=batches,
        waiting=waiting(edition),
        problems=problems,
        seal=db.session.get(VoteSeal, edition.id),
    )


def board_document(edition: Edition, view: BoardView) -> dict[str, object]:
    """Return the board as JSON-ready data (the same facts as the page, for anyone's own checker)."""
    return {
        "edition": edition.slug,
        "public_key": view.public_key,
        "algorithm": "Ed25519 over the batch hash (hex, ASCII); see civic/voting/board.py for every definition",
        "genesis": board.GENESIS,
        "waiting": view.waiting,
        "batches": [
            {
                "number": b.number,
                "ballots": len(b.trackers),
                "trackers": list(b.trackers),
                "previous": b.previous,
                "hash": b.hash,
                "signature": b.signature,
                "sealed_on": b.sealed_at.date().isoformat(),
            }
            for b in view.batches
        ],
        "checks": not view.problems,
        "sealed": None
        if view.seal is None
        else {"on": view.seal.sealed_at.date().isoformat(), "counts": view.counts or view.seal.counts},
    }


@dataclass(frozen=True)
class TrackerLookup:
    """What "check my ballot" found for a tracker: sealed (with batch and content), waiting, or nothing.

    ``superseded`` (a later ballot of the same person replaced it) is told only once the vote is sealed:
    while it is open, saying so would let whoever asked a voter for their tracker check that they obeyed.
    """

    tracker: str
    state: str  # "sealed", "waiting" or "unknown"
    batch: int | None = None
    choices: tuple[tuple[VotePoolProject, int | None, int | None], ...] = ()
    superseded: bool = False


def find_tracker(edition: Edition, typed: str) -> TrackerLookup:
    """Find a ballot of this edition by its tracker (as typed: dashes, spaces and case do not matter)."""
    wanted = board.normalised_tracker(typed)[: board.TRACKER_LENGTH * 2]
    ballot = db.session.scalar(
        select(Ballot)
        .join(VotePool, VotePool.id == Ballot.pool_id)
        .where(Ballot.tracker == wanted, VotePool.edition_id == edition.id)
    )
    if ballot is not None:
        choices = tuple((c.project, c.points, c.rank) for c in ballot.choices)
        told = ballot.superseded and db.session.get(VoteSeal, edition.id) is not None
        return TrackerLookup(wanted, "sealed", ballot.batch, choices, superseded=told)
    pooled = db.session.scalar(
        select(PooledBallot)
        .join(VotePool, VotePool.id == PooledBallot.pool_id)
        .where(PooledBallot.tracker == wanted, VotePool.edition_id == edition.id)
    )
    if pooled is not None:
        return TrackerLookup(wanted, "waiting")
    return TrackerLookup(wanted, "unknown")
