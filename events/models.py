"""The neighbourhood agenda's events, stored with SQLAlchemy 2 and free of Flask.

Times are stored as naive *wall-clock* times in Europe/Brussels. A weekly activity at 16:00
stays at 16:00 across the change of clock, which is what residents expect; the UTC instant is
derived when needed (`Occurrence.start`).
"""

from __future__ import annotations

import datetime as dt
import enum
import uuid
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from sqlalchemy import Date, MetaData, DateTime, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship
from sqlalchemy.orm.collections import attribute_keyed_dict

TIMEZONE = ZoneInfo("Europe/Brussels")
LANGUAGES = ("nl", "tr", "bg")
DEFAULT_LANGUAGE = "nl"
WEEKDAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
DEFAULT_MAX_PEOPLE_PER_SIGNUP = 4


def utcnow() -> dt.datetime:
    """The current time in UTC, naive, as stored in the database."""
    return dt.datetime.now(dt.UTC).replace(tzinfo=None, microsecond=0)


class Base(DeclarativeBase):
    """Declarative base shared by every table of the portal."""

    # Named constraints, so later Alembic migrations can alter them on SQLite and PostgreSQL alike.
    metadata = MetaData(naming_convention={
        "ix": "ix_%(column_0_label)s",
        "uq": "uq_%(table_name)s_%(column_0_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    })


class Category(enum.StrEnum):
    ACTIVITY = "activity"
    HOMEWORK = "homework"
    INFO_SESSION = "info-session"
    MEETING = "meeting"


class Status(enum.StrEnum):
    DRAFT = "draft"
    PUBLISHED = "published"
    CANCELLED = "cancelled"


class Event(Base):
    """One event, or a weekly series of them, in up to three languages."""

    __tablename__ = "event"
    # The agenda and the feeds ask on every request what the public events are (count, SEQUENCE,
    # last update): this index answers that without reading the table.
    __table_args__ = (Index("ix_event_revision", "status", "category", "sequence", "updated_at", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    uid: Mapped[str] = mapped_column(String(64), unique=True, default=lambda: uuid.uuid4().hex)
    category: Mapped[str] = mapped_column(String(32), default=Category.ACTIVITY.value)
    status: Mapped[str] = mapped_column(String(16), default=Status.DRAFT.value, index=True)
    starts_at: Mapped[dt.datetime] = mapped_column(DateTime)  # wall clock, Europe/Brussels
    ends_at: Mapped[dt.datetime] = mapped_column(DateTime)  # wall clock, Europe/Brussels
    # Weekly recurrence: weekdays as RFC 5545 codes ("WE" or "MO,WE"), last date, skipped dates.
    repeat_weekdays: Mapped[str | None] = mapped_column(String(32))
    repeat_until: Mapped[dt.date | None] = mapped_column(Date)
    skip_dates: Mapped[str] = mapped_column(Text, default="")  # ISO dates, comma-separated
    address: Mapped[str] = mapped_column(String(200), default="")
    # Sign-ups: none unless a number of places is set. Times are Brussels wall-clock time.
    capacity: Mapped[int | None] = mapped_column(Integer)
    # The most people one sign-up may bring (a family, not a whole activity); staff on the phone may go above it.
    max_people_per_signup: Mapped[int] = mapped_column(Integer, default=DEFAULT_MAX_PEOPLE_PER_SIGNUP,
                                                       server_default=str(DEFAULT_MAX_PEOPLE_PER_SIGNUP))
    signups_open_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    signups_close_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    min_age: Mapped[int | None] = mapped_column(Integer)
    max_age: Mapped[int | None] = mapped_column(Integer)
    sequence: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)  # UTC
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow, index=True)  # UTC

    texts: Mapped[dict[str, EventText]] = relationship(
        collection_class=attribute_keyed_dict("language"),
        cascade="all, delete-orphan",
        lazy="selectin",
    )

    def text(self, language: str) -> tuple[EventText, bool]:
        """The text in `language`, or the Dutch text and True when it is not translated."""
        own = self.texts.get(language)
        if own is not None and own.title.strip():
            return own, False
        return self.texts[DEFAULT_LANGUAGE], language != DEFAULT_LANGUAGE

    def set_text(self, language: str, title: str, description: str = "", location: str = "") -> None:
        """Store a translation; an empty title removes it (the Dutch one is then shown)."""
        if not title.strip():
            if language != DEFAULT_LANGUAGE:
                self.texts.pop(language, None)
            return
        text = self.texts.get(language)
        if text is None:
            self.texts[language] = EventText(
                language=language, title=title, description=description, location=location
            )
        else:
            text.title, text.description, text.location = title, description, location

    @property
    def weekdays(self) -> list[str]:
        return [day for day in (self.repeat_weekdays or "").split(",") if day]

    @property
    def is_recurring(self) -> bool:
        return bool(self.weekdays)

    @property
    def skipped(self) -> list[dt.date]:
        return sorted(dt.date.fromisoformat(d) for d in (self.skip_dates or "").split(",") if d)

    @skipped.setter
    def skipped(self, dates) -> None:
        self.skip_dates = ",".join(sorted({d.isoformat() for d in dates}))

    @property
    def is_public(self) -> bool:
        """Published and cancelled events are shown; drafts only to staff."""
        return self.status in (Status.PUBLISHED, Status.CANCELLED)

    @property
    def takes_signups(self) -> bool:
        return self.capacity is not None and self.capacity > 0

    def most_people_per_signup(self) -> int:
        """How many people one sign-up on the public form may bring: the staff's limit, never more than the places."""
        most = self.max_people_per_signup or DEFAULT_MAX_PEOPLE_PER_SIGNUP
        return min(most, self.capacity) if self.capacity else most

    def signup_state(self, now: dt.datetime) -> str:
        """'none', 'not-yet', 'open', 'closed' or 'cancelled', at wall-clock time `now` in Brussels."""
        if not self.takes_signups:
            return "none"
        if self.status == Status.CANCELLED:
            return "cancelled"
        if self.signups_open_at and now < self.signups_open_at:
            return "not-yet"
        closes = self.signups_close_at or self.starts_at
        return "open" if now < closes else "closed"

    def revised(self) -> None:
        """Mark a change that calendars must pick up (RFC 5545 SEQUENCE and DTSTAMP)."""
        self.sequence = (self.sequence or 0) + 1
        self.updated_at = utcnow()

    def occurrences(self, window_start: dt.datetime, window_end: dt.datetime) -> list[Occurrence]:
        """The occurrences that overlap [window_start, window_end), both aware datetimes."""
        from events.recurrence import expand

        return [Occurrence(self, start, end) for start, end in expand(self, window_start, window_end)]

    def __repr__(self) -> str:
        return f"<Event {self.id} {self.status} {self.starts_at:%Y-%m-%d %H:%M}>"


class EventText(Base):
    """Title, description and place name of an event in one language."""

    __tablename__ = "event_text"
    __table_args__ = (UniqueConstraint("event_id", "language"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("event.id", ondelete="CASCADE"), index=True)
    language: Mapped[str] = mapped_column(String(2))
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    location: Mapped[str] = mapped_column(String(200), default="")


@dataclass(frozen=True)
class Occurrence:
    """One date of an event, with aware start and end in Europe/Brussels."""

    event: Event
    start: dt.datetime
    end: dt.datetime

    @property
    def day(self) -> dt.date:
        return self.start.date()
