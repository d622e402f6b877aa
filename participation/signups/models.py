"""Sign-ups for activities: who comes, how many, and their place in the queue."""

from __future__ import annotations

import datetime as dt
import enum
import secrets

from sqlalchemy import DateTime, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from events.models import Base, Event, utcnow

# No 0/O, 1/I/L: a reference read out over the phone must not be misheard.
REFERENCE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"


def new_reference() -> str:
    """A short reference like 'K7M-4QX', for people to quote on the phone."""
    raw = "".join(secrets.choice(REFERENCE_ALPHABET) for _ in range(6))
    return f"{raw[:3]}-{raw[3:]}"


def new_token() -> str:
    """The secret in a sign-up's private link: whoever has it can see and cancel the sign-up."""
    return secrets.token_urlsafe(24)


class SignupStatus(enum.StrEnum):
    CONFIRMED = "confirmed"
    WAITING = "waiting"
    CANCELLED = "cancelled"


class Signup(Base):
    """One sign-up: a person or a family, counted by the number of people."""

    __tablename__ = "signup"
    __table_args__ = (UniqueConstraint("event_id", "submission_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("event.id", ondelete="CASCADE"), index=True)
    reference: Mapped[str] = mapped_column(String(8), unique=True, default=new_reference)
    token: Mapped[str] = mapped_column(String(64), unique=True, default=new_token)
    # One id per filled-in form: a second click on "send" finds the first sign-up.
    submission_id: Mapped[str | None] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(120))
    phone: Mapped[str] = mapped_column(String(40), default="")
    email: Mapped[str] = mapped_column(String(254), default="")
    people: Mapped[int] = mapped_column(Integer, default=1)
    language: Mapped[str] = mapped_column(String(2), default="nl")
    status: Mapped[str] = mapped_column(String(16), index=True)
    source: Mapped[str] = mapped_column(String(16), default="online")  # or "staff": taken by phone
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)  # UTC; queue order
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    cancelled_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    reminder_sent_at: Mapped[dt.datetime | None] = mapped_column(DateTime)

    event: Mapped[Event] = relationship()

    @property
    def is_active(self) -> bool:
        return self.status != SignupStatus.CANCELLED
