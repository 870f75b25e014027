"""Read models of the commons pages: every figure comes from the ledger's accounts and postings, none is kept aside."""

from __future__ import annotations

import functools
from collections import defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Select, bindparam, func, select
from sqlalchemy.orm import aliased

from civic.accounts.models import User
from civic.commons.ledger_rules import Unit
from civic.commons.models import (
    AccountKind,
    BudgetLineRow,
    CoBudgetRound,
    CommonsCall,
    CommonsNeed,
    CommonsProject,
    CrowdfundingCampaign,
    Delegation,
    LedgerAccount,
    LedgerJournal,
    LedgerPending,
    LedgerPosting,
    PendingState,
    ProjectFollower,
    ProjectState,
    RoundMember,
)
from civic.commons.needs import NeedState
from civic.extensions import db

LEDGER_PAGE_SIZE = 50
# Money from outside is shown under the public name its giver chose (or none), never under who recorded it.
PUBLIC_NAME_KINDS = ("fund", "fund_matching", "crowdfund")


def calls(*, include_drafts: bool) -> list[CommonsCall]:
    stmt = select(CommonsCall).order_by(CommonsCall.opens_on.desc(), CommonsCall.id.desc())
    if not include_drafts:
        stmt = stmt.where(CommonsCall.published.is_(True))
    return list(db.session.scalars(stmt))


@functools.cache
def _call_by_slug() -> Select[tuple[CommonsCall]]:
    return select(CommonsCall).where(CommonsCall.slug == bindparam("slug"))  # every commons page runs it


def call_by_slug(slug: str) -> CommonsCall | None:
    return db.session.scalar(_call_by_slug(), {"slug": slug})


def _balances(account_ids: Sequence[int]) -> dict[int, LedgerAccount]:
    if not account_ids:
        return {}
    rows = db.session.scalars(
        select(LedgerAccount)
        .where(LedgerAccount.id.in_(account_ids))
        .execution_options(populate_existing=True)
    )
    return {account.id: account for account in rows}


