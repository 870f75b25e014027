"""moderation: block reason and end date; GDPR retention of front-desk contacts

Revision ID: 7d3f1a9c2e54
Revises: a4c7e9d2b1f6
Create Date: 2026-12-01 21:40:00
"""

import sqlalchemy as sa
from alembic import op


revision = '7d3f1a9c2e54'
down_revision = 'a4c7e9d2b1f6'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('blocked_until', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('blocked_reason', sa.String(length=500), nullable=True))
    with op.batch_alter_table('edition', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('contact_retention_months', sa.Integer(), server_default='6', nullable=False)
        )
        batch_op.create_check_constraint(
            op.f('ck_edition_retention_range'),
            'contact_retention_months >= 0 AND contact_retention_months <= 120',
        )
    with op.batch_alter_table('proposal', schema=None) as batch_op:
        batch_op.add_column(sa.Column('contact_purged_at', sa.DateTime(), nullable=True))


def downgrade():
    with op.batch_alter_table('proposal', schema=None) as batch_op:
        batch_op.drop_column('contact_purged_at')
    with op.batch_alter_table('edition', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_edition_retention_range'), type_='check')
        batch_op.drop_column('contact_retention_months')
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('blocked_reason')
        batch_op.drop_column('blocked_until')
