"""The mixer: pooled online ballots move into the box in random order, as signed batches of the board."""

from __future__ import annotations

import os
import stat

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import IntegrityError

from civic.extensions import db
from civic.voting import board, mixer
from civic.voting.models import Ballot, BallotChannel, BoardBatch, PooledBallot, VoteKey
from civic.voting.services import count_pool, election_for_pool
from tests.factories import create_vote_pool

TINY_ORDINAL = """META
key;value
description;Classement
country;France
unit;Testville
instance;2026
num_projects;3
num_votes;1
budget;100
vote_type;ordinal
rule;unknown
PROJECTS
project_id;cost;name
a;60;Aire de jeux
b;50;Bancs
c;40;Composteur
VOTES
voter_id;vote
1;c,a
"""


def _count(model) -> int:
    return int(db.session.scalar(select(func.count()).select_from(model)))


def _cast(pool, *external_ids):
    by_id = {p.external_id: p for p in pool.projects}
    return mixer.put_in_pool(pool=pool, choices=[(by_id[e], None) for e in external_ids])


def test_ballots_wait_until_k_then_move_in_one_signed_batch_and_count(app):
    pool = create_vote_pool()
    imported = _count(Ballot)
    cast = [_cast(pool, *choice) for choice in [("a",), ("b", "c"), ("c",)] * 7]  # 21 ballots
    db.session.commit()
    assert mixer.mix(edition=pool.edition, minimum=11) is None  # fewer than 2 k waiting
    assert mixer.waiting(pool.edition) == 21
    sealed = mixer.mix(edition=pool.edition, minimum=10)
    db.session.commit()
    assert sealed.number == 1 and sealed.previous == board.GENESIS
    # All but k move, chosen at random: the 10 left behind go with the next batch (here the close).
    assert len(sealed.trackers) == 11 and set(sealed.trackers) < {c.tracker for c in cast}
    assert sealed.trackers == sorted(sealed.trackers) and mixer.waiting(pool.edition) == 10
    last = mixer.mix(edition=pool.edition, final=True)
    db.session.commit()
    assert sorted(sealed.trackers + last.trackers) == sorted(c.tracker for c in cast)
    assert _count(PooledBallot) == 0 and _count(Ballot) == imported + 21
    online = db.session.scalars(select(Ballot).where(Ballot.channel == BallotChannel.ONLINE)).all()
    assert {b.tracker for b in online} == {c.tracker for c in cast} and {b.batch for b in online} == {1, 2}
    # Each ballot keeps its content: the tracker recomputed from the box matches.
    for ballot in online:
        content = mixer.pool_content(pool, [(c.project, c.points) for c in ballot.choices])
        assert board.tracker(ballot.id, content) == ballot.tracker
    # The 3 imported ballots plus 7 × (a), (b, c), (c): greedy counts them.
    assert count_pool(pool, "greedy", election=election_for_pool(pool)).selected
    assert board.chain_problems(mixer.published_key(pool.edition), mixer.sealed_batches(pool.edition)) == []


def test_the_close_moves_what_waits_and_batches_chain(app):
    pool = create_vote_pool()
    [_cast(pool, "a") for _ in range(4)]
    first = mixer.mix(edition=pool.edition, minimum=2)  # 2 of 4 move, 2 stay
    _cast(pool, "b")
    assert mixer.mix(edition=pool.edition, minimum=2) is None  # 3 wait: fewer than 2 k
    last = mixer.mix(edition=pool.edition, final=True)
    db.session.commit()
    assert len(first.trackers) == 2
    assert (first.number, last.previous) == (1, first.hash) and mixer.waiting(pool.edition) == 0
    assert mixer.mix(edition=pool.edition, final=True) is None  # nothing left: no empty batch
    problems = board.chain_problems(mixer.published_key(pool.edition), mixer.sealed_batches(pool.edition))
    assert problems == []


def test_a_ranking_keeps_its_order_in_the_box(app):
    pool = create_vote_pool(text=TINY_ORDINAL)
    _cast(pool, "b", "c", "a")
    mixer.mix(edition=pool.edition, final=True)
    db.session.commit()
    ballot = db.session.scalar(select(Ballot).where(Ballot.channel == BallotChannel.ONLINE))
    assert [(c.project.external_id, c.rank) for c in ballot.choices] == [("b", 1), ("c", 2), ("a", 3)]


def test_the_signing_key_stays_out_of_the_database(app):
    pool = create_vote_pool()
    _cast(pool, "a")
    mixer.mix(edition=pool.edition, final=True)
    db.session.commit()
    path = mixer._key_path(pool.edition.id)
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    private = bytes.fromhex(path.read_text())
    assert db.session.get(VoteKey, pool.edition.id).public_key == board.public_key(private)
    if db.engine.dialect.name == "sqlite":
        dump = "\n".join(db.session.connection().connection.driver_connection.iterdump())
        assert private.hex() not in dump


