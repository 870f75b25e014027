"""revote and the seal: ballot settings' revote policy, superseded ballots, ballot tags, the vote's seal

ballot_settings gains the revote policy (revote, paper_cancels_online), frozen with the other rules.
ballot and ballot_pool gain `superseded` (a ballot replaced by a later one of the same person: kept, never
counted). ballot_tag (WITHOUT ROWID) holds HMAC(K_tag, person_key) -> ballot id while a vote that may
supersede ballots is open; the seal deletes its rows. vote_seal records each close and its counts.
participation gains `ballots` (how many ballots it put in the box online) and, on SQLite, is rebuilt
WITHOUT ROWID so that its physical order follows the keyed person key rather than the order people voted.

Revision ID: 9a1d4e7c2b85
Revises: 8f5a3c1b6e74
Create Date: 2026-12-03 08:20:00
"""

import sqlalchemy as sa
from alembic import op


revision = '9a1d4e7c2b85'
down_revision = '8f5a3c1b6e74'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('ballot_settings', schema=None) as batch_op:
        batch_op.add_column(sa.Column('revote', sa.Boolean(), server_default=sa.text('false'), nullable=False))
        batch_op.add_column(
            sa.Column('paper_cancels_online', sa.Boolean(), server_default=sa.text('false'), nullable=False)
        )
    # A plain ADD COLUMN (never a batch rebuild): rebuilding the box would drop its WITHOUT ROWID table and,
    # with foreign keys on, cascade the drop to every choice.
    for table in ('ballot', 'ballot_pool'):
        op.add_column(table, sa.Column('superseded', sa.Boolean(), server_default=sa.text('false'), nullable=False))
    op.create_table(
        'ballot_tag',
        sa.Column('edition_id', sa.Integer(), nullable=False),
        sa.Column('tag', sa.String(length=64), nullable=False),
        sa.Column('ballot_id', sa.LargeBinary(length=16), nullable=False),
        sa.ForeignKeyConstraint(
            ['edition_id'], ['edition.id'], name=op.f('fk_ballot_tag_edition_id_edition'), ondelete='CASCADE'
        ),
        sa.PrimaryKeyConstraint('edition_id', 'tag', 'ballot_id', name=op.f('pk_ballot_tag')),
        sqlite_with_rowid=False,
    )
    op.create_table(
        'vote_seal',
        sa.Column('edition_id', sa.Integer(), nullable=False),
        sa.Column('sealed_at', sa.DateTime(), nullable=False),
        sa.Column('counts', sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ['edition_id'], ['edition.id'], name=op.f('fk_vote_seal_edition_id_edition'), ondelete='CASCADE'
        ),
        sa.PrimaryKeyConstraint('edition_id', name=op.f('pk_vote_seal')),
    )
    # On SQLite the rebuild makes the table WITHOUT ROWID (elsewhere the option is ignored).
    with op.batch_alter_table(
        'participation', schema=None, recreate='always' if _sqlite() else 'auto',
        table_kwargs={'sqlite_with_rowid': False},
    ) as batch_op:
        batch_op.add_column(sa.Column('ballots', sa.Integer(), server_default=sa.text('0'), nullable=False))
        batch_op.create_check_constraint('ballots_not_negative', 'ballots >= 0')


def _sqlite():
    return op.get_bind().dialect.name == 'sqlite'


def downgrade():
    with op.batch_alter_table(
        'participation', schema=None, recreate='always' if _sqlite() else 'auto',
        table_kwargs={'sqlite_with_rowid': True},
    ) as batch_op:
        batch_op.drop_constraint(op.f('ck_participation_ballots_not_negative'), type_='check')
        batch_op.drop_column('ballots')
    op.drop_table('vote_seal')
    op.drop_table('ballot_tag')
    for table in ('ballot_pool', 'ballot'):
        op.drop_column(table, 'superseded')  # SQLite >= 3.35 drops a plain column in place
    with op.batch_alter_table('ballot_settings', schema=None) as batch_op:
        batch_op.drop_column('paper_cancels_online')
        batch_op.drop_column('revote')
