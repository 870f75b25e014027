"""The co-budget's ledger arithmetic, pure: one double-entry journal, balances that follow from it, invariants.

``../shared/design/commons.md`` ("The ledger") is the specification; this module is its arithmetic, with no
database: the database layer (a later part of the appels à communs issue) keeps the same rules with ``CHECK``
constraints and triggers, and runs ``problems`` over what it stored. Everything here is integers: money in
euro cents, time in minutes of a skill, items in venue-days — a unit per account, never mixed.

Glossary
- **account**: what a balance belongs to (the outside world, a funder, a round's pool, a member's wallet, a
  project's funding, a delegation's earmark, a matching pool, a project's need). Its cached ``balance`` is
  the sum of its postings; ``pending_out``/``pending_in`` are two-phase reservations not yet posted; ``floor``
  (0 for wallets and pools) bounds ``balance - pending_out`` from below, ``cap`` (a project's maximum goal)
  bounds ``balance + pending_in`` from above; ``version`` counts its postings.
- **journal**: one business event, its postings summing to zero per unit. Posted once, never changed: a
  mistake or a refund is a **reversal** (``reverses``), and a journal is reversed at most once; a reversal is
  never itself reversed (post the original again instead).
- **pending transfer**: a pledge or a matching reservation, reserved first and then posted (fully or partly),
  voided, or expired — exactly once.
"""

from __future__ import annotations

import enum
import hashlib
import json
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace


class Unit(enum.StrEnum):
    EUR_CENTS = "eur_cents"
    TOKENS = "tokens"
    MINUTES = "minutes"
    ITEMS = "items"


class LedgerRefusal(Exception):
    """A journal that would break a rule of the ledger; nothing was posted. ``reason`` is a stable code."""

    def __init__(self, reason: str, account_id: int | None = None) -> None:
        super().__init__(reason if account_id is None else f"{reason} (account {account_id})")
        self.reason = reason
        self.account_id = account_id


# The reasons, worded for people by the layer above.
NOT_ENOUGH = "not_enough"  # a floor would be crossed: not enough left in the allocation, the pool, the wallet
OVER_CAP = "over_cap"  # a cap would be crossed: the project is fully funded
UNBALANCED = "unbalanced"  # the postings do not sum to zero per unit
ZERO_AMOUNT = "zero_amount"
UNKNOWN_ACCOUNT = "unknown_account"
EMPTY = "empty"
ALREADY_REVERSED = "already_reversed"
REVERSAL_OF_REVERSAL = "reversal_of_reversal"
UNKNOWN_JOURNAL = "unknown_journal"
DUPLICATE_KEY = "duplicate_key"
PENDING_SETTLED = "pending_settled"
OVER_PENDING = "over_pending"


@dataclass(frozen=True)
class Account:
    id: int
    unit: Unit
    balance: int = 0
    pending_out: int = 0
    pending_in: int = 0
    floor: int | None = 0  # None: may go negative (the outside world, whose balance mirrors what came in)
    cap: int | None = None
    version: int = 0

    def problem(self) -> str | None:
        """The bound this account's figures break, if any (the database's two CHECK constraints)."""
        if self.floor is not None and self.balance - self.pending_out < self.floor:
            return NOT_ENOUGH
        if self.cap is not None and self.balance + self.pending_in > self.cap:
            return OVER_CAP
        if self.pending_out < 0 or self.pending_in < 0:
            return OVER_PENDING
        return None


@dataclass(frozen=True)
class Posting:
    journal_id: int
    account_id: int
    amount: int
    account_version: int
    balance_after: int


@dataclass(frozen=True)
class Journal:
    id: int
    kind: str
    legs: tuple[tuple[int, int], ...]  # (account id, signed amount), as asked
    reverses: int | None = None
    key: str | None = None  # the idempotency key of the form that asked for it
    previous_hash: str = ""
    hash: str = ""