def test_the_box_does_not_keep_the_order_ballots_were_mixed_in(app):
    """On SQLite (WITHOUT ROWID) physical order follows the random ids: reading the box back gives no hint
    of the mixing order. PostgreSQL's heap keeps write order until the close rewrites the table (the seal)."""
    if db.engine.dialect.name != "sqlite":
        pytest.skip("PostgreSQL keeps heap order until the seal rewrites the table")
    pool = create_vote_pool()
    ballots = [_cast(pool, "a") for _ in range(40)]
    mixer.mix(edition=pool.edition, final=True)
    db.session.commit()
    stored = [row[0] for row in db.session.execute(text("SELECT id FROM ballot WHERE channel = 'online'"))]
    assert stored == sorted(stored)  # key order, whatever the order of writing
    assert set(stored) == {b.id for b in ballots}


def test_a_choice_from_another_ballot_is_refused(app):
    one, other = create_vote_pool(), create_vote_pool()
    with pytest.raises(ValueError):
        mixer.put_in_pool(pool=one, choices=[(other.projects[0], None)])
    with pytest.raises(board.ContentError):
        mixer.put_in_pool(pool=one, choices=[(one.projects[0], None), (one.projects[0], None)])


def test_two_mixers_cannot_seal_the_same_batch(app):
    pool = create_vote_pool()
    _cast(pool, "a")
    mixer.mix(edition=pool.edition, final=True)
    db.session.commit()
    db.session.add(
        BoardBatch(
            edition_id=pool.edition.id, number=1, trackers=[], previous="0" * 64, hash="x", signature="y"
        )
    )
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()


def test_the_worker_job_mixes_every_edition_with_enough_waiting(app, monkeypatch):
    from flask import current_app

    from civic.voting.tasks import mix_waiting_ballots

    full, short = create_vote_pool(), create_vote_pool()
    for _ in range(5):
        _cast(full, "a")
    for _ in range(3):
        _cast(short, "b")
    db.session.commit()
    monkeypatch.setitem(current_app.config, "MIXER_BATCH_SIZE", 2)
    assert mix_waiting_ballots() == 1  # 5 ≥ 2 k: 3 move, k = 2 stay; 3 < 2 k: none move
    assert mixer.waiting(full.edition) == 2 and mixer.waiting(short.edition) == 3


def test_once_the_vote_is_over_the_worker_seals_whatever_waits(app):
    from datetime import timedelta

    from civic.core.time import utcnow
    from civic.voting.ballot_rules import BallotFormat
    from civic.voting.tasks import mix_waiting_ballots
    from tests.voting.test_filling import _ballot

    edition, pool, _ids, _ = _ballot(app, ballot_format=BallotFormat.APPROVAL)
    _cast(pool, pool.projects[0].external_id)
    db.session.commit()
    assert mix_waiting_ballots() == 0 and mixer.waiting(edition) == 1  # open: one ballot is not a batch
    vote = next(p for p in edition.phases if p.kind.value == "vote")
    vote.ends_at = utcnow() - timedelta(minutes=1)
    db.session.commit()
    assert mix_waiting_ballots() == 1 and mixer.waiting(edition) == 0


def test_after_a_burst_the_pool_is_sealed_in_bounded_batches_each_committed(app, monkeypatch):
    """A batch's transaction holds SQLite's write lock: while the vote is open a batch is at most MIXER_MAX_BATCH."""
    from flask import current_app

    from civic.voting.tasks import mix_edition

    pool = create_vote_pool()
    cast = {_cast(pool, ("a", "b", "c")[n % 3]).tracker for n in range(12)}
    db.session.commit()
    monkeypatch.setitem(current_app.config, "MIXER_BATCH_SIZE", 2)
    monkeypatch.setitem(current_app.config, "MIXER_MAX_BATCH", 4)
    commits = []
    monkeypatch.setattr(db.session, "commit", lambda real=db.session.commit: commits.append(1) or real())
    mix_edition(pool.edition.id)
    batches = db.session.scalars(select(BoardBatch).order_by(BoardBatch.number)).all()
    # 12 waiting: 4 move, then 4, then 4 - k = 2; the k = 2 left wait (fewer than 2 k).
    assert [len(b.trackers) for b in batches] == [4, 4, 2] and len(commits) == 3
    assert mixer.waiting(pool.edition) == 2
    sealed = {t for b in batches for t in b.trackers}
    assert len(sealed) == 10 and sealed < cast
    assert board.chain_problems(mixer.published_key(pool.edition), mixer.sealed_batches(pool.edition)) == []


def test_the_close_moves_whatever_waits_in_one_batch_whatever_its_size(app, monkeypatch):
    from flask import current_app

    pool = create_vote_pool()
    for n in range(9):
        _cast(pool, ("a", "b", "c")[n % 3])
    db.session.commit()
    monkeypatch.setitem(current_app.config, "MIXER_BATCH_SIZE", 2)
    monkeypatch.setitem(current_app.config, "MIXER_MAX_BATCH", 4)
    assert mixer.mix_until_done(edition=pool.edition, final=True) == 1
    assert [len(b.trackers) for b in db.session.scalars(select(BoardBatch))] == [9]
    assert mixer.waiting(pool.edition) == 0
