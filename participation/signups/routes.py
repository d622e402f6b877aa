"""Sign up for an activity without an account; staff run the lists."""

from __future__ import annotations

import csv
import datetime as dt
import io

from flask import Blueprint, Response, abort, current_app, flash, g, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import select

from events.models import TIMEZONE, Event
from participation import audit
from participation.extensions import db, limiter
from participation.forms import ConfirmForm, spreadsheet_safe
from participation.i18n import current_language, localized
from participation.signups import service
from participation.phone import normalise_phone, phone_label
from participation.signups.forms import AttendanceForm, BatchCancelForm, SignupForm, StaffSignupForm
from participation.signups.models import Attendance, Signup, SignupStatus

bp = Blueprint("signups", __name__)
limiter.limit("10 per minute", methods=["POST"])(bp)  # per address


def _activity() -> str:
    """The activity a sign-up is for: its sign-ups count together, whoever sends them."""
    return f"event-{request.view_args.get('event_id', '')}"


def _signup_stored(response: Response) -> bool:
    """Only stored sign-ups count: a form sent back with errors (or caught by the robot trap) does not."""
    return g.get("signup_stored", False)


# So many sign-ups per activity, whoever sends them and whichever process answers (counted in Redis
# when RATELIMIT_STORAGE_URI points there), in addition to the limit per address above.
per_activity = limiter.shared_limit(
    lambda: current_app.config["SIGNUP_RATE_LIMIT_PER_ACTIVITY"], scope="signups-per-activity",
    key_func=_activity, methods=["POST"], deduct_when=_signup_stored, override_defaults=False,
    error_message=lambda: _("Many people are signing up for this activity right now. Wait a while and try "
                            "again, or ask the buurthuis to sign you up."))


def _now_local() -> dt.datetime:
    return dt.datetime.now(TIMEZONE).replace(tzinfo=None)


def _public_event(event_id: int) -> Event:
    event = db.get_or_404(Event, event_id)
    if not event.is_public or not event.takes_signups:
        abort(404)
    return event


def _fill_from(form: SignupForm) -> dict:
    return {
        "name": form.name.data.strip(),
        "phone": normalise_phone(form.phone.data or ""),
        "email": (form.email.data or "").strip(),
        "people": form.people.data,
        "language": form.language.data,
    }


def date_value(start: dt.datetime) -> str:
    """A date's planned start as the form and ?date= carry it: YYYY-MM-DDTHH:MM."""
    return start.strftime("%Y-%m-%dT%H:%M")


def date_label(occurrence, left: int | None = None) -> str:
    """'zaterdag 12 december 2026, 14:00–16:00' and, with `left`, the places left or the waiting list."""
    from participation.templating import clock, day_label

    label = f"{day_label(occurrence.day)}, {clock(occurrence.start)}–{clock(occurrence.end)}"
    if occurrence.moved:
        label += " (" + _("moved") + ")"
    if left is None:
        return label
    if left > 0:
        return label + " — " + ngettext("%(num)d place left", "%(num)d places left", left)
    return label + " — " + _("full: waiting list")


def _labelled(event: Event, dates: list) -> list[tuple[str, str]]:
    """The dates to tick on the page, each with its places left (only when the form is shown: a
    sign-up that is stored needs the dates' values alone)."""
    left = service.places_left_per_date(event, [o.key for o in dates])
    return [(date_value(o.key), date_label(o, left[o.key])) for o in dates]


