"""phone numbers stored in one form

Revision ID: a10e5ec00002
Revises: a10e5ec00001
Create Date: 2026-12-03 10:30:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'a10e5ec00002'
down_revision = 'a10e5ec00001'
branch_labels = None
depends_on = None


def upgrade():
    pass  # issue 10, B (phone and privacy): filled in by that work


def downgrade():
    pass
