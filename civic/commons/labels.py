"""Words for people: the ledger's refusals, journal kinds, states and units, in the reader's language."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from civic.commons import campaigns, delegation, needs, rounds
from civic.commons import ledger_rules as rules
from civic.commons.ledger_rules import LedgerRefusal, Unit
from civic.commons.models import CampaignState, ProjectStage, ProjectState
from civic.core.errors import Conflict

REFUSALS = {
    rules.NOT_ENOUGH: _l("There is not enough left for this amount."),
    rules.OVER_CAP: _l("This is more than the project still needs: it is (nearly) fully funded."),
    rules.ZERO_AMOUNT: _l("Give an amount above zero."),
    rules.ALREADY_REVERSED: _l("This entry was already reversed."),
    rules.REVERSAL_OF_REVERSAL: _l("A reversal is never reversed itself."),
    rules.PENDING_SETTLED: _l("This pledge was already delivered or voided."),
    rules.OVER_PENDING: _l("This is more than was pledged."),
    rounds.MEMBER_CAP: _l("This would take you over the limit one member may give one project."),
    rounds.ROUND_CLOSED: _l("This co-budget round is closed."),
    rounds.PROJECT_CLOSED: _l("This project no longer takes contributions."),
    rounds.NOT_A_MEMBER: _l("Join the co-budget round first."),
    rounds.NO_MATCHING: _l("This round has no matching funds."),
    rounds.NOT_YOUR_DELEGATION: _l("This delegation is not yours to use."),
    rounds.DELEGATION_REVOKED: _l("This delegation was revoked."),
    rounds.OUT_OF_SCOPE: _l("This delegation is for another project or another theme."),
    delegation.NOT_ALLOWED: _l("This round does not allow delegation."),
    delegation.DELEGATE_CAP: _l("This member already holds as much as one delegate may from others."),
    "delegation_self": _l("You cannot delegate to yourself."),
    "delegation_unknown": _l("This delegation does not exist."),
    "delegation_too_deep": _l("A delegation can be handed on at most three times."),
    "delegation_cycle": _l("This would send the money back to someone it came from."),
    campaigns.CAMPAIGN_LENGTH: _l("A crowdfunding campaign runs 20 to 90 days."),
    campaigns.CAMPAIGN_OPEN: _l("This project already has a campaign running."),
    campaigns.CAMPAIGN_CLOSED: _l("This campaign is closed."),
    campaigns.NOT_A_CANDIDATE: _l("Only a candidate can be pre-selected."),
    campaigns.NOT_PRESELECTED: _l("Only a pre-selected project goes to the final selection."),
    needs.NOT_HOLDER: _l("Only the project's holder confirms what was delivered."),
    needs.NOT_YOURS: _l("Only the member who pledged it, or the project's holder, may void this pledge."),
}


class Refused(Conflict):
    """A ledger refusal worded for the reader (409)."""

    def __init__(self, refusal: LedgerRefusal) -> None:
        super().__init__(REFUSALS.get(refusal.reason, _l("This could not be recorded. Nothing was changed.")))
        self.reason = refusal.reason


JOURNAL_KINDS = {
    "fund": _l("funding of the pool"),
    "allocate": _l("allocation to a member"),
    "contribute": _l("contribution to a project"),
    "refund": _l("refund"),
    "pledge": _l("pledge"),
    "deliver": _l("delivery confirmed"),
    "reversal": _l("reversal"),
    "fund_matching": _l("funding of the matching pool"),
    "delegate": _l("delegation"),
    "revoke": _l("delegation revoked"),
    "match": _l("matching funds"),
    "crowdfund": _l("crowdfunding payment"),
    "seed": _l("seed funding"),
}

PROJECT_STATES = {
    ProjectState.OPEN: _l("open to contributions"),
    ProjectState.FUNDED: _l("funded"),
    ProjectState.FAILED: _l("not funded: money given back"),
    ProjectState.CANCELLED: _l("cancelled: money given back"),
}

PROJECT_STAGES = {
    ProjectStage.CANDIDATE: _l("candidate"),
    ProjectStage.PRESELECTED: _l("pre-selected"),
    ProjectStage.SELECTED: _l("selected"),
    ProjectStage.NOT_SELECTED: _l("not selected"),
}

CAMPAIGN_STATES = {
    CampaignState.OPEN: _l("campaign open"),
    CampaignState.SUCCEEDED: _l("campaign succeeded"),
    CampaignState.FAILED: _l("campaign missed its target: every payment given back"),
}

UNITS = {Unit.MINUTES: _l("hours"), Unit.ITEMS: _l("items")}

SKILL_LEVELS = {1: _l("general help"), 2: _l("qualified skill"), 3: _l("expert skill")}

# Licences a call may require for its deliverables (SPDX identifiers); the empty choice means "not required".
LICENCES = {
    "code": ("EUPL-1.2", "AGPL-3.0-or-later", "GPL-3.0-or-later", "MIT", "Apache-2.0"),
    "data": ("ODbL-1.0", "etalab-2.0", "CC-BY-4.0", "CC0-1.0"),
    "content": ("CC-BY-SA-4.0", "CC-BY-4.0", "CC0-1.0"),
    "hardware": ("CERN-OHL-S-2.0", "CERN-OHL-W-2.0", "CERN-OHL-P-2.0"),
}
