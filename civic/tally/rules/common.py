"""Helpers shared by the counting rules: exact conversions, approval supporters, the outcome."""

from __future__ import annotations

from fractions import Fraction
from itertools import chain, repeat
from typing import Literal

from civic.tally.errors import RuleNotApplicable
from civic.tally.model import Election, Number, normalize
from civic.tally.outcome import Outcome

EPS = 1e-9
Sat = Literal["cost", "cardinality"]


def _frac(x: Number) -> Fraction:
    return x if isinstance(x, Fraction) else Fraction(x)


def _require_approval(election: Election, rule: str) -> None:
    if election.kind not in ("approval", "choose-1"):
        raise RuleNotApplicable(
            f"rule {rule!r} applies to approval and choose-1 ballots, not {election.kind}"
        )


def _ballot_indices(election: Election) -> list[list[int]]:
    """Return each group's ballot as project indices."""
    index = {p.id: j for j, p in enumerate(election.projects)}
    return [list(map(index.__getitem__, g.projects)) for g in election.groups]


def _approval_supporters(election: Election) -> tuple[list[list[int]], list[list[int]]]:
    """Return (supporting groups per project, the same with each group repeated by its weight)."""
    index = {p.id: j for j, p in enumerate(election.projects)}
    groups = election.groups
    # One flat loop over (project, group) pairs built at C speed: no per-group Python overhead.
    flat = map(index.__getitem__, chain.from_iterable([g.projects for g in groups]))
    gids = chain.from_iterable(map(repeat, range(len(groups)), [len(g.projects) for g in groups]))
    supporters: list[list[int]] = [[] for _ in election.projects]
    add = [s.append for s in supporters]
    for j, gi in zip(flat, gids, strict=True):
        add[j](gi)
    heavy = [(gi, g) for gi, g in enumerate(groups) if g.weight > 1]
    if not heavy:
        return supporters, supporters
    extra: list[list[int]] = [[] for _ in election.projects]
    for gi, g in heavy:
        more = [gi] * (g.weight - 1)
        for pid in g.projects:
            extra[index[pid]] += more
    return supporters, [s + e for s, e in zip(supporters, extra, strict=True)]


def _outcome(
    rule: str, election: Election, selected: list[int], explanation: object, notes: tuple[str, ...] = ()
) -> Outcome:
    used = normalize(_frac(sum(election.projects[j].cost for j in selected)))
    return Outcome(
        rule,
        tuple(election.projects[j].id for j in selected),
        election.budget,
        used,
        explanation,  # type: ignore[arg-type]
        notes,
    )
