"""The staff area: publish the agenda, manage accounts, read the audit log."""

from __future__ import annotations

import datetime as dt
import secrets
from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, select

from events.models import DEFAULT_LANGUAGE, LANGUAGES, Event, PlacesPer, Repeat, Status
from participation import audit, outbox, roles
from participation.auth.sessions import keep_this_session
from participation.extensions import db, limiter
from participation.forms import ConfirmForm
from participation.i18n import localized
from participation.models import AuditEntry, Role, StaffUser
from participation.signups import service as signup_service
from participation.signups.models import Signup
from participation.staff.forms import AccountForm, EventForm, PasswordForm, RolesForm

bp = Blueprint("staff", __name__)
limiter.limit("60 per minute", methods=["POST"])(bp)


# --- events -------------------------------------------------------------------------------------


@localized(bp, "/staff/")
def dashboard():
    """All events, the newest first, with what staff can do with each; others go to their own work."""
    if not roles.may_open(current_user, "staff.create_event"):
        for endpoint in ("homework_staff.index", "feedback_staff.index", "staff.accounts"):
            if roles.may_open(current_user, endpoint):
                return redirect(url_for(endpoint))
        return redirect(url_for("staff.change_password"))  # no role: nothing else opens
    events = db.session.scalars(select(Event).order_by(Event.starts_at.desc())).all()
    return render_template("staff/dashboard.html", events=events, confirm=ConfirmForm())


def _fill_event(event: Event, form: EventForm) -> None:
    """Copy the form into the event."""
    event.category = form.category.data
    for language, (title, description, location) in form.texts().items():
        event.set_text(language, title, description, location)
    event.address = form.address.data.strip()
    for column, value in form.schedule().items():
        setattr(event, column, value)
    event.capacity = form.capacity.data
    event.max_people_per_signup = form.max_people_per_signup.data or form.max_people_per_signup.default
    event.places_per = form.places_per.data or PlacesPer.SERIES.value
    event.late_joining = bool(form.late_joining.data) and event.places_per == PlacesPer.SERIES
    # Sign-ups open at the start of their first day and close at the end of their last day.
    event.signups_open_at = dt.datetime.combine(form.signups_open_date.data, dt.time()) \
        if form.signups_open_date.data else None
    event.signups_close_at = dt.datetime.combine(form.signups_close_date.data, dt.time(23, 59)) \
        if form.signups_close_date.data else None
    event.min_age, event.max_age = form.min_age.data, form.max_age.data


def _form_from_event(event: Event) -> EventForm:
    """An edit form filled with the stored event."""
    last_day = (event.ends_at - dt.timedelta(seconds=1)).date() if event.ends_at > event.starts_at \
        else event.starts_at.date()
    monthly_by_day = event.repeat == Repeat.MONTHLY and event.repeat_monthday is not None
    form = EventForm(
        category=event.category, address=event.address,
        date=event.starts_at.date(), end_date=last_day if last_day != event.starts_at.date() else None,
        all_day=event.all_day,
        start_time=None if event.all_day else event.starts_at.time(),
        end_time=None if event.all_day else event.ends_at.time(),
        repeats=event.repeat or "", interval=event.repeat_interval or 1,
        weekdays=event.weekdays if event.repeat == Repeat.WEEKLY else [],
        monthly_by="day" if monthly_by_day else "weekday",
        setpos=str(event.repeat_setpos or 1), monthly_weekday=(event.weekdays or ["WE"])[0],
        monthday=event.repeat_monthday,
        repeat_until=event.repeat_until, repeat_count=event.repeat_count,
        extra_dates="\n".join(d.strftime("%d/%m/%Y") for d in event.extras),
        skip_dates="\n".join(d.strftime("%d/%m/%Y") for d in event.skipped),
        capacity=event.capacity, max_people_per_signup=event.max_people_per_signup,
        places_per=event.places_per, late_joining=event.late_joining,
        min_age=event.min_age, max_age=event.max_age,
        signups_open_date=event.signups_open_at.date() if event.signups_open_at else None,
        signups_close_date=event.signups_close_at.date() if event.signups_close_at else None,
    )
    for language in LANGUAGES:
        text = event.texts.get(language)
        if text is not None:
            getattr(form, f"title_{language}").data = text.title
            getattr(form, f"description_{language}").data = text.description
            getattr(form, f"location_{language}").data = text.location
    return form