@localized(bp, "/agenda/<int:event_id>/signup", methods=["GET", "POST"])
@per_activity
def signup(event_id: int):
    """The sign-up form; a full activity (or date) offers the waiting list instead."""
    event = _public_event(event_id)
    now = _now_local()
    state = event.signup_state(now)
    # A series with places per date: the dates one may tick (None: a series or one-off, no choice).
    dates = service.open_dates(event, now) if event.per_date else None
    form = SignupForm(max_people=event.most_people_per_signup(),
                      dates=None if dates is None else [(date_value(o.key), "") for o in dates])
    if request.method == "GET":
        form.language.data = current_language()
        if dates is not None:
            offered = [value for value, _label in form.date.choices]
            asked = [value for value in request.args.getlist("date") if value in offered]
            form.date.data = asked or (offered[:1] if len(offered) == 1 else [])
    elif form.filled_by_robot():
        # Only a robot fills the hidden field: it is sent on as if all went well, and nothing is stored.
        return redirect(url_for("agenda.event", event_id=event.id))
    if state == "open" and form.validate_on_submit():
        details = _fill_from(form)
        try:
            made = service.sign_up_for(event, form.chosen_dates(), **details, submission_id=form.submission_id.data)
        except service.AlreadySignedUp as taken:
            if details["email"]:
                # The same answer as for a new sign-up: the form does not tell who is signed up. The
                # link goes again to the address of the sign-up itself, not to the one just typed.
                service.send_link_again(taken.existing)
                db.session.commit()
                return _check_your_email(event_id, details["email"])
            db.session.rollback()
            # Only a phone number: the portal cannot reach it to answer the same way (no SMS).
            if event.per_date:
                form.date.errors.append(_("This phone number is already signed up for these dates. Use your "
                                          "private link, or call or visit the buurthuis."))
            else:
                form.phone.errors.append(_("This phone number is already signed up for this activity. Use your "
                                           "private link, or call or visit the buurthuis."))
        else:
            db.session.commit()  # the sign-ups and their e-mail, together
            g.signup_stored = True  # counts towards the activity's limit
            if details["email"]:
                return _check_your_email(event_id, details["email"])
            return redirect(url_for("signups.manage", token=made[0].token, new=1))
    if dates is not None:
        form.date.choices = _labelled(event, dates)
    return render_template("signups/form.html", event=event, form=form, state=state,
                           places_left=0 if event.per_date else service.places_left(event))


def _check_your_email(event_id: int, email: str) -> Response:
    """After a sign-up with an e-mail address: the confirmation and the private link are in the mail.
    (By the event's id: after the commit, the event itself would be read from the database again.)"""
    session["signup_sent_to"] = email
    return redirect(url_for("signups.sent", event_id=event_id))


@localized(bp, "/agenda/<int:event_id>/signup/sent")
def sent(event_id: int):
    """"Check your e-mail": the same page whether the sign-up is new or the address was signed up already."""
    event = _public_event(event_id)
    return render_template("signups/sent.html", event=event, email=session.pop("signup_sent_to", ""))


def _by_token(token: str) -> Signup:
    found = db.session.scalar(select(Signup).where(Signup.token == token))
    if found is None:
        abort(404)
    return found


@localized(bp, "/signup/<token>/")
def manage(token: str):
    """The private page of one sign-up: each date and its state, its reference, and ways to cancel."""
    item = _by_token(token)
    rows = service.dates_of(item)
    dates = [(row, service.occurrence_of(row),
              service.waiting_position(row) if row.status == SignupStatus.WAITING else None) for row in rows]
    return render_template("signups/manage.html", signup=item, event=item.event, new=request.args.get("new"),
                           dates=dates, form=ConfirmForm(), link=service.manage_url(item),
                           now=dt.datetime.now(TIMEZONE), date_value=date_value)


@localized(bp, "/signup/<token>/cancel", methods=["POST"])
def cancel(token: str):
    """Cancel by the private link, one date (field "date") or everything; each date's waiting list moves up."""
    item = _by_token(token)
    if ConfirmForm().validate_on_submit():
        rows = [row for row in service.dates_of(item) if row.is_active]
        one = request.form.get("date", "")
        if one:
            rows = [row for row in rows if row.occurrence_start is not None and date_value(row.occurrence_start) == one]
        if rows:
            service.release_many(rows)
            db.session.commit()  # the cancellation and the e-mails to whoever moved up, together
            if one:
                flash(_("Your sign-up for this date is cancelled. Thank you for letting us know."), "success")
            else:
                flash(_("Your sign-up is cancelled. Thank you for letting us know."), "success")
    return redirect(url_for("signups.manage", token=token))


