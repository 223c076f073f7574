"""check-in states found by registration alone

Revision ID: 0014
Revises: 0013
Create Date: 2026-11-29 21:30:00

The attendee's own page reads whether the registration was checked in on any list; the only
index that held ``registration_id`` led with ``list_id``, so PostgreSQL scanned all of it.
"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('checkin_states', schema=None) as batch_op:
        batch_op.create_index('ix_checkin_states_registration_id', ['registration_id'], unique=False)


def downgrade():
    with op.batch_alter_table('checkin_states', schema=None) as batch_op:
        batch_op.drop_index('ix_checkin_states_registration_id')
