"""outbox messages that failed

A message the mail server refuses for good, or that cannot be built, is marked failed after
OUTBOX_MAX_ATTEMPTS tries instead of being claimed again for ever; staff see it at /staff/outbox/.

Revision ID: a10e5ec00001
Revises: 96d49ac3ff2a
Create Date: 2026-12-03 10:30:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'a10e5ec00001'
down_revision = '96d49ac3ff2a'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('outbox_message', schema=None) as batch_op:
        batch_op.add_column(sa.Column('failed_at', sa.DateTime(), nullable=True))
        batch_op.create_index(batch_op.f('ix_outbox_message_failed_at'), ['failed_at'], unique=False)


def downgrade():
    with op.batch_alter_table('outbox_message', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_outbox_message_failed_at'))
        batch_op.drop_column('failed_at')
