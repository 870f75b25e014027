"""What pre-selection adds to proposal pages (civic.proposals.hooks): panel, card facts, timeline, merges."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from flask import Flask
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user

from civic.preselection import queries, services
from civic.preselection.qualification import explain
from civic.processes.phases import PhaseKind
from civic.proposals.hooks import ProposalPanel, TimelineAddition, TimelineStep, proposal_hooks
from civic.proposals.models import Proposal, ProposalStatus


def _preselection_started(proposal: Proposal) -> bool:
    from civic.core.time import utcnow

    window = next((w for w in proposal.edition.calendar if w.kind is PhaseKind.PRESELECTION), None)
    return window is not None and window.starts_at <= utcnow()


def panel_context(proposal: Proposal) -> dict[str, Any] | None:
    """Return the support panel's context: the button while supports are open, else the count alone."""
    if proposal.status is ProposalStatus.DRAFT or not _preselection_started(proposal):
        return None
    if services.default_rule(proposal.edition).mode is not services.SupportMode.ONLINE:
        return None
    state = services.support_state(proposal, current_user if current_user.is_authenticated else None)
    if not state.open and state.count == 0:
        return None
    return {"proposal": proposal, "state": state, "message": None}


def card_facts(proposals: Sequence[Proposal]) -> dict[int, list[str]]:
    """Return "12 supports" for the listed proposals that have any."""
    counts = services.support_counts([p.id for p in proposals])
    return {pid: [ngettext("%(num)d support", "%(num)d supports", n)] for pid, n in counts.items() if n > 0}


def timeline(proposal: Proposal) -> TimelineAddition:
    """Add the supports so far, and the qualification (or day decision) under its status."""
    addition = TimelineAddition()
    result = queries.result_for(proposal.id)
    if result is not None:
        entry = (result.run.snapshot or {}).get(
            "edition" if result.district_id is None else str(result.district_id), {}
        )
        lines = [explain(result, entry.get("figures", {}), entry.get("rule", {"threshold_kind": "none"}))]
        status = ProposalStatus.PRESELECTED if result.computed_qualified else ProposalStatus.NOT_PRESELECTED
        addition.details[status] = lines
        if result.overridden_at is not None:
            final = ProposalStatus.PRESELECTED if result.qualified else ProposalStatus.NOT_PRESELECTED
            addition.details.setdefault(final, []).append(
                _("Result changed by the administration: %(reason)s", reason=result.override_reason or "")
            )
        return addition
    decision = queries.day_decision_for(proposal.id)
    if decision is not None:
        status = ProposalStatus.PRESELECTED if decision.retained else ProposalStatus.NOT_PRESELECTED
        addition.details[status] = [
            ngettext(
                "Decided at the pre-selection day in %(place)s (a jury of %(num)d person).",
                "Decided at the pre-selection day in %(place)s (a jury of %(num)d people).",
                decision.session.jury_size,
                place=decision.session.place,
            )
        ]
        return addition
    count = services.support_count(proposal.id)
    if count and proposal.status is ProposalStatus.SUBMITTED:
        addition.steps.append(
            TimelineStep(
                at=None, title=ngettext("Supports: %(num)d so far", "Supports: %(num)d so far", count)
            )
        )
    return addition


def register(app: Flask) -> None:
    """Fill the proposal hooks with pre-selection's panel, card facts, timeline source and merge listener."""
    hooks = proposal_hooks(app)
    hooks.panels.append(
        ProposalPanel(name="supports", template="preselection/_panel.html", context=panel_context)
    )
    hooks.card_facts.append(card_facts)
    hooks.timeline_sources.append(timeline)
    hooks.merge_listeners.append(services.carry_supports_over)
