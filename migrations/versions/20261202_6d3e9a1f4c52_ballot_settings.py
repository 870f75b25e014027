"""ballot settings: an edition's ballot format and limits, counting rule and districts

Revision ID: 6d3e9a1f4c52
Revises: 5c2d8f0e3b41
Create Date: 2026-12-02 05:00:00
"""

import sqlalchemy as sa
from alembic import op


revision = '6d3e9a1f4c52'
down_revision = '5c2d8f0e3b41'
branch_labels = None
depends_on = None

RULES = "'greedy', 'mes-add1-official', 'mes-greedy', 'phragmen'"


def upgrade():
    op.create_table(
        'ballot_settings',
        sa.Column('edition_id', sa.Integer(), nullable=False),
        sa.Column(
            'ballot_format',
            sa.Enum('approval', 'k_approval', 'knapsack', 'cumulative', 'ranking', name='ballotformat', native_enum=False, length=20),
            nullable=False,
        ),
        sa.Column('counting_rule', sa.String(length=40), nullable=False),
        sa.Column('scope', sa.Enum('per_district', 'edition', name='ballotscope', native_enum=False, length=20), nullable=False),
        sa.Column(
            'districts_per_voter',
            sa.Enum('own', 'own_plus_one', 'all', name='districtspervoter', native_enum=False, length=20),
            nullable=False,
        ),
        sa.Column('min_choices', sa.Integer(), nullable=True),
        sa.Column('max_choices', sa.Integer(), nullable=True),
        sa.Column('min_spend_percent', sa.Integer(), nullable=True),
        sa.Column('total_points', sa.Integer(), nullable=True),
        sa.Column('max_points_per_project', sa.Integer(), nullable=True),
        sa.Column('ranking_length', sa.Integer(), nullable=True),
        sa.Column('updated_at', sa.DateTime(), nullable=False),
        sa.Column('updated_by_id', sa.Integer(), nullable=True),
        sa.CheckConstraint(f'counting_rule IN ({RULES})', name=op.f('ck_ballot_settings_known_counting_rule')),
        sa.CheckConstraint('min_choices IS NULL OR min_choices >= 1', name=op.f('ck_ballot_settings_min_choices_positive')),
        sa.CheckConstraint(
            'min_choices IS NULL OR max_choices IS NULL OR min_choices <= max_choices',
            name=op.f('ck_ballot_settings_min_not_above_max'),
        ),
        sa.CheckConstraint(
            "ballot_format != 'k_approval' OR (min_choices IS NOT NULL AND max_choices IS NOT NULL)",
            name=op.f('ck_ballot_settings_k_approval_has_limits'),
        ),
        sa.CheckConstraint(
            'min_spend_percent IS NULL OR (min_spend_percent >= 0 AND min_spend_percent <= 100)',
            name=op.f('ck_ballot_settings_min_spend_percent_range'),
        ),
        sa.CheckConstraint('total_points IS NULL OR total_points >= 1', name=op.f('ck_ballot_settings_total_points_positive')),
        sa.CheckConstraint(
            'max_points_per_project IS NULL OR (max_points_per_project >= 1 AND '
            '(total_points IS NULL OR max_points_per_project <= total_points))',
            name=op.f('ck_ballot_settings_points_cap_within_total'),
        ),
        sa.CheckConstraint(
            "ballot_format != 'cumulative' OR (total_points IS NOT NULL AND max_points_per_project IS NOT NULL)",
            name=op.f('ck_ballot_settings_cumulative_has_points'),
        ),
        sa.CheckConstraint('ranking_length IS NULL OR ranking_length >= 1', name=op.f('ck_ballot_settings_ranking_length_positive')),
        sa.CheckConstraint(
            "ballot_format != 'ranking' OR ranking_length IS NOT NULL", name=op.f('ck_ballot_settings_ranking_has_length')
        ),
        sa.ForeignKeyConstraint(
            ['edition_id'], ['edition.id'], name=op.f('fk_ballot_settings_edition_id_edition'), ondelete='CASCADE'
        ),
        sa.ForeignKeyConstraint(
            ['updated_by_id'], ['users.id'], name=op.f('fk_ballot_settings_updated_by_id_users'), ondelete='SET NULL'
        ),
        sa.PrimaryKeyConstraint('edition_id', name=op.f('pk_ballot_settings')),
    )


def downgrade():
    op.drop_table('ballot_settings')