@localized(bp, "/staff/events/new", methods=["GET", "POST"])
def create_event():
    """A new event starts as a draft: only staff see it until it is published."""
    form = EventForm()
    if form.validate_on_submit():
        event = Event(status=Status.DRAFT.value)
        _fill_event(event, form)
        db.session.add(event)
        audit.record("event.create", event, event.texts[DEFAULT_LANGUAGE].title)
        db.session.commit()
        flash(_("The event is saved as a draft. Publish it to show it in the agenda."), "success")
        return redirect(url_for("staff.edit_event", event_id=event.id))
    return render_template("staff/event_form.html", form=form, event=None)


def _event_or_404(event_id: int) -> Event:
    return db.get_or_404(Event, event_id)


@localized(bp, "/staff/events/<int:event_id>/edit", methods=["GET", "POST"])
def edit_event(event_id: int):
    """Change an event; calendars that subscribed pick the change up (SEQUENCE grows)."""
    event = _event_or_404(event_id)
    form = EventForm()
    if not form.is_submitted():
        form = _form_from_event(event)
    if form.validate_on_submit():
        signup_service.lock(event.id)  # the number of places may change under people signing up
        _fill_event(event, form)
        event.revised()
        if event.takes_signups:
            signup_service.promote_waiting(event)  # more places: the waiting list moves up
        audit.record("event.update", event, event.texts[DEFAULT_LANGUAGE].title)
        db.session.commit()
        flash(_("Your changes are saved."), "success")
        return redirect(url_for("staff.edit_event", event_id=event.id))
    return render_template("staff/event_form.html", form=form, event=event, confirm=ConfirmForm())


def _change_status(event_id: int, status: Status, action: str, message: str):
    event = _event_or_404(event_id)
    if ConfirmForm().validate_on_submit():
        event.status = status.value
        event.revised()
        audit.record(action, event, event.texts[DEFAULT_LANGUAGE].title)
        db.session.commit()
        flash(message, "success")
    else:
        flash(_("This form was open too long and has expired. Please try again."), "error")
    return redirect(url_for("staff.edit_event", event_id=event.id))


@localized(bp, "/staff/events/<int:event_id>/publish", methods=["POST"])
def publish_event(event_id: int):
    """Show the event in the public agenda and the calendar feeds."""
    return _change_status(event_id, Status.PUBLISHED, "event.publish", _("The event is published."))


@localized(bp, "/staff/events/<int:event_id>/cancel", methods=["GET", "POST"])
def cancel_event(event_id: int):
    """Ask to confirm; then the event stays visible, marked as cancelled, also in calendars."""
    event = _event_or_404(event_id)
    form = ConfirmForm()
    if form.is_submitted():
        return _change_status(event_id, Status.CANCELLED, "event.cancel", _("The event is cancelled."))
    return render_template("staff/confirm.html", event=event, form=form, action="cancel")


@localized(bp, "/staff/events/<int:event_id>/delete", methods=["GET", "POST"])
def delete_event(event_id: int):
    """Ask to confirm; then remove the event everywhere, calendars included."""
    event = _event_or_404(event_id)
    form = ConfirmForm()
    if form.validate_on_submit():
        audit.record("event.delete", event, event.texts[DEFAULT_LANGUAGE].title)
        # The sign-ups go with the event (ON DELETE CASCADE), and so do the e-mails about them.
        outbox.forget("signup", select(Signup.id).where(Signup.event_id == event.id))
        db.session.delete(event)
        db.session.commit()
        flash(_("The event is deleted."), "success")
        return redirect(url_for("staff.dashboard"))
    return render_template("staff/confirm.html", event=event, form=form, action="delete")


# --- accounts -----------------------------------------------------------------------------------


def _accounts_page(form: AccountForm | None = None, new_password: str | None = None,
                   roles_forms: dict[int, RolesForm] | None = None):
    """The accounts with their roles, and the form to add one; a form sent with errors is shown with them."""
    users = db.session.scalars(select(StaffUser).order_by(StaffUser.name)).all()
    roles_forms = roles_forms or {}
    for user in users:
        if user.id not in roles_forms:
            roles_forms[user.id] = RolesForm(formdata=None, prefix=f"user{user.id}",
                                             roles=[role.value for role in Role if role in user.roles])
    return render_template("staff/accounts.html", form=form or AccountForm(formdata=None), users=users,
                           new_password=new_password, roles_forms=roles_forms, confirm=ConfirmForm())


