"""Properties every outcome must have: feasible, greedy exhaustive, MES payments exact, order-free."""

from __future__ import annotations

import json
import random
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from civic.tally import api
from civic.tally.errors import RuleNotApplicable, UnknownRule
from civic.tally.model import BallotGroup, Election
from tests.tally.test_vs_pabutools import elections

APPROVAL_RULES = [
    "greedy",
    "greedy-cardinality",
    "mes",
    "mes-greedy",
    "mes-add1",
    "mes-add1-official",
    "phragmen",
]


def _rules(e: Election) -> list[str]:
    return APPROVAL_RULES if e.kind in ("approval", "choose-1") else ["greedy", "greedy-cardinality"]


@settings(max_examples=60, deadline=None)
@given(elections())
def test_feasible_and_json(e: Election) -> None:
    for rule in _rules(e):
        out = api.count(e, rule)
        costs = {p.id: p.cost for p in e.projects}
        assert len(set(out.selected)) == len(out.selected)
        assert out.budget_used == sum(costs[i] for i in out.selected) <= e.budget
        json.dumps(out.to_dict())


@settings(max_examples=60, deadline=None)
@given(elections())
def test_greedy_is_exhaustive(e: Election) -> None:
    for rule in ("greedy", "greedy-cardinality"):
        out = api.count(e, rule)
        left = e.budget - out.budget_used
        assert all(p.id in out.selected or p.cost > left for p in e.projects)


@settings(max_examples=60, deadline=None)
@given(elections())
def test_mes_payments_fit_budgets_and_sum_to_cost(e: Election) -> None:
    if e.kind not in ("approval", "choose-1"):
        return
    out = api.count(e, "mes")
    expl = out.explanation
    budgets = [Fraction(e.budget) / e.num_voters] * len(e.groups)
    for rnd in expl.rounds:  # type: ignore[union-attr]
        total = Fraction(0)
        for gi, g in enumerate(e.groups):
            if rnd.project in g.projects:
                pay = min(budgets[gi], Fraction(rnd.price))
                assert 0 <= pay <= budgets[gi]
                budgets[gi] -= pay
                total += pay * g.weight
        assert total == rnd.cost
    assert all(b >= 0 for b in budgets)


@settings(max_examples=40, deadline=None)
@given(elections())
def test_outcome_independent_of_grouping(e: Election) -> None:
    # One group per ballot, approval ids listed in another order: how the file reader leaves ballots
    # that name the same projects differently. Grouping only saves work; it must not change outcomes.
    rng = random.Random(e.num_voters)
    singles = []
    for g in e.groups:
        for _ in range(g.weight):
            ids = list(g.projects)
            if e.kind in ("approval", "choose-1"):
                rng.shuffle(ids)
            singles.append(BallotGroup(tuple(ids), g.points, 1))
    split = Election(e.projects, e.budget, e.kind, tuple(singles))
    for rule in _rules(e):
        one, other = api.count(e, rule), api.count(split, rule)
        assert (one.selected, one.budget_used) == (other.selected, other.budget_used), rule


@settings(max_examples=40, deadline=None)
@given(elections())
def test_outcome_independent_of_ballot_order(e: Election) -> None:
    groups = list(e.groups)
    random.Random(len(groups)).shuffle(groups)
    shuffled = Election(e.projects, e.budget, e.kind, tuple(reversed(groups)))
    for rule in _rules(e):
        assert api.count(e, rule).selected == api.count(shuffled, rule).selected


def test_mes_on_ordinal_is_a_domain_error() -> None:
    e = Election.build([("a", 1)], 1, "ordinal", [("a",)])
    for rule in ("mes", "mes-greedy", "mes-add1", "mes-add1-official", "phragmen"):
        with pytest.raises(RuleNotApplicable):
            api.count(e, rule)
    with pytest.raises(UnknownRule):
        api.count(e, "borda")


def test_count_ballots_from_memory() -> None:
    out = api.count_ballots([("x", 3), ("y", Fraction(3, 2))], 3, "approval", [["x"], ["x"], ["y"]], "greedy")
    assert out.selected == ("x",)
    d = out.to_dict()
    assert d["explanation"]["decisions"][1] == {
        "project": "y",
        "cost": {"exact": "3/2", "approx": 1.5},
        "rank": 2,
        "score": 1,
        "status": "did_not_fit",
        "budget_left": 0,
    }


@pytest.mark.parametrize("rule", ["mes-add1", "mes-add1-official"])
def test_add1_reports_each_budget_tried_and_can_be_stopped(rule: str) -> None:
    # Two voters with 50 each and two projects of 60: the per-voter budget rises 50, 51, ... 60.
    e = Election.build([("a", 60), ("b", 60)], 100, "approval", [("a",), ("b",)])
    seen: list[tuple[int, object]] = []
    out = api.count(e, rule, progress=lambda steps, per_voter: seen.append((steps, per_voter)))
    assert out.selected == ()
    assert [s for s, _ in seen] == sorted({s for s, _ in seen}) and seen[-1] == (10, 60)
    assert all(per_voter == 50 + steps for steps, per_voter in seen)

    class Stop(Exception):
        pass

    def stop(steps: int, per_voter: object) -> None:
        # The loops skip increments they prove change nothing: stop at the first budget past the start.
        if steps >= 1:
            raise Stop

    with pytest.raises(Stop):
        api.count(e, rule, progress=stop)
    # Rules that finish at once accept the callback and ignore it.
    assert api.count(e, "greedy", progress=stop).selected == ("a",)


@settings(max_examples=40, deadline=None)
@given(elections())
def test_mes_replays_remembered_rounds_exactly(e: Election) -> None:
    # The add1 loops rerun MES on one instance that remembers the rounds of earlier runs; any order of
    # per-voter budgets must give what a fresh instance gives.
    if e.kind not in ("approval", "choose-1") or e.num_voters == 0:
        return
    from civic.tally.rules.mes import _MES

    start = Fraction(e.budget) / e.num_voters
    budgets = [start + k for k in range(6)] + [start + Fraction(k, 3) for k in range(4)]
    random.Random(len(e.groups)).shuffle(budgets)
    shared = _MES(e, replay=True)
    # Tiny bounds: what is remembered is forgotten (wholly, or the older half) between runs.
    forgetful = _MES(e, replay=True)
    forgetful.MAX_ENTRIES = random.Random(len(e.projects)).choice([0, 3, 10, 30])
    forgetful.MAX_CELLS = 2 * len(e.groups)
    for b in budgets * 2:
        again = shared.run(b, shared.cost_then_approvals, True)
        fresh_mes = _MES(e)
        fresh = fresh_mes.run(b, fresh_mes.cost_then_approvals, True)
        assert again == fresh
        assert forgetful.run(b, forgetful.cost_then_approvals, True) == fresh


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.tuples(st.integers(0, 40), st.integers(1, 5)), min_size=1, max_size=8),
    st.integers(1, 150),
    st.floats(0, 60, allow_nan=False),
)
def test_mes_exact_price_ignores_a_wrong_float_guess(
    classes: list[tuple[int, int]], cost: int, guess: float
) -> None:
    # The float price only guesses which classes pay all they have; the exact price must not depend on it.
    from collections import Counter

    from civic.tally.rules.mes import _Budgets

    budgets = _Budgets(Fraction(0), 1)
    budgets.extend([v * budgets.den for v, _ in classes])
    items = Counter({k + 1: w for k, (_, w) in enumerate(classes)})
    if budgets.money(items) < budgets.scale(cost):
        return
    assert budgets.price(items, cost, None, guess) == budgets.price(items, cost)
