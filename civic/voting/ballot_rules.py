"""Ballot settings and what a filled ballot of each format accepts. Pure: no framework imports.

An edition chooses, before its vote, a ballot format with its limits, a counting rule, one ballot per
district or one for the whole edition, and in how many districts a person votes. ``settings_problems``
says what is wrong with a choice of settings; ``ballot_violations`` says what is wrong with a filled
ballot: every problem and every violation names the rule it breaks, so that a form can show it beside
the right input and a test can ask for it by name.
"""

from __future__ import annotations

import enum
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, replace
from fractions import Fraction
from functools import lru_cache


class BallotFormat(enum.StrEnum):
    APPROVAL = "approval"  # tick as many projects as you like
    K_APPROVAL = "k_approval"  # tick between a minimum and a maximum number of projects
    KNAPSACK = "knapsack"  # tick projects whose total cost fits the envelope (optionally a minimum share)
    CUMULATIVE = "cumulative"  # share points between projects, with a cap per project
    RANKING = "ranking"  # rank up to a number of projects, best first


class BallotScope(enum.StrEnum):
    PER_DISTRICT = "per_district"
    EDITION = "edition"


class DistrictsPerVoter(enum.StrEnum):
    """In how many districts' ballots a person votes (used by the vote itself)."""

    OWN = "own"
    OWN_PLUS_ONE = "own_plus_one"
    ALL = "all"


# The counting rules an edition may choose: names of the `civic.tally` registry (tests keep them in sync).
GREEDY = "greedy"
MES_ADD1 = "mes-add1-official"  # Method of Equal Shares completed by raising each voter's share by 1
MES_GREEDY = "mes-greedy"  # Method of Equal Shares completed by greedy
PHRAGMEN = "phragmen"
COUNTING_RULES: tuple[str, ...] = (GREEDY, MES_ADD1, MES_GREEDY, PHRAGMEN)
# Rules that count approval ballots only (equal shares and Phragmén share costs between approvers).
APPROVAL_ONLY_RULES = frozenset({MES_ADD1, MES_GREEDY, PHRAGMEN})
APPROVAL_FORMATS = frozenset({BallotFormat.APPROVAL, BallotFormat.K_APPROVAL, BallotFormat.KNAPSACK})

# The pabulib ballot kind and META `rule` of each format and counting rule.
PABULIB_VOTE_TYPE: dict[BallotFormat, str] = {
    BallotFormat.APPROVAL: "approval",
    BallotFormat.K_APPROVAL: "approval",
    BallotFormat.KNAPSACK: "approval",
    BallotFormat.CUMULATIVE: "cumulative",
    BallotFormat.RANKING: "ordinal",
}
# pabulib names no Phragmén rule and no greedy completion of equal shares: "unknown" says so honestly.
PABULIB_RULE: dict[str, str] = {
    GREEDY: "greedy",
    MES_ADD1: "equalshares/add1",
    MES_GREEDY: "unknown",
    PHRAGMEN: "unknown",
}

# Upper bounds that catch typos ("1000000 projects per ballot") and keep every number in an integer column.
MAX_CHOICES = 1_000
MAX_POINTS = 1_000_000


@dataclass(frozen=True)
class Settings:
    """An edition's ballot settings; the limits of other formats than ``ballot_format`` are ignored."""

    ballot_format: BallotFormat = BallotFormat.APPROVAL
    counting_rule: str = GREEDY
    scope: BallotScope = BallotScope.PER_DISTRICT
    districts_per_voter: DistrictsPerVoter = DistrictsPerVoter.OWN
    min_choices: int | None = None  # k-approval
    max_choices: int | None = None  # k-approval
    min_spend_percent: int | None = None  # knapsack, optional
    total_points: int | None = None  # cumulative
    max_points_per_project: int | None = None  # cumulative
    ranking_length: int | None = None  # ranking
    # Revoting: a person who voted online may vote online again, and only their last ballot counts.
    revote: bool = False
    # While the vote is open, voting in person supersedes the person's online ballot (not the reverse).
    paper_cancels_online: bool = False

    @property
    def tags_ballots(self) -> bool:
        """Tell whether the vote keeps, until its close, which ballots each person cast (to supersede them)."""
        return self.revote or self.paper_cancels_online


