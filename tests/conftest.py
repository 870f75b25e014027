"""Shared fixtures: an app on a real database (SQLite file, or DATABASE_URL), client, login_as."""

from __future__ import annotations

import os
import re
import weakref
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import event, text
from sqlalchemy.engine import Engine

from civic import create_app
from civic.accounts.models import User
from civic.accounts.roles import Role
from civic.config import TestConfig, normalise_database_url
from civic.extensions import db, limiter
from tests.factories import create_user

# Every engine a test connects with (apps built inside tests too): disposed after the test, so no database
# connection is left for the garbage collector to find open (psycopg warns, and warnings are errors).
_ENGINES: weakref.WeakSet[Engine] = weakref.WeakSet()


@event.listens_for(Engine, "engine_connect")
def _track_engine(connection) -> None:
    _ENGINES.add(connection.engine)


@pytest.fixture(autouse=True)
def _dispose_engines() -> Iterator[None]:
    yield
    for engine in list(_ENGINES):
        engine.dispose()
    _ENGINES.clear()


CSRF_RE = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def settings_for(database_url: str) -> dict[str, Any]:
    """Return the test configuration as a mapping for ``create_app``."""
    settings = {key: getattr(TestConfig, key) for key in dir(TestConfig) if key.isupper()}
    settings["SQLALCHEMY_DATABASE_URI"] = database_url
    return settings


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    url = os.environ.get("DATABASE_URL")
    if url:
        return normalise_database_url(url)
    return "sqlite:///" + str(tmp_path_factory.mktemp("db") / "civic-test.sqlite")


@pytest.fixture(scope="session")
def _schema(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> None:
    os.environ["CIVIC_INSTANCE_PATH"] = str(tmp_path_factory.mktemp("instance"))
    app = create_app(settings_for(database_url))
    with app.app_context():
        db.drop_all()
        db.create_all()
        db.engine.dispose()


def _empty_all_tables() -> None:
    tables = db.metadata.sorted_tables
    if db.engine.dialect.name == "postgresql":
        names = ", ".join(f'"{t.name}"' for t in tables)
        db.session.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
    else:
        # The ledger's triggers refuse deleting postings and posted journals: a test database is the one
        # place where they are lifted, while it is emptied, and put back.
        from civic.commons import ddl

        for statement in ddl.for_dialect("sqlite", drop=True):
            db.session.execute(text(statement))
        for table in reversed(tables):
            db.session.execute(table.delete())
        for statement in ddl.for_dialect("sqlite"):
            db.session.execute(text(statement))
    db.session.commit()


@pytest.fixture
def app(database_url: str, _schema: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Flask]:
    """Yield the app the client talks to; test code runs in the context of a twin app.

    Flask reuses an already-pushed context of the *same* app for test-client requests, which
    would share ``g``, the SQLAlchemy session and the locale cache between the test and every
    request. A twin app on the same database keeps each request as isolated as in production.
    """
    monkeypatch.setenv("CIVIC_INSTANCE_PATH", str(tmp_path / "instance"))
    application = create_app(settings_for(database_url))
    twin = create_app(settings_for(database_url))
    with twin.app_context():
        limiter.reset()
        try:
            yield application
        finally:
            db.session.rollback()
            _empty_all_tables()
            db.session.remove()
            db.engine.dispose()
            with application.app_context():
                db.engine.dispose()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


def csrf_token(client: FlaskClient, path: str = "/") -> str:
    """Fetch a page and return the CSRF token bound to this client's session."""
    response = client.get(path)
    match = CSRF_RE.search(response.get_data(as_text=True))
    assert match, f"no CSRF token on {path}"
    return match.group(1)


def log_in(client: FlaskClient, user: User) -> str:
    """Open a server-side session for ``user`` and put it in the client's cookie, as a login does."""
    from civic.accounts.sessions import start_session

    token = start_session(user=user, user_agent="test client")
    db.session.commit()
    with client.session_transaction() as session:
        session["_user_id"] = token
        session["_fresh"] = True
    return token


@pytest.fixture
def login_as(client: FlaskClient) -> Callable[..., User]:
    """Create a person holding ``role`` (and resident) and log the client in as them."""

    def _login(role: Role | str = Role.RESIDENT, **kwargs: Any) -> User:
        role = Role(role)
        roles = tuple(dict.fromkeys((role, Role.RESIDENT)))
        user = create_user(roles=roles, **kwargs)
        log_in(client, user)
        return user

    return _login


@pytest.fixture
def outbox(app: Flask) -> list[Any]:
    """Return the messages captured by the app under test."""
    return app.extensions.setdefault("civic_outbox", [])  # type: ignore[no-any-return]


def pytest_sessionstart(session: pytest.Session) -> None:
    """In CI the big pabulib elections must be there: their tests may not be skipped silently."""
    from tests.tally.shared import PERF_MISSING, perf_dir, perf_required

    if perf_required() and perf_dir() is None:
        raise pytest.UsageError(f"CIVIC_REQUIRE_PABULIB=1 but the {PERF_MISSING}")