@dataclass
class Pending:
    """A two-phase transfer: reserved, then posted (fully or partly), voided or expired, exactly once."""

    id: int
    source: int
    target: int
    amount: int
    state: str = "pending"  # pending, posted, voided, expired
    posted: int = 0


GENESIS = "0" * 64


def journal_hash(
    previous: str, journal_id: int, kind: str, legs: Sequence[tuple[int, int]], reverses: int | None
) -> str:
    """The chained hash of a posted journal (tamper evidence): SHA-256 over the previous hash and its content."""
    content = json.dumps([previous, journal_id, kind, sorted(legs), reverses], separators=(",", ":"))
    return hashlib.sha256(content.encode()).hexdigest()


@dataclass
class Ledger:
    """An in-memory book with the database's rules: the reference the stored ledger is checked against."""

    accounts: dict[int, Account] = field(default_factory=dict)
    journals: dict[int, Journal] = field(default_factory=dict)
    postings: list[Posting] = field(default_factory=list)
    pending: dict[int, Pending] = field(default_factory=dict)
    reversed_by: dict[int, int] = field(default_factory=dict)

    def open(self, unit: Unit, *, floor: int | None = 0, cap: int | None = None) -> int:
        account_id = len(self.accounts) + 1
        self.accounts[account_id] = Account(account_id, unit, floor=floor, cap=cap)
        return account_id

    def balance(self, account_id: int) -> int:
        return self.accounts[account_id].balance

    # --- posting -------------------------------------------------------------------------------

    def post(
        self,
        kind: str,
        legs: Iterable[tuple[int, int]],
        *,
        reverses: int | None = None,
        key: str | None = None,
    ) -> Journal:
        """Post one journal: all its legs or none. Raises ``LedgerRefusal`` and leaves the book unchanged."""
        legs = tuple(legs)
        if key is not None and any(j.key == key for j in self.journals.values()):
            raise LedgerRefusal(DUPLICATE_KEY)
        updated = apply(self.accounts, legs)
        journal_id = len(self.journals) + 1
        previous = self._last_hash()
        journal = Journal(
            journal_id,
            kind,
            legs,
            reverses,
            key,
            previous,
            journal_hash(previous, journal_id, kind, legs, reverses),
        )
        running = {a: self.accounts[a] for a in updated}
        for account_id, amount in sorted(
            legs, key=lambda leg: leg[0]
        ):  # ascending ids, as the database locks
            before = running[account_id]
            after = replace(before, balance=before.balance + amount, version=before.version + 1)
            running[account_id] = after
            self.postings.append(Posting(journal_id, account_id, amount, after.version, after.balance))
        self.accounts.update(updated)
        self.journals[journal_id] = journal
        return journal

    def reverse(self, journal_id: int, *, kind: str = "reversal", key: str | None = None) -> Journal:
        """Post the reversal of a journal (every leg negated): money goes back to where it came from."""
        original = self.journals.get(journal_id)
        if original is None:
            raise LedgerRefusal(UNKNOWN_JOURNAL)
        if original.reverses is not None:
            raise LedgerRefusal(REVERSAL_OF_REVERSAL)
        if journal_id in self.reversed_by:
            raise LedgerRefusal(ALREADY_REVERSED)
        reversal = self.post(
            kind, [(a, -amount) for a, amount in original.legs], reverses=journal_id, key=key
        )
        self.reversed_by[journal_id] = reversal.id
        return reversal

    def _last_hash(self) -> str:
        return self.journals[len(self.journals)].hash if self.journals else GENESIS

    # --- two-phase transfers --------------------------------------------------------------------

    def reserve(self, source: int, target: int, amount: int) -> Pending:
        """Reserve ``amount`` from ``source`` to ``target`` (a pledge, a matching reservation)."""
        if amount <= 0:
            raise LedgerRefusal(ZERO_AMOUNT)
        for account_id in (source, target):
            if account_id not in self.accounts:
                raise LedgerRefusal(UNKNOWN_ACCOUNT, account_id)
        if self.accounts[source].unit != self.accounts[target].unit:
            raise LedgerRefusal(UNBALANCED)
        out = replace(self.accounts[source], pending_out=self.accounts[source].pending_out + amount)
        into = replace(self.accounts[target], pending_in=self.accounts[target].pending_in + amount)
        for account in (out, into):
            if (problem := account.problem()) is not None:
                raise LedgerRefusal(problem, account.id)
        self.accounts[source], self.accounts[target] = out, into
        pending = Pending(len(self.pending) + 1, source, target, amount)
        self.pending[pending.id] = pending
        return pending

    def settle(self, pending_id: int, amount: int | None = None, *, kind: str = "deliver") -> Journal | None:
        """Post a pending transfer, fully or partly (``amount``); the rest is released. Once only."""
        pending = self._open_pending(pending_id)
        amount = pending.amount if amount is None else amount
        if amount < 0 or amount > pending.amount:
            raise LedgerRefusal(OVER_PENDING)
        self._release(pending)
        journal = None
        if amount:
            try:
                journal = self.post(kind, [(pending.source, -amount), (pending.target, amount)])
            except LedgerRefusal:
                self._hold(pending)
                raise
        pending.state, pending.posted = "posted", amount
        return journal

    def void(self, pending_id: int, *, expired: bool = False) -> None:
        """Cancel a pending transfer (voided by a person, or expired): nothing is posted."""
        pending = self._open_pending(pending_id)
        self._release(pending)
        pending.state = "expired" if expired else "voided"

    def _open_pending(self, pending_id: int) -> Pending:
        pending = self.pending.get(pending_id)
        if pending is None or pending.state != "pending":
            raise LedgerRefusal(PENDING_SETTLED)
        return pending

    def _release(self, pending: Pending) -> None:
        source, target = self.accounts[pending.source], self.accounts[pending.target]
        self.accounts[pending.source] = replace(source, pending_out=source.pending_out - pending.amount)
        self.accounts[pending.target] = replace(target, pending_in=target.pending_in - pending.amount)

    def _hold(self, pending: Pending) -> None:
        source, target = self.accounts[pending.source], self.accounts[pending.target]
        self.accounts[pending.source] = replace(source, pending_out=source.pending_out + pending.amount)
        self.accounts[pending.target] = replace(target, pending_in=target.pending_in + pending.amount)


