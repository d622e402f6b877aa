"""The sign-up form: only what is needed to keep a place and to reach the person."""

from __future__ import annotations

import datetime as dt

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (BooleanField, EmailField, HiddenField, IntegerField, RadioField, SelectMultipleField,
                     StringField, TelField)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Email, InputRequired, Length, Optional, ValidationError

from participation.forms import MultiCheckboxField, RobotTrap, check_phone, require_one, submission_id_field

MAX_PEOPLE = 10  # staff taking a sign-up by phone; the public form allows what the activity allows


class SignupForm(RobotTrap, FlaskForm):
    name = StringField(_l("Your name"), validators=[
        DataRequired(_l("Enter your name")), Length(max=120, message=_l("Use at most %(max)d characters"))],
        render_kw={"autocomplete": "name"})
    phone = TelField(_l("Phone number"), validators=[Optional(), Length(max=40, message=_l("Use at most %(max)d characters"))],
                     render_kw={"autocomplete": "tel", "inputmode": "tel"})
    email = EmailField(_l("E-mail address"), validators=[
        Optional(), Email(_l("Enter an e-mail address like name@example.be")), Length(max=254)],
        render_kw={"autocomplete": "email", "spellcheck": "false"})
    people = IntegerField(_l("How many people come, you included?"), default=1, validators=[
        InputRequired(_l("Enter the number of people"))],  # and validate_people
        render_kw={"inputmode": "numeric", "min": 1, "max": MAX_PEOPLE})
    language = RadioField(_l("In which language do we contact you?"), choices=[
        SelectChoice("nl", "Nederlands"), SelectChoice("tr", "Türkçe"), SelectChoice("bg", "Български")],
        validators=[InputRequired(_l("Choose a language"))])
    consent = BooleanField(_l("I agree that the buurthuis keeps these details to organise the activity."),
                           validators=[DataRequired(_l("Tick the box to agree, or we cannot keep your place"))])
    # A series with places per date: the dates ticked, each "YYYY-MM-DDTHH:MM" (its planned start).
    date = MultiCheckboxField(_l("Which dates do you come?"), validate_choice=False)
    submission_id = submission_id_field()

    def __init__(self, *args, max_people: int = MAX_PEOPLE, dates: list[tuple[str, str]] | None = None, **kwargs):
        """`max_people`: the most people one sign-up may bring (the activity's setting); `dates`: the
        dates one may tick (value, label), for a series with places per date (else None: no choice)."""
        super().__init__(*args, **kwargs)
        self.max_people = max_people
        self.people.render_kw = {**self.people.render_kw, "max": max_people}
        self.date.choices = dates or []
        self.per_date = dates is not None

    def validate_date(self, field):
        """At least one date of those offered (a date gone by or unknown is not kept)."""
        if not self.per_date:
            field.data = []
            return
        offered = {value for value, _label in field.choices}
        field.data = [value for value in dict.fromkeys(field.data or []) if value in offered]
        if not field.data:
            raise ValidationError(_l("Tick at least one date"))

    def chosen_dates(self) -> list[dt.datetime | None]:
        """The planned starts ticked, or [None]: the whole series or one-off."""
        if not self.per_date:
            return [None]
        return [dt.datetime.fromisoformat(value) for value in self.date.data]

    def validate_phone(self, field):
        check_phone(field.data)

    def validate_people(self, field):
        """No more people than one sign-up may bring: a whole activity is not filled by one form."""
        if field.data is None:
            return  # not a number: the field says so already
        if field.data < 1:
            raise ValidationError(_l("Enter a number from %(min)s to %(max)s", min=1, max=self.max_people))
        if field.data > self.max_people:
            raise ValidationError(_l("Too many people for one sign-up: at most %(max)d, you included. For a "
                                     "bigger group, call or visit the buurthuis.", max=self.max_people))

    def validate(self, extra_validators=None) -> bool:
        """A phone number or an e-mail address: at least one, to reach the person."""
        valid = super().validate(extra_validators)
        return require_one(self.phone, self.email, _l("Enter a phone number or an e-mail address")) and valid


class StaffSignupForm(SignupForm):
    """Staff take a sign-up on the phone: the person agrees on the phone."""

    consent = BooleanField(_l("The person agreed on the phone that we keep these details."),
                           validators=[DataRequired(_l("Ask the person to agree first"))])


class BatchCancelForm(FlaskForm):
    """Staff tick suspicious sign-ups in the lists and cancel them at once, after a confirmation page."""

    # The ticked boxes (name "signup", one per row of the lists); the view keeps only this activity's ids.
    signup = SelectMultipleField(validate_choice=False)
    confirmed = HiddenField()  # "yes" from the confirmation page's button

    def chosen_ids(self) -> set[int]:
        """The ids ticked, whatever else was sent."""
        return {int(value) for value in self.signup.data or [] if value.isascii() and value.isdigit()}


class AttendanceForm(FlaskForm):
    """Staff tick who came to one date (name "present", one box per confirmed sign-up)."""

    present = SelectMultipleField(validate_choice=False)

    def chosen_ids(self) -> set[int]:
        """The ids ticked, whatever else was sent."""
        return {int(value) for value in self.present.data or [] if value.isascii() and value.isdigit()}
