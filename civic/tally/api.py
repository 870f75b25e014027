"""Facade for the CLI and the app: count a pabulib file or in-memory data with a named rule."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from civic.tally import pabulib
from civic.tally.errors import InvalidElection, PabulibError, RuleNotApplicable, UnknownRule
from civic.tally.model import Ballot, Election, Number, Project
from civic.tally.official import official, official_options
from civic.tally.outcome import Outcome
from civic.tally.rules import (
    Progress,
    greedy,
    greedy_cardinality,
    mes,
    mes_add1,
    mes_add1_official,
    mes_greedy,
    phragmen,
)


@dataclass(frozen=True)
class Rule:
    """A registered counting rule: its function and a description (literature, ties, resoluteness)."""

    name: str
    count: Callable[..., Outcome]
    description: str
    ballot_kinds: tuple[str, ...]
    # Whether the rule raises the per-voter budget step by step and reports it (`progress=`).
    reports_progress: bool = False


_ALL = ("approval", "choose-1", "cumulative", "ordinal")
_APPROVAL = ("approval", "choose-1")

RULES: dict[str, Rule] = {
    r.name: r
    for r in (
        Rule(
            "greedy",
            greedy,
            "Greedy utilitarian welfare (pabutools greedy_utilitarian_welfare) with the satisfaction whose "
            "density is pabulib's score: Cost_Sat for approval, points x cost for cumulative, "
            "(L - position) x cost for ordinal. Skips projects that no longer fit; unsupported projects that "
            "fit are still added. Ties: project id as a string. Resolute.",
            _ALL,
        ),
        Rule(
            "greedy-cardinality",
            greedy_cardinality,
            "Greedy utilitarian welfare with Cardinality_Sat (ballots naming a project per unit of cost). "
            "Ties: project id as a string. Resolute.",
            _ALL,
        ),
        Rule(
            "mes",
            mes,
            "Method of Equal Shares (Peters & Skowron 2020; pabutools method_of_equal_shares, Cost_Sat). "
            "Ties: project id as a string. Resolute. Approval and choose-1 ballots only.",
            _APPROVAL,
        ),
        Rule(
            "mes-greedy",
            mes_greedy,
            "MES completed by greedy (pabutools completion_by_rule_combination([mes, greedy]), Cost_Sat). "
            "Ties: project id as a string. Resolute. Approval and choose-1 ballots only.",
            _APPROVAL,
        ),
        Rule(
            "mes-add1",
            mes_add1,
            "MES with per-voter budget increments of 1 (pabutools voter_budget_increment=1): stops at the "
            "first exhaustive outcome, or returns the previous one when an outcome overspends. Ties: project "
            "id as a string. Resolute. Approval and choose-1 ballots only.",
            _APPROVAL,
            reports_progress=True,
        ),
        Rule(
            "mes-add1-official",
            mes_add1_official,
            "Equal Shares as run by Wieliczka, Swiecie, Assen and equalshares.net: raise the per-voter "
            "budget while the outcome stays within budget and keep the last feasible outcome. Ties: lower "
            "cost, then more approvals, then PROJECTS row order. Option comparison=True adds the comparison "
            "step against greedy-by-approvals (comparison_mode 'cardinality' by default, or 'cost'). "
            "Resolute.",
            _APPROVAL,
            reports_progress=True,
        ),
        Rule(
            "phragmen",
            phragmen,
            "Sequential Phragmen (Phragmen 1894; pabutools sequential_phragmen): stops as soon as a "
            "tied-best project would exceed the budget. Ties: project id as a string. Resolute. Approval "
            "and choose-1 ballots only.",
            _APPROVAL,
        ),
        Rule(
            "official",
            official,
            "The election's own META rule as pabulib defines it (greedy, greedy-threshold, greedy-no-skip, "
            "greedy-custom, greedy-exclusive, equalshares/add1[-comparison]); scores from the file, ties by "
            "PROJECTS row order. Resolute.",
            _ALL,
            reports_progress=True,
        ),
    )
}


def rule_names() -> list[str]:
    """Return the registered rule names."""
    return list(RULES)


def get_rule(name: str) -> Rule:
    """Return the rule of that name or raise UnknownRule."""
    try:
        return RULES[name]
    except KeyError:
        raise UnknownRule(f"unknown rule {name!r}; known rules: {', '.join(RULES)}") from None


def count(election: Election, rule: str, *, progress: Progress | None = None, **options: Any) -> Outcome:
    """Count an Election with a named rule (`official` needs official_rule=..., optional scores/threshold).

    `progress(steps, per_voter)` is called by the rules that raise the per-voter budget step by step
    (the others finish in well under a second and ignore it).
    """
    spec = get_rule(rule)
    if election.kind not in spec.ballot_kinds:
        raise RuleNotApplicable(f"rule {rule!r} does not apply to {election.kind} ballots")
    if progress is not None and spec.reports_progress:
        options["progress"] = progress
    if rule == "official":
        official_rule = options.pop("official_rule", "unknown")
        return official(election, official_rule, **options)
    return spec.count(election, **options)


def count_ballots(
    projects: Sequence[Project] | Sequence[tuple[str, Number]],
    budget: Number,
    kind: str,
    ballots: Iterable[Ballot | Sequence[str]],
    rule: str,
    **options: Any,
) -> Outcome:
    """Count in-memory data (e.g. from the database): projects (id, exact cost), budget, ballots."""
    return count(Election.build(projects, budget, kind, ballots), rule, **options)


def count_file(path: str | os.PathLike[str], rule: str, **options: Any) -> Outcome:
    """Read a pabulib file and count it with a named rule (`official` uses the file's META rule)."""
    get_rule(rule)
    pb = pabulib.read(path)
    election = pb.election()
    if rule == "official":
        cells = [(p.id, p.fields) for p in pb.projects]
        try:
            found = official_options(
                election, pb.meta.get("rule"), pb.meta.get("min_project_score_threshold"), cells
            )
        except InvalidElection as exc:
            raise PabulibError(str(exc), path=str(path)) from None
        options = {**found, **options}
    return count(election, rule, **options)
