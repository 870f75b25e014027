"""A site-wide counter of content changes, so that every server process knows when a cached page is stale.

Any committed transaction that wrote to a table outside ``NEUTRAL_TABLES`` adds one to the counter, in the
same transaction. Pages cached for anonymous visitors (``civic.web.page_cache``) are stored under the value
they were rendered at; one cheap read per request tells every gunicorn worker whether its copy still holds.
Writes are spotted at the cursor level, so ORM flushes, bulk ``update()`` statements and imports are all
seen, whatever package made them.
"""

from __future__ import annotations

import re
import weakref
from typing import Any

from sqlalchemy import BigInteger, event, inspect
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.orm import Mapped, mapped_column

from civic.extensions import db

# Tables whose rows never show on a cached public page: writing them must not throw every cached page away
# (a login updates the session row, every staff action adds an audit entry, a running count reports its
# progress every second). A ballot cast writes only the participation, the mixer's pool and the ballot
# tags: no cached page reads them (the board, which shows how many ballots wait, is never cached), so
# during a vote each cast leaves the page cache alone; the mixer's batches (ballot, board_batch) do not.
# The co-budget's ledger shows only on the commons pages, none of which is cached: a gift leaves the cache
# alone too.
NEUTRAL_TABLES = frozenset(
    {
        "ledger_account",
        "ledger_journal",
        "ledger_posting",
        "ledger_pending",
        "ledger_head",
        "user_session",
        "audit_entry",
        "content_version",
        "alembic_version",
        "tally_run_progress",
        "participation",
        "ballot_pool",
        "ballot_tag",
    }
)

_WRITE = re.compile(
    r"^\s*(?:INSERT\s+(?:OR\s+\w+\s+)?INTO|UPDATE|DELETE\s+FROM)\s+\"?(\w+)\"?", re.IGNORECASE
)
_DDL = re.compile(r"^\s*(?:CREATE|DROP|ALTER)\s+TABLE", re.IGNORECASE)
_FLAG = "civic_content_written"
# Engines on which the counter's table is known to exist (forgotten when a migration changes tables).
_TABLE_SEEN: weakref.WeakSet[Engine] = weakref.WeakSet()


class ContentVersion(db.Model):
    """One row: how many committed transactions changed public content so far."""

    __tablename__ = "content_version"

    id: Mapped[int] = mapped_column(primary_key=True)
    value: Mapped[int] = mapped_column(BigInteger, default=0)


def current_version() -> int:
    """Return the counter as the database has it now (0 before the first change)."""
    # Read on every cached page view: the driver-level call skips the ORM's statement handling.
    value = db.session.connection().exec_driver_sql("SELECT value FROM content_version WHERE id = 1").scalar()
    return int(value or 0)


def _note_write(conn: Connection, _cursor: Any, statement: str, *_args: Any) -> None:
    if _DDL.match(statement):
        _TABLE_SEEN.discard(conn.engine)  # migrations may create or drop the counter's table
        return
    match = _WRITE.match(statement)
    if match and match.group(1).lower() not in NEUTRAL_TABLES:
        conn.info[_FLAG] = True


def _counter_exists(conn: Connection) -> bool:
    # While the migrations run, the table may not exist yet: their own writes are not counted.
    if conn.engine not in _TABLE_SEEN and inspect(conn).has_table("content_version"):
        _TABLE_SEEN.add(conn.engine)
    return conn.engine in _TABLE_SEEN


def _bump_on_commit(conn: Connection) -> None:
    if not conn.info.pop(_FLAG, False) or not _counter_exists(conn):
        return
    bumped = conn.exec_driver_sql("UPDATE content_version SET value = value + 1 WHERE id = 1")
    if bumped.rowcount == 0:
        # A database built without the migrations' first row (db.create_all in tests): start the counter.
        conn.exec_driver_sql("INSERT INTO content_version (id, value) VALUES (1, 1)")


def _forget_on_rollback(conn: Connection) -> None:
    conn.info.pop(_FLAG, None)


def track_content_changes(engine: Engine) -> None:
    """Count committed content changes on ``engine`` (idempotent)."""
    if event.contains(engine, "before_cursor_execute", _note_write):
        return
    event.listen(engine, "before_cursor_execute", _note_write)
    event.listen(engine, "commit", _bump_on_commit)
    event.listen(engine, "rollback", _forget_on_rollback)
