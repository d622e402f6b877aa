"""The dates of a series: staff cancel one date or move it, undo that, and see whom to call.

A change is a `DateChange` on the date's planned start (its RECURRENCE-ID); it is kept when undone
(status planned) so calendars get the undo too. Everyone signed up for the date (or for the whole
series) is told in their own language through the outbox; people with only a phone number are on
a list for staff to call. The functions here flush; the views commit the change, its e-mails and its
audit entry at once.
"""

from __future__ import annotations

import datetime as dt

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from sqlalchemy import or_, select

from events.models import DEFAULT_LANGUAGE, TIMEZONE, DateChange, DateStatus, Event, Occurrence, Repeat, Status, utcnow
from participation import audit, outbox
from participation.extensions import db
from participation.forms import ConfirmForm
from participation.i18n import localized
from participation.signups import service as signup_service
from participation.signups.models import Signup, SignupStatus
from participation.staff.forms import SETPOS_LABELS, DateCancelForm, DateMoveForm
from participation.staff.routes import bp
from participation.templating import short_date, weekday_list

AHEAD, PAST = 26, 4  # dates shown on the dates page: the next ones, and the last few gone by
WHEN_FORMAT = "%Y-%m-%dT%H%M"  # a date's planned start in its address: 2027-03-10T1600


# --- what a change does -------------------------------------------------------------------------


def affected_signups(event: Event, original_start: dt.datetime) -> list[Signup]:
    """Who is signed up for this date: for the date itself or for the whole series, confirmed or waiting."""
    return list(db.session.scalars(
        select(Signup).where(
            Signup.event_id == event.id,
            Signup.status.in_([SignupStatus.CONFIRMED, SignupStatus.WAITING]),
            or_(Signup.occurrence_start == original_start, Signup.occurrence_start.is_(None)))
        .order_by(Signup.name, Signup.id)))


def phone_only(signups: list[Signup]) -> list[Signup]:
    """Those who can only be called: no e-mail address."""
    return [signup for signup in signups if not signup.email.strip()]


def _set_change(event: Event, original_start: dt.datetime, status: DateStatus, *,
                starts_at: dt.datetime | None = None, ends_at: dt.datetime | None = None, address: str = "",
                texts: dict[str, dict[str, str]] | None = None) -> Occurrence:
    """Give one date its state (a new DateChange, or the one it has), under the sign-up lock; flush.

    After publication calendars must see it: the date's SEQUENCE goes up; the agenda's cache sees
    the event's updated_at."""
    signup_service.lock(event.id)
    change = event.changes.get(original_start)
    if change is None:
        change = event.changes[original_start] = DateChange(original_start=original_start, texts={})
    change.status = status.value
    change.starts_at, change.ends_at, change.address = starts_at, ends_at, address.strip()
    change.set_texts(texts or {})
    if event.status != Status.DRAFT:
        change.revised()
    else:
        change.updated_at = utcnow()
    event.updated_at = utcnow()
    db.session.flush()
    return event.occurrence(original_start)


def _tell(event: Event, occurrence: Occurrence, template: str) -> list[Signup]:
    """E-mail everyone signed up for the date, each in their language; the phone-only ones are returned."""
    signups = affected_signups(event, occurrence.key)
    for signup in signups:
        if signup.email.strip():
            outbox.queue(signup.email, signup.language, template, subject_type="signup", subject_id=signup.id,
                         signup=signup, event=event, occurrence=occurrence,
                         planned_end=occurrence.key + event.duration,
                         link=signup_service.manage_url(signup))
    return phone_only(signups)


def cancel_one_date(event: Event, original_start: dt.datetime, texts: dict[str, dict[str, str]]) -> list[Signup]:
    """Cancel one date with a reason ({lang: {"note": …}}) and tell the people signed up; returns whom to call."""
    occurrence = _set_change(event, original_start, DateStatus.CANCELLED, texts=texts)
    return _tell(event, occurrence, "date_cancelled")


def move_one_date(event: Event, original_start: dt.datetime, starts_at: dt.datetime, ends_at: dt.datetime,
                  address: str, texts: dict[str, dict[str, str]]) -> list[Signup]:
    """Move one date (new wall-clock times, maybe another address and place name) and tell the people
    signed up, who keep their place; returns whom to call."""
    occurrence = _set_change(event, original_start, DateStatus.MOVED, starts_at=starts_at, ends_at=ends_at,
                             address=address, texts=texts)
    return _tell(event, occurrence, "date_moved")


