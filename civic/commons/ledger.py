"""Posting to the stored ledger, one journal per transaction step, and checking the whole book.

``post`` is the only way money, time or items move (``../shared/design/commons.md``, "Posting a journal"):
in the caller's transaction, inside a savepoint, it first takes the chain's head row (an UPDATE: on SQLite
the write lock, on PostgreSQL a row lock, so journals are chained one after the other and no deferred SQLite
transaction can meet a stale snapshot), inserts the journal as a draft, updates each account **in ascending
id order** (the accounts' CHECKs refuse any overdraft or over-funding, whatever runs at the same time),
inserts the postings, marks the journal posted (a trigger checks it balances per unit) and moves the head.
A refusal rolls the savepoint back and raises ``LedgerRefusal`` with a stable reason; nothing is written.

``problems`` verifies, with a few aggregate queries and one pass over the postings, every invariant the
design lists; ``civic ledger check`` prints the first broken one and exits 1.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from contextlib import nullcontext
from datetime import datetime
from typing import NamedTuple

from sqlalchemy import func, select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import make_transient_to_detached

from civic.commons import ledger_rules as rules
from civic.commons.ledger_rules import LedgerRefusal, Unit
from civic.commons.models import (
    AccountKind,
    JournalStatus,
    LedgerAccount,
    LedgerHead,
    LedgerJournal,
    LedgerPending,
    LedgerPosting,
    PendingState,
)
from civic.core.time import utcnow
from civic.extensions import db

# Constraint names (naming convention: ck_<table>_<name>, uq_...) -> the refusal they mean.
_REFUSALS = (
    ("within_floor", rules.NOT_ENOUGH),
    ("within_cap", rules.OVER_CAP),
    ("pending_not_negative", rules.OVER_PENDING),
    ("uq_ledger_journal_reverses", rules.ALREADY_REVERSED),
    ("uq_ledger_journal_idempotency_key", rules.DUPLICATE_KEY),
    ("balance per unit", rules.UNBALANCED),
    ("amount_not_zero", rules.ZERO_AMOUNT),
)


def _refusal(error: IntegrityError) -> LedgerRefusal:
    message = str(error.orig)
    for name, reason in _REFUSALS:
        if name in message:
            return LedgerRefusal(reason)
    if "CHECK constraint failed" in message or "violates check constraint" in message:
        return LedgerRefusal(rules.NOT_ENOUGH)
    raise error


def open_account(
    kind: AccountKind,
    unit: Unit,
    *,
    owner_id: int | None = None,
    label: str = "",
    floor: int | None = 0,
    cap: int | None = None,
) -> LedgerAccount:
    """Open an account (flushed). ``floor=None`` only for the outside world, whose balance goes negative."""
    account = LedgerAccount(kind=kind, unit=unit, owner_id=owner_id, label=label, floor=floor, cap=cap)
    db.session.add(account)
    db.session.flush()
    return account


# The hot statements are built once (building a statement costs about as much as running it on SQLite).
_TAKE_HEAD = text("UPDATE ledger_head SET sequence = sequence + 1 WHERE id = 1 RETURNING last_hash")
_SHIFT = {
    column: text(
        f"UPDATE ledger_account SET {column} = {column} + :a WHERE id = :id "  # noqa: S608
        "RETURNING balance, pending_in, pending_out"
    )
    for column in ("pending_out", "pending_in")
}
_NEW_PENDING = LedgerPending.__table__.insert().returning(LedgerPending.__table__.c.id)


def take_head() -> str:
    """Take the ledger's head row for the rest of the transaction (callers that read, then post)."""
    return _take_head()


def _take_head() -> str:
    """Take the chain's head row (a write first: the lock) and return the last posted journal's hash."""
    row = db.session.execute(_TAKE_HEAD).first()
    if row is None:  # a brand-new ledger: create the head once, whoever comes first
        db.session.execute(
            text(
                "INSERT INTO ledger_head (id, sequence, last_hash) VALUES (1, 0, :g) ON CONFLICT DO NOTHING"
            ),
            {"g": rules.GENESIS},
        )
        row = db.session.execute(_TAKE_HEAD).one()
    return str(row[0])


def _net(legs: Iterable[tuple[int, int]]) -> list[tuple[int, int]]:
    """One leg per account (the sum of what was asked for it), in ascending account id order."""
    net: dict[int, int] = defaultdict(int)
    for account_id, amount in legs:
        net[account_id] += amount
    return sorted(net.items())


