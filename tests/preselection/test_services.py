"""Supports: cap, uniqueness, frozen rules, withdrawal policies, phase and status gating, eligibility,
front desk, merges."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from civic.accounts.roles import Role
from civic.core.audit import AuditEntry
from civic.core.errors import Conflict, InvalidInput, PermissionDenied
from civic.extensions import db
from civic.preselection import services
from civic.preselection.models import Support
from civic.preselection.rules import ThresholdKind, WithdrawalPolicy
from civic.proposals.hooks import proposals_merged
from civic.proposals.models import Channel, ProposalStatus
from civic.proposals.services import PhaseClosed
from tests.factories import create_user
from tests.preselection.helpers import preselection_edition, proposals, resident, support_all


def _count(**where) -> int:
    stmt = select(func.count()).select_from(Support)
    for name, value in where.items():
        stmt = stmt.where(getattr(Support, name) == value)
    return int(db.session.scalar(stmt))


def test_a_person_supports_up_to_the_cap_and_no_further(app):
    edition, (north, _south) = preselection_edition(per_person_cap=2)
    person = resident(north)
    first, second, third = proposals(edition, 3, north)
    support_all(person, [first, second])
    with pytest.raises(services.CapReached):
        services.support(actor=person, proposal=third)
    db.session.rollback()
    assert _count(supporter_key=f"u:{person.id}") == 2
    assert services.support_state(third, person).left == 0


def test_a_person_supports_a_proposal_once(app):
    edition, (north, _south) = preselection_edition()
    person = resident(north)
    (proposal,) = proposals(edition, 1, north)
    support_all(person, [proposal])
    with pytest.raises(Conflict):
        services.support(actor=person, proposal=proposal)
    db.session.rollback()
    assert _count(proposal_id=proposal.id) == 1


def test_rules_freeze_at_the_first_support_and_the_refused_change_is_audited(app):
    edition, (north, _south) = preselection_edition()
    admin = create_user(roles=(Role.ADMIN, Role.RESIDENT))
    services.save_rule(
        actor=admin, edition=edition, district_id=north.id, data=services.RuleInput(per_person_cap=4)
    )
    db.session.commit()
    support_all(resident(north), proposals(edition, 1, north))
    with pytest.raises(services.RulesFrozen):
        services.save_rule(
            actor=admin, edition=edition, district_id=None, data=services.RuleInput(per_person_cap=9)
        )
    db.session.commit()
    assert services.default_rule(edition).per_person_cap == 3
    refused = db.session.scalars(
        select(AuditEntry).where(AuditEntry.action == "preselection.rule_change_refused")
    )
    assert len(refused.all()) == 1


def test_a_rule_needing_a_seed_or_a_population_is_refused_with_the_field_named(app):
    edition, (north, _south) = preselection_edition()
    admin = create_user(roles=(Role.ADMIN, Role.RESIDENT))
    with pytest.raises(InvalidInput) as refused:
        services.save_rule(
            actor=admin,
            edition=edition,
            district_id=north.id,
            data=services.RuleInput(threshold_kind=ThresholdKind.POPULATION_SHARE, threshold_value=100),
        )
    assert "threshold_kind" in refused.value.problems


def test_only_admins_change_rules(app):
    edition, _districts = preselection_edition()
    with pytest.raises(PermissionDenied):
        services.save_rule(actor=create_user(), edition=edition, district_id=None, data=services.RuleInput())


@pytest.mark.parametrize(
    ("policy", "threshold", "allowed"),
    [
        (WithdrawalPolicy.ALWAYS, 1, True),
        (WithdrawalPolicy.NEVER, 0, False),
        (WithdrawalPolicy.UNTIL_THRESHOLD, 1, False),  # one support reaches a threshold of one
        (WithdrawalPolicy.UNTIL_THRESHOLD, 2, True),
    ],
)
def test_withdrawal_follows_the_rule(app, policy, threshold, allowed):
    kind = ThresholdKind.ABSOLUTE if threshold else ThresholdKind.NONE
    edition, (north, _south) = preselection_edition(
        withdrawal=policy, threshold_kind=kind, threshold_value=threshold
    )
    person = resident(north)
    (proposal,) = proposals(edition, 1, north)
    support_all(person, [proposal])
    if allowed:
        services.withdraw_support(actor=person, proposal=proposal)
        db.session.commit()
        assert _count(proposal_id=proposal.id) == 0
    else:
        with pytest.raises(Conflict):
            services.withdraw_support(actor=person, proposal=proposal)
        db.session.rollback()
        assert _count(proposal_id=proposal.id) == 1


def test_supports_only_during_the_preselection_phase(app):
    edition, (north, _south) = preselection_edition(open_phase="submission")
    (proposal,) = proposals(edition, 1, north)
    with pytest.raises(PhaseClosed):
        services.support(actor=resident(north), proposal=proposal)


@pytest.mark.parametrize("status", ["withdrawn", "merged", "not_feasible"])
def test_proposals_out_of_the_running_cannot_be_supported(app, status):
    edition, (north, _south) = preselection_edition()
    (proposal,) = proposals(edition, 1, north, status=status)
    with pytest.raises(PermissionDenied):
        services.support(actor=resident(north), proposal=proposal)


def test_eligible_only_lets_residents_of_the_district_and_anyone_on_town_wide_proposals(app):
    edition, (north, south) = preselection_edition(eligible_only=True)
    (in_north,) = proposals(edition, 1, north)
    (town_wide,) = proposals(edition, 1, None)
    neighbour = resident(south)
    with pytest.raises(PermissionDenied):
        services.support(actor=neighbour, proposal=in_north)
    db.session.rollback()
    support_all(neighbour, [town_wide])
    support_all(resident(north), [in_north])
    assert _count(proposal_id=in_north.id) == 1 and _count(proposal_id=town_wide.id) == 1


def test_a_person_supports_in_at_most_the_allowed_number_of_districts(app):
    edition, (north, south) = preselection_edition(max_districts=1, per_person_cap=5)
    person = resident(north)
    support_all(person, proposals(edition, 2, north))
    with pytest.raises(Conflict):
        services.support(actor=person, proposal=proposals(edition, 1, south)[0])


def test_front_desk_records_a_walk_in_once_without_storing_the_name(app):
    edition, (north, _south) = preselection_edition(eligible_only=True)
    desk = create_user(roles=(Role.FRONT_DESK, Role.RESIDENT))
    (proposal,) = proposals(edition, 1, north)
    walk_in = services.WalkIn(name="Marie-Hélène  Le Goff", birth_date=date(1950, 3, 1), district_id=north.id)
    created = services.record_in_person(actor=desk, proposal=proposal, walk_in=walk_in)
    db.session.commit()
    assert created.channel is Channel.IN_PERSON and created.recorded_by_id == desk.id
    assert "goff" not in created.supporter_key.lower() and created.supporter_key.startswith("w:")
    again = services.WalkIn(name="marie helene le goff", birth_date=date(1950, 3, 1), district_id=north.id)
    with pytest.raises(Conflict):
        services.record_in_person(actor=desk, proposal=proposal, walk_in=again)
    db.session.rollback()
    assert (
        db.session.scalar(select(func.count()).where(AuditEntry.action == "preselection.support_in_person"))
        == 1
    )


def test_front_desk_finds_an_account_by_address_so_online_and_in_person_count_once(app):
    edition, (north, _south) = preselection_edition()
    desk = create_user(roles=(Role.FRONT_DESK, Role.RESIDENT))
    person = resident(north, email="habitante@example.org")
    (proposal,) = proposals(edition, 1, north)
    support_all(person, [proposal])
    with pytest.raises(Conflict):
        services.record_in_person(
            actor=desk, proposal=proposal, walk_in=services.WalkIn(email="Habitante@example.org")
        )


def test_only_front_desk_records_in_person(app):
    edition, (north, _south) = preselection_edition()
    (proposal,) = proposals(edition, 1, north)
    with pytest.raises(PermissionDenied):
        services.record_in_person(
            actor=create_user(),
            proposal=proposal,
            walk_in=services.WalkIn(name="A B", birth_date=date(1990, 1, 1)),
        )


def test_merging_moves_supports_to_the_target_once_per_person(app):
    edition, (north, _south) = preselection_edition()
    source, target = proposals(edition, 2, north)
    both, only_source, only_target = resident(north), resident(north), resident(north)
    support_all(both, [source, target])
    support_all(only_source, [source])
    support_all(only_target, [target])
    proposals_merged(source, target)
    db.session.commit()
    assert _count(proposal_id=source.id) == 0
    keys = set(db.session.scalars(select(Support.supporter_key).where(Support.proposal_id == target.id)))
    assert keys == {f"u:{both.id}", f"u:{only_source.id}", f"u:{only_target.id}"}


def test_a_rolled_back_merge_keeps_the_supports_where_they_were(app):
    edition, (north, _south) = preselection_edition()
    source, target = proposals(edition, 2, north)
    support_all(resident(north), [source])
    proposals_merged(source, target)
    db.session.rollback()
    assert _count(proposal_id=source.id) == 1


def test_support_state_says_what_is_left(app):
    edition, (north, _south) = preselection_edition(per_person_cap=5)
    person = resident(north)
    items = proposals(edition, 3, north)
    support_all(person, items[:2])
    state = services.support_state(items[2], person)
    assert (state.used, state.cap, state.left, state.may_support) == (2, 5, 3, True)
    assert services.support_state(items[0], person).supported
    assert ProposalStatus.SUBMITTED is items[0].status


@pytest.mark.parametrize(
    ("policy", "threshold", "eligible_only"),
    [
        (WithdrawalPolicy.ALWAYS, 0, False),
        (WithdrawalPolicy.NEVER, 0, False),
        (WithdrawalPolicy.UNTIL_THRESHOLD, 1, False),
        (WithdrawalPolicy.UNTIL_THRESHOLD, 3, True),
    ],
)
def test_the_state_a_change_returns_is_what_a_fresh_read_shows(app, policy, threshold, eligible_only):
    """support() and withdraw_support() build the panel's state from what they checked: it must be the
    state support_state() reads afresh, whatever the rule, up to the cap and back."""
    kind = ThresholdKind.ABSOLUTE if threshold else ThresholdKind.NONE
    edition, (north, _south) = preselection_edition(
        per_person_cap=2, withdrawal=policy, threshold_kind=kind, threshold_value=threshold,
        eligible_only=eligible_only,
    )  # fmt: skip
    person, other = resident(north), resident(north)
    first, second, third = proposals(edition, 3, north)
    support_all(other, [first])
    for proposal in (first, second):
        returned = services.support(actor=person, proposal=proposal)
        db.session.commit()
        db.session.expire_all()
        assert returned == services.support_state(proposal, person)
    assert services.support_state(third, person).may_support is False  # the cap is reached
    if policy is not WithdrawalPolicy.NEVER and services.support_state(first, person).may_withdraw:
        returned = services.withdraw_support(actor=person, proposal=first)
        db.session.commit()
        db.session.expire_all()
        assert returned == services.support_state(first, person)
        assert (returned.count, returned.used, returned.may_support) == (1, 1, True)


def test_the_demo_edition_takes_supports_now_and_seeding_twice_changes_nothing(app):
    from civic.cli import seed_demo
    from civic.preselection.demo import SLUG
    from civic.processes.models import Edition

    runner = app.test_cli_runner()
    assert runner.invoke(seed_demo).exit_code == 0
    assert runner.invoke(seed_demo).exit_code == 0
    db.session.expire_all()
    edition = db.session.scalar(select(Edition).where(Edition.slug == SLUG))
    assert services.supports_open(edition)
    per_person = db.session.execute(
        select(Support.supporter_key, func.count())
        .where(Support.edition_id == edition.id)
        .group_by(Support.supporter_key)
    ).all()
    assert per_person and all(n <= services.default_rule(edition).per_person_cap for _key, n in per_person)
    assert db.session.scalar(select(func.count()).select_from(Edition).where(Edition.slug == SLUG)) == 1