def restore_one_date(event: Event, original_start: dt.datetime) -> None:
    """Back to as planned; the row stays (status planned) so calendars replace their override."""
    _set_change(event, original_start, DateStatus.PLANNED)


@bp.app_template_global()
def rule_summary(event: Event) -> str:
    """The series' plan in words for staff: "every 2 weeks on monday and wednesday, until 14 Apr 2027"."""
    if not event.is_recurring:
        return ""
    n = event.repeat_interval or 1
    if event.repeat == Repeat.WEEKLY:
        days = weekday_list(event.weekdays)
        how = _("every week on %(days)s", days=days) if n == 1 else _("every %(n)d weeks on %(days)s", n=n, days=days)
    elif event.repeat == Repeat.MONTHLY:
        if event.repeat_monthday:
            day = _("day %(day)d", day=event.repeat_monthday)
        else:
            day = f"{SETPOS_LABELS.get(event.repeat_setpos or 1, '')} {weekday_list(event.weekdays)}"
        how = _("every month on %(day)s", day=day) if n == 1 else _("every %(n)d months on %(day)s", n=n, day=day)
    else:
        how = _("on a few dates")
    if event.repeat_count:
        how += ", " + _("%(count)d times", count=event.repeat_count)
    elif event.repeat_until:
        how += ", " + _("until %(date)s", date=short_date(event.repeat_until))
    if event.repeat and event.extras:
        how += ", " + _("and %(count)d extra dates", count=len(event.extras))
    return how


# --- pages ----------------------------------------------------------------------------------------


def _series_or_404(event_id: int) -> Event:
    event = db.get_or_404(Event, event_id)
    if not event.is_recurring:
        abort(404)
    return event


def _date_or_404(event: Event, when: str) -> Occurrence:
    """The date planned to start at `when` (its address form), or 404."""
    try:
        original = dt.datetime.strptime(when, WHEN_FORMAT)
    except ValueError:
        abort(404)
    occurrence = event.occurrence(original)
    if occurrence is None:
        abort(404)
    return occurrence


def when_value(occurrence: Occurrence) -> str:
    return occurrence.key.strftime(WHEN_FORMAT)


def _summary(event: Event, occurrence: Occurrence, extra: str = "") -> str:
    title = event.texts[DEFAULT_LANGUAGE].title
    return f"{title} {occurrence.key:%Y-%m-%d %H:%M}" + (f": {extra}" if extra else "")


def _after_change(event: Event, occurrence: Occurrence, to_call: list[Signup], message: str):
    flash(message, "success")
    if to_call:
        return redirect(url_for("staff.call_list", event_id=event.id, when=when_value(occurrence)))
    return redirect(url_for("staff.event_dates", event_id=event.id))


@localized(bp, "/staff/events/<int:event_id>/dates")
def event_dates(event_id: int):
    """The series' next dates (and the last few past) with their state, and what staff can do with each."""
    event = _series_or_404(event_id)
    now = dt.datetime.now(TIMEZONE)
    first = event.starts_at.replace(tzinfo=TIMEZONE)
    past = [o for o in event.occurrences(min(first, now), now) if o.start < now][-PAST:] if first < now else []
    ahead = [o for o in event.occurrences(now, now + dt.timedelta(days=800)) if o.start >= now][:AHEAD]
    active = db.session.scalars(select(Signup).where(
        Signup.event_id == event.id, Signup.status.in_([SignupStatus.CONFIRMED, SignupStatus.WAITING]))).all()

    def counts(occurrence: Occurrence) -> tuple[int, int]:
        """People signed up for the date (the series' sign-ups included), and how many of those to call."""
        mine = [s for s in active if s.occurrence_start is None or s.occurrence_start == occurrence.key]
        return sum(s.people for s in mine), len(phone_only(mine))

    rows = [(o, *counts(o)) for o in past + ahead]
    return render_template("staff/event_dates.html", event=event, rows=rows, past=len(past),
                           when_value=when_value, confirm=ConfirmForm())


