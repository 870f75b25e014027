"""ballot box without time or write order; the mixer's pool and the public board

The ballot box must not remember when or in which order ballots arrived (design: voting.md). The ballot
table loses created_at and its autoincrement id (a random 16-byte key instead); ballot_choice is keyed by
(ballot, project) with the choice's place on the ballot (position) instead of an autoincrement id. Both
tables are rebuilt (WITHOUT ROWID on SQLite); existing ballots, imported ones, get fresh random ids.

The downgrade rebuilds the old shape with new autoincrement ids (in random-id order) and the migration's
time as created_at: the original ids and times are gone for good, as intended.

Online ballots carry their tracker and board batch; three new tables: ballot_pool (online ballots
waiting for the mixer, WITHOUT ROWID), vote_key (the public half of each edition's board key) and
board_batch (the sealed batches of the public board).

Revision ID: 7e4f2b0a5d63
Revises: 6d3e9a1f4c52
Create Date: 2026-12-02 14:20:00
"""

import secrets

import sqlalchemy as sa
from alembic import op


revision = '7e4f2b0a5d63'
down_revision = '6d3e9a1f4c52'
branch_labels = None
depends_on = None

CHUNK = 5000
CHANNELS = ('online', 'in_person', 'paper', 'imported')


def _channel():
    return sa.Enum(*CHANNELS, name='ballotchannel', native_enum=False, length=20)


