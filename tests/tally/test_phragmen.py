"""Phragmén's two ways of summing loads (gathering supporters, popcounts of class bitsets) agree."""

from __future__ import annotations

import sys
from unittest.mock import patch

from hypothesis import HealthCheck, given, settings

from civic.tally import api
from civic.tally.model import Election
from tests.tally import pabutools_ref
from tests.tally.test_vs_pabutools import elections

# The package re-exports the function `phragmen`, which hides the module of the same name.
_ClassBits = sys.modules["civic.tally.rules.phragmen"]._ClassBits


def _count(e: Election, bitsets: bool) -> object:
    build = classmethod(
        lambda cls, election, supporters, entries: cls(election, supporters) if bitsets else None
    )
    with (
        patch.object(_ClassBits, "when_worth_it", build),
        patch.object(_ClassBits, "cheaper", lambda self, entries: True),
    ):
        return api.count(e, "phragmen")


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(elections())
def test_bitsets_and_gathering_give_pabutools_outcome(e: Election) -> None:
    if e.kind not in ("approval", "choose-1"):
        return
    with_bits, without = _count(e, True), _count(e, False)
    assert with_bits == without
    inst, prof = pabutools_ref.to_pabutools(e)
    assert sorted(with_bits.selected) == sorted(pabutools_ref.run("phragmen", e.kind, inst, prof))  # type: ignore[attr-defined]
