"""The app's own tables: staff accounts and the audit log. Events live in events.models."""

from __future__ import annotations

import datetime as dt
import enum

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask_login import UserMixin
from sqlalchemy import Boolean, CheckConstraint, DateTime, ForeignKey, Integer, String, Text, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from events.models import Base, utcnow

_hasher = PasswordHasher()


class Role(enum.StrEnum):
    """What a person works on; each opens its own pages (participation/roles.py, ROUTE_ROLES)."""

    AGENDA = "agenda"  # events, their sign-up lists, attendance lists and CSV
    HOMEWORK = "homework"  # homework-support groups and the children's enrolments
    FEEDBACK = "feedback"  # residents' reports, their contact details and photos
    ADMIN = "admin"  # accounts, the privacy tool, the audit log, e-mail not sent


class StaffRole(Base):
    """One role of one account: a person may hold several."""

    __tablename__ = "staff_role"
    __table_args__ = (CheckConstraint("role IN ('agenda', 'homework', 'feedback', 'admin')", name="known"),)

    user_id: Mapped[int] = mapped_column(ForeignKey("staff_user.id", ondelete="CASCADE"), primary_key=True)
    role: Mapped[str] = mapped_column(String(16), primary_key=True)


class StaffUser(UserMixin, Base):
    """A member of the city or buurthuis staff who logs in with e-mail and password."""

    __tablename__ = "staff_user"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    password_hash: Mapped[str] = mapped_column(String(255))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    last_login_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    # Part of every session's user id: raising it ends every session of this account at once.
    session_version: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # A password an administrator issued: the account can only change it until it is changed.
    must_change_password: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # Loaded with the account: every staff request checks them.
    role_rows: Mapped[list[StaffRole]] = relationship(cascade="all, delete-orphan", lazy="selectin",
                                                      passive_deletes=True)
    # Two-step login (participation/auth/two_step.py): the TOTP secret of the authenticator app in
    # use, one being set up, the last time step whose code was accepted (a code works once), and since when.
    totp_secret: Mapped[str | None] = mapped_column(String(64))
    totp_pending_secret: Mapped[str | None] = mapped_column(String(64))
    totp_last_step: Mapped[int | None] = mapped_column(Integer)
    two_step_since: Mapped[dt.datetime | None] = mapped_column(DateTime)  # UTC

    def set_password(self, password: str) -> None:
        """Store an argon2 hash of `password`, never the password."""
        self.password_hash = _hasher.hash(password)

    def check_password(self, password: str) -> bool:
        """True if `password` matches; upgrades the hash when argon2's parameters changed."""
        try:
            _hasher.verify(self.password_hash, password)
        except (VerificationError, InvalidHashError):
            return False
        if _hasher.check_needs_rehash(self.password_hash):
            self.set_password(password)
        return True

    def get_id(self) -> str:
        """The id kept in the session: the account and its session version (Flask-Login's alternative token)."""
        return f"{self.id}.{self.session_version}"

    def end_sessions(self) -> None:
        """Make every session of this account invalid, on every device (logout, new password, switched off)."""
        self.session_version = (self.session_version or 0) + 1

    @property
    def is_active(self) -> bool:
        return self.active

    @property
    def roles(self) -> frozenset[str]:
        """The roles this account holds, e.g. {"agenda", "homework"}."""
        return frozenset(row.role for row in self.role_rows)

    def set_roles(self, roles) -> None:
        """Hold exactly `roles` (unknown names raise ValueError); rows are added and removed, not replaced."""
        wanted = {Role(role).value for role in roles}
        self.role_rows[:] = [row for row in self.role_rows if row.role in wanted]
        self.role_rows.extend(StaffRole(role=role) for role in sorted(wanted - self.roles))

    def has_role(self, *roles: str) -> bool:
        """True if the account holds at least one of `roles`."""
        return not self.roles.isdisjoint(roles)

    @property
    def is_admin(self) -> bool:
        return Role.ADMIN in self.roles

    @property
    def two_step(self) -> bool:
        """Whether logging in asks for a code from an authenticator app after the password."""
        return self.totp_secret is not None


def dummy_password_check() -> None:
    """Spend the time of a real check, so a wrong e-mail address is not faster than a wrong password."""
    try:
        _hasher.verify(_DUMMY_HASH, "not the password")
    except VerificationError:
        pass


_DUMMY_HASH = _hasher.hash("dummy password for timing")


class AuditEntry(Base):
    """Who changed what, and when: one row per staff action that changes data."""

    __tablename__ = "audit_entry"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow, index=True)  # UTC
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id", ondelete="SET NULL"))
    actor_email: Mapped[str] = mapped_column(String(254))  # kept if the account is removed
    action: Mapped[str] = mapped_column(String(64))
    subject_type: Mapped[str] = mapped_column(String(64))
    subject_id: Mapped[str] = mapped_column(String(64))
    summary: Mapped[str] = mapped_column(Text, default="")

    actor: Mapped[StaffUser | None] = relationship()


# Every table must be known to Alembic's autogenerate: the areas' models, imported here.
from participation.outbox import OutboxMessage  # noqa: E402,F401
from participation.signups.models import Signup  # noqa: E402,F401
from participation.enrolment.models import Enrolment  # noqa: E402,F401
from participation.feedback.models import Feedback  # noqa: E402,F401
from participation.auth.models import LoginThrottle, RecoveryCode  # noqa: E402,F401
