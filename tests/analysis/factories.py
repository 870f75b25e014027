"""Reviews in a given state, reached through the services (so every row is what the app writes)."""

from __future__ import annotations

from datetime import timedelta

from civic.accounts.roles import Role
from civic.analysis import services
from civic.analysis.models import Review
from civic.analysis.rules import ReasonCode, Verdict
from civic.core.time import utcnow
from civic.extensions import db
from tests.factories import create_edition, create_proposal, create_user

FEASIBLE = services.ReviewInput(
    verdict=Verdict.FEASIBLE,
    public_explanation="Faisable par le service des espaces verts.",
    cost_low_cents=10_000_00,
    cost_estimate_cents=12_000_00,
    cost_high_cents=15_000_00,
    duration_months=6,
)
WITH_CHANGES = services.ReviewInput(
    verdict=Verdict.FEASIBLE_WITH_CHANGES,
    public_explanation="Faisable si le site change.",
    cost_low_cents=20_000_00,
    cost_estimate_cents=25_000_00,
    cost_high_cents=30_000_00,
    proposed_changes="Installer le jardin square Jaurès plutôt que place du marché.",
)
NOT_FEASIBLE = services.ReviewInput(
    verdict=Verdict.NOT_FEASIBLE,
    reason_code=ReasonCode.NOT_MUNICIPAL,
    public_explanation="La route départementale relève du département.",
)


def manager_user(**kwargs):
    return create_user(roles=(Role.ANALYSIS_MANAGER, Role.RESIDENT), **kwargs)


def analyst_user(**kwargs):
    return create_user(roles=(Role.ANALYST, Role.RESIDENT), **kwargs)


def create_review(
    *,
    proposal=None,
    state: str = "to_assign",
    analyst=None,
    manager=None,
    data: services.ReviewInput = FEASIBLE,
    submitted_days_ago: float = 0,
    reply: str | None = None,
    accepts: bool = False,
) -> Review:
    """Insert a review brought to ``state`` through the services, and commit."""
    proposal = proposal or create_proposal(edition=create_edition(open_phase="analysis"))
    manager = manager or manager_user()
    review = services.open_review(actor=manager, proposal=proposal)
    order = ["to_assign", "assigned", "in_progress", "submitted", "validated", "published"]
    target = order.index(state)
    if target >= 1:
        analyst = analyst or analyst_user()
        services.assign(actor=manager, review=review, service=None, analysts=[analyst], due_on=None)
    if target >= 2:
        services.save_review(actor=analyst, review=review, data=data)
    if target >= 3:
        services.submit_review(
            actor=analyst, review=review, now=utcnow() - timedelta(days=submitted_days_ago)
        )
        if reply is not None or accepts:
            holder = db.session.get(type(analyst), proposal.author_id)
            services.reply(actor=holder, review=review, body=reply or "", accepts_changes=accepts)
    if target >= 4:
        services.validate(actor=manager, review=review)
    if target >= 5:
        services.publish(actor=manager, reviews=[review])
    db.session.commit()
    return review