@dataclass(frozen=True)
class Problem:
    """What is wrong with a choice of settings: the setting (form field) it concerns and a code."""

    field: str
    code: str
    limit: int | None = None


@lru_cache(maxsize=256)
def normalised(settings: Settings) -> Settings:
    """Return the settings with the limits of the other formats cleared (and the districts rule fixed).

    One edition-wide ballot has no districts to choose: every voter votes on it (``ALL``). Remembered
    (settings are frozen values): a cast asks for them half a dozen times.
    """
    f = settings.ballot_format
    return replace(
        settings,
        min_choices=settings.min_choices if f is BallotFormat.K_APPROVAL else None,
        max_choices=settings.max_choices if f is BallotFormat.K_APPROVAL else None,
        min_spend_percent=settings.min_spend_percent if f is BallotFormat.KNAPSACK else None,
        total_points=settings.total_points if f is BallotFormat.CUMULATIVE else None,
        max_points_per_project=settings.max_points_per_project if f is BallotFormat.CUMULATIVE else None,
        ranking_length=settings.ranking_length if f is BallotFormat.RANKING else None,
        districts_per_voter=DistrictsPerVoter.ALL
        if settings.scope is BallotScope.EDITION
        else settings.districts_per_voter,
    )


def _bounded(problems: list[Problem], name: str, value: int | None, low: int, high: int) -> None:
    if value is None:
        problems.append(Problem(name, "required"))
    elif value < low:
        problems.append(Problem(name, "too_small", low))
    elif value > high:
        problems.append(Problem(name, "too_large", high))


def settings_problems(settings: Settings) -> list[Problem]:
    """Return what is wrong with the settings (empty when they can be saved)."""
    s = normalised(settings)
    problems: list[Problem] = []
    if s.counting_rule not in COUNTING_RULES:
        problems.append(Problem("counting_rule", "unknown_rule"))
    elif s.counting_rule in APPROVAL_ONLY_RULES and s.ballot_format not in APPROVAL_FORMATS:
        problems.append(Problem("counting_rule", "rule_needs_approval"))
    if s.ballot_format is BallotFormat.K_APPROVAL:
        _bounded(problems, "min_choices", s.min_choices, 1, MAX_CHOICES)
        _bounded(problems, "max_choices", s.max_choices, 1, MAX_CHOICES)
        if s.min_choices is not None and s.max_choices is not None and s.min_choices > s.max_choices:
            problems.append(Problem("max_choices", "min_above_max", s.min_choices))
    elif s.ballot_format is BallotFormat.KNAPSACK:
        if s.min_spend_percent is not None:
            _bounded(problems, "min_spend_percent", s.min_spend_percent, 0, 100)
    elif s.ballot_format is BallotFormat.CUMULATIVE:
        _bounded(problems, "total_points", s.total_points, 1, MAX_POINTS)
        _bounded(problems, "max_points_per_project", s.max_points_per_project, 1, MAX_POINTS)
        if (
            s.total_points is not None
            and s.max_points_per_project is not None
            and s.max_points_per_project > s.total_points
        ):
            problems.append(Problem("max_points_per_project", "cap_above_total", s.total_points))
    elif s.ballot_format is BallotFormat.RANKING:
        _bounded(problems, "ranking_length", s.ranking_length, 1, MAX_CHOICES)
    return problems