def apply(accounts: Mapping[int, Account], legs: Sequence[tuple[int, int]]) -> dict[int, Account]:
    """Return the accounts a journal touches as they would be after it, or refuse it.

    The rules of the database's posting function: at least one leg, no zero amount, known accounts, zero sum
    per unit, and no account past its floor or cap afterwards (accounts taken in ascending id order, as the
    database locks them).
    """
    if not legs:
        raise LedgerRefusal(EMPTY)
    sums: dict[Unit, int] = defaultdict(int)
    deltas: dict[int, int] = defaultdict(int)
    for account_id, amount in legs:
        if amount == 0:
            raise LedgerRefusal(ZERO_AMOUNT, account_id)
        account = accounts.get(account_id)
        if account is None:
            raise LedgerRefusal(UNKNOWN_ACCOUNT, account_id)
        sums[account.unit] += amount
        deltas[account_id] += amount
    if any(sums.values()):
        raise LedgerRefusal(UNBALANCED)
    updated = {}
    for account_id in sorted(deltas):
        before = accounts[account_id]
        after = replace(
            before,
            balance=before.balance + deltas[account_id],
            version=before.version + sum(1 for a, _ in legs if a == account_id),
        )
        if (problem := after.problem()) is not None:
            raise LedgerRefusal(problem, account_id)
        updated[account_id] = after
    return updated


