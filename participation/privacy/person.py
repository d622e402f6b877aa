"""Everything the portal holds about one person, found by e-mail address or phone number.

A person's rights under the GDPR: to see their data (export: a ZIP archive with everything as
machine-readable JSON, and the files themselves, such as a photo sent with feedback) and to have
them erased. Each kind of data is one `Kind`: how to find it, show it, hand over its files, erase it.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import zipfile
from dataclasses import dataclass
from typing import Callable

from sqlalchemy import func, or_, select

from participation.extensions import db
from participation.outbox import OutboxMessage
from participation.phone import normalise_phone
from participation.signups.models import Signup, SignupStatus


@dataclass(frozen=True)
class Kind:
    """One kind of personal data the portal keeps."""

    name: str
    find: Callable[[str, str], list]
    export: Callable[[object], dict]
    erase: Callable[[object], None]
    files: Callable[[object], dict[str, bytes]] = lambda row: {}  # name in the archive → content


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
            "activity": signup.event.texts["nl"].title,
            # The date signed up for (a series with places per date: one row per date), else the first date.
            "activity_date": _iso(signup.occurrence_start or signup.event.starts_at),
            "whole_series": signup.occurrence_start is None and signup.event.is_recurring}


def _erase_signup(signup: Signup) -> None:
    from participation.signups import service

    if signup.status != SignupStatus.CANCELLED:
        service.release(signup, tell=False)  # the place goes to the waiting list; no e-mail to the person
    # Who came stays counted (Attendance.signup_id is set to NULL by the database), without the person.
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


# What each kind's e-mails record as their subject (OutboxMessage.subject_type).
MAIL_SUBJECTS = {"signups": "signup", "enrolments": "enrolment", "feedback": "feedback"}


def _find_mail(email: str, subjects: dict[str, list[int]]) -> list[OutboxMessage]:
    """Every e-mail to the person's address, and every e-mail about their sign-ups, enrolments, feedback."""
    checks = [func.lower(OutboxMessage.recipient) == email.lower()] if email else []
    checks += [(OutboxMessage.subject_type == subject_type) & OutboxMessage.subject_id.in_(ids)
               for subject_type, ids in subjects.items() if ids]
    if not checks:
        return []
    return list(db.session.scalars(select(OutboxMessage).where(or_(*checks)).order_by(OutboxMessage.id)))


def _export_mail(message: OutboxMessage) -> dict:
    return _columns(message, "recipient", "subject", "body", "language", "created_at", "sent_at")


def _find_feedback(email: str, phone: str) -> list:
    from participation.feedback.models import Feedback

    return list(db.session.scalars(select(Feedback).where(
        _matches(Feedback.contact_email, Feedback.contact_phone, email, phone)).order_by(Feedback.id)))


PHOTO_EXTENSIONS = {"image/jpeg": "jpg", "image/png": "png"}


def _photo_name(feedback) -> str:
    """Where the feedback's photo is in the archive."""
    return f"photos/feedback-{feedback.reference}.{PHOTO_EXTENSIONS.get(feedback.photo.content_type, 'bin')}"


def _export_feedback(feedback) -> dict:
    # Staff notes are about the person too (they often name them): they are handed over as well.
    return {**_columns(feedback, "reference", "kind", "category", "message", "street", "language",
                       "wants_answer", "contact_name", "contact_email", "contact_phone", "answer_language",
                       "status", "public_answer", "created_at", "updated_at", "answered_at", "closed_at"),
            "photo": _photo_name(feedback) if feedback.photo is not None else None,
            "staff_notes": [_columns(note, "text", "created_at") for note in feedback.notes]}


def _feedback_files(feedback) -> dict[str, bytes]:
    return {_photo_name(feedback): feedback.photo.data} if feedback.photo is not None else {}


def _erase_feedback(feedback) -> None:
    from participation.feedback.models import tally_and_delete

    tally_and_delete(feedback)


KINDS: list[Kind] = [
    Kind("signups", _find_signups, _export_signup, _erase_signup),
    Kind("enrolments", _find_enrolments, _export_enrolment, _erase_enrolment),
    Kind("feedback", _find_feedback, _export_feedback, _erase_feedback, _feedback_files),
]
MAIL = "e-mails"  # found last: by address, and by what the other kinds' rows are


def normalise(email: str, phone: str) -> tuple[str, str]:
    """The same forms in which the portal stores them."""
    return email.strip().lower(), normalise_phone(phone)


def _subjects(found: dict[str, list]) -> dict[str, list[int]]:
    return {MAIL_SUBJECTS[name]: [row.id for row in rows] for name, rows in found.items() if name in MAIL_SUBJECTS}


def find(email: str, phone: str) -> dict[str, list]:
    """Every record about the person, per kind, e-mails sent to or about them last."""
    email, phone = normalise(email, phone)
    if not email and not phone:
        return {kind.name: [] for kind in KINDS} | {MAIL: []}
    found = {kind.name: kind.find(email, phone) for kind in KINDS}
    return found | {MAIL: _find_mail(email, _subjects(found))}


def _export(found: dict[str, list]) -> dict:
    data = {kind.name: [kind.export(row) for row in found[kind.name]] for kind in KINDS}
    return data | {MAIL: [_export_mail(message) for message in found[MAIL]]}


def export(email: str, phone: str) -> dict:
    """A machine-readable copy of everything about the person (files named by their place in the archive)."""
    return _export(find(email, phone))


ARCHIVE_DATA = "personal-data.json"


def archive(email: str, phone: str, exported_at: str) -> tuple[bytes, dict]:
    """Everything about the person as a ZIP archive: ARCHIVE_DATA, and each file (a photo) beside it.

    Returns the archive and the data in it."""
    found = find(email, phone)
    data = _export(found)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archived:
        archived.writestr(ARCHIVE_DATA, json.dumps({"exported_at": exported_at, "data": data}, ensure_ascii=False,
                                                   indent=2), compress_type=zipfile.ZIP_DEFLATED)
        for kind in KINDS:
            for row in found[kind.name]:
                for name, content in kind.files(row).items():
                    archived.writestr(name, content)  # photos are compressed already
    return buffer.getvalue(), data


def erase(email: str, phone: str) -> dict[str, int]:
    """Erase everything about the person, flushing only; the caller commits with the audit entry.

    The e-mails go last and are found again then: by the address, and by the sign-ups, enrolments
    and feedback found at the start (a cancellation or a tally may have queued or kept mail about them)."""
    email, phone = normalise(email, phone)
    if not email and not phone:
        return {}
    found = {kind.name: kind.find(email, phone) for kind in KINDS}
    subjects = _subjects(found)
    counts = {}
    for kind in KINDS:
        for row in found[kind.name]:
            kind.erase(row)
        counts[kind.name] = len(found[kind.name])
        db.session.flush()
    messages = _find_mail(email, subjects)
    for message in messages:
        db.session.delete(message)
    counts[MAIL] = len(messages)
    db.session.flush()
    return counts
