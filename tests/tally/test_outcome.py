"""Outcome.from_dict is the inverse of to_dict: stored outcomes come back exact."""

from __future__ import annotations

import json
from fractions import Fraction

import pytest
from hypothesis import given, settings

from civic.tally import api
from civic.tally.model import Election
from civic.tally.outcome import Outcome, from_json_number
from tests.tally.test_properties import _rules
from tests.tally.test_vs_pabutools import elections


@settings(max_examples=60, deadline=None)
@given(elections())
def test_every_outcome_survives_a_json_round_trip(e: Election) -> None:
    counts = [api.count(e, rule) for rule in _rules(e)]
    counts.append(api.count(e, "official", official_rule="greedy-no-skip", threshold=1))
    if e.kind in ("approval", "choose-1"):
        counts.append(api.count(e, "mes-add1-official", comparison=True, comparison_mode="cost"))
    for out in counts:
        back = Outcome.from_dict(json.loads(json.dumps(out.to_dict())))
        assert back == out, out.rule
        assert back.to_dict() == out.to_dict()


def test_exact_numbers_come_back_exact() -> None:
    assert from_json_number({"exact": "1/3", "approx": 0.333}) == Fraction(1, 3)
    assert from_json_number(7) == 7
    with pytest.raises(TypeError):
        from_json_number(0.5)
