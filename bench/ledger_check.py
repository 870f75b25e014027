"""Time `civic ledger check` on a co-budget ledger of 100 000 journals (issue 12: ≤ 5 s).

    .venv/bin/python bench/ledger_check.py [--journals 100000] [--no-write]

The book is generated with the pure reference ledger (``civic.commons.ledger_rules.Ledger``): a round funded
by a few funders, allocations to 2 000 members, contributions to 200 projects (some refused at their cap or
for want of money, and not posted), refunds by reversal, pledges of time delivered, partly delivered, voided.
It is written as it stands into a fresh SQLite database built by the migrations (the triggers check each
journal balances as it is marked posted), then ``civic ledger check`` runs as a command (process start
included), and ``ledger.problems()`` in process. As a control, one balance is then moved by hand and the
command must exit 1 naming it. Prints the figures and writes bench/results/ledger_check.md.
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from civic.commons.ledger_rules import Ledger, LedgerRefusal, Unit  # noqa: E402

RESULTS = ROOT / "bench" / "results" / "ledger_check.md"
BIN = ROOT / ".venv" / "bin"
TARGET_SECONDS = 5.0


def generate(journals: int, seed: int = 12) -> Ledger:
    rng = random.Random(seed)
    book = Ledger()
    outside = book.open(Unit.EUR_CENTS, floor=None)
    time_outside = book.open(Unit.MINUTES, floor=None)
    pool = book.open(Unit.EUR_CENTS)
    wallets = [book.open(Unit.EUR_CENTS) for _ in range(2_000)]
    projects = [book.open(Unit.EUR_CENTS, cap=rng.randint(2_000_00, 20_000_00)) for _ in range(200)]
    offers = [book.open(Unit.MINUTES) for _ in range(300)]
    needs = [book.open(Unit.MINUTES, cap=rng.randint(600, 6_000)) for _ in range(200)]
    contributions: list[int] = []
    pledges: list[int] = []
    while len(book.journals) < journals:
        roll = rng.random()
        try:
            if roll < 0.02 or book.balance(pool) < 10_000_00:
                book.post("fund", [(outside, -500_000_00), (pool, 500_000_00)])
            elif roll < 0.15:
                amount = rng.randint(10_00, 100_00)
                book.post("allocate", [(pool, -amount), (rng.choice(wallets), amount)])
            elif roll < 0.75:
                wallet = rng.choice(wallets)
                if book.balance(wallet) <= 0:
                    amount = rng.randint(20_00, 80_00)
                    book.post("allocate", [(pool, -amount), (wallet, amount)])
                    continue
                amount = rng.randint(1, book.balance(wallet))
                contributions.append(
                    book.post("contribute", [(wallet, -amount), (rng.choice(projects), amount)]).id
                )
            elif roll < 0.80 and contributions:
                book.reverse(contributions.pop(rng.randrange(len(contributions))), kind="refund")
            elif roll < 0.90:
                offer = rng.choice(offers)
                minutes = rng.randint(60, 600)
                book.post("offer", [(time_outside, -minutes), (offer, minutes)])
                pledges.append(book.reserve(offer, rng.choice(needs), rng.randint(30, minutes)).id)
            elif pledges:
                pending = book.pending[pledges.pop(rng.randrange(len(pledges)))]
                choice = rng.random()
                if choice < 0.6:
                    book.settle(pending.id)
                elif choice < 0.85:
                    book.settle(pending.id, rng.randint(0, pending.amount))
                else:
                    book.void(pending.id)
        except (LedgerRefusal, ValueError):
            continue  # refused at a cap or for want of money: nothing posted, as in the real ledger
    return book


def write(book: Ledger, database: Path) -> None:
    import sqlite3

    con = sqlite3.connect(database)
    now = datetime.now(UTC).replace(tzinfo=None).isoformat(sep=" ")
    kinds = {}
    for account in book.accounts.values():
        kinds[account.id] = "external" if account.floor is None else "member_wallet"
    con.executemany(
        "INSERT INTO ledger_account (id, kind, owner_id, unit, label, balance, pending_out, pending_in, floor, cap,"
        " version) VALUES (?, ?, NULL, ?, '', ?, ?, ?, ?, ?, ?)",
        [
            (
                a.id,
                kinds[a.id],
                a.unit.value,
                a.balance,
                a.pending_out,
                a.pending_in,
                a.floor,
                a.cap,
                a.version,
            )
            for a in book.accounts.values()
        ],
    )
    con.executemany(
        "INSERT INTO ledger_journal (id, kind, status, reverses_id, memo, created_at, previous_hash, hash)"
        " VALUES (?, ?, 'draft', ?, '', ?, ?, ?)",
        [(j.id, j.kind, j.reverses, now, j.previous_hash, j.hash) for j in book.journals.values()],
    )
    con.executemany(
        "INSERT INTO ledger_posting (journal_id, account_id, amount, account_version, balance_after)"
        " VALUES (?, ?, ?, ?, ?)",
        [(p.journal_id, p.account_id, p.amount, p.account_version, p.balance_after) for p in book.postings],
    )
    con.execute("UPDATE ledger_journal SET status = 'posted'")  # the trigger checks each one balances
    con.executemany(
        "INSERT INTO ledger_pending (id, kind, source_id, target_id, amount, state, posted_amount, created_at)"
        " VALUES (?, 'pledge', ?, ?, ?, ?, ?, ?)",
        [(p.id, p.source, p.target, p.amount, p.state, p.posted, now) for p in book.pending.values()],
    )
    last = book.journals[len(book.journals)]
    con.execute(
        "INSERT INTO ledger_head (id, sequence, last_journal_id, last_hash) VALUES (1, ?, ?, ?)",
        (len(book.journals), last.id, last.hash),
    )
    con.commit()
    con.close()


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--journals", type=int, default=100_000)
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args()
    started = time.perf_counter()
    book = generate(args.journals)
    generated = time.perf_counter() - started
    with tempfile.TemporaryDirectory(prefix="civic-ledger-") as tmp_name:
        tmp = Path(tmp_name)
        database = tmp / "civic.sqlite"
        env = {
            **os.environ,
            "CIVIC_ENV": "development",
            "CIVIC_INSTANCE_PATH": str(tmp),
            "DATABASE_URL": f"sqlite:///{database}",
        }
        flask = [str(BIN / "flask"), "--app", "civic"]
        subprocess.run([*flask, "db", "upgrade"], env=env, cwd=ROOT, check=True, capture_output=True)
        write(book, database)
        started = time.perf_counter()
        check = subprocess.run(
            [*flask, "civic", "ledger", "check"], env=env, cwd=ROOT, capture_output=True, text=True
        )
        command_seconds = time.perf_counter() - started
        os.environ.update(env)
        from civic import create_app
        from civic.commons import ledger

        with create_app().app_context():
            started = time.perf_counter()
            found = ledger.problems()
            in_process = time.perf_counter() - started
        con = __import__("sqlite3").connect(database)
        con.execute("UPDATE ledger_account SET balance = balance + 1 WHERE id = 5")
        con.commit()
        con.close()
        control = subprocess.run(
            [*flask, "civic", "ledger", "check"], env=env, cwd=ROOT, capture_output=True, text=True
        )
    postings = len(book.postings)
    verdict = "met" if command_seconds <= TARGET_SECONDS and check.returncode == 0 else "NOT met"
    report = (
        f"{len(book.journals):,} journals ({postings:,} postings, {len(book.pending):,} pending transfers, "
        f"{len(book.reversed_by):,} reversals) over {len(book.accounts):,} accounts, generated in {generated:.1f} s "
        f"with the pure reference ledger and written to SQLite built by the migrations.\n\n"
        f"| measure | seconds |\n|---|---:|\n"
        f"| `civic ledger check` (command, process start included) | {command_seconds:.2f} |\n"
        f"| `ledger.problems()` in process | {in_process:.2f} |\n\n"
        f"Command output: `{check.stdout.strip()}` (exit {check.returncode}); problems in process: {len(found)}. "
        f"Target ≤ {TARGET_SECONDS:.0f} s: {verdict}. Control, one balance moved by hand: exit "
        f"{control.returncode}, `{control.stdout.strip()}`.\n"
    )
    print(report)
    if not args.no_write:
        RESULTS.write_text(
            "# `civic ledger check` on a large ledger\n\n`bench/ledger_check.py` (see its docstring); "
            f"CPython {platform.python_version()}, {os.cpu_count()} cores, "
            f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}.\n\n    .venv/bin/python bench/ledger_check.py\n\n"
            + report
        )
    if check.returncode != 0 or found or control.returncode != 1:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
