"""Engine settings that keep SQLite safe for concurrent web use."""

from __future__ import annotations

import enum
import fcntl
import os
import threading
import time
from typing import Any

from sqlalchemy import Engine, Enum, event


def install_sqlite_pragmas(engine: Engine, *, busy_timeout_ms: int) -> None:
    """Turn on WAL, foreign keys, a busy timeout, synchronous=FULL and secure_delete on every SQLite connection.

    And keep a savepoint inside its transaction: see ``_begin_before_savepoint``.
    """
    if engine.dialect.name != "sqlite":
        return
    if getattr(engine, "_civic_pragmas", False):
        return

    @event.listens_for(engine, "connect")
    def _set_pragmas(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={int(busy_timeout_ms)}")
        if engine.url.database not in (None, "", ":memory:"):
            cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=FULL")
        # Deleted content is overwritten with zeros, not left in free pages: the vote's seal deletes the
        # ballot tags and the emptied pool, and nothing should be readable from the file afterwards.
        cursor.execute("PRAGMA secure_delete=ON")
        cursor.close()

    if engine.url.database not in (None, "", ":memory:"):
        _queue_writers(engine, f"{engine.url.database}-writer.lock", busy_timeout_ms / 1000)

    @event.listens_for(engine, "savepoint")
    def _begin_before_savepoint(connection: Any, _name: str) -> None:
        # Python's sqlite3 opens a transaction only before INSERT, UPDATE or DELETE. A SAVEPOINT sent first
        # (``begin_nested`` before any write: recording a participation) then starts the transaction itself,
        # and its RELEASE commits it: what followed (the ballot) was a second transaction, and a crash or a
        # rollback between the two left the first one written. A real BEGIN first keeps everything in one.
        dbapi_connection = connection.connection.dbapi_connection
        if dbapi_connection is not None and not dbapi_connection.in_transaction:
            _wait_for_writers(connection.connection.info)
            dbapi_connection.execute("BEGIN")

    engine._civic_pragmas = True  # type: ignore[attr-defined]


_WRITES = ("INSERT", "UPDATE", "DELETE", "REPLACE")
_holding = threading.local()  # this thread's connection that holds the writers' lock, if any


def _queue_writers(engine: Engine, path: str, patience: float) -> None:
    """Queue SQLite writers on a file lock, so that each wakes as soon as the one before commits.

    Without it, a writer that finds the database locked sleeps in SQLite's busy handler (1 ms, then 2, 5,
    10… whatever happens meanwhile) and two gunicorn workers waste time waiting for each other. A
    transaction takes the lock (``flock``: freed by the kernel if a process dies) just before its first
    write, and gives it back when its connection returns to the pool (after the commit or the rollback), is
    reset, invalidated or closed. Waiting is bounded: past SQLite's own busy timeout the writer goes on
    without the lock and SQLite's busy handler decides, as without it — so nothing can wait for ever. A
    thread already holding it through another connection does not wait for itself at all.
    """

    @event.listens_for(engine, "connect")
    def _open(_dbapi_connection: Any, record: Any) -> None:
        record.info["writer_lock"] = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
        record.info["writer_lock_patience"] = patience

    @event.listens_for(engine, "before_cursor_execute")
    def _before_write(connection: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if statement.lstrip()[:7].upper().startswith(_WRITES):
            dbapi_connection = connection.connection.dbapi_connection
            if dbapi_connection is not None and not dbapi_connection.in_transaction:
                _wait_for_writers(connection.connection.info)

    @event.listens_for(engine, "checkin")
    def _release(_dbapi_connection: Any, record: Any) -> None:
        _let_go(record.info)

    # (SQLAlchemy reads these listeners' signatures: they take exactly the arguments of its 2.0 events.)
    @event.listens_for(engine, "reset")
    def _release_on_reset(dbapi_connection: Any, connection_record: Any, reset_state: Any) -> None:
        _let_go(connection_record.info)

    @event.listens_for(engine, "invalidate")
    def _release_on_invalidate(dbapi_connection: Any, connection_record: Any, exception: Any) -> None:
        _let_go(connection_record.info)

    @event.listens_for(engine, "soft_invalidate")
    def _release_on_soft_invalidate(dbapi_connection: Any, connection_record: Any, exception: Any) -> None:
        _let_go(connection_record.info)

    @event.listens_for(engine, "close")
    def _close(_dbapi_connection: Any, record: Any) -> None:
        _let_go(record.info)
        fd = record.info.pop("writer_lock", None)
        if fd is not None:
            os.close(fd)


def _wait_for_writers(info: dict[str, Any]) -> None:
    fd = info.get("writer_lock")
    if fd is None or info.get("writer_lock_held"):
        return
    if getattr(_holding, "info", None) is not None:  # this thread holds it already (another connection)
        return
    deadline = time.monotonic() + info.get("writer_lock_patience", 5.0)
    while True:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            break
        except BlockingIOError:
            if time.monotonic() > deadline:
                return  # go on without it: SQLite's busy timeout decides, as it would with no lock file
            time.sleep(0.0002)
    info["writer_lock_held"] = True
    _holding.info = info


def _let_go(info: dict[str, Any]) -> None:
    if info.pop("writer_lock_held", False):
        fcntl.flock(info["writer_lock"], fcntl.LOCK_UN)
        if getattr(_holding, "info", None) is info:
            _holding.info = None


def enum_column(enum_class: type[enum.Enum], length: int = 30) -> Enum:
    """Store an enum by its value as a checked string (portable across SQLite and PostgreSQL)."""
    return Enum(
        enum_class,
        native_enum=False,
        length=length,
        values_callable=lambda e: [m.value for m in e],
        validate_strings=True,
    )


MODEL_MODULES = (
    "civic.core.audit",
    "civic.core.content_version",
    "civic.core.town",
    "civic.town.models",
    "civic.processes.models",
    "civic.accounts.models",
    "civic.proposals.models",
    "civic.proposals.search",
    "civic.preselection.models",
    "civic.moderation.models",
    "civic.analysis.models",
    "civic.eligibility.models",
    "civic.voting.models",
    "civic.results.models",
    "civic.commons.models",
)


def import_models() -> None:
    """Import every model module so the metadata (and Alembic's autogenerate) sees all tables."""
    import importlib

    for name in MODEL_MODULES:
        importlib.import_module(name)


def commit_keeping_loaded() -> None:
    """Commit the request's transaction without expiring what it loaded.

    For a response drawn right after the commit from objects the request already holds (a support panel):
    by default the commit expires them all, and drawing the answer then reloads the person, their roles
    and the proposal one query at a time. Their values are the ones just written, so nothing is stale.
    """
    from civic.extensions import db

    session = db.session()
    session.expire_on_commit = False
    try:
        session.commit()
    finally:
        session.expire_on_commit = True
