"""Forms of homework support: the parents' enrolment, and the staff's groups and decisions."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

from flask import g
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import (BooleanField, DateField, EmailField, FieldList, Form, FormField, IntegerField,
                     RadioField, SelectField, StringField, TelField, TimeField)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Email, InputRequired, Length, NumberRange, Optional, ValidationError

from events.models import TIMEZONE, WEEKDAYS
from participation.enrolment.models import (ALL_SCHOOLS, GRADES, OTHER_SCHOOL, SCHOOLS, ChildStatus, HomeworkGroup,
                                            parse_school_year, school_year_of)
from participation.extensions import db
from participation.forms import MultiCheckboxField, RobotTrap, check_phone, require_one, submission_id_field
from participation.i18n import LANGUAGE_NAMES, current_language
from participation.labels import LANGUAGE_LABELS, WEEKDAY_LABELS
from participation.templating import clock, weekday_list

MAX_CHILDREN = 8
ANY_GROUP = "any"
TOO_LONG = _l("Use at most %(max)d characters")

SCHOOL_LABELS = {**SCHOOLS, OTHER_SCHOOL: _l("Another school")}
GROUP_SCHOOL_LABELS = {ALL_SCHOOLS: _l("All schools"), **SCHOOL_LABELS}
GRADE_LABELS = {1: _l("1st year"), 2: _l("2nd year"), 3: _l("3rd year"),
                4: _l("4th year"), 5: _l("5th year"), 6: _l("6th year")}
STATUS_LABELS = {ChildStatus.NEW: _l("New"), ChildStatus.ACCEPTED: _l("Accepted"),
                 ChildStatus.WAITING: _l("Waiting list"), ChildStatus.DECLINED: _l("Declined")}
INTERPRETER_LABELS = {"no": _l("No, that is not needed"), "tr": _l("Yes, in Turkish"),
                      "bg": _l("Yes, in Bulgarian"), "other": _l("Yes, in another language")}


def group_label(group: HomeworkGroup) -> str:
    """'Group A – Monday and Thursday 15:30–16:30, Buurthuis (StippeStap, 1st to 3rd year)'."""
    label = _("%(name)s – %(days)s %(start)s–%(end)s, %(place)s (%(school)s, %(first)s to %(last)s)",
              name=group.name, days=weekday_list(group.weekday_codes), start=clock(group.start_time),
              end=clock(group.end_time), place=group.place, school=GROUP_SCHOOL_LABELS.get(group.school, group.school),
              first=GRADE_LABELS[group.year_from], last=GRADE_LABELS[group.year_to])
    if group.places_left() == 0:
        label += " " + _("(full: waiting list)")
    return label


def active_groups() -> list[HomeworkGroup]:
    """The groups parents can choose, once per request."""
    if "homework_groups" not in g:
        g.homework_groups = db.session.scalars(
            select(HomeworkGroup).where(HomeworkGroup.active)
            .order_by(HomeworkGroup.school_year, HomeworkGroup.name, HomeworkGroup.id)).all()
    return g.homework_groups


def _group_choices() -> list[SelectChoice]:
    """The open groups, and "any group" for parents who do not know."""
    return [*(SelectChoice(str(group.id), group_label(group)) for group in active_groups()),
            SelectChoice(ANY_GROUP, _l("Any group is fine"))]


class ChildForm(Form):
    """One child; the enrolment form repeats it for every child of the family."""

    first_name = StringField(_l("First name"), validators=[
        DataRequired(_l("Enter the child's first name")), Length(max=80, message=TOO_LONG)],
        render_kw={"autocomplete": "off"})
    last_name = StringField(_l("Last name"), validators=[
        DataRequired(_l("Enter the child's last name")), Length(max=80, message=TOO_LONG)],
        render_kw={"autocomplete": "off"})
    school = RadioField(_l("School"), choices=[SelectChoice(code, label) for code, label in SCHOOL_LABELS.items()],
                        validators=[InputRequired(_l("Choose the school"))],
                        invalid_choice_message=_l("Choose the school"))
    other_school = StringField(_l("Name of the other school"), validators=[Length(max=120, message=TOO_LONG)])
    grade = SelectField(_l("Which year is the child in?"),
                        choices=[SelectChoice("", _l("Choose the year")),
                                 *(SelectChoice(str(n), GRADE_LABELS[n]) for n in GRADES)],
                        validators=[DataRequired(_l("Choose the year of primary school"))],
                        invalid_choice_message=_l("Choose the year of primary school"))
    groups = MultiCheckboxField(_l("Which groups suit your child?"), choices=_group_choices,
                                invalid_choice_message=_l("This group cannot be chosen any more. Choose another one."))

    def validate_other_school(self, field):
        if self.school.data == OTHER_SCHOOL and not (field.data or "").strip():
            raise ValidationError(_l("Enter the name of the school"))

    def validate_groups(self, field):
        if not field.data:
            raise ValidationError(_l("Choose at least one group, or “Any group is fine”"))
        if not self.school.data or not self.grade.data or self.school.errors or self.grade.errors:
            return  # the school or the year has its own error; a group cannot be checked without them
        chosen = {str(group.id): group for group in active_groups()}
        for value in field.data:
            group = chosen.get(value)
            if group is not None and not group.fits(self.school.data, int(self.grade.data)):
                raise ValidationError(_l("“%(group)s” is not for this school or year. Choose another group, "
                                         "or “Any group is fine”.", group=group.name))

    def chosen_groups(self) -> list[HomeworkGroup]:
        """The groups ticked, as rows."""
        return [group for group in active_groups() if str(group.id) in (self.groups.data or [])]


class EnrolmentForm(RobotTrap, FlaskForm):
    children = FieldList(FormField(ChildForm), min_entries=1, max_entries=MAX_CHILDREN)
    home_languages = MultiCheckboxField(_l("Which languages do you speak at home?"),
                                        choices=[SelectChoice(code, label) for code, label in LANGUAGE_LABELS.items()],
                                        invalid_choice_message=_l("Tick the languages from the list"))
    other_home_languages = StringField(_l("Other languages at home"), validators=[
        Optional(), Length(max=120, message=TOO_LONG)])
    interpreter = RadioField(_l("Would you like an interpreter or a contact worker at the intake talk?"),
                             choices=[SelectChoice(code, label) for code, label in INTERPRETER_LABELS.items()],
                             validators=[InputRequired(_l("Choose whether you would like an interpreter"))],
                             invalid_choice_message=_l("Choose whether you would like an interpreter"))
    parent_name = StringField(_l("Your name"), validators=[
        DataRequired(_l("Enter your name")), Length(max=120, message=TOO_LONG)],
        render_kw={"autocomplete": "name"})
    phone = TelField(_l("Phone number"), validators=[Optional(), Length(max=40, message=TOO_LONG)],
                     render_kw={"autocomplete": "tel", "inputmode": "tel"})
    email = EmailField(_l("E-mail address"), validators=[
        Optional(), Email(_l("Enter an e-mail address like name@example.be")), Length(max=254, message=TOO_LONG)],
        render_kw={"autocomplete": "email", "spellcheck": "false"})
    language = RadioField(_l("In which language do we contact you?"),
                          choices=[SelectChoice(code, name) for code, name in LANGUAGE_NAMES.items()],
                          default=current_language, validators=[InputRequired(_l("Choose a language"))],
                          invalid_choice_message=_l("Choose a language"))
    consent = BooleanField(_l("I agree that the city of Genk keeps these details to organise homework support."),
                           validators=[DataRequired(_l("Tick the box to agree, or we cannot enrol your child"))])
    photo_consent = BooleanField(_l("Staff may take photos of my child during homework support and use them "
                                    "in the neighbourhood's newsletter and website."))
    submission_id = submission_id_field()

    def validate_phone(self, field):
        check_phone(field.data)

    def validate_home_languages(self, field):
        if not field.data and not (self.other_home_languages.data or "").strip():
            raise ValidationError(_l("Tick a language, or write which languages you speak at home"))

    def validate(self, extra_validators=None) -> bool:
        """A phone number or an e-mail address: at least one, to reach the parent."""
        valid = super().validate(extra_validators)
        return require_one(self.phone, self.email, _l("Enter a phone number or an e-mail address")) and valid

    def summary_fields(self) -> list:
        """Every field in page order, a child's errors named after the child, for the error summary."""
        fields: list = []
        for field in self:
            if field.name != "children":
                fields.append(field)
                continue
            for number, entry in enumerate(field, start=1):
                for subfield in entry.form:
                    errors = [_("Child %(number)d: %(error)s", number=number, error=error)
                              for error in subfield.errors[:1]]
                    fields.append(SimpleNamespace(id=subfield.id, name=subfield.name, errors=errors))
        return fields


