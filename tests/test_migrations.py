"""Every table comes from a migration, and the migrations match the models."""

from __future__ import annotations

import sqlite3
import uuid
from contextlib import closing

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


def test_the_counts_migration_keeps_every_run_and_interrupts_those_left_running(
    empty_database_url, tmp_path, monkeypatch
):
    if not empty_database_url.startswith("sqlite"):
        pytest.skip("the rows are written with Python's sqlite3 module: SQLite only")
    monkeypatch.setenv("CIVIC_INSTANCE_PATH", str(tmp_path))
    path = empty_database_url.removeprefix("sqlite:///")
    app = create_app(settings_for(empty_database_url))

    def rows(sql):
        with closing(sqlite3.connect(path)) as raw:
            return raw.execute(sql).fetchall()

    with app.app_context():
        upgrade(revision="9e2b6c4d1a87")
        with closing(sqlite3.connect(path)) as raw, raw:
            raw.execute(
                "INSERT INTO edition (id, slug, name, year, description, rules_text, envelope_cents, mode, "
                "published, created_at) VALUES (7, 'e', 'E', 2026, '', '', 100, 'municipal', 1, '2026-12-01')"
            )
            raw.execute(
                "INSERT INTO vote_pool (id, edition_id, name, budget_cents, vote_type, meta, project_columns, "
                "voter_columns, created_at) VALUES (7, 7, 'P', 100, 'approval', '{}', '[]', '[]', '2026-12-01')"
            )
            raw.executemany(
                "INSERT INTO tally_run (id, pool_id, rule, parameters, state, created_at, progress, published_at, "
                "withdrawn_at, replaced_by_id) VALUES (?, 7, ?, '{}', ?, '2026-12-01 10:00:00', ?, ?, ?, ?)",
                [
                    (1, "mes-add1", "running", '{"steps": 3, "per_voter": "53"}', None, None, None),
                    (2, "mes", "done", None, "2026-12-01 11:00:00", "2026-12-01 12:00:00", 3),
                    (3, "mes", "done", None, "2026-12-01 12:00:00", None, None),
                ],
            )
        upgrade()
        assert rows("SELECT run_id, progress FROM tally_run_progress") == [
            (1, '{"steps": 3, "per_voter": "53"}')
        ]
        assert rows("SELECT id, state, replaced_by_id FROM tally_run ORDER BY id") == [
            (1, "interrupted", None),
            (2, "done", 3),
            (3, "done", None),
        ]
        downgrade(revision="9e2b6c4d1a87")
        assert rows("SELECT id, state, progress, replaced_by_id FROM tally_run ORDER BY id") == [
            (1, "failed", '{"steps": 3, "per_voter": "53"}', None),
            (2, "done", None, 3),
            (3, "done", None, None),
        ]
        db.engine.dispose()


def test_the_ballots_migration_keeps_every_ballot_and_forgets_ids_times_and_write_order(
    empty_database_url, tmp_path, monkeypatch
):
    if not empty_database_url.startswith("sqlite"):
        pytest.skip("the rows are written with Python's sqlite3 module: SQLite only")
    monkeypatch.setenv("CIVIC_INSTANCE_PATH", str(tmp_path))
    path = empty_database_url.removeprefix("sqlite:///")
    app = create_app(settings_for(empty_database_url))

    def rows(sql):
        with closing(sqlite3.connect(path)) as raw:
            return raw.execute(sql).fetchall()

    def contents():
        """Each ballot as (extra, [(project, position-or-order, points, rank)…]), sorted: ids aside."""
        ballots = {}
        for ballot_id, extra in rows("SELECT id, extra FROM ballot"):
            ballots[ballot_id] = (extra, [])
        order = "position" if "position" in {r[1] for r in rows("PRAGMA table_info(ballot_choice)")} else "id"
        for ballot_id, project, points, rank in rows(
            f"SELECT ballot_id, vote_pool_project_id, points, rank FROM ballot_choice ORDER BY ballot_id, {order}"
        ):
            ballots[ballot_id][1].append((project, points, rank))
        return sorted(ballots.values(), key=repr)

    with app.app_context():
        upgrade(revision="6d3e9a1f4c52")
        with closing(sqlite3.connect(path)) as raw, raw:
            raw.execute(
                "INSERT INTO edition (id, slug, name, year, description, rules_text, envelope_cents, mode, "
                "published, created_at) VALUES (7, 'e', 'E', 2026, '', '', 100, 'municipal', 1, '2026-12-01')"
            )
            raw.executemany(
                "INSERT INTO proposal (id, edition_id, reference, channel, status, title, summary, description, "
                "created_at, search_text, version_count, comment_count) VALUES (?, 7, ?, 'in_person', 'on_ballot', "
                "'T', 'S', '', '2026-12-01', '', 1, 0)",
                [(p, f"R{p}") for p in (1, 2, 3)],
            )
            raw.execute(
                "INSERT INTO vote_pool (id, edition_id, name, budget_cents, vote_type, meta, project_columns, "
                "voter_columns, created_at) VALUES (7, 7, 'P', 100, 'ordinal', '{}', '[]', '[]', '2026-12-01')"
            )
            raw.executemany(
                "INSERT INTO vote_pool_project (id, pool_id, proposal_id, position, external_id, cost_cents, extra) "
                "VALUES (?, 7, ?, ?, ?, 10, '{}')",
                [(p, p, p, f"p{p}") for p in (1, 2, 3)],
            )
            # Ballot 1 ranks 3 > 1 > 2 (choices written in another order); ballot 2 names 2 then 1, unranked.
            raw.executemany(
                "INSERT INTO ballot (id, pool_id, channel, created_at, extra) VALUES (?, 7, 'imported', ?, ?)",
                [(1, "2026-12-01 10:00:00", '{"age": "30"}'), (2, "2026-12-01 10:00:01", '{"age": "40"}')],
            )
            raw.executemany(
                "INSERT INTO ballot_choice (id, ballot_id, vote_pool_project_id, points, rank) VALUES (?, ?, ?, ?, ?)",
                [
                    (1, 1, 1, None, 2),
                    (2, 1, 2, None, 3),
                    (3, 1, 3, None, 1),
                    (4, 2, 2, 5, None),
                    (5, 2, 1, 1, None),
                ],
            )
        before = contents()
        assert before[0][1] == [(1, None, 2), (2, None, 3), (3, None, 1)]  # in id order before
        upgrade()
        tables = dict(rows("SELECT name, sql FROM sqlite_master WHERE name IN ('ballot', 'ballot_choice')"))
        assert all("WITHOUT ROWID" in sql for sql in tables.values()) and len(tables) == 2
        assert "created_at" not in tables["ballot"]
        ids = [r[0] for r in rows("SELECT id FROM ballot")]
        assert len(ids) == 2 and all(isinstance(i, bytes) and len(i) == 16 for i in ids)
        after = contents()
        # Ranked choices now stand in rank order; unranked ones keep the order they were written in.
        assert after == [
            ('{"age": "30"}', [(3, None, 1), (1, None, 2), (2, None, 3)]),
            ('{"age": "40"}', [(2, 5, None), (1, 1, None)]),
        ]
        downgrade(revision="6d3e9a1f4c52")
        assert sorted(r[0] for r in rows("SELECT id FROM ballot")) == [1, 2]
        assert contents() == after
        db.engine.dispose()
