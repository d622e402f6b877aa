"""staff sessions passwords two step login

Revision ID: a10e5ec00003
Revises: a10e5ec00002
Create Date: 2026-12-03 10:30:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'a10e5ec00003'
down_revision = 'a10e5ec00002'
branch_labels = None
depends_on = None


def upgrade():
    pass  # issue 10, C (login and sessions): filled in by that work


def downgrade():
    pass
