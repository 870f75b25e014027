"""Human names of counting rules and run states, in the reader's language."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from flask_babel import format_currency, format_decimal
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from civic.results.models import RunState
from civic.tally.api import get_rule

if TYPE_CHECKING:
    from civic.results.queries import ProjectLine

RULE_LABELS = {
    "greedy": _l("Greedy: most votes first, skipping what no longer fits"),
    "greedy-cardinality": _l("Greedy by approvals per euro"),
    "mes": _l("Method of Equal Shares"),
    "mes-greedy": _l("Method of Equal Shares, completed by greedy"),
    "mes-add1": _l("Method of Equal Shares, per-voter budget raised until exhaustive"),
    "mes-add1-official": _l("Method of Equal Shares as used by cities (equalshares.net)"),
    "phragmen": _l("Sequential Phragmén"),
    "official": _l("The rule set in the vote's own rules"),
}
# What each rule does, for the staff choosing one (the engine's own descriptions are technical, in English).
RULE_HELP = {
    "greedy": _l(
        "Projects are taken from the most voted to the least (points or rank scores for those ballots, as "
        "pabulib counts them); a project that no longer fits in what is left is skipped and the next one is "
        "tried."
    ),
    "greedy-cardinality": _l(
        "Like greedy, but projects are ranked by the number of voters supporting them per euro of cost."
    ),
    "mes": _l(
        "The envelope is shared equally between voters; a project is funded when its supporters can pay for "
        "it together, the cheapest per supporter first. Large groups of voters get projects in proportion "
        "to their size; some money may be left."
    ),
    "mes-greedy": _l("Method of Equal Shares, then the money left is spent with the greedy rule."),
    "mes-add1": _l(
        "Method of Equal Shares, raising each voter's share by 1 until the outcome uses the envelope as far "
        "as possible (as the pabutools library does)."
    ),
    "mes-add1-official": _l(
        "Method of Equal Shares as cities run it (equalshares.net): each voter's share is raised by 1 as long "
        "as the outcome stays within the envelope. Can take minutes on big votes: progress is shown."
    ),
    "phragmen": _l(
        "Voters share the cost of the projects they support as evenly as possible; projects are added while "
        "the envelope allows."
    ),
    "official": _l(
        "The rule written in this vote's own rules (for an imported pabulib file, its META rule), counted "
        "exactly as the town published it."
    ),
}
RUN_STATE_LABELS = {
    RunState.QUEUED: _l("waiting"),
    RunState.RUNNING: _l("counting"),
    RunState.DONE: _l("done"),
    RunState.FAILED: _l("failed"),
    RunState.CANCELLED: _l("cancelled"),
    RunState.INTERRUPTED: _l("interrupted"),
}


def rule_label(name: str) -> str:
    """Return the translated name of a rule (its code name if unknown)."""
    return str(RULE_LABELS.get(name, name))


def run_state_label(state: RunState) -> str:
    """Return the translated name of a run state."""
    return str(RUN_STATE_LABELS[state])


def rule_help(name: str) -> str:
    """Return the translated plain-language description of a rule (empty if unknown)."""
    return str(RULE_HELP.get(name, ""))


BALLOT_KIND_LABELS = {
    "approval": _l("approval ballots (a yes for each chosen project)"),
    "choose-1": _l("single-choice ballots (one project each)"),
    "cumulative": _l("points ballots (points shared among projects)"),
    "ordinal": _l("ranked ballots (projects in order of preference)"),
    "scoring": _l("score ballots (a mark for each project)"),
}


def ballot_kind_label(kind: str) -> str:
    """Return the plain-language name of a ballot kind."""
    return str(BALLOT_KIND_LABELS.get(kind, kind))


def failure_text(code: str | None, params: dict[str, Any] | None, legacy: str | None = None) -> str:
    """Return why a count failed, in the reader's language, from its stored code and values.

    Counts that failed before codes were stored only have the engine's one-line message (``legacy``).
    """
    if code is None and legacy:
        return legacy
    values = params or {}
    if code == "rule_not_applicable":
        return _(
            "The rule “%(rule)s” cannot count %(kind)s: choose a rule made for this kind of ballot.",
            rule=rule_label(str(values.get("rule", ""))),
            kind=ballot_kind_label(str(values.get("kind", ""))),
        )
    if code == "invalid_ballots":
        return _(
            "The ballots or projects of this vote are inconsistent, so they cannot be counted (%(detail)s).",
            detail=values.get("detail", ""),
        )
    if code == "unknown_rule":
        return _("This counting rule no longer exists: %(rule)s.", rule=values.get("rule", ""))
    if code == "count_error":
        return _("The count stopped on an error: %(detail)s.", detail=values.get("detail", ""))
    return _("The count stopped on an unexpected error; the technical team has been told. Try again later.")


SCORE_HEADERS = {
    "votes": _l("Votes received (the rule takes the most voted first)"),
    "points": _l("Points received (the rule takes the most points first)"),
    "score": _l("Total score received (the rule takes the highest first)"),
    "rank_score": _l("Rank score: points for each place on the ballots (highest first)"),
    "per_cost": _l("Voters per 1,000 of cost (the rule takes the highest first)"),
    "mes": _l("Round in which it was bought, and what each supporter paid"),
    "phragmen": _l("Round in which it was bought"),
}


def score_header(ranking: str) -> str:
    """Return the plain-words header of the column holding what a rule ranked projects by."""
    return str(SCORE_HEADERS.get(ranking, SCORE_HEADERS["votes"]))


def reason_text(line: ProjectLine, currency: str) -> str:
    """Return why a project was not funded, in plain words of the current language."""
    left = format_currency(line.reason_values.get("left") or 0, currency or "EUR")
    if line.reason == "did_not_fit":
        return _("Did not fit: %(left)s were left when its turn came, less than its cost.", left=left)
    if line.reason == "supporters_cannot_afford":
        return _(
            "Its %(num)s supporters had %(left)s left in total, less than its cost.",
            num=line.supporters or 0,
            left=left,
        )
    if line.reason == "below_threshold":
        return _("Not enough votes: below the minimum score set by the rules.")
    if line.reason in ("stopped", "not_reached"):
        return _("Not reached: the rule stops at the first project that does not fit.")
    if line.reason == "withdrawn":
        return _("Withdrawn before the count.")
    return _("Not selected by this rule.")


def score_number(value: float) -> str:
    """Return a score as people read it in their language (at most two decimals, grouped digits)."""
    return format_decimal(round(value, 2), format="#,##0.##")


def rule_kinds(rule: str) -> tuple[str, ...]:
    """Return the kinds of ballot a registered rule can count."""
    return get_rule(rule).ballot_kinds