# --- staff ---------------------------------------------------------------------------------------


def _default_school_year() -> str:
    """The school year of today, for a new group."""
    return school_year_of(dt.datetime.now(TIMEZONE).date())


class GroupForm(FlaskForm):
    name = StringField(_l("Name of the group"), validators=[
        DataRequired(_l("Enter a name, like “Group A”")), Length(max=80, message=TOO_LONG)])
    school_year = StringField(_l("School year"), default=_default_school_year, validators=[
        DataRequired(_l("Enter the school year, like 2026-2027"))])
    school = SelectField(_l("For children of"), choices=[
        SelectChoice(code, label) for code, label in GROUP_SCHOOL_LABELS.items()])
    year_from = SelectField(_l("From year"), coerce=int, default=1,
                            choices=[SelectChoice(str(n), GRADE_LABELS[n]) for n in GRADES])
    year_to = SelectField(_l("To year"), coerce=int, default=6,
                          choices=[SelectChoice(str(n), GRADE_LABELS[n]) for n in GRADES])
    weekdays = MultiCheckboxField(_l("On which days?"),
                                  choices=[SelectChoice(d, WEEKDAY_LABELS[d]) for d in WEEKDAYS])
    start_time = TimeField(_l("Starts at"), validators=[DataRequired(_l("Enter the start time, like 16:00"))],
                           format=["%H:%M", "%H.%M"])
    end_time = TimeField(_l("Ends at"), validators=[DataRequired(_l("Enter the end time, like 18:00"))],
                         format=["%H:%M", "%H.%M"])
    place = StringField(_l("Place"), validators=[
        DataRequired(_l("Enter the place, like the room and the address")), Length(max=200, message=TOO_LONG)])
    capacity = IntegerField(_l("Number of places"), validators=[
        InputRequired(_l("Enter the number of places")),
        NumberRange(min=1, max=200, message=_l("Enter a number from %(min)s to %(max)s"))],
        render_kw={"inputmode": "numeric"})
    active = BooleanField(_l("Parents can choose this group"), default=True)

    def validate_school_year(self, field):
        if parse_school_year(field.data or "") is None:
            raise ValidationError(_l("Enter the school year, like 2026-2027"))
        field.data = field.data.strip()

    def validate_year_to(self, field):
        if self.year_from.data and field.data < self.year_from.data:
            raise ValidationError(_l("The last year must be the same as or after the first year"))

    def validate_weekdays(self, field):
        if not field.data:
            raise ValidationError(_l("Choose at least one day of the week"))

    def validate_end_time(self, field):
        if self.start_time.data and field.data and field.data <= self.start_time.data:
            raise ValidationError(_l("The end time must be after the start time"))