def problems(ledger: Ledger) -> list[str]:
    """Every broken invariant of the design's "Checks", in a stable order (empty when the books hold).

    Each balance is the sum of its postings and its last ``balance_after``; posting versions run 1, 2, 3…
    without gaps; every journal sums to zero per unit; the total over all accounts is zero per unit; every
    account is within its floor and cap; pending figures equal the open pending transfers; each journal is
    reversed at most once and no reversal is reversed; the hash chain verifies.
    """
    found: list[str] = []
    by_account: dict[int, list[Posting]] = defaultdict(list)
    for posting in ledger.postings:
        by_account[posting.account_id].append(posting)
    for account in ledger.accounts.values():
        rows = by_account.get(account.id, [])
        if sum(p.amount for p in rows) != account.balance:
            found.append(f"account {account.id}: balance is not the sum of its postings")
        if rows and rows[-1].balance_after != account.balance:
            found.append(f"account {account.id}: balance is not its last posting's balance_after")
        if [p.account_version for p in rows] != list(range(1, len(rows) + 1)) or account.version != len(rows):
            found.append(f"account {account.id}: posting versions have gaps")
        if (problem := account.problem()) is not None:
            found.append(f"account {account.id}: {problem}")
    units = {a.id: a.unit for a in ledger.accounts.values()}
    for journal in ledger.journals.values():
        sums: dict[Unit, int] = defaultdict(int)
        for account_id, amount in journal.legs:
            sums[units[account_id]] += amount
        if any(sums.values()):
            found.append(f"journal {journal.id}: does not balance")
    totals: dict[Unit, int] = defaultdict(int)
    for account in ledger.accounts.values():
        totals[account.unit] += account.balance
    found.extend(f"unit {unit}: accounts sum to {total}, not 0" for unit, total in totals.items() if total)
    pending_out: dict[int, int] = defaultdict(int)
    pending_in: dict[int, int] = defaultdict(int)
    for pending in ledger.pending.values():
        if pending.state == "pending":
            pending_out[pending.source] += pending.amount
            pending_in[pending.target] += pending.amount
    for account in ledger.accounts.values():
        if account.pending_out != pending_out[account.id] or account.pending_in != pending_in[account.id]:
            found.append(f"account {account.id}: pending figures differ from the open pending transfers")
    reversed_count: dict[int, int] = defaultdict(int)
    for journal in ledger.journals.values():
        if journal.reverses is not None:
            reversed_count[journal.reverses] += 1
            if ledger.journals[journal.reverses].reverses is not None:
                found.append(f"journal {journal.id}: reverses a reversal")
    found.extend(f"journal {j}: reversed {n} times" for j, n in reversed_count.items() if n > 1)
    previous = GENESIS
    for journal_id in sorted(ledger.journals):
        journal = ledger.journals[journal_id]
        expected = journal_hash(previous, journal.id, journal.kind, journal.legs, journal.reverses)
        if journal.previous_hash != previous or journal.hash != expected:
            found.append(f"journal {journal.id}: the hash chain breaks")
        previous = journal.hash
    return found


# --- delegation --------------------------------------------------------------------------------

MAX_DELEGATION_DEPTH = 3


@dataclass(frozen=True)
class Delegation:
    """A member's allocation (all or part) handed to another member, who may hand it on (depth ≤ 3)."""

    id: int
    truster: int  # member id
    delegate: int  # member id
    parent: int | None = None  # the delegation this one re-delegates (sub-delegation)
    revoked: bool = False


def chain(delegations: Mapping[int, Delegation], delegation_id: int) -> list[Delegation]:
    """Return the delegation and its parents, origin first (A → B, B → C, ... ending with this one)."""
    links: list[Delegation] = []
    seen: set[int] = set()
    current: int | None = delegation_id
    while current is not None:
        if current in seen:
            raise ValueError("delegation cycle")
        seen.add(current)
        link = delegations[current]
        links.append(link)
        current = link.parent
    return list(reversed(links))


