"""What higher packages add to proposal pages, without civic.proposals importing them.

Pre-selection, analysis, the ballot and the results sit above proposals in the layers contract, yet a
proposal's page shows its supports and support button, its verdict and cost range, its place on a ballot and
its result. Each of those packages registers here, when its blueprint is registered on the app:

- a **timeline source**: public steps and details for the proposal's timeline (the status itself always
  comes from ``Proposal.status`` and its status changes, so lists and timelines never disagree);
- a **panel**: a template included on the proposal page, with its context (None hides it);
- **card facts**: short public lines for the proposal cards of a list (e.g. "12 supports");
- **merge listeners**: called when a duplicate is merged into another proposal (``source``, ``target``), in
  the merge's transaction, so each package carries its own records over (pre-selection de-duplicates supports
  per person);
- **cost ranges**: the published analysed cost of proposals (the ballot uses its estimate, cards and pages
  show the range): once an analysis is published, the proposer's own estimate is never used again.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from flask import Flask, current_app

if TYPE_CHECKING:
    from civic.proposals.models import Proposal, ProposalStatus


@dataclass(frozen=True)
class TimelineStep:
    """A public step that is not a status change (e.g. "supports open: 12 so far")."""

    at: datetime | None
    title: str
    details: tuple[str, ...] = ()
    tone: str = "progress"


@dataclass
class TimelineAddition:
    steps: list[TimelineStep] = field(default_factory=list)
    # Lines shown under the latest step of a status (e.g. under "Pre-selected": "42 supports, rank 3").
    details: dict[ProposalStatus, list[str]] = field(default_factory=dict)


@dataclass(frozen=True)
class ProposalPanel:
    """A template included on the proposal page; ``context`` returns None to hide it."""

    name: str
    template: str
    context: Callable[[Proposal], dict[str, Any] | None]
    # Where it goes: "actions" (under the proposal, above the timeline) or "facts" (beside the costs).
    slot: str = "actions"


@dataclass(frozen=True)
class CostRange:
    """A published analysed cost, in integer cents: minimum ≤ estimate ≤ maximum."""

    low_cents: int
    estimate_cents: int
    high_cents: int


@dataclass
class ProposalHooks:
    timeline_sources: list[Callable[[Proposal], TimelineAddition]] = field(default_factory=list)
    panels: list[ProposalPanel] = field(default_factory=list)
    card_facts: list[Callable[[Sequence[Proposal]], dict[int, list[str]]]] = field(default_factory=list)
    cost_ranges: list[Callable[[Sequence[Proposal]], dict[int, CostRange]]] = field(default_factory=list)
    merge_listeners: list[Callable[[Proposal, Proposal], None]] = field(default_factory=list)


def proposal_hooks(app: Flask | None = None) -> ProposalHooks:
    """Return the app's proposal hooks (empty until higher packages register theirs)."""
    return (app or current_app).extensions.setdefault("civic_proposal_hooks", ProposalHooks())  # type: ignore[no-any-return]


@dataclass(frozen=True)
class TimelineEntry:
    """One line of the rendered timeline: a status change or an added step."""

    at: datetime | None
    title: str
    status: ProposalStatus | None = None
    reason: str | None = None
    details: tuple[str, ...] = ()
    tone: str | None = None


def timeline(proposal: Proposal) -> list[TimelineEntry]:
    """Return the proposal's public timeline: its status changes with their details, plus added steps."""
    from civic.proposals.labels import status_label

    additions = [source(proposal) for source in proposal_hooks().timeline_sources]
    details: dict[Any, list[str]] = {}
    extra: list[TimelineStep] = []
    for addition in additions:
        extra.extend(addition.steps)
        for status, lines in addition.details.items():
            details.setdefault(status, []).extend(lines)
    last_of_status = {change.status: change.id for change in proposal.status_changes}
    entries = [
        TimelineEntry(
            at=change.at,
            title=status_label(change.status),
            status=change.status,
            reason=change.public_reason,
            details=tuple(details.get(change.status, ()))
            if last_of_status[change.status] == change.id
            else (),
        )
        for change in proposal.status_changes
    ]
    entries += [TimelineEntry(at=s.at, title=s.title, details=s.details, tone=s.tone) for s in extra]
    # Status changes keep their order; an added step goes where its date puts it (undated: at the end).
    return sorted(entries, key=lambda e: (e.at is None, e.at or datetime.max))


def panels_for(proposal: Proposal, slot: str) -> list[tuple[str, dict[str, Any]]]:
    """Return (template, context) for every panel of ``slot`` that shows on this proposal."""
    shown = []
    for panel in proposal_hooks().panels:
        if panel.slot != slot:
            continue
        context = panel.context(proposal)
        if context is not None:
            shown.append((panel.template, context))
    return shown


def card_facts(proposals: Sequence[Proposal]) -> dict[int, list[str]]:
    """Return the extra public lines of each proposal card, by proposal id."""
    facts: dict[int, list[str]] = {}
    for source in proposal_hooks().card_facts:
        for proposal_id, lines in source(proposals).items():
            facts.setdefault(proposal_id, []).extend(lines)
    return facts


def cost_ranges(proposals: Sequence[Proposal]) -> dict[int, CostRange]:
    """Return the published analysed cost of each proposal that has one, by proposal id."""
    ranges: dict[int, CostRange] = {}
    for source in proposal_hooks().cost_ranges:
        ranges.update(source(proposals))
    return ranges


def proposals_merged(source: Proposal, target: Proposal) -> None:
    """Tell every registered package that ``source`` was merged into ``target`` (same transaction)."""
    for listener in proposal_hooks().merge_listeners:
        listener(source, target)