# --- staff ------------------------------------------------------------------------------------


def _staff_event(event_id: int) -> Event:
    event = db.get_or_404(Event, event_id)
    if not event.takes_signups:
        abort(404)
    return event


def _lists(event: Event, date: dt.datetime | None = None) -> dict[str, list[Signup]]:
    """The sign-ups by status: of one date for a series with places per date (None: every date)."""
    query = select(Signup).where(Signup.event_id == event.id)
    if event.per_date and date is not None:
        query = query.where(Signup.occurrence_start == date)
    rows = db.session.scalars(query.order_by(Signup.created_at, Signup.id)).all()
    return {status: [s for s in rows if s.status == status] for status in SignupStatus}


def _staff_dates(event: Event) -> list:
    """The dates staff choose from: every date of a series up to a year ahead, and any date with sign-ups."""
    if not event.is_recurring:
        return []
    first = event.starts_at.replace(tzinfo=TIMEZONE)
    found = {o.key: o for o in event.occurrences(first, dt.datetime.now(TIMEZONE) + dt.timedelta(days=366))[:400]}
    for key in db.session.scalars(select(Signup.occurrence_start).distinct().where(
            Signup.event_id == event.id, Signup.occurrence_start.is_not(None))):
        if key not in found:
            occurrence = event.occurrence(key)
            if occurrence is not None:
                found[key] = occurrence
    return [found[key] for key in sorted(found)]


def _chosen_date(event: Event, dates: list) -> dt.datetime | None:
    """The date of ?date= (YYYY-MM-DDTHH:MM), else the next date (else the last); a one-off: its start."""
    if not event.is_recurring:
        return event.starts_at
    if not dates:
        return None
    asked = request.values.get("date", "")
    for occurrence in dates:
        if date_value(occurrence.key) == asked:
            return occurrence.key
    now = dt.datetime.now(TIMEZONE)
    return next((o.key for o in dates if o.end > now), dates[-1].key)


def _staff_form(event: Event, dates: list, date: dt.datetime | None, *, sent: bool = False) -> StaffSignupForm:
    """The phone sign-up form (`sent`: as filled in); for places per date, with the dates to tick."""
    choices = [(date_value(o.key), date_label(o)) for o in dates] if event.per_date else None
    form = StaffSignupForm(dates=choices) if sent else StaffSignupForm(formdata=None, dates=choices)
    if not sent:
        form.language.data = current_language()
        if choices and date is not None:
            form.date.data = [date_value(date)]
    return form


@localized(bp, "/staff/events/<int:event_id>/signups", methods=["GET", "POST"])
def staff_list(event_id: int):
    """Confirmed list, waiting list, cancelled (per date for a drop-in series); add a sign-up taken by phone."""
    event = _staff_event(event_id)
    dates = _staff_dates(event)
    date = _chosen_date(event, dates)
    form = _staff_form(event, dates, date, sent=request.method == "POST")
    if request.method == "POST" and form.validate_on_submit():
        try:
            made = service.sign_up_for(event, form.chosen_dates(), **_fill_from(form),
                                       submission_id=form.submission_id.data, source="staff")
        except service.AlreadySignedUp:
            db.session.rollback()
            form.phone.errors.append(_("This person is already on the list."))
        else:
            for row in made:
                audit.record("signup.create", row, f"{row.reference} ({row.people})"
                             + (f" {row.occurrence_start.isoformat()}" if row.occurrence_start else ""))
            db.session.commit()
            flash(_("Added to the list: %(reference)s.", reference=made[0].reference), "success")
            first = made[0].occurrence_start
            return redirect(url_for("signups.staff_list", event_id=event.id,
                                    **({"date": date_value(first)} if first else {})))
    return _staff_list_page(event, form=form, dates=dates, date=date)