@localized(bp, "/staff/accounts/", methods=["GET", "POST"])
def accounts():
    """List the staff accounts and add one; the new password is shown once, to pass on."""
    form = AccountForm()
    new_password = None
    if form.validate_on_submit():
        email = form.email.data.strip().lower()
        exists = db.session.scalar(select(func.count()).where(func.lower(StaffUser.email) == email))
        if exists:
            form.email.errors.append(_("There is already an account with this e-mail address"))
        else:
            user = StaffUser(name=form.name.data.strip(), email=email)
            user.set_roles(form.roles.data)
            new_password = secrets.token_urlsafe(12)
            user.set_password(new_password)
            user.must_change_password = True  # known to the administrator too: changed at first login
            db.session.add(user)
            audit.record("account.create", user, f"{email} ({', '.join(form.roles.data)})")
            db.session.commit()
            flash(_("The account for %(email)s is made.", email=email), "success")
            form = AccountForm(formdata=None)
    return _accounts_page(form, new_password)


@localized(bp, "/staff/accounts/<int:user_id>/roles", methods=["POST"])
def change_roles(user_id: int):
    """Give an account the roles its work needs; administrators keep their own admin role."""
    user = db.get_or_404(StaffUser, user_id)
    form = RolesForm(prefix=f"user{user.id}")
    valid = form.validate_on_submit()
    if valid and user.id == current_user.id and Role.ADMIN not in form.roles.data:
        form.roles.errors.append(_("You cannot take away your own administrator role."))
        valid = False
    if not valid:
        return _accounts_page(roles_forms={user.id: form})
    before = sorted(user.roles)
    user.set_roles(form.roles.data)
    if sorted(user.roles) != before:
        audit.record("account.roles", user, f"{', '.join(before)} → {', '.join(sorted(user.roles))}")
        db.session.commit()
    flash(_("The roles of %(email)s are saved.", email=user.email), "success")
    return redirect(url_for("staff.accounts"))


@localized(bp, '/staff/accounts/<int:user_id>/<any("activate", "deactivate"):change>', methods=["POST"])
def change_account(user_id: int, change: str):
    """Switch an account on or off; never one's own."""
    user = db.get_or_404(StaffUser, user_id)
    if user.id == current_user.id:
        flash(_("You cannot change your own account here."), "error")
    elif ConfirmForm().validate_on_submit():
        user.active = change == "activate"
        user.end_sessions()  # a reactivated account starts without its old sessions
        audit.record(f"account.{change}", user, user.email)
        db.session.commit()
        flash(_("The account of %(email)s is changed.", email=user.email), "success")
    return redirect(url_for("staff.accounts"))


@localized(bp, "/staff/accounts/<int:user_id>/new-password", methods=["POST"])
def issue_password(user_id: int):
    """A forgotten password: a new one, shown once, that its owner must change at the next login."""
    user = db.get_or_404(StaffUser, user_id)
    if user.id == current_user.id or not ConfirmForm().validate_on_submit():
        return redirect(url_for("staff.accounts"))
    new_password = secrets.token_urlsafe(12)
    user.set_password(new_password)
    user.must_change_password = True
    user.end_sessions()
    audit.record("account.new_password", user, user.email)
    db.session.commit()
    flash(_("%(email)s has a new password.", email=user.email), "success")
    # Shown on this answer only (not kept for a redirect), like a new account's password.
    return _accounts_page(new_password=new_password)


@localized(bp, "/staff/accounts/<int:user_id>/end-sessions", methods=["POST"])
def end_sessions(user_id: int):
    """Log an account out on every device at once (a lost phone, a shared computer)."""
    user = db.get_or_404(StaffUser, user_id)
    if ConfirmForm().validate_on_submit():
        user.end_sessions()
        audit.record("account.end_sessions", user, user.email)
        db.session.commit()
        flash(_("Every session of %(email)s is ended.", email=user.email), "success")
    return redirect(url_for("staff.accounts"))


@localized(bp, "/staff/password", methods=["GET", "POST"])
def change_password():
    """Every staff member changes their own password here."""
    form = PasswordForm()
    if form.validate_on_submit():
        if not current_user.check_password(form.current.data):
            form.current.errors.append(_("This is not your current password"))
        else:
            current_user.set_password(form.new.data)
            current_user.must_change_password = False
            current_user.end_sessions()  # every other device with this account is logged out
            keep_this_session(current_user._get_current_object())
            audit.record("account.password", current_user, current_user.email)
            db.session.commit()
            flash(_("Your password is changed."), "success")
            return redirect(url_for("staff.dashboard"))
    return render_template("staff/password.html", form=form)


@localized(bp, "/staff/audit/")
def audit_log():
    """The latest staff actions, newest first."""
    entries = db.session.scalars(select(AuditEntry).order_by(AuditEntry.at.desc(), AuditEntry.id.desc())
                                 .limit(500)).all()
    return render_template("staff/audit.html", entries=entries)


from participation.staff import outbox as _outbox  # noqa: E402,F401  (its routes join this blueprint)
from participation.staff import dates as _dates  # noqa: E402,F401  (its routes join this blueprint)
