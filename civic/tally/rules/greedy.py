"""Greedy rules: fund projects by satisfaction per unit of cost while they fit."""

from __future__ import annotations

from collections import Counter
from fractions import Fraction
from itertools import chain

from civic.tally.errors import RuleNotApplicable
from civic.tally.model import Election, Number, gc_paused, normalize
from civic.tally.outcome import GreedyExplanation, Outcome, ProjectDecision
from civic.tally.rules.common import Sat, _frac, _outcome


def satisfaction_totals(election: Election, sat: Sat) -> list[Number]:
    """Return each project's total satisfaction divided by its cost factor (the greedy density numerator).

    With cost satisfaction this is pabulib's score: approvals, points (cumulative) or L - position
    (ordinal ballot of length L); with cardinality satisfaction it is the number of ballots naming it.
    """
    index = {p.id: j for j, p in enumerate(election.projects)}
    totals: list[Number] = [0] * len(election.projects)
    kind = election.kind
    if kind == "scoring":
        raise RuleNotApplicable("greedy rules are not defined for scoring ballots")
    if sat == "cardinality" or kind in ("approval", "choose-1"):
        # Count every group once at C speed, then add the extra weight of the repeated ballots.
        named = Counter(chain.from_iterable([g.projects for g in election.groups]))
        for g in election.groups:
            if g.weight > 1:
                for pid in g.projects:
                    named[pid] += g.weight - 1
        return [named[p.id] for p in election.projects]
    for g in election.groups:
        w = g.weight
        if kind == "cumulative":
            assert g.points is not None
            for pid, pt in zip(g.projects, g.points, strict=False):
                totals[index[pid]] += w * pt
        else:  # ordinal: L - position, best-first
            n = len(g.projects)
            for pos, pid in enumerate(g.projects):
                totals[index[pid]] += w * (n - pos)
    return [normalize(_frac(t)) for t in totals]


def _densities(election: Election, sat: Sat) -> list[tuple[int, Fraction]]:
    """Return pabutools' greedy key per project as (infinite?, density)."""
    totals = satisfaction_totals(election, sat)
    out: list[tuple[int, Fraction]] = []
    for p, s in zip(election.projects, totals, strict=False):
        # pabutools: density = total_sat / cost if total_sat > 0 (inf when cost is 0), else 0.
        # Under cost satisfaction total_sat = s * cost, so a zero-cost project has density 0.
        total_sat = s * p.cost if sat == "cost" else s
        if total_sat > 0:
            if p.cost > 0:
                out.append((0, _frac(total_sat) / p.cost))
            else:
                out.append((1, Fraction(0)))
        else:
            out.append((0, Fraction(0)))
    return out


def greedy_order(election: Election, sat: Sat) -> list[tuple[int, Fraction | None]]:
    """Return (project index, density or None for infinite) in pabutools' greedy order."""
    dens = _densities(election, sat)
    idx = sorted(
        range(len(election.projects)),
        key=lambda j: (-dens[j][0], -dens[j][1], election.projects[j].id),
    )
    return [(j, None if dens[j][0] else dens[j][1]) for j in idx]


def _greedy_fill(
    election: Election, sat: Sat, initial: list[int], score_name: str
) -> tuple[list[int], GreedyExplanation]:
    selected = list(initial)
    chosen = set(initial)
    left: Number = election.budget - sum(election.projects[j].cost for j in initial)
    decisions: list[ProjectDecision] = []
    for rank, (j, dens) in enumerate(greedy_order(election, sat), start=1):
        p = election.projects[j]
        if j in chosen:
            decisions.append(ProjectDecision(p.id, p.cost, rank, dens, "already_selected", left))
            continue
        if p.cost <= left:
            decisions.append(ProjectDecision(p.id, p.cost, rank, dens, "funded", left))
            selected.append(j)
            left -= p.cost
        else:
            decisions.append(ProjectDecision(p.id, p.cost, rank, dens, "did_not_fit", left))
    return selected, GreedyExplanation(score_name, tuple(decisions))


def greedy(election: Election) -> Outcome:
    """Greedy by pabulib score per cost unit (pabutools greedy_utilitarian_welfare, cost satisfaction)."""
    with gc_paused():
        sel, expl = _greedy_fill(election, "cost", [], "score_per_cost_unit")
    return _outcome("greedy", election, sel, expl)


def greedy_cardinality(election: Election) -> Outcome:
    """Greedy by ballots naming the project per unit of cost (pabutools greedy, Cardinality_Sat)."""
    with gc_paused():
        sel, expl = _greedy_fill(election, "cardinality", [], "ballots_per_cost")
    return _outcome("greedy-cardinality", election, sel, expl)
