"""Read models for results pages: published runs, project names, plain-language reasons."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache
from typing import Any

from sqlalchemy import Select, bindparam, case, func, select
from sqlalchemy.orm import selectinload

from civic.extensions import db
from civic.processes.models import Edition
from civic.proposals.models import Proposal, StatusChange
from civic.results.models import RunState, TallyRun
from civic.tally.outcome import (
    Explanation,
    GreedyExplanation,
    MESExplanation,
    MESRound,
    Outcome,
    PhragmenExplanation,
    ProjectDecision,
)
from civic.voting.models import VotePool, VotePoolProject

COMPARED_RULES = ("greedy", "mes", "phragmen")


@dataclass
class ProjectLine:
    """One project of a results table."""

    pool_project: VotePoolProject
    cost: float
    order: int | None = None
    score: float | None = None
    reason: str | None = None
    reason_values: dict[str, Any] = field(default_factory=dict)
    price: float | None = None
    supporters: int | None = None
    # The round a proportional rule chose it in (None: added by a completion step).
    round: int | None = None


@dataclass
class PoolResult:
    """A pool with its published run, winners in selection order and every other project with its reason."""

    pool: VotePool
    run: TallyRun | None
    currency: str
    winners: list[ProjectLine] = field(default_factory=list)
    others: list[ProjectLine] = field(default_factory=list)
    budget: float = 0.0
    per_voter: float | None = None
    comparison: dict[str, TallyRun | None] = field(default_factory=dict)
    # What the rule ranked projects by (see results.labels.score_header): votes, points, rounds...
    ranking: str = "votes"
    # Earlier publications of this pool, withdrawn or replaced, newest first (the public trail).
    trail: list[TallyRun] = field(default_factory=list)


def pools_of(edition: Edition) -> list[VotePool]:
    """Return an edition's ballot boxes with their projects."""
    return list(
        db.session.scalars(
            select(VotePool)
            .where(VotePool.edition_id == edition.id)
            .options(selectinload(VotePool.projects).joinedload(VotePoolProject.proposal))
            .order_by(VotePool.district_id.is_not(None), VotePool.name)
        )
    )


def results_key(edition: Edition) -> tuple[tuple[object, ...], ...]:
    """Return, in one query, what an edition's public results sections show, per ballot box.

    A published count never changes; what can change the sections is which count is published (and when),
    a newer finished count for the comparison tab, or a project (its text's version count, whether it is
    hidden, its newest status change). The rendered sections are cached under this key (civic.web.cache).
    """
    rows = db.session.execute(_results_key_statement(), {"edition_id": edition.id})
    return tuple(tuple(row) for row in rows)


@cache
def _results_key_statement() -> Select[Any]:
    # Built once (a dozen correlated subqueries); only the edition id changes between requests.
    on_pool = TallyRun.pool_id == VotePool.id
    published = select(TallyRun.id, TallyRun.published_at).where(
        on_pool, TallyRun.published_at.is_not(None), TallyRun.withdrawn_at.is_(None)
    )
    linked = (
        select(Proposal.id, Proposal.version_count, Proposal.hidden_at)
        .join(VotePoolProject, VotePoolProject.proposal_id == Proposal.id)
        .where(VotePoolProject.pool_id == VotePool.id)
        .subquery()
    )
    stmt = (
        select(
            VotePool.id,
            VotePool.name,
            published.with_only_columns(TallyRun.id).scalar_subquery(),
            published.with_only_columns(TallyRun.published_at).scalar_subquery(),
            select(func.max(TallyRun.id))
            .where(on_pool, TallyRun.state.in_([RunState.DONE, RunState.FAILED]))
            .scalar_subquery(),
            select(func.sum(linked.c.version_count)).scalar_subquery(),
            select(func.sum(case((linked.c.hidden_at.is_not(None), linked.c.id), else_=0))).scalar_subquery(),
            select(func.max(StatusChange.id))
            .join(linked, linked.c.id == StatusChange.proposal_id)
            .scalar_subquery(),
        )
        .where(VotePool.edition_id == bindparam("edition_id"))
        .order_by(VotePool.id)
    )
    return stmt


def published_run(pool: VotePool) -> TallyRun | None:
    """Return the pool's published run in force, if any."""
    return db.session.scalar(
        select(TallyRun).where(
            TallyRun.pool_id == pool.id, TallyRun.published_at.is_not(None), TallyRun.withdrawn_at.is_(None)
        )
    )


def publication_trail(pool: VotePool) -> list[TallyRun]:
    """Return the pool's earlier publications (withdrawn or replaced), newest first."""
    return list(
        db.session.scalars(
            select(TallyRun)
            .where(TallyRun.pool_id == pool.id, TallyRun.withdrawn_at.is_not(None))
            .order_by(TallyRun.withdrawn_at.desc(), TallyRun.id.desc())
        )
    )


