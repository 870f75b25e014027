"""A project's non-money needs — hours of a skill, venue-days — pledged by members, then delivered or voided.

A need is an account of its unit (minutes or items) capped at the quantity asked. A member's pledge is a
pending transfer from their offer account (one per member and unit; its balance goes negative by what they
gave) to the need: the cap counts pledges too, so a need is never over-pledged. The project's holder
confirms what was delivered (fully or partly: the rest is released) or voids the pledge. Time is shown at
an indicative value (1–3 × the SMIC hourly rate by skill level), never added to money.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from civic.commons import ledger
from civic.commons import ledger_rules as rules
from civic.commons.ledger_rules import LedgerRefusal, Unit
from civic.commons.models import (
    AccountKind,
    CommonsNeed,
    CommonsProject,
    LedgerAccount,
    LedgerJournal,
    LedgerPending,
    PendingState,
    ProjectState,
)
from civic.extensions import db

NOT_HOLDER = "not_holder"  # only the project's holder confirms a delivery
NOT_YOURS = "not_yours"  # a pledge is voided by its holder or by the member who made it
NON_MONEY = (Unit.MINUTES, Unit.ITEMS)


def add_need(
    project: CommonsProject, *, label: str, unit: Unit, quantity: int, skill_level: int | None = None
) -> CommonsNeed:
    if unit not in NON_MONEY:
        raise ValueError("money needs are budget lines")
    if unit is Unit.MINUTES and skill_level not in (1, 2, 3):
        raise ValueError("time needs a skill level of 1, 2 or 3")
    account = ledger.open_account(
        AccountKind.PROJECT_NEED, unit, owner_id=project.id, cap=quantity, label=label
    )
    need = CommonsNeed(
        project_id=project.id,
        label=label,
        unit=unit,
        quantity=quantity,
        skill_level=skill_level if unit is Unit.MINUTES else None,
        account_id=account.id,
    )
    db.session.add(need)
    db.session.flush()
    return need


def _offer_account(user_id: int, unit: Unit) -> LedgerAccount:
    account = db.session.scalar(
        select(LedgerAccount).where(
            LedgerAccount.kind == AccountKind.MEMBER_OFFER,
            LedgerAccount.owner_id == user_id,
            LedgerAccount.unit == unit,
        )
    )
    return account or ledger.open_account(AccountKind.MEMBER_OFFER, unit, owner_id=user_id, floor=None)


def pledge(need: CommonsNeed, user_id: int, quantity: int) -> LedgerPending:
    """A member pledges part of a need (minutes or items): reserved, not yet counted as given."""
    return pledge_once(need, user_id, quantity, key=None)[0]


def pledge_once(
    need: CommonsNeed, user_id: int, quantity: int, *, key: str | None
) -> tuple[LedgerPending, bool]:
    """``pledge`` for a form with an idempotency key: the pledge, and whether it is new (False when the same
    form was posted before: nothing more is reserved)."""
    project = db.session.get(CommonsProject, need.project_id)
    if project is None or project.state in (ProjectState.CANCELLED, ProjectState.FAILED):
        raise LedgerRefusal("project_closed")
    offer = _offer_account(user_id, need.unit)
    pending_id, after = ledger.reserve_reading(
        "pledge", offer.id, need.account_id, quantity, actor_id=user_id, key=key
    )
    pending = db.session.get(LedgerPending, pending_id)
    assert pending is not None
    return pending, bool(after)


def _need_of(pending: LedgerPending) -> tuple[CommonsNeed, CommonsProject]:
    need = db.session.scalar(select(CommonsNeed).where(CommonsNeed.account_id == pending.target_id))
    project = db.session.get(CommonsProject, need.project_id) if need else None
    if need is None or project is None:
        raise LedgerRefusal(rules.UNKNOWN_ACCOUNT)
    return need, project


def deliver(pending_id: int, *, actor_id: int, quantity: int | None = None) -> LedgerJournal | None:
    """The project's holder confirms what a pledge delivered (all of it by default); the rest is released."""
    pending = db.session.get(LedgerPending, pending_id)
    if pending is None:
        raise LedgerRefusal(rules.PENDING_SETTLED)
    _need, project = _need_of(pending)
    if project.holder_id != actor_id:
        raise LedgerRefusal(NOT_HOLDER)
    return ledger.settle(pending_id, quantity, kind="deliver", actor_id=actor_id)


def void(pending_id: int, *, actor_id: int) -> None:
    """Void a pledge (the holder, or the member who made it): nothing is counted as given."""
    pending = db.session.get(LedgerPending, pending_id)
    if pending is None or pending.state is not PendingState.PENDING:
        raise LedgerRefusal(rules.PENDING_SETTLED)
    _need, project = _need_of(pending)
    if actor_id not in (project.holder_id, pending.actor_id):
        raise LedgerRefusal(NOT_YOURS)
    ledger.void(pending_id)


@dataclass(frozen=True)
class NeedState:
    """What a need has and still lacks: delivered, pledged (not yet delivered), lacking."""

    need: CommonsNeed
    delivered: int
    pledged: int

    @property
    def lacking(self) -> int:
        return max(self.need.quantity - self.delivered - self.pledged, 0)

    @property
    def indicative_value_cents(self) -> int | None:
        """The delivered time's indicative value (labelled as such; never added to money)."""
        if self.need.unit is not Unit.MINUTES or self.need.skill_level is None:
            return None
        return rules.indicative_value_cents(self.delivered, self.need.skill_level)


def state_of(need: CommonsNeed) -> NeedState:
    account = db.session.get(LedgerAccount, need.account_id, populate_existing=True)
    assert account is not None  # opened with the need
    return NeedState(need, delivered=account.balance, pledged=account.pending_in)
