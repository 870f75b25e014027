"""Non-money needs: pledged, then delivered (fully or partly) by the holder's confirmation, or voided."""

from __future__ import annotations

import pytest

from civic.commons import ledger, needs, rounds
from civic.commons import ledger_rules as rules
from civic.commons.ledger_rules import BudgetLine, LedgerRefusal, Unit
from civic.commons.models import LedgerPending
from civic.extensions import db
from tests.factories import create_user


def _project():
    holder, member, other = create_user(), create_user(), create_user()
    round_ = rounds.create_round(title="Se déplacer autrement", actor_id=holder.id)
    project = rounds.add_project(
        round_, title="Atelier vélo", holder_id=holder.id, lines=[BudgetLine("outils", 0, 500_00)]
    )
    design = needs.add_need(project, label="20 h de design", unit=Unit.MINUTES, quantity=1_200, skill_level=2)
    room = needs.add_need(project, label="Une salle un soir par semaine", unit=Unit.ITEMS, quantity=10)
    db.session.commit()
    return holder, member, other, design, room


def test_a_pledge_is_delivered_partly_by_the_holder_and_what_is_lacking_follows(app):
    holder, member, other, design, _room = _project()
    pledge = needs.pledge(design, member.id, 600)
    db.session.commit()
    state = needs.state_of(design)
    assert (state.delivered, state.pledged, state.lacking) == (0, 600, 600)
    with pytest.raises(LedgerRefusal) as refused:
        needs.deliver(pledge.id, actor_id=member.id)  # the member cannot confirm their own delivery
    assert refused.value.reason == needs.NOT_HOLDER
    db.session.rollback()
    needs.deliver(pledge.id, actor_id=holder.id, quantity=420)  # 7 h delivered of the 10 pledged
    db.session.commit()
    state = needs.state_of(design)
    assert (state.delivered, state.pledged, state.lacking) == (420, 0, 780)
    assert state.indicative_value_cents == 7 * 2 * rules.SMIC_HOURLY_CENTS  # labelled indicative, level 2
    with pytest.raises(LedgerRefusal) as twice:
        needs.deliver(pledge.id, actor_id=holder.id)
    assert twice.value.reason == rules.PENDING_SETTLED
    del other
    assert ledger.problems() == []


def test_a_need_is_never_over_pledged_and_a_pledge_is_voided_by_its_member_or_the_holder(app):
    holder, member, other, design, room = _project()
    big = needs.pledge(design, member.id, 1_000)
    db.session.commit()
    with pytest.raises(LedgerRefusal) as over:
        needs.pledge(design, other.id, 201)  # 1 200 asked, 1 000 pledged
    assert over.value.reason == rules.OVER_CAP
    db.session.rollback()
    evenings = needs.pledge(room, other.id, 4)
    db.session.commit()
    with pytest.raises(LedgerRefusal) as stranger:
        needs.void(evenings.id, actor_id=member.id)
    assert stranger.value.reason == needs.NOT_YOURS
    db.session.rollback()
    needs.void(evenings.id, actor_id=other.id)
    db.session.commit()
    assert db.session.get(LedgerPending, evenings.id).state.value == "voided"
    assert needs.state_of(room).lacking == 10 and needs.state_of(room).indicative_value_cents is None
    needs.void(big.id, actor_id=holder.id)  # the holder may void a pledge too
    db.session.commit()
    assert needs.state_of(design).lacking == 1_200
    assert ledger.problems() == []


def test_money_is_not_a_need_and_time_needs_a_skill_level(app):
    holder = create_user()
    round_ = rounds.create_round(title="R", actor_id=holder.id)
    project = rounds.add_project(round_, title="P", holder_id=holder.id, lines=[BudgetLine("x", 0, 100)])
    with pytest.raises(ValueError):
        needs.add_need(project, label="argent", unit=Unit.EUR_CENTS, quantity=100)
    with pytest.raises(ValueError):
        needs.add_need(project, label="temps", unit=Unit.MINUTES, quantity=60)
