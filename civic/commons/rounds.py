"""Co-budget rounds: funding the pool, allocating to members, contributing to projects, closing, cancelling.

Every movement is a journal of ``civic.commons.ledger``; nothing here keeps a balance of its own. A project's
funding account is capped at its maximum goal, so no race can over-fund it; a wallet's floor is 0, so no
race can overdraw it. The per-member, per-project limit is read under the ledger's head lock (taken first),
so two contributions of one member at once cannot both pass it. Reaching the maximum marks the project
funded in the same transaction; at the close a project that reached its minimum is funded and the others
give every contribution back, by reversing journals (money returns to the wallet it came from).

Functions flush and leave the commit to the caller (the web layer, later; the tests here).
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import func, select
from sqlalchemy.orm import aliased

from civic.commons import ledger
from civic.commons import ledger_rules as rules
from civic.commons.ledger_rules import BudgetLine, LedgerRefusal, Unit
from civic.commons.models import (
    AccountKind,
    BudgetLineRow,
    CoBudgetRound,
    CommonsProject,
    LedgerAccount,
    LedgerJournal,
    LedgerPosting,
    ProjectState,
    RoundMember,
    RoundState,
)
from civic.extensions import db

MEMBER_CAP = "member_cap"  # a refusal reason of this module: over the per-member, per-project limit
ROUND_CLOSED = "round_closed"
PROJECT_CLOSED = "project_closed"
NOT_A_MEMBER = "not_a_member"


def create_round(*, title: str, actor_id: int | None, member_project_cap: int | None = None) -> CoBudgetRound:
    outside = ledger.open_account(AccountKind.EXTERNAL, Unit.EUR_CENTS, floor=None, label=f"outside: {title}")
    pool = ledger.open_account(AccountKind.ROUND_POOL, Unit.EUR_CENTS, label=f"pool: {title}")
    round_ = CoBudgetRound(
        title=title,
        member_project_cap=member_project_cap,
        created_by_id=actor_id,
        outside_account_id=outside.id,
        pool_account_id=pool.id,
    )
    db.session.add(round_)
    db.session.flush()
    return round_


def add_project(
    round_: CoBudgetRound, *, title: str, holder_id: int | None, lines: Sequence[BudgetLine]
) -> CommonsProject:
    minimum, maximum = rules.goals(lines)
    if maximum <= 0:
        raise ValueError("a project needs at least one budget line with a maximum above zero")
    funding = ledger.open_account(
        AccountKind.PROJECT_FUNDING, Unit.EUR_CENTS, cap=maximum, label=f"project: {title}"
    )
    project = CommonsProject(
        round_id=round_.id,
        title=title,
        holder_id=holder_id,
        minimum=minimum,
        maximum=maximum,
        funding_account_id=funding.id,
    )
    db.session.add(project)
    db.session.flush()
    for line in lines:
        db.session.add(
            BudgetLineRow(project_id=project.id, label=line.label, minimum=line.minimum, maximum=line.maximum)
        )
    db.session.flush()
    return project


def join(round_: CoBudgetRound, user_id: int) -> RoundMember:
    member = db.session.get(RoundMember, (round_.id, user_id))
    if member is None:
        wallet = ledger.open_account(AccountKind.MEMBER_WALLET, Unit.EUR_CENTS, owner_id=user_id)
        member = RoundMember(round_id=round_.id, user_id=user_id, wallet_account_id=wallet.id)
        db.session.add(member)
        db.session.flush()
    return member


def require_open(round_: CoBudgetRound) -> None:
    """Refuse (``ROUND_CLOSED``) unless the round is open."""
    if round_.state is not RoundState.OPEN:
        raise LedgerRefusal(ROUND_CLOSED)


def fund(
    round_: CoBudgetRound, amount: int, *, actor_id: int | None, key: str | None = None, memo: str = ""
) -> LedgerJournal:
    """A funder puts money in the round's pool (recorded as received from outside; ``memo``: who, publicly)."""
    require_open(round_)
    return ledger.post(
        "fund",
        [(round_.outside_account_id, -amount), (round_.pool_account_id, amount)],
        actor_id=actor_id,
        key=key,
        memo=memo,
    )


def allocate(
    round_: CoBudgetRound, user_id: int, amount: int, *, actor_id: int | None, key: str | None = None
) -> LedgerJournal:
    """The organiser gives part of the pool to a member."""
    require_open(round_)
    member = join(round_, user_id)
    return ledger.post(
        "allocate",
        [(round_.pool_account_id, -amount), (member.wallet_account_id, amount)],
        actor_id=actor_id,
        on_behalf_of_id=user_id,
        key=key,
    )


