"""Crowdfunding campaigns and cooperative calls' seed funding, on the ledger.

A campaign raises money from outside for one project, all or nothing: backers' payments (recorded by the
organiser as received, with the backer's public name or none) go to the campaign's own account; at the
deadline the campaign succeeds if its target is reached, and otherwise every payment is reversed (the refund
is a new journal, nothing is deleted). The worker closes campaigns whose deadline has passed
(``civic.commons.tasks``).

Cooperative calls pre-select candidates and give them seed money from the round's pool (it counts towards
the project's goal) before the final selection; a candidate not selected gives back what it holds.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from civic.commons import ledger, rounds
from civic.commons import ledger_rules as rules
from civic.commons.ledger_rules import LedgerRefusal, Unit
from civic.commons.models import (
    AccountKind,
    CampaignState,
    CoBudgetRound,
    CommonsProject,
    CrowdfundingCampaign,
    LedgerAccount,
    LedgerJournal,
    LedgerPosting,
    ProjectStage,
    ProjectState,
)
from civic.extensions import db

CAMPAIGN_LENGTH = "campaign_length"
CAMPAIGN_OPEN = "campaign_open"  # the project already has a campaign running
CAMPAIGN_CLOSED = "campaign_closed"
NOT_A_CANDIDATE = "not_a_candidate"
NOT_PRESELECTED = "not_preselected"


def open_campaign_of(project: CommonsProject) -> CrowdfundingCampaign | None:
    return db.session.scalar(
        select(CrowdfundingCampaign).where(
            CrowdfundingCampaign.project_id == project.id, CrowdfundingCampaign.state == CampaignState.OPEN
        )
    )


def start(
    project: CommonsProject, *, target: int, opens_on: date, closes_on: date, actor_id: int | None
) -> CrowdfundingCampaign:
    """Open an all-or-nothing campaign for the project (one at a time), 20 to 90 days long."""
    if project.state in (ProjectState.CANCELLED, ProjectState.FAILED):
        raise LedgerRefusal(rounds.PROJECT_CLOSED)
    if target <= 0:
        raise LedgerRefusal(rules.ZERO_AMOUNT)
    if not rules.campaign_length_ok((closes_on - opens_on).days):
        raise LedgerRefusal(CAMPAIGN_LENGTH)
    if open_campaign_of(project) is not None:
        raise LedgerRefusal(CAMPAIGN_OPEN)
    account = ledger.open_account(AccountKind.CAMPAIGN, Unit.EUR_CENTS, owner_id=project.id, label="campaign")
    campaign = CrowdfundingCampaign(
        project_id=project.id,
        target=target,
        opens_on=opens_on,
        closes_on=closes_on,
        account_id=account.id,
        created_by_id=actor_id,
    )
    db.session.add(campaign)
    db.session.flush()
    return campaign


def back(
    campaign: CrowdfundingCampaign,
    amount: int,
    *,
    backer: str,
    actor_id: int | None,
    on: date,
    key: str | None = None,
) -> LedgerJournal:
    """Record a backer's payment as received (``backer``: the public name, "" for an anonymous backer)."""
    if campaign.state is not CampaignState.OPEN or not campaign.opens_on <= on <= campaign.closes_on:
        raise LedgerRefusal(CAMPAIGN_CLOSED)
    project = db.session.get(CommonsProject, campaign.project_id)
    round_ = db.session.get(CoBudgetRound, project.round_id) if project else None
    assert round_ is not None
    return ledger.post(
        "crowdfund",
        [(round_.outside_account_id, -amount), (campaign.account_id, amount)],
        actor_id=actor_id,
        key=key,
        memo=backer.strip()[:200],
    )


def raised(campaign: CrowdfundingCampaign) -> int:
    account = db.session.get(LedgerAccount, campaign.account_id, populate_existing=True)
    assert account is not None
    return account.balance


def close(campaign: CrowdfundingCampaign, *, actor_id: int | None) -> CampaignState:
    """Close the campaign: it succeeds with its target reached, or every payment goes back by reversal."""
    if campaign.state is not CampaignState.OPEN:
        raise LedgerRefusal(CAMPAIGN_CLOSED)
    ledger.take_head()
    if rules.campaign_outcome(raised(campaign), campaign.target):
        campaign.state = CampaignState.SUCCEEDED
    else:
        payments = db.session.scalars(
            select(LedgerJournal.id)
            .join(LedgerPosting, LedgerPosting.journal_id == LedgerJournal.id)
            .where(
                LedgerPosting.account_id == campaign.account_id,
                LedgerPosting.amount > 0,
                LedgerJournal.reverses_id.is_(None),
            )
            .order_by(LedgerJournal.id)
        ).all()
        for journal_id in payments:
            ledger.reverse(journal_id, actor_id=actor_id, kind="refund")
        campaign.state = CampaignState.FAILED
    db.session.flush()
    return campaign.state


def close_due(today: date) -> dict[str, int]:
    """Close every open campaign whose deadline has passed (the worker runs this)."""
    outcome = {"succeeded": 0, "failed": 0}
    due = db.session.scalars(
        select(CrowdfundingCampaign)
        .where(CrowdfundingCampaign.state == CampaignState.OPEN, CrowdfundingCampaign.closes_on < today)
        .order_by(CrowdfundingCampaign.id)
    ).all()
    for campaign in due:
        outcome[close(campaign, actor_id=None).value] += 1
    return outcome


# --- cooperative calls: pre-selection with seed funding -----------------------------------------


def preselect(round_: CoBudgetRound, project: CommonsProject, seed: int, *, actor_id: int | None) -> None:
    """Pre-select a candidate and give it seed money from the round's pool (0: pre-selected without seed)."""
    rounds.require_open(round_)
    if project.round_id != round_.id or project.stage is not ProjectStage.CANDIDATE:
        raise LedgerRefusal(NOT_A_CANDIDATE)
    if project.state is not ProjectState.OPEN:
        raise LedgerRefusal(rounds.PROJECT_CLOSED)
    if seed > 0:
        ledger.post(
            "seed", [(round_.pool_account_id, -seed), (project.funding_account_id, seed)], actor_id=actor_id
        )
    project.stage = ProjectStage.PRESELECTED
    db.session.flush()


def decide(round_: CoBudgetRound, project: CommonsProject, *, selected: bool, actor_id: int | None) -> int:
    """The final selection of a pre-selected project; one not selected gives back what it holds. Returns how
    many entries were reversed."""
    if project.round_id != round_.id or project.stage is not ProjectStage.PRESELECTED:
        raise LedgerRefusal(NOT_PRESELECTED)
    project.stage = ProjectStage.SELECTED if selected else ProjectStage.NOT_SELECTED
    refunded = 0
    if not selected and project.state is ProjectState.OPEN:
        refunded = rounds.cancel_project(project, actor_id=actor_id)
    db.session.flush()
    return refunded
