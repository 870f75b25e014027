"""The stored ledger (SQLite and PostgreSQL): posting, refusals that write nothing, immutability, races."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import DBAPIError

from civic.commons import ledger
from civic.commons import ledger_rules as rules
from civic.commons.ledger_rules import LedgerRefusal, Unit
from civic.commons.models import AccountKind, LedgerAccount, LedgerJournal, LedgerPending, LedgerPosting
from civic.extensions import db


def _count(model) -> int:
    return int(db.session.scalar(select(func.count()).select_from(model)))


def _round(cap: int | None = 5_000, funded: int = 10_000):
    outside = ledger.open_account(AccountKind.EXTERNAL, Unit.EUR_CENTS, floor=None, label="outside")
    pool = ledger.open_account(AccountKind.ROUND_POOL, Unit.EUR_CENTS, label="pool")
    wallet = ledger.open_account(AccountKind.MEMBER_WALLET, Unit.EUR_CENTS, owner_id=7, label="wallet")
    project = ledger.open_account(AccountKind.PROJECT_FUNDING, Unit.EUR_CENTS, cap=cap, label="project")
    ledger.post("fund", [(outside.id, -funded), (pool.id, funded)])
    db.session.commit()
    return outside.id, pool.id, wallet.id, project.id


def _balance(account_id: int) -> int:
    db.session.expire_all()
    return db.session.get(LedgerAccount, account_id).balance


def test_a_journal_moves_money_and_the_books_check(app):
    _outside, pool, wallet, project = _round()
    ledger.post("allocate", [(pool, -3_000), (wallet, 3_000)], actor_id=None)
    journal = ledger.post("contribute", [(wallet, -1_200), (project, 1_200)], memo="Atelier vélo")
    db.session.commit()
    assert (_balance(pool), _balance(wallet), _balance(project)) == (7_000, 1_800, 1_200)
    assert journal.hash and journal.previous_hash != rules.GENESIS
    assert ledger.legs_of(journal) == [(wallet, -1_200), (project, 1_200)]
    assert ledger.problems() == []


@pytest.mark.parametrize(
    ("legs", "reason"),
    [
        (lambda p, w, j: [(w, -1), (j, 1)], rules.NOT_ENOUGH),  # the wallet is empty
        (lambda p, w, j: [(p, -5_001), (j, 5_001)], rules.OVER_CAP),  # the project's maximum is 5 000
        (lambda p, w, j: [(p, -10)], rules.UNBALANCED),
        (lambda p, w, j: [(p, -10), (999_999, 10)], rules.UNKNOWN_ACCOUNT),
        (lambda p, w, j: [], rules.EMPTY),
        (lambda p, w, j: [(p, -10), (p, 10)], rules.ZERO_AMOUNT),
    ],
)
def test_a_refused_journal_writes_nothing(app, legs, reason):
    _outside, pool, wallet, project = _round()
    journals, postings = _count(LedgerJournal), _count(LedgerPosting)
    with pytest.raises(LedgerRefusal) as refused:
        ledger.post("contribute", legs(pool, wallet, project))
    assert refused.value.reason == reason
    db.session.commit()
    assert (_count(LedgerJournal), _count(LedgerPosting)) == (journals, postings)
    assert (_balance(pool), _balance(wallet), _balance(project)) == (10_000, 0, 0)
    assert ledger.problems() == []


def test_an_idempotency_key_posts_once(app):
    _outside, pool, wallet, _project = _round()
    first = ledger.post("allocate", [(pool, -500), (wallet, 500)], key="form-abc")
    again = ledger.post("allocate", [(pool, -500), (wallet, 500)], key="form-abc")
    db.session.commit()
    assert first.id == again.id and _balance(wallet) == 500


def test_a_journal_is_reversed_once_and_a_reversal_never(app):
    _outside, pool, wallet, project = _round()
    ledger.post("allocate", [(pool, -2_000), (wallet, 2_000)])
    given = ledger.post("contribute", [(wallet, -2_000), (project, 2_000)])
    refund = ledger.reverse(given.id, kind="refund")
    db.session.commit()
    assert (_balance(wallet), _balance(project)) == (2_000, 0) and refund.reverses_id == given.id
    for target, reason in ((given.id, rules.ALREADY_REVERSED), (refund.id, rules.REVERSAL_OF_REVERSAL)):
        with pytest.raises(LedgerRefusal) as refused:
            ledger.reverse(target)
        assert refused.value.reason == reason
    assert ledger.problems() == []


def test_postings_and_posted_journals_cannot_be_changed_or_deleted(app):
    _outside, pool, wallet, _project = _round()
    journal = ledger.post("allocate", [(pool, -100), (wallet, 100)])
    db.session.commit()
    for statement in (
        "UPDATE ledger_posting SET amount = amount + 1",
        "DELETE FROM ledger_posting",
        f"UPDATE ledger_journal SET kind = 'refund' WHERE id = {journal.id}",
        f"UPDATE ledger_journal SET status = 'draft' WHERE id = {journal.id}",
        f"DELETE FROM ledger_journal WHERE id = {journal.id}",
        f"INSERT INTO ledger_posting (journal_id, account_id, amount, account_version, balance_after) "
        f"VALUES ({journal.id}, {wallet}, 5, 99, 105)",
    ):
        with pytest.raises(DBAPIError):
            db.session.execute(text(statement))
        db.session.rollback()
    # The actor of a posted journal may still be erased (an account deleted): that is not its content.
    db.session.execute(text(f"UPDATE ledger_journal SET actor_id = NULL WHERE id = {journal.id}"))
    db.session.commit()
    assert ledger.problems() == []


def test_an_unbalanced_journal_cannot_be_posted_even_by_hand(app):
    _outside, _pool, wallet, _project = _round()
    db.session.execute(
        text(
            "INSERT INTO ledger_journal (kind, status, memo, created_at, previous_hash, hash) "
            "VALUES ('allocate', 'draft', '', CURRENT_TIMESTAMP, '', '')"
        )
    )
    journal_id = db.session.scalar(select(func.max(LedgerJournal.id)))
    db.session.execute(
        text(
            "INSERT INTO ledger_posting (journal_id, account_id, amount, account_version, balance_after) "
            f"VALUES ({journal_id}, {wallet}, 100, 1, 100)"
        )
    )
    with pytest.raises(DBAPIError):
        db.session.execute(text(f"UPDATE ledger_journal SET status = 'posted' WHERE id = {journal_id}"))
    db.session.rollback()


def test_the_check_finds_a_balance_that_drifted_from_its_postings(app):
    _outside, pool, wallet, _project = _round()
    ledger.post("allocate", [(pool, -100), (wallet, 100)])
    db.session.commit()
    db.session.execute(text(f"UPDATE ledger_account SET balance = balance + 50 WHERE id = {wallet}"))
    db.session.commit()
    found = ledger.problems()
    assert any(f"account {wallet}: balance 150 is not the sum of its postings (100)" in p for p in found)
    assert any("sum to 50" in p for p in found)


def test_a_pledge_is_reserved_then_delivered_partly_exactly_once(app):
    world = ledger.open_account(AccountKind.EXTERNAL, Unit.MINUTES, floor=None)
    offer = ledger.open_account(AccountKind.MEMBER_OFFER, Unit.MINUTES, owner_id=3)
    need = ledger.open_account(AccountKind.PROJECT_NEED, Unit.MINUTES, cap=1_200, label="20 h de design")
    ledger.post("offer", [(world.id, -900), (offer.id, 900)])
    pledge = ledger.reserve("pledge", offer.id, need.id, 600)
    db.session.commit()
    with pytest.raises(LedgerRefusal) as short:
        ledger.reserve("pledge", offer.id, need.id, 400)  # 900 offered, 600 already pledged
    assert short.value.reason == rules.NOT_ENOUGH
    db.session.rollback()
    ledger.settle(pledge.id, 420)
    db.session.commit()
    assert (_balance(offer.id), _balance(need.id)) == (480, 420)
    settled = db.session.get(LedgerPending, pledge.id)
    assert settled.state.value == "posted" and settled.posted_amount == 420 and settled.journal_id
    for again in (lambda: ledger.settle(pledge.id), lambda: ledger.void(pledge.id)):
        with pytest.raises(LedgerRefusal) as refused:
            again()
        assert refused.value.reason == rules.PENDING_SETTLED
        db.session.rollback()
    assert ledger.problems() == []


def test_simultaneous_contributions_never_overdraw_a_wallet_nor_overfund_a_project(app):
    """Twelve contributions at once, from one allocation of 1 000 and to a project 1 500 short of its cap."""
    outside, pool, wallet, project = _round(cap=3_000)
    ledger.post("allocate", [(pool, -1_000), (wallet, 1_000)])
    second = ledger.open_account(AccountKind.MEMBER_WALLET, Unit.EUR_CENTS, owner_id=8)
    ledger.post("allocate", [(pool, -5_000), (second.id, 5_000)])
    ledger.post("contribute", [(second.id, -1_500), (project, 1_500)])
    db.session.commit()
    others = second.id
    barrier = threading.Barrier(12)
    outcomes: list[str] = [""] * 12

    def run(index: int) -> None:
        with app.app_context():
            source = wallet if index % 2 else others
            barrier.wait(timeout=20)
            try:
                ledger.post("contribute", [(source, -300), (project, 300)])
                db.session.commit()
                outcomes[index] = "posted"
            except LedgerRefusal as refusal:
                db.session.rollback()
                outcomes[index] = refusal.reason
            finally:
                db.session.remove()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(12)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert "" not in outcomes, outcomes  # every one answered: posted or a clear refusal, never an error
    assert set(outcomes) <= {"posted", rules.NOT_ENOUGH, rules.OVER_CAP}
    assert outcomes.count("posted") == 5  # 1 500 left under the cap: five contributions of 300
    assert _balance(wallet) >= 0 and _balance(project) == 3_000
    assert ledger.problems() == []
    del outside


def test_the_ledger_check_command_says_the_books_hold_then_names_the_first_broken_invariant(app):
    from tests.voting.helpers import civic

    _outside, pool, wallet, _project = _round()
    ledger.post("allocate", [(pool, -100), (wallet, 100)])
    db.session.commit()
    fine = civic(app, "ledger", "check")
    assert fine.exit_code == 0 and "The ledger holds: 2 journals" in fine.output, fine.output
    db.session.execute(text(f"UPDATE ledger_account SET balance = 7 WHERE id = {wallet}"))
    db.session.commit()
    broken = civic(app, "ledger", "check")
    assert broken.exit_code == 1
    assert (
        f"The ledger is broken: account {wallet}: balance 7 is not the sum of its postings (100)"
        in broken.output
    )


def test_the_books_exported_as_beancount_pass_bean_check_and_a_drifted_balance_does_not(app, tmp_path):
    import shutil
    import subprocess
    import sys
    from pathlib import Path

    from tests.voting.helpers import civic

    bean_check = shutil.which("bean-check") or str(Path(sys.executable).with_name("bean-check"))
    _outside, pool, wallet, project = _round()
    ledger.post("allocate", [(pool, -2_345), (wallet, 2_345)])
    given = ledger.post("contribute", [(wallet, -1_005), (project, 1_005)], memo='Atelier "vélo"')
    ledger.reverse(given.id, kind="refund")
    world = ledger.open_account(AccountKind.EXTERNAL, Unit.MINUTES, floor=None)
    offer = ledger.open_account(AccountKind.MEMBER_OFFER, Unit.MINUTES)
    ledger.post("offer", [(world.id, -90), (offer.id, 90)])
    db.session.commit()
    books = tmp_path / "books.beancount"
    written = civic(app, "ledger", "export-beancount", "--output", str(books))
    assert written.exit_code == 0, written.output
    text_ = books.read_text()
    assert "Assets:Wallets:A3  -10.05 EUR" in text_ and "90 MINUTES" in text_
    checked = subprocess.run([bean_check, str(books)], capture_output=True, text=True)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    # A cached balance that drifted from the postings: Beancount's own arithmetic catches it.
    db.session.execute(text(f"UPDATE ledger_account SET balance = balance + 1 WHERE id = {wallet}"))
    db.session.commit()
    civic(app, "ledger", "export-beancount", "--output", str(books))
    failed = subprocess.run([bean_check, str(books)], capture_output=True, text=True)
    assert failed.returncode != 0 and "Balance failed" in failed.stdout + failed.stderr
