"""Interval proofs of the add1 completions: a proven interval never hides a change of the outcome."""

from __future__ import annotations

from fractions import Fraction

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from civic.tally import api
from civic.tally.model import Election
from civic.tally.rules.add1 import _ranks
from civic.tally.rules.interval import Certifier
from civic.tally.rules.mes import _MES
from tests.tally.test_horizon import add1_elections, per_voter_budgets


def _certifiers(m: _MES, b: Fraction) -> list[tuple[Certifier, object]]:
    """Return a certifier per tie-breaking rule, with the matching tie function."""
    official = _ranks(m, lambda j: (m.costs[j], -m.count[j], j))
    return [
        (Certifier(m, b, _ranks(m, m.ids.__getitem__)), m.lexico),
        (Certifier(m, b, official), m.cost_then_approvals),
    ]


def _inside(b: Fraction, k: int) -> list[Fraction]:
    """Return budgets in [b, b + k]: every increment (the first and last 30 when long) and fractions."""
    steps = list(range(k + 1))
    if k > 60:
        steps = steps[:30] + steps[-30:]
    return [b + s for s in steps] + [b + Fraction(k, 3), b + k - Fraction(1, 7)]


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data(), add1_elections(), st.integers(1, 400))
def test_a_proven_interval_gives_the_same_selection_at_every_budget(
    data: st.DataObject, e: Election, k: int
) -> None:
    m = _MES(e)
    if m.n == 0:
        return
    b = data.draw(per_voter_budgets(e))
    for cert, tie in _certifiers(m, b):
        selected = m.run(b, tie, False).selected  # type: ignore[arg-type]
        if cert.same(b, k, selected):
            for x in _inside(b, k):
                assert m.run(x, tie, False).selected == selected, (b, k, x)  # type: ignore[arg-type]
        else:
            # Where the margin that failed crosses zero lies inside the interval (0: at its start).
            assert 0 <= cert.fail <= k


def test_the_proof_reaches_the_budget_where_the_outcome_changes_and_stops_there() -> None:
    # Two voters with 50 each, two projects of 60 each supported by one voter: nothing is affordable
    # below 60 per voter, both are from 60 on.
    e = Election.build([("a", 60), ("b", 60)], 100, "approval", [("a",), ("b",)])
    m = _MES(e)
    for cert, _tie in _certifiers(m, Fraction(50)):
        assert cert.same(Fraction(50), 9, [])
        assert not cert.same(Fraction(50), 10, [])
        assert cert.same(Fraction(60), 1000, [0, 1])


def test_the_proof_tells_apart_projects_tied_for_good() -> None:
    # Two identical projects of 30 and four voters: they tie at every budget and the tie-breaking
    # picks x; y is affordable too once each voter has 15.
    e = Election.build([("x", 30), ("y", 30)], 40, "approval", [("x", "y")] * 4)
    m = _MES(e)
    for cert, _tie in _certifiers(m, Fraction(10)):
        assert cert.same(Fraction(10), 4, [0])
        assert not cert.same(Fraction(10), 4, [1])
        assert not cert.same(Fraction(10), 5, [0])
        assert cert.same(Fraction(15), 100, [0, 1])


@pytest.mark.parametrize("rule", ["mes-add1", "mes-add1-official"])
def test_add1_skips_long_runs_of_identical_increments(rule: str, monkeypatch: pytest.MonkeyPatch) -> None:
    # Two voters with 1000 each, two projects of 2000 each supported by one of them: a thousand
    # increments change nothing, then both projects are bought and overspend.
    e = Election.build([("a", 2000), ("b", 2000)], 2000, "approval", [("a",), ("b",)])
    runs = 0
    real = _MES.run

    def counted(self: _MES, *args: object) -> object:
        nonlocal runs
        runs += 1
        return real(self, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(_MES, "run", counted)
    out = api.count(e, rule)
    assert out.selected == () and out.explanation.increments == 999  # type: ignore[union-attr]
    assert runs < 20
