"""sign up limits per activity

Staff set the most people one sign-up may bring; events stored before get the default of 4.

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
    with op.batch_alter_table('event', schema=None) as batch_op:
        batch_op.add_column(sa.Column('max_people_per_signup', sa.Integer(), server_default='4', nullable=False))


def downgrade():
    # Never by copying the table on SQLite: dropping the old event table would take every sign-up and
    # text with it (ON DELETE CASCADE, foreign keys on). SQLite 3.35+ drops a column in place.
    with op.batch_alter_table('event', schema=None, recreate='never') as batch_op:
        batch_op.drop_column('max_people_per_signup')
