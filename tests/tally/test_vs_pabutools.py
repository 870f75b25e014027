"""Live comparison with pabutools 1.2.3 on small tie-heavy random instances (hypothesis)."""

from __future__ import annotations

from fractions import Fraction

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from civic.tally import api
from civic.tally.model import Ballot, Election
from tests.tally import pabutools_ref

IDS = ["1", "2", "10", "20", "a", "B", "b"]
COSTS = [0, 1, 2, 2, 3, 3, 5, 10, Fraction(5, 2)]


@st.composite
def elections(draw: st.DrawFn) -> Election:
    kind = draw(st.sampled_from(["approval", "approval", "choose-1", "cumulative", "ordinal"]))
    ids = draw(st.lists(st.sampled_from(IDS), min_size=1, max_size=6, unique=True))
    costs = [draw(st.sampled_from(COSTS)) for _ in ids]
    # Budgets equal to a sum of costs make "exactly fits" ties common.
    subset = draw(st.lists(st.booleans(), min_size=len(ids), max_size=len(ids)))
    budget = draw(
        st.one_of(st.just(sum(c for c, s in zip(costs, subset, strict=False) if s)), st.integers(0, 20))
    )
    ballots = []
    for _ in range(draw(st.integers(1, 7))):
        if kind == "choose-1":
            chosen = [draw(st.sampled_from(ids))]
        else:
            chosen = draw(st.lists(st.sampled_from(ids), min_size=1, max_size=len(ids), unique=True))
        points = None
        if kind == "cumulative":
            points = tuple(draw(st.integers(1, 3)) for _ in chosen)
        ballots.append(Ballot(tuple(chosen), points, draw(st.integers(1, 3))))
    return Election.build(list(zip(ids, costs, strict=False)), budget, kind, ballots)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(elections())
def test_every_rule_matches_pabutools(election: Election) -> None:
    inst, prof = pabutools_ref.to_pabutools(election)
    for rule in pabutools_ref.rules_for(election.kind):
        expected = pabutools_ref.run(rule, election.kind, inst, prof)
        got = list(api.count(election, rule).selected)
        if rule in pabutools_ref.UNORDERED_RULES:
            assert sorted(got) == sorted(expected), rule
        else:
            assert got == expected, rule


@pytest.mark.parametrize("rule", ["mes", "mes-greedy", "mes-add1", "phragmen"])
def test_equal_everything_breaks_ties_by_id_string(rule: str) -> None:
    # "10" < "2" as strings: pabutools picks "10" first.
    e = Election.build([("2", 5), ("10", 5)], 5, "approval", [("2", "10"), ("10", "2")])
    inst, prof = pabutools_ref.to_pabutools(e)
    got = list(api.count(e, rule).selected)
    assert got == ["10"]
    assert got == pabutools_ref.run(rule, "approval", inst, prof)
