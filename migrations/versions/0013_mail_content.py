"""an outbox row's content, rendered by the worker

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-29 19:00:00

A registration's e-mail is written in the request as a spec (``content``: who, which event,
the status and reason it was written for); the worker renders its subject and parts from it
at send time and stores them on the row.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('mail_outbox', schema=None) as batch_op:
        batch_op.add_column(sa.Column('content', sa.JSON(), nullable=True))


def downgrade():
    with op.batch_alter_table('mail_outbox', schema=None) as batch_op:
        batch_op.drop_column('content')
