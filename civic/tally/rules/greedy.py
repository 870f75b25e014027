"""Greedy rules: fund projects by satisfaction per unit of cost while they fit."""

from __future__ import annotations

import math
from fractions import Fraction

from civic.tally.errors import RuleNotApplicable
from civic.tally.model import Election, Number, gc_paused
from civic.tally.outcome import GreedyExplanation, Outcome, ProjectDecision
from civic.tally.rules.common import Sat, _frac, _outcome
from civic.tally.scores import ballot_counts, ballot_scores


def satisfaction_totals(election: Election, sat: Sat) -> list[Number]:
    """Return each project's total satisfaction divided by its cost factor (the greedy density numerator).

    With cost satisfaction this is pabulib's score (see civic.tally.scores); with cardinality
    satisfaction it is the number of ballots naming it.
    """
    if election.kind == "scoring":
        raise RuleNotApplicable("greedy rules are not defined for scoring ballots")
    return list(ballot_counts(election)) if sat == "cardinality" else ballot_scores(election)


def greedy_order(election: Election, sat: Sat) -> list[tuple[int, Fraction | None]]:
    """Return (project index, density or None for infinite) in pabutools' greedy order."""
    projects = election.projects
    totals = satisfaction_totals(election, sat)
    # pabutools: density = total_sat / cost if total_sat > 0 (inf when cost is 0), else 0. Under cost
    # satisfaction total_sat = s * cost: the density of a supported project is s itself, and a
    # zero-cost project has density 0.
    if sat == "cost":
        dens: list[Number] = [
            s if s > 0 and p.cost > 0 else 0 for p, s in zip(projects, totals, strict=False)
        ]
        infinite = [False] * len(projects)
    else:
        infinite = [s > 0 and p.cost == 0 for p, s in zip(projects, totals, strict=False)]
        dens = [
            Fraction(s, p.cost) if s > 0 and p.cost > 0 else 0 for p, s in zip(projects, totals, strict=False)
        ]
    # Sort by exact keys without Fraction comparisons where all are integers over a common denominator.
    keys: list[Number] = dens
    if not all(type(d) is int for d in dens):
        fractions = [d for d in dens if type(d) is not int]
        if all(type(d.numerator) is int for d in fractions):  # always: Fractions of ints
            common = math.lcm(*(d.denominator for d in fractions))
            keys = [d * common if type(d) is int else d.numerator * (common // d.denominator) for d in dens]
    idx = sorted(range(len(projects)), key=lambda j: (-infinite[j], -keys[j], projects[j].id))
    return [(j, None if infinite[j] else _frac(dens[j])) for j in idx]


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
