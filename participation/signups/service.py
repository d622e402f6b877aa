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

from events.models import TIMEZONE, Event, Occurrence, utcnow
from participation import outbox
from participation.extensions import db
from participation.i18n import public_url
from participation.signups.models import Signup, SignupStatus, new_reference, new_token


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


def _date_order(date: dt.datetime | None) -> dt.datetime:
    """Sort key of a date's planned start; the whole series (None) comes first."""
    return date or dt.datetime.min


def _in_date_order(rows) -> list[Signup]:
    return sorted(rows, key=lambda s: (_date_order(s.occurrence_start), s.id))


def _on(date: dt.datetime | None):
    """The sign-ups of one date (its planned start), or of the whole series or one-off (None)."""
    return Signup.occurrence_start.is_(None) if date is None else Signup.occurrence_start == date


def places_taken(event_id: int, date: dt.datetime | None = None) -> int:
    """People with a confirmed place (on one date of a series with places per date)."""
    return db.session.scalar(
        select(func.coalesce(func.sum(Signup.people), 0))
        .where(Signup.event_id == event_id, _on(date), Signup.status == SignupStatus.CONFIRMED)
    )


def places_left(event: Event, date: dt.datetime | None = None) -> int:
    return max((event.capacity or 0) - places_taken(event.id, date), 0)


def places_left_per_date(event: Event, dates: list[dt.datetime]) -> dict[dt.datetime, int]:
    """Places left on each of `dates` (planned starts), from one query."""
    if not dates:
        return {}
    taken = dict(db.session.execute(
        select(Signup.occurrence_start, func.coalesce(func.sum(Signup.people), 0))
        .where(Signup.event_id == event.id, Signup.occurrence_start.in_(dates),
               Signup.status == SignupStatus.CONFIRMED)
        .group_by(Signup.occurrence_start)).all())
    return {date: max((event.capacity or 0) - taken.get(date, 0), 0) for date in dates}


def open_dates(event: Event, now: dt.datetime, *, most: int = 12) -> list[Occurrence]:
    """The dates of a series with places per date one can still sign up for at wall-clock time `now`."""
    if not event.per_date:
        return []
    window = now.replace(tzinfo=TIMEZONE)
    closes = event.signups_close_at.replace(tzinfo=TIMEZONE) if event.signups_close_at else None
    found = [o for o in event.occurrences(window, window + dt.timedelta(days=366))
             if o.takes_place and o.start > window and (closes is None or window < closes)]
    return found[:most]


def dates_of(signup: Signup) -> list[Signup]:
    """Every row sharing the sign-up's private link (one per date), in date order."""
    return _in_date_order(db.session.scalars(select(Signup).where(Signup.token == signup.token)))


def occurrence_of(signup: Signup) -> Occurrence | None:
    """The date a per-date sign-up is for (moved or cancelled as staff changed it), or None."""
    if signup.occurrence_start is None:
        return None
    return signup.event.occurrence(signup.occurrence_start)


def manage_url(signup: Signup) -> str:
    """The private link, in the person's language."""
    return public_url("signups.manage", token=signup.token, lang=signup.language)


def _notify(signup: Signup, template: str, *, dates: list[Signup] | None = None,
            occurrence: Occurrence | None = None) -> None:
    """One e-mail about `signup`; `dates`: the rows of one form to list with their state (one mail for all)."""
    rows = dates if dates is not None else ([signup] if signup.occurrence_start is not None else [])
    listed = [(row, occurrence_of(row)) for row in rows]
    outbox.queue(signup.email, signup.language, template, subject_type="signup", subject_id=signup.id,
                 signup=signup, event=signup.event, link=manage_url(signup), dates=listed,
                 occurrence=occurrence)


def _same_person(event_id: int, phone: str, email: str, date: dt.datetime | None = None) -> Signup | None:
    checks = []
    if phone:
        checks.append(Signup.phone == phone)
    if email:
        checks.append(func.lower(Signup.email) == email.lower())
    if not checks:
        return None
    return db.session.scalar(select(Signup).where(
        Signup.event_id == event_id, _on(date), Signup.status != SignupStatus.CANCELLED, or_(*checks))
        .order_by(Signup.id).limit(1))


def _submission_ids(submission_id: str, dates: list[dt.datetime | None]) -> list[str]:
    """One id per date, so a double click stores nothing twice (a series or one-off keeps the form's id)."""
    return [submission_id if date is None else f"{submission_id}@{date.isoformat()}" for date in dates]


def _already_stored(event_id: int, ids: list[str]) -> list[Signup]:
    return _in_date_order(db.session.scalars(select(Signup).where(Signup.event_id == event_id,
                                                                  Signup.submission_id.in_(ids))))


