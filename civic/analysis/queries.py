"""Read-only queries of the technical analysis: queues, the publication batch, public verdicts."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from civic.accounts.models import RoleGrant, User
from civic.accounts.roles import Role
from civic.analysis.models import MunicipalService, Review, ReviewAnalyst
from civic.analysis.rules import ReviewState
from civic.extensions import db
from civic.processes.models import Edition
from civic.proposals.hooks import CostRange
from civic.proposals.models import Proposal, ProposalStatus

# A merged or withdrawn proposal's review is kept for the record but leaves every queue.
GONE = (ProposalStatus.MERGED, ProposalStatus.WITHDRAWN)


@dataclass(frozen=True)
class QueueFilters:
    edition_id: int | None = None
    state: ReviewState | None = None
    district_id: int | None = None
    due: str = ""


def queue(*, user_id: int | None, filters: QueueFilters, today: date) -> list[Review]:
    """Return the reviews of a queue: one analyst's (``user_id``) or everyone's (None, the manager)."""
    query = (
        select(Review)
        .join(Proposal, Proposal.id == Review.proposal_id)
        .where(Proposal.status.not_in(GONE))
        .options(selectinload(Review.analysts).selectinload(ReviewAnalyst.user), selectinload(Review.service))
        .order_by(Review.due_on.is_(None), Review.due_on, Review.id)
    )
    if user_id is not None:
        query = query.where(
            Review.id.in_(select(ReviewAnalyst.review_id).where(ReviewAnalyst.user_id == user_id))
        )
    if filters.edition_id is not None:
        query = query.where(Review.edition_id == filters.edition_id)
    if filters.state is not None:
        query = query.where(Review.state == filters.state)
    if filters.district_id is not None:
        query = query.where(Proposal.district_id == filters.district_id)
    open_states = [ReviewState.TO_ASSIGN, ReviewState.ASSIGNED, ReviewState.IN_PROGRESS]
    if filters.due == "overdue":
        query = query.where(Review.due_on < today, Review.state.in_(open_states))
    elif filters.due == "week":
        query = query.where(Review.due_on <= today + timedelta(days=7), Review.state.in_(open_states))
    return list(db.session.scalars(query))


def editions_with_reviews() -> list[Edition]:
    ids = select(Review.edition_id).distinct()
    return list(db.session.scalars(select(Edition).where(Edition.id.in_(ids)).order_by(Edition.year.desc())))


def state_counts(edition: Edition) -> dict[ReviewState, int]:
    counts = dict.fromkeys(ReviewState, 0)
    rows = db.session.execute(
        select(Review.state, db.func.count())
        .join(Proposal, Proposal.id == Review.proposal_id)
        .where(Review.edition_id == edition.id, Proposal.status.not_in(GONE))
        .group_by(Review.state)
    )
    for state, count in rows:
        counts[state] = count
    return counts


def publishable(edition: Edition) -> list[Review]:
    """Return the validated reviews of an edition, ready to be published."""
    return list(
        db.session.scalars(
            select(Review)
            .join(Proposal, Proposal.id == Review.proposal_id)
            .where(
                Review.edition_id == edition.id,
                Review.state == ReviewState.VALIDATED,
                Proposal.status.not_in(GONE),
            )
            .order_by(Review.id)
        )
    )


def services() -> list[MunicipalService]:
    return list(db.session.scalars(select(MunicipalService).order_by(MunicipalService.name)))


def analysts() -> list[User]:
    """Return the people who may be assigned a review (analysts and managers)."""
    roles = [Role.ANALYST, Role.ANALYSIS_MANAGER]
    ids = select(RoleGrant.user_id).where(RoleGrant.role.in_(roles))
    return list(
        db.session.scalars(
            select(User).where(User.id.in_(ids), User.deleted_at.is_(None)).order_by(User.display_name)
        )
    )


def merge_targets(proposal: Proposal) -> list[Proposal]:
    """Return the proposals ``proposal`` may be merged into: same edition, still in the running."""
    from civic.proposals.statuses import IN_THE_RUNNING

    return list(
        db.session.scalars(
            select(Proposal)
            .where(
                Proposal.edition_id == proposal.edition_id,
                Proposal.id != proposal.id,
                Proposal.status.in_(list(IN_THE_RUNNING)),
            )
            .order_by(Proposal.reference)
        )
    )


def review_for(proposal_id: int) -> Review | None:
    return db.session.scalar(select(Review).where(Review.proposal_id == proposal_id))


def published_cost_ranges(proposals: Sequence[Proposal]) -> dict[int, CostRange]:
    """Return the published analysed cost of each proposal that has one (the cost-range hook)."""
    ids = [p.id for p in proposals]
    if not ids:
        return {}
    rows = db.session.execute(
        select(
            Review.proposal_id, Review.cost_low_cents, Review.cost_estimate_cents, Review.cost_high_cents
        ).where(
            Review.proposal_id.in_(ids),
            Review.state == ReviewState.PUBLISHED,
            Review.cost_estimate_cents.is_not(None),
        )
    )
    return {
        proposal_id: CostRange(
            low_cents=low if low is not None else estimate,
            estimate_cents=estimate,
            high_cents=high if high is not None else estimate,
        )
        for proposal_id, low, estimate, high in rows
    }
