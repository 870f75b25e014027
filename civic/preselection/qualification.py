"""Run the qualification at the end of the phase, publish it, and override one result with a public reason."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import current_app
from flask_babel import force_locale, ngettext
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from civic.accounts.models import User
from civic.core import audit
from civic.core.errors import Conflict, PermissionDenied, ValidationFailed
from civic.core.time import utcnow
from civic.extensions import db
from civic.preselection.models import QualificationResult, QualificationRun, Support
from civic.preselection.permissions import can_manage_preselection
from civic.preselection.queries import district_figures
from civic.preselection.rules import (
    HUNDREDTHS,
    Candidate,
    MissingFigure,
    Reason,
    SupportMode,
    ThresholdKind,
    qualify,
)
from civic.preselection.services import _rule_values, default_rule, rule_as_dict, rule_for
from civic.processes.models import Edition
from civic.processes.phases import PhaseKind
from civic.proposals.models import Proposal, ProposalStatus
from civic.proposals.services import change_status


def preselection_over(edition: Edition, now: datetime) -> bool:
    """Tell whether the edition's pre-selection phase has ended."""
    window = next((w for w in edition.calendar if w.kind is PhaseKind.PRESELECTION), None)
    return window is not None and now >= window.ends_at


def _euros(cents: int) -> str:
    from civic.processes.queries import format_euros

    return format_euros(cents)


def explain(result: QualificationResult, figures: dict[str, Any], rule: dict[str, Any]) -> str:
    """Say, in the current language, why a proposal qualified or not ("12 supports, rank 7 of 20; …")."""
    head = ngettext(
        "%(num)d support, rank %(rank)d of %(total)d",
        "%(num)d supports, rank %(rank)d of %(total)d",
        result.supports,
        rank=result.rank,
        total=result.of_count,
    )
    kind = ThresholdKind(rule["threshold_kind"])
    reason = result.reason
    if reason is Reason.GUARANTEED_MINIMUM:
        tail = _(
            "qualified by the guaranteed minimum of %(n)d projects per district",
            n=int(rule["guaranteed_minimum"]),
        )
    elif kind is ThresholdKind.NONE:
        tail = _("every project qualified (no threshold)")
    elif kind is ThresholdKind.TOP_N:
        tail = _("the first %(n)d qualified", n=int(rule["threshold_value"]))
    elif kind is ThresholdKind.ENVELOPE_MULTIPLE:
        if reason is Reason.NO_COST:
            tail = _("no cost estimate, so it could not be counted against the envelope")
        else:
            tail = _(
                "the best supported projects up to %(budget)s (%(k)s × the envelope) qualified",
                budget=_euros(int(figures.get("budget_cents") or 0)),
                k=f"{int(rule['threshold_value']) / HUNDREDTHS:g}",
            )
    else:
        tail = _("the threshold was %(needed)d", needed=int(figures.get("needed") or 0))
    if reason is Reason.NO_SUPPORT:
        tail = _("no support")
    return _("%(head)s; %(tail)s.", head=head, tail=tail)


def _snapshot_key(district_id: int | None) -> str:
    return "edition" if district_id is None else str(district_id)


