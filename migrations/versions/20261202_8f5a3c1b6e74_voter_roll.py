"""voter roll: roll entries, access codes, account links, participation (émargement), roll settings

Revision ID: 8f5a3c1b6e74
Revises: 7e4f2b0a5d63
Create Date: 2026-12-02 14:00:00
"""

import sqlalchemy as sa
from alembic import op


revision = '8f5a3c1b6e74'
down_revision = '7e4f2b0a5d63'
branch_labels = None
depends_on = None

ROLL_ENTRY = ['voter_roll_entry.edition_id', 'voter_roll_entry.person_key']


def upgrade():
    op.create_table(
        'voter_roll_settings',
        sa.Column('edition_id', sa.Integer(), nullable=False),
        sa.Column('minimum_voting_age', sa.Integer(), nullable=True),
        sa.CheckConstraint(
            'minimum_voting_age IS NULL OR (minimum_voting_age >= 0 AND minimum_voting_age <= 120)',
            name=op.f('ck_voter_roll_settings_minimum_age_range'),
        ),
        sa.ForeignKeyConstraint(
            ['edition_id'], ['edition.id'], name=op.f('fk_voter_roll_settings_edition_id_edition'), ondelete='CASCADE'
        ),
        sa.PrimaryKeyConstraint('edition_id', name=op.f('pk_voter_roll_settings')),
    )
    op.create_table(
        'voter_roll_entry',
        sa.Column('edition_id', sa.Integer(), nullable=False),
        sa.Column('person_key', sa.String(length=64), nullable=False),
        sa.Column('district_id', sa.Integer(), nullable=True),
        sa.Column('weight', sa.Integer(), nullable=False),
        sa.Column(
            'source',
            sa.Enum('census', 'access_code', 'in_person', name='rollsource', native_enum=False, length=20),
            nullable=False,
        ),
        sa.Column('check_key', sa.String(length=64), nullable=True),
        sa.Column('added_on', sa.Date(), nullable=False),
        sa.CheckConstraint('weight >= 1', name=op.f('ck_voter_roll_entry_weight_positive')),
        sa.ForeignKeyConstraint(
            ['district_id'], ['district.id'], name=op.f('fk_voter_roll_entry_district_id_district'), ondelete='RESTRICT'
        ),
        sa.ForeignKeyConstraint(
            ['edition_id'], ['edition.id'], name=op.f('fk_voter_roll_entry_edition_id_edition'), ondelete='CASCADE'
        ),
        sa.PrimaryKeyConstraint('edition_id', 'person_key', name=op.f('pk_voter_roll_entry')),
    )
    with op.batch_alter_table('voter_roll_entry', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_voter_roll_entry_district_id'), ['district_id'], unique=False)

    op.create_table(
        'access_code',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('edition_id', sa.Integer(), nullable=False),
        sa.Column('code_hash', sa.String(length=64), nullable=False),
        sa.Column('person_key', sa.String(length=64), nullable=False),
        sa.Column('district_id', sa.Integer(), nullable=True),
        sa.Column('used_on', sa.Date(), nullable=True),
        sa.ForeignKeyConstraint(
            ['district_id'], ['district.id'], name=op.f('fk_access_code_district_id_district'), ondelete='RESTRICT'
        ),
        sa.ForeignKeyConstraint(
            ['edition_id'], ['edition.id'], name=op.f('fk_access_code_edition_id_edition'), ondelete='CASCADE'
        ),
        sa.ForeignKeyConstraint(
            ['edition_id', 'person_key'], ROLL_ENTRY, name='fk_access_code_roll_entry', ondelete='CASCADE'
        ),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_access_code')),
        sa.UniqueConstraint('code_hash', name=op.f('uq_access_code_code_hash')),
    )
    with op.batch_alter_table('access_code', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_access_code_edition_id'), ['edition_id'], unique=False)

    op.create_table(
        'roll_link',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('edition_id', sa.Integer(), nullable=False),
        sa.Column('person_key', sa.String(length=64), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('linked_on', sa.Date(), nullable=False),
        sa.ForeignKeyConstraint(
            ['edition_id'], ['edition.id'], name=op.f('fk_roll_link_edition_id_edition'), ondelete='CASCADE'
        ),
        sa.ForeignKeyConstraint(
            ['edition_id', 'person_key'], ROLL_ENTRY, name='fk_roll_link_roll_entry', ondelete='CASCADE'
        ),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_roll_link_user_id_users'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_roll_link')),
        sa.UniqueConstraint('edition_id', 'person_key', name='uq_roll_link_edition_person'),
        sa.UniqueConstraint('edition_id', 'user_id', name='uq_roll_link_edition_user'),
    )
    with op.batch_alter_table('roll_link', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_roll_link_user_id'), ['user_id'], unique=False)

    op.create_table(
        'participation',
        sa.Column('edition_id', sa.Integer(), nullable=False),
        sa.Column('person_key', sa.String(length=64), nullable=False),
        sa.Column(
            'channel',
            sa.Enum('online', 'town_hall', 'paper', name='participationchannel', native_enum=False, length=20),
            nullable=False,
        ),
        sa.Column('day', sa.Date(), nullable=False),
        sa.Column('officer_id', sa.Integer(), nullable=True),
        sa.Column('place', sa.String(length=200), nullable=True),
        sa.CheckConstraint("channel != 'online' OR place IS NULL", name=op.f('ck_participation_online_has_no_place')),
        sa.ForeignKeyConstraint(
            ['edition_id'], ['edition.id'], name=op.f('fk_participation_edition_id_edition'), ondelete='CASCADE'
        ),
        sa.ForeignKeyConstraint(['edition_id', 'person_key'], ROLL_ENTRY, name='fk_participation_roll_entry'),
        sa.ForeignKeyConstraint(
            ['officer_id'], ['users.id'], name=op.f('fk_participation_officer_id_users'), ondelete='SET NULL'
        ),
        sa.PrimaryKeyConstraint('edition_id', 'person_key', name=op.f('pk_participation')),
    )


def downgrade():
    op.drop_table('participation')
    with op.batch_alter_table('roll_link', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_roll_link_user_id'))
    op.drop_table('roll_link')
    with op.batch_alter_table('access_code', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_access_code_edition_id'))
    op.drop_table('access_code')
    with op.batch_alter_table('voter_roll_entry', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_voter_roll_entry_district_id'))
    op.drop_table('voter_roll_entry')
    op.drop_table('voter_roll_settings')