class After(NamedTuple):
    """An account's figures right after a posting or a reservation (read back by the UPDATE itself)."""

    balance: int
    pending_in: int
    pending_out: int


def post(
    kind: str,
    legs: Iterable[tuple[int, int]],
    *,
    actor_id: int | None = None,
    on_behalf_of_id: int | None = None,
    delegation_id: int | None = None,
    reverses_id: int | None = None,
    key: str | None = None,
    memo: str = "",
) -> LedgerJournal:
    """Post one journal in the caller's transaction (flushed, not committed), or raise ``LedgerRefusal``.

    ``key`` is the idempotency key of the form that asked: a second post with the same key (a double
    click) returns the journal already posted and posts nothing.
    """
    journal, _after = post_reading(
        kind,
        legs,
        actor_id=actor_id,
        on_behalf_of_id=on_behalf_of_id,
        delegation_id=delegation_id,
        reverses_id=reverses_id,
        key=key,
        memo=memo,
    )
    return journal


def post_reading(
    kind: str,
    legs: Iterable[tuple[int, int]],
    *,
    actor_id: int | None = None,
    on_behalf_of_id: int | None = None,
    delegation_id: int | None = None,
    reverses_id: int | None = None,
    key: str | None = None,
    memo: str = "",
    head: str | None = None,
    savepoint: bool = True,
) -> tuple[LedgerJournal, dict[int, After]]:
    """``post``, also returning each account's figures after it (empty for a replayed key).

    ``head`` is for a caller that took the chain's head itself (``take_head``, then read, then post) and
    has posted nothing since: the hash it returned, and the caller has already looked for ``key``.
    ``savepoint=False`` is for a caller whose whole transaction is rolled back on a refusal.
    """
    net = _net(legs)
    if not net:
        raise LedgerRefusal(rules.EMPTY)
    if any(amount == 0 for _a, amount in net):
        raise LedgerRefusal(rules.ZERO_AMOUNT)
    if sum(amount for _a, amount in net):  # unbalanced whatever the units (per unit: checked below)
        raise LedgerRefusal(rules.UNBALANCED)
    if key is not None and head is None:
        existing = db.session.scalar(select(LedgerJournal).where(LedgerJournal.idempotency_key == key))
        if existing is not None:
            return existing, {}
    try:
        with db.session.begin_nested() if savepoint else nullcontext():
            return _post(kind, net, actor_id, on_behalf_of_id, delegation_id, reverses_id, key, memo, head)
    except IntegrityError as error:
        if not savepoint:
            raise _refusal(error) from error
        if key is not None and "idempotency_key" in str(error.orig):
            existing = db.session.scalar(select(LedgerJournal).where(LedgerJournal.idempotency_key == key))
            if existing is not None:
                return existing, {}
        raise _refusal(error) from error


_MOVE = text(
    "UPDATE ledger_account SET balance = balance + :delta, version = version + 1 "
    "WHERE id = :id RETURNING balance, version, unit, pending_in, pending_out"
)
_NEW_JOURNAL = LedgerJournal.__table__.insert().returning(LedgerJournal.__table__.c.id)
_POSTED = text("UPDATE ledger_journal SET status = 'posted', hash = :h WHERE id = :id")
_HEAD_MOVES = text("UPDATE ledger_head SET last_journal_id = :j, last_hash = :h WHERE id = 1")


