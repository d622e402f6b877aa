"""Homework support: the groups staff run, and the families who enrol their children in them."""

from __future__ import annotations

import datetime as dt
import enum
import re

from dateutil.relativedelta import relativedelta
from sqlalchemy import (Boolean, Column, Date, DateTime, ForeignKey, Integer, String, Table, Time,
                        func, select)
from sqlalchemy.orm import Mapped, mapped_column, object_session, relationship

from events.models import WEEKDAYS, Base, utcnow
from participation.signups.models import new_reference, new_token

# The primary schools of Waterschei; names of schools are not translated.
SCHOOLS = {"stippestap": "StippeStap", "bladwijzer": "De Bladwijzer", "sint-jozef": "Sint-Jozefsschool"}
OTHER_SCHOOL = "other"
ALL_SCHOOLS = "all"  # a group open to children of every school
GRADES = range(1, 7)  # the six years of primary school (1ste to 6de leerjaar)
SCHOOL_YEAR_END = (8, 31)  # a Belgian school year ends on 31 August
_SCHOOL_YEAR = re.compile(r"(\d{4})-(\d{4})")


class ChildStatus(enum.StrEnum):
    NEW = "new"
    ACCEPTED = "accepted"
    WAITING = "waiting"
    DECLINED = "declined"


def school_year_of(day: dt.date) -> str:
    """The school year a day falls in: 1 September 2026 to 31 August 2027 is '2026-2027'."""
    start = day.year if (day.month, day.day) > SCHOOL_YEAR_END else day.year - 1
    return f"{start}-{start + 1}"


def parse_school_year(label: str) -> tuple[int, int] | None:
    """(2026, 2027) for '2026-2027'; None for anything that is not two consecutive years."""
    match = _SCHOOL_YEAR.fullmatch(label.strip())
    if not match or int(match.group(2)) != int(match.group(1)) + 1:
        return None
    return int(match.group(1)), int(match.group(2))


def erase_on(school_year: str, months: int) -> dt.date:
    """The day an enrolment's data go: the end of its school year plus `months` (31 Aug + 3 = 30 Nov)."""
    years = parse_school_year(school_year)
    if years is None:
        raise ValueError(f"not a school year: {school_year!r}")
    return dt.date(years[1], *SCHOOL_YEAR_END) + relativedelta(months=months)


# Which groups a child would like; a child may also be fine with any group (EnrolledChild.any_group).
preferred_group = Table(
    "enrolled_child_group", Base.metadata,
    Column("child_id", ForeignKey("enrolled_child.id", ondelete="CASCADE"), primary_key=True),
    Column("group_id", ForeignKey("homework_group.id", ondelete="CASCADE"), primary_key=True),
)


class HomeworkGroup(Base):
    """A homework-support group: for which school and years, when, where and for how many children."""

    __tablename__ = "homework_group"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(80))
    school: Mapped[str] = mapped_column(String(20), default=ALL_SCHOOLS)
    year_from: Mapped[int] = mapped_column(Integer, default=1)
    year_to: Mapped[int] = mapped_column(Integer, default=6)
    weekdays: Mapped[str] = mapped_column(String(20))  # codes MO..SU, comma-separated
    start_time: Mapped[dt.time] = mapped_column(Time)  # Brussels wall-clock time
    end_time: Mapped[dt.time] = mapped_column(Time)
    place: Mapped[str] = mapped_column(String(200))
    capacity: Mapped[int] = mapped_column(Integer)
    school_year: Mapped[str] = mapped_column(String(9), index=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)

    @property
    def weekday_codes(self) -> list[str]:
        """The days in week order, whatever order they were stored in."""
        codes = set(filter(None, self.weekdays.split(",")))
        return [code for code in WEEKDAYS if code in codes]

    def fits(self, school: str, grade: int) -> bool:
        """True if a child of this school and year may join."""
        return (self.school in (ALL_SCHOOLS, school)) and self.year_from <= grade <= self.year_to

    def accepted_count(self) -> int:
        """How many children have a place in this group."""
        return object_session(self).scalar(
            select(func.count()).select_from(EnrolledChild)
            .where(EnrolledChild.group_id == self.id, EnrolledChild.status == ChildStatus.ACCEPTED))

    def places_left(self) -> int:
        """Free places; never below zero, even if staff lowered the capacity."""
        return max(self.capacity - self.accepted_count(), 0)


