"""kiosk ticket holders: who holds an unused kiosk ticket, so that an officer can replace a lost one

The row goes with its ticket (ON DELETE CASCADE): used, or dropped when the vote ends.

Revision ID: c650206e58c0
Revises: a7ba5cdac07a
Create Date: 2026-12-04 04:51:29.161014
"""

import sqlalchemy as sa
from alembic import op


revision = 'c650206e58c0'
down_revision = 'a7ba5cdac07a'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('kiosk_ticket_holder',
    sa.Column('edition_id', sa.Integer(), nullable=False),
    sa.Column('person_key', sa.String(length=64), nullable=False),
    sa.Column('code_hash', sa.String(length=64), nullable=False),
    sa.ForeignKeyConstraint(['code_hash'], ['kiosk_ticket.code_hash'], name=op.f('fk_kiosk_ticket_holder_code_hash_kiosk_ticket'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['edition_id', 'person_key'], ['participation.edition_id', 'participation.person_key'], name='fk_kiosk_ticket_holder_participation', ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('edition_id', 'person_key', name=op.f('pk_kiosk_ticket_holder')),
    sa.UniqueConstraint('code_hash', name=op.f('uq_kiosk_ticket_holder_code_hash')),
    sqlite_with_rowid=False
    )


def downgrade():
    op.drop_table('kiosk_ticket_holder')
