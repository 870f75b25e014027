"""The analysis review's states and their moves, and the holders' right of reply. Pure: no framework imports.

A review goes ``to_assign → assigned → in_progress → submitted → validated → published``; the manager may
send a submitted or validated review back to ``in_progress``. Between ``submitted`` and ``validated`` the
proposal's holders see the draft verdict for ``reply_days`` days and may answer, or accept the proposed
changes.

Validation waits for the holders: it is possible once they have answered, or once the reply window has
closed. A "feasible with changes" verdict changes their project, so it needs their agreement: an explicit
acceptance, or a window that closed without any answer (tacit agreement). Silence counts as agreement
because the holders were e-mailed and the closing date was shown to them: otherwise one absent holder could
hold a project out of the ballot for ever. An answer that does not accept the changes is a refusal: the
manager sends the review back to the analyst (who revises the verdict, which opens a new window).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime, timedelta


class ReviewState(enum.StrEnum):
    TO_ASSIGN = "to_assign"
    ASSIGNED = "assigned"
    IN_PROGRESS = "in_progress"
    SUBMITTED = "submitted"
    VALIDATED = "validated"
    PUBLISHED = "published"


class Move(enum.StrEnum):
    ASSIGN = "assign"  # the manager assigns (or re-assigns) a service and analysts
    START = "start"  # an analyst saves a first draft
    SAVE = "save"  # an analyst saves again
    SUBMIT = "submit"  # the draft verdict goes to the holders for their reply
    SEND_BACK = "send_back"  # the manager asks for another pass
    VALIDATE = "validate"
    PUBLISH = "publish"


class Verdict(enum.StrEnum):
    FEASIBLE = "feasible"
    FEASIBLE_WITH_CHANGES = "feasible_with_changes"
    NOT_FEASIBLE = "not_feasible"


class ReasonCode(enum.StrEnum):
    NOT_MUNICIPAL = "not_municipal"
    LEGAL = "legal"
    TECHNICAL = "technical"
    COST = "cost"
    DUPLICATE = "duplicate"
    OUT_OF_SCOPE = "out_of_scope"


S = ReviewState
M = Move

TRANSITIONS: dict[tuple[ReviewState, Move], ReviewState] = {
    (S.TO_ASSIGN, M.ASSIGN): S.ASSIGNED,
    (S.ASSIGNED, M.ASSIGN): S.ASSIGNED,
    (S.IN_PROGRESS, M.ASSIGN): S.IN_PROGRESS,
    (S.ASSIGNED, M.START): S.IN_PROGRESS,
    (S.IN_PROGRESS, M.SAVE): S.IN_PROGRESS,
    (S.IN_PROGRESS, M.SUBMIT): S.SUBMITTED,
    (S.SUBMITTED, M.SEND_BACK): S.IN_PROGRESS,
    (S.VALIDATED, M.SEND_BACK): S.IN_PROGRESS,
    (S.SUBMITTED, M.VALIDATE): S.VALIDATED,
    (S.VALIDATED, M.PUBLISH): S.PUBLISHED,
}

# States in which the holders (and staff) see the draft verdict; the public sees nothing of it.
DRAFT_VISIBLE = frozenset({S.SUBMITTED, S.VALIDATED})
# States an analyst may edit the review in.
EDITABLE = frozenset({S.ASSIGNED, S.IN_PROGRESS})
# States shown publicly as "technical analysis in progress" (without any verdict).
PUBLIC_IN_PROGRESS = frozenset({S.ASSIGNED, S.IN_PROGRESS, S.SUBMITTED, S.VALIDATED})


def allowed_moves(state: ReviewState) -> list[Move]:
    """Return the moves possible from ``state``, in the order of the cycle."""
    return [move for move in Move if (state, move) in TRANSITIONS]


def next_state(state: ReviewState, move: Move) -> ReviewState | None:
    """Return where ``move`` leads from ``state``, or None when it is not allowed."""
    return TRANSITIONS.get((state, move))


def verdict_status(verdict: Verdict) -> str:
    """Return the proposal status a published verdict gives (a ProposalStatus value)."""
    return "not_feasible" if verdict is Verdict.NOT_FEASIBLE else "feasible"


# --- the holders' right of reply --------------------------------------------------------------------------


@dataclass(frozen=True)
class ReplyWindow:
    closes_at: datetime
    open: bool


def reply_window(submitted_at: datetime, reply_days: int, now: datetime) -> ReplyWindow:
    """Return when the holders' reply window closes and whether it is open at ``now``."""
    closes_at = submitted_at + timedelta(days=max(reply_days, 0))
    return ReplyWindow(closes_at=closes_at, open=submitted_at <= now < closes_at)


class Agreement(enum.StrEnum):
    NOT_NEEDED = "not_needed"  # the verdict changes nothing in the project
    ACCEPTED = "accepted"  # the holders accepted the proposed changes
    TACIT = "tacit"  # the window closed without any answer (or the proposal has no holder to ask)
    WAITING = "waiting"  # the window is open and nobody has answered yet
    REFUSED = "refused"  # the holders answered without accepting the changes


def agreement(
    verdict: Verdict, *, answered: bool, accepted: bool, window_open: bool, has_holders: bool = True
) -> Agreement:
    """Tell whether a "feasible with changes" verdict has the holders' agreement."""
    if verdict is not Verdict.FEASIBLE_WITH_CHANGES:
        return Agreement.NOT_NEEDED
    if answered:
        return Agreement.ACCEPTED if accepted else Agreement.REFUSED
    if window_open and has_holders:
        return Agreement.WAITING
    return Agreement.TACIT


class Blocker(enum.StrEnum):
    WINDOW_OPEN = "window_open"  # the holders may still answer
    CHANGES_REFUSED = "changes_refused"  # the holders did not accept the proposed changes


def validation_blocker(
    verdict: Verdict, *, answered: bool, accepted: bool, window_open: bool, has_holders: bool = True
) -> Blocker | None:
    """Return what keeps a submitted review from being validated (None: it may be)."""
    if not answered and window_open and has_holders:
        return Blocker.WINDOW_OPEN
    state = agreement(
        verdict, answered=answered, accepted=accepted, window_open=window_open, has_holders=has_holders
    )
    if state is Agreement.REFUSED:
        return Blocker.CHANGES_REFUSED
    return None


# --- the cost range ---------------------------------------------------------------------------------------


class CostProblem(enum.StrEnum):
    LOW_ABOVE_ESTIMATE = "low_above_estimate"
    ESTIMATE_ABOVE_HIGH = "estimate_above_high"
    NEGATIVE = "negative"


def cost_problems(low: int | None, estimate: int | None, high: int | None) -> list[CostProblem]:
    """Check minimum ≤ estimate ≤ maximum (each may be missing) and that none is negative."""
    problems = []
    if any(v is not None and v < 0 for v in (low, estimate, high)):
        problems.append(CostProblem.NEGATIVE)
    if low is not None and estimate is not None and low > estimate:
        problems.append(CostProblem.LOW_ABOVE_ESTIMATE)
    above_high = estimate if estimate is not None else low
    if above_high is not None and high is not None and above_high > high:
        problems.append(CostProblem.ESTIMATE_ABOVE_HIGH)
    return problems


def is_overdue(due_on_ordinal: int | None, today_ordinal: int, state: ReviewState) -> bool:
    """A review is overdue when its due date has passed and the analysts have not submitted it."""
    return (
        due_on_ordinal is not None
        and today_ordinal > due_on_ordinal
        and state
        in {
            S.TO_ASSIGN,
            S.ASSIGNED,
            S.IN_PROGRESS,
        }
    )
