"""Crowdfunding campaigns (all or nothing) and cooperative calls' staged selection with seed funding."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
import time_machine

from civic.commons import campaigns, ledger, rounds
from civic.commons import ledger_rules as rules
from civic.commons.ledger_rules import BudgetLine, LedgerRefusal
from civic.commons.models import CampaignState, LedgerAccount, ProjectStage, ProjectState
from civic.commons.tasks import close_due_campaigns
from civic.extensions import db
from tests.factories import create_user

TODAY = date(2026, 12, 3)


def _balance(account_id: int) -> int:
    db.session.expire_all()
    return db.session.get(LedgerAccount, account_id).balance


def _project():
    organiser = create_user()
    round_ = rounds.create_round(title="Tour", actor_id=organiser.id)
    rounds.fund(round_, 1_000_00, actor_id=organiser.id)
    project = rounds.add_project(
        round_, title="Atelier", holder_id=organiser.id, lines=[BudgetLine("x", 100_00, 400_00)]
    )
    db.session.commit()
    return round_, project, organiser


@pytest.mark.parametrize("days", [19, 91, 0])
def test_a_campaign_runs_twenty_to_ninety_days(app, days):
    _round, project, organiser = _project()
    with pytest.raises(LedgerRefusal, match=campaigns.CAMPAIGN_LENGTH):
        campaigns.start(
            project,
            target=100_00,
            opens_on=TODAY,
            closes_on=TODAY + timedelta(days=days),
            actor_id=organiser.id,
        )
    assert rules.campaign_length_ok(20) and rules.campaign_length_ok(90)


def test_a_campaign_that_misses_its_target_gives_every_payment_back_when_the_worker_closes_it(app):
    round_, project, organiser = _project()
    campaign = campaigns.start(
        project, target=300_00, opens_on=TODAY, closes_on=TODAY + timedelta(days=30), actor_id=organiser.id
    )
    campaigns.back(campaign, 100_00, backer="Boulangerie Le Goff", actor_id=organiser.id, on=TODAY)
    campaigns.back(campaign, 50_00, backer="", actor_id=organiser.id, on=TODAY + timedelta(days=3))
    db.session.commit()
    with pytest.raises(LedgerRefusal, match="open"):
        campaigns.start(
            project, target=1_00, opens_on=TODAY, closes_on=TODAY + timedelta(days=30), actor_id=None
        )
    db.session.rollback()
    with time_machine.travel(TODAY + timedelta(days=30), tick=False):
        assert close_due_campaigns() == {"succeeded": 0, "failed": 0}  # the deadline day itself still counts
    with time_machine.travel(TODAY + timedelta(days=31, hours=12), tick=False):
        assert close_due_campaigns() == {"succeeded": 0, "failed": 1}
    db.session.expire_all()
    assert campaign.state is CampaignState.FAILED
    assert _balance(campaign.account_id) == 0 and _balance(round_.outside_account_id) == -1_000_00
    with pytest.raises(LedgerRefusal, match=campaigns.CAMPAIGN_CLOSED):
        campaigns.back(campaign, 1_00, backer="", actor_id=None, on=TODAY + timedelta(days=31))
    assert ledger.problems() == []


def test_a_campaign_that_reaches_its_target_succeeds_and_keeps_the_money(app):
    _round, project, organiser = _project()
    campaign = campaigns.start(
        project, target=100_00, opens_on=TODAY, closes_on=TODAY + timedelta(days=20), actor_id=organiser.id
    )
    campaigns.back(campaign, 120_00, backer="Fondation", actor_id=organiser.id, on=TODAY)
    assert campaigns.close(campaign, actor_id=organiser.id) is CampaignState.SUCCEEDED
    db.session.commit()
    assert _balance(campaign.account_id) == 120_00
    assert ledger.problems() == []


def test_a_preselected_candidate_gets_seed_money_and_one_not_selected_gives_it_back(app):
    round_, project, organiser = _project()
    other = rounds.add_project(
        round_, title="Autre", holder_id=organiser.id, lines=[BudgetLine("y", 50_00, 80_00)]
    )
    campaigns.preselect(round_, project, 60_00, actor_id=organiser.id)
    campaigns.preselect(round_, other, 30_00, actor_id=organiser.id)
    db.session.commit()
    with pytest.raises(LedgerRefusal, match=campaigns.NOT_A_CANDIDATE):
        campaigns.preselect(round_, project, 10_00, actor_id=organiser.id)
    db.session.rollback()
    assert campaigns.decide(round_, project, selected=True, actor_id=organiser.id) == 0
    assert campaigns.decide(round_, other, selected=False, actor_id=organiser.id) == 1
    db.session.commit()
    assert (project.stage, other.stage, other.state) == (
        ProjectStage.SELECTED,
        ProjectStage.NOT_SELECTED,
        ProjectState.CANCELLED,
    )
    assert _balance(project.funding_account_id) == 60_00 and _balance(other.funding_account_id) == 0
    assert _balance(round_.pool_account_id) == 1_000_00 - 60_00
    assert ledger.problems() == []