DECISIONS = {ChildStatus.ACCEPTED: _l("Accept into a group"), ChildStatus.WAITING: _l("Put on the waiting list"),
             ChildStatus.DECLINED: _l("Decline")}


def _staff_group_choices() -> list[SelectChoice]:
    """The open groups, with their school year, for staff."""
    return [SelectChoice("", _l("No group")),
            *(SelectChoice(str(group.id), f"{group.name} ({group.school_year})") for group in active_groups())]


class DecisionForm(FlaskForm):
    decision = RadioField(_l("Decision"), choices=[SelectChoice(code.value, label) for code, label in DECISIONS.items()],
                          validators=[InputRequired(_l("Choose a decision"))],
                          invalid_choice_message=_l("Choose a decision"))
    group = SelectField(_l("Group"), choices=_staff_group_choices,
                        invalid_choice_message=_l("Choose one of the groups parents can choose"))

    def validate_group(self, field):
        if self.decision.data == ChildStatus.ACCEPTED and not field.data:
            raise ValidationError(_l("Choose the group the child goes to"))


class IntakeForm(FlaskForm):
    intake_on = DateField(_l("Date of the intake talk"), validators=[
        DataRequired(_l("Enter the date, like 17/02/2027"))], format=["%Y-%m-%d", "%d/%m/%Y", "%d-%m-%Y"])
    intake_time = TimeField(_l("Time (if known)"), validators=[Optional()], format=["%H:%M", "%H.%M"])
