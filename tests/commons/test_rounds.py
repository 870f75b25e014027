"""Co-budget rounds on the stored ledger (SQLite and PostgreSQL): fund, allocate, contribute, close, cancel."""

from __future__ import annotations

import threading

import pytest

from civic.commons import ledger, rounds
from civic.commons import ledger_rules as rules
from civic.commons.ledger_rules import BudgetLine, LedgerRefusal
from civic.commons.models import CoBudgetRound, CommonsProject, LedgerAccount, ProjectState, RoundMember
from civic.extensions import db
from tests.factories import create_user


def _balance(account_id: int) -> int:
    db.session.expire_all()
    return db.session.get(LedgerAccount, account_id).balance


def _setup(member_project_cap: int | None = None):
    organiser = create_user()
    members = [create_user() for _ in range(3)]
    round_ = rounds.create_round(
        title="Se déplacer autrement", actor_id=organiser.id, member_project_cap=member_project_cap
    )
    rounds.fund(round_, 10_000_00, actor_id=organiser.id)
    for member in members:
        rounds.allocate(round_, member.id, 1_000_00, actor_id=organiser.id)
    bikes = rounds.add_project(
        round_,
        title="Atelier vélo",
        holder_id=members[0].id,
        lines=[BudgetLine("outils", 500_00, 800_00), BudgetLine("local", 300_00, 400_00)],
    )
    carpool = rounds.add_project(
        round_, title="Covoiturage", holder_id=members[1].id, lines=[BudgetLine("appli", 2_000_00, 3_000_00)]
    )
    db.session.commit()
    return round_, members, bikes, carpool


def _wallet(round_, user) -> int:
    return db.session.get(RoundMember, (round_.id, user.id)).wallet_account_id


def test_contributions_reaching_the_maximum_fund_the_project_in_the_same_transaction(app):
    round_, members, bikes, _carpool = _setup()
    rounds.contribute(round_, bikes, members[0].id, 700_00)
    assert bikes.state is ProjectState.OPEN
    rounds.contribute(round_, bikes, members[1].id, 500_00)  # 1 200 €: the maximum
    assert bikes.state is ProjectState.FUNDED
    db.session.commit()
    with pytest.raises(LedgerRefusal) as closed:
        rounds.contribute(round_, bikes, members[2].id, 1_00)
    assert closed.value.reason == rounds.PROJECT_CLOSED
    assert (_balance(bikes.funding_account_id), _balance(_wallet(round_, members[0]))) == (1_200_00, 300_00)
    assert ledger.problems() == []


def test_the_per_member_limit_and_a_stranger_are_refused(app):
    round_, members, bikes, carpool = _setup(member_project_cap=400_00)
    db.session.rollback()
    for project, amount, reason in (
        (bikes, 401_00, rounds.MEMBER_CAP),
        (carpool, 1_000_01, rounds.MEMBER_CAP),
    ):
        with pytest.raises(LedgerRefusal) as refused:
            rounds.contribute(round_, project, members[0].id, amount)
        assert refused.value.reason == reason
        db.session.rollback()
    rounds.contribute(round_, bikes, members[0].id, 400_00)
    db.session.commit()
    with pytest.raises(LedgerRefusal) as again:  # 400 already given: the limit is reached
        rounds.contribute(round_, bikes, members[0].id, 1)
    assert again.value.reason == rounds.MEMBER_CAP
    db.session.rollback()
    outsider = create_user()
    with pytest.raises(LedgerRefusal) as stranger:
        rounds.contribute(round_, bikes, outsider.id, 1_00)
    assert stranger.value.reason == rounds.NOT_A_MEMBER


def test_an_empty_wallet_and_a_full_project_refuse_with_the_ledger_s_reasons(app):
    round_, members, bikes, _carpool = _setup()
    rounds.contribute(round_, bikes, members[0].id, 1_000_00)
    db.session.commit()
    with pytest.raises(LedgerRefusal) as empty:
        rounds.contribute(round_, bikes, members[0].id, 1_00)
    assert empty.value.reason == rules.NOT_ENOUGH
    db.session.rollback()
    with pytest.raises(LedgerRefusal) as full:
        rounds.contribute(round_, bikes, members[1].id, 300_00)  # 200 € left under the maximum of 1 200 €
    assert full.value.reason == rules.OVER_CAP


def test_at_the_close_a_project_at_its_minimum_is_funded_and_one_below_gives_everything_back(app):
    round_, members, bikes, carpool = _setup()
    rounds.contribute(round_, bikes, members[0].id, 600_00)
    rounds.contribute(round_, bikes, members[1].id, 300_00)  # 900 €: above the minimum of 800 €
    rounds.contribute(round_, carpool, members[1].id, 500_00)
    rounds.contribute(round_, carpool, members[2].id, 700_00)  # 1 200 €: below the minimum of 2 000 €
    db.session.commit()
    assert rounds.close_round(round_, actor_id=None) == {"funded": 1, "failed": 1}
    db.session.commit()
    db.session.expire_all()
    assert db.session.get(CommonsProject, bikes.id).state is ProjectState.FUNDED
    assert db.session.get(CommonsProject, carpool.id).state is ProjectState.FAILED
    assert _balance(carpool.funding_account_id) == 0
    assert _balance(_wallet(round_, members[1])) == 700_00  # 1 000 - 300 to the funded project
    assert _balance(_wallet(round_, members[2])) == 1_000_00
    with pytest.raises(LedgerRefusal) as closed:
        rounds.fund(db.session.get(CoBudgetRound, round_.id), 1_00, actor_id=None)
    assert closed.value.reason == rounds.ROUND_CLOSED
    assert ledger.problems() == []


def test_a_cancelled_project_gives_every_contribution_back_once(app):
    round_, members, bikes, _carpool = _setup()
    first = rounds.contribute(round_, bikes, members[0].id, 200_00)
    rounds.contribute(round_, bikes, members[1].id, 100_00)
    ledger.reverse(first.id, kind="refund")  # already given back by hand: not reversed twice
    db.session.commit()
    assert rounds.cancel_project(bikes, actor_id=None) == 1
    db.session.commit()
    assert _balance(bikes.funding_account_id) == 0
    assert _balance(_wallet(round_, members[0])) == _balance(_wallet(round_, members[1])) == 1_000_00
    with pytest.raises(LedgerRefusal):
        rounds.cancel_project(bikes, actor_id=None)
    assert ledger.problems() == []


def test_one_member_contributing_twice_at_once_cannot_pass_the_limit_twice(app):
    round_, members, bikes, _carpool = _setup(member_project_cap=500_00)
    round_id, project_id, user_id = round_.id, bikes.id, members[0].id
    barrier = threading.Barrier(6)
    outcomes: list[str] = [""] * 6

    def run(index: int) -> None:
        with app.app_context():
            current = db.session.get(CoBudgetRound, round_id)
            project = db.session.get(CommonsProject, project_id)
            barrier.wait(timeout=20)
            try:
                rounds.contribute(current, project, user_id, 200_00)
                db.session.commit()
                outcomes[index] = "posted"
            except LedgerRefusal as refusal:
                db.session.rollback()
                outcomes[index] = refusal.reason
            finally:
                db.session.remove()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert outcomes.count("posted") == 2 and outcomes.count(rounds.MEMBER_CAP) == 4, outcomes
    assert rounds.given_by(_wallet(round_, members[0]), bikes) == 400_00
    assert ledger.problems() == []
