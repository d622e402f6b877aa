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

from sqlalchemy import JSON, Boolean, Date, MetaData, DateTime, ForeignKey, Index, Integer, String, Text, UniqueConstraint, or_
from sqlalchemy.ext.hybrid import hybrid_property
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


class Repeat(enum.StrEnum):
    """How a series repeats; the details are in the repeat_* columns (see events.recurrence)."""

    WEEKLY = "weekly"  # on repeat_weekdays, every repeat_interval weeks
    MONTHLY = "monthly"  # on the repeat_setpos-th repeat_weekdays (1..4, -1 the last), or on day repeat_monthday


class PlacesPer(enum.StrEnum):
    """How a series with places counts them."""

    SERIES = "series"  # a course: one list for all dates
    DATE = "date"  # a drop-in: each date its own places and waiting list


class DateStatus(enum.StrEnum):
    """What happened to one date of a series (a change staff made after planning it)."""

    PLANNED = "planned"  # as planned: a change undone (kept, so calendars see the undo)
    CANCELLED = "cancelled"
    MOVED = "moved"  # another day, time or place


class Event(Base):
    """One event, or a series of dates, in up to three languages."""

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
    # Whole days: starts_at is the first day at 00:00, ends_at the day after the last at 00:00.
    all_day: Mapped[bool] = mapped_column(Boolean, default=False, server_default="0")
    # A series (see Repeat and events.recurrence): None for one date (which may last several days).
    repeat: Mapped[str | None] = mapped_column(String(8))
    repeat_weekdays: Mapped[str | None] = mapped_column(String(32))  # RFC 5545 codes: "WE" or "MO,WE"
    repeat_interval: Mapped[int] = mapped_column(Integer, default=1, server_default="1")  # every n weeks/months
    repeat_setpos: Mapped[int | None] = mapped_column(Integer)  # monthly: the 1st..4th, or -1 the last weekday
    repeat_monthday: Mapped[int | None] = mapped_column(Integer)  # monthly: on this day of the month
    repeat_until: Mapped[dt.date | None] = mapped_column(Date)  # the last date (or None: see repeat_count)
    repeat_count: Mapped[int | None] = mapped_column(Integer)  # or: this many dates
    skip_dates: Mapped[str] = mapped_column(Text, default="")  # planned without these (EXDATE), ISO dates
    extra_dates: Mapped[str] = mapped_column(Text, default="")  # and with these, at the same time (RDATE)
    address: Mapped[str] = mapped_column(String(200), default="")
    # Sign-ups: none unless a number of places is set. Times are Brussels wall-clock time.
    capacity: Mapped[int | None] = mapped_column(Integer)
    # The most people one sign-up may bring (a family, not a whole activity); staff on the phone may go above it.
    max_people_per_signup: Mapped[int] = mapped_column(Integer, default=DEFAULT_MAX_PEOPLE_PER_SIGNUP,
                                                       server_default=str(DEFAULT_MAX_PEOPLE_PER_SIGNUP))
    # A series counts places per date (a drop-in) or once for all dates (a course; see PlacesPer).
    places_per: Mapped[str] = mapped_column(String(8), default=PlacesPer.SERIES.value,
                                            server_default=PlacesPer.SERIES.value)
    # A course: people may still sign up after its first date (until signups_close_at, or its last date).
    late_joining: Mapped[bool] = mapped_column(Boolean, default=False, server_default="0")
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

    # Changes to single dates, by the date's planned start (its RECURRENCE-ID).
    changes: Mapped[dict[dt.datetime, DateChange]] = relationship(
        collection_class=attribute_keyed_dict("original_start"),
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

    @hybrid_property
    def is_recurring(self) -> bool:
        """A series of dates: a rule, or extra dates beside the first (in a query too)."""
        return self.repeat is not None or bool(self.extra_dates)

    @is_recurring.inplace.expression
    @classmethod
    def _is_recurring_expression(cls):
        return or_(cls.repeat.is_not(None), cls.extra_dates != "")

    @property
    def plain_weekly(self) -> bool:
        """Every week until a date: said in one line ("every week until …"); other series list their dates."""
        return self.repeat == Repeat.WEEKLY and self.repeat_until is not None and (self.repeat_interval or 1) == 1

    @property
    def per_date(self) -> bool:
        """Places and waiting list per date (a drop-in series), not once for the whole series."""
        return self.is_recurring and self.places_per == PlacesPer.DATE

    @property
    def skipped(self) -> list[dt.date]:
        return _dates(self.skip_dates)

    @skipped.setter
    def skipped(self, dates) -> None:
        self.skip_dates = ",".join(sorted({d.isoformat() for d in dates}))

    @property
    def extras(self) -> list[dt.date]:
        return _dates(self.extra_dates)

    @extras.setter
    def extras(self, dates) -> None:
        self.extra_dates = ",".join(sorted({d.isoformat() for d in dates}))

    @property
    def duration(self) -> dt.timedelta:
        return self.ends_at - self.starts_at

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
        if self.per_date:
            # Each date closes at its start (or at signups_close_at): open while a date is ahead.
            ahead = self.next_start(now)
            if ahead is None or (self.signups_close_at and now >= self.signups_close_at):
                return "closed"
            return "open"
        if self.late_joining and self.is_recurring:
            last = self.next_start(now)
            closes = self.signups_close_at or (last or self.starts_at)
        else:
            closes = self.signups_close_at or self.starts_at
        return "open" if now < closes else "closed"

    def next_start(self, now: dt.datetime) -> dt.datetime | None:
        """The wall-clock start of the next date that takes place after `now` (naive Brussels), or None."""
        window = now.replace(tzinfo=TIMEZONE)
        for occurrence in self.occurrences(window, window + dt.timedelta(days=800)):
            if occurrence.takes_place and occurrence.start > window:
                return occurrence.start.replace(tzinfo=None)
        return None

    def revised(self) -> None:
        """Mark a change that calendars must pick up (RFC 5545 SEQUENCE and DTSTAMP)."""
        self.sequence = (self.sequence or 0) + 1
        self.updated_at = utcnow()

    def occurrences(self, window_start: dt.datetime, window_end: dt.datetime) -> list[Occurrence]:
        """The dates that overlap [window_start, window_end), both aware datetimes, cancelled ones included."""
        from events.recurrence import expand

        return expand(self, window_start, window_end)

    def occurrence(self, original_start: dt.datetime) -> Occurrence | None:
        """The date planned to start at `original_start` (naive wall clock), or None when there is none."""
        from events.recurrence import find

        return find(self, original_start)

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


class DateChange(Base):
    """A change to one date of a series after it was planned: cancelled, or moved, or undone again.

    Kept (not deleted) when undone, so calendars get an override with a higher SEQUENCE. Texts per
    language: {"nl": {"note": "…", "location": "…"}}; the note says why a date is cancelled or what to
    know about a move, the location names a new place.
    """

    __tablename__ = "event_date"
    __table_args__ = (UniqueConstraint("event_id", "original_start"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("event.id", ondelete="CASCADE"), index=True)
    original_start: Mapped[dt.datetime] = mapped_column(DateTime)  # wall clock: the RECURRENCE-ID
    status: Mapped[str] = mapped_column(String(16), default=DateStatus.PLANNED.value)
    starts_at: Mapped[dt.datetime | None] = mapped_column(DateTime)  # moved: the new wall-clock times
    ends_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    address: Mapped[str] = mapped_column(String(200), default="")  # moved: another address ("" = the same)
    texts: Mapped[dict] = mapped_column(JSON, default=dict)
    sequence: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)  # UTC
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)  # UTC

    def text(self, language: str, key: str) -> tuple[str, bool]:
        """The note or location in `language`, or the Dutch one and True when it is not translated."""
        own = (self.texts or {}).get(language, {}).get(key, "").strip()
        if own or language == DEFAULT_LANGUAGE:
            return own, False
        dutch = (self.texts or {}).get(DEFAULT_LANGUAGE, {}).get(key, "").strip()
        return dutch, bool(dutch)

    def set_texts(self, texts: dict[str, dict[str, str]]) -> None:
        """Replace the texts ({language: {"note", "location"}}); empty ones are left out."""
        self.texts = {language: {key: value.strip() for key, value in parts.items() if value and value.strip()}
                      for language, parts in texts.items() if any(v and v.strip() for v in parts.values())}

    def revised(self) -> None:
        """Mark a change that calendars must pick up for this date only (its override's SEQUENCE)."""
        self.sequence = (self.sequence or 0) + 1
        self.updated_at = utcnow()


