"""dates of a series in their own right

Series repeat weekly (every n weeks) or monthly (the n-th weekday, a day of the month), until a date
or for a number of dates, with extra dates; events may last whole days. A date can be cancelled or
moved (event_date); places count per date or once for the series; sign-ups may be for one date and
share a private link; staff tick who came, per date (attendance).

Existing weekly series become rules of kind "weekly"; existing sign-ups stay sign-ups for the whole
series, and one that was reminded is marked as reminded for the series' first date.

Revision ID: a11d47e00001
Revises: a10e5ec00005
Create Date: 2026-12-06 22:10:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'a11d47e00001'
down_revision = 'a10e5ec00005'
branch_labels = None
depends_on = None

EVENT_COLUMNS = ('all_day', 'repeat', 'repeat_interval', 'repeat_setpos', 'repeat_monthday', 'repeat_count',
                 'extra_dates', 'places_per', 'late_joining')


def upgrade():
    # Never by copying the event table on SQLite: dropping it would take every sign-up and text with it.
    with op.batch_alter_table('event', schema=None, recreate='never') as batch_op:
        batch_op.add_column(sa.Column('all_day', sa.Boolean(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('repeat', sa.String(length=8), nullable=True))
        batch_op.add_column(sa.Column('repeat_interval', sa.Integer(), server_default='1', nullable=False))
        batch_op.add_column(sa.Column('repeat_setpos', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('repeat_monthday', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('repeat_count', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('extra_dates', sa.Text(), server_default='', nullable=False))
        batch_op.add_column(sa.Column('places_per', sa.String(length=8), server_default='series', nullable=False))
        batch_op.add_column(sa.Column('late_joining', sa.Boolean(), server_default='0', nullable=False))
    op.execute("UPDATE event SET repeat = 'weekly' WHERE repeat_weekdays IS NOT NULL AND repeat_weekdays <> ''")

    op.create_table('event_date',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('event_id', sa.Integer(), nullable=False),
    sa.Column('original_start', sa.DateTime(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('starts_at', sa.DateTime(), nullable=True),
    sa.Column('ends_at', sa.DateTime(), nullable=True),
    sa.Column('address', sa.String(length=200), nullable=False),
    sa.Column('texts', sa.JSON(), nullable=False),
    sa.Column('sequence', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['event_id'], ['event.id'], name=op.f('fk_event_date_event_id_event'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_event_date')),
    sa.UniqueConstraint('event_id', 'original_start', name=op.f('uq_event_date_event_id'))
    )
    with op.batch_alter_table('event_date', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_event_date_event_id'), ['event_id'], unique=False)

    # The signup table has no children yet, so SQLite may copy it to drop its unique constraints.
    with op.batch_alter_table('signup', schema=None) as batch_op:
        batch_op.add_column(sa.Column('occurrence_start', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('reminded_for', sa.DateTime(), nullable=True))
        batch_op.alter_column('submission_id', existing_type=sa.String(length=64), type_=sa.String(length=80),
                              existing_nullable=True)
        batch_op.drop_constraint('uq_signup_reference', type_='unique')
        batch_op.drop_constraint('uq_signup_token', type_='unique')
        batch_op.create_index(batch_op.f('ix_signup_reference'), ['reference'], unique=False)
        batch_op.create_index(batch_op.f('ix_signup_token'), ['token'], unique=False)
        batch_op.create_index('ix_signup_event_date', ['event_id', 'occurrence_start', 'status'], unique=False)
    op.execute("UPDATE signup SET reminded_for = (SELECT starts_at FROM event WHERE event.id = signup.event_id) "
               "WHERE reminder_sent_at IS NOT NULL")

    op.create_table('attendance',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('event_id', sa.Integer(), nullable=False),
    sa.Column('occurrence_start', sa.DateTime(), nullable=False),
    sa.Column('signup_id', sa.Integer(), nullable=True),
    sa.Column('people', sa.Integer(), nullable=False),
    sa.Column('marked_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['event_id'], ['event.id'], name=op.f('fk_attendance_event_id_event'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['signup_id'], ['signup.id'], name=op.f('fk_attendance_signup_id_signup'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_attendance')),
    sa.UniqueConstraint('signup_id', 'occurrence_start', name=op.f('uq_attendance_signup_id'))
    )
    with op.batch_alter_table('attendance', schema=None) as batch_op:
        batch_op.create_index('ix_attendance_event_date', ['event_id', 'occurrence_start'], unique=False)


def downgrade():
    op.drop_table('attendance')
    with op.batch_alter_table('signup', schema=None) as batch_op:
        batch_op.drop_index('ix_signup_event_date')
        batch_op.drop_index(batch_op.f('ix_signup_token'))
        batch_op.drop_index(batch_op.f('ix_signup_reference'))
        batch_op.create_unique_constraint('uq_signup_token', ['token'])
        batch_op.create_unique_constraint('uq_signup_reference', ['reference'])
        batch_op.alter_column('submission_id', existing_type=sa.String(length=80), type_=sa.String(length=64),
                              existing_nullable=True)
        batch_op.drop_column('reminded_for')
        batch_op.drop_column('occurrence_start')
    op.drop_table('event_date')
    with op.batch_alter_table('event', schema=None, recreate='never') as batch_op:
        for column in reversed(EVENT_COLUMNS):
            batch_op.drop_column(column)
