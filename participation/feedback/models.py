"""Feedback from residents: the message, how to answer (if they want an answer), and its triage."""

from __future__ import annotations

import datetime as dt
import enum
from typing import TYPE_CHECKING

from sqlalchemy import Boolean, DateTime, ForeignKey, Integer, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from events.models import Base, utcnow
from participation.signups.models import new_reference, new_token

if TYPE_CHECKING:  # participation.models imports this module at its end
    from participation.models import StaffUser

MAX_MESSAGE = 5000
MAX_STREET = 120


class FeedbackKind(enum.StrEnum):
    QUESTION = "question"
    IDEA = "idea"
    COMPLAINT = "complaint"
    PROBLEM = "problem"


class FeedbackCategory(enum.StrEnum):
    HOUSING = "housing"
    WASTE = "waste"
    NUISANCE = "nuisance"
    SAFETY = "safety"
    LIVING_TOGETHER = "living-together"
    OTHER = "other"


class FeedbackStatus(enum.StrEnum):
    NEW = "new"
    IN_PROGRESS = "in-progress"
    ANSWERED = "answered"
    CLOSED = "closed"


class Feedback(Base):
    """One message from a resident; anonymous unless they asked for an answer."""

    __tablename__ = "feedback"

    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str] = mapped_column(String(8), unique=True, default=new_reference)
    token: Mapped[str] = mapped_column(String(64), unique=True, default=new_token)
    # One id per filled-in form: a second click on "send" finds the first message.
    submission_id: Mapped[str] = mapped_column(String(64), unique=True)
    kind: Mapped[str] = mapped_column(String(16))
    category: Mapped[str] = mapped_column(String(20), index=True)
    message: Mapped[str] = mapped_column(Text)
    street: Mapped[str] = mapped_column(String(MAX_STREET), default="", index=True)
    language: Mapped[str] = mapped_column(String(2), index=True)  # the language of the page it was sent from
    wants_answer: Mapped[bool] = mapped_column(Boolean, default=False)
    # Empty unless the resident asked for an answer: anonymous means nothing that identifies them.
    contact_name: Mapped[str] = mapped_column(String(120), default="")
    contact_email: Mapped[str] = mapped_column(String(254), default="")
    contact_phone: Mapped[str] = mapped_column(String(40), default="")
    answer_language: Mapped[str] = mapped_column(String(2), default="")
    status: Mapped[str] = mapped_column(String(16), default=FeedbackStatus.NEW.value, index=True)
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id", ondelete="SET NULL"), index=True)
    public_answer: Mapped[str] = mapped_column(Text, default="")
    answered_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    closed_at: Mapped[dt.datetime | None] = mapped_column(DateTime, index=True)  # retention counts from here
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow, index=True)  # UTC
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)

    assignee: Mapped[StaffUser | None] = relationship("StaffUser")
    photo: Mapped[FeedbackPhoto | None] = relationship(back_populates="feedback", cascade="all, delete-orphan")
    notes: Mapped[list[FeedbackNote]] = relationship(back_populates="feedback", cascade="all, delete-orphan",
                                                     order_by="FeedbackNote.id")

    @property
    def reply_language(self) -> str:
        """The language the resident wants the answer in."""
        return self.answer_language or self.language

    @property
    def must_be_called(self) -> bool:
        """The resident wants an answer and can only be reached by phone."""
        return self.wants_answer and not self.contact_email and bool(self.contact_phone)

    def set_status(self, status: FeedbackStatus) -> None:
        """Change the status; closing starts the retention periods, reopening stops them."""
        now = utcnow()
        self.status = status.value
        self.closed_at = (self.closed_at or now) if status == FeedbackStatus.CLOSED else None
        self.updated_at = now

    def answer(self, text: str) -> None:
        """Publish an answer on the resident's private page; the case counts as answered."""
        self.public_answer = text
        self.answered_at = self.updated_at = utcnow()
        self.status = FeedbackStatus.ANSWERED.value
        self.closed_at = None


class FeedbackPhoto(Base):
    """The photo sent with a message, re-encoded without metadata; only staff see it.

    Kept in the database rather than on disk, so that it works the same on SQLite and PostgreSQL
    and for several app processes, and goes with the message when that is erased.
    """

    __tablename__ = "feedback_photo"

    id: Mapped[int] = mapped_column(primary_key=True)
    feedback_id: Mapped[int] = mapped_column(ForeignKey("feedback.id", ondelete="CASCADE"), unique=True)
    content_type: Mapped[str] = mapped_column(String(20))
    data: Mapped[bytes] = mapped_column(LargeBinary, deferred=True)  # loaded only to serve it
    width: Mapped[int] = mapped_column(Integer)
    height: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)

    feedback: Mapped[Feedback] = relationship(back_populates="photo")


class FeedbackNote(Base):
    """An internal note of staff on a message; never shown to the resident."""

    __tablename__ = "feedback_note"

    id: Mapped[int] = mapped_column(primary_key=True)
    feedback_id: Mapped[int] = mapped_column(ForeignKey("feedback.id", ondelete="CASCADE"), index=True)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id", ondelete="SET NULL"))
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)

    feedback: Mapped[Feedback] = relationship(back_populates="notes")
    author: Mapped[StaffUser | None] = relationship("StaffUser")


class FeedbackTally(Base):
    """How many messages of a topic came in a month, kept after the messages themselves are erased.

    The steering group's yearly report counts messages per topic and month; when the retention
    period erases a message (or a resident asks for erasure), its count moves here.
    """

    __tablename__ = "feedback_tally"
    __table_args__ = (UniqueConstraint("year", "month", "category"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    year: Mapped[int] = mapped_column(Integer)
    month: Mapped[int] = mapped_column(Integer)
    category: Mapped[str] = mapped_column(String(20))
    count: Mapped[int] = mapped_column(Integer, default=0)


def tally_and_delete(feedback: Feedback) -> None:
    """Erase a message, keeping only its place in the report's counts."""
    from sqlalchemy import select

    from events.models import TIMEZONE
    from participation.extensions import db
    from participation.outbox import OutboxMessage

    local = feedback.created_at.replace(tzinfo=dt.timezone.utc).astimezone(TIMEZONE)
    tally = db.session.scalar(select(FeedbackTally).where(
        FeedbackTally.year == local.year, FeedbackTally.month == local.month,
        FeedbackTally.category == feedback.category))
    if tally is None:
        tally = FeedbackTally(year=local.year, month=local.month, category=feedback.category, count=0)
        db.session.add(tally)
    tally.count += 1
    db.session.query(OutboxMessage).filter(OutboxMessage.subject_type == "feedback",
                                           OutboxMessage.subject_id == feedback.id).delete()
    db.session.delete(feedback)
