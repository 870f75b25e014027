"""Alembic environment for Civic: runs inside the Flask app, batch mode for SQLite."""

from __future__ import annotations

import logging
from logging.config import fileConfig

from alembic import context
from flask import current_app

if context.config.config_file_name:
    fileConfig(context.config.config_file_name, disable_existing_loggers=False)
log = logging.getLogger("alembic.env")

civic_db = current_app.extensions["migrate"].db
metadata = civic_db.metadata


def include_object(obj, name, type_, reflected, compare_to):  # type: ignore[no-untyped-def]
    # SQLite's FTS5 index of proposals and its shadow tables are managed by raw SQL in migrations.
    return not (type_ == "table" and name and name.startswith("proposal_fts"))


def _skip_empty_autogenerate(ctx, revision, directives):  # type: ignore[no-untyped-def]
    # An autogenerate that finds nothing must not write an empty revision file.
    if getattr(context.config.cmd_opts, "autogenerate", False) and directives[0].upgrade_ops.is_empty():
        directives[:] = []
        log.info("No changes in schema detected.")


def run_offline() -> None:
    """Emit SQL without a connection (``flask db upgrade --sql``)."""
    context.configure(
        url=civic_db.engine.url.render_as_string(hide_password=False),
        target_metadata=metadata,
        literal_binds=True,
        render_as_batch=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_online() -> None:
    """Apply migrations on the app's engine."""
    options = dict(current_app.extensions["migrate"].configure_args)
    options.setdefault("process_revision_directives", _skip_empty_autogenerate)
    options.setdefault("include_object", include_object)
    with civic_db.engine.connect() as connection:
        context.configure(connection=connection, target_metadata=metadata, **options)
        with context.begin_transaction():
            context.run_migrations()


if context.is_offline_mode():
    run_offline()
else:
    run_online()