@localized(bp, "/staff/events/<int:event_id>/dates/<when>/cancel", methods=["GET", "POST"])
def cancel_date(event_id: int, when: str):
    """A short reason in three languages; then the date is cancelled and everyone signed up is told."""
    event = _series_or_404(event_id)
    occurrence = _date_or_404(event, when)
    form = DateCancelForm()
    if not form.is_submitted() and occurrence.change is not None and occurrence.cancelled:
        form = DateCancelForm(formdata=None, **{f"reason_{lang}": text.get("note", "")
                                                for lang, text in occurrence.change.texts.items()})
    if form.validate_on_submit():
        to_call = cancel_one_date(event, occurrence.key, form.texts())
        audit.record("event.date_cancel", event, _summary(event, occurrence, form.reason_nl.data.strip()))
        db.session.commit()
        return _after_change(event, occurrence, to_call, _("The date is cancelled. The people signed up are told."))
    return render_template("staff/event_dates_cancel.html", event=event, occurrence=occurrence, form=form,
                           signed_up=affected_signups(event, occurrence.key))


@localized(bp, "/staff/events/<int:event_id>/dates/<when>/move", methods=["GET", "POST"])
def move_date(event_id: int, when: str):
    """New day and times, maybe another place, a note; then the date is moved and everyone signed up is told."""
    event = _series_or_404(event_id)
    occurrence = _date_or_404(event, when)
    form = DateMoveForm(all_day=event.all_day)
    if not form.is_submitted():
        start, end = occurrence.start.replace(tzinfo=None), occurrence.end.replace(tzinfo=None)
        values = {"date": start.date(), "start_time": start.time(), "end_time": end.time()}
        if occurrence.moved:
            values["address"] = occurrence.change.address
            for lang, text in occurrence.change.texts.items():
                values.update({f"note_{lang}": text.get("note", ""), f"location_{lang}": text.get("location", "")})
        form = DateMoveForm(formdata=None, all_day=event.all_day, **values)
    if form.validate_on_submit():
        # A date lasting several days keeps its length: the new end is as many days after the new start.
        days = (occurrence.key + event.duration).date() - occurrence.key.date()
        if event.all_day:
            starts_at = dt.datetime.combine(form.date.data, dt.time())
            ends_at = starts_at + event.duration
        else:
            starts_at = dt.datetime.combine(form.date.data, form.start_time.data)
            ends_at = dt.datetime.combine(form.date.data + days, form.end_time.data)
        to_call = move_one_date(event, occurrence.key, starts_at, ends_at, form.address.data or "", form.texts())
        audit.record("event.date_move", event, _summary(event, occurrence, f"→ {starts_at:%Y-%m-%d %H:%M}"))
        db.session.commit()
        return _after_change(event, occurrence, to_call, _("The date is moved. The people signed up are told."))
    return render_template("staff/event_dates_move.html", event=event, occurrence=occurrence, form=form,
                           signed_up=affected_signups(event, occurrence.key))


@localized(bp, "/staff/events/<int:event_id>/dates/<when>/restore", methods=["GET", "POST"])
def restore_date(event_id: int, when: str):
    """Ask to confirm; then the date is as planned again (calendars see that too)."""
    event = _series_or_404(event_id)
    occurrence = _date_or_404(event, when)
    if occurrence.change is None or occurrence.status == DateStatus.PLANNED:
        return redirect(url_for("staff.event_dates", event_id=event.id))
    form = ConfirmForm()
    if form.validate_on_submit():
        restore_one_date(event, occurrence.key)
        audit.record("event.date_restore", event, _summary(event, occurrence))
        db.session.commit()
        flash(_("The date is as planned again."), "success")
        return redirect(url_for("staff.event_dates", event_id=event.id))
    return render_template("staff/event_dates_restore.html", event=event, occurrence=occurrence, form=form)


@localized(bp, "/staff/events/<int:event_id>/dates/<when>/call")
def call_list(event_id: int, when: str):
    """The people signed up for a date who have no e-mail address: name, phone, language, reference; printable."""
    event = _series_or_404(event_id)
    occurrence = _date_or_404(event, when)
    people = phone_only(affected_signups(event, occurrence.key))
    if audit.record_view("event.call_list", event, _summary(event, occurrence)):
        db.session.commit()  # the look is on record, whatever happens next
    return render_template("staff/event_dates_call.html", event=event, occurrence=occurrence, people=people)
