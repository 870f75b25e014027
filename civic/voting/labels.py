"""The ballot settings and violations in plain words, in the reader's language."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_babel import ngettext

from civic.voting.ballot_rules import (
    GREEDY,
    MES_ADD1,
    MES_GREEDY,
    PHRAGMEN,
    BallotFormat,
    BallotScope,
    DistrictsPerVoter,
    Problem,
    Settings,
    normalised,
)

FORMAT_LABELS = {
    BallotFormat.APPROVAL: _l("Approval: tick as many projects as you like"),
    BallotFormat.K_APPROVAL: _l("Limited approval: tick between a minimum and a maximum number of projects"),
    BallotFormat.KNAPSACK: _l("Basket: tick projects whose total cost fits in the envelope"),
    BallotFormat.CUMULATIVE: _l("Points: share points between projects"),
    BallotFormat.RANKING: _l("Ranking: rank projects from the one you prefer"),
}
RULE_LABELS = {
    GREEDY: _l("Most votes first: projects are funded from the most voted until the envelope is spent"),
    MES_ADD1: _l("Method of Equal Shares (completed as cities do, by raising each voter's share)"),
    MES_GREEDY: _l("Method of Equal Shares, the money left spent on the most voted projects"),
    PHRAGMEN: _l("Sequential Phragmén: voters share the cost of the projects they support"),
}
RULE_EXPLANATIONS = {
    GREEDY: _l(
        "Projects are taken from the most voted to the least; a project that no longer fits in what is "
        "left of the envelope is skipped and the next one is tried."
    ),
    MES_ADD1: _l(
        "The envelope is shared equally between voters; a project is funded when its supporters can pay "
        "for it together. Large groups of voters get projects in proportion to their size."
    ),
    MES_GREEDY: _l(
        "The envelope is shared equally between voters; a project is funded when its supporters can pay "
        "for it together. What is left is then spent on the most voted projects that fit."
    ),
    PHRAGMEN: _l(
        "Voters share the cost of the projects they support as evenly as possible; projects are added "
        "while the envelope allows."
    ),
}
SCOPE_LABELS = {
    BallotScope.PER_DISTRICT: _l("One ballot per district, with the district's envelope"),
    BallotScope.EDITION: _l("One ballot for the whole town, with the edition's envelope"),
}
DISTRICTS_LABELS = {
    DistrictsPerVoter.OWN: _l("In their own district only"),
    DistrictsPerVoter.OWN_PLUS_ONE: _l("In their own district and one other of their choice"),
    DistrictsPerVoter.ALL: _l("In every district"),
}
PROBLEM_MESSAGES = {
    "required": _l("Give a number."),
    "unknown_rule": _l("Choose one of the counting rules offered."),
    "rule_needs_approval": _l(
        "This counting rule counts ballots where projects are ticked: choose greedy for points or rankings."
    ),
    "min_above_max": _l("The minimum cannot be above the maximum."),
    "cap_above_total": _l("The points per project cannot be more than the points of the whole ballot."),
}


def problem_message(problem: Problem) -> str:
    """Return what a settings problem means, for the field it concerns."""
    if problem.code == "too_small":
        return str(_l("Give a number of at least %(min)s.", min=problem.limit))
    if problem.code == "too_large":
        return str(_l("Give a number of at most %(max)s.", max=problem.limit))
    return str(PROBLEM_MESSAGES.get(problem.code, _l("This value is not accepted.")))


def format_sentence(settings: Settings, *, min_spend: str | None = None) -> str:
    """Say in plain words what a voter may put on the ballot."""
    s = normalised(settings)
    f = s.ballot_format
    if f is BallotFormat.K_APPROVAL:
        if s.min_choices == s.max_choices:
            return ngettext(
                "Tick exactly %(num)d project.", "Tick exactly %(num)d projects.", s.max_choices or 0
            )
        return str(_l("Tick from %(min)s to %(max)s projects.", min=s.min_choices, max=s.max_choices))
    if f is BallotFormat.KNAPSACK:
        if min_spend:
            return str(
                _l(
                    "Tick the projects you want, as long as their total cost fits in the envelope and "
                    "reaches at least %(min)s.",
                    min=min_spend,
                )
            )
        return str(_l("Tick the projects you want, as long as their total cost fits in the envelope."))
    if f is BallotFormat.CUMULATIVE:
        return str(
            _l(
                "Share %(total)s points between the projects you like, at most %(cap)s points per project.",
                total=s.total_points,
                cap=s.max_points_per_project,
            )
        )
    if f is BallotFormat.RANKING:
        return ngettext(
            "Rank the project you prefer.",
            "Rank up to %(num)d projects, from the one you prefer.",
            s.ranking_length or 0,
        )
    return str(_l("Tick as many projects as you like."))
