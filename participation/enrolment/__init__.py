"""Homework support: parents enrol their children, staff place them in groups, the data go after the school year.

routes.py has the public form (`bp`) and the staff pages (`staff_bp`); `purge-enrolments` erases what the
privacy guide promises to erase, and is meant to run daily (cron or a systemd timer).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import click
from flask import Flask
from sqlalchemy import delete, func, select

from events.models import TIMEZONE
from participation.extensions import db


@dataclass
class Purged:
    """What one run of the purge erased, and what it kept."""

    enrolments: int = 0
    children: int = 0
    messages: int = 0
    kept: int = 0
    school_years: tuple[str, ...] = ()


def purge_expired(today: dt.date, months: int) -> Purged:
    """Erase enrolments whose school year ended more than `months` ago, with their children and e-mails."""
    # Imported here: participation.models imports this package's models while it is being loaded.
    from participation.enrolment.models import EnrolledChild, Enrolment, erase_on
    from participation.models import AuditEntry
    from participation.outbox import OutboxMessage

    years = db.session.scalars(select(Enrolment.school_year).distinct()).all()
    expired = tuple(sorted(year for year in years if erase_on(year, months) <= today))
    if not expired:
        return Purged(kept=db.session.scalar(select(func.count()).select_from(Enrolment)))
    ids = db.session.scalars(select(Enrolment.id).where(Enrolment.school_year.in_(expired))).all()
    result = Purged(enrolments=len(ids), school_years=expired)
    result.children = db.session.scalar(
        select(func.count()).select_from(EnrolledChild).where(EnrolledChild.enrolment_id.in_(ids)))
    # Sent or not: a message is personal data too, and one still waiting is no longer true.
    result.messages = db.session.execute(
        delete(OutboxMessage).where(OutboxMessage.subject_type == "enrolment", OutboxMessage.subject_id.in_(ids))
    ).rowcount
    # Through the ORM, so the children and their preferred groups go too (SQLite ignores ON DELETE).
    for enrolment in db.session.scalars(select(Enrolment).where(Enrolment.id.in_(ids))):
        db.session.delete(enrolment)
    db.session.add(AuditEntry(actor_email="system", action="enrolment.purge", subject_type="Enrolment",
                              subject_id="", summary=f"{result.enrolments} enrolments, {result.children} children, "
                                                     f"{result.messages} e-mails ({', '.join(expired)})"))
    db.session.commit()
    result.kept = db.session.scalar(select(func.count()).select_from(Enrolment))
    return result


def init_app(app: Flask) -> None:
    """Register the purge command, and the labels the templates and e-mails show."""
    from participation.enrolment import forms

    app.jinja_env.globals.update(
        school_labels=forms.SCHOOL_LABELS, group_school_labels=forms.GROUP_SCHOOL_LABELS,
        grade_labels=forms.GRADE_LABELS, enrolment_status_labels=forms.STATUS_LABELS,
        interpreter_labels=forms.INTERPRETER_LABELS)

    @app.cli.command("purge-enrolments")
    @click.option("--today", type=click.DateTime(formats=["%Y-%m-%d"]), default=None,
                  help="Pretend it is this date (YYYY-MM-DD); default: today in Brussels.")
    def purge_enrolments_command(today: dt.datetime | None):
        """Erase homework-support enrolments kept past their school year plus ENROLMENT_RETENTION_MONTHS."""
        day = today.date() if today else dt.datetime.now(TIMEZONE).date()
        result = purge_expired(day, app.config["ENROLMENT_RETENTION_MONTHS"])
        years = ", ".join(result.school_years) or "none"
        click.echo(f"Erased {result.enrolments} enrolments ({result.children} children) and "
                   f"{result.messages} outbox e-mails; school years erased: {years}; "
                   f"enrolments kept: {result.kept}.")
