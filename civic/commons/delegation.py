"""Delegation stored: a member hands all or part of their allocation to another member, who spends it on their
behalf or hands it on (depth ≤ 3), until it is revoked.

The money moves: wallet → an earmark account owned by the delegation (floor 0), so nothing is counted twice
and the delegate can never spend more than was handed to them. A sub-delegation moves it from the parent's
earmark to its own. Revoking moves what is left back where it came from (sub-delegations first, deepest
first); past contributions stay. A refund that reaches a revoked earmark is sent on to where it came from.
The rules (no cycle, depth, only your own delegation) are the pure ``ledger_rules.may_delegate``.
"""

from __future__ import annotations

from sqlalchemy import func, select

from civic.commons import ledger, rounds
from civic.commons import ledger_rules as rules
from civic.commons.ledger_rules import LedgerRefusal, Unit
from civic.commons.models import (
    AccountKind,
    CoBudgetRound,
    CommonsProject,
    Delegation,
    LedgerAccount,
    RoundMember,
)
from civic.core.time import utcnow
from civic.extensions import db

NOT_ALLOWED = "delegation_not_allowed"
DELEGATE_CAP = "delegate_cap"
REFUSED = {
    "self": "delegation_self",
    "unknown": "delegation_unknown",
    "not_yours": "not_your_delegation",
    "too_deep": "delegation_too_deep",
    "cycle": "delegation_cycle",
}


def _pure(round_id: int) -> dict[int, rules.Delegation]:
    rows = db.session.scalars(select(Delegation).where(Delegation.round_id == round_id))
    return {
        d.id: rules.Delegation(d.id, d.truster_id, d.delegate_id, d.parent_id, d.revoked_at is not None)
        for d in rows
    }


def held_by(round_: CoBudgetRound, delegate_id: int) -> int:
    """What a delegate holds from others right now (the sum of their live earmarks)."""
    total = db.session.scalar(
        select(func.coalesce(func.sum(LedgerAccount.balance), 0))
        .join(Delegation, Delegation.earmark_account_id == LedgerAccount.id)
        .where(
            Delegation.round_id == round_.id,
            Delegation.delegate_id == delegate_id,
            Delegation.revoked_at.is_(None),
        )
    )
    return int(total or 0)


def delegate(
    round_: CoBudgetRound,
    *,
    truster_id: int,
    delegate_id: int,
    amount: int,
    parent: Delegation | None = None,
    project: CommonsProject | None = None,
    theme: str | None = None,
    key: str | None = None,
) -> Delegation:
    """Hand ``amount`` of the truster's allocation (or of a delegation made to them) to another member, for
    the whole round, the projects of one theme, or one project. A delegation handed on keeps its scope
    (it may narrow it: to one project of its theme)."""
    rounds.require_open(round_)
    if not round_.allows_delegation:
        raise LedgerRefusal(NOT_ALLOWED)
    if amount <= 0:
        raise LedgerRefusal(rules.ZERO_AMOUNT)
    truster = db.session.get(RoundMember, (round_.id, truster_id))
    if truster is None or db.session.get(RoundMember, (round_.id, delegate_id)) is None:
        raise LedgerRefusal(rounds.NOT_A_MEMBER)
    ledger.take_head()  # the rules below read delegations and balances no other posting may change meanwhile
    reason = rules.may_delegate(
        _pure(round_.id), truster=truster_id, delegate=delegate_id, parent=parent.id if parent else None
    )
    if reason is not None:
        raise LedgerRefusal(REFUSED.get(reason, reason))
    if parent is not None and parent.project_id is not None:
        if project is not None and project.id != parent.project_id:
            raise LedgerRefusal(rounds.OUT_OF_SCOPE)
        project = db.session.get(CommonsProject, parent.project_id)
    if parent is not None and parent.theme is not None:
        if theme is not None and theme != parent.theme:
            raise LedgerRefusal(rounds.OUT_OF_SCOPE)
        theme = parent.theme
    if project is not None and theme is not None and project.theme != theme:
        raise LedgerRefusal(rounds.OUT_OF_SCOPE)
    if round_.delegate_cap is not None and held_by(round_, delegate_id) + amount > round_.delegate_cap:
        raise LedgerRefusal(DELEGATE_CAP)
    source = parent.earmark_account_id if parent else truster.wallet_account_id
    earmark = ledger.open_account(
        AccountKind.DELEGATION_EARMARK, Unit.EUR_CENTS, owner_id=delegate_id, label="delegation"
    )
    delegation = Delegation(
        round_id=round_.id,
        origin_id=parent.origin_id if parent else truster_id,
        truster_id=truster_id,
        delegate_id=delegate_id,
        parent_id=parent.id if parent else None,
        project_id=project.id if project else None,
        theme=theme,
        depth=parent.depth + 1 if parent else 1,
        source_account_id=source,
        earmark_account_id=earmark.id,
    )
    db.session.add(delegation)
    db.session.flush()
    ledger.post(
        "delegate",
        [(source, -amount), (earmark.id, amount)],
        actor_id=truster_id,
        on_behalf_of_id=delegation.origin_id,
        delegation_id=delegation.id,
        key=key,
    )
    return delegation


