"""Forms of the staff area: events and accounts."""

from __future__ import annotations

import datetime as dt
import re

from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import (BooleanField, DateField, EmailField, IntegerField, PasswordField, SelectField,
                     StringField, TextAreaField, TimeField)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Email, EqualTo, Length, NumberRange, Optional, ValidationError

from events.models import DEFAULT_MAX_PEOPLE_PER_SIGNUP, LANGUAGES, WEEKDAYS
from participation.auth.passwords import too_easy
from participation.forms import MultiCheckboxField
from participation.labels import CATEGORY_LABELS, ROLE_LABELS, WEEKDAY_LABELS
from participation.models import Role

TITLE_MAX, TEXT_MAX, PLACE_MAX, ADDRESS_MAX = 200, 5000, 200, 200
MAX_PEOPLE_PER_SIGNUP = 50  # the most staff may allow one sign-up on the website (a school class)


def parse_dates(text: str) -> list[dt.date]:
    """Dates written one per line or separated by commas, as 2027-02-17 or 17/02/2027."""
    dates = []
    for part in re.split(r"[\s,;]+", text.strip()):
        if not part:
            continue
        match = re.fullmatch(r"(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})", part)
        try:
            if match:
                day, month, year = (int(g) for g in match.groups())
                dates.append(dt.date(year, month, day))
            else:
                dates.append(dt.date.fromisoformat(part))
        except ValueError:
            raise ValidationError(_l("“%(text)s” is not a date. Write dates like 17/02/2027.", text=part[:40]))
    return dates


class EventForm(FlaskForm):
    category = SelectField(_l("Kind of event"), choices=[SelectChoice(c.value, label) for c, label in CATEGORY_LABELS.items()])
    title_nl = StringField(_l("Title in Dutch"), validators=[
        DataRequired(_l("Enter a title in Dutch")), Length(max=TITLE_MAX, message=_l("Use at most %(max)d characters"))])
    description_nl = TextAreaField(_l("Description in Dutch"), validators=[
        Optional(), Length(max=TEXT_MAX, message=_l("Use at most %(max)d characters"))])
    location_nl = StringField(_l("Place in Dutch (e.g. the room or building)"), validators=[
        Optional(), Length(max=PLACE_MAX, message=_l("Use at most %(max)d characters"))])
    title_tr = StringField(_l("Title in Turkish"), validators=[
        Optional(), Length(max=TITLE_MAX, message=_l("Use at most %(max)d characters"))])
    description_tr = TextAreaField(_l("Description in Turkish"), validators=[
        Optional(), Length(max=TEXT_MAX, message=_l("Use at most %(max)d characters"))])
    location_tr = StringField(_l("Place in Turkish"), validators=[
        Optional(), Length(max=PLACE_MAX, message=_l("Use at most %(max)d characters"))])
    title_bg = StringField(_l("Title in Bulgarian"), validators=[
        Optional(), Length(max=TITLE_MAX, message=_l("Use at most %(max)d characters"))])
    description_bg = TextAreaField(_l("Description in Bulgarian"), validators=[
        Optional(), Length(max=TEXT_MAX, message=_l("Use at most %(max)d characters"))])
    location_bg = StringField(_l("Place in Bulgarian"), validators=[
        Optional(), Length(max=PLACE_MAX, message=_l("Use at most %(max)d characters"))])
    address = StringField(_l("Address"), validators=[
        DataRequired(_l("Enter the address, so people can find the way")),
        Length(max=ADDRESS_MAX, message=_l("Use at most %(max)d characters"))])
    date = DateField(_l("Date"), validators=[DataRequired(_l("Enter the date, like 17/02/2027"))],
                     format=["%Y-%m-%d", "%d/%m/%Y", "%d-%m-%Y"])
    start_time = TimeField(_l("Starts at"), validators=[DataRequired(_l("Enter the start time, like 16:00"))],
                           format=["%H:%M", "%H.%M"])
    end_time = TimeField(_l("Ends at"), validators=[DataRequired(_l("Enter the end time, like 18:00"))],
                         format=["%H:%M", "%H.%M"])
    repeats = BooleanField(_l("This event repeats every week"))
    weekdays = MultiCheckboxField(_l("On which days?"), choices=[SelectChoice(d, WEEKDAY_LABELS[d]) for d in WEEKDAYS])
    repeat_until = DateField(_l("Repeats until (the last date)"), validators=[Optional()],
                             format=["%Y-%m-%d", "%d/%m/%Y", "%d-%m-%Y"])
    skip_dates = TextAreaField(_l("Dates without the event (holidays)"), validators=[
        Optional(), Length(max=2000, message=_l("Use at most %(max)d characters"))])

    capacity = IntegerField(_l("Number of places for sign-ups"), validators=[
        Optional(), NumberRange(min=1, max=1000, message=_l("Enter a number from %(min)s to %(max)s"))],
        render_kw={"inputmode": "numeric"})
    max_people_per_signup = IntegerField(_l("Most people per sign-up"), default=DEFAULT_MAX_PEOPLE_PER_SIGNUP,
                                         validators=[Optional(), NumberRange(
                                             min=1, max=MAX_PEOPLE_PER_SIGNUP,
                                             message=_l("Enter a number from %(min)s to %(max)s"))],
                                         render_kw={"inputmode": "numeric"})
    signups_open_date = DateField(_l("Sign-ups open on"), validators=[Optional()],
                                  format=["%Y-%m-%d", "%d/%m/%Y", "%d-%m-%Y"])
    signups_close_date = DateField(_l("Sign-ups close on"), validators=[Optional()],
                                   format=["%Y-%m-%d", "%d/%m/%Y", "%d-%m-%Y"])
    min_age = IntegerField(_l("Youngest age"), validators=[
        Optional(), NumberRange(min=0, max=120, message=_l("Enter a number from %(min)s to %(max)s"))],
        render_kw={"inputmode": "numeric"})
    max_age = IntegerField(_l("Oldest age"), validators=[
        Optional(), NumberRange(min=0, max=120, message=_l("Enter a number from %(min)s to %(max)s"))],
        render_kw={"inputmode": "numeric"})

    def validate_signups_close_date(self, field):
        if field.data and self.signups_open_date.data and field.data < self.signups_open_date.data:
            raise ValidationError(_l("Sign-ups must close after they open"))
        if field.data and self.date.data and field.data > self.date.data:
            raise ValidationError(_l("Sign-ups must close on or before the first date"))

    def validate_max_age(self, field):
        if field.data is not None and self.min_age.data is not None and field.data < self.min_age.data:
            raise ValidationError(_l("The oldest age must be at least the youngest age"))

    def validate_end_time(self, field):
        if self.start_time.data and field.data and field.data <= self.start_time.data:
            raise ValidationError(_l("The end time must be after the start time"))

    def validate_weekdays(self, field):
        if self.repeats.data and not field.data:
            raise ValidationError(_l("Choose at least one day of the week"))

    def validate(self, extra_validators=None) -> bool:
        """The last date is optional for a one-off event, and required for a series."""
        valid = super().validate(extra_validators)
        if self.repeats.data and not self.repeat_until.data and not self.repeat_until.errors:
            self.repeat_until.errors = [*self.repeat_until.errors, _l("Enter the last date of the series")]
            valid = False
        return valid

    def validate_repeat_until(self, field):
        if not self.repeats.data or field.data is None:
            return  # None: not a date, and the field already says so
        if self.date.data and field.data < self.date.data:
            raise ValidationError(_l("The last date must be on or after the first date"))
        if self.date.data and field.data > self.date.data + dt.timedelta(days=2 * 366):
            raise ValidationError(_l("A series can run for at most two years"))

    def validate_skip_dates(self, field):
        self.parsed_skip_dates = parse_dates(field.data or "")

    def texts(self) -> dict[str, tuple[str, str, str]]:
        """(title, description, place) per language, stripped."""
        return {
            lang: tuple((getattr(self, f"{name}_{lang}").data or "").strip()
                        for name in ("title", "description", "location"))
            for lang in LANGUAGES
        }


