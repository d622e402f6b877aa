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
from wtforms.validators import (DataRequired, Email, EqualTo, Length, NumberRange, Optional, StopValidation,
                                ValidationError)

from events.models import DEFAULT_MAX_PEOPLE_PER_SIGNUP, LANGUAGES, WEEKDAYS, Event, PlacesPer, Repeat
from events.recurrence import first_start
from participation.auth.passwords import too_easy
from participation.forms import MultiCheckboxField
from participation.labels import CATEGORY_LABELS, ROLE_LABELS, WEEKDAY_LABELS
from participation.models import Role

TITLE_MAX, TEXT_MAX, PLACE_MAX, ADDRESS_MAX = 200, 5000, 200, 200
MAX_PEOPLE_PER_SIGNUP = 50  # the most staff may allow one sign-up on the website (a school class)
MAX_COUNT = 200  # the most dates a series may have by number
MAX_DAYS = 31  # the longest one date may last (a holiday workshop: a few days)
DATE_FORMATS = ["%Y-%m-%d", "%d/%m/%Y", "%d-%m-%Y"]
SETPOS_LABELS = {1: _l("the first"), 2: _l("the second"), 3: _l("the third"), 4: _l("the fourth"), -1: _l("the last")}


class TimeUnlessAllDay:
    """A time is needed, unless the event lasts whole days (then the time fields are left out)."""

    def __init__(self, message):
        self.message = message

    def __call__(self, form, field):
        if form.all_day.data or field.data is None:
            field.errors[:] = []  # the time typed is kept in the field; one message says what to type
            raise StopValidation(None if form.all_day.data else self.message)


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
                     format=DATE_FORMATS)
    end_date = DateField(_l("Last day (for an event over several days)"), validators=[Optional()],
                         format=DATE_FORMATS)
    all_day = BooleanField(_l("Whole day, without times"))
    start_time = TimeField(_l("Starts at"), validators=[TimeUnlessAllDay(_l("Enter the start time, like 16:00"))],
                           format=["%H:%M", "%H.%M"])
    end_time = TimeField(_l("Ends at"), validators=[TimeUnlessAllDay(_l("Enter the end time, like 18:00"))],
                         format=["%H:%M", "%H.%M"])
    # "y" is what the checkbox "repeats every week" of earlier versions of this form sent.
    repeats = SelectField(_l("How often?"), default="", filters=[lambda v: Repeat.WEEKLY.value if v == "y" else v],
                         choices=[SelectChoice("", _l("Once (one date, or several days in a row)")),
                                  SelectChoice(Repeat.WEEKLY.value, _l("Every week, or every few weeks")),
                                  SelectChoice(Repeat.MONTHLY.value, _l("Every month, or every few months"))])
    interval = IntegerField(_l("Every how many weeks or months?"), default=1, validators=[
        Optional(), NumberRange(min=1, max=12, message=_l("Enter a number from %(min)s to %(max)s"))],
        render_kw={"inputmode": "numeric"})
    weekdays = MultiCheckboxField(_l("On which days?"), choices=[SelectChoice(d, WEEKDAY_LABELS[d]) for d in WEEKDAYS])
    monthly_by = SelectField(_l("Which day of the month?"), default="weekday",
                            choices=[SelectChoice("weekday", _l("A weekday, e.g. the first Wednesday")),
                                     SelectChoice("day", _l("A date, e.g. the 15th"))])
    setpos = SelectField(_l("Which one"), default="1",
                         choices=[SelectChoice(str(n), label) for n, label in SETPOS_LABELS.items()])
    monthly_weekday = SelectField(_l("Weekday"), default="WE",
                                  choices=[SelectChoice(d, WEEKDAY_LABELS[d]) for d in WEEKDAYS])
    monthday = IntegerField(_l("Day of the month"), validators=[
        Optional(), NumberRange(min=1, max=31, message=_l("Enter a number from %(min)s to %(max)s"))],
        render_kw={"inputmode": "numeric"})
    repeat_until = DateField(_l("Repeats until (the last date)"), validators=[Optional()], format=DATE_FORMATS)
    repeat_count = IntegerField(_l("Or: the number of dates"), validators=[
        Optional(), NumberRange(min=1, max=MAX_COUNT, message=_l("Enter a number from %(min)s to %(max)s"))],
        render_kw={"inputmode": "numeric"})
    extra_dates = TextAreaField(_l("Extra dates, at the same time"), validators=[
        Optional(), Length(max=2000, message=_l("Use at most %(max)d characters"))])
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
    places_per = SelectField(_l("For a series: how are the places counted?"), default=PlacesPer.SERIES.value,
                            choices=[SelectChoice(PlacesPer.DATE.value, _l(
                                         "Per date: each date its own places and waiting list (drop-in)")),
                                     SelectChoice(PlacesPer.SERIES.value, _l(
                                         "One list for the whole series (a course)"))])
    late_joining = BooleanField(_l("A course: people may still join after the first date"))
    signups_open_date = DateField(_l("Sign-ups open on"), validators=[Optional()],
                                  format=DATE_FORMATS)
    signups_close_date = DateField(_l("Sign-ups close on"), validators=[Optional()],
                                   format=DATE_FORMATS)
    min_age = IntegerField(_l("Youngest age"), validators=[
        Optional(), NumberRange(min=0, max=120, message=_l("Enter a number from %(min)s to %(max)s"))],
        render_kw={"inputmode": "numeric"})
    max_age = IntegerField(_l("Oldest age"), validators=[
        Optional(), NumberRange(min=0, max=120, message=_l("Enter a number from %(min)s to %(max)s"))],
        render_kw={"inputmode": "numeric"})

    def validate_signups_close_date(self, field):
        if field.data and self.signups_open_date.data and field.data < self.signups_open_date.data:
            raise ValidationError(_l("Sign-ups must close after they open"))
        # A drop-in series and a course open to late joiners take sign-ups after their first date.
        later = self.is_series() and (self.places_per.data == PlacesPer.DATE or self.late_joining.data)
        if field.data and self.date.data and field.data > self.date.data and not later:
            raise ValidationError(_l("Sign-ups must close on or before the first date"))

    def validate_max_age(self, field):
        if field.data is not None and self.min_age.data is not None and field.data < self.min_age.data:
            raise ValidationError(_l("The oldest age must be at least the youngest age"))

    def validate_end_date(self, field):
        if field.data is None or self.date.data is None:
            return
        if field.data < self.date.data:
            raise ValidationError(_l("The last day must be on or after the first day"))
        if field.data > self.date.data + dt.timedelta(days=MAX_DAYS - 1):
            raise ValidationError(_l("An event can last at most %(days)d days", days=MAX_DAYS))

    def validate_end_time(self, field):
        same_day = self.end_date.data is None or self.end_date.data == self.date.data
        if not self.all_day.data and same_day and self.start_time.data and field.data \
                and field.data <= self.start_time.data:
            raise ValidationError(_l("The end time must be after the start time"))

    def validate_weekdays(self, field):
        if self.repeats.data == Repeat.WEEKLY and not field.data:
            raise ValidationError(_l("Choose at least one day of the week"))

    def validate_monthday(self, field):
        if self.repeats.data != Repeat.MONTHLY or self.monthly_by.data != "day" or field.data is None:
            return
        if field.data > 28:
            raise ValidationError(_l("Choose a day from 1 to 28: not every month has day %(day)d, and those "
                                     "months would be left out. For the end of the month, choose a weekday, "
                                     "e.g. the last Friday.", day=field.data))

    def validate_repeat_until(self, field):
        if not self.is_series() or field.data is None:
            return  # None: not a date, and the field already says so
        if self.date.data and field.data < self.date.data:
            raise ValidationError(_l("The last date must be on or after the first date"))
        if self.date.data and field.data > self.date.data + dt.timedelta(days=2 * 366):
            raise ValidationError(_l("A series can run for at most two years"))

    def validate_skip_dates(self, field):
        self.parsed_skip_dates = parse_dates(field.data or "")

    def validate_extra_dates(self, field):
        self.parsed_extra_dates = parse_dates(field.data or "")
        if self.date.data and any(day < self.date.data for day in self.parsed_extra_dates):
            raise ValidationError(_l("Extra dates come after the first date"))

    def validate(self, extra_validators=None) -> bool:
        """Fields that depend on each other: how a series ends, the day of a month, and a plan with a date."""
        valid = super().validate(extra_validators)
        if self.is_series():
            if self.repeat_until.data is None and self.repeat_count.data is None \
                    and not self.repeat_until.errors and not self.repeat_count.errors:
                valid = _add_error(self.repeat_until, _l("Enter the last date or the number of dates"))
            elif self.repeat_until.data is not None and self.repeat_count.data is not None:
                valid = _add_error(self.repeat_count, _l("Give the last date or the number of dates, not both"))
            if self.repeats.data == Repeat.MONTHLY and self.monthly_by.data == "day" \
                    and self.monthday.data is None and not self.monthday.errors:
                valid = _add_error(self.monthday, _l("Enter the day of the month, e.g. 15"))
        if valid and first_start(Event(**self.schedule())) is None:
            valid = _add_error(self.repeats, _l("With these settings the event has no date at all: "
                                                "check the days, the last date and the dates without the event."))
        return valid

    def is_series(self) -> bool:
        return self.repeats.data in (Repeat.WEEKLY, Repeat.MONTHLY)

    def schedule(self) -> dict[str, object]:
        """The event's dates as its columns: times, rule, extra and skipped dates (after validation).

        A series starts on the first day from the given date that fits its rule, so that the first
        date is a date of the rule (RFC 5545 wants DTSTART in step with the RRULE)."""
        first_day, last_day = self.date.data, self.end_date.data or self.date.data
        if self.all_day.data:  # whole days: from the first midnight to the one after the last day
            start = dt.datetime.combine(first_day, dt.time())
            end = dt.datetime.combine(last_day + dt.timedelta(days=1), dt.time())
        else:
            start = dt.datetime.combine(first_day, self.start_time.data)
            end = dt.datetime.combine(last_day, self.end_time.data)
        values: dict[str, object] = dict(
            starts_at=start, ends_at=end, all_day=bool(self.all_day.data), repeat=None, repeat_weekdays=None,
            repeat_interval=1, repeat_setpos=None, repeat_monthday=None, repeat_until=None, repeat_count=None,
            extra_dates=_joined(getattr(self, "parsed_extra_dates", [])), skip_dates="")
        if self.is_series():
            values.update(repeat=self.repeats.data, repeat_interval=self.interval.data or 1,
                          repeat_until=self.repeat_until.data, repeat_count=self.repeat_count.data)
            if self.repeats.data == Repeat.WEEKLY:
                values["repeat_weekdays"] = ",".join(code for code in WEEKDAYS if code in self.weekdays.data)
            elif self.monthly_by.data == "day":
                values["repeat_monthday"] = self.monthday.data
            else:
                values.update(repeat_weekdays=self.monthly_weekday.data, repeat_setpos=int(self.setpos.data))
            rule_only = Event(**{**values, "extra_dates": ""})
            first = first_start(rule_only)
            if first is not None:
                values["starts_at"] = first.replace(tzinfo=None)
                values["ends_at"] = values["starts_at"] + (end - start)
        if self.is_series() or values["extra_dates"]:
            values["skip_dates"] = _joined(getattr(self, "parsed_skip_dates", []))
        return values

    def texts(self) -> dict[str, tuple[str, str, str]]:
        """(title, description, place) per language, stripped."""
        return {
            lang: tuple((getattr(self, f"{name}_{lang}").data or "").strip()
                        for name in ("title", "description", "location"))
            for lang in LANGUAGES
        }


