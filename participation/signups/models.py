"""Sign-ups for activities: who comes, how many, and their place in the queue."""

from __future__ import annotations

import datetime as dt
import enum
import secrets

from sqlalchemy import DateTime, ForeignKey, Index, Integer, String, UniqueConstraint
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
    """One sign-up: a person or a family, counted by the number of people, for one date or the series.

    A resident who ticks several dates of a drop-in series gets one row per date, sharing one private
    link (token) and one reference: each date has its own place or waiting place.
    """

    __tablename__ = "signup"
    __table_args__ = (UniqueConstraint("event_id", "submission_id"),
                      Index("ix_signup_event_date", "event_id", "occurrence_start", "status"))

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("event.id", ondelete="CASCADE"), index=True)
    # The date signed up for, as planned (naive wall clock, the date's key); None: the whole event or series.
    occurrence_start: Mapped[dt.datetime | None] = mapped_column(DateTime)
    reference: Mapped[str] = mapped_column(String(8), index=True, default=new_reference)
    token: Mapped[str] = mapped_column(String(64), index=True, default=new_token)
    # One id per filled-in form (and date): a second click on "send" finds the first sign-up.
    submission_id: Mapped[str | None] = mapped_column(String(80))
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
    # The date (planned start) the last reminder was about: a series sign-up is reminded before each date.
    reminded_for: Mapped[dt.datetime | None] = mapped_column(DateTime)

    event: Mapped[Event] = relationship()

    @property
    def is_active(self) -> bool:
        return self.status != SignupStatus.CANCELLED


class Attendance(Base):
    """Who came to one date, ticked by staff. The count stays when the sign-up is erased (yearly figures)."""

    __tablename__ = "attendance"
    __table_args__ = (UniqueConstraint("signup_id", "occurrence_start"),
                      Index("ix_attendance_event_date", "event_id", "occurrence_start"))

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("event.id", ondelete="CASCADE"))
    occurrence_start: Mapped[dt.datetime] = mapped_column(DateTime)  # the date, as planned (wall clock)
    signup_id: Mapped[int | None] = mapped_column(ForeignKey("signup.id", ondelete="SET NULL"))
    people: Mapped[int] = mapped_column(Integer, default=1)
    marked_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)  # UTC
