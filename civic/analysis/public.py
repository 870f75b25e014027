"""What the analysis adds to proposal pages: timeline steps, the draft-verdict panel, lineage, cost ranges.

Nothing of a verdict is public before it is published: the timeline shows only "technical analysis in
progress" until then, and the draft panel is shown to the holders and the analysis staff only.
"""

from __future__ import annotations

from typing import Any

from flask import Flask
from flask_babel import format_date, ngettext
from flask_babel import gettext as _
from flask_login import current_user

from civic.analysis import queries, services
from civic.analysis.forms import ReplyForm
from civic.analysis.labels import AGREEMENT_LABELS, reason_label, verdict_label
from civic.analysis.models import Review
from civic.analysis.permissions import can_see_draft, is_manager
from civic.analysis.rules import DRAFT_VISIBLE, PUBLIC_IN_PROGRESS, ReviewState, Verdict, agreement
from civic.processes.queries import format_euros
from civic.proposals.hooks import ProposalPanel, TimelineAddition, TimelineStep, proposal_hooks
from civic.proposals.models import Proposal, ProposalStatus


def register_hooks(app: Flask) -> None:
    hooks = proposal_hooks(app)
    hooks.timeline_sources.append(timeline_source)
    hooks.cost_ranges.append(queries.published_cost_ranges)
    hooks.panels.append(
        ProposalPanel("analysis_draft", "analysis/_draft_panel.html", draft_panel, slot="actions")
    )
    hooks.panels.append(
        ProposalPanel("analysis_facts", "analysis/_facts_panel.html", facts_panel, slot="facts")
    )


def cost_line(review: Review) -> str | None:
    if review.cost_estimate_cents is None:
        return None
    low, high = review.cost_low_cents, review.cost_high_cents
    if low is not None and high is not None and low != high:
        return _(
            "Analysed cost: %(estimate)s (from %(low)s to %(high)s)",
            estimate=format_euros(review.cost_estimate_cents),
            low=format_euros(low),
            high=format_euros(high),
        )
    return _("Analysed cost: %(estimate)s", estimate=format_euros(review.cost_estimate_cents))


def published_lines(review: Review) -> list[str]:
    """Return the public lines of a published verdict (its explanation, cost, duration, the holders' answer)."""
    lines = [_("Technical analysis: %(verdict)s", verdict=verdict_label(review.verdict))]
    if review.reason_code:
        lines.append(_("Reason: %(reason)s", reason=reason_label(review.reason_code)))
    # A "not feasible" explanation is the status step's public reason, shown just above.
    if review.public_explanation and review.verdict is not Verdict.NOT_FEASIBLE:
        lines.append(review.public_explanation)
    if review.proposed_changes and review.verdict is Verdict.FEASIBLE_WITH_CHANGES:
        lines.append(_("Changes: %(changes)s", changes=review.proposed_changes))
    cost = cost_line(review)
    if cost:
        lines.append(cost)
    if review.cost_explanation:
        lines.append(review.cost_explanation)
    if review.first_year_cost_cents is not None:
        lines.append(_("First-year cost: %(amount)s", amount=format_euros(review.first_year_cost_cents)))
    if review.running_cost_cents is not None:
        lines.append(_("Yearly running cost: %(amount)s", amount=format_euros(review.running_cost_cents)))
    if review.duration_months is not None:
        lines.append(ngettext("Duration: %(num)d month", "Duration: %(num)d months", review.duration_months))
    if review.published_at:
        lines.append(_("Published on %(date)s", date=format_date(review.published_at, "long")))
    answer = review.current_reply()
    if answer is not None:
        if answer.accepts_changes:
            lines.append(_("The holders accepted the proposed changes."))
        if answer.body:
            lines.append(_("The holders' answer: %(answer)s", answer=answer.body))
    return lines


def timeline_source(proposal: Proposal) -> TimelineAddition:
    addition = TimelineAddition()
    review = queries.review_for(proposal.id)
    if review is None or review.assigned_at is None:
        return addition
    if review.state in PUBLIC_IN_PROGRESS:
        addition.steps.append(TimelineStep(at=review.assigned_at, title=_("Technical analysis in progress")))
    elif review.state is ReviewState.PUBLISHED and review.verdict is not None:
        addition.steps.append(
            TimelineStep(at=review.assigned_at, title=_("Technical analysis started"), tone="muted")
        )
        status = (
            ProposalStatus.NOT_FEASIBLE if review.verdict is Verdict.NOT_FEASIBLE else ProposalStatus.FEASIBLE
        )
        addition.details[status] = published_lines(review)
    return addition


def draft_panel(proposal: Proposal) -> dict[str, Any] | None:
    """The draft verdict, for the holders (with their reply form) and the analysis staff only."""
    if not current_user.is_authenticated:
        return None
    review = queries.review_for(proposal.id)
    if review is None or review.state not in DRAFT_VISIBLE or review.verdict is None:
        return None
    holders = proposal.holder_ids()
    if not can_see_draft(current_user.roles, user_id=current_user.id, holder_ids=holders):
        return None
    window = services.reply_state(review)
    answer = review.current_reply()
    state = agreement(
        review.verdict,
        answered=answer is not None,
        accepted=bool(answer and answer.accepts_changes),
        window_open=bool(window and window.open),
        has_holders=bool(holders),
    )
    is_holder = current_user.id in holders
    return {
        "review": review,
        "window": window,
        "answer": answer,
        "agreement": AGREEMENT_LABELS[state],
        "is_holder": is_holder,
        "may_reply": is_holder and review.state is ReviewState.SUBMITTED and bool(window and window.open),
        "reply_form": ReplyForm(
            formdata=None,
            body=answer.body if answer else "",
            accepts_changes=bool(answer and answer.accepts_changes),
        ),
        "cost": cost_line(review),
        "staff_link": review.id
        if is_manager(current_user.roles) or current_user.id in review.analyst_ids()
        else None,
    }


def facts_panel(proposal: Proposal) -> dict[str, Any] | None:
    """Public facts: the published analysed cost and what was merged into this proposal."""
    review = queries.review_for(proposal.id)
    cost = cost_line(review) if review is not None and review.is_published else None
    merged = services.merged_into(proposal)
    manager = current_user.is_authenticated and is_manager(current_user.roles)
    if cost is None and not merged and not manager:
        return None
    return {"cost": cost, "merged": merged, "manager": manager, "review": review, "proposal": proposal}