def _ranking(pool: VotePool, explanation: Explanation) -> str:
    """Name what the rule ranked by, for the column header: rounds for proportional rules, else a score."""
    if isinstance(explanation, MESExplanation):
        return "mes"
    if isinstance(explanation, PhragmenExplanation):
        return "phragmen"
    if explanation.score == "ballots_per_cost":
        return "per_cost"
    return {"cumulative": "points", "scoring": "score", "ordinal": "rank_score"}.get(
        pool.vote_type.value, "votes"
    )


def latest_runs(pool: VotePool) -> list[TallyRun]:
    """Return the pool's runs, newest first (staff page)."""
    return list(
        db.session.scalars(
            select(TallyRun).where(TallyRun.pool_id == pool.id).order_by(TallyRun.id.desc()).limit(50)
        )
    )


def _comparison(pool: VotePool, digest: str | None) -> dict[str, TallyRun | None]:
    found: dict[str, TallyRun | None] = {}
    for rule in COMPARED_RULES:
        found[rule] = (
            db.session.scalar(
                select(TallyRun)
                .where(
                    TallyRun.pool_id == pool.id,
                    TallyRun.rule == rule,
                    TallyRun.ballots_digest == digest,
                    TallyRun.state.in_([RunState.DONE, RunState.FAILED]),
                )
                .order_by(TallyRun.id.desc())
                .limit(1)
            )
            if digest
            else None
        )
    return found


def pool_result(pool: VotePool, run: TallyRun | None) -> PoolResult:
    """Turn a run's stored outcome and explanation into tables residents can read."""
    currency = dict(pool.meta).get("currency", "EUR") or "EUR"
    # Amounts are in the vote's currency units, as the counting engine reports them.
    result = PoolResult(pool=pool, run=run, currency=currency, budget=pool.budget_cents / 100)
    result.trail = publication_trail(pool)
    if run is None or run.outcome is None:
        return result
    by_id = {p.external_id: p for p in pool.projects}
    outcome = Outcome.from_dict(run.outcome)
    explanation = outcome.explanation
    lines = {pid: ProjectLine(pool_project=p, cost=p.cost_cents / 100) for pid, p in by_id.items()}
    decisions: list[ProjectDecision] = []
    if isinstance(explanation, GreedyExplanation):
        decisions += explanation.decisions
    elif isinstance(explanation, MESExplanation) and explanation.completion is not None:
        decisions += explanation.completion.decisions
    for decision in decisions:
        line = lines.get(decision.project)
        if line is not None:
            line.score = float(decision.score) if decision.score is not None else line.score
            if decision.status != "funded":
                line.reason = decision.status
                line.reason_values = {"left": float(decision.budget_left)}
    result.ranking = _ranking(pool, explanation)
    if isinstance(explanation, MESExplanation | PhragmenExplanation):
        for purchase in explanation.rounds:
            line = lines.get(purchase.project)
            if line is not None:
                line.round = purchase.round
                line.supporters = purchase.supporters
                if isinstance(purchase, MESRound):
                    line.price = float(purchase.price)
    if isinstance(explanation, MESExplanation):
        for rejection in explanation.rejected:
            line = lines.get(rejection.project)
            if line is not None and line.reason is None:
                line.reason = rejection.reason
                line.supporters = rejection.supporters
                line.reason_values = {"left": float(rejection.money_left)}
        result.per_voter = float(explanation.budget_per_voter)
    for order, project_id in enumerate(outcome.selected, start=1):
        line = lines.pop(project_id, None)
        if line is not None:
            line.order = order
            result.winners.append(line)
    result.others = sorted(lines.values(), key=lambda line: line.pool_project.position)
    for line in result.others:
        line.reason = line.reason or "not_selected"
    result.comparison = _comparison(pool, run.ballots_digest)
    return result


@dataclass(frozen=True)
class ImportedSource:
    """Where an imported election comes from, as its pabulib META says."""

    file: str
    city: str
    country: str
    year: str
    description: str
    district: str


def imported_source(edition: Edition) -> ImportedSource | None:
    """Return the origin of an edition whose ballots were imported from a Pabulib file, else None."""
    pool = db.session.scalar(
        select(VotePool)
        .where(VotePool.edition_id == edition.id, VotePool.source.is_not(None))
        .order_by(VotePool.id)
        .limit(1)
    )
    if pool is None:
        return None
    meta = {str(k): str(v) for k, v in pool.meta}
    return ImportedSource(
        file=pool.source or "",
        city=meta.get("unit", "").strip(),
        country=meta.get("country", "").strip(),
        year=(meta.get("instance") or str(edition.year)).strip(),
        description=meta.get("description", "").strip(),
        district=(meta.get("district") or meta.get("subunit") or "").strip(),
    )