def _post(
    kind: str,
    net: Sequence[tuple[int, int]],
    actor_id: int | None,
    on_behalf_of_id: int | None,
    delegation_id: int | None,
    reverses_id: int | None,
    key: str | None,
    memo: str,
    head: str | None,
) -> tuple[LedgerJournal, dict[int, After]]:
    previous = head if head is not None else _take_head()
    values = {
        "kind": kind,
        "status": JournalStatus.DRAFT,
        "actor_id": actor_id,
        "on_behalf_of_id": on_behalf_of_id,
        "delegation_id": delegation_id,
        "reverses_id": reverses_id,
        "idempotency_key": key,
        "memo": memo[:500],
        "created_at": utcnow(),
        "previous_hash": previous,
        "hash": "",
    }
    # A Core insert (the ORM's unit of work costs more than the statement); the journal object is then
    # attached to the session as loaded, with the values just written.
    journal_id = db.session.execute(_NEW_JOURNAL, values).scalar_one()
    postings = []
    after: dict[int, After] = {}
    sums: dict[Unit, int] = defaultdict(int)
    for account_id, amount in net:  # ascending ids: concurrent journals lock accounts in the same order
        row = db.session.execute(_MOVE, {"delta": amount, "id": account_id}).first()
        if row is None:
            raise LedgerRefusal(rules.UNKNOWN_ACCOUNT)
        balance, version, unit, pending_in, pending_out = row
        sums[Unit(unit)] += amount
        after[account_id] = After(int(balance), int(pending_in), int(pending_out))
        postings.append(
            {
                "journal_id": journal_id,
                "account_id": account_id,
                "amount": amount,
                "account_version": version,
                "balance_after": balance,
            }
        )
    if any(sums.values()):  # the savepoint rolls the moves back
        raise LedgerRefusal(rules.UNBALANCED)
    db.session.execute(LedgerPosting.__table__.insert(), postings)
    digest = rules.journal_hash(previous, journal_id, kind, list(net), reverses_id)
    db.session.execute(_POSTED, {"h": digest, "id": journal_id})  # the trigger checks it balances
    db.session.execute(_HEAD_MOVES, {"j": journal_id, "h": digest})
    journal = LedgerJournal(id=journal_id, **(values | {"status": JournalStatus.POSTED, "hash": digest}))
    make_transient_to_detached(journal)
    db.session.add(journal)
    return journal, after


def legs_of(journal: LedgerJournal) -> list[tuple[int, int]]:
    rows = db.session.execute(
        select(LedgerPosting.account_id, LedgerPosting.amount)
        .where(LedgerPosting.journal_id == journal.id)
        .order_by(LedgerPosting.account_id)
    )
    return [(int(a), int(n)) for a, n in rows]


def reverse(
    journal_id: int,
    *,
    actor_id: int | None = None,
    kind: str = "reversal",
    key: str | None = None,
    memo: str = "",
) -> LedgerJournal:
    """Post the reversal of a journal: every posting negated, money back where it came from. Once only."""
    original = db.session.get(LedgerJournal, journal_id)
    if original is None or original.status is not JournalStatus.POSTED:
        raise LedgerRefusal(rules.UNKNOWN_JOURNAL)
    if original.reverses_id is not None:
        raise LedgerRefusal(rules.REVERSAL_OF_REVERSAL)
    if db.session.scalar(select(LedgerJournal.id).where(LedgerJournal.reverses_id == journal_id)) is not None:
        raise LedgerRefusal(rules.ALREADY_REVERSED)
    legs = [(account_id, -amount) for account_id, amount in legs_of(original)]
    return post(kind, legs, actor_id=actor_id, reverses_id=journal_id, key=key, memo=memo)


# --- two-phase transfers -----------------------------------------------------------------------------


def reserve(
    kind: str,
    source_id: int,
    target_id: int,
    amount: int,
    *,
    actor_id: int | None = None,
    expires_at: datetime | None = None,
    key: str | None = None,
) -> LedgerPending:
    """Reserve ``amount`` from source to target (a pledge, a matching reservation); the CHECKs bound it.

    ``key``: as for ``post``, a second reservation with the same key returns the first one.
    """
    pending_id, _after = reserve_reading(
        kind, source_id, target_id, amount, actor_id=actor_id, expires_at=expires_at, key=key
    )
    pending = db.session.get(LedgerPending, pending_id)
    assert pending is not None
    return pending


def reserve_reading(
    kind: str,
    source_id: int,
    target_id: int,
    amount: int,
    *,
    actor_id: int | None = None,
    expires_at: datetime | None = None,
    savepoint: bool = True,
    key: str | None = None,
) -> tuple[int, dict[int, After]]:
    """``reserve``, returning the pending transfer's id and both accounts' figures after it (none when
    ``key`` was reserved already; ``savepoint``: as for ``post_reading``)."""
    if amount <= 0:
        raise LedgerRefusal(rules.ZERO_AMOUNT)
    if source_id == target_id:
        raise LedgerRefusal(rules.UNBALANCED)
    if key is not None and (existing := _reserved_with(key)) is not None:
        return existing, {}
    values = {
        "kind": kind,
        "source_id": source_id,
        "target_id": target_id,
        "amount": amount,
        "state": PendingState.PENDING,
        "posted_amount": 0,
        "expires_at": expires_at,
        "journal_id": None,
        "actor_id": actor_id,
        "created_at": utcnow(),
        "idempotency_key": key,
    }
    try:
        with db.session.begin_nested() if savepoint else nullcontext():
            after = _shift_pending(source_id, target_id, amount)
            pending_id = int(db.session.execute(_NEW_PENDING, values).scalar_one())
    except IntegrityError as error:
        # The same form posted twice at once: the other request reserved it first.
        replayed = savepoint and key is not None and "idempotency_key" in str(error.orig)
        if replayed and key is not None and (existing := _reserved_with(key)) is not None:
            return existing, {}
        raise _refusal(error) from error
    return pending_id, after


