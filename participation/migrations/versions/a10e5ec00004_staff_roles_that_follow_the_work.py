"""staff roles that follow the work

The one column staff_user.role (admin or staff) becomes a table staff_role: an account holds one or
more of agenda, homework, feedback and admin. Existing accounts keep what they could do for their
work: an administrator gets all four roles (before, they could open every page), a staff member gets
agenda (the role was described as publishing events; an administrator gives homework or feedback
to those who need the children's or the residents' data). The downgrade makes an account holding
admin an administrator again and every other account staff.

staff_user is altered in place (recreate='never'; SQLite 3.35+ drops a column natively): copying the
table, as batch mode otherwise does on SQLite, drops the old one, and with foreign keys on that
would empty staff_role and clear every audit entry's, note's and assignment's account.

Revision ID: a10e5ec00004
Revises: a10e5ec00003
Create Date: 2026-12-03 10:30:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'a10e5ec00004'
down_revision = 'a10e5ec00003'
branch_labels = None
depends_on = None

ROLES = ('agenda', 'homework', 'feedback', 'admin')
FROM_OLD_ROLE = {'admin': ROLES, 'staff': ('agenda',)}


def upgrade():
    op.create_table(
        'staff_role',
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('role', sa.String(length=16), nullable=False),
        sa.CheckConstraint("role IN ('agenda', 'homework', 'feedback', 'admin')", name=op.f('ck_staff_role_known')),
        sa.ForeignKeyConstraint(['user_id'], ['staff_user.id'], name=op.f('fk_staff_role_user_id_staff_user'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('user_id', 'role', name=op.f('pk_staff_role')),
    )
    connection = op.get_bind()
    staff_role = sa.table('staff_role', sa.column('user_id', sa.Integer), sa.column('role', sa.String))
    accounts = connection.execute(sa.text('SELECT id, role FROM staff_user')).all()
    rows = [{'user_id': user_id, 'role': role}
            for user_id, old in accounts for role in FROM_OLD_ROLE.get(old, ('agenda',))]
    if rows:
        op.bulk_insert(staff_role, rows)
    with op.batch_alter_table('staff_user', schema=None, recreate='never') as batch_op:
        batch_op.drop_column('role')


def downgrade():
    with op.batch_alter_table('staff_user', schema=None, recreate='never') as batch_op:
        batch_op.add_column(sa.Column('role', sa.String(length=16), nullable=False, server_default='staff'))
    op.execute("UPDATE staff_user SET role = 'admin' "
               "WHERE id IN (SELECT user_id FROM staff_role WHERE role = 'admin')")
    if op.get_bind().dialect.name != 'sqlite':  # SQLite cannot drop a default in place; 'staff' is harmless
        op.alter_column('staff_user', 'role', server_default=None, existing_type=sa.String(length=16),
                        existing_nullable=False)
    op.drop_table('staff_role')
