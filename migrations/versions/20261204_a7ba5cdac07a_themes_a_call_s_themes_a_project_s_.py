"""themes: a call's themes, a project's theme, delegations limited to a theme

Plain ALTER TABLE ADD COLUMN (no batch mode), as for the other commons tables.

Revision ID: a7ba5cdac07a
Revises: dcff60ad8595
Create Date: 2026-12-04 02:10:00
"""

import sqlalchemy as sa
from alembic import op

revision = "a7ba5cdac07a"
down_revision = "dcff60ad8595"
branch_labels = None
depends_on = None


def upgrade():
    op.add_column("commons_call", sa.Column("themes", sa.Text(), nullable=False, server_default=""))
    op.add_column("commons_project", sa.Column("theme", sa.String(length=80), nullable=True))
    op.add_column("cobudget_delegation", sa.Column("theme", sa.String(length=80), nullable=True))


def downgrade():
    op.drop_column("cobudget_delegation", "theme")
    op.drop_column("commons_project", "theme")
    op.drop_column("commons_call", "themes")
