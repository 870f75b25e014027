"""The pure ballot rules: settings problems, what each ballot format accepts, the pabulib constraints."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from civic.tally.api import get_rule, rule_names
from civic.voting.ballot_rules import (
    APPROVAL_FORMATS,
    APPROVAL_ONLY_RULES,
    COUNTING_RULES,
    PABULIB_VOTE_TYPE,
    VIOLATION_RULES,
    BallotFormat,
    BallotScope,
    DistrictsPerVoter,
    FilledBallot,
    Settings,
    ballot_violations,
    min_spend_cents,
    normalised,
    pabulib_constraints,
    settings_problems,
)

F = BallotFormat
TOULOUSE = Settings(ballot_format=F.CUMULATIVE, total_points=7, max_points_per_project=3)
COSTS = {"a": 40_000_00, "b": 30_000_00, "c": 20_000_00, "d": 10_000_00}
BUDGET = 60_000_00


def rules(violations) -> set[str]:
    return {v.rule for v in violations}


# --- settings --------------------------------------------------------------------------------------


def test_counting_rules_are_names_of_the_tally_registry() -> None:
    assert set(COUNTING_RULES) <= set(rule_names())
    for name in COUNTING_RULES:
        kinds = get_rule(name).ballot_kinds
        needs_approval = name in APPROVAL_ONLY_RULES
        assert needs_approval == ("cumulative" not in kinds), name
        for fmt in F:
            if not needs_approval or fmt in APPROVAL_FORMATS:
                assert PABULIB_VOTE_TYPE[fmt] in kinds, (name, fmt)


def test_toulouse_2019_settings_are_accepted() -> None:
    assert settings_problems(TOULOUSE) == []


def test_points_cap_above_the_total_is_refused() -> None:
    bad = Settings(ballot_format=F.CUMULATIVE, total_points=3, max_points_per_project=7)
    assert [(p.field, p.code) for p in settings_problems(bad)] == [
        ("max_points_per_project", "cap_above_total")
    ]


def test_minimum_above_maximum_is_refused() -> None:
    bad = Settings(ballot_format=F.K_APPROVAL, min_choices=5, max_choices=3)
    assert [(p.field, p.code) for p in settings_problems(bad)] == [("max_choices", "min_above_max")]


@pytest.mark.parametrize(
    ("settings_", "field", "code"),
    [
        (Settings(ballot_format=F.K_APPROVAL, max_choices=3), "min_choices", "required"),
        (Settings(ballot_format=F.K_APPROVAL, min_choices=-1, max_choices=3), "min_choices", "too_small"),
        (Settings(ballot_format=F.K_APPROVAL, min_choices=1, max_choices=10**9), "max_choices", "too_large"),
        (Settings(ballot_format=F.KNAPSACK, min_spend_percent=101), "min_spend_percent", "too_large"),
        (Settings(ballot_format=F.KNAPSACK, min_spend_percent=-5), "min_spend_percent", "too_small"),
        (
            Settings(ballot_format=F.CUMULATIVE, total_points=0, max_points_per_project=1),
            "total_points",
            "too_small",
        ),
        (Settings(ballot_format=F.RANKING), "ranking_length", "required"),
        (Settings(counting_rule="borda"), "counting_rule", "unknown_rule"),
        (
            Settings(ballot_format=F.RANKING, ranking_length=3, counting_rule="phragmen"),
            "counting_rule",
            "rule_needs_approval",
        ),
    ],
)
def test_each_bad_setting_names_its_field(settings_: Settings, field: str, code: str) -> None:
    assert (field, code) in {(p.field, p.code) for p in settings_problems(settings_)}


def test_limits_of_other_formats_are_ignored_and_an_edition_ballot_is_for_everyone() -> None:
    s = normalised(
        Settings(
            ballot_format=F.APPROVAL, min_choices=9, max_choices=1, total_points=-3, scope=BallotScope.EDITION
        )
    )
    assert (s.min_choices, s.max_choices, s.total_points) == (None, None, None)
    assert s.districts_per_voter is DistrictsPerVoter.ALL
    assert settings_problems(s) == []


def test_knapsack_minimum_is_rounded_up_to_the_cent() -> None:
    s = Settings(ballot_format=F.KNAPSACK, min_spend_percent=33)
    assert min_spend_cents(s, 100_01) == 33_01  # 33.0033 € → 33.01 €
    assert min_spend_cents(Settings(ballot_format=F.KNAPSACK), 100_00) is None


# --- ballots ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("settings_", "ballot", "expected"),
    [
        (Settings(), FilledBallot(()), {"too_few"}),
        (Settings(), FilledBallot(("a", "zz")), {"unknown_project"}),
        (Settings(), FilledBallot(("a", "a")), {"repeated_project"}),
        (
            Settings(ballot_format=F.K_APPROVAL, min_choices=2, max_choices=3),
            FilledBallot(("a",)),
            {"too_few"},
        ),
        (
            Settings(ballot_format=F.K_APPROVAL, min_choices=2, max_choices=3),
            FilledBallot(("a", "b", "c", "d")),
            {"too_many"},
        ),
        (Settings(ballot_format=F.KNAPSACK), FilledBallot(("a", "b")), {"over_budget"}),
        (
            Settings(ballot_format=F.KNAPSACK, min_spend_percent=50),
            FilledBallot(("d",)),
            {"under_minimum_spend"},
        ),
        (TOULOUSE, FilledBallot(("a", "b"), (4, 1)), {"points_over_cap"}),
        (TOULOUSE, FilledBallot(("a", "b", "c"), (3, 3, 3)), {"points_over_total"}),
        (TOULOUSE, FilledBallot(("a", "b"), (0, 1)), {"points_not_positive"}),
        (TOULOUSE, FilledBallot(("a", "b")), {"points_missing"}),
        (
            Settings(ballot_format=F.RANKING, ranking_length=2),
            FilledBallot(("a", "b", "c")),
            {"ranking_too_long"},
        ),
        (
            Settings(ballot_format=F.RANKING, ranking_length=3),
            FilledBallot(("a", "b", "a")),
            {"repeated_project"},
        ),
    ],
)
def test_each_broken_rule_is_named(settings_: Settings, ballot: FilledBallot, expected: set[str]) -> None:
    assert rules(ballot_violations(settings_, COSTS, BUDGET, ballot)) == expected


def test_toulouse_ballot_with_seven_points_three_at_most_is_accepted() -> None:
    assert ballot_violations(TOULOUSE, COSTS, BUDGET, FilledBallot(("a", "b", "c"), (3, 3, 1))) == []


def test_basket_over_envelope_says_by_how_much() -> None:
    (v,) = ballot_violations(Settings(ballot_format=F.KNAPSACK), COSTS, BUDGET, FilledBallot(("a", "b")))
    assert (v.limit, v.actual) == (BUDGET, 70_000_00)


# --- properties ------------------------------------------------------------------------------------

project_ids = st.sampled_from(["a", "b", "c", "d", "e", "f"])
cost_maps = st.dictionaries(project_ids, st.integers(0, 10**9), min_size=2)


@st.composite
def any_settings(draw: st.DrawFn) -> Settings:
    small = st.one_of(st.none(), st.integers(-3, 12))
    return Settings(
        ballot_format=draw(st.sampled_from(F)),
        counting_rule=draw(st.sampled_from((*COUNTING_RULES, "nonsense"))),
        scope=draw(st.sampled_from(BallotScope)),
        districts_per_voter=draw(st.sampled_from(DistrictsPerVoter)),
        min_choices=draw(small),
        max_choices=draw(small),
        min_spend_percent=draw(st.one_of(st.none(), st.integers(-10, 120))),
        total_points=draw(small),
        max_points_per_project=draw(small),
        ranking_length=draw(small),
    )


@st.composite
def any_ballot(draw: st.DrawFn) -> FilledBallot:
    projects = tuple(draw(st.lists(st.sampled_from(["a", "b", "c", "d", "e", "f", "zz"]), max_size=8)))
    points = draw(
        st.one_of(st.none(), st.lists(st.integers(-2, 9), min_size=len(projects), max_size=len(projects)))
    )
    return FilledBallot(projects, None if points is None else tuple(points))


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(any_settings(), cost_maps, st.integers(0, 10**10), any_ballot())
def test_every_violation_names_a_known_rule(s: Settings, costs, budget: int, ballot: FilledBallot) -> None:
    if settings_problems(s):
        return
    for violation in ballot_violations(s, costs, budget, ballot):
        assert violation.rule in VIOLATION_RULES


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(any_settings())
def test_every_settings_problem_names_a_setting(s: Settings) -> None:
    fields = set(Settings.__dataclass_fields__)
    for problem in settings_problems(s):
        assert problem.field in fields and problem.code


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.sampled_from([F.APPROVAL, F.KNAPSACK]),
    cost_maps,
    st.integers(0, 10**10),
    st.data(),
)
def test_valid_basket_stays_valid_without_one_project(fmt: BallotFormat, costs, budget: int, data) -> None:
    s = Settings(ballot_format=fmt)
    basket = data.draw(st.lists(st.sampled_from(sorted(costs)), min_size=2, unique=True))
    ballot = FilledBallot(tuple(basket))
    if ballot_violations(s, costs, budget, ballot):
        return
    removed = data.draw(st.sampled_from(basket))
    smaller = FilledBallot(tuple(p for p in basket if p != removed))
    assert ballot_violations(s, costs, budget, smaller) == []


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.integers(0, 12), st.integers(1, 12), st.lists(st.sampled_from(["a", "b", "c", "d"]), unique=True))
def test_k_approval_accepts_exactly_the_sizes_between_min_and_max(low: int, high: int, basket) -> None:
    s = Settings(ballot_format=F.K_APPROVAL, min_choices=low, max_choices=high)
    if settings_problems(s):
        assert low > high or low < 1
        return
    ok = not ballot_violations(s, COSTS, BUDGET, FilledBallot(tuple(basket)))
    assert ok == (low <= len(basket) <= high)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.integers(1, 20), st.integers(1, 20), st.lists(st.integers(1, 9), min_size=1, max_size=4))
def test_cumulative_accepts_points_within_cap_and_total(total: int, cap: int, points) -> None:
    s = Settings(ballot_format=F.CUMULATIVE, total_points=total, max_points_per_project=cap)
    if settings_problems(s):
        assert cap > total
        return
    ballot = FilledBallot(tuple("abcd"[: len(points)]), tuple(points))
    ok = not ballot_violations(s, COSTS, BUDGET, ballot)
    assert ok == (max(points) <= cap and sum(points) <= total)


# --- pabulib ---------------------------------------------------------------------------------------


def test_pabulib_constraints_state_each_format() -> None:
    assert pabulib_constraints(TOULOUSE, BUDGET) == {
        "vote_type": "cumulative",
        "rule": "greedy",
        "max_points": "3",
        "max_sum_points": "7",
    }
    knapsack = Settings(ballot_format=F.KNAPSACK, min_spend_percent=50, counting_rule="mes-add1-official")
    assert pabulib_constraints(knapsack, 100_01) == {
        "vote_type": "approval",
        "rule": "equalshares/add1",
        "min_sum_cost": "50.01",
        "max_sum_cost": "100.01",
    }
    ranking = Settings(ballot_format=F.RANKING, ranking_length=5)
    assert pabulib_constraints(ranking, BUDGET)["max_length"] == "5"
    assert pabulib_constraints(ranking, BUDGET)["vote_type"] == "ordinal"
