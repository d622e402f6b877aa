"""index for the agenda's revision query

The agenda and the feeds count the public events on every request (agenda/routes.py,
_revision); with this index the database answers from the index alone.

Revision ID: 96d49ac3ff2a
Revises: 33cba1236346
Create Date: 2026-11-26 10:46:58.282252

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '96d49ac3ff2a'
down_revision = '33cba1236346'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('event', schema=None) as batch_op:
        batch_op.create_index('ix_event_revision', ['status', 'category', 'sequence', 'updated_at', 'id'], unique=False)


def downgrade():
    with op.batch_alter_table('event', schema=None) as batch_op:
        batch_op.drop_index('ix_event_revision')