@dataclass
class ProjectFigures:
    project: CommonsProject
    raised: int
    reserved: int = 0  # matching funds reserved towards it
    needs: list[NeedState] = field(default_factory=list)
    lines: list[BudgetLineRow] = field(default_factory=list)

    @property
    def asks_money(self) -> bool:
        return self.project.maximum > 1  # a project asking only for time has a one-cent funding account

    @property
    def matching(self) -> int:
        """Matching funds reserved for it (paid at the close if it is funded)."""
        return self.reserved

    @property
    def lacking_to_minimum(self) -> int:
        return max(self.project.minimum - self.raised - self.reserved, 0)

    @property
    def lacking_to_maximum(self) -> int:
        return max(self.project.maximum - self.raised, 0)

    @property
    def percent_of_minimum(self) -> int:
        goal = self.project.minimum or self.project.maximum
        return min(100, (self.raised + self.reserved) * 100 // goal) if goal else 100

    @property
    def lacks_anything(self) -> bool:
        open_ = self.project.state in (ProjectState.OPEN, ProjectState.FUNDED)
        money = self.asks_money and self.project.state is ProjectState.OPEN and self.lacking_to_minimum > 0
        return open_ and (money or any(n.lacking for n in self.needs))

    def sort_key(self) -> tuple[int, int, int]:
        """Open projects first, then funded ones, then the rest; within each, those that lack the most money,
        then the most time and items."""
        order = {ProjectState.OPEN: 0, ProjectState.FUNDED: 1}.get(self.project.state, 2)
        return (order, -self.lacking_to_minimum, -sum(n.lacking for n in self.needs))


def project_figures(projects: Sequence[CommonsProject]) -> list[ProjectFigures]:
    """What each project has raised, its budget lines and its needs, in four queries whatever the count."""
    if not projects:
        return []
    ids = [p.id for p in projects]
    need_rows = list(
        db.session.scalars(
            select(CommonsNeed).where(CommonsNeed.project_id.in_(ids)).order_by(CommonsNeed.id)
        )
    )
    line_rows = list(
        db.session.scalars(
            select(BudgetLineRow).where(BudgetLineRow.project_id.in_(ids)).order_by(BudgetLineRow.id)
        )
    )
    accounts = _balances([p.funding_account_id for p in projects] + [n.account_id for n in need_rows])
    figures = {
        p.id: ProjectFigures(
            p,
            raised=accounts[p.funding_account_id].balance,
            reserved=accounts[p.funding_account_id].pending_in,
        )
        for p in projects
    }
    for need in need_rows:
        account = accounts[need.account_id]
        figures[need.project_id].needs.append(
            NeedState(need, delivered=account.balance, pledged=account.pending_in)
        )
    for line in line_rows:
        figures[line.project_id].lines.append(line)
    return list(figures.values())


def projects_of(call: CommonsCall) -> list[ProjectFigures]:
    """The call's projects, those that lack the most first (what the community should relay)."""
    projects = list(
        db.session.scalars(select(CommonsProject).where(CommonsProject.round_id == call.round_id))
    )
    return sorted(project_figures(projects), key=ProjectFigures.sort_key)


@dataclass(frozen=True)
class RoundFigures:
    round: CoBudgetRound
    pool: int  # not yet allocated
    funded_total: int  # everything that came from outside, net of reversals
    allocated_unspent: int  # in members' wallets
    members: int
    matching_left: int | None = None  # in the matching pool, not yet reserved (None: no matching)
    matching_reserved: int = 0


def round_figures(call: CommonsCall) -> RoundFigures:
    round_ = call.cobudget_round
    assert round_ is not None
    ids = [round_.pool_account_id, round_.outside_account_id]
    accounts = _balances(ids + ([round_.matching_account_id] if round_.matching_account_id else []))
    matching = accounts.get(round_.matching_account_id or 0)
    wallets = db.session.execute(
        select(func.count(), func.coalesce(func.sum(LedgerAccount.balance), 0))
        .select_from(RoundMember)
        .join(LedgerAccount, LedgerAccount.id == RoundMember.wallet_account_id)
        .where(RoundMember.round_id == round_.id)
    ).one()
    return RoundFigures(
        round=round_,
        pool=accounts[round_.pool_account_id].balance,
        funded_total=-accounts[round_.outside_account_id].balance,
        allocated_unspent=int(wallets[1]),
        members=int(wallets[0]),
        matching_left=None if matching is None else matching.balance - matching.pending_out,
        matching_reserved=0 if matching is None else matching.pending_out,
    )


def wallet_balance(member: RoundMember | None) -> int | None:
    if member is None:
        return None
    return _balances([member.wallet_account_id])[member.wallet_account_id].balance


@dataclass(frozen=True)
class Gift:
    """One contribution to a project, as the public trail shows it."""

    journal_id: int
    amount: int
    at: datetime
    by: str
    reversed: bool
    on_behalf_of: str = ""
    via: tuple[str, ...] = ()


# A project page lists the latest gifts and payments; every one of them is in the round's public ledger.
LATEST_SHOWN = 20


@functools.cache  # built once, as _delegations_statement
def _gifts_statements() -> tuple[Select[Any], Select[Any]]:
    reversal = aliased(LedgerJournal)
    gift = (
        LedgerPosting.account_id == bindparam("funding"),
        LedgerPosting.amount > 0,
        LedgerJournal.kind == "contribute",
    )
    latest = (
        select(
            LedgerJournal.id,
            LedgerPosting.amount,
            LedgerJournal.created_at,
            User.display_name,
            reversal.id,
            LedgerJournal.delegation_id,
        )
        .join(LedgerPosting, LedgerPosting.journal_id == LedgerJournal.id)
        .outerjoin(User, User.id == LedgerJournal.actor_id)
        .outerjoin(reversal, reversal.reverses_id == LedgerJournal.id)
        .where(*gift)
        .order_by(LedgerJournal.id.desc())
        .limit(bindparam("limit"))
    )
    count = (
        select(func.count())
        .select_from(LedgerPosting)
        .join(LedgerJournal, LedgerJournal.id == LedgerPosting.journal_id)
        .where(*gift)
    )
    return latest, count


def gifts_to(project: CommonsProject, *, limit: int = LATEST_SHOWN) -> tuple[list[Gift], int]:
    """The latest contributions to the project, newest first, with whether each was given back; and how
    many there are in all."""
    funding = project.funding_account_id
    latest, count = _gifts_statements()
    rows = db.session.execute(latest, {"funding": funding, "limit": limit}).all()
    total = len(rows)
    if total == limit:
        total = int(db.session.scalar(count, {"funding": funding}) or 0)
    trail = Provenance(project.round_id)
    gifts = []
    for journal_id, amount, at, by, reversal_id, delegation_id in rows:
        origin, via = trail.of(delegation_id)
        gifts.append(Gift(journal_id, amount, at, by or "", reversal_id is not None, origin, via))
    return gifts, total


class Provenance:
    """Names along a delegation chain, read once per page: (origin member, the members it went through)."""

    def __init__(self, round_id: int) -> None:
        self.links = {
            d.id: d for d in db.session.scalars(select(Delegation).where(Delegation.round_id == round_id))
        }
        ids = {d.origin_id for d in self.links.values()} | {d.delegate_id for d in self.links.values()}
        rows = (
            db.session.execute(select(User.id, User.display_name).where(User.id.in_(ids))).all()
            if ids
            else []
        )
        self.names: dict[int, str | None] = dict(rows)  # type: ignore[arg-type]

    def of(self, delegation_id: int | None) -> tuple[str, tuple[str, ...]]:
        if delegation_id is None or delegation_id not in self.links:
            return "", ()
        chain = []
        current: int | None = delegation_id
        while current is not None:
            chain.append(self.links[current])
            current = self.links[current].parent_id
        chain.reverse()
        via = tuple(self.names.get(d.delegate_id) or "" for d in chain[:-1])
        return self.names.get(chain[0].origin_id) or "", via


@dataclass(frozen=True)
class PledgeRow:
    pending: LedgerPending
    need: CommonsNeed
    member: str


def pledges_of(project: CommonsProject, *, only_pending: bool = True) -> list[PledgeRow]:
    stmt = (
        select(LedgerPending, CommonsNeed, User.display_name)
        .join(CommonsNeed, CommonsNeed.account_id == LedgerPending.target_id)
        .outerjoin(User, User.id == LedgerPending.actor_id)
        .where(CommonsNeed.project_id == project.id)
        .order_by(LedgerPending.id)
    )
    if only_pending:
        stmt = stmt.where(LedgerPending.state == PendingState.PENDING)
    return [PledgeRow(p, n, name or "") for p, n, name in db.session.execute(stmt).all()]


def follower_count(project: CommonsProject) -> int:
    return int(
        db.session.scalar(
            select(func.count()).select_from(ProjectFollower).where(ProjectFollower.project_id == project.id)
        )
        or 0
    )


# --- the public ledger --------------------------------------------------------------------------


def round_account_labels(call: CommonsCall) -> dict[int, tuple[str, str]]:
    """Every account of the round → (kind, name) for the public ledger: pool, outside, wallets, projects, needs."""
    round_ = call.cobudget_round
    assert round_ is not None
    labels: dict[int, tuple[str, str]] = {
        round_.outside_account_id: ("outside", ""),
        round_.pool_account_id: ("pool", ""),
    }
    if round_.matching_account_id is not None:
        labels[round_.matching_account_id] = ("matching", "")
    for earmark_id, name in db.session.execute(
        select(Delegation.earmark_account_id, User.display_name)
        .join(User, User.id == Delegation.delegate_id)
        .where(Delegation.round_id == round_.id)
    ):
        labels[earmark_id] = ("earmark", name or "")
    for wallet_id, name in db.session.execute(
        select(RoundMember.wallet_account_id, User.display_name)
        .join(User, User.id == RoundMember.user_id)
        .where(RoundMember.round_id == round_.id)
    ):
        labels[wallet_id] = ("wallet", name or "")
    for account_id, title in db.session.execute(
        select(CommonsProject.funding_account_id, CommonsProject.title).where(
            CommonsProject.round_id == round_.id
        )
    ):
        labels[account_id] = ("project", title)
    for account_id, label, title in db.session.execute(
        select(CommonsNeed.account_id, CommonsNeed.label, CommonsProject.title)
        .join(CommonsProject, CommonsProject.id == CommonsNeed.project_id)
        .where(CommonsProject.round_id == round_.id)
    ):
        labels[account_id] = ("need", f"{title} — {label}")
    for account_id, title in db.session.execute(
        select(CrowdfundingCampaign.account_id, CommonsProject.title)
        .join(CommonsProject, CommonsProject.id == CrowdfundingCampaign.project_id)
        .where(CommonsProject.round_id == round_.id)
    ):
        labels[account_id] = ("campaign", title)
    return labels


@dataclass(frozen=True)
class LedgerLine:
    journal: LedgerJournal
    actor: str
    on_behalf_of: str
    legs: list[tuple[int, int, str, str, Unit]]  # account id, amount, account kind, account name, unit
    via: tuple[str, ...] = ()  # the delegates a delegated contribution went through


def _journal_ids(account_ids: Sequence[int]):  # type: ignore[no-untyped-def]
    return select(LedgerPosting.journal_id).where(LedgerPosting.account_id.in_(account_ids)).distinct()


def ledger_count(labels: dict[int, tuple[str, str]]) -> int:
    return int(
        db.session.scalar(select(func.count()).select_from(_journal_ids(list(labels)).subquery())) or 0
    )


def ledger_lines(
    labels: dict[int, tuple[str, str]],
    *,
    offset: int = 0,
    limit: int | None = None,
    round_id: int | None = None,
) -> list[LedgerLine]:
    """The round's journals, oldest first, with their legs on the round's accounts."""
    actor = aliased(User)
    behalf = aliased(User)
    stmt = (
        select(LedgerJournal, actor.display_name, behalf.display_name)
        .outerjoin(actor, actor.id == LedgerJournal.actor_id)
        .outerjoin(behalf, behalf.id == LedgerJournal.on_behalf_of_id)
        .where(LedgerJournal.id.in_(_journal_ids(list(labels))))
        .order_by(LedgerJournal.id)
        .offset(offset)
    )
    if limit is not None:
        stmt = stmt.limit(limit)
    rows = db.session.execute(stmt).all()
    ids = [journal.id for journal, _a, _b in rows]
    legs: dict[int, list[tuple[int, int, str, str, Unit]]] = defaultdict(list)
    offers: dict[int, tuple[str, str]] = {}
    if ids:
        for journal_id, account_id, amount, unit in db.session.execute(
            select(
                LedgerPosting.journal_id, LedgerPosting.account_id, LedgerPosting.amount, LedgerAccount.unit
            )
            .join(LedgerAccount, LedgerAccount.id == LedgerPosting.account_id)
            .where(LedgerPosting.journal_id.in_(ids))
            .order_by(LedgerPosting.id)
        ):
            kind, name = labels.get(account_id) or offers.setdefault(account_id, _offer_label(account_id))
            legs[journal_id].append((account_id, amount, kind, name, unit))
    trail = Provenance(round_id) if round_id is not None else None
    lines = []
    for journal, a, b in rows:
        via = trail.of(journal.delegation_id)[1] if trail and journal.kind == "contribute" else ()
        behalf = "" if journal.kind in PUBLIC_NAME_KINDS else (b or "")
        lines.append(LedgerLine(journal, _public_actor(journal, a), behalf, legs[journal.id], via))
    return lines


def _offer_label(account_id: int) -> tuple[str, str]:
    """An account outside the round's own: what a member offers (time, items), named by its member."""
    name = db.session.scalar(
        select(User.display_name)
        .join(LedgerAccount, LedgerAccount.owner_id == User.id)
        .where(LedgerAccount.id == account_id, LedgerAccount.kind == AccountKind.MEMBER_OFFER)
    )
    return ("offer", name or "")


def _public_actor(journal: LedgerJournal, name: str | None) -> str:
    # Money put into the pool is shown under the funder's public name (the memo), or as anonymous: never
    # under the account that recorded it.
    if journal.kind in PUBLIC_NAME_KINDS:
        return journal.memo
    return name or ""


def iter_ledger(labels: dict[int, tuple[str, str]], round_id: int, chunk: int = 500) -> Iterator[LedgerLine]:
    """Every journal of the round, in chunks (for the CSV and JSON exports)."""
    offset = 0
    while True:
        lines = ledger_lines(labels, offset=offset, limit=chunk, round_id=round_id)
        yield from lines
        if len(lines) < chunk:
            return
        offset += chunk


def pledge_unit(pending: LedgerPending) -> Unit:
    account = db.session.get(LedgerAccount, pending.target_id)
    assert account is not None
    return account.unit


@dataclass(frozen=True)
class MemberWallet:
    user: User
    balance: int


def member_wallets(call: CommonsCall) -> list[MemberWallet]:
    """The round's members and what is left in their allocation."""
    rows = db.session.execute(
        select(User, LedgerAccount.balance)
        .join(RoundMember, RoundMember.user_id == User.id)
        .join(LedgerAccount, LedgerAccount.id == RoundMember.wallet_account_id)
        .where(RoundMember.round_id == call.round_id)
        .order_by(User.display_name, User.id)
    ).all()
    return [MemberWallet(user, balance) for user, balance in rows]


@dataclass(frozen=True)
class DelegationRow:
    delegation: Delegation
    left: int
    origin: str
    truster: str
    delegate: str
    project: str


@functools.cache  # built once: a page runs it on every visit, and building it costs more than running it
def _delegations_statement() -> Select[Any]:
    truster, delegate, origin = aliased(User), aliased(User), aliased(User)
    user_id = bindparam("user_id")
    return (
        select(
            Delegation,
            LedgerAccount.balance,
            origin.display_name,
            truster.display_name,
            delegate.display_name,
            CommonsProject.title,
        )
        .join(LedgerAccount, LedgerAccount.id == Delegation.earmark_account_id)
        .join(origin, origin.id == Delegation.origin_id)
        .join(truster, truster.id == Delegation.truster_id)
        .join(delegate, delegate.id == Delegation.delegate_id)
        .outerjoin(CommonsProject, CommonsProject.id == Delegation.project_id)
        .where(Delegation.round_id == bindparam("round_id"))
        .where((Delegation.truster_id == user_id) | (Delegation.delegate_id == user_id))
        .order_by(Delegation.id)
    )


def delegations_of(call: CommonsCall, user_id: int) -> tuple[list[DelegationRow], list[DelegationRow]]:
    """(the delegations a member made, the live ones made to them), with what is left in each."""
    rows = db.session.execute(_delegations_statement(), {"round_id": call.round_id, "user_id": user_id}).all()
    made, received = [], []
    for d, left, o, t, g, title in rows:
        row = DelegationRow(d, left, o or "", t or "", g or "", title or "")
        if d.truster_id == user_id:
            made.append(row)
        if d.delegate_id == user_id and d.revoked_at is None:
            received.append(row)
    return made, received


def member_names(call: CommonsCall) -> list[tuple[int, str]]:
    return [
        (user_id, name or "")
        for user_id, name in db.session.execute(
            select(User.id, User.display_name)
            .join(RoundMember, RoundMember.user_id == User.id)
            .where(RoundMember.round_id == call.round_id, User.deleted_at.is_(None))
            .order_by(User.display_name, User.id)
        )
    ]


def latest_campaign(project: CommonsProject) -> CrowdfundingCampaign | None:
    return db.session.scalar(
        select(CrowdfundingCampaign)
        .where(CrowdfundingCampaign.project_id == project.id)
        .order_by(CrowdfundingCampaign.id.desc())
        .limit(1)
    )


@dataclass(frozen=True)
class Backing:
    amount: int
    backer: str
    at: datetime
    refunded: bool


def backers_of(campaign: CrowdfundingCampaign, *, limit: int = LATEST_SHOWN) -> tuple[list[Backing], int]:
    """A campaign's latest payments, newest first, under the backers' public names ("" for anonymous ones);
    and how many there are in all."""
    reversal = aliased(LedgerJournal)
    payment = (LedgerPosting.account_id == campaign.account_id, LedgerJournal.kind == "crowdfund")
    rows = db.session.execute(
        select(LedgerPosting.amount, LedgerJournal.memo, LedgerJournal.created_at, reversal.id)
        .join(LedgerJournal, LedgerJournal.id == LedgerPosting.journal_id)
        .outerjoin(reversal, reversal.reverses_id == LedgerJournal.id)
        .where(*payment)
        .order_by(LedgerJournal.id.desc())
        .limit(limit)
    ).all()
    total = len(rows)
    if total == limit:
        total = int(
            db.session.scalar(
                select(func.count())
                .select_from(LedgerPosting)
                .join(LedgerJournal, LedgerJournal.id == LedgerPosting.journal_id)
                .where(*payment)
            )
            or 0
        )
    return [
        Backing(amount, memo, at, reversed_id is not None) for amount, memo, at, reversed_id in rows
    ], total
