"""The ledger's triggers, as SQL for SQLite and for PostgreSQL (one source for the migration and create_all).

- postings are never updated or deleted, and are added only to a journal still in draft;
- a journal becomes posted only if it has postings and they sum to zero per unit;
- a posted journal's content (kind, status, reversal, key, hashes) never changes and it is never deleted
  (its actor may still be set to NULL when an account is erased: that is not content);
- a pending transfer leaves "pending" once, and then never changes.
"""

from __future__ import annotations

from sqlalchemy import DDL
from sqlalchemy.sql.ddl import ExecutableDDLElement

_UNBALANCED = """
    NOT EXISTS (SELECT 1 FROM ledger_posting WHERE journal_id = NEW.id)
    OR EXISTS (
        SELECT 1 FROM ledger_posting p JOIN ledger_account a ON a.id = p.account_id
        WHERE p.journal_id = NEW.id GROUP BY a.unit HAVING SUM(p.amount) != 0
    )
"""

SQLITE = [
    """CREATE TRIGGER IF NOT EXISTS ledger_posting_no_update BEFORE UPDATE ON ledger_posting
       BEGIN SELECT RAISE(ABORT, 'ledger postings are immutable'); END""",
    """CREATE TRIGGER IF NOT EXISTS ledger_posting_no_delete BEFORE DELETE ON ledger_posting
       BEGIN SELECT RAISE(ABORT, 'ledger postings are immutable'); END""",
    """CREATE TRIGGER IF NOT EXISTS ledger_posting_to_draft_only BEFORE INSERT ON ledger_posting
       WHEN (SELECT status FROM ledger_journal WHERE id = NEW.journal_id) IS NOT 'draft'
       BEGIN SELECT RAISE(ABORT, 'postings are added to a draft journal only'); END""",
    f"""CREATE TRIGGER IF NOT EXISTS ledger_journal_balanced BEFORE UPDATE OF status ON ledger_journal
       WHEN NEW.status = 'posted' AND OLD.status = 'draft' AND ({_UNBALANCED})
       BEGIN SELECT RAISE(ABORT, 'a journal must balance per unit to be posted'); END""",
    """CREATE TRIGGER IF NOT EXISTS ledger_journal_posted_immutable
       BEFORE UPDATE OF kind, status, reverses_id, idempotency_key, previous_hash, hash, delegation_id,
       on_behalf_of_id, memo, created_at ON ledger_journal
       WHEN OLD.status = 'posted'
       BEGIN SELECT RAISE(ABORT, 'a posted journal is immutable'); END""",
    """CREATE TRIGGER IF NOT EXISTS ledger_journal_no_delete BEFORE DELETE ON ledger_journal WHEN OLD.status = 'posted'
       BEGIN SELECT RAISE(ABORT, 'a posted journal is immutable'); END""",
    """CREATE TRIGGER IF NOT EXISTS ledger_pending_settled_once BEFORE UPDATE ON ledger_pending
       WHEN OLD.state != 'pending'
       BEGIN SELECT RAISE(ABORT, 'a settled pending transfer is immutable'); END""",
    """CREATE TRIGGER IF NOT EXISTS ledger_pending_no_delete BEFORE DELETE ON ledger_pending
       BEGIN SELECT RAISE(ABORT, 'pending transfers are never deleted'); END""",
]

SQLITE_DROP = [
    "DROP TRIGGER IF EXISTS ledger_posting_no_update",
    "DROP TRIGGER IF EXISTS ledger_posting_no_delete",
    "DROP TRIGGER IF EXISTS ledger_posting_to_draft_only",
    "DROP TRIGGER IF EXISTS ledger_journal_balanced",
    "DROP TRIGGER IF EXISTS ledger_journal_posted_immutable",
    "DROP TRIGGER IF EXISTS ledger_journal_no_delete",
    "DROP TRIGGER IF EXISTS ledger_pending_settled_once",
    "DROP TRIGGER IF EXISTS ledger_pending_no_delete",
]

