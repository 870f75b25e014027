"""editions, phases, proposals, comments, moderation

Revision ID: cc89f85d47e7
Revises: 9a26bbecb479
Create Date: 2026-11-22 03:15:33.370073
"""

import sqlalchemy as sa
from alembic import op

# Frozen copies of the FTS5 statements (a migration must not change when the app code does).
FTS_STATEMENTS = [
    "CREATE VIRTUAL TABLE IF NOT EXISTS proposal_fts USING fts5(\n        title, summary, description, content='proposal', content_rowid='id',\n        tokenize='unicode61 remove_diacritics 2')",
    'CREATE TRIGGER IF NOT EXISTS proposal_fts_insert AFTER INSERT ON proposal BEGIN\n        INSERT INTO proposal_fts(rowid, title, summary, description)\n        VALUES (new.id, new.title, new.summary, new.description); END',
    "CREATE TRIGGER IF NOT EXISTS proposal_fts_delete AFTER DELETE ON proposal BEGIN\n        INSERT INTO proposal_fts(proposal_fts, rowid, title, summary, description)\n        VALUES ('delete', old.id, old.title, old.summary, old.description); END",
    "CREATE TRIGGER IF NOT EXISTS proposal_fts_update\n        AFTER UPDATE OF title, summary, description ON proposal\n        BEGIN\n        INSERT INTO proposal_fts(proposal_fts, rowid, title, summary, description)\n        VALUES ('delete', old.id, old.title, old.summary, old.description);\n        INSERT INTO proposal_fts(rowid, title, summary, description)\n        VALUES (new.id, new.title, new.summary, new.description); END",
]
DROP_STATEMENTS = [
    'DROP TRIGGER IF EXISTS proposal_fts_update',
    'DROP TRIGGER IF EXISTS proposal_fts_delete',
    'DROP TRIGGER IF EXISTS proposal_fts_insert',
    'DROP TABLE IF EXISTS proposal_fts',
]