NOTE_MAX = 300  # a short reason or note, shown beside the date


class DateCancelForm(FlaskForm):
    """Cancel one date of a series: a short reason, in Dutch and if possible in Turkish and Bulgarian."""

    reason_nl = StringField(_l("Reason in Dutch"), validators=[
        DataRequired(_l("Enter a short reason in Dutch, e.g. “The buurthuis is closed”")),
        Length(max=NOTE_MAX, message=_l("Use at most %(max)d characters"))])
    reason_tr = StringField(_l("Reason in Turkish"), validators=[
        Optional(), Length(max=NOTE_MAX, message=_l("Use at most %(max)d characters"))])
    reason_bg = StringField(_l("Reason in Bulgarian"), validators=[
        Optional(), Length(max=NOTE_MAX, message=_l("Use at most %(max)d characters"))])

    def texts(self) -> dict[str, dict[str, str]]:
        return {lang: {"note": getattr(self, f"reason_{lang}").data or ""} for lang in LANGUAGES}


class DateMoveForm(FlaskForm):
    """Move one date of a series: another day or time, perhaps another place, with a note."""

    date = DateField(_l("New date"), validators=[DataRequired(_l("Enter the new date, like 17/02/2027"))],
                     format=DATE_FORMATS)
    start_time = TimeField(_l("Starts at"), validators=[DataRequired(_l("Enter the start time, like 16:00"))],
                           format=["%H:%M", "%H.%M"])
    end_time = TimeField(_l("Ends at"), validators=[DataRequired(_l("Enter the end time, like 18:00"))],
                         format=["%H:%M", "%H.%M"])
    address = StringField(_l("Another address"), validators=[
        Optional(), Length(max=ADDRESS_MAX, message=_l("Use at most %(max)d characters"))])
    location_nl = StringField(_l("Another place in Dutch (e.g. the room or building)"), validators=[
        Optional(), Length(max=PLACE_MAX, message=_l("Use at most %(max)d characters"))])
    location_tr = StringField(_l("Another place in Turkish"), validators=[
        Optional(), Length(max=PLACE_MAX, message=_l("Use at most %(max)d characters"))])
    location_bg = StringField(_l("Another place in Bulgarian"), validators=[
        Optional(), Length(max=PLACE_MAX, message=_l("Use at most %(max)d characters"))])
    note_nl = StringField(_l("Note in Dutch"), validators=[
        Optional(), Length(max=NOTE_MAX, message=_l("Use at most %(max)d characters"))])
    note_tr = StringField(_l("Note in Turkish"), validators=[
        Optional(), Length(max=NOTE_MAX, message=_l("Use at most %(max)d characters"))])
    note_bg = StringField(_l("Note in Bulgarian"), validators=[
        Optional(), Length(max=NOTE_MAX, message=_l("Use at most %(max)d characters"))])

    def __init__(self, *args, all_day: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.all_day = all_day
        if all_day:  # a whole-day event moves to another day; its times stay whole days
            del self.start_time, self.end_time

    def validate_end_time(self, field):
        if self.start_time.data and field.data and field.data <= self.start_time.data:
            raise ValidationError(_l("The end time must be after the start time"))

    def texts(self) -> dict[str, dict[str, str]]:
        return {lang: {"note": getattr(self, f"note_{lang}").data or "",
                       "location": getattr(self, f"location_{lang}").data or ""} for lang in LANGUAGES}


def _add_error(field, message) -> bool:
    """Put `message` next to `field` (after validation) and say the form is not valid."""
    field.errors = [*field.errors, message]
    return False


def _joined(dates: list[dt.date]) -> str:
    return ",".join(sorted({day.isoformat() for day in dates}))


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
