"""Places, the waiting list and the messages that go with them — safe under concurrency.

Every change to an activity's sign-ups first takes the activity's row lock (`lock`), so two
people asking for the last place at the same moment are served one after the other: the second
sees the first's sign-up and goes to the waiting list. The lock is an UPDATE of the event row,
which PostgreSQL turns into a row lock and SQLite into its write lock, both held until commit.
"""

from __future__ import annotations

import datetime as dt

from flask import current_app
from sqlalchemy import func, or_, select, text
from sqlalchemy.exc import IntegrityError

from events.models import Event, utcnow
from participation import outbox
from participation.extensions import db
from participation.i18n import public_url
from participation.signups.models import Signup, SignupStatus


class AlreadySignedUp(Exception):
    """The same phone number or e-mail address already has a place (or a waiting place)."""

    def __init__(self, existing: Signup):
        super().__init__(existing.reference)
        self.existing = existing


# A form sent again and again with somebody's address must not fill their inbox: one link per so long.
LINK_AGAIN_EVERY = dt.timedelta(minutes=15)


def lock(event_id: int) -> None:
    """Serialise changes to one activity's places until the transaction ends."""
    db.session.execute(text("UPDATE event SET capacity = capacity WHERE id = :id"), {"id": event_id})


def places_taken(event_id: int) -> int:
    """People with a confirmed place."""
    return db.session.scalar(
        select(func.coalesce(func.sum(Signup.people), 0))
        .where(Signup.event_id == event_id, Signup.status == SignupStatus.CONFIRMED)
    )


def places_left(event: Event) -> int:
    return max((event.capacity or 0) - places_taken(event.id), 0)


def waiting_people(event_id: int) -> int:
    return db.session.scalar(
        select(func.coalesce(func.sum(Signup.people), 0))
        .where(Signup.event_id == event_id, Signup.status == SignupStatus.WAITING)
    )


def manage_url(signup: Signup) -> str:
    """The private link, in the person's language."""
    return public_url("signups.manage", token=signup.token, lang=signup.language)


def _notify(signup: Signup, template: str) -> None:
    outbox.queue(signup.email, signup.language, template, subject_type="signup", subject_id=signup.id,
                 signup=signup, event=signup.event, link=manage_url(signup))


def _same_person(event_id: int, phone: str, email: str) -> Signup | None:
    checks = []
    if phone:
        checks.append(Signup.phone == phone)
    if email:
        checks.append(func.lower(Signup.email) == email.lower())
    if not checks:
        return None
    return db.session.scalar(select(Signup).where(
        Signup.event_id == event_id, Signup.status != SignupStatus.CANCELLED, or_(*checks)))


def sign_up(event: Event, *, name: str, phone: str, email: str, people: int, language: str,
            submission_id: str | None, source: str = "online") -> Signup:
    """Give a place if there is one for everybody, else a place on the waiting list; commit."""
    if submission_id:
        existing = db.session.scalar(select(Signup).where(Signup.event_id == event.id,
                                                          Signup.submission_id == submission_id))
        if existing is not None:
            return existing  # the same form sent twice (a double click): one sign-up
    lock(event.id)
    if submission_id:
        existing = db.session.scalar(select(Signup).where(Signup.event_id == event.id,
                                                          Signup.submission_id == submission_id))
        if existing is not None:
            db.session.rollback()
            return existing
    existing = _same_person(event.id, phone, email)
    if existing is not None:
        raise AlreadySignedUp(existing)
    # Whoever waits and fits has been moved up already (promote_waiting), so a newcomer who fits
    # takes a free place without jumping the queue.
    fits = people <= places_left(event)
    signup = Signup(event=event, name=name, phone=phone, email=email, people=people, language=language,
                    submission_id=submission_id, source=source,
                    status=SignupStatus.CONFIRMED if fits else SignupStatus.WAITING)
    db.session.add(signup)
    db.session.flush()
    _notify(signup, "signup_confirmed" if fits else "signup_waiting")
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()  # the other click won the race on the submission id
        return db.session.scalar(select(Signup).where(Signup.event_id == event.id,
                                                      Signup.submission_id == submission_id))
    return signup


