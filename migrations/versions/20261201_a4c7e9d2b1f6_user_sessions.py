"""server-side user sessions (logout ends them); drop the per-person login nonce they replace

Revision ID: a4c7e9d2b1f6
Revises: 5b7e2c1d9f30
Create Date: 2026-12-01 21:45:00
"""

import secrets

import sqlalchemy as sa
from alembic import op


revision = 'a4c7e9d2b1f6'
down_revision = '5b7e2c1d9f30'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'user_session',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('token_hash', sa.String(length=64), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('last_seen_at', sa.DateTime(), nullable=False),
        sa.Column('user_agent', sa.String(length=120), nullable=False),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_user_session_user_id_users'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_user_session')),
        sa.UniqueConstraint('token_hash', name=op.f('uq_user_session_token_hash')),
    )
    with op.batch_alter_table('user_session', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_user_session_user_id'), ['user_id'], unique=False)
    # Existing cookies carried "id:nonce" and match no session row: everyone logs in again once.
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('login_nonce')


def downgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('login_nonce', sa.String(length=32), nullable=True))
    users = sa.table('users', sa.column('id', sa.Integer()), sa.column('login_nonce', sa.String()))
    connection = op.get_bind()
    for (user_id,) in connection.execute(sa.select(users.c.id)).all():
        connection.execute(
            users.update().where(users.c.id == user_id).values(login_nonce=secrets.token_urlsafe(16))
        )
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.alter_column('login_nonce', existing_type=sa.String(length=32), nullable=False)
    with op.batch_alter_table('user_session', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_user_session_user_id'))
    op.drop_table('user_session')