def may_delegate(
    delegations: Mapping[int, Delegation], *, truster: int, delegate: int, parent: int | None = None
) -> str | None:
    """Return why this delegation is refused (None when it may be made).

    Refused: to oneself; a sub-delegation of a delegation that is not the truster's own, or revoked; deeper
    than ``MAX_DELEGATION_DEPTH``; back to anyone already in the chain (no cycle, no money going round).
    """
    if truster == delegate:
        return "self"
    if parent is None:
        return None
    if parent not in delegations:
        return "unknown"
    links = chain(delegations, parent)
    if links[-1].delegate != truster or any(link.revoked for link in links):
        return "not_yours"
    if len(links) + 1 > MAX_DELEGATION_DEPTH:
        return "too_deep"
    if delegate in {links[0].truster, *(link.delegate for link in links)}:
        return "cycle"
    return None


def provenance(delegations: Mapping[int, Delegation], delegation_id: int) -> tuple[int, list[int], int]:
    """Return (origin member, members it went through, the member who spends): "given by Y on behalf of A, via B"."""
    links = chain(delegations, delegation_id)
    return links[0].truster, [link.delegate for link in links[:-1]], links[-1].delegate


# --- matching, goals, indicative value ---------------------------------------------------------


def match_for(
    contribution: int,
    *,
    ratio: tuple[int, int],
    per_contribution_cap: int | None,
    member_left: int | None,
    project_left: int | None,
    pool_left: int,
) -> int:
    """The matching amount reserved for one contribution: ratio × amount, rounded down, within every cap.

    Deterministic (integers only), never negative; reserved at the contribution and posted at the close, so
    the match a page shows never goes down while the round is open.
    """
    numerator, denominator = ratio
    if contribution <= 0 or numerator <= 0 or denominator <= 0:
        return 0
    amount = contribution * numerator // denominator
    for bound in (per_contribution_cap, member_left, project_left, pool_left):
        if bound is not None:
            amount = min(amount, max(bound, 0))
    return amount


@dataclass(frozen=True)
class BudgetLine:
    label: str
    minimum: int
    maximum: int


def goals(lines: Sequence[BudgetLine]) -> tuple[int, int]:
    """The project's minimum and maximum goals: the sums of its budget lines' minimums and maximums."""
    return sum(line.minimum for line in lines), sum(line.maximum for line in lines)


def is_funded(raised: int, lines: Sequence[BudgetLine], *, closed: bool) -> bool:
    """Funded once the maximum is reached, at any time; or at the close, once the minimum is."""
    minimum, maximum = goals(lines)
    return raised >= maximum or (closed and raised >= minimum)


# The SMIC's gross hourly rate in euro cents (France, 1 November 2024; the town may configure another).
SMIC_HOURLY_CENTS = 11_88
SKILL_MULTIPLIERS = {1: 1, 2: 2, 3: 3}


def indicative_value_cents(minutes: int, level: int, *, smic_hourly_cents: int = SMIC_HOURLY_CENTS) -> int:
    """The indicative value of volunteer time: 1–3 × the SMIC hourly rate by skill level, rounded down.

    Shown labelled as indicative, never added to money.
    """
    if level not in SKILL_MULTIPLIERS:
        raise ValueError("skill level must be 1, 2 or 3")
    return minutes * smic_hourly_cents * SKILL_MULTIPLIERS[level] // 60


# --- crowdfunding -------------------------------------------------------------------------------

CAMPAIGN_MIN_DAYS = 20
CAMPAIGN_MAX_DAYS = 90


def campaign_length_ok(days: int) -> bool:
    """A crowdfunding campaign runs 20 to 90 days: long enough to be relayed, short enough to keep momentum."""
    return CAMPAIGN_MIN_DAYS <= days <= CAMPAIGN_MAX_DAYS


def campaign_outcome(raised: int, target: int) -> bool:
    """All or nothing: the campaign succeeds only with its whole target raised."""
    return raised >= target