def min_spend_cents(settings: Settings, budget_cents: int) -> int | None:
    """Return the least a knapsack ballot must spend, in cents (rounded up), or None without a minimum."""
    s = normalised(settings)
    if s.ballot_format is not BallotFormat.KNAPSACK or not s.min_spend_percent:
        return None
    return -(-budget_cents * s.min_spend_percent // 100)


@dataclass(frozen=True)
class FilledBallot:
    """What a voter filled in: projects in the order given (best first for a ranking), points if any."""

    projects: tuple[str, ...]
    points: tuple[int, ...] | None = None


@dataclass(frozen=True)
class Violation:
    """A rule a filled ballot breaks: its code, the project concerned if one, the limit and what was given."""

    rule: str
    project: str | None = None
    limit: int | None = None
    actual: int | None = None


# The codes ``ballot_violations`` may return.
VIOLATION_RULES = frozenset(
    {
        "unknown_project",
        "repeated_project",
        "too_few",
        "too_many",
        "over_budget",
        "under_minimum_spend",
        "points_missing",
        "points_not_positive",
        "points_over_cap",
        "points_over_total",
        "ranking_too_long",
    }
)


def ballot_violations(
    settings: Settings, costs: Mapping[str, int], budget_cents: int, ballot: FilledBallot
) -> list[Violation]:
    """Return every rule the filled ballot breaks (empty when it is accepted).

    ``costs`` maps each project on the ballot to its cost in cents; ``budget_cents`` is the envelope
    of the ballot (knapsack ballots must fit in it). A project named twice counts once for the totals.
    """
    s = normalised(settings)
    out: list[Violation] = []
    named = ballot.projects
    out += [Violation("unknown_project", project=p) for p in dict.fromkeys(named) if p not in costs]
    out += [Violation("repeated_project", project=p, actual=n) for p, n in Counter(named).items() if n > 1]
    distinct = [p for p in dict.fromkeys(named) if p in costs]
    f = s.ballot_format
    # Every ballot names at least one project: a blank ballot is not a ballot of this vote.
    least = max(s.min_choices or 1, 1) if f is BallotFormat.K_APPROVAL else 1
    if len(distinct) < least:
        out.append(Violation("too_few", limit=least, actual=len(distinct)))
    most = {BallotFormat.K_APPROVAL: s.max_choices, BallotFormat.RANKING: s.ranking_length}.get(f)
    # A ranking is as long as the places filled; an approval ballot counts each project once.
    length = len(named) if f is BallotFormat.RANKING else len(distinct)
    if most is not None and length > most:
        rule = "ranking_too_long" if f is BallotFormat.RANKING else "too_many"
        out.append(Violation(rule, limit=most, actual=length))
    if f is BallotFormat.KNAPSACK:
        spent = sum(costs[p] for p in distinct)
        if spent > budget_cents:
            out.append(Violation("over_budget", limit=budget_cents, actual=spent))
        floor = min_spend_cents(s, budget_cents)
        if floor is not None and spent < floor:
            out.append(Violation("under_minimum_spend", limit=floor, actual=spent))
    if f is BallotFormat.CUMULATIVE:
        out += _points_violations(s, ballot)
    return out


def _points_violations(s: Settings, ballot: FilledBallot) -> list[Violation]:
    if ballot.points is None or len(ballot.points) != len(ballot.projects):
        return [Violation("points_missing")]
    out: list[Violation] = []
    given: dict[str, int] = {}
    for project, points in zip(ballot.projects, ballot.points, strict=True):
        if points < 1:
            out.append(Violation("points_not_positive", project=project, actual=points))
        given[project] = given.get(project, 0) + points
    cap = s.max_points_per_project
    if cap is not None:
        out += [
            Violation("points_over_cap", project=p, limit=cap, actual=n) for p, n in given.items() if n > cap
        ]
    total = sum(ballot.points)
    if s.total_points is not None and total > s.total_points:
        out.append(Violation("points_over_total", limit=s.total_points, actual=total))
    return out


def _euros(cents: int) -> str:
    """Return cents as a pabulib amount in euros ("1500", "12.5")."""
    value = Fraction(cents, 100)
    if value.denominator == 1:
        return str(value.numerator)
    return f"{cents // 100}.{cents % 100:02d}".rstrip("0")


def pabulib_constraints(settings: Settings, budget_cents: int) -> dict[str, str]:
    """Return the pabulib META entries that state the ballot's format and limits (vote_type, rule, …)."""
    s = normalised(settings)
    meta = {
        "vote_type": PABULIB_VOTE_TYPE[s.ballot_format],
        "rule": PABULIB_RULE.get(s.counting_rule, "unknown"),
    }
    f = s.ballot_format
    if f is BallotFormat.K_APPROVAL:
        meta |= {"min_length": str(s.min_choices), "max_length": str(s.max_choices)}
    elif f is BallotFormat.KNAPSACK:
        floor = min_spend_cents(s, budget_cents)
        if floor:
            meta["min_sum_cost"] = _euros(floor)
        meta["max_sum_cost"] = _euros(budget_cents)
    elif f is BallotFormat.CUMULATIVE:
        meta |= {"max_points": str(s.max_points_per_project), "max_sum_points": str(s.total_points)}
    elif f is BallotFormat.RANKING:
        meta["max_length"] = str(s.ranking_length)
    return meta
