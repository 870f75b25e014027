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
from dataclasses import dataclass

from sqlalchemy import bindparam, func, select, text

from civic.commons import ledger
from civic.commons import ledger_rules as rules
from civic.commons.ledger_rules import BudgetLine, LedgerRefusal, Unit
from civic.commons.models import (
    AccountKind,
    BudgetLineRow,
    CoBudgetRound,
    CommonsProject,
    Delegation,
    LedgerAccount,
    LedgerJournal,
    LedgerPending,
    LedgerPosting,
    PendingState,
    ProjectState,
    RoundMember,
    RoundState,
)
from civic.extensions import db

MEMBER_CAP = "member_cap"
NO_MATCHING = "no_matching"
NOT_YOUR_DELEGATION = "not_your_delegation"
DELEGATION_REVOKED = "delegation_revoked"
OUT_OF_SCOPE = "out_of_scope"  # a delegation used outside its project or theme
ROUND_CLOSED = "round_closed"
PROJECT_CLOSED = "project_closed"
NOT_A_MEMBER = "not_a_member"


@dataclass(frozen=True)
class Matching:
    """Matching funds: ``num``/``den`` of each contribution, capped per contribution, member and project (cents)."""

    num: int
    den: int
    per_contribution: int | None = None
    per_member: int | None = None
    per_project: int | None = None