def send_link_again(signup: Signup) -> bool:
    """Send the private link again to the sign-up's own e-mail address (not to whoever typed it); flush only.

    The answer on screen is the same as for a new sign-up, so the form does not tell a stranger who
    is signed up. Once per LINK_AGAIN_EVERY at most; False when nothing was queued."""
    if not signup.email:
        return False
    since = utcnow() - LINK_AGAIN_EVERY
    recent = db.session.scalar(select(func.count(outbox.OutboxMessage.id)).where(
        outbox.OutboxMessage.subject_type == "signup", outbox.OutboxMessage.subject_id == signup.id,
        outbox.OutboxMessage.kind == "signup_link_again", outbox.OutboxMessage.created_at >= since))
    if recent:
        return False
    _notify(signup, "signup_link_again")
    db.session.flush()
    return True


def release(signup: Signup, *, tell: bool = True) -> list[Signup]:
    """Cancel a sign-up and give its places to the waiting list; flush only, the caller commits.

    `tell=False` when the person is being erased: nothing more is sent to them, but whoever moves
    up is still told."""
    return release_many([signup], tell=tell)[1]


def release_many(signups: list[Signup], *, tell: bool = True) -> tuple[list[Signup], list[Signup]]:
    """Cancel several sign-ups at once, then give the freed places to the waiting list; flush only.

    Returns (cancelled, moved up). The waiting list moves once, after every sign-up of the batch is
    cancelled, so nobody in the batch is moved up only to be cancelled a moment later. One already
    cancelled (by a colleague, or by the person) is left as it is."""
    for event_id in sorted({signup.event_id for signup in signups}):  # always in the same order: no deadlock
        lock(event_id)
    cancelled, freed = [], {}
    for signup in signups:
        db.session.refresh(signup)
        if signup.status == SignupStatus.CANCELLED:
            continue
        if signup.status == SignupStatus.CONFIRMED:
            freed[signup.event_id] = signup.event
        signup.status = SignupStatus.CANCELLED
        signup.cancelled_at = signup.updated_at = utcnow()
        if tell:
            _notify(signup, "signup_cancelled")
        cancelled.append(signup)
    moved = [other for event in freed.values() for other in promote_waiting(event)]
    db.session.flush()
    return cancelled, moved


def promote_waiting(event: Event) -> list[Signup]:
    """Give freed places to the waiting list in order, skipping a family that does not fit yet."""
    db.session.flush()
    left = places_left(event)
    moved = []
    waiting = db.session.scalars(select(Signup).where(
        Signup.event_id == event.id, Signup.status == SignupStatus.WAITING,
    ).order_by(Signup.created_at, Signup.id))
    for candidate in waiting:
        if candidate.people <= left:
            candidate.status = SignupStatus.CONFIRMED
            candidate.updated_at = utcnow()
            left -= candidate.people
            _notify(candidate, "signup_promoted")
            moved.append(candidate)
    return moved


def queue_reminders(now: dt.datetime | None = None) -> int:
    """Queue a reminder for confirmed sign-ups with an e-mail address, once, before the activity."""
    from events.models import TIMEZONE, Status

    hours = current_app.config["REMINDER_HOURS"]
    local_now = (now or dt.datetime.now(dt.UTC)).astimezone(TIMEZONE).replace(tzinfo=None)
    due = db.session.scalars(
        select(Signup).join(Event).where(
            Signup.status == SignupStatus.CONFIRMED, Signup.email != "", Signup.reminder_sent_at.is_(None),
            Event.status == Status.PUBLISHED, Event.starts_at > local_now,
            Event.starts_at <= local_now + dt.timedelta(hours=hours),
        )
    ).all()
    for signup in due:
        signup.reminder_sent_at = utcnow()
        _notify(signup, "signup_reminder")
    db.session.commit()
    return len(due)
