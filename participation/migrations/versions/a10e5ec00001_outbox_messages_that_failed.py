"""outbox messages that failed

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
    pass  # issue 10, A (mail robustness): filled in by that work


def downgrade():
    pass
