"""SQLite transactions as Civic configures them: a savepoint stays inside its transaction."""

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
