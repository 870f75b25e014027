"""Co-author invitations by e-mail address: an address without an account can be invited

Revision ID: 4f1c2a9e7b3d
Revises: 7c4e1a2b9d05
Create Date: 2026-12-01 21:40:00

"""
import sqlalchemy as sa
from alembic import op

revision = '4f1c2a9e7b3d'
down_revision = '7c4e1a2b9d05'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('proposal_coauthor', schema=None) as batch_op:
        batch_op.add_column(sa.Column('invited_email', sa.String(length=254), nullable=True))
    op.execute(
        "UPDATE proposal_coauthor SET invited_email = "
        "(SELECT users.email FROM users WHERE users.id = proposal_coauthor.user_id)"
    )
    # An invitation of an account deleted since keeps a placeholder address nobody can hold.
    op.execute(
        "UPDATE proposal_coauthor SET invited_email = 'deleted-' || id || '@invalid' WHERE invited_email IS NULL"
    )
    with op.batch_alter_table('proposal_coauthor', schema=None) as batch_op:
        batch_op.alter_column('invited_email', existing_type=sa.String(length=254), nullable=False)
        batch_op.alter_column('user_id', existing_type=sa.Integer(), nullable=True)
        batch_op.create_index(batch_op.f('ix_proposal_coauthor_invited_email'), ['invited_email'], unique=False)
        batch_op.create_unique_constraint('uq_proposal_coauthor_address', ['proposal_id', 'invited_email'])
        batch_op.create_check_constraint('accepted_has_account', 'accepted_at IS NULL OR user_id IS NOT NULL')


def downgrade():
    op.execute("DELETE FROM proposal_coauthor WHERE user_id IS NULL")
    with op.batch_alter_table('proposal_coauthor', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_proposal_coauthor_accepted_has_account'), type_='check')
        batch_op.drop_constraint('uq_proposal_coauthor_address', type_='unique')
        batch_op.drop_index(batch_op.f('ix_proposal_coauthor_invited_email'))
        batch_op.alter_column('user_id', existing_type=sa.Integer(), nullable=False)
        batch_op.drop_column('invited_email')