def given_by(wallet_account_id: int, project: CommonsProject) -> int:
    """What a wallet has given a project so far, net of refunds (from the postings themselves)."""
    into = aliased(LedgerPosting)
    out = aliased(LedgerPosting)
    total = db.session.scalar(
        select(func.coalesce(func.sum(into.amount), 0))
        .select_from(into)
        .join(out, (out.journal_id == into.journal_id) & (out.account_id == wallet_account_id))
        .where(into.account_id == project.funding_account_id)
    )
    return int(total or 0)


def contribute(
    round_: CoBudgetRound, project: CommonsProject, user_id: int, amount: int, *, key: str | None = None
) -> LedgerJournal:
    """A member gives part of their allocation to a project; the project is funded once at its maximum."""
    require_open(round_)
    if project.round_id != round_.id or project.state is not ProjectState.OPEN:
        raise LedgerRefusal(PROJECT_CLOSED)
    member = db.session.get(RoundMember, (round_.id, user_id))
    if member is None:
        raise LedgerRefusal(NOT_A_MEMBER)
    if amount <= 0:
        raise LedgerRefusal(rules.ZERO_AMOUNT)
    ledger.take_head()  # from here on, no other journal is posted until this transaction ends
    cap = round_.member_project_cap
    if cap is not None and given_by(member.wallet_account_id, project) + amount > cap:
        raise LedgerRefusal(MEMBER_CAP)
    journal = ledger.post(
        "contribute",
        [(member.wallet_account_id, -amount), (project.funding_account_id, amount)],
        actor_id=user_id,
        on_behalf_of_id=user_id,
        key=key,
    )
    funding = db.session.get(LedgerAccount, project.funding_account_id, populate_existing=True)
    if funding is not None and funding.balance >= project.maximum:
        project.state = ProjectState.FUNDED  # in the same transaction as the contribution that reached it
    db.session.flush()
    return journal


def _give_back(project: CommonsProject, *, actor_id: int | None, kind: str) -> int:
    """Reverse every contribution to the project that is not reversed yet; return how many."""
    reversed_ids = select(LedgerJournal.reverses_id).where(LedgerJournal.reverses_id.is_not(None))
    journals = db.session.scalars(
        select(LedgerJournal.id)
        .join(LedgerPosting, LedgerPosting.journal_id == LedgerJournal.id)
        .where(
            LedgerPosting.account_id == project.funding_account_id,
            LedgerPosting.amount > 0,
            LedgerJournal.reverses_id.is_(None),
            LedgerJournal.id.not_in(reversed_ids),
        )
        .order_by(LedgerJournal.id)
    ).all()
    for journal_id in journals:
        ledger.reverse(journal_id, actor_id=actor_id, kind=kind)
    return len(journals)


def cancel_project(project: CommonsProject, *, actor_id: int | None) -> int:
    """Cancel a project: every contribution goes back to where it came from. Returns how many."""
    if project.state is not ProjectState.OPEN:
        raise LedgerRefusal(PROJECT_CLOSED)
    ledger.take_head()
    refunded = _give_back(project, actor_id=actor_id, kind="refund")
    project.state = ProjectState.CANCELLED
    db.session.flush()
    return refunded


def close_round(round_: CoBudgetRound, *, actor_id: int | None) -> dict[str, int]:
    """Close the round: projects at their minimum are funded, the others give their money back."""
    require_open(round_)
    ledger.take_head()
    funded = failed = 0
    for project in db.session.scalars(
        select(CommonsProject).where(CommonsProject.round_id == round_.id).order_by(CommonsProject.id)
    ):
        if project.state is not ProjectState.OPEN:
            funded += project.state is ProjectState.FUNDED
            continue
        raised = db.session.get(LedgerAccount, project.funding_account_id, populate_existing=True)
        lines = [BudgetLine("", project.minimum, project.maximum)]
        if raised is not None and rules.is_funded(raised.balance, lines, closed=True):
            project.state = ProjectState.FUNDED
            funded += 1
        else:
            _give_back(project, actor_id=actor_id, kind="refund")
            project.state = ProjectState.FAILED
            failed += 1
    round_.state = RoundState.CLOSED
    db.session.flush()
    return {"funded": funded, "failed": failed}
