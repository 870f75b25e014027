"""A migrated SQLite database holding the demo town (`civic seed-demo`), for tests that read it as a visitor."""

from __future__ import annotations

from pathlib import Path

import pytest
from flask import Flask
from flask_migrate import upgrade
from sqlalchemy import func, inspect, select

from civic import create_app
from civic.extensions import db
from tests.conftest import settings_for


def seeded_demo_app(folder: Path, monkeypatch: pytest.MonkeyPatch) -> Flask:
    """Create an app on a fresh database in ``folder``, apply every migration and seed the demo once."""
    monkeypatch.setenv("CIVIC_INSTANCE_PATH", str(folder / "instance"))
    app = create_app(settings_for(f"sqlite:///{folder}/demo.sqlite"))
    with app.app_context():
        upgrade()
    seed_demo(app)
    return app


def seed_demo(app: Flask) -> None:
    """Run `civic seed-demo` through the app's command line."""
    result = app.test_cli_runner().invoke(args=["civic", "seed-demo"])
    assert result.exit_code == 0, result.output + repr(result.exception)


def row_counts(app: Flask) -> dict[str, int]:
    """Return the number of rows of every table of the app's database."""
    with app.app_context():
        names = inspect(db.engine).get_table_names()
        counts = {}
        for table in db.metadata.sorted_tables:
            if table.name in names:
                counts[table.name] = db.session.scalar(select(func.count()).select_from(table)) or 0
        return counts