def sign_up(event: Event, *, name: str, phone: str, email: str, people: int, language: str,
            submission_id: str | None, source: str = "online", date: dt.datetime | None = None) -> Signup:
    """Give a place if there is one for everybody, else a place on the waiting list; flush only."""
    return sign_up_for(event, [date], name=name, phone=phone, email=email, people=people, language=language,
                       submission_id=submission_id, source=source)[0]


def sign_up_for(event: Event, dates: list[dt.datetime | None], *, name: str, phone: str, email: str, people: int,
                language: str, submission_id: str | None, source: str = "online") -> list[Signup]:
    """Sign up for each of `dates` (planned starts; [None]: the whole series or one-off); flush only,
    the view commits the sign-ups with their e-mail (and audit entry).

    Each date gets a place when everybody fits, else a place on its waiting list: all, or the dates
    that fit. One row per date, sharing one private link and one reference. A date this contact is
    signed up for already is left out; AlreadySignedUp when that leaves none."""
    dates = sorted(set(dates), key=_date_order)
    ids = _submission_ids(submission_id, dates) if submission_id else []
    if ids:
        existing = _already_stored(event.id, ids)
        if existing:
            return existing  # the same form sent twice (a double click): stored once
    lock(event.id)
    if ids:
        existing = _already_stored(event.id, ids)
        if existing:
            return existing  # stored by the other click while this one waited for the lock
    taken = {date: _same_person(event.id, phone, email, date) for date in dates}
    free = [date for date in dates if taken[date] is None]
    if not free:
        raise AlreadySignedUp(taken[dates[0]])
    token, reference = new_token(), new_reference()
    made = []
    try:
        # A savepoint: should the other click win the race on the submission id after all, only these
        # rows are undone, and the caller's transaction (the lock, anything it added) goes on.
        with db.session.begin_nested():
            for date in free:
                # Whoever waits and fits has been moved up already (promote_waiting), so a newcomer who fits
                # takes a free place without jumping the queue.
                fits = people <= places_left(event, date)
                signup = Signup(event=event, occurrence_start=date, name=name, phone=phone, email=email,
                                people=people, language=language, token=token, reference=reference,
                                submission_id=_submission_ids(submission_id, [date])[0] if submission_id else None,
                                source=source, status=SignupStatus.CONFIRMED if fits else SignupStatus.WAITING)
                db.session.add(signup)
                db.session.flush()  # the next date's count sees nothing of this one, but the row has its id
                made.append(signup)
    except IntegrityError:
        return _already_stored(event.id, ids)  # the other click won the race on the submission id
    confirmed = any(s.status == SignupStatus.CONFIRMED for s in made)
    _notify(made[0], "signup_confirmed" if confirmed else "signup_waiting",
            dates=made if made[0].occurrence_start is not None else None)
    db.session.flush()
    return made


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
    _notify(signup, "signup_link_again", dates=dates_of(signup) if signup.occurrence_start is not None else None)
    db.session.flush()
    return True


def release(signup: Signup, *, tell: bool = True) -> list[Signup]:
    """Cancel a sign-up and give its places to the waiting list; flush only, the caller commits.

    `tell=False` when the person is being erased: nothing more is sent to them, but whoever moves
    up is still told."""
    return release_many([signup], tell=tell)[1]


def release_many(signups: list[Signup], *, tell: bool = True) -> tuple[list[Signup], list[Signup]]:
    """Cancel several sign-ups at once, then give the freed places to the waiting list; flush only.

    Returns (cancelled, moved up). The waiting list of each date moves once, after every sign-up of
    the batch is cancelled, so nobody in the batch is moved up only to be cancelled a moment later.
    One already cancelled (by a colleague, or by the person) is left as it is. Whoever cancels
    several dates of one form at once gets one e-mail."""
    for event_id in sorted({signup.event_id for signup in signups}):  # always in the same order: no deadlock
        lock(event_id)
    cancelled, freed = [], {}
    for signup in signups:
        db.session.refresh(signup)
        if signup.status == SignupStatus.CANCELLED:
            continue
        if signup.status == SignupStatus.CONFIRMED:
            freed[(signup.event_id, signup.occurrence_start)] = signup.event
        signup.status = SignupStatus.CANCELLED
        signup.cancelled_at = signup.updated_at = utcnow()
        cancelled.append(signup)
    if tell:
        by_link: dict[str, list[Signup]] = {}
        for signup in cancelled:
            by_link.setdefault(signup.token, []).append(signup)
        for rows in by_link.values():
            _notify(rows[0], "signup_cancelled", dates=rows if rows[0].occurrence_start is not None else None)
    moved = [other for (_id, date), event in sorted(freed.items(), key=lambda item: (item[0][0], _date_order(item[0][1])))
             for other in promote_waiting(event, date)]
    db.session.flush()
    return cancelled, moved


