"""Configuration: instance secret key, SQLite pragmas, DATABASE_URL handling."""

from __future__ import annotations

import os
import stat

import pytest
from sqlalchemy import text

from civic import create_app
from civic.config import load_or_create_secret_key, normalise_database_url
from civic.extensions import db


def test_secret_key_is_generated_once_into_the_instance_folder(tmp_path):
    key = load_or_create_secret_key(str(tmp_path))
    assert len(key) == 64
    assert load_or_create_secret_key(str(tmp_path)) == key
    assert stat.S_IMODE(os.stat(tmp_path / "secret_key").st_mode) == 0o600


@pytest.fixture
def development(monkeypatch):
    """Run create_app() as a developer does: CIVIC_ENV=development, no base URL needed."""
    monkeypatch.setenv("CIVIC_ENV", "development")
    monkeypatch.delenv("CIVIC_BASE_URL", raising=False)


def test_default_database_is_sqlite_in_the_instance_folder(tmp_path, monkeypatch, development):
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.setenv("CIVIC_INSTANCE_PATH", str(tmp_path))
    app = create_app()
    assert app.config["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{tmp_path}/civic.sqlite"
    assert app.config["SECRET_KEY"] == (tmp_path / "secret_key").read_text()
    with app.app_context():
        pragmas = {
            name: db.session.execute(text(f"PRAGMA {name}")).scalar()
            for name in ("journal_mode", "foreign_keys", "busy_timeout", "synchronous")
        }
        db.engine.dispose()
    assert pragmas == {"journal_mode": "wal", "foreign_keys": 1, "busy_timeout": 5000, "synchronous": 2}


def test_instance_config_file_overrides_defaults(tmp_path, monkeypatch, development):
    monkeypatch.setenv("CIVIC_INSTANCE_PATH", str(tmp_path))
    (tmp_path / "config.py").write_text('TOWN_NAME = "Ville-Test"\n')
    assert create_app().config["TOWN_NAME"] == "Ville-Test"


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("postgres://u:p@h/db", "postgresql+psycopg://u:p@h/db"),
        ("postgresql://u@h:5433/db", "postgresql+psycopg://u@h:5433/db"),
        ("postgresql+psycopg://u@h/db", "postgresql+psycopg://u@h/db"),
        ("sqlite:////tmp/x.sqlite", "sqlite:////tmp/x.sqlite"),
    ],
)
def test_database_url_is_normalised_for_psycopg3(given, expected):
    assert normalise_database_url(given) == expected


def test_database_url_environment_variable_wins(tmp_path, monkeypatch, development):
    monkeypatch.setenv("CIVIC_INSTANCE_PATH", str(tmp_path))
    monkeypatch.setenv("DATABASE_URL", "postgres://civic@localhost/civic")
    assert create_app().config["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://civic@localhost/civic"
