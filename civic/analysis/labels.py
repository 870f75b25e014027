"""The words for analysis states, verdicts and reasons (shown in pages, e-mails and the timeline)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from civic.analysis.rules import Agreement, ReasonCode, ReviewState, Verdict

STATE_LABELS = {
    ReviewState.TO_ASSIGN: _l("To assign"),
    ReviewState.ASSIGNED: _l("Assigned"),
    ReviewState.IN_PROGRESS: _l("In progress"),
    ReviewState.SUBMITTED: _l("Submitted, awaiting the holders' reply"),
    ReviewState.VALIDATED: _l("Validated"),
    ReviewState.PUBLISHED: _l("Published"),
}

VERDICT_LABELS = {
    Verdict.FEASIBLE: _l("Feasible"),
    Verdict.FEASIBLE_WITH_CHANGES: _l("Feasible with changes"),
    Verdict.NOT_FEASIBLE: _l("Not feasible"),
}

REASON_LABELS = {
    ReasonCode.NOT_MUNICIPAL: _l("Not a municipal competence"),
    ReasonCode.LEGAL: _l("Legal obstacle"),
    ReasonCode.TECHNICAL: _l("Technical obstacle"),
    ReasonCode.COST: _l("Cost"),
    ReasonCode.DUPLICATE: _l("Duplicate of another proposal"),
    ReasonCode.OUT_OF_SCOPE: _l("Outside the rules of the participatory budget"),
}

AGREEMENT_LABELS = {
    Agreement.NOT_NEEDED: _l("No change to agree to"),
    Agreement.ACCEPTED: _l("The holders accepted the proposed changes"),
    Agreement.TACIT: _l("No answer within the time to reply: the changes count as accepted"),
    Agreement.WAITING: _l("Waiting for the holders' answer"),
    Agreement.REFUSED: _l("The holders did not accept the proposed changes"),
}


def state_label(state: ReviewState) -> str:
    return str(STATE_LABELS[state])


def verdict_label(verdict: Verdict | None) -> str:
    return str(VERDICT_LABELS[verdict]) if verdict else ""


def reason_label(code: ReasonCode | None) -> str:
    return str(REASON_LABELS[code]) if code else ""