def _balance(account_id: int) -> int:
    account = db.session.get(LedgerAccount, account_id, populate_existing=True)
    assert account is not None
    return account.balance


def _give_back(delegation: Delegation, actor_id: int | None) -> int:
    left = _balance(delegation.earmark_account_id)
    if left > 0:
        ledger.post(
            "revoke",
            [(delegation.earmark_account_id, -left), (delegation.source_account_id, left)],
            actor_id=actor_id,
            on_behalf_of_id=delegation.origin_id,
            delegation_id=delegation.id,
        )
    return left


def revoke(delegation: Delegation, *, actor_id: int) -> int:
    """The truster takes back what is left (sub-delegations are revoked first); returns what came back."""
    if actor_id != delegation.truster_id:
        raise LedgerRefusal(rounds.NOT_YOUR_DELEGATION)
    if delegation.revoked_at is not None:
        raise LedgerRefusal(rounds.DELEGATION_REVOKED)
    ledger.take_head()
    children = db.session.scalars(
        select(Delegation).where(Delegation.parent_id == delegation.id, Delegation.revoked_at.is_(None))
    ).all()
    for child in children:
        revoke(child, actor_id=child.truster_id)
    delegation.revoked_at = utcnow()
    returned = _give_back(delegation, actor_id)
    db.session.flush()
    return returned


def sweep_revoked(round_: CoBudgetRound) -> int:
    """Send on what refunds put back into revoked earmarks (deepest first); returns how many moved."""
    moved = 0
    revoked = db.session.scalars(
        select(Delegation)
        .where(Delegation.round_id == round_.id, Delegation.revoked_at.is_not(None))
        .order_by(Delegation.depth.desc(), Delegation.id)
    ).all()
    for delegation in revoked:
        moved += _give_back(delegation, None) > 0
    return moved


def live_for(round_: CoBudgetRound, delegate_id: int) -> list[tuple[Delegation, int]]:
    """The delegations a member may spend or hand on, with what is left in each."""
    rows = db.session.execute(
        select(Delegation, LedgerAccount.balance)
        .join(LedgerAccount, LedgerAccount.id == Delegation.earmark_account_id)
        .where(
            Delegation.round_id == round_.id,
            Delegation.delegate_id == delegate_id,
            Delegation.revoked_at.is_(None),
        )
        .order_by(Delegation.id)
    ).all()
    return [(d, balance) for d, balance in rows]


def made_by(round_: CoBudgetRound, truster_id: int) -> list[tuple[Delegation, int]]:
    """The delegations a member made (live and revoked), with what is left in each."""
    rows = db.session.execute(
        select(Delegation, LedgerAccount.balance)
        .join(LedgerAccount, LedgerAccount.id == Delegation.earmark_account_id)
        .where(Delegation.round_id == round_.id, Delegation.truster_id == truster_id)
        .order_by(Delegation.id)
    ).all()
    return [(d, balance) for d, balance in rows]


def provenance(round_id: int, delegation_id: int) -> tuple[int, list[int], int]:
    """(origin member, members it went through, the member who spends): "given by Y on behalf of A, via B"."""
    return rules.provenance(_pure(round_id), delegation_id)
