"""Forms of feedback: the residents' message, and the staff's triage, notes, answer and filters."""

from __future__ import annotations

import functools
from pathlib import Path

from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from sqlalchemy import func, select
from wtforms import BooleanField, EmailField, RadioField, SelectField, StringField, TelField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Email, InputRequired, Length, Optional, ValidationError

from participation.extensions import db
from participation.feedback.models import (MAX_MESSAGE, MAX_STREET, Feedback, FeedbackCategory, FeedbackKind,
                                           FeedbackStatus)
from participation.feedback.photos import ACCEPT
from participation.forms import RobotTrap, check_phone, require_one, submission_id_field
from participation.i18n import LANGUAGE_NAMES, current_language
from participation.labels import LANGUAGE_LABELS
from participation.models import Role, StaffRole, StaffUser

STREETS_FILE = Path(__file__).with_name("streets.txt")
TOO_LONG = _l("Use at most %(max)d characters")

KIND_LABELS = {FeedbackKind.QUESTION: _l("A question"), FeedbackKind.IDEA: _l("An idea"),
               FeedbackKind.COMPLAINT: _l("A complaint"), FeedbackKind.PROBLEM: _l("A problem in the neighbourhood")}
CATEGORY_LABELS = {FeedbackCategory.HOUSING: _l("Housing"), FeedbackCategory.WASTE: _l("Waste and litter"),
                   FeedbackCategory.NUISANCE: _l("Noise and nuisance"), FeedbackCategory.SAFETY: _l("Safety"),
                   FeedbackCategory.LIVING_TOGETHER: _l("Living together"),
                   FeedbackCategory.OTHER: _l("Something else")}
STATUS_LABELS = {FeedbackStatus.NEW: _l("New"), FeedbackStatus.IN_PROGRESS: _l("In progress"),
                 FeedbackStatus.ANSWERED: _l("Answered"), FeedbackStatus.CLOSED: _l("Closed")}


@functools.cache
def known_streets() -> tuple[str, ...]:
    """The streets of Waterschei in streets.txt (read once per process: restart after adding one)."""
    lines = STREETS_FILE.read_text(encoding="utf-8").splitlines()
    return tuple(line.strip() for line in lines if line.strip() and not line.lstrip().startswith("#"))


def canonical_street(typed: str) -> str:
    """A known street in its usual spelling; anything else as typed, without surrounding spaces."""
    typed = typed.strip()
    for street in known_streets():
        if street.casefold() == typed.casefold():
            return street
    return typed


