"""Pabulib scores: how many votes, points or rank points each project received.

The one place they are computed from ballots (greedy densities, the `official` rule and the
results pages all show or rank by them).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator, Mapping, Sequence
from fractions import Fraction
from itertools import chain, compress, repeat, zip_longest
from operator import eq, itemgetter, not_
from typing import Any

from civic.tally.model import BallotGroup, Election, Number, normalize
from civic.tally.pabulib import MAX_SCORE, limited_number

_PROJECTS = itemgetter(0)
_POINTS = itemgetter(1)
_WEIGHT = itemgetter(2)
_REVERSED = itemgetter(slice(None, None, -1))


def _points_or_empty(group: BallotGroup) -> tuple[Number, ...]:
    return group.points if group.points is not None else ()


def _weights_per_id(groups: Sequence[BallotGroup]) -> Iterator[int]:
    """Return each group's weight once per id it names, aligned with its chained ids."""
    return chain.from_iterable(map(repeat, map(_WEIGHT, groups), map(len, map(_PROJECTS, groups))))


def ballot_counts(election: Election) -> list[int]:
    """Return, per project (in election order), the number of ballots naming it."""
    # Single ballots counted per id at C speed; repeated ones as (id, weight) pairs, also in C: there
    # are few distinct pairs, each added once.
    groups = election.groups
    single = list(map(eq, map(_WEIGHT, groups), repeat(1)))
    named = Counter(chain.from_iterable(map(_PROJECTS, compress(groups, single))))
    if not all(single):
        several = list(compress(groups, map(not_, single)))
        pairs = Counter(
            zip(chain.from_iterable(map(_PROJECTS, several)), _weights_per_id(several), strict=True)
        )
        for (pid, weight), times in pairs.items():
            named[pid] += times * weight
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
    groups = election.groups
    if kind == "ordinal":
        # The single ballots by position at C speed: read backwards, the k-th id from the end
        # (k = 0, 1, ...) is worth k + 1 whatever the ballot's length, so each column of the
        # backwards ballots is counted once and its counts scaled. Repeated ballots go per id.
        single = list(map(eq, map(_WEIGHT, groups), repeat(1)))
        backwards = list(map(_REVERSED, map(_PROJECTS, compress(groups, single))))
        for k, column in enumerate(zip_longest(*backwards)):
            # filter drops the fill of shorter ballots (None; an id is never empty).
            for pid, times in Counter(filter(None, column)).items():
                totals[index[pid]] += times * (k + 1)
        groups = tuple(compress(groups, map(not_, single)))
    for g in groups:
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
