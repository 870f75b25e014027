"""town hall channel: kiosk tickets, pooled ballots' channel, paper tally sheets typed twice, polling minutes

Revision ID: b3c7d9e1f2a4
Revises: 9a1d4e7c2b85
Create Date: 2026-12-03 08:00:00
"""

import sqlalchemy as sa
from alembic import op


revision = 'b3c7d9e1f2a4'
down_revision = '9a1d4e7c2b85'
branch_labels = None
depends_on = None

CHANNELS = ('online', 'in_person', 'imported', 'paper')


def upgrade():
    with op.batch_alter_table('ballot_pool', schema=None, table_kwargs={'sqlite_with_rowid': False}) as batch_op:
        batch_op.add_column(
            sa.Column(
                'channel',
                sa.Enum(*CHANNELS, name='ballotchannel', native_enum=False, length=20),
                server_default='online',
                nullable=False,
            )
        )
    op.create_table(
        'kiosk_ticket',
        sa.Column('code_hash', sa.String(length=64), nullable=False),
        sa.Column('edition_id', sa.Integer(), nullable=False),
        sa.Column('pool_ids', sa.JSON(), nullable=False),
        sa.Column('other_pool_ids', sa.JSON(), nullable=False),
        sa.Column('extra_choices', sa.Integer(), nullable=False),
        sa.CheckConstraint('extra_choices >= 0', name=op.f('ck_kiosk_ticket_extra_choices_not_negative')),
        sa.ForeignKeyConstraint(
            ['edition_id'], ['edition.id'], name=op.f('fk_kiosk_ticket_edition_id_edition'), ondelete='CASCADE'
        ),
        sa.PrimaryKeyConstraint('code_hash', name=op.f('pk_kiosk_ticket')),
        sqlite_with_rowid=False,
    )
    with op.batch_alter_table('kiosk_ticket', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_kiosk_ticket_edition_id'), ['edition_id'], unique=False)

    op.create_table(
        'tally_sheet',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('edition_id', sa.Integer(), nullable=False),
        sa.Column('pool_id', sa.Integer(), nullable=False),
        sa.Column('place', sa.String(length=200), nullable=False),
        sa.Column('number', sa.Integer(), nullable=False),
        sa.Column(
            'state',
            sa.Enum('typing', 'differs', 'accepted', name='sheetstate', native_enum=False, length=20),
            nullable=False,
        ),
        sa.Column('batch', sa.Integer(), nullable=True),
        sa.CheckConstraint('number >= 1', name=op.f('ck_tally_sheet_number_positive')),
        sa.ForeignKeyConstraint(
            ['edition_id'], ['edition.id'], name=op.f('fk_tally_sheet_edition_id_edition'), ondelete='CASCADE'
        ),
        sa.ForeignKeyConstraint(
            ['pool_id'], ['vote_pool.id'], name=op.f('fk_tally_sheet_pool_id_vote_pool'), ondelete='CASCADE'
        ),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_tally_sheet')),
        sa.UniqueConstraint('pool_id', 'place', 'number', name='uq_tally_sheet_pool_place_number'),
    )
    with op.batch_alter_table('tally_sheet', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_tally_sheet_edition_id'), ['edition_id'], unique=False)

    op.create_table(
        'tally_sheet_entry',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('sheet_id', sa.Integer(), nullable=False),
        sa.Column('position', sa.Integer(), nullable=False),
        sa.Column('officer_id', sa.Integer(), nullable=True),
        sa.Column('ballots', sa.JSON(), nullable=False),
        sa.Column('blank', sa.Integer(), nullable=False),
        sa.CheckConstraint('blank >= 0', name=op.f('ck_tally_sheet_entry_blank_not_negative')),
        sa.CheckConstraint('position IN (1, 2)', name=op.f('ck_tally_sheet_entry_first_or_second')),
        sa.ForeignKeyConstraint(
            ['officer_id'], ['users.id'], name=op.f('fk_tally_sheet_entry_officer_id_users'), ondelete='SET NULL'
        ),
        sa.ForeignKeyConstraint(
            ['sheet_id'], ['tally_sheet.id'], name=op.f('fk_tally_sheet_entry_sheet_id_tally_sheet'), ondelete='CASCADE'
        ),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_tally_sheet_entry')),
        sa.UniqueConstraint('sheet_id', 'officer_id', name='uq_tally_sheet_entry_officer'),
        sa.UniqueConstraint('sheet_id', 'position', name='uq_tally_sheet_entry_position'),
    )
    with op.batch_alter_table('tally_sheet_entry', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_tally_sheet_entry_sheet_id'), ['sheet_id'], unique=False)

    op.create_table(
        'polling_minutes',
        sa.Column('edition_id', sa.Integer(), nullable=False),
        sa.Column('place', sa.String(length=200), nullable=False),
        sa.Column('remarks', sa.Text(), nullable=False),
        sa.Column('updated_by_id', sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ['edition_id'], ['edition.id'], name=op.f('fk_polling_minutes_edition_id_edition'), ondelete='CASCADE'
        ),
        sa.ForeignKeyConstraint(
            ['updated_by_id'], ['users.id'], name=op.f('fk_polling_minutes_updated_by_id_users'), ondelete='SET NULL'
        ),
        sa.PrimaryKeyConstraint('edition_id', 'place', name=op.f('pk_polling_minutes')),
    )


def downgrade():
    op.drop_table('polling_minutes')
    with op.batch_alter_table('tally_sheet_entry', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_tally_sheet_entry_sheet_id'))
    op.drop_table('tally_sheet_entry')
    with op.batch_alter_table('tally_sheet', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_tally_sheet_edition_id'))
    op.drop_table('tally_sheet')
    with op.batch_alter_table('kiosk_ticket', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_kiosk_ticket_edition_id'))
    op.drop_table('kiosk_ticket')
    with op.batch_alter_table('ballot_pool', schema=None, table_kwargs={'sqlite_with_rowid': False}) as batch_op:
        batch_op.drop_column('channel')