def period(months: int) -> str:
    """'6 months', '2 years': a retention period the way the privacy guide says it."""
    if months % 12 == 0:
        return ngettext("%(num)d year", "%(num)d years", months // 12)
    return ngettext("%(num)d month", "%(num)d months", months)


class FeedbackForm(RobotTrap, FlaskForm):
    kind = RadioField(_l("What would you like to send?"),
                      choices=[SelectChoice(code.value, label) for code, label in KIND_LABELS.items()],
                      validators=[InputRequired(_l("Choose what you would like to send"))],
                      invalid_choice_message=_l("Choose what you would like to send"))
    category = RadioField(_l("What is it about?"),
                          choices=[SelectChoice(code.value, label) for code, label in CATEGORY_LABELS.items()],
                          validators=[InputRequired(_l("Choose what it is about"))],
                          invalid_choice_message=_l("Choose what it is about"))
    message = TextAreaField(_l("Your message"), validators=[
        DataRequired(_l("Write your message")), Length(max=MAX_MESSAGE, message=TOO_LONG)],
        render_kw={"rows": 8, "maxlength": MAX_MESSAGE})
    street = StringField(_l("Street (if you like)"), validators=[Optional(), Length(max=MAX_STREET, message=TOO_LONG)],
                         render_kw={"list": "streets", "autocomplete": "off", "maxlength": MAX_STREET})
    photo = FileField(_l("Photo (if you like)"), render_kw={"accept": ACCEPT})
    wants_answer = BooleanField(_l("I would like an answer"))
    contact_name = StringField(_l("Your name"), validators=[Length(max=120, message=TOO_LONG)],
                               render_kw={"autocomplete": "name"})
    contact_email = EmailField(_l("E-mail address"), validators=[Length(max=254, message=TOO_LONG)],
                               render_kw={"autocomplete": "email", "spellcheck": "false"})
    contact_phone = TelField(_l("Phone number"), validators=[Length(max=40, message=TOO_LONG)],
                             render_kw={"autocomplete": "tel", "inputmode": "tel"})
    answer_language = RadioField(_l("In which language would you like the answer?"),
                                 choices=[SelectChoice(code, name) for code, name in LANGUAGE_NAMES.items()],
                                 default=current_language, validators=[Optional()],  # else the page's language
                                 invalid_choice_message=_l("Choose a language"))
    submission_id = submission_id_field()

    def _answer_wanted(self) -> bool:
        """Contact details are checked (and kept) only when the resident asks for an answer."""
        return bool(self.wants_answer.data)

    def validate_contact_name(self, field):
        """A name to address the answer to."""
        if self._answer_wanted() and not (field.data or "").strip():
            raise ValidationError(_l("Enter your name, so we know who to answer"))

    def validate_contact_email(self, field):
        """An address we can write to, if one is given."""
        if self._answer_wanted() and (field.data or "").strip():
            Email(_l("Enter an e-mail address like name@example.be"))(self, field)

    def validate_contact_phone(self, field):
        """A number we can call, if one is given."""
        if self._answer_wanted():
            check_phone(field.data)

    def validate(self, extra_validators=None) -> bool:
        """With an answer wanted: an e-mail address or a phone number, at least one, to reach the person."""
        valid = super().validate(extra_validators)
        if not self._answer_wanted():
            return valid
        return require_one(self.contact_email, self.contact_phone,
                           _l("Enter an e-mail address or a phone number, so we can answer you")) and valid


# --- staff ---------------------------------------------------------------------------------------


class StatusForm(FlaskForm):
    status = RadioField(_l("Status of the message"),
                        choices=[SelectChoice(code.value, label) for code, label in STATUS_LABELS.items()],
                        validators=[InputRequired(_l("Choose a status"))], invalid_choice_message=_l("Choose a status"))


def _staff_choices() -> list[SelectChoice]:
    """Nobody, or one of the active colleagues who work on feedback (role feedback)."""
    people = db.session.scalars(
        select(StaffUser).join(StaffRole).where(StaffUser.active, StaffRole.role == Role.FEEDBACK)
        .order_by(func.lower(StaffUser.name))).all()
    return [SelectChoice("", _l("Nobody")), *(SelectChoice(str(person.id), person.name) for person in people)]


class AssignForm(FlaskForm):
    assignee = SelectField(_l("Colleague"), choices=_staff_choices,
                           invalid_choice_message=_l("Choose a colleague from the list"))


class NoteForm(FlaskForm):
    text = TextAreaField(_l("New note"), validators=[
        DataRequired(_l("Write the note")), Length(max=MAX_MESSAGE, message=TOO_LONG)], render_kw={"rows": 4})


class AnswerForm(FlaskForm):
    text = TextAreaField(_l("Text of the answer"), validators=[
        DataRequired(_l("Write the answer")), Length(max=MAX_MESSAGE, message=TOO_LONG)], render_kw={"rows": 6})


def _street_choices() -> list[SelectChoice]:
    """Every street that messages name, and the known streets, for the filter."""
    stored = db.session.scalars(select(Feedback.street).where(Feedback.street != "").distinct()).all()
    streets = sorted({*known_streets(), *stored}, key=str.casefold)
    return [SelectChoice("", _l("All streets")), *(SelectChoice(street, street) for street in streets)]


class FilterForm(FlaskForm):
    """The list's filters: a GET form, so a filtered list is a link to keep or share with colleagues."""

    class Meta:
        csrf = False

    status = SelectField(_l("Status"), choices=[SelectChoice("", _l("All statuses")),
                                                *(SelectChoice(c.value, label) for c, label in STATUS_LABELS.items())])
    category = SelectField(_l("Topic"), choices=[
        SelectChoice("", _l("All topics")), *(SelectChoice(c.value, label) for c, label in CATEGORY_LABELS.items())])
    street = SelectField(_l("Street"), choices=_street_choices)
    language = SelectField(_l("Language"), choices=[SelectChoice("", _l("All languages")),
                                                    *(SelectChoice(c, label) for c, label in LANGUAGE_LABELS.items())])

    def chosen(self) -> dict[str, str]:
        """The filters that hold a valid choice; an unknown value filters nothing."""
        self.validate()
        return {field.name: field.data for field in (self.status, self.category, self.street, self.language)
                if field.data and not field.errors}
