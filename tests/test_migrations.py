"""Every table comes from a migration, and the migrations match the models."""

from __future__ import annotations

import uuid

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import make_url

from civic import create_app
from civic.extensions import db
from tests.conftest import settings_for


def include_object(obj, name, type_, reflected, compare_to):
    # The FTS5 index and its shadow tables are raw SQL, not models.
    return not (type_ == "table" and name.startswith("proposal_fts"))


@pytest.fixture
def empty_database_url(database_url, tmp_path):
    """Give a brand-new empty database on the same engine as the suite."""
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite":
        yield f"sqlite:///{tmp_path}/migrations.sqlite"
        return
    name = f"civic_migr_{uuid.uuid4().hex[:8]}"
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield url.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
        admin.dispose()


def test_migrations_create_exactly_the_models(empty_database_url, tmp_path, monkeypatch):
    monkeypatch.setenv("CIVIC_INSTANCE_PATH", str(tmp_path))
    app = create_app(settings_for(empty_database_url))
    with app.app_context():
        upgrade()
        with db.engine.connect() as connection:
            diff = compare_metadata(
                MigrationContext.configure(
                    connection, opts={"compare_type": True, "include_object": include_object}
                ),
                db.metadata,
            )
            tables = set(inspect(connection).get_table_names())
        assert diff == [], f"models and migrations disagree: {diff}"
        assert {t.name for t in db.metadata.sorted_tables} <= tables
        downgrade(revision="base")
        with db.engine.connect() as connection:
            assert set(inspect(connection).get_table_names()) <= {"alembic_version"}
        db.engine.dispose()
