"""Civic's rules give exactly pabutools 1.2.3's outcomes on every shipped test election (stored golden data)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from civic.tally import api
from tests.tally.shared import TEST_DATA

GOLDEN = Path(__file__).resolve().parent / "golden"
CASES = [
    (path, rule)
    for path in sorted(GOLDEN.glob("*.json"))
    for rule in json.loads(path.read_text())["outcomes"]
]


@pytest.mark.parametrize(("golden", "rule"), CASES, ids=[f"{p.stem[:40]}-{r}" for p, r in CASES])
def test_same_outcome_as_pabutools(golden: Path, rule: str) -> None:
    data = json.loads(golden.read_text())
    out = api.count_file(TEST_DATA / data["file"], rule)
    expected = data["outcomes"][rule]
    if rule in data["unordered_rules"]:
        assert sorted(out.selected) == sorted(expected)
    else:
        assert list(out.selected) == expected
    assert out.budget_used <= out.budget


def test_golden_covers_every_shared_file() -> None:
    stems = {p.stem for p in TEST_DATA.glob("*.pb")}
    assert len(stems) == 29
    assert stems == {p.stem for p in GOLDEN.glob("*.json")}
