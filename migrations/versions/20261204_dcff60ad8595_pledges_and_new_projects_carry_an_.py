"""pledges and new projects carry an idempotency key

A double-clicked pledge form reserves once, and the "start a project" form posted twice starts one project.
Plain ALTER TABLE ADD COLUMN and CREATE INDEX (no batch mode): recreating a ledger table would drop its
triggers.

Revision ID: dcff60ad8595
Revises: df2b79ff6207
Create Date: 2026-12-04 01:25:56.748499
"""

import sqlalchemy as sa
from alembic import op

revision = "dcff60ad8595"
down_revision = "df2b79ff6207"
branch_labels = None
depends_on = None


def upgrade():
    op.add_column("commons_project", sa.Column("creation_key", sa.String(length=80), nullable=True))
    op.create_index("uq_commons_project_creation_key", "commons_project", ["creation_key"], unique=True)
    op.add_column("ledger_pending", sa.Column("idempotency_key", sa.String(length=80), nullable=True))
    op.create_index("uq_ledger_pending_idempotency_key", "ledger_pending", ["idempotency_key"], unique=True)


def downgrade():
    op.drop_index("uq_ledger_pending_idempotency_key", table_name="ledger_pending")
    op.drop_column("ledger_pending", "idempotency_key")
    op.drop_index("uq_commons_project_creation_key", table_name="commons_project")
    op.drop_column("commons_project", "creation_key")