def _staff_list_page(event: Event, *, form: StaffSignupForm | None = None, batch: BatchCancelForm | None = None,
                     dates: list | None = None, date: dt.datetime | None = None):
    """The staff lists, with the phone sign-up form and the batch cancellation (and their errors)."""
    if dates is None:
        dates = _staff_dates(event)
        date = _chosen_date(event, dates)
    if form is None:
        form = _staff_form(event, dates, date)
    lists = _lists(event, date)
    if audit.record_view("signup_list", event, f"{sum(len(rows) for rows in lists.values())} sign-ups"):
        db.session.commit()  # the look is on record, whatever happens next
    return render_template("signups/staff_list.html", event=event, lists=lists, form=form,
                           confirm=ConfirmForm(), batch=batch or BatchCancelForm(formdata=None),
                           places_left=service.places_left(event, date if event.per_date else None),
                           dates=dates, date=date, date_value=date_value, date_label=date_label)


@localized(bp, "/staff/signups/<int:signup_id>/cancel", methods=["POST"])
def staff_cancel(signup_id: int):
    """Cancel a sign-up for somebody who called; the waiting list moves up."""
    item = db.get_or_404(Signup, signup_id)
    if ConfirmForm().validate_on_submit():
        moved = service.release(item)
        audit.record("signup.cancel", item, item.reference)
        for other in moved:
            audit.record("signup.promote", other, other.reference)
        db.session.commit()  # the cancellation, its e-mails and its audit entries at once
        flash(_("Cancelled: %(reference)s.", reference=item.reference), "success")
    return redirect(url_for("signups.staff_list", event_id=item.event_id,
                            **({"date": date_value(item.occurrence_start)} if item.occurrence_start else {})))


@localized(bp, "/staff/events/<int:event_id>/signups/cancel", methods=["POST"])
def staff_cancel_batch(event_id: int):
    """Cancel the ticked sign-ups at once (a script's, say), after a confirmation; the waiting list moves up."""
    event = _staff_event(event_id)
    batch = BatchCancelForm()
    if not batch.validate_on_submit():  # an expired form: the error summary says so
        return _staff_list_page(event, batch=batch)
    # This activity's sign-ups that were ticked (not by ids in the query: a crafted form may send thousands).
    ticked, lists = batch.chosen_ids(), _lists(event)
    chosen = [item for status in (SignupStatus.CONFIRMED, SignupStatus.WAITING) for item in lists[status]
              if item.id in ticked]
    if not chosen:
        batch.signup.errors = [_("Tick the sign-ups to cancel in the lists above.")]
        return _staff_list_page(event, batch=batch)
    if batch.confirmed.data != "yes":
        return render_template("signups/cancel_batch.html", event=event, chosen=chosen, batch=batch)
    cancelled, moved = service.release_many(chosen)
    for item in cancelled:
        audit.record("signup.cancel", item, f"{item.reference} ({item.people}), one of {len(cancelled)} at once")
    for other in moved:
        audit.record("signup.promote", other, other.reference)
    db.session.commit()  # the cancellations, their e-mails and their audit entries at once
    flash(_("Cancelled: %(count)d sign-ups. Moved up from the waiting list: %(moved)d.",
            count=len(cancelled), moved=len(moved)), "success")
    return redirect(url_for("signups.staff_list", event_id=event.id))


def _present(event: Event, date: dt.datetime | None) -> list[Attendance]:
    if date is None:
        return []
    return list(db.session.scalars(select(Attendance).where(Attendance.event_id == event.id,
                                                            Attendance.occurrence_start == date)))


