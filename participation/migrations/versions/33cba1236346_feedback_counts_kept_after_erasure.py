"""feedback counts kept after erasure

Revision ID: 33cba1236346
Revises: a46ad1c0b44a
Create Date: 2026-11-26 09:31:19.846231

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '33cba1236346'
down_revision = 'a46ad1c0b44a'
branch_labels = None
depends_on = None


def upgrade():

    op.create_table('feedback_tally',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('month', sa.Integer(), nullable=False),
    sa.Column('category', sa.String(length=20), nullable=False),
    sa.Column('count', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_feedback_tally')),
    sa.UniqueConstraint('year', 'month', 'category', name=op.f('uq_feedback_tally_year'))
    )



def downgrade():

    op.drop_table('feedback_tally')

