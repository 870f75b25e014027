"""SQLite transactions as Civic configures them: a savepoint stays inside its transaction, writers queue on a lock."""

from __future__ import annotations

from sqlalchemy import Integer, create_engine, text
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column

from civic.core.database import install_sqlite_pragmas


class _Base(DeclarativeBase):
    pass


class _Row(_Base):
    __tablename__ = "row"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)


def _engine(tmp_path):
    engine = create_engine(f"sqlite:///{tmp_path / 'db.sqlite'}")
    install_sqlite_pragmas(engine, busy_timeout_ms=1000)
    _Base.metadata.create_all(engine)
    return engine


def _ids(engine) -> list[int]:
    with engine.connect() as connection:
        return [row[0] for row in connection.execute(text("SELECT id FROM row ORDER BY id"))]


def test_a_savepoint_before_any_write_does_not_commit_on_release(tmp_path):
    """As when casting: the participation in a savepoint, then the ballot; neither is seen before the commit."""
    engine = _engine(tmp_path)
    with Session(engine) as session:
        session.execute(text("SELECT 1"))  # reads first, as a request does
        with session.begin_nested():
            session.add(_Row(id=1))
        session.add(_Row(id=2))
        session.flush()
        assert _ids(engine) == []  # another connection (a crash now) sees neither
        session.rollback()
    assert _ids(engine) == []
    with Session(engine) as session:
        with session.begin_nested():
            session.add(_Row(id=1))
        session.add(_Row(id=2))
        session.commit()
    assert _ids(engine) == [1, 2]
    engine.dispose()


def test_a_failed_savepoint_rolls_back_alone(tmp_path):
    engine = _engine(tmp_path)
    with Session(engine) as session:
        session.add(_Row(id=1))
        session.flush()
        nested = session.begin_nested()
        session.add(_Row(id=2))
        session.flush()
        nested.rollback()
        session.commit()
    assert _ids(engine) == [1]
    engine.dispose()


def test_writers_queue_on_the_lock_file_and_the_next_one_goes_as_soon_as_the_first_commits(tmp_path):
    import threading
    import time

    engine = _engine(tmp_path)
    assert (tmp_path / "db.sqlite-writer.lock").exists()
    order: list[str] = []
    second_started = threading.Event()

    def second_writer() -> None:
        second_started.set()
        with engine.begin() as connection:  # its own connection: waits for the lock, not in SQLite's sleeps
            connection.execute(text("INSERT INTO row (id) VALUES (2)"))
            order.append("second wrote")

    with engine.connect() as first:
        first.execute(text("INSERT INTO row (id) VALUES (1)"))  # takes the writers' lock
        thread = threading.Thread(target=second_writer)
        thread.start()
        second_started.wait(5)
        time.sleep(
            1.5
        )  # longer than SQLite's busy timeout (1 s): without the lock file, it would have failed
        assert order == []  # still waiting in the queue
        order.append("first commits")
        first.commit()
    thread.join(5)
    assert order == ["first commits", "second wrote"]
    assert _ids(engine) == [1, 2]


def test_a_thread_holding_the_writers_lock_does_not_wait_for_itself(tmp_path):
    """A second connection of the same thread (a write outside the request's transaction) falls back on
    SQLite's busy timeout: an error after it, never a thread waiting for itself for ever."""
    import pytest
    from sqlalchemy.exc import OperationalError

    engine = create_engine(f"sqlite:///{tmp_path / 'db.sqlite'}")
    install_sqlite_pragmas(engine, busy_timeout_ms=100)
    _Base.metadata.create_all(engine)
    with engine.connect() as first:
        first.execute(text("INSERT INTO row (id) VALUES (1)"))
        with pytest.raises(OperationalError, match="locked"), engine.begin() as other:
            other.execute(text("INSERT INTO row (id) VALUES (2)"))
        first.commit()
    assert _ids(engine) == [1]
    with engine.begin() as connection:  # and the lock was given back
        connection.execute(text("INSERT INTO row (id) VALUES (3)"))
    assert _ids(engine) == [1, 3]


def test_a_writers_lock_never_given_back_delays_a_writer_but_never_stops_it(tmp_path):
    """Should a holder never give the lock back, a writer waits SQLite's busy timeout, then writes."""
    import fcntl
    import os
    import time

    engine = create_engine(f"sqlite:///{tmp_path / 'db.sqlite'}")
    install_sqlite_pragmas(engine, busy_timeout_ms=300)
    _Base.metadata.create_all(engine)
    stuck = os.open(tmp_path / "db.sqlite-writer.lock", os.O_RDWR)
    fcntl.flock(stuck, fcntl.LOCK_EX)  # held elsewhere, and never released
    try:
        started = time.monotonic()
        with engine.begin() as connection:
            connection.execute(text("INSERT INTO row (id) VALUES (1)"))
        assert 0.25 < time.monotonic() - started < 5
    finally:
        os.close(stuck)
    assert _ids(engine) == [1]