@localized(bp, "/staff/events/<int:event_id>/attendance", methods=["GET", "POST"])
def attendance(event_id: int):
    """A list to print and tick off at the door, per date; staff tick who came and save it."""
    event = _staff_event(event_id)
    dates = _staff_dates(event)
    date = _chosen_date(event, dates)
    lists = _lists(event, date)
    form = AttendanceForm()
    if request.method == "POST" and date is not None and form.validate_on_submit():
        listed = {s.id: s for s in lists[SignupStatus.CONFIRMED]}
        ticked = form.chosen_ids() & set(listed)
        kept = {row.signup_id: row for row in _present(event, date) if row.signup_id is not None}
        for signup_id in ticked - set(kept):
            db.session.add(Attendance(event_id=event.id, occurrence_start=date, signup_id=signup_id,
                                      people=listed[signup_id].people))
        for signup_id in set(kept) & set(listed) - ticked:
            db.session.delete(kept[signup_id])
        db.session.flush()
        came = sum(row.people for row in _present(event, date))
        audit.record("attendance.update", event, f"{date.isoformat()}: {came} people came")
        db.session.commit()
        flash(_("Saved: %(people)d people came.", people=came), "success")
        return redirect(url_for("signups.attendance", event_id=event.id,
                                **({"date": date_value(date)} if event.is_recurring else {})))
    present = _present(event, date)
    if audit.record_view("attendance", event, f"{sum(len(rows) for rows in lists.values())} sign-ups"):
        db.session.commit()  # the look is on record, whatever happens next
    occurrence = event.occurrence(date) if date is not None else None
    return render_template("signups/attendance.html", event=event, lists=lists, dates=dates, date=date,
                           occurrence=occurrence, form=form, date_value=date_value, date_label=date_label,
                           ticked={row.signup_id for row in present},
                           came=sum(row.people for row in present),
                           gone=sum(row.people for row in present if row.signup_id is None))


@localized(bp, "/staff/events/<int:event_id>/signups.csv")
def export_csv(event_id: int):
    """The sign-ups (of one date: ?date=) as CSV that a spreadsheet opens with Turkish and Bulgarian letters intact."""
    event = _staff_event(event_id)
    date = None
    if event.per_date and request.args.get("date"):
        date = _chosen_date(event, _staff_dates(event))
    lists = _lists(event, date)
    buffer = io.StringIO()
    # Semicolons: what a spreadsheet in Belgium expects; the BOM tells it the file is UTF-8.
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow([_("Reference"), _("Status"), _("Name"), _("People"), _("Phone number"),
                     _("E-mail address"), _("Language"), _("Signed up on"), _("Taken by")]
                    + ([_("Date")] if event.per_date else []))
    labels = {SignupStatus.CONFIRMED: _("Confirmed"), SignupStatus.WAITING: _("Waiting list"),
              SignupStatus.CANCELLED: _("Cancelled")}
    for status, rows in lists.items():
        for s in rows:
            writer.writerow([s.reference, labels[status], spreadsheet_safe(s.name), s.people, spreadsheet_safe(phone_label(s.phone)),
                             spreadsheet_safe(s.email), s.language,
                             s.created_at.replace(tzinfo=dt.UTC).astimezone(TIMEZONE).strftime("%Y-%m-%d %H:%M"),
                             _("staff") if s.source == "staff" else _("online")]
                            + ([s.occurrence_start.strftime("%Y-%m-%d %H:%M") if s.occurrence_start else ""]
                               if event.per_date else []))
    audit.record("signup.export", event, f"{sum(len(r) for r in lists.values())} rows"
                 + (f" {date.isoformat()}" if date else ""))
    db.session.commit()
    response = Response("\ufeff" + buffer.getvalue(), mimetype="text/csv")
    response.charset = "utf-8"
    response.headers["Content-Disposition"] = (
        f'attachment; filename="signups-{event.id}{"-" + date.strftime("%Y%m%d-%H%M") if date else ""}.csv"')
    return response