class Enrolment(Base):
    """One family's enrolment: the parent, how to reach them, their consents, and the children."""

    __tablename__ = "enrolment"

    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str] = mapped_column(String(8), unique=True, default=new_reference)
    token: Mapped[str] = mapped_column(String(64), unique=True, default=new_token)
    # One id per filled-in form: a second click on "send" finds the first enrolment.
    submission_id: Mapped[str] = mapped_column(String(64), unique=True)
    parent_name: Mapped[str] = mapped_column(String(120))
    phone: Mapped[str] = mapped_column(String(40), default="")
    email: Mapped[str] = mapped_column(String(254), default="")
    language: Mapped[str] = mapped_column(String(2), default="nl")  # for every message to the parent
    home_languages: Mapped[str] = mapped_column(String(40), default="")  # codes, comma-separated
    other_home_languages: Mapped[str] = mapped_column(String(120), default="")
    interpreter: Mapped[str] = mapped_column(String(8), default="no")  # "no", "tr", "bg" or "other"
    consent_at: Mapped[dt.datetime] = mapped_column(DateTime)  # UTC
    photo_consent: Mapped[bool] = mapped_column(Boolean, default=False)
    school_year: Mapped[str] = mapped_column(String(9), index=True)  # decides when the data are erased
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    # The intake talk with the parent: one per family, in Brussels wall-clock time.
    intake_on: Mapped[dt.date | None] = mapped_column(Date)
    intake_time: Mapped[dt.time | None] = mapped_column(Time)

    children: Mapped[list[EnrolledChild]] = relationship(
        back_populates="enrolment", cascade="all, delete-orphan", order_by="EnrolledChild.position")

    @property
    def home_language_codes(self) -> list[str]:
        """The languages ticked, as codes."""
        return [code for code in self.home_languages.split(",") if code]

    def erase_on(self, months: int) -> dt.date:
        """The day the purge erases this enrolment."""
        return erase_on(self.school_year, months)


class EnrolledChild(Base):
    """A child of an enrolment, with the staff's decision about a place."""

    __tablename__ = "enrolled_child"

    id: Mapped[int] = mapped_column(primary_key=True)
    enrolment_id: Mapped[int] = mapped_column(ForeignKey("enrolment.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)  # order on the form
    first_name: Mapped[str] = mapped_column(String(80))
    last_name: Mapped[str] = mapped_column(String(80))
    school: Mapped[str] = mapped_column(String(20))
    other_school: Mapped[str] = mapped_column(String(120), default="")
    grade: Mapped[int] = mapped_column(Integer)  # year of primary school, 1 to 6
    any_group: Mapped[bool] = mapped_column(Boolean, default=False)
    status: Mapped[str] = mapped_column(String(16), default=ChildStatus.NEW.value, index=True)
    # The group of an accepted child, or the group a waiting child waits for.
    group_id: Mapped[int | None] = mapped_column(ForeignKey("homework_group.id", ondelete="SET NULL"), index=True)
    decided_at: Mapped[dt.datetime | None] = mapped_column(DateTime)  # UTC
    # When the parent heard the decision: set when the e-mail is queued, or when staff called.
    told_at: Mapped[dt.datetime | None] = mapped_column(DateTime)

    enrolment: Mapped[Enrolment] = relationship(back_populates="children")
    group: Mapped[HomeworkGroup | None] = relationship()
    preferred_groups: Mapped[list[HomeworkGroup]] = relationship(secondary=preferred_group, order_by=HomeworkGroup.name)

    @property
    def full_name(self) -> str:
        """First and last name, as on the lists."""
        return f"{self.first_name} {self.last_name}"

    @property
    def needs_call(self) -> bool:
        """A decision the parent has not heard yet: staff must phone."""
        return self.decided_at is not None and self.told_at is None
