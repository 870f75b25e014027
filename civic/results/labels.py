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