def _reserved_with(key: str) -> int | None:
    return db.session.scalar(select(LedgerPending.id).where(LedgerPending.idempotency_key == key))


def _shift_pending(source_id: int, target_id: int, amount: int) -> dict[int, After]:
    """Add ``amount`` (negative: release) to the source's pending_out and the target's pending_in, in id order."""
    after = {}
    for account_id, column in sorted(((source_id, "pending_out"), (target_id, "pending_in"))):
        row = db.session.execute(_SHIFT[column], {"a": amount, "id": account_id}).first()
        if row is None:
            raise LedgerRefusal(rules.UNKNOWN_ACCOUNT, account_id)
        after[account_id] = After(int(row[0]), int(row[1]), int(row[2]))
    return after


def _release(pending: LedgerPending) -> None:
    _shift_pending(pending.source_id, pending.target_id, -pending.amount)


def _claim(pending_id: int, state: PendingState, *, posted: int = 0, journal_id: int | None = None) -> None:
    """Move a pending transfer out of "pending" (once: of two at the same time, one changes the row)."""
    claimed = db.session.execute(
        text(
            "UPDATE ledger_pending SET state = :s, posted_amount = :p, journal_id = :j "
            "WHERE id = :id AND state = 'pending'"
        ),
        {"s": state.value, "p": posted, "j": journal_id, "id": pending_id},
    )
    if claimed.rowcount != 1:  # type: ignore[attr-defined]
        raise LedgerRefusal(rules.PENDING_SETTLED)


def _open_pending(pending_id: int) -> LedgerPending:
    pending = db.session.get(LedgerPending, pending_id, populate_existing=True)
    if pending is None or pending.state is not PendingState.PENDING:
        raise LedgerRefusal(rules.PENDING_SETTLED)
    return pending


def settle(
    pending_id: int, amount: int | None = None, *, kind: str = "deliver", actor_id: int | None = None
) -> LedgerJournal | None:
    """Post a pending transfer, fully or partly; the rest is released. Exactly once, whatever the race."""
    with db.session.begin_nested():
        pending = _open_pending(pending_id)
        amount = pending.amount if amount is None else amount
        if amount < 0 or amount > pending.amount:
            raise LedgerRefusal(rules.OVER_PENDING)
        _release(pending)
        journal = None
        if amount:
            journal = post(
                kind, [(pending.source_id, -amount), (pending.target_id, amount)], actor_id=actor_id
            )
        _claim(pending_id, PendingState.POSTED, posted=amount, journal_id=journal.id if journal else None)
    db.session.expire(pending)
    return journal


def void(pending_id: int, *, expired: bool = False) -> None:
    """Cancel a pending transfer (voided, or expired): nothing is posted, the reservation is released."""
    with db.session.begin_nested():
        pending = _open_pending(pending_id)
        _release(pending)
        _claim(pending_id, PendingState.EXPIRED if expired else PendingState.VOIDED)
    db.session.expire(pending)


def journal_count() -> int:
    return int(db.session.scalar(select(func.count()).select_from(LedgerJournal)) or 0)


# --- the check -----------------------------------------------------------------------------------------


