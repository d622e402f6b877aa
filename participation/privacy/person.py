"""Everything the portal holds about one person, found by e-mail address or phone number.

A person's rights under the GDPR: to see their data (export, machine-readable JSON) and to have
them erased. Each kind of data is one `Kind`: how to find it, how to show it, how to erase it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Callable

from sqlalchemy import func, or_, select

from participation.extensions import db
from participation.outbox import OutboxMessage
from participation.signups.forms import normalise_phone
from participation.signups.models import Signup, SignupStatus


@dataclass(frozen=True)
class Kind:
    """One kind of personal data the portal keeps."""

    name: str
    find: Callable[[str, str], list]
    export: Callable[[object], dict]
    erase: Callable[[object], None]


def _iso(value):
    return value.isoformat() if isinstance(value, (dt.date, dt.datetime, dt.time)) else value


def _columns(row, *names) -> dict:
    return {name: _iso(getattr(row, name)) for name in names}


def _matches(email_column, phone_column, email: str, phone: str):
    checks = []
    if email:
        checks.append(func.lower(email_column) == email.lower())
    if phone and phone_column is not None:
        checks.append(phone_column == phone)
    return or_(*checks)


def _find_signups(email: str, phone: str) -> list[Signup]:
    return list(db.session.scalars(select(Signup).where(_matches(Signup.email, Signup.phone, email, phone))
                                   .order_by(Signup.id)))


def _export_signup(signup: Signup) -> dict:
    return {**_columns(signup, "reference", "name", "phone", "email", "people", "language", "status",
                       "source", "created_at", "cancelled_at"),
            "activity": signup.event.texts["nl"].title, "activity_date": _iso(signup.event.starts_at)}


def _erase_signup(signup: Signup) -> None:
    from participation.signups import service

    if signup.status != SignupStatus.CANCELLED:
        service.cancel(signup)  # the place goes to the waiting list before the data go
    db.session.delete(signup)


def _find_enrolments(email: str, phone: str) -> list:
    from participation.enrolment.models import Enrolment

    return list(db.session.scalars(select(Enrolment).where(_matches(Enrolment.email, Enrolment.phone, email, phone))
                                   .order_by(Enrolment.id)))


def _export_enrolment(enrolment) -> dict:
    parent = {column.key: _iso(getattr(enrolment, column.key))
              for column in enrolment.__table__.columns if column.key not in ("id", "token", "submission_id")}
    children = [{column.key: _iso(getattr(child, column.key))
                 for column in child.__table__.columns if column.key not in ("id", "enrolment_id")}
                for child in enrolment.children]
    return {**parent, "children": children}


def _erase_enrolment(enrolment) -> None:
    db.session.delete(enrolment)


def _find_mail(email: str, phone: str) -> list[OutboxMessage]:
    if not email:
        return []
    return list(db.session.scalars(select(OutboxMessage).where(func.lower(OutboxMessage.recipient) == email.lower())
                                   .order_by(OutboxMessage.id)))


def _export_mail(message: OutboxMessage) -> dict:
    return _columns(message, "recipient", "subject", "body", "language", "created_at", "sent_at")


def _find_feedback(email: str, phone: str) -> list:
    from participation.feedback.models import Feedback

    return list(db.session.scalars(select(Feedback).where(
        _matches(Feedback.contact_email, Feedback.contact_phone, email, phone)).order_by(Feedback.id)))


def _export_feedback(feedback) -> dict:
    return {**_columns(feedback, "reference", "kind", "category", "message", "street", "language",
                       "contact_name", "contact_email", "contact_phone", "status", "public_answer",
                       "created_at", "answered_at", "closed_at"),
            "photo": "yes" if feedback.photo is not None else "no"}


def _erase_feedback(feedback) -> None:
    from participation.feedback.models import tally_and_delete

    tally_and_delete(feedback)


KINDS: list[Kind] = [
    Kind("signups", _find_signups, _export_signup, _erase_signup),
    Kind("enrolments", _find_enrolments, _export_enrolment, _erase_enrolment),
    Kind("feedback", _find_feedback, _export_feedback, _erase_feedback),
    Kind("e-mails", _find_mail, _export_mail, lambda message: db.session.delete(message)),
]


def normalise(email: str, phone: str) -> tuple[str, str]:
    """The same forms in which the portal stores them."""
    return email.strip().lower(), normalise_phone(phone) if phone.strip() else ""


def find(email: str, phone: str) -> dict[str, list]:
    """Every record about the person, per kind."""
    email, phone = normalise(email, phone)
    if not email and not phone:
        return {kind.name: [] for kind in KINDS}
    return {kind.name: kind.find(email, phone) for kind in KINDS}


def export(email: str, phone: str) -> dict:
    """A machine-readable copy of everything about the person."""
    found = find(email, phone)
    return {kind.name: [kind.export(row) for row in found[kind.name]] for kind in KINDS}


def erase(email: str, phone: str) -> dict[str, int]:
    """Erase everything about the person; the caller commits (with the audit entry)."""
    counts = {}
    email, phone = normalise(email, phone)
    if not email and not phone:
        return counts
    # Kind by kind, each found afresh: cancelling a sign-up queues an e-mail, which the last
    # kind ("e-mails") then erases too.
    for kind in KINDS:
        db.session.flush()
        rows = kind.find(email, phone)
        for row in rows:
            kind.erase(row)
        counts[kind.name] = len(rows)
    db.session.flush()
    return counts