def _new_tables(ballot, choice):
    op.create_table(
        ballot,
        sa.Column('id', sa.LargeBinary(length=16), nullable=False),
        sa.Column('pool_id', sa.Integer(), nullable=False),
        sa.Column('channel', _channel(), nullable=False),
        sa.Column('extra', sa.JSON(), nullable=True),
        sa.Column('raw', sa.JSON(), nullable=True),
        sa.Column('tracker', sa.String(length=16), nullable=True),
        sa.Column('batch', sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(['pool_id'], ['vote_pool.id'], name=f'fk_{ballot}_pool_id_vote_pool', ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=f'pk_{ballot}'),
        sa.UniqueConstraint('tracker', name='uq_ballot_tracker'),
        sqlite_with_rowid=False,
    )
    op.create_table(
        choice,
        sa.Column('ballot_id', sa.LargeBinary(length=16), nullable=False),
        sa.Column('vote_pool_project_id', sa.Integer(), nullable=False),
        sa.Column('position', sa.Integer(), nullable=False),
        sa.Column('points', sa.Integer(), nullable=True),
        sa.Column('rank', sa.Integer(), nullable=True),
        sa.CheckConstraint('rank IS NULL OR rank >= 1', name=op.f(f'ck_{choice}_rank_positive')),
        sa.CheckConstraint('position >= 0', name=op.f(f'ck_{choice}_position_not_negative')),
        sa.ForeignKeyConstraint(['ballot_id'], [f'{ballot}.id'], name=f'fk_{choice}_ballot_id_{ballot}', ondelete='CASCADE'),
        sa.ForeignKeyConstraint(
            ['vote_pool_project_id'], ['vote_pool_project.id'],
            name=f'fk_{choice}_vote_pool_project_id_vote_pool_project', ondelete='CASCADE',
        ),
        sa.PrimaryKeyConstraint('ballot_id', 'vote_pool_project_id', name=f'pk_{choice}'),
        sqlite_with_rowid=False,
    )


def _rename_constraints_sql(dialect):
    # PostgreSQL keeps constraint names through a table rename: give them the final table's names.
    if dialect != 'postgresql':
        return []
    return [
        'ALTER TABLE ballot RENAME CONSTRAINT pk_ballot_new TO pk_ballot',
        'ALTER TABLE ballot RENAME CONSTRAINT fk_ballot_new_pool_id_vote_pool TO fk_ballot_pool_id_vote_pool',
        'ALTER TABLE ballot_choice RENAME CONSTRAINT pk_ballot_choice_new TO pk_ballot_choice',
        'ALTER TABLE ballot_choice RENAME CONSTRAINT ck_ballot_choice_new_rank_positive TO ck_ballot_choice_rank_positive',
        'ALTER TABLE ballot_choice RENAME CONSTRAINT ck_ballot_choice_new_position_not_negative '
        'TO ck_ballot_choice_position_not_negative',
        'ALTER TABLE ballot_choice RENAME CONSTRAINT fk_ballot_choice_new_ballot_id_ballot_new '
        'TO fk_ballot_choice_ballot_id_ballot',
        'ALTER TABLE ballot_choice RENAME CONSTRAINT fk_ballot_choice_new_vote_pool_project_id_vote_pool_project '
        'TO fk_ballot_choice_vote_pool_project_id_vote_pool_project',
    ]


def upgrade():
    bind = op.get_bind()
    _new_tables('ballot_new', 'ballot_choice_new')
    op.create_table(
        'ballot_id_map',
        sa.Column('old_id', sa.Integer(), primary_key=True),
        sa.Column('new_id', sa.LargeBinary(length=16), nullable=False),
    )
    id_map = sa.table('ballot_id_map', sa.column('old_id', sa.Integer), sa.column('new_id', sa.LargeBinary))
    old_ids = [row[0] for row in bind.execute(sa.text('SELECT id FROM ballot'))]
    for start in range(0, len(old_ids), CHUNK):
        bind.execute(
            id_map.insert(),
            [{'old_id': i, 'new_id': secrets.token_bytes(16)} for i in old_ids[start:start + CHUNK]],
        )
    op.execute(
        'INSERT INTO ballot_new (id, pool_id, channel, extra, raw) '
        'SELECT m.new_id, b.pool_id, b.channel, b.extra, b.raw FROM ballot b JOIN ballot_id_map m ON m.old_id = b.id'
    )
    # The choice's place on the ballot: rank for ordinal ballots, else the order it was written (its id).
    op.execute(
        'INSERT INTO ballot_choice_new (ballot_id, vote_pool_project_id, position, points, rank) '
        'SELECT m.new_id, c.vote_pool_project_id, '
        'ROW_NUMBER() OVER (PARTITION BY c.ballot_id ORDER BY c.rank, c.id) - 1, c.points, c.rank '
        'FROM ballot_choice c JOIN ballot_id_map m ON m.old_id = c.ballot_id'
    )
    op.drop_table('ballot_id_map')
    # Dropping a table drops its indexes; the choices go first (they reference the ballots).
    op.drop_table('ballot_choice')
    op.drop_table('ballot')
    op.rename_table('ballot_new', 'ballot')
    op.rename_table('ballot_choice_new', 'ballot_choice')
    for statement in _rename_constraints_sql(bind.dialect.name):
        op.execute(statement)
    op.create_index('ix_ballot_pool_id', 'ballot', ['pool_id'], unique=False)
    op.create_index('ix_ballot_choice_vote_pool_project_id', 'ballot_choice', ['vote_pool_project_id'], unique=False)
    _board_tables()


def _board_tables():
    # Online ballots waiting for the mixer, the public half of each edition's board key, sealed batches.
    op.create_table(
        'ballot_pool',
        sa.Column('id', sa.LargeBinary(length=16), nullable=False),
        sa.Column('pool_id', sa.Integer(), nullable=False),
        sa.Column('choices', sa.JSON(), nullable=False),
        sa.Column('tracker', sa.String(length=16), nullable=False),
        sa.ForeignKeyConstraint(['pool_id'], ['vote_pool.id'], name=op.f('fk_ballot_pool_pool_id_vote_pool'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_ballot_pool')),
        sa.UniqueConstraint('tracker', name=op.f('uq_ballot_pool_tracker')),
        sqlite_with_rowid=False,
    )
    op.create_index(op.f('ix_ballot_pool_pool_id'), 'ballot_pool', ['pool_id'], unique=False)
    op.create_table(
        'vote_key',
        sa.Column('edition_id', sa.Integer(), nullable=False),
        sa.Column('public_key', sa.String(length=64), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['edition_id'], ['edition.id'], name=op.f('fk_vote_key_edition_id_edition'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('edition_id', name=op.f('pk_vote_key')),
    )
    op.create_table(
        'board_batch',
        sa.Column('edition_id', sa.Integer(), nullable=False),
        sa.Column('number', sa.Integer(), nullable=False),
        sa.Column('trackers', sa.JSON(), nullable=False),
        sa.Column('previous', sa.String(length=64), nullable=False),
        sa.Column('hash', sa.String(length=64), nullable=False),
        sa.Column('signature', sa.String(length=128), nullable=False),
        sa.Column('sealed_at', sa.DateTime(), nullable=False),
        sa.CheckConstraint('number >= 1', name=op.f('ck_board_batch_number_positive')),
        sa.ForeignKeyConstraint(['edition_id'], ['edition.id'], name=op.f('fk_board_batch_edition_id_edition'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('edition_id', 'number', name=op.f('pk_board_batch')),
    )


def downgrade():
    op.drop_table('board_batch')
    op.drop_table('vote_key')
    op.drop_table('ballot_pool')
    op.drop_index('ix_ballot_choice_vote_pool_project_id', table_name='ballot_choice')
    op.drop_index('ix_ballot_pool_id', table_name='ballot')
    op.rename_table('ballot_choice', 'ballot_choice_random')
    op.rename_table('ballot', 'ballot_random')
    # New integer ids, numbered in random-id order.
    op.create_table(
        'ballot_id_map',
        sa.Column('new_id', sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column('random_id', sa.LargeBinary(length=16), nullable=False, unique=True),
    )
    op.execute('INSERT INTO ballot_id_map (random_id) SELECT id FROM ballot_random ORDER BY id')
    op.create_table(
        'ballot',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('pool_id', sa.Integer(), nullable=False),
        sa.Column('channel', _channel(), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('extra', sa.JSON(), nullable=True),
        sa.Column('raw', sa.JSON(), nullable=True),
        sa.ForeignKeyConstraint(['pool_id'], ['vote_pool.id'], name='fk_ballot_pool_id_vote_pool_old', ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name='pk_ballot_old'),
    )
    op.execute(
        'INSERT INTO ballot (id, pool_id, channel, created_at, extra, raw) '
        'SELECT m.new_id, r.pool_id, r.channel, CURRENT_TIMESTAMP, r.extra, r.raw '
        'FROM ballot_random r JOIN ballot_id_map m ON m.random_id = r.id'
    )
    op.create_table(
        'ballot_choice',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('ballot_id', sa.Integer(), nullable=False),
        sa.Column('vote_pool_project_id', sa.Integer(), nullable=False),
        sa.Column('points', sa.Integer(), nullable=True),
        sa.Column('rank', sa.Integer(), nullable=True),
        sa.CheckConstraint('rank IS NULL OR rank >= 1', name=op.f('ck_ballot_choice_rank_positive_old')),
        sa.ForeignKeyConstraint(['ballot_id'], ['ballot.id'], name='fk_ballot_choice_ballot_id_ballot_old', ondelete='CASCADE'),
        sa.ForeignKeyConstraint(
            ['vote_pool_project_id'], ['vote_pool_project.id'],
            name='fk_ballot_choice_vote_pool_project_id_vote_pool_project_old', ondelete='CASCADE',
        ),
        sa.PrimaryKeyConstraint('id', name='pk_ballot_choice_old'),
        sa.UniqueConstraint('ballot_id', 'vote_pool_project_id', name='uq_ballot_choice_pair'),
    )
    # Choice ids in ballot order, so that "order of naming" (the old id order) survives.
    op.execute(
        'INSERT INTO ballot_choice (ballot_id, vote_pool_project_id, points, rank) '
        'SELECT m.new_id, c.vote_pool_project_id, c.points, c.rank FROM ballot_choice_random c '
        'JOIN ballot_id_map m ON m.random_id = c.ballot_id ORDER BY m.new_id, c.position'
    )
    op.drop_table('ballot_choice_random')
    op.drop_table('ballot_random')
    op.drop_table('ballot_id_map')
    _restore_names(op.get_bind().dialect.name)
    op.create_index('ix_ballot_pool_id', 'ballot', ['pool_id'], unique=False)
    op.create_index('ix_ballot_choice_vote_pool_project_id', 'ballot_choice', ['vote_pool_project_id'], unique=False)


def _restore_names(dialect):
    if dialect != 'postgresql':
        return  # SQLite: constraint names only live in each table's CREATE statement
    for table, old, new in (
        ('ballot', 'pk_ballot_old', 'pk_ballot'),
        ('ballot', 'fk_ballot_pool_id_vote_pool_old', 'fk_ballot_pool_id_vote_pool'),
        ('ballot_choice', 'pk_ballot_choice_old', 'pk_ballot_choice'),
        ('ballot_choice', 'ck_ballot_choice_rank_positive_old', 'ck_ballot_choice_rank_positive'),
        ('ballot_choice', 'fk_ballot_choice_ballot_id_ballot_old', 'fk_ballot_choice_ballot_id_ballot'),
        (
            'ballot_choice',
            'fk_ballot_choice_vote_pool_project_id_vote_pool_project_old',
            'fk_ballot_choice_vote_pool_project_id_vote_pool_project',
        ),
    ):
        op.execute(f'ALTER TABLE {table} RENAME CONSTRAINT {old} TO {new}')