_EVERY_DATE = object()


def promote_waiting(event: Event, date=_EVERY_DATE) -> list[Signup]:
    """Give freed places to the waiting list in order, skipping a family that does not fit yet.

    `date`: one date's list (its planned start; None: the whole series); by default every list of
    the event (more places for a series with places per date move every date's list up)."""
    db.session.flush()
    if date is _EVERY_DATE:
        dates = db.session.scalars(select(Signup.occurrence_start).distinct().where(
            Signup.event_id == event.id, Signup.status == SignupStatus.WAITING)).all()
        return [other for each in sorted(dates, key=_date_order)
                for other in promote_waiting(event, each)]
    left = places_left(event, date)
    moved = []
    waiting = db.session.scalars(select(Signup).where(
        Signup.event_id == event.id, _on(date), Signup.status == SignupStatus.WAITING,
    ).order_by(Signup.created_at, Signup.id)).all()
    for candidate in waiting:
        if candidate.people <= left:
            candidate.status = SignupStatus.CONFIRMED
            candidate.updated_at = utcnow()
            left -= candidate.people
            _notify(candidate, "signup_promoted")
            moved.append(candidate)
    return moved


def waiting_position(signup: Signup) -> int:
    """The sign-up's place on its date's (or the series') waiting list, 1 first."""
    return 1 + db.session.scalar(select(func.count(Signup.id)).where(
        Signup.event_id == signup.event_id, _on(signup.occurrence_start), Signup.status == SignupStatus.WAITING,
        (Signup.created_at < signup.created_at)
        | ((Signup.created_at == signup.created_at) & (Signup.id < signup.id))))


def queue_reminders(now: dt.datetime | None = None) -> int:
    """Queue a reminder before each date a confirmed sign-up with an e-mail address is for; flush only,
    the caller (the outbox worker) commits the reminders with the marks that they went.

    A sign-up for one date is reminded once (reminder_sent_at); a sign-up for a whole series before
    every date that takes place (reminded_for: that date's planned start). Never for a cancelled
    date; a moved date is reminded at its new time."""
    from events.models import Status

    hours = current_app.config["REMINDER_HOURS"]
    moment = (now or dt.datetime.now(dt.UTC)).astimezone(TIMEZONE)
    window_end = moment + dt.timedelta(hours=hours)
    local_now = moment.replace(tzinfo=None)
    # Moved dates may lie far from their planned start: look a month either side, then decide exactly.
    margin = dt.timedelta(days=31)
    sent = 0
    per_date = db.session.scalars(
        select(Signup).join(Event).where(
            Signup.status == SignupStatus.CONFIRMED, Signup.email != "", Signup.reminder_sent_at.is_(None),
            Signup.occurrence_start.is_not(None), Event.status == Status.PUBLISHED,
            Signup.occurrence_start > local_now - margin,
            Signup.occurrence_start <= local_now + dt.timedelta(hours=hours) + margin)).all()
    for signup in per_date:
        occurrence = signup.event.occurrence(signup.occurrence_start)
        if occurrence is None or not occurrence.takes_place or not moment < occurrence.start <= window_end:
            continue
        signup.reminder_sent_at, signup.reminded_for = utcnow(), occurrence.key
        _notify(signup, "signup_reminder", occurrence=occurrence)
        sent += 1
    events = db.session.scalars(select(Event).where(
        Event.status == Status.PUBLISHED, Event.id.in_(
            select(Signup.event_id).where(Signup.status == SignupStatus.CONFIRMED, Signup.email != "",
                                          Signup.occurrence_start.is_(None))),
        or_(Event.is_recurring, (Event.starts_at > local_now - margin) & (Event.starts_at <= local_now + margin)))).all()
    for event in events:
        dates = [o for o in event.occurrences(moment, window_end) if o.takes_place and moment < o.start <= window_end]
        if not dates:
            continue
        date = dates[0]
        due = db.session.scalars(select(Signup).where(
            Signup.event_id == event.id, Signup.occurrence_start.is_(None), Signup.status == SignupStatus.CONFIRMED,
            Signup.email != "",
            or_(Signup.reminded_for.is_(None), Signup.reminded_for != date.key) if event.is_recurring
            else Signup.reminder_sent_at.is_(None))).all()
        for signup in due:
            signup.reminder_sent_at, signup.reminded_for = utcnow(), date.key
            _notify(signup, "signup_reminder", occurrence=date if event.is_recurring else None)
            sent += 1
    db.session.flush()
    return sent
