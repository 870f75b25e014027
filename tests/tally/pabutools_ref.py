"""Run pabutools 1.2.3 (the reference implementation) the way Civic's rules are specified.

Used by make_golden.py (stored golden outcomes) and by the live hypothesis comparison.
pabutools has no cumulative or ordinal *cost* satisfaction, so the two classes below define the
satisfaction whose greedy density equals pabulib's score: points x cost and (L - position) x cost.
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any

from pabutools.election import (
    ApprovalBallot,
    ApprovalProfile,
    Cardinality_Sat,
    Cost_Sat,
    CumulativeBallot,
    CumulativeProfile,
    Instance,
    OrdinalBallot,
    OrdinalProfile,
    Project,
)
from pabutools.election.satisfaction.additivesatisfaction import AdditiveSatisfaction
from pabutools.fractions import frac
from pabutools.rules import (
    completion_by_rule_combination,
    greedy_utilitarian_welfare,
    method_of_equal_shares,
    sequential_phragmen,
)

from civic.tally.model import Election

APPROVAL_RULES = ("greedy", "greedy-cardinality", "mes", "mes-greedy", "mes-add1", "phragmen")
OTHER_RULES = ("greedy", "greedy-cardinality")


def _cumulative_cost(inst: Any, prof: Any, ballot: Any, project: Any, pre: Any) -> Any:
    return ballot.get(project, 0) * project.cost


def _ordinal_cost(inst: Any, prof: Any, ballot: Any, project: Any, pre: Any) -> Any:
    if project not in ballot:
        return 0
    return (len(ballot) - ballot.position(project)) * project.cost


class Cumulative_Cost_Sat(AdditiveSatisfaction):
    """Points x cost: greedy density equals the cumulative pabulib score."""

    def __init__(self, instance: Any, profile: Any, ballot: Any) -> None:
        AdditiveSatisfaction.__init__(self, instance, profile, ballot, _cumulative_cost)


class Ordinal_Cost_Sat(AdditiveSatisfaction):
    """(L - position) x cost: greedy density equals the ordinal pabulib score."""

    def __init__(self, instance: Any, profile: Any, ballot: Any) -> None:
        AdditiveSatisfaction.__init__(self, instance, profile, ballot, _ordinal_cost)


def _num(x: int | Fraction) -> Any:
    return frac(x.numerator, x.denominator) if isinstance(x, Fraction) else x


def to_pabutools(election: Election) -> tuple[Any, Any]:
    """Build a pabutools instance and profile holding the same election (weights expanded)."""
    inst = Instance()
    projects = {}
    for p in election.projects:
        proj = Project(p.id, _num(p.cost))
        projects[p.id] = proj
        inst.add(proj)
    inst.budget_limit = _num(election.budget)
    ballots: list[Any] = []
    for g in election.groups:
        for _ in range(g.weight):
            if election.kind in ("approval", "choose-1"):
                ballots.append(ApprovalBallot(projects[i] for i in g.projects))
            elif election.kind == "cumulative":
                b = CumulativeBallot()
                assert g.points is not None
                for i, pt in zip(g.projects, g.points, strict=False):
                    b[projects[i]] = _num(pt)
                ballots.append(b)
            else:
                ob = OrdinalBallot()
                for i in g.projects:
                    ob.append(projects[i])
                ballots.append(ob)
    if election.kind in ("approval", "choose-1"):
        prof: Any = ApprovalProfile(ballots, instance=inst)
    elif election.kind == "cumulative":
        prof = CumulativeProfile(ballots, instance=inst)
    else:
        prof = OrdinalProfile(ballots, instance=inst)
    return inst, prof


def cost_sat_class(kind: str) -> Any:
    """Return the satisfaction class Civic's `greedy` uses for this ballot kind."""
    if kind == "cumulative":
        return Cumulative_Cost_Sat
    if kind == "ordinal":
        return Ordinal_Cost_Sat
    return Cost_Sat


def run(rule: str, kind: str, inst: Any, prof: Any) -> list[str]:
    """Return pabutools' selected project ids, in its output order."""
    if rule == "greedy":
        res = greedy_utilitarian_welfare(inst, prof, sat_class=cost_sat_class(kind))
    elif rule == "greedy-cardinality":
        res = greedy_utilitarian_welfare(inst, prof, sat_class=Cardinality_Sat)
    elif rule == "mes":
        res = method_of_equal_shares(inst, prof, sat_class=Cost_Sat)
    elif rule == "mes-greedy":
        res = completion_by_rule_combination(
            inst,
            prof,
            [method_of_equal_shares, greedy_utilitarian_welfare],
            [{"sat_class": Cost_Sat}, {"sat_class": Cost_Sat}],
        )
    elif rule == "mes-add1":
        res = method_of_equal_shares(inst, prof, sat_class=Cost_Sat, voter_budget_increment=1)
    elif rule == "phragmen":
        res = sequential_phragmen(inst, prof)
    else:
        raise ValueError(rule)
    return [p.name for p in res]


def rules_for(kind: str) -> tuple[str, ...]:
    """Return the rules that apply to a ballot kind."""
    return APPROVAL_RULES if kind in ("approval", "choose-1") else OTHER_RULES


# pabutools returns Phragmén's outcome sorted by project id, not in selection order.
UNORDERED_RULES = frozenset({"phragmen"})
