"""Civic's rules give exactly pabutools 1.2.3's outcomes on every shared test file (stored golden data)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from civic.tally import api
from tests.tally.shared import pabulib_dir

GOLDEN = Path(__file__).resolve().parent / "golden"
CASES = [
    (path, rule)
    for path in sorted(GOLDEN.glob("*.json"))
    for rule in json.loads(path.read_text())["outcomes"]
]


@pytest.mark.skipif(pabulib_dir() is None, reason="shared pabulib files not found (CIVIC_PABULIB_DIR)")
@pytest.mark.parametrize(("golden", "rule"), CASES, ids=[f"{p.stem[:40]}-{r}" for p, r in CASES])
def test_same_outcome_as_pabutools(golden: Path, rule: str) -> None:
    data = json.loads(golden.read_text())
    shared = pabulib_dir()
    assert shared is not None
    out = api.count_file(shared / "test" / data["file"], rule)
    expected = data["outcomes"][rule]
    if rule in data["unordered_rules"]:
        assert sorted(out.selected) == sorted(expected)
    else:
        assert list(out.selected) == expected
    assert out.budget_used <= out.budget


def test_golden_covers_every_shared_file() -> None:
    shared = pabulib_dir()
    if shared is None:
        pytest.skip("shared pabulib files not found")
    stems = {p.stem for p in (shared / "test").glob("*.pb")}
    assert stems == {p.stem for p in GOLDEN.glob("*.json")}