def problems(*, now: datetime | None = None) -> list[str]:
    """Every broken invariant of the stored ledger, in a stable order (empty when the books hold)."""
    found: list[str] = []
    per_account = (
        select(
            LedgerPosting.account_id.label("account_id"),
            func.sum(LedgerPosting.amount).label("total"),
            func.count().label("n"),
            func.max(LedgerPosting.account_version).label("top"),
        )
        .group_by(LedgerPosting.account_id)
        .subquery()
    )
    rows = db.session.execute(
        select(
            LedgerAccount.id,
            LedgerAccount.balance,
            LedgerAccount.version,
            per_account.c.total,
            per_account.c.n,
            per_account.c.top,
        )
        .outerjoin(per_account, per_account.c.account_id == LedgerAccount.id)
        .order_by(LedgerAccount.id)
    ).all()
    for account_id, balance, version, total, n, top in rows:
        if balance != (total or 0):
            found.append(
                f"account {account_id}: balance {balance} is not the sum of its postings ({total or 0})"
            )
        if version != (n or 0) or (top or 0) != (n or 0):
            found.append(f"account {account_id}: posting versions have gaps")
    for account_id, balance, after in db.session.execute(
        select(LedgerAccount.id, LedgerAccount.balance, LedgerPosting.balance_after)
        .join(LedgerPosting, LedgerPosting.account_id == LedgerAccount.id)
        .where(
            LedgerPosting.account_version == LedgerAccount.version,
            LedgerPosting.balance_after != LedgerAccount.balance,
        )
    ):
        found.append(
            f"account {account_id}: balance {balance} is not its last posting's balance_after ({after})"
        )
    for (journal_id,) in db.session.execute(
        select(LedgerPosting.journal_id)
        .join(LedgerAccount, LedgerAccount.id == LedgerPosting.account_id)
        .group_by(LedgerPosting.journal_id, LedgerAccount.unit)
        .having(func.sum(LedgerPosting.amount) != 0)
        .order_by(LedgerPosting.journal_id)
    ):
        found.append(f"journal {journal_id}: does not balance")
    for unit, total in db.session.execute(
        select(LedgerAccount.unit, func.sum(LedgerAccount.balance))
        .group_by(LedgerAccount.unit)
        .having(func.sum(LedgerAccount.balance) != 0)
    ):
        found.append(f"unit {unit}: accounts sum to {total}, not 0")
    found.extend(_pending_problems(now or utcnow()))
    found.extend(_chain_problems())
    return found


def _pending_problems(now: datetime) -> list[str]:
    found = []
    open_ = LedgerPending.state == PendingState.PENDING
    out = {
        int(a): int(n)
        for a, n in db.session.execute(
            select(LedgerPending.source_id, func.sum(LedgerPending.amount))
            .where(open_)
            .group_by(LedgerPending.source_id)
        )
    }
    into = {
        int(a): int(n)
        for a, n in db.session.execute(
            select(LedgerPending.target_id, func.sum(LedgerPending.amount))
            .where(open_)
            .group_by(LedgerPending.target_id)
        )
    }
    for account_id, pending_out, pending_in in db.session.execute(
        select(LedgerAccount.id, LedgerAccount.pending_out, LedgerAccount.pending_in).order_by(
            LedgerAccount.id
        )
    ):
        if pending_out != out.get(account_id, 0) or pending_in != into.get(account_id, 0):
            found.append(f"account {account_id}: pending figures differ from the open pending transfers")
    for (pending_id,) in db.session.execute(
        select(LedgerPending.id).where(
            open_, LedgerPending.expires_at.is_not(None), LedgerPending.expires_at < now
        )
    ):
        found.append(f"pending transfer {pending_id}: still pending past its expiry")
    return found


def _chain_problems() -> list[str]:
    found = []
    drafts = db.session.scalar(
        select(func.count()).select_from(LedgerJournal).where(LedgerJournal.status == JournalStatus.DRAFT)
    )
    if drafts:
        found.append(f"{drafts} journal(s) left in draft")
    legs: dict[int, list[tuple[int, int]]] = defaultdict(list)
    for journal_id, account_id, amount in db.session.execute(
        select(LedgerPosting.journal_id, LedgerPosting.account_id, LedgerPosting.amount)
    ):
        legs[journal_id].append((account_id, amount))
    previous = rules.GENESIS
    last_id = None
    for journal_id, kind, reverses_id, prev, hash_ in db.session.execute(
        select(
            LedgerJournal.id,
            LedgerJournal.kind,
            LedgerJournal.reverses_id,
            LedgerJournal.previous_hash,
            LedgerJournal.hash,
        )
        .where(LedgerJournal.status == JournalStatus.POSTED)
        .order_by(LedgerJournal.id)
    ):
        if not legs.get(journal_id):
            found.append(f"journal {journal_id}: posted without postings")
        expected = rules.journal_hash(
            previous, journal_id, kind, sorted(legs.get(journal_id, [])), reverses_id
        )
        if prev != previous or hash_ != expected:
            found.append(f"journal {journal_id}: the hash chain breaks")
        previous, last_id = hash_, journal_id
    head = db.session.get(LedgerHead, 1)
    if last_id is not None and (
        head is None or head.last_journal_id != last_id or head.last_hash != previous
    ):
        found.append("the chain's head is not the last posted journal")
    return found
