"""The pure phase calendar: what is open when, in which order phases must come. No app needed."""

from __future__ import annotations

from datetime import datetime, timedelta

from civic.processes.phases import (
    ALLOWED_ACTIONS,
    Action,
    PhaseKind,
    PhaseWindow,
    allowed_actions,
    calendar_problems,
    current_phases,
    is_allowed,
    next_phase,
)

JAN = datetime(2026, 1, 1)


def window(kind: PhaseKind, start_day: int, end_day: int) -> PhaseWindow:
    return PhaseWindow(kind, JAN + timedelta(days=start_day), JAN + timedelta(days=end_day))


CALENDAR = [
    window(PhaseKind.SUBMISSION, 0, 30),
    window(PhaseKind.PRESELECTION, 30, 45),
    window(PhaseKind.ANALYSIS, 45, 90),
    window(PhaseKind.VOTE, 90, 110),
    window(PhaseKind.RESULTS, 110, 400),
    window(PhaseKind.REALISATION, 120, 800),
]


def test_the_current_phase_is_the_one_whose_window_contains_now():
    assert current_phases(CALENDAR, JAN + timedelta(days=10)) == [PhaseKind.SUBMISSION]
    assert current_phases(CALENDAR, JAN + timedelta(days=100)) == [PhaseKind.VOTE]


def test_a_window_includes_its_start_and_excludes_its_end():
    boundary = JAN + timedelta(days=30)
    assert current_phases(CALENDAR, boundary) == [PhaseKind.PRESELECTION]
    assert current_phases(CALENDAR, boundary - timedelta(microseconds=1)) == [PhaseKind.SUBMISSION]


def test_nothing_is_open_before_the_calendar_starts_or_after_it_ends():
    assert current_phases(CALENDAR, JAN - timedelta(seconds=1)) == []
    assert allowed_actions(CALENDAR, JAN + timedelta(days=800)) == frozenset()


def test_overlapping_phases_are_all_current_in_calendar_order_and_their_actions_add_up():
    now = JAN + timedelta(days=200)
    assert current_phases(list(reversed(CALENDAR)), now) == [PhaseKind.RESULTS, PhaseKind.REALISATION]
    assert (
        allowed_actions(CALENDAR, now)
        == ALLOWED_ACTIONS[PhaseKind.RESULTS] | ALLOWED_ACTIONS[PhaseKind.REALISATION]
    )


def test_each_phase_opens_its_own_actions_only():
    during_submission = allowed_actions(CALENDAR, JAN + timedelta(days=1))
    assert Action.SUBMIT_PROPOSAL in during_submission and Action.VOTE not in during_submission
    during_vote = allowed_actions(CALENDAR, JAN + timedelta(days=95))
    assert Action.VOTE in during_vote and Action.SUBMIT_PROPOSAL not in during_vote
    assert is_allowed(CALENDAR, JAN + timedelta(days=31), Action.SUPPORT)


def test_city_list_mode_removes_submission_but_keeps_comments():
    now = JAN + timedelta(days=1)
    actions = allowed_actions(CALENDAR, now, city_list=True)
    assert {Action.SUBMIT_PROPOSAL, Action.EDIT_PROPOSAL, Action.WITHDRAW_PROPOSAL}.isdisjoint(actions)
    assert Action.COMMENT in actions
    assert not is_allowed(CALENDAR, now, Action.SUBMIT_PROPOSAL, city_list=True)


def test_next_phase_is_the_earliest_one_still_to_open():
    assert next_phase(CALENDAR, JAN + timedelta(days=10)) == CALENDAR[1]
    assert next_phase(CALENDAR, JAN - timedelta(days=1)) == CALENDAR[0]
    assert next_phase(CALENDAR, JAN + timedelta(days=115)) == CALENDAR[5]
    assert next_phase(CALENDAR, JAN + timedelta(days=120)) is None
    assert next_phase([], JAN) is None


def test_a_well_ordered_calendar_has_no_problems_even_with_gaps_or_missing_phases():
    assert calendar_problems(CALENDAR) == []
    assert calendar_problems([window(PhaseKind.SUBMISSION, 0, 10), window(PhaseKind.VOTE, 50, 60)]) == []


def test_a_phase_that_ends_before_or_when_it_starts_is_a_problem():
    assert calendar_problems([window(PhaseKind.VOTE, 10, 5)]) == [(PhaseKind.VOTE, "ends_before_start")]
    assert calendar_problems([window(PhaseKind.VOTE, 10, 10)]) == [(PhaseKind.VOTE, "ends_before_start")]


def test_a_phase_starting_before_the_previous_one_is_out_of_order_whatever_the_input_order():
    problems = calendar_problems([window(PhaseKind.VOTE, 5, 20), window(PhaseKind.SUBMISSION, 10, 30)])
    assert problems == [(PhaseKind.VOTE, "out_of_order")]
