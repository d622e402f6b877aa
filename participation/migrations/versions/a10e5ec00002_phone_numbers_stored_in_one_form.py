"""phone numbers stored in one form

Sign-ups and feedback stored a phone number as digits with a leading + if typed; enrolments kept
it as typed (with spaces). The privacy tool searches with one form, so a phone-only enrolment
could not be found, exported or erased. Every stored number now takes the form of
participation/phone.py: +32470121212 for 0470 12 12 12, +32/0032 470…, 0470/12.12.12.

Revision ID: a10e5ec00002
Revises: a10e5ec00001
Create Date: 2026-12-03 10:30:00

"""
import re

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'a10e5ec00002'
down_revision = 'a10e5ec00001'
branch_labels = None
depends_on = None

COLUMNS = [("signup", "phone"), ("enrolment", "phone"), ("feedback", "contact_phone")]


def _normalise(value):
    """A copy of participation.phone.normalise_phone as it was when this ran (migrations never import the app)."""
    value = (value or "").strip()
    digits = re.sub(r"\D", "", value)
    if not digits:
        return ""
    if value.startswith("+"):
        return "+" + digits
    if digits.startswith("00"):
        return "+" + digits[2:]
    if digits.startswith("0"):
        return "+32" + digits[1:]
    return digits


def upgrade():
    connection = op.get_bind()
    for table, column in COLUMNS:
        rows = connection.execute(sa.text(f"SELECT id, {column} FROM {table} WHERE {column} <> ''")).all()
        for row_id, stored in rows:
            wanted = _normalise(stored)
            if wanted != stored:
                connection.execute(sa.text(f"UPDATE {table} SET {column} = :value WHERE id = :id"),
                                   {"value": wanted, "id": row_id})


def downgrade():
    pass  # the canonical form is a valid stored form for the earlier code too
