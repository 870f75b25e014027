"""Delegation and matching funds on the stored ledger (SQLite and PostgreSQL)."""

from __future__ import annotations

import pytest

from civic.commons import delegation as delegations
from civic.commons import ledger, rounds
from civic.commons.ledger_rules import BudgetLine, LedgerRefusal
from civic.commons.models import LedgerAccount, ProjectState, RoundMember
from civic.extensions import db
from tests.factories import create_user


def _balance(account_id: int) -> int:
    db.session.expire_all()
    return db.session.get(LedgerAccount, account_id).balance


def _wallet(round_, user) -> int:
    return db.session.get(RoundMember, (round_.id, user.id)).wallet_account_id


def _round(**options):
    organiser = create_user()
    people = [create_user(display_name=name) for name in ("Anne", "Bruno", "Chloé", "David", "Emma")]
    round_ = rounds.create_round(title="Tour", actor_id=organiser.id, **options)
    rounds.fund(round_, 10_000_00, actor_id=organiser.id)
    for person in people:
        rounds.allocate(round_, person.id, 100_00, actor_id=organiser.id)
    project = rounds.add_project(
        round_, title="Vélo", holder_id=people[0].id, lines=[BudgetLine("x", 300_00, 500_00)]
    )
    db.session.commit()
    return round_, people, project


def test_a_sub_delegated_gift_reads_given_by_the_last_delegate_on_behalf_of_the_origin_via_the_middle(app):
    round_, (anne, bruno, chloe, *_), project = _round()
    first = delegations.delegate(round_, truster_id=anne.id, delegate_id=bruno.id, amount=60_00)
    second = delegations.delegate(
        round_, truster_id=bruno.id, delegate_id=chloe.id, amount=40_00, parent=first
    )
    journal = rounds.contribute(round_, project, chloe.id, 40_00, delegation=second)
    db.session.commit()
    assert (journal.actor_id, journal.on_behalf_of_id, journal.delegation_id) == (
        chloe.id,
        anne.id,
        second.id,
    )
    assert delegations.provenance(round_.id, second.id) == (anne.id, [bruno.id], chloe.id)
    assert _balance(_wallet(round_, anne)) == 40_00
    assert _balance(first.earmark_account_id) == 20_00 and _balance(second.earmark_account_id) == 0
    assert ledger.problems() == []


def test_delegation_refuses_depth_four_cycles_oneself_and_someone_elses_delegation(app):
    round_, (anne, bruno, chloe, david, emma), _project = _round()
    one = delegations.delegate(round_, truster_id=anne.id, delegate_id=bruno.id, amount=50_00)
    two = delegations.delegate(round_, truster_id=bruno.id, delegate_id=chloe.id, amount=40_00, parent=one)
    three = delegations.delegate(round_, truster_id=chloe.id, delegate_id=david.id, amount=30_00, parent=two)
    db.session.commit()
    refusals = []
    for kwargs in (
        {"truster_id": david.id, "delegate_id": emma.id, "amount": 10_00, "parent": three},  # depth 4
        {
            "truster_id": chloe.id,
            "delegate_id": anne.id,
            "amount": 10_00,
            "parent": two,
        },  # back to the origin
        {"truster_id": anne.id, "delegate_id": anne.id, "amount": 10_00},  # oneself
        {"truster_id": emma.id, "delegate_id": david.id, "amount": 10_00, "parent": one},  # not Emma's
        {"truster_id": anne.id, "delegate_id": emma.id, "amount": 60_00},  # more than is left
    ):
        with pytest.raises(LedgerRefusal) as refused:
            delegations.delegate(round_, **kwargs)
        refusals.append(refused.value.reason)
        db.session.rollback()
    assert refusals == [
        "delegation_too_deep",
        "delegation_cycle",
        "delegation_self",
        "not_your_delegation",
        "not_enough",
    ]
    assert ledger.problems() == []


def test_revoking_takes_back_what_is_left_through_every_sub_delegation_and_past_gifts_stay(app):
    round_, (anne, bruno, chloe, *_), project = _round()
    one = delegations.delegate(round_, truster_id=anne.id, delegate_id=bruno.id, amount=80_00)
    two = delegations.delegate(round_, truster_id=bruno.id, delegate_id=chloe.id, amount=50_00, parent=one)
    rounds.contribute(round_, project, chloe.id, 20_00, delegation=two)
    db.session.commit()
    returned = delegations.revoke(one, actor_id=anne.id)
    db.session.commit()
    assert returned == 60_00  # 30 € from Chloé's earmark back to Bruno's, then 60 € back to Anne
    assert _balance(_wallet(round_, anne)) == 20_00 + 60_00
    assert _balance(project.funding_account_id) == 20_00
    with pytest.raises(LedgerRefusal, match="delegation_revoked"):
        rounds.contribute(round_, project, chloe.id, 1_00, delegation=two)
    db.session.rollback()
    # A refund reaching a revoked earmark goes on to the wallet it came from.
    rounds.cancel_project(project, actor_id=anne.id)
    delegations.sweep_revoked(round_)
    db.session.commit()
    assert _balance(_wallet(round_, anne)) == 100_00
    assert ledger.problems() == []