revision = 'cc89f85d47e7'
down_revision = '9a26bbecb479'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('edition',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('slug', sa.String(length=120), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('rules_text', sa.Text(), nullable=False),
    sa.Column('envelope_cents', sa.BigInteger(), nullable=False),
    sa.Column('population', sa.Integer(), nullable=True),
    sa.Column('investment_budget_cents', sa.BigInteger(), nullable=True),
    sa.Column('mode', sa.Enum('residents_submit', 'city_list', name='editionmode', native_enum=False, length=30), nullable=False),
    sa.Column('published', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint('envelope_cents >= 0', name=op.f('ck_edition_envelope_not_negative')),
    sa.CheckConstraint('investment_budget_cents IS NULL OR investment_budget_cents > 0', name=op.f('ck_edition_investment_budget_positive')),
    sa.CheckConstraint('population IS NULL OR population > 0', name=op.f('ck_edition_population_positive')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_edition')),
    sa.UniqueConstraint('slug', name=op.f('uq_edition_slug'))
    )
    op.create_table('edition_district',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('edition_id', sa.Integer(), nullable=False),
    sa.Column('district_id', sa.Integer(), nullable=False),
    sa.Column('envelope_cents', sa.BigInteger(), nullable=True),
    sa.CheckConstraint('envelope_cents IS NULL OR envelope_cents >= 0', name=op.f('ck_edition_district_envelope_not_negative')),
    sa.ForeignKeyConstraint(['district_id'], ['district.id'], name=op.f('fk_edition_district_district_id_district'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['edition_id'], ['edition.id'], name=op.f('fk_edition_district_edition_id_edition'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_edition_district')),
    sa.UniqueConstraint('edition_id', 'district_id', name='uq_edition_district_pair')
    )
    with op.batch_alter_table('edition_district', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_edition_district_edition_id'), ['edition_id'], unique=False)

    op.create_table('phase',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('edition_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('submission', 'preselection', 'analysis', 'vote', 'results', 'realisation', name='phasekind', native_enum=False, length=20), nullable=False),
    sa.Column('starts_at', sa.DateTime(), nullable=False),
    sa.Column('ends_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint('ends_at > starts_at', name=op.f('ck_phase_ends_after_start')),
    sa.ForeignKeyConstraint(['edition_id'], ['edition.id'], name=op.f('fk_phase_edition_id_edition'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_phase')),
    sa.UniqueConstraint('edition_id', 'kind', name='uq_phase_edition_kind')
    )
    with op.batch_alter_table('phase', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_phase_edition_id'), ['edition_id'], unique=False)

    op.create_table('theme',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('edition_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.ForeignKeyConstraint(['edition_id'], ['edition.id'], name=op.f('fk_theme_edition_id_edition'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_theme')),
    sa.UniqueConstraint('edition_id', 'name', name='uq_theme_edition_name')
    )
    with op.batch_alter_table('theme', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_theme_edition_id'), ['edition_id'], unique=False)

    op.create_table('proposal',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('edition_id', sa.Integer(), nullable=False),
    sa.Column('reference', sa.String(length=40), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=True),
    sa.Column('recorded_by_id', sa.Integer(), nullable=True),
    sa.Column('channel', sa.Enum('online', 'in_person', name='channel', native_enum=False, length=20), nullable=False),
    sa.Column('status', sa.Enum('draft', 'submitted', 'withdrawn', 'preselected', 'not_preselected', 'feasible', 'not_feasible', 'on_ballot', 'selected', 'not_selected', 'in_progress', 'delivered', name='proposalstatus', native_enum=False, length=20), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('summary', sa.String(length=500), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('district_id', sa.Integer(), nullable=True),
    sa.Column('theme_id', sa.Integer(), nullable=True),
    sa.Column('estimated_cost_cents', sa.BigInteger(), nullable=True),
    sa.Column('address', sa.String(length=300), nullable=True),
    sa.Column('latitude', sa.Double(), nullable=True),
    sa.Column('longitude', sa.Double(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('submitted_at', sa.DateTime(), nullable=True),
    sa.Column('search_text', sa.Text(), nullable=False),
    sa.Column('version_count', sa.Integer(), nullable=False),
    sa.Column('comment_count', sa.Integer(), nullable=False),
    sa.Column('hidden_at', sa.DateTime(), nullable=True),
    sa.Column('hidden_reason', sa.String(length=40), nullable=True),
    sa.CheckConstraint("channel = 'in_person' OR author_id IS NOT NULL", name=op.f('ck_proposal_online_has_author')),
    sa.CheckConstraint('estimated_cost_cents IS NULL OR estimated_cost_cents >= 0', name=op.f('ck_proposal_cost_not_negative')),
    sa.CheckConstraint('latitude IS NULL OR (latitude >= -90 AND latitude <= 90)', name=op.f('ck_proposal_latitude_range')),
    sa.CheckConstraint('longitude IS NULL OR (longitude >= -180 AND longitude <= 180)', name=op.f('ck_proposal_longitude_range')),
    sa.ForeignKeyConstraint(['author_id'], ['users.id'], name=op.f('fk_proposal_author_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['district_id'], ['district.id'], name=op.f('fk_proposal_district_id_district'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['edition_id'], ['edition.id'], name=op.f('fk_proposal_edition_id_edition'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['users.id'], name=op.f('fk_proposal_recorded_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['theme_id'], ['theme.id'], name=op.f('fk_proposal_theme_id_theme'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_proposal')),
    sa.UniqueConstraint('reference', name=op.f('uq_proposal_reference'))
    )
    with op.batch_alter_table('proposal', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_proposal_author_id'), ['author_id'], unique=False)
        batch_op.create_index('ix_proposal_edition_district', ['edition_id', 'district_id'], unique=False)
        batch_op.create_index('ix_proposal_edition_status', ['edition_id', 'status'], unique=False)
        batch_op.create_index('ix_proposal_edition_submitted', ['edition_id', 'submitted_at'], unique=False)

    op.create_table('report',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('target_type', sa.Enum('proposal', 'comment', name='reporttarget', native_enum=False, length=20), nullable=False),
    sa.Column('target_id', sa.Integer(), nullable=False),
    sa.Column('edition_id', sa.Integer(), nullable=True),
    sa.Column('reporter_id', sa.Integer(), nullable=True),
    sa.Column('reason', sa.Enum('spam', 'offensive', 'off_topic', 'personal_data', 'other', name='reportreason', native_enum=False, length=20), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('state', sa.Enum('open', 'upheld', 'dismissed', name='reportstate', native_enum=False, length=20), nullable=False),
    sa.Column('decided_by_id', sa.Integer(), nullable=True),
    sa.Column('decided_at', sa.DateTime(), nullable=True),
    sa.Column('decision_note', sa.String(length=500), nullable=True),
    sa.ForeignKeyConstraint(['decided_by_id'], ['users.id'], name=op.f('fk_report_decided_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['edition_id'], ['edition.id'], name=op.f('fk_report_edition_id_edition'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['reporter_id'], ['users.id'], name=op.f('fk_report_reporter_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_report')),
    sa.UniqueConstraint('target_type', 'target_id', 'reporter_id', name='uq_report_once_per_reporter')
    )
    with op.batch_alter_table('report', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_report_edition_id'), ['edition_id'], unique=False)
        batch_op.create_index('ix_report_state_created', ['state', 'created_at'], unique=False)
        batch_op.create_index('ix_report_target', ['target_type', 'target_id'], unique=False)

    op.create_table('comment',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('proposal_id', sa.Integer(), nullable=False),
    sa.Column('parent_id', sa.Integer(), nullable=True),
    sa.Column('author_id', sa.Integer(), nullable=True),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('edited_at', sa.DateTime(), nullable=True),
    sa.Column('hidden_at', sa.DateTime(), nullable=True),
    sa.Column('hidden_reason', sa.String(length=40), nullable=True),
    sa.ForeignKeyConstraint(['author_id'], ['users.id'], name=op.f('fk_comment_author_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['parent_id'], ['comment.id'], name=op.f('fk_comment_parent_id_comment'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['proposal_id'], ['proposal.id'], name=op.f('fk_comment_proposal_id_proposal'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_comment'))
    )
    with op.batch_alter_table('comment', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_comment_author_id'), ['author_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_comment_parent_id'), ['parent_id'], unique=False)
        batch_op.create_index('ix_comment_proposal_created', ['proposal_id', 'created_at'], unique=False)

    op.create_table('in_person_contact',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('proposal_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('contact', sa.String(length=300), nullable=False),
    sa.ForeignKeyConstraint(['proposal_id'], ['proposal.id'], name=op.f('fk_in_person_contact_proposal_id_proposal'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_in_person_contact')),
    sa.UniqueConstraint('proposal_id', name=op.f('uq_in_person_contact_proposal_id'))
    )
    op.create_table('proposal_coauthor',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('proposal_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('invited_at', sa.DateTime(), nullable=False),
    sa.Column('accepted_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['proposal_id'], ['proposal.id'], name=op.f('fk_proposal_coauthor_proposal_id_proposal'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_proposal_coauthor_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_proposal_coauthor')),
    sa.UniqueConstraint('proposal_id', 'user_id', name='uq_proposal_coauthor_pair')
    )
    with op.batch_alter_table('proposal_coauthor', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_proposal_coauthor_proposal_id'), ['proposal_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_proposal_coauthor_user_id'), ['user_id'], unique=False)

    op.create_table('proposal_image',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('proposal_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('stored_name', sa.String(length=80), nullable=False),
    sa.Column('original_name', sa.String(length=200), nullable=False),
    sa.Column('content_type', sa.String(length=40), nullable=False),
    sa.Column('width', sa.Integer(), nullable=False),
    sa.Column('height', sa.Integer(), nullable=False),
    sa.Column('alt_text', sa.String(length=300), nullable=False),
    sa.CheckConstraint('position >= 0 AND position < 3', name=op.f('ck_proposal_image_at_most_three')),
    sa.ForeignKeyConstraint(['proposal_id'], ['proposal.id'], name=op.f('fk_proposal_image_proposal_id_proposal'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_proposal_image')),
    sa.UniqueConstraint('proposal_id', 'position', name='uq_proposal_image_position'),
    sa.UniqueConstraint('stored_name', name=op.f('uq_proposal_image_stored_name'))
    )
    with op.batch_alter_table('proposal_image', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_proposal_image_proposal_id'), ['proposal_id'], unique=False)

    op.create_table('proposal_status_change',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('proposal_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.Enum('draft', 'submitted', 'withdrawn', 'preselected', 'not_preselected', 'feasible', 'not_feasible', 'on_ballot', 'selected', 'not_selected', 'in_progress', 'delivered', name='proposalstatus', native_enum=False, length=20), nullable=False),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.Column('public_reason', sa.Text(), nullable=True),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['actor_id'], ['users.id'], name=op.f('fk_proposal_status_change_actor_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['proposal_id'], ['proposal.id'], name=op.f('fk_proposal_status_change_proposal_id_proposal'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_proposal_status_change'))
    )
    with op.batch_alter_table('proposal_status_change', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_proposal_status_change_proposal_id'), ['proposal_id'], unique=False)

    op.create_table('proposal_version',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('proposal_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('summary', sa.String(length=500), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('estimated_cost_cents', sa.BigInteger(), nullable=True),
    sa.Column('edited_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['edited_by_id'], ['users.id'], name=op.f('fk_proposal_version_edited_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['proposal_id'], ['proposal.id'], name=op.f('fk_proposal_version_proposal_id_proposal'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_proposal_version')),
    sa.UniqueConstraint('proposal_id', 'number', name='uq_proposal_version_number')
    )
    with op.batch_alter_table('proposal_version', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_proposal_version_proposal_id'), ['proposal_id'], unique=False)

    # Full-text index of proposals (SQLite only; PostgreSQL uses the LIKE fallback).
    if op.get_bind().dialect.name == "sqlite":
        for statement in FTS_STATEMENTS:
            op.execute(statement)


def downgrade():
    if op.get_bind().dialect.name == "sqlite":
        for statement in DROP_STATEMENTS:
            op.execute(statement)
    with op.batch_alter_table('proposal_version', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_proposal_version_proposal_id'))

    op.drop_table('proposal_version')
    with op.batch_alter_table('proposal_status_change', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_proposal_status_change_proposal_id'))

    op.drop_table('proposal_status_change')
    with op.batch_alter_table('proposal_image', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_proposal_image_proposal_id'))

    op.drop_table('proposal_image')
    with op.batch_alter_table('proposal_coauthor', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_proposal_coauthor_user_id'))
        batch_op.drop_index(batch_op.f('ix_proposal_coauthor_proposal_id'))

    op.drop_table('proposal_coauthor')
    op.drop_table('in_person_contact')
    with op.batch_alter_table('comment', schema=None) as batch_op:
        batch_op.drop_index('ix_comment_proposal_created')
        batch_op.drop_index(batch_op.f('ix_comment_parent_id'))
        batch_op.drop_index(batch_op.f('ix_comment_author_id'))

    op.drop_table('comment')
    with op.batch_alter_table('report', schema=None) as batch_op:
        batch_op.drop_index('ix_report_target')
        batch_op.drop_index('ix_report_state_created')
        batch_op.drop_index(batch_op.f('ix_report_edition_id'))

    op.drop_table('report')
    with op.batch_alter_table('proposal', schema=None) as batch_op:
        batch_op.drop_index('ix_proposal_edition_submitted')
        batch_op.drop_index('ix_proposal_edition_status')
        batch_op.drop_index('ix_proposal_edition_district')
        batch_op.drop_index(batch_op.f('ix_proposal_author_id'))

    op.drop_table('proposal')
    with op.batch_alter_table('theme', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_theme_edition_id'))

    op.drop_table('theme')
    with op.batch_alter_table('phase', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_phase_edition_id'))

    op.drop_table('phase')
    with op.batch_alter_table('edition_district', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_edition_district_edition_id'))

    op.drop_table('edition_district')
    op.drop_table('edition')
