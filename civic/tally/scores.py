"""Pabulib scores: how many votes, points or rank points each project received.

The one place they are computed from ballots (greedy densities, the `official` rule and the
results pages all show or rank by them).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from fractions import Fraction
from itertools import chain
from typing import Any

from civic.tally.model import Election, Number, normalize
from civic.tally.pabulib import MAX_SCORE, limited_number


def ballot_counts(election: Election) -> list[int]:
    """Return, per project (in election order), the number of ballots naming it."""
    # Count every group once at C speed, then add the extra weight of the repeated ballots.
    named = Counter(chain.from_iterable([g.projects for g in election.groups]))
    for g in election.groups:
        if g.weight > 1:
            for pid in g.projects:
                named[pid] += g.weight - 1
    return [named[p.id] for p in election.projects]


def ballot_scores(election: Election) -> list[Number]:
    """Return each project's pabulib score from the ballots, in election order.

    Approvals (approval, choose-1), points (cumulative, scoring) or L - position on an ordinal
    ballot of length L (best first); exact ints or Fractions.
    """
    kind = election.kind
    if kind in ("approval", "choose-1"):
        return list(ballot_counts(election))
    index = {p.id: j for j, p in enumerate(election.projects)}
    totals: list[Number] = [0] * len(election.projects)
    for g in election.groups:
        w = g.weight
        if kind == "ordinal":
            n = len(g.projects)
            for pos, pid in enumerate(g.projects):
                totals[index[pid]] += w * (n - pos)
        elif g.points is not None:
            for pid, pt in zip(g.projects, g.points, strict=False):
                totals[index[pid]] += w * pt
        else:
            for pid in g.projects:
                totals[index[pid]] += w
    return [normalize(t if isinstance(t, int) else Fraction(t)) for t in totals]


def official_scores(
    election: Election, project_cells: Iterable[tuple[str, Mapping[str, Any]]]
) -> dict[str, Number]:
    """Return the scores the `official` rule ranks by: the `score` column, else `votes`, else ballots.

    `project_cells` gives (project id, its PROJECTS cells by column); a column with a missing or
    absurd cell is not used.
    """
    cells = list(project_cells)
    for column in ("score", "votes"):
        scores = _column_scores(cells, column)
        if scores is not None:
            return scores
    return dict(zip((p.id for p in election.projects), ballot_scores(election), strict=True))


def _column_scores(cells: list[tuple[str, Mapping[str, Any]]], column: str) -> dict[str, Number] | None:
    scores: dict[str, Number] = {}
    for pid, row in cells:
        cell = row.get(column)
        if cell is None:
            return None
        try:
            scores[pid] = limited_number(str(cell), limit=MAX_SCORE)
        except ValueError:
            return None
    return scores
