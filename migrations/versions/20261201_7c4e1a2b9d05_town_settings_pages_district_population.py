"""town settings (name, logo, colours), town public pages, district population

Revision ID: 7c4e1a2b9d05
Revises: c4e1a7b90d52
Create Date: 2026-12-01 21:34:54.158460
"""

import sqlalchemy as sa
from alembic import op


revision = '7c4e1a2b9d05'
down_revision = 'c4e1a7b90d52'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('town_settings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('primary_colour', sa.String(length=7), nullable=False),
    sa.Column('secondary_colour', sa.String(length=7), nullable=False),
    sa.Column('logo_png', sa.LargeBinary(), nullable=True),
    sa.Column('logo_width', sa.Integer(), nullable=True),
    sa.Column('logo_height', sa.Integer(), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint('id = 1', name=op.f('ck_town_settings_single_row')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_town_settings'))
    )
    op.create_table('town_page',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('legal_notice', 'privacy', 'charter', 'accessibility', name='pagekind', native_enum=False, length=20), nullable=False),
    sa.Column('lang', sa.String(length=5), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.Column('updated_by_id', sa.Integer(), nullable=True),
    sa.CheckConstraint("lang IN ('fr', 'en')", name=op.f('ck_town_page_lang_known')),
    sa.ForeignKeyConstraint(['updated_by_id'], ['users.id'], name=op.f('fk_town_page_updated_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_town_page')),
    sa.UniqueConstraint('kind', 'lang', name='uq_town_page_kind_lang')
    )
    with op.batch_alter_table('district', schema=None) as batch_op:
        batch_op.add_column(sa.Column('population', sa.Integer(), nullable=True))
        batch_op.create_check_constraint(
            op.f('ck_district_population_positive'), 'population IS NULL OR population > 0'
        )



def downgrade():
    with op.batch_alter_table('district', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_district_population_positive'), type_='check')
        batch_op.drop_column('population')

    op.drop_table('town_page')
    op.drop_table('town_settings')
