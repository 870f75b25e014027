"""Pabulib scores and the `official` rule's inputs, computed in one place for files and stored pools."""

from __future__ import annotations

from fractions import Fraction

import pytest

from civic.tally.errors import InvalidElection
from civic.tally.model import Ballot, Election
from civic.tally.official import official_options
from civic.tally.rules import satisfaction_totals
from civic.tally.scores import ballot_counts, ballot_scores


def _election(kind: str) -> Election:
    ballots = [
        Ballot(("a", "b"), (2, 1) if kind in ("cumulative", "scoring") else None, 3),
        Ballot(("b",), None, 1),
    ]
    if kind in ("cumulative", "scoring"):
        ballots[1] = Ballot(("b",), (Fraction(1, 2),), 1)
    return Election.build([("a", 10), ("b", 5), ("c", 1)], 10, kind, ballots)


@pytest.mark.parametrize(
    ("kind", "expected"),
    [
        ("approval", [3, 4, 0]),
        ("cumulative", [6, Fraction(7, 2), 0]),
        ("scoring", [6, Fraction(7, 2), 0]),
        ("ordinal", [6, 4, 0]),  # "a" first of 2 on 3 ballots, "b" second of 2 (x3) and first of 1
    ],
)
def test_ballot_scores_are_votes_points_or_rank_points(kind: str, expected: list[object]) -> None:
    e = _election(kind)
    assert ballot_scores(e) == expected
    assert ballot_counts(e) == [3, 4, 0]
    if kind != "scoring":
        assert satisfaction_totals(e, "cost") == expected
        assert satisfaction_totals(e, "cardinality") == [3, 4, 0]


def test_official_options_take_the_score_column_else_votes_else_ballots() -> None:
    e = _election("approval")
    cells = [
        ("a", {"score": "7", "votes": "1"}),
        ("b", {"score": "2.5", "votes": "2"}),
        ("c", {"votes": "3"}),
    ]
    # A missing score cell makes the whole column unusable: votes are used.
    assert official_options(e, "greedy", None, cells)["scores"] == {"a": 1, "b": 2, "c": 3}
    full = [(pid, {**row, "score": row.get("score", "0")}) for pid, row in cells]
    assert official_options(e, "greedy", None, full)["scores"] == {"a": 7, "b": Fraction(5, 2), "c": 0}
    absurd = [("a", {"votes": "1e999999"}), ("b", {"votes": "2"}), ("c", {"votes": "3"})]
    options = official_options(e, None, "2", absurd)
    assert options == {"official_rule": "unknown", "scores": {"a": 3, "b": 4, "c": 0}, "threshold": 2}


def test_official_options_refuse_an_absurd_threshold() -> None:
    with pytest.raises(InvalidElection, match="min_project_score_threshold"):
        official_options(_election("approval"), "greedy", "1e99999999", [])