@dataclass(frozen=True)
class Occurrence:
    """One date of an event, with aware start and end in Europe/Brussels (after a move, the new ones)."""

    event: Event
    start: dt.datetime
    end: dt.datetime
    # The start as planned, naive wall clock: what identifies the date (sign-ups, RECURRENCE-ID).
    original_start: dt.datetime | None = None
    change: DateChange | None = None

    @property
    def key(self) -> dt.datetime:
        return self.original_start or self.start.replace(tzinfo=None)

    @property
    def day(self) -> dt.date:
        return self.start.date()

    @property
    def status(self) -> str:
        return self.change.status if self.change is not None else DateStatus.PLANNED.value

    @property
    def cancelled(self) -> bool:
        return self.status == DateStatus.CANCELLED or self.event.status == Status.CANCELLED

    @property
    def moved(self) -> bool:
        return self.status == DateStatus.MOVED

    @property
    def takes_place(self) -> bool:
        return not self.cancelled

    @property
    def address(self) -> str:
        return (self.change.address if self.moved and self.change.address else "") or self.event.address

    @property
    def last_day(self) -> dt.date:
        """The last day it lasts (a whole-day end is the next midnight)."""
        return (self.end - dt.timedelta(seconds=1)).date() if self.end > self.start else self.start.date()


def _dates(value: str | None) -> list[dt.date]:
    return sorted(dt.date.fromisoformat(d) for d in (value or "").split(",") if d)