def run_qualification(*, actor: User, edition: Edition, now: datetime | None = None) -> QualificationRun:
    """Compute and publish the edition's qualification; move each proposal to pre-selected or not."""
    if not can_manage_preselection(actor.roles):
        raise PermissionDenied(_l("Only administrators can run the qualification."))
    if default_rule(edition).mode is not SupportMode.ONLINE:
        raise Conflict(_l("This edition holds a pre-selection day: record its decisions instead."))
    if not preselection_over(edition, now or utcnow()):
        raise Conflict(_l("The qualification can only be run once the pre-selection phase is over."))
    if db.session.scalar(select(QualificationRun.id).where(QualificationRun.edition_id == edition.id)):
        raise Conflict(_l("The qualification of this edition has already been published."))
    proposals = db.session.scalars(
        select(Proposal)
        .where(Proposal.edition_id == edition.id, Proposal.status == ProposalStatus.SUBMITTED)
        .order_by(Proposal.id)
    ).all()
    counts = dict(
        db.session.execute(
            select(Support.proposal_id, func.count())
            .where(Support.edition_id == edition.id)
            .group_by(Support.proposal_id)
        ).all()
    )
    by_district: dict[int | None, list[Proposal]] = {}
    for proposal in proposals:
        by_district.setdefault(proposal.district_id, []).append(proposal)
    run = QualificationRun(edition_id=edition.id, actor_id=actor.id, snapshot={})
    db.session.add(run)
    snapshot: dict[str, Any] = {}
    decided: list[tuple[Proposal, QualificationResult]] = []
    for district_id, members in by_district.items():
        rule_row = rule_for(edition, district_id)
        figures = district_figures(edition, district_id)
        candidates = [Candidate(p.id, int(counts.get(p.id, 0)), p.estimated_cost_cents) for p in members]
        try:
            outcome = qualify(_rule_values(rule_row), candidates, figures)
        except MissingFigure as exc:
            raise ValidationFailed(
                _l(
                    "The rule needs a figure the district does not have (%(figure)s): set it first.",
                    figure=str(exc),
                )
            ) from exc
        key = _snapshot_key(district_id)
        snapshot[key] = {
            "rule": rule_as_dict(rule_row),
            "figures": {
                "population": figures.population,
                "participants": figures.participants,
                "envelope_cents": figures.envelope_cents,
                "needed": outcome.needed,
                "budget_cents": outcome.budget_cents,
            },
            "supports": {str(c.proposal_id): c.supports for c in candidates},
            "costs": {str(c.proposal_id): c.cost_cents for c in candidates},
        }
        proposals_by_id = {p.id: p for p in members}
        for item in outcome.outcomes:
            result = QualificationResult(
                proposal_id=item.proposal_id,
                district_id=district_id,
                supports=item.supports,
                rank=item.rank,
                of_count=len(candidates),
                computed_qualified=item.qualified,
                qualified=item.qualified,
                reason=item.reason,
                public_reason="",
            )
            run.results.append(result)
            decided.append((proposals_by_id[item.proposal_id], result))
    run.snapshot = snapshot
    # The public reasons on the timeline are written in the town's language; pages explain in the reader's.
    with force_locale(current_app.config.get("BABEL_DEFAULT_LOCALE", "fr")):
        for _proposal, result in decided:
            entry = snapshot[_snapshot_key(result.district_id)]
            result.public_reason = explain(result, entry["figures"], entry["rule"])
    db.session.flush()
    for proposal, result in decided:
        change_status(
            actor=actor,
            proposal=proposal,
            status=ProposalStatus.PRESELECTED if result.qualified else ProposalStatus.NOT_PRESELECTED,
            public_reason=result.public_reason,
        )
    audit.record(
        actor_id=actor.id,
        action="preselection.qualification_run",
        target_type="edition",
        target_id=edition.id,
        after={
            "run_id": run.id,
            "results": len(decided),
            "qualified": sum(1 for _p, r in decided if r.qualified),
        },
    )
    return run


def override_result(*, actor: User, result: QualificationResult, public_reason: str) -> None:
    """Turn one published result around, with a public reason shown beside it and on the timeline."""
    if not can_manage_preselection(actor.roles):
        raise PermissionDenied(_l("Only administrators can override a qualification result."))
    reason = public_reason.strip()
    if len(reason) < 10:
        raise ValidationFailed(_l("Explain publicly, in a sentence, why this result is changed."))
    if result.overridden_at is not None:
        raise Conflict(_l("This result has already been overridden."))
    before = result.qualified
    result.qualified = not before
    result.overridden_at = utcnow()
    result.override_reason = reason
    result.override_by_id = actor.id
    change_status(
        actor=actor,
        proposal=result.proposal,
        status=ProposalStatus.PRESELECTED if result.qualified else ProposalStatus.NOT_PRESELECTED,
        public_reason=reason,
    )
    audit.record(
        actor_id=actor.id,
        action="preselection.override",
        target_type="proposal",
        target_id=result.proposal_id,
        before={"qualified": before},
        after={"qualified": result.qualified, "reason": reason},
    )
