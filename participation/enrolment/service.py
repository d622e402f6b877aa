"""Enrolments of children in homework support: storing one, deciding per child, telling the parent,
and erasing what the privacy guide says goes after the school year. Flush only: the views and the
`purge-expired` command commit, with the audit entry."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from flask import current_app
from sqlalchemy import delete, func, select

from events.models import TIMEZONE, utcnow
from participation import outbox
from participation.enrolment.forms import ANY_GROUP, EnrolmentForm, active_groups
from participation.enrolment.models import (OTHER_SCHOOL, ChildStatus, EnrolledChild, Enrolment, HomeworkGroup,
                                            erase_on, school_year_of)
from participation.extensions import db
from participation.i18n import public_url
from participation.models import AuditEntry
from participation.phone import normalise_phone


class GroupFull(Exception):
    """A child cannot be accepted in a group whose places are all taken."""

    def __init__(self, group: HomeworkGroup):
        super().__init__(group.name)
        self.group = group


def today() -> dt.date:
    """Today in Brussels."""
    return dt.datetime.now(TIMEZONE).date()


def target_school_year(groups: list[HomeworkGroup] | None = None) -> str:
    """The school year an enrolment is for: its groups' year, else the latest open group's, else today's."""
    years = [group.school_year for group in (groups or active_groups())]
    return max(years) if years else school_year_of(today())


def private_link(enrolment: Enrolment) -> str:
    """The enrolment's private page, in the parent's language."""
    return public_url("enrolment.enrolled", token=enrolment.token, lang=enrolment.language)


def tell_parent(enrolment: Enrolment, template: str, **context) -> bool:
    """Queue an e-mail in the parent's language; False when there is no address (staff must call)."""
    message = outbox.queue(enrolment.email, enrolment.language, template, subject_type="enrolment",
                           subject_id=enrolment.id, enrolment=enrolment, link=private_link(enrolment),
                           erase_on=enrolment.erase_on(current_app.config["ENROLMENT_RETENTION_MONTHS"]),
                           **context)
    return message is not None


def by_submission(submission_id: str | None) -> Enrolment | None:
    """The enrolment a filled-in form already made, if any."""
    if not submission_id:
        return None
    return db.session.scalar(select(Enrolment).where(Enrolment.submission_id == submission_id))


def store(form: EnrolmentForm) -> Enrolment:
    """The enrolment and its children, with the confirmation e-mail; flush only, the view commits."""
    chosen = [group for entry in form.children for group in entry.form.chosen_groups()]
    enrolment = Enrolment(
        submission_id=form.submission_id.data,
        parent_name=form.parent_name.data.strip(),
        phone=normalise_phone(form.phone.data),
        email=(form.email.data or "").strip(),
        language=form.language.data,
        home_languages=",".join(form.home_languages.data or []),
        other_home_languages=(form.other_home_languages.data or "").strip(),
        interpreter=form.interpreter.data,
        consent_at=utcnow(),
        photo_consent=bool(form.photo_consent.data),
        school_year=target_school_year(chosen),
    )
    for position, entry in enumerate(form.children):
        child = entry.form
        enrolment.children.append(EnrolledChild(
            position=position,
            first_name=child.first_name.data.strip(),
            last_name=child.last_name.data.strip(),
            school=child.school.data,
            other_school=(child.other_school.data or "").strip() if child.school.data == OTHER_SCHOOL else "",
            grade=int(child.grade.data),
            any_group=ANY_GROUP in child.groups.data,
            preferred_groups=child.chosen_groups(),
        ))
    db.session.add(enrolment)
    db.session.flush()
    tell_parent(enrolment, "enrolment_received")
    return enrolment


def decide(child: EnrolledChild, decision: ChildStatus, group: HomeworkGroup | None) -> bool:
    """Accept, put on the waiting list or decline one child; a changed decision is mailed to the parent
    (child.told_at says whether it was). Flush only. Returns whether the decision changed; GroupFull
    when the child would take a place the group does not have."""
    enrolment = child.enrolment
    if decision == ChildStatus.DECLINED:
        group = None
    if (decision == ChildStatus.ACCEPTED and group is not None and group.places_left() == 0
            and not (child.status == ChildStatus.ACCEPTED and child.group_id == group.id)):
        raise GroupFull(group)
    changed = (child.status, child.group_id) != (decision.value, group.id if group else None)
    child.status, child.group = decision.value, group
    child.decided_at = utcnow()
    if group is not None and group.school_year > enrolment.school_year:
        # A place in next year's group: the data are needed, and kept, until that year is over.
        enrolment.school_year = group.school_year
    if changed:
        child.told_at = None
        if tell_parent(enrolment, f"enrolment_{decision.value}", child=child, group=group):
            child.told_at = utcnow()
    db.session.flush()
    return changed


@dataclass
class Purged:
    """What one run of the purge erased, and what it kept."""

    enrolments: int = 0
    children: int = 0
    messages: int = 0
    kept: int = 0
    school_years: tuple[str, ...] = ()


def purge_expired(day: dt.date, months: int) -> Purged:
    """Erase enrolments whose school year ended more than `months` before `day`, with their children and
    e-mails, and say so in the audit log; flush only."""
    years = db.session.scalars(select(Enrolment.school_year).distinct()).all()
    expired = tuple(sorted(year for year in years if erase_on(year, months) <= day))
    if not expired:
        return Purged(kept=db.session.scalar(select(func.count()).select_from(Enrolment)))
    ids = db.session.scalars(select(Enrolment.id).where(Enrolment.school_year.in_(expired))).all()
    result = Purged(enrolments=len(ids), school_years=expired)
    result.children = db.session.scalar(
        select(func.count()).select_from(EnrolledChild).where(EnrolledChild.enrolment_id.in_(ids)))
    # Sent or not: a message is personal data too, and one still waiting is no longer true.
    result.messages = db.session.execute(
        delete(outbox.OutboxMessage).where(outbox.OutboxMessage.subject_type == "enrolment",
                                           outbox.OutboxMessage.subject_id.in_(ids))
    ).rowcount
    # Through the ORM, so the children and their preferred groups go too (SQLite ignores ON DELETE).
    for enrolment in db.session.scalars(select(Enrolment).where(Enrolment.id.in_(ids))):
        db.session.delete(enrolment)
    db.session.add(AuditEntry(actor_email="system", action="enrolment.purge", subject_type="Enrolment",
                              subject_id="", summary=f"{result.enrolments} enrolments, {result.children} children, "
                                                     f"{result.messages} e-mails ({', '.join(expired)})"))
    db.session.flush()
    result.kept = db.session.scalar(select(func.count()).select_from(Enrolment))
    return result
