"""homework-support groups and enrolments

Revision ID: 1cd476bfe173
Revises: 57aecc38714d
Create Date: 2026-11-26 08:56:49.034434

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '1cd476bfe173'
down_revision = '57aecc38714d'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('enrolment',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('reference', sa.String(length=8), nullable=False),
    sa.Column('token', sa.String(length=64), nullable=False),
    sa.Column('submission_id', sa.String(length=64), nullable=False),
    sa.Column('parent_name', sa.String(length=120), nullable=False),
    sa.Column('phone', sa.String(length=40), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.Column('language', sa.String(length=2), nullable=False),
    sa.Column('home_languages', sa.String(length=40), nullable=False),
    sa.Column('other_home_languages', sa.String(length=120), nullable=False),
    sa.Column('interpreter', sa.String(length=8), nullable=False),
    sa.Column('consent_at', sa.DateTime(), nullable=False),
    sa.Column('photo_consent', sa.Boolean(), nullable=False),
    sa.Column('school_year', sa.String(length=9), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('intake_on', sa.Date(), nullable=True),
    sa.Column('intake_time', sa.Time(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_enrolment')),
    sa.UniqueConstraint('reference', name=op.f('uq_enrolment_reference')),
    sa.UniqueConstraint('submission_id', name=op.f('uq_enrolment_submission_id')),
    sa.UniqueConstraint('token', name=op.f('uq_enrolment_token'))
    )
    with op.batch_alter_table('enrolment', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_enrolment_school_year'), ['school_year'], unique=False)

    op.create_table('homework_group',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=80), nullable=False),
    sa.Column('school', sa.String(length=20), nullable=False),
    sa.Column('year_from', sa.Integer(), nullable=False),
    sa.Column('year_to', sa.Integer(), nullable=False),
    sa.Column('weekdays', sa.String(length=20), nullable=False),
    sa.Column('start_time', sa.Time(), nullable=False),
    sa.Column('end_time', sa.Time(), nullable=False),
    sa.Column('place', sa.String(length=200), nullable=False),
    sa.Column('capacity', sa.Integer(), nullable=False),
    sa.Column('school_year', sa.String(length=9), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_homework_group'))
    )
    with op.batch_alter_table('homework_group', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_homework_group_school_year'), ['school_year'], unique=False)

    op.create_table('enrolled_child',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('enrolment_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('first_name', sa.String(length=80), nullable=False),
    sa.Column('last_name', sa.String(length=80), nullable=False),
    sa.Column('school', sa.String(length=20), nullable=False),
    sa.Column('other_school', sa.String(length=120), nullable=False),
    sa.Column('grade', sa.Integer(), nullable=False),
    sa.Column('any_group', sa.Boolean(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('group_id', sa.Integer(), nullable=True),
    sa.Column('decided_at', sa.DateTime(), nullable=True),
    sa.Column('told_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['enrolment_id'], ['enrolment.id'], name=op.f('fk_enrolled_child_enrolment_id_enrolment'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['group_id'], ['homework_group.id'], name=op.f('fk_enrolled_child_group_id_homework_group'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_enrolled_child'))
    )
    with op.batch_alter_table('enrolled_child', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_enrolled_child_enrolment_id'), ['enrolment_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_enrolled_child_group_id'), ['group_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_enrolled_child_status'), ['status'], unique=False)

    op.create_table('enrolled_child_group',
    sa.Column('child_id', sa.Integer(), nullable=False),
    sa.Column('group_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['child_id'], ['enrolled_child.id'], name=op.f('fk_enrolled_child_group_child_id_enrolled_child'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['group_id'], ['homework_group.id'], name=op.f('fk_enrolled_child_group_group_id_homework_group'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('child_id', 'group_id', name=op.f('pk_enrolled_child_group'))
    )


def downgrade():
    op.drop_table('enrolled_child_group')
    with op.batch_alter_table('enrolled_child', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_enrolled_child_status'))
        batch_op.drop_index(batch_op.f('ix_enrolled_child_group_id'))
        batch_op.drop_index(batch_op.f('ix_enrolled_child_enrolment_id'))

    op.drop_table('enrolled_child')
    with op.batch_alter_table('homework_group', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_homework_group_school_year'))

    op.drop_table('homework_group')
    with op.batch_alter_table('enrolment', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_enrolment_school_year'))

    op.drop_table('enrolment')
