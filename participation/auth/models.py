"""Login throttling per typed e-mail address, shared by every process through the database; recovery codes."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac

from sqlalchemy import DateTime, ForeignKey, Integer, String, delete
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Mapped, Session, mapped_column

from events.models import Base, utcnow

# Failed logins in a row that cost nothing; after that each one makes the next attempt wait
# 1, 2, 4 … minutes, at most an hour. A row is forgotten a day after its last failure.
FREE_FAILURES = 5
MAX_WAIT = dt.timedelta(hours=1)
FORGET_AFTER = dt.timedelta(days=1)


def throttle_key(email: str, secret: str) -> str:
    """The e-mail address as a keyed hash: the table holds no addresses, and unknown ones count too."""
    return hmac.new(secret.encode(), email.strip().lower().encode(), hashlib.sha256).hexdigest()


class LoginThrottle(Base):
    """Failed logins for one typed e-mail address (an account or not, so the answer never tells which)."""

    __tablename__ = "login_throttle"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    failures: Mapped[int] = mapped_column(Integer, default=0)
    last_failed_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)  # UTC

    def wait_until(self) -> dt.datetime | None:
        """When the next attempt is allowed, or None when it is allowed now."""
        if self.failures < FREE_FAILURES:
            return None
        wait = min(dt.timedelta(minutes=2 ** (self.failures - FREE_FAILURES)), MAX_WAIT)
        until = self.last_failed_at + wait
        return until if until > utcnow() else None

    @staticmethod
    def find(session: Session, key: str) -> LoginThrottle | None:
        """The row for `key`, unless its last failure is so old that it is forgotten."""
        row = session.get(LoginThrottle, key)
        if row is not None and row.last_failed_at < utcnow() - FORGET_AFTER:
            return None
        return row

    @staticmethod
    def failed(session: Session, key: str) -> None:
        """Count one failed login for `key`, in one statement, so two processes at once both count."""
        now = utcnow()
        session.execute(delete(LoginThrottle).where(LoginThrottle.last_failed_at < now - FORGET_AFTER))
        insert = postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
        statement = insert(LoginThrottle).values(key=key, failures=1, last_failed_at=now)
        session.execute(statement.on_conflict_do_update(
            index_elements=[LoginThrottle.key],
            set_={"failures": LoginThrottle.failures + 1, "last_failed_at": now}))

    @staticmethod
    def succeeded(session: Session, key: str) -> None:
        """A correct login forgets the failures before it."""
        session.execute(delete(LoginThrottle).where(LoginThrottle.key == key))



class RecoveryCode(Base):
    """A one-time code that finishes a two-step login without the phone; only its keyed hash is kept."""

    __tablename__ = "recovery_code"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("staff_user.id", ondelete="CASCADE"), index=True)
    code_hash: Mapped[str] = mapped_column(String(64))
    used_at: Mapped[dt.datetime | None] = mapped_column(DateTime)  # UTC; a used code never works again
