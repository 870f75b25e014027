"""A proposal's statuses and the moves staff may make between them. Pure: no framework imports.

Every list badge and every timeline reads the proposal's one status; services change it only along
``TRANSITIONS`` (the staff screen offers exactly these moves), and a move to a "not retained" status
always carries a public reason.
"""

from __future__ import annotations

import enum


class ProposalStatus(enum.StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    WITHDRAWN = "withdrawn"
    PRESELECTED = "preselected"
    NOT_PRESELECTED = "not_preselected"
    FEASIBLE = "feasible"
    NOT_FEASIBLE = "not_feasible"
    # Folded into another proposal (a duplicate): its page redirects there and says why.
    MERGED = "merged"
    ON_BALLOT = "on_ballot"
    SELECTED = "selected"
    NOT_SELECTED = "not_selected"
    IN_PROGRESS = "in_progress"
    DELIVERED = "delivered"


S = ProposalStatus

# Statuses that end a proposal's journey with "not retained": each needs a public reason.
NOT_RETAINED = frozenset({S.NOT_PRESELECTED, S.NOT_FEASIBLE, S.NOT_SELECTED})
# Statuses that also need a public reason, though nothing was judged (a merge says into what and why).
NEEDS_REASON = NOT_RETAINED | {S.MERGED}
PUBLIC_STATUSES = frozenset(ProposalStatus) - {S.DRAFT}
# Proposals still in the running: they may be supported, analysed, merged into, put on a ballot.
IN_THE_RUNNING = frozenset({S.SUBMITTED, S.PRESELECTED, S.FEASIBLE, S.ON_BALLOT})

# The moves staff (and the services acting for them) may make. Editions without pre-selection go from
# "submitted" straight to analysis; "city list" editions put the city's projects straight on the ballot.
# Backward moves correct a decision (an override of qualification, a re-analysis, a project taken off a
# ballot before the vote, a recount); each is on the public timeline with its reason.
TRANSITIONS: dict[ProposalStatus, frozenset[ProposalStatus]] = {
    S.DRAFT: frozenset({S.SUBMITTED}),
    S.SUBMITTED: frozenset(
        {S.WITHDRAWN, S.PRESELECTED, S.NOT_PRESELECTED, S.FEASIBLE, S.NOT_FEASIBLE, S.MERGED, S.ON_BALLOT}
    ),
    S.PRESELECTED: frozenset({S.WITHDRAWN, S.NOT_PRESELECTED, S.FEASIBLE, S.NOT_FEASIBLE, S.MERGED}),
    S.NOT_PRESELECTED: frozenset({S.PRESELECTED}),
    S.FEASIBLE: frozenset({S.WITHDRAWN, S.NOT_FEASIBLE, S.MERGED, S.ON_BALLOT}),
    S.NOT_FEASIBLE: frozenset({S.FEASIBLE}),
    S.MERGED: frozenset(),
    S.WITHDRAWN: frozenset(),
    S.ON_BALLOT: frozenset({S.FEASIBLE, S.SELECTED, S.NOT_SELECTED}),
    S.SELECTED: frozenset({S.NOT_SELECTED, S.IN_PROGRESS}),
    S.NOT_SELECTED: frozenset({S.SELECTED}),
    S.IN_PROGRESS: frozenset({S.DELIVERED}),
    S.DELIVERED: frozenset({S.IN_PROGRESS}),
}


def can_move(current: ProposalStatus, target: ProposalStatus) -> bool:
    """Tell whether a proposal may go from ``current`` to ``target``."""
    return target in TRANSITIONS[current]


def next_statuses(current: ProposalStatus) -> list[ProposalStatus]:
    """Return the statuses reachable from ``current``, in the order of the cycle."""
    return [s for s in ProposalStatus if s in TRANSITIONS[current]]


def needs_public_reason(target: ProposalStatus) -> bool:
    """Tell whether moving to ``target`` must say publicly why."""
    return target in NEEDS_REASON
