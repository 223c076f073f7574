"""forum choice and enrollment: the organizer's forum-choice rules and per-forum limits, the
forums attendees chose, the seats they hold in sessions with a capacity

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-29 14:40:12.457897

"""
from alembic import op
import sqlalchemy as sa

import eventsys.db_types


# revision identifiers, used by Alembic.
revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('forum_choice_settings',
    sa.Column('conference_id', sa.Integer(), nullable=False),
    sa.Column('mode', sa.String(length=10), nullable=False),
    sa.Column('max_choices', sa.Integer(), nullable=True),
    sa.Column('changes_open', sa.Boolean(), nullable=False),
    sa.CheckConstraint("mode IN ('off', 'optional', 'required')", name=op.f('ck_forum_choice_settings_mode')),
    sa.CheckConstraint('max_choices IS NULL OR max_choices >= 1', name=op.f('ck_forum_choice_settings_max_choices')),
    sa.ForeignKeyConstraint(['conference_id'], ['conferences.id'], name=op.f('fk_forum_choice_settings_conference_id_conferences'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('conference_id', name=op.f('pk_forum_choice_settings'))
    )
    op.create_table('forum_limits',
    sa.Column('forum_id', sa.Integer(), nullable=False),
    sa.Column('capacity', sa.Integer(), nullable=True),
    sa.CheckConstraint('capacity IS NULL OR capacity >= 0', name=op.f('ck_forum_limits_capacity')),
    sa.ForeignKeyConstraint(['forum_id'], ['forums.id'], name=op.f('fk_forum_limits_forum_id_forums'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('forum_id', name=op.f('pk_forum_limits'))
    )
    op.create_table('forum_choices',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('conference_id', sa.Integer(), nullable=False),
    sa.Column('registration_id', sa.Integer(), nullable=False),
    sa.Column('forum_id', sa.Integer(), nullable=False),
    sa.Column('created_at', eventsys.db_types.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['conference_id'], ['conferences.id'], name=op.f('fk_forum_choices_conference_id_conferences'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['forum_id'], ['forums.id'], name=op.f('fk_forum_choices_forum_id_forums'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['registration_id'], ['registrations.id'], name=op.f('fk_forum_choices_registration_id_registrations'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_forum_choices')),
    sa.UniqueConstraint('registration_id', 'forum_id', name=op.f('uq_forum_choices_registration_id_forum_id'))
    )
    with op.batch_alter_table('forum_choices', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_forum_choices_conference_id'), ['conference_id'], unique=False)
        batch_op.create_index('ix_forum_choices_forum_id', ['forum_id'], unique=False)

    op.create_table('session_enrollments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('conference_id', sa.Integer(), nullable=False),
    sa.Column('session_id', sa.Integer(), nullable=False),
    sa.Column('registration_id', sa.Integer(), nullable=False),
    sa.Column('created_at', eventsys.db_types.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['conference_id'], ['conferences.id'], name=op.f('fk_session_enrollments_conference_id_conferences'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['registration_id'], ['registrations.id'], name=op.f('fk_session_enrollments_registration_id_registrations'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['session_id'], ['schedule_sessions.id'], name=op.f('fk_session_enrollments_session_id_schedule_sessions'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_session_enrollments')),
    sa.UniqueConstraint('session_id', 'registration_id', name=op.f('uq_session_enrollments_session_id_registration_id'))
    )
    with op.batch_alter_table('session_enrollments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_session_enrollments_conference_id'), ['conference_id'], unique=False)
        batch_op.create_index('ix_session_enrollments_registration_id', ['registration_id'], unique=False)



def downgrade():
    with op.batch_alter_table('session_enrollments', schema=None) as batch_op:
        batch_op.drop_index('ix_session_enrollments_registration_id')
        batch_op.drop_index(batch_op.f('ix_session_enrollments_conference_id'))

    op.drop_table('session_enrollments')
    with op.batch_alter_table('forum_choices', schema=None) as batch_op:
        batch_op.drop_index('ix_forum_choices_forum_id')
        batch_op.drop_index(batch_op.f('ix_forum_choices_conference_id'))

    op.drop_table('forum_choices')
    op.drop_table('forum_limits')
    op.drop_table('forum_choice_settings')
