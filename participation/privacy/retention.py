"""Erase what the privacy guide says is erased, when it says so, and say what was erased."""

from __future__ import annotations

import datetime as dt

import click
from dateutil.relativedelta import relativedelta
from flask import Flask, current_app
from sqlalchemy import delete, or_, select

from events.models import TIMEZONE, Event
from participation.extensions import db
from participation.models import AuditEntry
from participation.outbox import OutboxMessage
from participation.signups.models import Signup


def _last_day(event: Event) -> dt.date:
    """The day an activity is over: the end of a one-off, the last date of a series."""
    from events.recurrence import last_date

    # A series without an end: its sign-ups are kept while it runs (erased per person on request).
    return last_date(event) or dt.date.max - dt.timedelta(days=3660)


def purge_signups(today: dt.date) -> int:
    """Sign-ups (and their e-mails) of activities over for more than SIGNUP_RETENTION_DAYS."""
    days = current_app.config["SIGNUP_RETENTION_DAYS"]
    event_ids = [event.id for event in db.session.scalars(
        select(Event).where(Event.id.in_(select(Signup.event_id).distinct())))
        if _last_day(event) + dt.timedelta(days=days) <= today]
    if not event_ids:
        return 0
    ids = db.session.scalars(select(Signup.id).where(Signup.event_id.in_(event_ids))).all()
    db.session.execute(delete(OutboxMessage).where(OutboxMessage.subject_type == "signup",
                                                   OutboxMessage.subject_id.in_(ids)))
    return db.session.execute(delete(Signup).where(Signup.id.in_(ids))).rowcount


def purge_enrolments(today: dt.date) -> int:
    """Enrolments past their school year plus ENROLMENT_RETENTION_MONTHS, with their children and e-mails."""
    from participation.enrolment import service

    return service.purge_expired(today, current_app.config["ENROLMENT_RETENTION_MONTHS"]).enrolments


def purge_mail(today: dt.date) -> int:
    """Copies of e-mails sent more than OUTBOX_RETENTION_DAYS ago, and e-mails never sent (failed, or
    still waiting) made that long ago: whatever their state, none is kept longer."""
    cutoff = dt.datetime.combine(today, dt.time()) - dt.timedelta(days=current_app.config["OUTBOX_RETENTION_DAYS"])
    return db.session.execute(delete(OutboxMessage).where(or_(
        OutboxMessage.sent_at < cutoff,
        OutboxMessage.sent_at.is_(None) & (OutboxMessage.created_at < cutoff)))).rowcount


def purge_audit_log(today: dt.date) -> int:
    """Audit entries older than AUDIT_RETENTION_MONTHS."""
    cutoff = dt.datetime.combine(today, dt.time()) - relativedelta(months=current_app.config["AUDIT_RETENTION_MONTHS"])
    return db.session.execute(delete(AuditEntry).where(AuditEntry.at < cutoff)).rowcount


def _closed_before(months_setting: str, today: dt.date):
    from participation.feedback.models import Feedback

    cutoff = dt.datetime.combine(today, dt.time()) - relativedelta(months=current_app.config[months_setting])
    return select(Feedback).where(Feedback.closed_at.is_not(None), Feedback.closed_at <= cutoff)


def purge_feedback_contact(today: dt.date) -> int:
    """Contact details, photo and staff notes of cases closed FEEDBACK_CONTACT_RETENTION_MONTHS ago."""
    from participation.feedback.models import Feedback

    count = 0
    query = _closed_before("FEEDBACK_CONTACT_RETENTION_MONTHS", today).where(
        or_(Feedback.contact_name != "", Feedback.contact_email != "", Feedback.contact_phone != "",
            Feedback.photo.has(), Feedback.notes.any()))
    for feedback in db.session.scalars(query):
        feedback.contact_name = feedback.contact_email = feedback.contact_phone = ""
        feedback.photo = None
        feedback.notes.clear()  # staff notes often name the person
        db.session.execute(delete(OutboxMessage).where(OutboxMessage.subject_type == "feedback",
                                                       OutboxMessage.subject_id == feedback.id))
        count += 1
    return count


def _left_open_since(months_setting: str, today: dt.date):
    from participation.feedback.models import Feedback

    cutoff = dt.datetime.combine(today, dt.time()) - relativedelta(months=current_app.config[months_setting])
    return select(Feedback).where(Feedback.closed_at.is_(None), Feedback.updated_at <= cutoff)


def purge_feedback(today: dt.date) -> int:
    """Messages of cases closed FEEDBACK_RETENTION_MONTHS ago, and of cases never closed whose last change
    (a status, a note, an answer, who follows it up) is that old; their counts stay for the report."""
    from participation.feedback.models import tally_and_delete

    cases = [*db.session.scalars(_closed_before("FEEDBACK_RETENTION_MONTHS", today)),
             *db.session.scalars(_left_open_since("FEEDBACK_RETENTION_MONTHS", today))]
    for feedback in cases:
        tally_and_delete(feedback)
    return len(cases)


# Each kind of data with its rule (the privacy guide states the same periods).
PURGES: dict[str, callable] = {
    "signups": purge_signups,
    "enrolments": purge_enrolments,
    "feedback contact details and photos": purge_feedback_contact,
    "feedback messages": purge_feedback,
    "e-mails": purge_mail,
    "audit log": purge_audit_log,
}


def purge_all(today: dt.date) -> dict[str, int]:
    """Run every rule; one audit entry says what was erased. Flush only: the command commits it all at once."""
    report = {}
    for name, purge in PURGES.items():
        report[name] = purge(today)
        db.session.flush()  # the next rule sees what this one erased (the e-mails of erased sign-ups)
    db.session.add(AuditEntry(actor_email="system", action="privacy.purge", subject_type="retention",
                              subject_id=today.isoformat(),
                              summary=", ".join(f"{name}: {count}" for name, count in report.items())))
    db.session.flush()
    return report


def init_app(app: Flask) -> None:
    """The daily command."""

    @app.cli.command("purge-expired")
    @click.option("--today", type=click.DateTime(formats=["%Y-%m-%d"]), default=None,
                  help="Pretend it is this date (YYYY-MM-DD); default: today in Brussels.")
    def purge_expired_command(today: dt.datetime | None):
        """Erase or anonymise every kind of personal data whose retention period is over."""
        day = today.date() if today else dt.datetime.now(TIMEZONE).date()
        report = purge_all(day)
        db.session.commit()  # every rule and its audit entry: all or nothing
        for name, count in report.items():
            click.echo(f"{name}: {count} erased")
