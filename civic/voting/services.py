"""Vote pool use cases: find a pool, read its ballots for counting, count it with a named rule."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from fractions import Fraction
from typing import Any

from sqlalchemy import or_, select

from civic.core.errors import Conflict, NotFound
from civic.extensions import db
from civic.processes.models import District, Edition
from civic.tally import api
from civic.tally.errors import RuleNotApplicable
from civic.tally.model import Ballot as TallyBallot
from civic.tally.model import Election, Number, Project, normalize
from civic.tally.official import official_options
from civic.tally.outcome import Outcome
from civic.voting.models import Ballot, BallotChoice, BallotSettings, VotePool, VoteType

POINTS_KINDS = frozenset({VoteType.CUMULATIVE, VoteType.SCORING})


def from_cents(cents: int) -> Number:
    """Return integer cents as an exact amount (int, or Fraction when not whole)."""
    return normalize(Fraction(cents, 100))


def find_edition(ref: str, *, missing_ok: bool = False) -> Edition | None:
    """Return the edition whose slug, or else exact name, is ``ref``."""
    edition = db.session.scalar(select(Edition).where(Edition.slug == ref))
    if edition is not None:
        return edition
    named = db.session.scalars(select(Edition).where(Edition.name == ref)).all()
    if len(named) > 1:
        slugs = ", ".join(e.slug for e in named)
        raise Conflict(f"several editions are named {ref!r}: give a slug ({slugs})")
    if named:
        return named[0]
    if missing_ok:
        return None
    raise NotFound(f"no edition has the slug or name {ref!r}")


def find_pool(*, edition_ref: str, district: str | None = None) -> VotePool:
    """Return the vote pool of an edition (slug or name), edition-wide or for a district (name or slug)."""
    edition = find_edition(edition_ref)
    assert edition is not None
    stmt = select(VotePool).where(VotePool.edition_id == edition.id)
    if district is None:
        stmt = stmt.where(VotePool.district_id.is_(None))
    else:
        stmt = stmt.join(District, VotePool.district_id == District.id).where(
            or_(District.name == district, District.slug == district)
        )
    pool = db.session.scalar(stmt)
    if pool is None:
        where = f"district {district!r}" if district else "the whole edition"
        raise NotFound(f"edition {edition.slug!r} has no vote pool for {where}")
    return pool


def ballot_choices(pool: VotePool) -> Iterator[tuple[bytes, tuple[str, ...], tuple[int | None, ...]]]:
    """Yield (ballot id, project ids, points) for every counted ballot of the pool, empty ones included.

    A superseded ballot (replaced by a later one of the same person) stays in the box and on the board but
    is never counted nor exported.

    Ballots come in the order of their random ids (never the order they were cast), projects in ballot
    order: best-first for ordinal ballots, in the order they were named otherwise.
    """
    external = {vpp.id: vpp.external_id for vpp in pool.projects}
    stmt = (
        select(Ballot.id, BallotChoice.vote_pool_project_id, BallotChoice.points)
        .select_from(Ballot)
        .outerjoin(BallotChoice, BallotChoice.ballot_id == Ballot.id)
        .where(Ballot.pool_id == pool.id, Ballot.superseded.is_(False))
        .order_by(Ballot.id, BallotChoice.position)
    )
    current: bytes | None = None
    ids: list[str] = []
    points: list[int | None] = []
    for ballot_id, vpp_id, pts in db.session.execute(stmt):
        if ballot_id != current:
            if current is not None:
                yield current, tuple(ids), tuple(points)
            current, ids, points = ballot_id, [], []
        if vpp_id is not None:
            ids.append(external[vpp_id])
            points.append(pts)
    if current is not None:
        yield current, tuple(ids), tuple(points)


def pool_ballot_rows(pool: VotePool, *, with_trackers: bool = False) -> Iterator[Any]:
    """Yield (extra voter cells, project ids, points) for every ballot of the pool, as cast, for export;
    ``with_trackers`` puts each ballot's tracker first: (tracker, extra, ids, points)."""
    rows = db.session.execute(
        select(Ballot.id, Ballot.extra, Ballot.raw, Ballot.tracker).where(
            Ballot.pool_id == pool.id, Ballot.superseded.is_(False)
        )
    )
    stored = {ballot_id: (extra, raw, tracker) for ballot_id, extra, raw, tracker in rows}
    for ballot_id, ids, points in ballot_choices(pool):
        extra, raw, tracker = stored[ballot_id]
        row = (extra, ids, points) if raw is None else (extra, tuple(raw["vote"]), tuple(raw["points"] or ()))
        yield (tracker, *row) if with_trackers else row


def ballots_for_pool(pool: VotePool) -> tuple[list[Project], Number, str, list[TallyBallot]]:
    """Return (projects, budget, kind, ballots) for `civic.tally.api.count_ballots`, identical ballots grouped."""
    projects = [Project(vpp.external_id, from_cents(vpp.cost_cents)) for vpp in pool.projects]
    with_points = pool.vote_type in POINTS_KINDS
    groups: Counter[tuple[tuple[str, ...], tuple[int | None, ...] | None]] = Counter()
    for _ballot_id, ids, points in ballot_choices(pool):
        groups[(ids, points if with_points else None)] += 1
    ballots = [TallyBallot(ids, pts, n) for (ids, pts), n in groups.items()]  # type: ignore[arg-type]
    return projects, from_cents(pool.budget_cents), pool.vote_type.value, ballots


def election_for_pool(pool: VotePool) -> Election:
    """Build the pure election (grouped ballots) from a pool's stored ballots."""
    return Election.build(*ballots_for_pool(pool))


def count_pool(pool: VotePool, rule: str, *, election: Election | None = None, **options: Any) -> Outcome:
    """Count a pool's ballots with a named rule; `official` takes the pool's pabulib rule and scores.

    Pass ``election`` when the caller already loaded it (the results service also fingerprints it).
    """
    spec = api.get_rule(rule)
    if pool.vote_type.value not in spec.ballot_kinds:
        raise RuleNotApplicable(f"rule {rule!r} does not apply to {pool.vote_type.value} ballots")
    election = election or election_for_pool(pool)
    if rule == "official" and pool.source is None:
        # A ballot built in Civic: its official rule is the edition's chosen counting rule (pabulib has
        # no name for some of them, so the pool's META rule may only say "unknown").
        settings = db.session.get(BallotSettings, pool.edition_id)
        if settings is not None:
            return api.count(election, settings.counting_rule, **options)
    if rule == "official":
        columns = pool.project_columns
        cells = [(vpp.external_id, {c: vpp.extra.get(c) for c in columns}) for vpp in pool.projects]
        threshold = dict(pool.meta).get("min_project_score_threshold")
        options = {**official_options(election, pool.rule, threshold, cells), **options}
    return api.count(election, rule, **options)
