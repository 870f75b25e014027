"""Which actions an edition's calendar opens at a given moment. Pure: no framework imports.

The calendar is a set of dated phases; ``now`` is always passed in (naive UTC, like the database),
so the same function serves views, services, tests and the command line.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from itertools import pairwise


class PhaseKind(enum.StrEnum):
    SUBMISSION = "submission"
    PRESELECTION = "preselection"
    ANALYSIS = "analysis"
    VOTE = "vote"
    RESULTS = "results"
    REALISATION = "realisation"


PHASE_ORDER: tuple[PhaseKind, ...] = tuple(PhaseKind)


class Action(enum.StrEnum):
    SUBMIT_PROPOSAL = "submit_proposal"
    EDIT_PROPOSAL = "edit_proposal"
    WITHDRAW_PROPOSAL = "withdraw_proposal"
    COMMENT = "comment"
    SUPPORT = "support"
    ANALYSE = "analyse"
    VOTE = "vote"
    SEE_RESULTS = "see_results"
    FOLLOW_REALISATION = "follow_realisation"
    PUBLISH_RESULTS = "publish_results"


# Discussion stays open from submission until the vote closes; after that the record is frozen.
ALLOWED_ACTIONS: dict[PhaseKind, frozenset[Action]] = {
    PhaseKind.SUBMISSION: frozenset(
        {Action.SUBMIT_PROPOSAL, Action.EDIT_PROPOSAL, Action.WITHDRAW_PROPOSAL, Action.COMMENT}
    ),
    PhaseKind.PRESELECTION: frozenset({Action.SUPPORT, Action.COMMENT}),
    PhaseKind.ANALYSIS: frozenset({Action.ANALYSE, Action.COMMENT}),
    PhaseKind.VOTE: frozenset({Action.VOTE, Action.COMMENT}),
    PhaseKind.RESULTS: frozenset({Action.SEE_RESULTS}),
    PhaseKind.REALISATION: frozenset({Action.SEE_RESULTS, Action.FOLLOW_REALISATION}),
}

# What the calendar opens to staff: not things residents can do, so never in `allowed_actions`.
STAFF_ACTIONS: dict[PhaseKind, frozenset[Action]] = {
    PhaseKind.RESULTS: frozenset({Action.PUBLISH_RESULTS}),
}

# In a "city list" edition residents do not submit: the city enters the projects.
CITY_LIST_FORBIDS = frozenset({Action.SUBMIT_PROPOSAL, Action.EDIT_PROPOSAL, Action.WITHDRAW_PROPOSAL})


@dataclass(frozen=True)
class PhaseWindow:
    kind: PhaseKind
    starts_at: datetime
    ends_at: datetime

    def contains(self, now: datetime) -> bool:
        """Tell whether ``now`` falls in [starts_at, ends_at)."""
        return self.starts_at <= now < self.ends_at


def current_phases(calendar: Iterable[PhaseWindow], now: datetime) -> list[PhaseKind]:
    """Return the phases open at ``now``, in calendar order (overlaps are allowed)."""
    return sorted((w.kind for w in calendar if w.contains(now)), key=PHASE_ORDER.index)


def allowed_actions(
    calendar: Iterable[PhaseWindow], now: datetime, *, city_list: bool = False
) -> frozenset[Action]:
    """Return every action the calendar opens at ``now``."""
    actions: set[Action] = set()
    for kind in current_phases(calendar, now):
        actions |= ALLOWED_ACTIONS[kind]
    if city_list:
        actions -= CITY_LIST_FORBIDS
    return frozenset(actions)


def is_allowed(
    calendar: Iterable[PhaseWindow], now: datetime, action: Action, *, city_list: bool = False
) -> bool:
    """Tell whether ``action`` is open at ``now``."""
    return action in allowed_actions(calendar, now, city_list=city_list)


def is_open_to_staff(calendar: Iterable[PhaseWindow], now: datetime, action: Action) -> bool:
    """Tell whether a staff action gated by the calendar (e.g. publishing results) is open at ``now``."""
    return any(action in STAFF_ACTIONS.get(kind, frozenset()) for kind in current_phases(calendar, now))


def next_phase(calendar: Iterable[PhaseWindow], now: datetime) -> PhaseWindow | None:
    """Return the next phase to open after ``now``, if any."""
    upcoming = [w for w in calendar if w.starts_at > now]
    return min(upcoming, key=lambda w: w.starts_at) if upcoming else None


def calendar_problems(calendar: Iterable[PhaseWindow]) -> list[tuple[PhaseKind, str]]:
    """Return (phase, problem code) pairs: ``ends_before_start`` or ``out_of_order``."""
    windows = sorted(calendar, key=lambda w: PHASE_ORDER.index(w.kind))
    problems = [(w.kind, "ends_before_start") for w in windows if w.ends_at <= w.starts_at]
    for earlier, later in pairwise(windows):
        if later.starts_at < earlier.starts_at:
            problems.append((later.kind, "out_of_order"))
    return problems