POSTGRESQL = [
    """CREATE OR REPLACE FUNCTION ledger_refuse() RETURNS trigger LANGUAGE plpgsql AS $$
       BEGIN RAISE EXCEPTION USING MESSAGE = TG_ARGV[0], ERRCODE = 'check_violation'; END $$""",
    """CREATE OR REPLACE TRIGGER ledger_posting_immutable BEFORE UPDATE OR DELETE ON ledger_posting
       FOR EACH ROW EXECUTE FUNCTION ledger_refuse('ledger postings are immutable')""",
    """CREATE OR REPLACE FUNCTION ledger_posting_to_draft() RETURNS trigger LANGUAGE plpgsql AS $$
       BEGIN
         IF (SELECT status FROM ledger_journal WHERE id = NEW.journal_id) IS DISTINCT FROM 'draft' THEN
           RAISE EXCEPTION 'postings are added to a draft journal only' USING ERRCODE = 'check_violation';
         END IF;
         RETURN NEW;
       END $$""",
    """CREATE OR REPLACE TRIGGER ledger_posting_to_draft_only BEFORE INSERT ON ledger_posting
       FOR EACH ROW EXECUTE FUNCTION ledger_posting_to_draft()""",
    f"""CREATE OR REPLACE FUNCTION ledger_journal_guard() RETURNS trigger LANGUAGE plpgsql AS $$
       BEGIN
         IF TG_OP = 'DELETE' THEN
           IF OLD.status = 'posted' THEN
             RAISE EXCEPTION 'a posted journal is immutable' USING ERRCODE = 'check_violation';
           END IF;
           RETURN OLD;
         END IF;
         IF OLD.status = 'posted' AND (
              NEW.kind, NEW.status, NEW.reverses_id, NEW.idempotency_key, NEW.previous_hash, NEW.hash,
              NEW.delegation_id, NEW.on_behalf_of_id, NEW.memo, NEW.created_at
            ) IS DISTINCT FROM (
              OLD.kind, OLD.status, OLD.reverses_id, OLD.idempotency_key, OLD.previous_hash, OLD.hash,
              OLD.delegation_id, OLD.on_behalf_of_id, OLD.memo, OLD.created_at
            ) THEN
           RAISE EXCEPTION 'a posted journal is immutable' USING ERRCODE = 'check_violation';
         END IF;
         IF OLD.status = 'draft' AND NEW.status = 'posted' AND ({_UNBALANCED}) THEN
           RAISE EXCEPTION 'a journal must balance per unit to be posted' USING ERRCODE = 'check_violation';
         END IF;
         RETURN NEW;
       END $$""",
    """CREATE OR REPLACE TRIGGER ledger_journal_guard BEFORE UPDATE OR DELETE ON ledger_journal
       FOR EACH ROW EXECUTE FUNCTION ledger_journal_guard()""",
    """CREATE OR REPLACE FUNCTION ledger_pending_guard() RETURNS trigger LANGUAGE plpgsql AS $$
       BEGIN
         IF TG_OP = 'DELETE' OR OLD.state != 'pending' THEN
           RAISE EXCEPTION 'a settled pending transfer is immutable' USING ERRCODE = 'check_violation';
         END IF;
         RETURN NEW;
       END $$""",
    """CREATE OR REPLACE TRIGGER ledger_pending_guard BEFORE UPDATE OR DELETE ON ledger_pending
       FOR EACH ROW EXECUTE FUNCTION ledger_pending_guard()""",
]

POSTGRESQL_DROP = [
    "DROP TRIGGER IF EXISTS ledger_pending_guard ON ledger_pending",
    "DROP TRIGGER IF EXISTS ledger_journal_guard ON ledger_journal",
    "DROP TRIGGER IF EXISTS ledger_posting_to_draft_only ON ledger_posting",
    "DROP TRIGGER IF EXISTS ledger_posting_immutable ON ledger_posting",
    "DROP FUNCTION IF EXISTS ledger_pending_guard()",
    "DROP FUNCTION IF EXISTS ledger_journal_guard()",
    "DROP FUNCTION IF EXISTS ledger_posting_to_draft()",
    "DROP FUNCTION IF EXISTS ledger_refuse()",
]


def for_dialect(name: str, *, drop: bool = False) -> list[str]:
    """The raw statements for a dialect ("sqlite" or "postgresql"); the migration runs them."""
    if name == "postgresql":
        return POSTGRESQL_DROP if drop else POSTGRESQL
    return SQLITE_DROP if drop else SQLITE


def statements() -> list[ExecutableDDLElement]:
    """The same statements as DDL elements that run only on their dialect (listened to by create_all)."""
    return [DDL(sql).execute_if(dialect="sqlite") for sql in SQLITE] + [
        DDL(sql).execute_if(dialect="postgresql") for sql in POSTGRESQL
    ]
