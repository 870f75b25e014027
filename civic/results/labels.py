"""Human names of counting rules and run states, in the reader's language."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from civic.results.models import RunState

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
