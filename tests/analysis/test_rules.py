"""The review's state machine and the right-of-reply rules (pure)."""

from __future__ import annotations

from datetime import datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from civic.analysis.rules import (
    TRANSITIONS,
    Agreement,
    Blocker,
    CostProblem,
    Move,
    ReviewState,
    Verdict,
    agreement,
    allowed_moves,
    cost_problems,
    is_overdue,
    next_state,
    reply_window,
    validation_blocker,
    verdict_status,
)

S = ReviewState


def test_the_cycle_goes_from_to_assign_to_published():
    state = S.TO_ASSIGN
    for move in (Move.ASSIGN, Move.START, Move.SUBMIT, Move.VALIDATE, Move.PUBLISH):
        state = next_state(state, move)
    assert state is S.PUBLISHED
    assert allowed_moves(S.PUBLISHED) == []


def test_the_manager_sends_a_submitted_or_validated_review_back_in_progress():
    assert next_state(S.SUBMITTED, Move.SEND_BACK) is S.IN_PROGRESS
    assert next_state(S.VALIDATED, Move.SEND_BACK) is S.IN_PROGRESS
    assert next_state(S.PUBLISHED, Move.SEND_BACK) is None


def test_nothing_is_published_or_validated_by_skipping_a_step():
    assert next_state(S.IN_PROGRESS, Move.PUBLISH) is None
    assert next_state(S.SUBMITTED, Move.PUBLISH) is None
    assert next_state(S.IN_PROGRESS, Move.VALIDATE) is None
    assert next_state(S.TO_ASSIGN, Move.SUBMIT) is None


@given(st.lists(st.sampled_from(list(Move)), max_size=40))
def test_any_sequence_of_allowed_moves_keeps_the_invariants(moves):
    state, history = S.TO_ASSIGN, [S.TO_ASSIGN]
    for move in moves:
        target = next_state(state, move)
        if target is None:
            assert (state, move) not in TRANSITIONS
            continue
        if target is S.PUBLISHED:
            assert state is S.VALIDATED  # never published without being validated
        if target is S.VALIDATED:
            assert state is S.SUBMITTED  # never validated without going to the holders first
        if target is S.SUBMITTED:
            assert state is S.IN_PROGRESS
        assert state is not S.PUBLISHED  # published is final
        state = target
        history.append(state)
    if S.PUBLISHED in history:
        assert history.index(S.VALIDATED) < history.index(S.PUBLISHED)
        assert history[-1] is S.PUBLISHED
    if S.TO_ASSIGN in history[1:]:
        raise AssertionError("a review never goes back to 'to assign'")


def test_the_reply_window_is_open_for_the_set_number_of_days():
    start = datetime(2026, 12, 1, 9, 0)
    assert reply_window(start, 10, start + timedelta(days=9, hours=23)).open
    closed = reply_window(start, 10, start + timedelta(days=10))
    assert not closed.open
    assert closed.closes_at == datetime(2026, 12, 11, 9, 0)


@given(st.integers(min_value=1, max_value=60), st.integers(min_value=0, max_value=100 * 24))
def test_the_window_is_open_exactly_before_it_closes(days, hours):
    start = datetime(2026, 1, 1)
    now = start + timedelta(hours=hours)
    window = reply_window(start, days, now)
    assert window.open == (now < window.closes_at)


def test_feasible_with_changes_needs_the_holders_agreement():
    changes = Verdict.FEASIBLE_WITH_CHANGES
    assert agreement(changes, answered=True, accepted=True, window_open=True) is Agreement.ACCEPTED
    assert agreement(changes, answered=True, accepted=False, window_open=False) is Agreement.REFUSED
    assert agreement(changes, answered=False, accepted=False, window_open=True) is Agreement.WAITING
    assert agreement(changes, answered=False, accepted=False, window_open=False) is Agreement.TACIT
    assert (
        agreement(Verdict.FEASIBLE, answered=False, accepted=False, window_open=True) is Agreement.NOT_NEEDED
    )


def test_validation_waits_for_an_answer_or_the_end_of_the_window():
    kw = {"accepted": False}
    assert validation_blocker(Verdict.FEASIBLE, answered=False, window_open=True, **kw) is Blocker.WINDOW_OPEN
    assert validation_blocker(Verdict.FEASIBLE, answered=True, window_open=True, **kw) is None
    assert validation_blocker(Verdict.NOT_FEASIBLE, answered=False, window_open=False, **kw) is None
    refused = validation_blocker(Verdict.FEASIBLE_WITH_CHANGES, answered=True, window_open=True, **kw)
    assert refused is Blocker.CHANGES_REFUSED
    assert validation_blocker(Verdict.FEASIBLE_WITH_CHANGES, answered=False, window_open=False, **kw) is None
    # A proposal without any holder to ask (recorded at the town hall) does not wait.
    alone = validation_blocker(Verdict.FEASIBLE, answered=False, window_open=True, has_holders=False, **kw)
    assert alone is None


def test_a_cost_range_is_minimum_estimate_maximum():
    assert cost_problems(1, 2, 3) == []
    assert cost_problems(None, 2, None) == []
    assert cost_problems(3, 2, 5) == [CostProblem.LOW_ABOVE_ESTIMATE]
    assert cost_problems(1, 5, 3) == [CostProblem.ESTIMATE_ABOVE_HIGH]
    assert cost_problems(5, None, 3) == [CostProblem.ESTIMATE_ABOVE_HIGH]
    assert CostProblem.NEGATIVE in cost_problems(-1, 2, 3)


@given(st.integers(0, 10**12), st.integers(0, 10**12), st.integers(0, 10**12))
def test_a_range_passes_exactly_when_ordered(a, b, c):
    assert (cost_problems(a, b, c) == []) == (a <= b <= c)


def test_a_published_verdict_gives_the_proposal_status():
    assert verdict_status(Verdict.FEASIBLE) == "feasible"
    assert verdict_status(Verdict.FEASIBLE_WITH_CHANGES) == "feasible"
    assert verdict_status(Verdict.NOT_FEASIBLE) == "not_feasible"


def test_overdue_means_past_due_and_not_yet_submitted():
    assert is_overdue(10, 11, S.IN_PROGRESS)
    assert not is_overdue(10, 10, S.IN_PROGRESS)
    assert not is_overdue(10, 11, S.SUBMITTED)
    assert not is_overdue(None, 11, S.ASSIGNED)
