"""The ledger's books as Beancount text, so that a second, independent implementation checks they balance.

Every account is opened at the first journal's date under a root by kind (the outside world and funders
under Equity, pools, wallets, earmarks, projects, offers and needs under Assets); every posted journal is a
transaction with its postings; and every account ends with a ``balance`` assertion of its **cached**
balance, the day after the last journal. ``bean-check`` then verifies, with its own arithmetic, that each
transaction balances per commodity and that the postings add up to the balances Civic shows. Money is in
EUR (cents written as decimals); time, tokens and items are their own commodities. Pending transfers are
not postings: they are not in the books.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import date, timedelta

from sqlalchemy import select

from civic.commons.ledger_rules import Unit
from civic.commons.models import (
    AccountKind,
    CoBudgetRound,
    CommonsNeed,
    CommonsProject,
    CrowdfundingCampaign,
    Delegation,
    JournalStatus,
    LedgerAccount,
    LedgerJournal,
    LedgerPosting,
    RoundMember,
)
from civic.extensions import db

ROOTS = {
    AccountKind.EXTERNAL: "Equity:Outside",
    AccountKind.FUNDER: "Equity:Funders",
    AccountKind.ROUND_POOL: "Assets:Pools",
    AccountKind.MEMBER_WALLET: "Assets:Wallets",
    AccountKind.PROJECT_FUNDING: "Assets:Projects",
    AccountKind.DELEGATION_EARMARK: "Assets:Earmarks",
    AccountKind.MATCHING_POOL: "Assets:Matching",
    AccountKind.MEMBER_OFFER: "Assets:Offers",
    AccountKind.PROJECT_NEED: "Assets:Needs",
    AccountKind.CAMPAIGN: "Assets:Campaigns",
}
COMMODITIES = {Unit.EUR_CENTS: "EUR", Unit.TOKENS: "TOKENS", Unit.MINUTES: "MINUTES", Unit.ITEMS: "ITEMS"}


def account_name(account: LedgerAccount) -> str:
    return f"{ROOTS[account.kind]}:A{account.id}"


def amount_text(amount: int, unit: Unit) -> str:
    if unit is Unit.EUR_CENTS:
        sign = "-" if amount < 0 else ""
        return f"{sign}{abs(amount) // 100}.{abs(amount) % 100:02d} EUR"
    return f"{amount} {COMMODITIES[unit]}"


def _quoted(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', "'").replace("\n", " ") + '"'


def lines(
    accounts: Iterable[LedgerAccount],
    journals: Iterable[tuple[LedgerJournal, list[tuple[int, int]]]],
    asserted: set[int] | None = None,
) -> Iterator[str]:
    """Yield the books line by line (accounts opened, transactions, closing balance assertions)."""
    accounts = list(accounts)
    journals = list(journals)
    by_id = {a.id: a for a in accounts}
    first = min((j.created_at.date() for j, _ in journals), default=date(2026, 1, 1))
    last = max((j.created_at.date() for j, _ in journals), default=first)
    yield 'option "title" "Civic co-budget ledger"'
    yield 'option "operating_currency" "EUR"'
    yield ""
    for account in accounts:
        label = f"  ; {account.label}" if account.label else ""
        yield f"{first.isoformat()} open {account_name(account)} {COMMODITIES[account.unit]}{label}"
    yield ""
    for journal, legs in journals:
        narration = journal.memo or journal.kind
        yield f"{journal.created_at.date().isoformat()} * {_quoted(journal.kind)} {_quoted(narration)}"
        yield f'  civic_journal: "{journal.id}"'
        if journal.reverses_id is not None:
            yield f'  civic_reverses: "{journal.reverses_id}"'
        for account_id, amount in legs:
            account = by_id[account_id]
            yield f"  {account_name(account)}  {amount_text(amount, account.unit)}"
        yield ""
    after = (last + timedelta(days=1)).isoformat()
    for account in accounts:
        if asserted is not None and account.id not in asserted:
            continue
        # An explicit tolerance: Beancount would otherwise let a balance be off by one unit of its last digit.
        number, commodity = amount_text(account.balance, account.unit).split(" ")
        tolerance = "0.001" if account.unit is Unit.EUR_CENTS else "0"
        yield f"{after} balance {account_name(account)}  {number} ~ {tolerance} {commodity}"


def round_accounts(round_: CoBudgetRound) -> set[int]:
    """Every account a round owns: outside, pool, matching pool, wallets, earmarks, projects' funding and needs."""
    ids = {round_.outside_account_id, round_.pool_account_id}
    if round_.matching_account_id is not None:
        ids.add(round_.matching_account_id)
    ids |= set(
        db.session.scalars(select(RoundMember.wallet_account_id).where(RoundMember.round_id == round_.id))
    )
    ids |= set(
        db.session.scalars(select(Delegation.earmark_account_id).where(Delegation.round_id == round_.id))
    )
    projects = select(CommonsProject.id).where(CommonsProject.round_id == round_.id)
    ids |= set(
        db.session.scalars(
            select(CommonsProject.funding_account_id).where(CommonsProject.round_id == round_.id)
        )
    )
    ids |= set(db.session.scalars(select(CommonsNeed.account_id).where(CommonsNeed.project_id.in_(projects))))
    ids |= set(
        db.session.scalars(
            select(CrowdfundingCampaign.account_id).where(CrowdfundingCampaign.project_id.in_(projects))
        )
    )
    return ids


def export(round_: CoBudgetRound | None = None) -> str:
    """The ledger's books as Beancount text (posted journals only): the whole ledger, or one round's.

    A round's books hold every journal touching one of its accounts. Accounts it shares with other rounds
    (what a member offers, across every round they pledge in) are opened too but get no balance assertion:
    their cached balance counts other rounds' journals as well.
    """
    postings = select(LedgerPosting.journal_id, LedgerPosting.account_id, LedgerPosting.amount)
    journals_stmt = select(LedgerJournal).where(LedgerJournal.status == JournalStatus.POSTED)
    owned: set[int] | None = None
    if round_ is not None:
        owned = round_accounts(round_)
        touching = select(LedgerPosting.journal_id).where(LedgerPosting.account_id.in_(owned))
        postings = postings.where(LedgerPosting.journal_id.in_(touching))
        journals_stmt = journals_stmt.where(LedgerJournal.id.in_(touching))
    legs: dict[int, list[tuple[int, int]]] = {}
    for journal_id, account_id, amount in db.session.execute(
        postings.order_by(LedgerPosting.journal_id, LedgerPosting.account_id)
    ):
        legs.setdefault(journal_id, []).append((account_id, amount))
    used = (
        owned | {a for journal_legs in legs.values() for a, _ in journal_legs} if owned is not None else None
    )
    accounts_stmt = select(LedgerAccount).order_by(LedgerAccount.id)
    if used is not None:
        accounts_stmt = accounts_stmt.where(LedgerAccount.id.in_(used))
    accounts = list(db.session.scalars(accounts_stmt))
    journals = db.session.scalars(journals_stmt.order_by(LedgerJournal.id))
    text = lines(accounts, ((j, legs.get(j.id, [])) for j in journals), asserted=owned)
    return "\n".join(text) + "\n"
