"""sign up limits per activity

Revision ID: a10e5ec00005
Revises: a10e5ec00004
Create Date: 2026-12-03 10:30:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'a10e5ec00005'
down_revision = 'a10e5ec00004'
branch_labels = None
depends_on = None


def upgrade():
    pass  # issue 10, E (sign-up abuse): filled in by that work


def downgrade():
    pass