def _at_least_one_role(form, field):
    """An account without a role would open nothing but its own password page."""
    if not field.data:
        raise ValidationError(_l("Choose at least one role"))


def roles_field() -> MultiCheckboxField:
    """A checkbox per role, with what it opens."""
    return MultiCheckboxField(_l("Roles"), choices=[SelectChoice(role.value, ROLE_LABELS[role]) for role in Role],
                              validators=[_at_least_one_role])


class AccountForm(FlaskForm):
    name = StringField(_l("Name"), validators=[
        DataRequired(_l("Enter the name")), Length(max=120, message=_l("Use at most %(max)d characters"))])
    email = EmailField(_l("E-mail address"), validators=[
        DataRequired(_l("Enter the e-mail address")),
        Email(_l("Enter an e-mail address like name@example.be")), Length(max=254)])
    roles = roles_field()


class RolesForm(FlaskForm):
    """The roles of one account, on the accounts page."""

    roles = roles_field()


class PasswordForm(FlaskForm):
    current = PasswordField(_l("Current password"), validators=[DataRequired(_l("Enter your current password"))],
                            render_kw={"autocomplete": "current-password"})
    new = PasswordField(_l("New password"), validators=[
        DataRequired(_l("Enter a new password")),
        Length(min=12, max=256, message=_l("Use at least 12 characters"))],
        render_kw={"autocomplete": "new-password"})
    repeat = PasswordField(_l("New password again"), validators=[
        DataRequired(_l("Enter the new password again")),
        EqualTo("new", _l("The two new passwords are not the same"))],
        render_kw={"autocomplete": "new-password"})

    def validate_new(self, field):
        """Refuse a common, breached or easily guessed password (offline, see auth/passwords.py)."""
        if current_user.is_authenticated and too_easy(field.data, current_user.email, current_user.name):
            raise ValidationError(_l("This password is easy to guess or appears in lists of stolen passwords. "
                                     "Choose a longer one, for example a few unrelated words."))