def test_a_delegate_cannot_gather_more_than_the_round_allows_and_the_member_limit_counts_delegated_gifts(app):
    round_, (anne, bruno, chloe, *_), project = _round(delegate_cap=120_00, member_project_cap=50_00)
    delegations.delegate(round_, truster_id=anne.id, delegate_id=chloe.id, amount=70_00)
    db.session.commit()
    with pytest.raises(LedgerRefusal, match="delegate_cap"):
        delegations.delegate(round_, truster_id=bruno.id, delegate_id=chloe.id, amount=60_00)
    db.session.rollback()
    from_anne = delegations.live_for(round_, chloe.id)[0][0]
    rounds.contribute(round_, project, anne.id, 30_00)
    db.session.commit()
    with pytest.raises(LedgerRefusal, match="member_cap"):
        rounds.contribute(round_, project, chloe.id, 30_00, delegation=from_anne)  # Anne's 30 + 30 > 50
    db.session.rollback()
    rounds.contribute(round_, project, chloe.id, 20_00, delegation=from_anne)
    db.session.commit()
    assert ledger.problems() == []


def test_a_delegation_for_one_project_cannot_be_spent_on_another(app):
    round_, (anne, bruno, *_), project = _round()
    other = rounds.add_project(
        round_, title="Autre", holder_id=anne.id, lines=[BudgetLine("y", 10_00, 20_00)]
    )
    scoped = delegations.delegate(
        round_, truster_id=anne.id, delegate_id=bruno.id, amount=10_00, project=project
    )
    with pytest.raises(LedgerRefusal, match="out_of_scope"):
        rounds.contribute(round_, other, bruno.id, 5_00, delegation=scoped)
    db.session.rollback()


def test_a_delegation_for_a_theme_gives_to_that_themes_projects_only_and_keeps_its_theme_when_handed_on(app):
    round_, (anne, bruno, chloe, *_), bikes = _round()
    bikes.theme = "Vélo"
    maps = rounds.add_project(round_, title="Carte", holder_id=anne.id, lines=[BudgetLine("y", 10_00, 90_00)])
    maps.theme = "Cartographie"
    workshop = rounds.add_project(
        round_, title="Atelier", holder_id=anne.id, lines=[BudgetLine("z", 1, 90_00)]
    )
    workshop.theme = "Vélo"
    db.session.flush()
    for_bikes = delegations.delegate(
        round_, truster_id=anne.id, delegate_id=bruno.id, amount=60_00, theme="Vélo"
    )
    rounds.contribute(round_, bikes, bruno.id, 10_00, delegation=for_bikes)
    rounds.contribute(round_, workshop, bruno.id, 10_00, delegation=for_bikes)
    db.session.commit()
    journals = ledger.journal_count()
    with pytest.raises(LedgerRefusal, match="out_of_scope"):
        rounds.contribute(round_, maps, bruno.id, 5_00, delegation=for_bikes)
    db.session.rollback()
    assert ledger.journal_count() == journals  # the refusal wrote nothing
    # Handed on, it stays for the same theme; narrowing to one project of the theme is allowed, not to another.
    handed = delegations.delegate(
        round_, truster_id=bruno.id, delegate_id=chloe.id, amount=20_00, parent=for_bikes
    )
    assert handed.theme == "Vélo"
    with pytest.raises(LedgerRefusal, match="out_of_scope"):
        delegations.delegate(
            round_,
            truster_id=bruno.id,
            delegate_id=chloe.id,
            amount=5_00,
            parent=for_bikes,
            theme="Cartographie",
        )
    db.session.rollback()
    with pytest.raises(LedgerRefusal, match="out_of_scope"):
        delegations.delegate(
            round_, truster_id=bruno.id, delegate_id=chloe.id, amount=5_00, parent=for_bikes, project=maps
        )
    db.session.rollback()
    narrowed = delegations.delegate(
        round_, truster_id=bruno.id, delegate_id=chloe.id, amount=5_00, parent=for_bikes, project=workshop
    )
    assert (narrowed.project_id, narrowed.theme) == (workshop.id, "Vélo")
    rounds.contribute(round_, workshop, chloe.id, 5_00, delegation=narrowed)
    db.session.commit()
    assert _balance(_wallet(round_, anne)) == 40_00
    assert ledger.problems() == []


def test_matching_is_reserved_at_each_gift_within_its_caps_and_posted_only_for_funded_projects(app):
    matching = rounds.Matching(num=1, den=1, per_contribution=30_00, per_member=40_00, per_project=1_000_00)
    round_, (anne, bruno, chloe, *_), project = _round(matching=matching)
    failing = rounds.add_project(
        round_, title="Trop cher", holder_id=bruno.id, lines=[BudgetLine("z", 900_00, 900_00)]
    )
    rounds.fund(round_, 200_00, actor_id=anne.id, matching=True)
    rounds.contribute(round_, project, anne.id, 50_00)  # matched 30 (per contribution)
    rounds.contribute(round_, project, anne.id, 20_00)  # matched 10 (Anne's 40 in all)
    rounds.contribute(round_, project, bruno.id, 100_00)  # matched 30
    rounds.contribute(round_, project, chloe.id, 60_00)  # matched 30
    rounds.contribute(round_, failing, chloe.id, 10_00)  # matched 10, voided at the close
    db.session.commit()
    funding = db.session.get(LedgerAccount, project.funding_account_id)
    assert (funding.balance, funding.pending_in) == (230_00, 100_00)
    outcome = rounds.close_round(round_, actor_id=anne.id)
    db.session.commit()
    assert outcome == {"funded": 1, "failed": 1}
    assert db.session.get(type(project), project.id).state is ProjectState.FUNDED
    assert _balance(project.funding_account_id) == 330_00
    assert _balance(round_.matching_account_id) == 200_00 - 100_00
    assert _balance(failing.funding_account_id) == 0
    assert ledger.problems() == []