def create_round(
    *,
    title: str,
    actor_id: int | None,
    member_project_cap: int | None = None,
    matching: Matching | None = None,
    allows_delegation: bool = True,
    delegate_cap: int | None = None,
) -> CoBudgetRound:
    outside = ledger.open_account(AccountKind.EXTERNAL, Unit.EUR_CENTS, floor=None, label=f"outside: {title}")
    pool = ledger.open_account(AccountKind.ROUND_POOL, Unit.EUR_CENTS, label=f"pool: {title}")
    round_ = CoBudgetRound(
        title=title,
        member_project_cap=member_project_cap,
        created_by_id=actor_id,
        outside_account_id=outside.id,
        pool_account_id=pool.id,
        allows_delegation=allows_delegation,
        delegate_cap=delegate_cap,
    )
    if matching is not None and matching.num > 0 and matching.den > 0:
        match_pool = ledger.open_account(
            AccountKind.MATCHING_POOL, Unit.EUR_CENTS, label=f"matching: {title}"
        )
        round_.matching_account_id = match_pool.id
        round_.match_num, round_.match_den = matching.num, matching.den
        round_.match_contribution_cap = matching.per_contribution
        round_.match_member_cap = matching.per_member
        round_.match_project_cap = matching.per_project
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
    round_: CoBudgetRound,
    amount: int,
    *,
    actor_id: int | None,
    key: str | None = None,
    memo: str = "",
    matching: bool = False,
) -> LedgerJournal:
    """A funder puts money in the round's pool, or its matching pool (recorded as received from outside;
    ``memo``: who, publicly)."""
    require_open(round_)
    target = round_.matching_account_id if matching else round_.pool_account_id
    if target is None:
        raise LedgerRefusal(NO_MATCHING)
    return ledger.post(
        "fund_matching" if matching else "fund",
        [(round_.outside_account_id, -amount), (target, amount)],
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


_GIVEN_BY = text(
    # Driven by the member's own postings (a few), not the project's (every gift it ever had): SQLite keeps
    # the order of a CROSS JOIN, PostgreSQL plans it from its statistics.
    "SELECT COALESCE(SUM(i.amount), 0) FROM ledger_posting o CROSS JOIN ledger_posting i "
    "WHERE o.account_id IN :sources AND i.journal_id = o.journal_id AND i.account_id = :funding"
).bindparams(bindparam("sources", expanding=True))


def given_by(source_account_ids: int | Sequence[int], project: CommonsProject) -> int:
    """What these accounts (a wallet, and the earmarks of its delegations) have given a project so far, net of
    refunds (from the postings themselves)."""
    ids = [source_account_ids] if isinstance(source_account_ids, int) else list(source_account_ids)
    if not ids:
        return 0
    total = db.session.scalar(_GIVEN_BY, {"sources": ids, "funding": project.funding_account_id})
    return int(total or 0)


def _matched(*, actor_id: int | None = None, target_id: int | None = None, source_id: int) -> int:
    stmt = select(func.coalesce(func.sum(LedgerPending.amount), 0)).where(
        LedgerPending.kind == "match",
        LedgerPending.source_id == source_id,
        LedgerPending.state.in_((PendingState.PENDING, PendingState.POSTED)),
    )
    if actor_id is not None:
        stmt = stmt.where(LedgerPending.actor_id == actor_id)
    if target_id is not None:
        stmt = stmt.where(LedgerPending.target_id == target_id)
    return int(db.session.scalar(stmt) or 0)


def _matches(round_: CoBudgetRound) -> bool:
    return round_.matching_account_id is not None and bool(round_.match_num) and bool(round_.match_den)


def _reserve_match(
    round_: CoBudgetRound,
    project: CommonsProject,
    origin_id: int,
    amount: int,
    funding: ledger.After,
    pool_left: int,
) -> ledger.After:
    """Reserve the matching funds one contribution earns (nothing when the round has none or a cap is
    reached); ``funding`` is the project's account right after the contribution, ``pool_left`` what the
    matching pool has free. Return the project's account after the match."""
    if not _matches(round_) or round_.matching_account_id is None:
        return funding
    pool_id = round_.matching_account_id
    member_left = None
    if round_.match_member_cap is not None:
        member_left = round_.match_member_cap - _matched(actor_id=origin_id, source_id=pool_id)
    project_left = project.maximum - funding.balance - funding.pending_in  # the match counts towards the goal
    if round_.match_project_cap is not None:
        project_left = min(
            project_left,
            round_.match_project_cap - _matched(target_id=project.funding_account_id, source_id=pool_id),
        )
    match = rules.match_for(
        amount,
        ratio=(round_.match_num, round_.match_den),
        per_contribution_cap=round_.match_contribution_cap,
        member_left=member_left,
        project_left=project_left,
        pool_left=pool_left,
    )
    if match <= 0:
        return funding
    _pending, after = ledger.reserve_reading(
        "match", pool_id, project.funding_account_id, match, actor_id=origin_id, savepoint=False
    )
    return after[project.funding_account_id]


# What a gift must know once the head is taken, in one statement: whether its form was posted already, what
# its origin member has given the project so far (themselves and through every delegate of theirs), and
# what the matching pool has free.
_GIFT_CONTEXT = text(
    "SELECT (SELECT id FROM ledger_journal WHERE idempotency_key = :key), "
    "(SELECT COALESCE(SUM(i.amount), 0) FROM ledger_posting o JOIN ledger_posting i ON i.journal_id = o.journal_id "
    "WHERE :capped = 1 AND i.account_id = :funding AND o.account_id IN ("
    "SELECT wallet_account_id FROM cobudget_member WHERE round_id = :round AND user_id = :origin "
    "UNION ALL SELECT earmark_account_id FROM cobudget_delegation WHERE round_id = :round AND origin_id = :origin)), "
    "(SELECT balance - pending_out FROM ledger_account WHERE id = :pool)"
)


def contribute(
    round_: CoBudgetRound,
    project: CommonsProject,
    user_id: int,
    amount: int,
    *,
    key: str | None = None,
    delegation: Delegation | None = None,
) -> LedgerJournal:
    """A member gives part of their allocation to a project (or a delegate, from what was delegated to them, on
    behalf of its origin); matching funds are reserved; the project is funded once at its maximum."""
    require_open(round_)
    if project.round_id != round_.id or project.state is not ProjectState.OPEN:
        raise LedgerRefusal(PROJECT_CLOSED)
    if amount <= 0:
        raise LedgerRefusal(rules.ZERO_AMOUNT)
    if delegation is None:
        member = db.session.get(RoundMember, (round_.id, user_id))
        if member is None:
            raise LedgerRefusal(NOT_A_MEMBER)
        source, origin = member.wallet_account_id, user_id
    else:
        if delegation.round_id != round_.id or delegation.delegate_id != user_id:
            raise LedgerRefusal(NOT_YOUR_DELEGATION)
        if delegation.revoked_at is not None:
            raise LedgerRefusal(DELEGATION_REVOKED)
        if delegation.project_id is not None and delegation.project_id != project.id:
            raise LedgerRefusal(OUT_OF_SCOPE)
        if delegation.theme is not None and delegation.theme != project.theme:
            raise LedgerRefusal(OUT_OF_SCOPE)
        source, origin = delegation.earmark_account_id, delegation.origin_id
    head = ledger.take_head()  # from here on, no other journal is posted until this transaction ends
    cap = round_.member_project_cap
    replayed, given, pool_left = db.session.execute(
        _GIFT_CONTEXT,
        {
            "key": key,
            "capped": int(cap is not None),
            "funding": project.funding_account_id,
            "round": round_.id,
            "origin": origin,
            "pool": round_.matching_account_id,
        },
    ).one()
    if replayed is not None:  # a double-clicked form: its first journal (and its match) stand, nothing more
        return db.session.get_one(LedgerJournal, replayed)
    # The limit is the origin member's: what they gave themselves and through every delegate together.
    if cap is not None and int(given or 0) + amount > cap:
        raise LedgerRefusal(MEMBER_CAP)
    with db.session.begin_nested():  # one savepoint for the gift and its match: a refusal writes nothing
        journal, after = ledger.post_reading(
            "contribute",
            [(source, -amount), (project.funding_account_id, amount)],
            actor_id=user_id,
            on_behalf_of_id=origin,
            delegation_id=delegation.id if delegation else None,
            key=key,
            head=head,
            savepoint=False,
        )
        if not after:  # the key was posted meanwhile: that journal stands
            return journal
        funding = _reserve_match(
            round_, project, origin, amount, after[project.funding_account_id], int(pool_left or 0)
        )
    if funding.balance + funding.pending_in >= project.maximum:
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
    _settle_matches(project, post=False, actor_id=actor_id)
    return len(journals)


def _settle_matches(project: CommonsProject, *, post: bool, actor_id: int | None) -> None:
    """Post the matching funds reserved for a funded project, or void them for one that is not."""
    reserved = db.session.scalars(
        select(LedgerPending.id)
        .where(
            LedgerPending.kind == "match",
            LedgerPending.target_id == project.funding_account_id,
            LedgerPending.state == PendingState.PENDING,
        )
        .order_by(LedgerPending.id)
    ).all()
    for pending_id in reserved:
        if post:
            ledger.settle(pending_id, kind="match", actor_id=actor_id)
        else:
            ledger.void(pending_id)


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
        if project.state is ProjectState.FUNDED:
            _settle_matches(project, post=True, actor_id=actor_id)
            funded += 1
            continue
        if project.state is not ProjectState.OPEN:
            continue
        raised = db.session.get(LedgerAccount, project.funding_account_id, populate_existing=True)
        lines = [BudgetLine("", project.minimum, project.maximum)]
        # Matching funds reserved for its contributions count towards the goal: they are posted now.
        if raised is not None and rules.is_funded(raised.balance + raised.pending_in, lines, closed=True):
            _settle_matches(project, post=True, actor_id=actor_id)
            project.state = ProjectState.FUNDED
            funded += 1
        else:
            _give_back(project, actor_id=actor_id, kind="refund")
            project.state = ProjectState.FAILED
            failed += 1
    round_.state = RoundState.CLOSED
    db.session.flush()
    return {"funded": funded, "failed": failed}
