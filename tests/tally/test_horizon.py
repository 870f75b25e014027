"""The add1 completions equal a plain +1 iteration, whatever they skip (see test_interval.py)."""

from __future__ import annotations

import math
from fractions import Fraction
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from civic.tally import api, pabulib
from civic.tally.model import Ballot, Election
from civic.tally.rules import mes_add1, mes_add1_official
from civic.tally.rules.mes import _MES
from tests.tally import pabutools_ref

REGRESSIONS = Path(__file__).parent / "regressions"
IDS = ["p0", "p1", "p2", "p3", "10", "2", "b"]
# Tie-heavy costs (repeated values, one a multiple of another), zero costs and one fraction; large enough
# that the add1 loops run tens of identical increments, which is when they try the skip.
COSTS = [0, 1, 40, 100, 100, 150, 200, 277, 300, 368, Fraction(250, 3)]


@st.composite
def add1_elections(draw: st.DrawFn) -> Election:
    """Small approval or choose-1 elections with repeated ballots, weights and unsupported projects."""
    kind = draw(st.sampled_from(["approval", "approval", "choose-1"]))
    ids = draw(st.lists(st.sampled_from(IDS), min_size=1, max_size=5, unique=True))
    costs = [draw(st.one_of(st.sampled_from(COSTS), st.integers(0, 400))) for _ in ids]
    # Ballots come from a small pool, so the same ballot often repeats; projects outside every ballot of
    # the pool stay unsupported.
    named = draw(st.lists(st.sampled_from(ids), min_size=1, max_size=len(ids), unique=True))
    singles = [(j,) for j in named]
    if kind == "choose-1":
        pool = singles
    elif draw(st.booleans()):
        # Nested ballots: a class approving everything is emptied by an expensive project and leaves
        # the cheap ones only it supports with no money (the shape of the zero-slope crash).
        pool = [tuple(named), *singles]
    else:
        pool = draw(
            st.lists(
                st.lists(st.sampled_from(named), min_size=1, max_size=len(named), unique=True).map(tuple),
                min_size=1,
                max_size=4,
            )
        )
    ballots = [
        Ballot(draw(st.sampled_from(pool)), None, draw(st.integers(1, 7)))
        for _ in range(draw(st.integers(1, 8)))
    ]
    subset = draw(st.lists(st.booleans(), min_size=len(ids), max_size=len(ids)))
    budget = draw(
        st.one_of(
            st.just(sum(c for c, s in zip(costs, subset, strict=True) if s)),
            st.integers(0, 1500),
        )
    )
    return Election.build(list(zip(ids, costs, strict=True)), budget, kind, ballots)


@st.composite
def per_voter_budgets(draw: st.DrawFn, e: Election) -> Fraction:
    """Return a per-voter budget: the start plus k, any fraction, or one at which some project's
    supporters can pay exactly its cost (they are left with nothing: the edge of every bound)."""
    start = Fraction(e.budget) / max(1, e.num_voters)
    support = {p.id: sum(g.weight for g in e.groups if p.id in g.projects) for p in e.projects}
    exact = [Fraction(p.cost) / support[p.id] for p in e.projects if support[p.id]]
    return draw(
        st.one_of(
            st.integers(0, 600).map(lambda k: start + k),
            st.builds(Fraction, st.integers(0, 600), st.integers(1, 6)),
            st.sampled_from(exact or [start]),
        )
    )


def _spent(e: Election, selected: list[int]) -> Fraction:
    return sum((Fraction(e.projects[j].cost) for j in selected), Fraction(0))


def _plain_add1(e: Election) -> tuple[list[str], Fraction]:
    """Return pabutools' mes-add1 (selection, per-voter budget) by trying every +1 increment."""
    m = _MES(e)
    b = prev_b = Fraction(e.budget) / m.n
    previous: list[int] = []
    while True:
        run = m.run(b, m.lexico, False).selected
        spent = _spent(e, run)
        if spent > e.budget:
            return [m.ids[j] for j in previous], prev_b
        if all(j in run or spent + m.costs[j] > e.budget for j in m.eligible):
            return [m.ids[j] for j in run], b
        previous, prev_b = run, b
        b += 1


def _plain_add1_official(e: Election) -> tuple[list[str], Fraction]:
    """Return equalshares.net's add1 (selection, per-voter budget) by trying every +1 increment."""
    m = _MES(e)
    used = Fraction(e.budget) / m.n
    run = m.run(used, m.cost_then_approvals, False).selected
    per_voter = Fraction(math.floor(used))
    while not set(m.eligible) <= set(run):
        per_voter += 1
        nxt = m.run(per_voter, m.cost_then_approvals, False).selected
        if _spent(e, nxt) > e.budget:
            break
        run, used = nxt, per_voter
    return [m.ids[j] for j in run], used


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(add1_elections())
def test_add1_completions_with_the_skip_equal_plain_increments(e: Election) -> None:
    if e.num_voters == 0:
        return
    for count, plain in ((mes_add1, _plain_add1), (mes_add1_official, _plain_add1_official)):
        out = count(e)
        selected, per_voter = plain(e)
        assert (list(out.selected), out.explanation.budget_per_voter) == (selected, per_voter)  # type: ignore[union-attr]


def _read(path: Path) -> Election:
    return pabulib.read(path).election()


def test_add1_counts_a_bound_that_stays_negative_with_zero_slope() -> None:
    # 13 voters: a class of 7 approves everything, two classes of 3 approve one project each. A
    # comparison that is negative and never moves (slope 0) used to be divided by its slope.
    path = REGRESSIONS / "horizon_zero_slope.pb"
    e = _read(path)
    inst, prof = pabutools_ref.to_pabutools(e)
    assert list(api.count_file(path, "mes-add1").selected) == pabutools_ref.run(
        "mes-add1", e.kind, inst, prof
    )
    official = api.count_file(path, "mes-add1-official")
    assert list(official.selected) == _plain_add1_official(e)[0]
    # The file declares equalshares/add1: `civic tally FILE --rule official` counts it the same way.
    assert api.count_file(path, "official").selected == official.selected


@pytest.mark.parametrize("rule", ["mes-add1", "mes-add1-official"])
def test_add1_reaches_the_same_budget_as_plain_increments_on_the_regression(rule: str) -> None:
    e = _read(REGRESSIONS / "horizon_zero_slope.pb")
    plain = _plain_add1 if rule == "mes-add1" else _plain_add1_official
    out = api.count(e, rule)
    assert (list(out.selected), out.explanation.budget_per_voter) == plain(e)  # type: ignore[union-attr]
