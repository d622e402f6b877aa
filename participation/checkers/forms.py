"""The checkers' questions, and the answers turned into a case for the engine."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal, InvalidOperation
from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from markupsafe import Markup
from wtforms import DateField, IntegerField, RadioField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, NumberRange, Optional, ValidationError

from events.models import TIMEZONE
from participation.checkers import engine
from participation.checkers.texts import LANDLORDS_TEXT, WORK_LABELS, money, render, when
from participation.forms import MultiCheckboxField

DATE_FORMATS = ["%Y-%m-%d", "%d/%m/%Y", "%d-%m-%Y", "%d.%m.%Y"]
FIRST_YEAR = 1500
MAX_ROOMS = 1000
MAX_AMOUNT = Decimal("10000000")
DATE_MESSAGE = _l("Enter a date like 17/02/2027")
AMOUNT_MESSAGE = _l("Enter an amount in euro, like 1250 or 1250,50")
NOT_IN_FUTURE = _l("Enter a date that is not in the future")

YES_NO_LABELS = {"yes": _l("Yes"), "no": _l("No")}
HOME_TYPE_LABELS = {"home": _l("A house or a flat"), "rooms": _l("A building with rooms for rent")}
UNFIT_LABELS = {"yes": _l("Yes"), "no": _l("No"), "unknown": _l("I do not know")}
EPC_LABELS = {"ef": _l("E or F"), "other": _l("Another label (A to D)"), "unknown": _l("I do not know")}


def today() -> dt.date:
    """Today in Genk."""
    return dt.datetime.now(TIMEZONE).date()


def parse_amount(text: str) -> Decimal | None:
    """An amount as people in Belgium type it: 1250, 1.250, 1250,50, 1.250,50, 999.99 or € 1 250."""
    cleaned = re.sub(r"[\s\u00a0\u202f€]|eur(o)?", "", text, flags=re.IGNORECASE)
    # Dots between groups of three digits separate thousands ("60.000"); otherwise a dot or a comma
    # before one or two digits starts the cents. "1,000" is neither and is refused rather than guessed.
    match = re.fullmatch(r"(\d{1,3}(?:\.\d{3})+|\d+)(?:[.,](\d{1,2}))?", cleaned)
    if match is None:
        return None
    try:
        return Decimal(match.group(1).replace(".", "") + "." + (match.group(2) or "0"))
    except InvalidOperation:
        return None


class AmountField(StringField):
    """An amount in euro; empty is None."""

    def __init__(self, label=None, validators=None, **kwargs):
        """A text box with a keyboard for numbers on phones."""
        kwargs.setdefault("render_kw", {"inputmode": "decimal", "autocomplete": "off", "spellcheck": "false"})
        super().__init__(label, validators, **kwargs)

    def process_formdata(self, valuelist):
        """Read the typed amount; something unclear is an error, not a guess."""
        self.data = None
        if valuelist and valuelist[0].strip():
            self.data = parse_amount(valuelist[0])
            if self.data is None:
                raise ValueError(str(AMOUNT_MESSAGE))

    def _value(self) -> str:
        """What the box shows again: exactly what was typed."""
        if self.raw_data:
            return self.raw_data[0]
        return "" if self.data is None else str(self.data)

    def shown(self) -> str:
        """The amount as the reader's language writes it."""
        return money(self.data)


def _date_field(label, **kwargs) -> DateField:
    """An optional date, typed or picked, with our own message for a date that cannot be read."""
    return DateField(label, validators=[Optional()], format=DATE_FORMATS, invalid_value_message=DATE_MESSAGE,
                     **kwargs)


def _past_date(field) -> None:
    """A date that already happened: an invoice, a permit, a deed, an attest."""
    if field.data is not None and not dt.date(1900, 1, 1) <= field.data <= today():
        raise ValidationError(NOT_IN_FUTURE if field.data > today() else DATE_MESSAGE)


def _choices(labels: dict[str, Any]) -> list[SelectChoice]:
    """Radio choices from a table of translated labels."""
    return [SelectChoice(value, label) for value, label in labels.items()]


class CheckerForm(FlaskForm):
    """A checker's questions, sent with GET.

    GET, not POST: checking changes nothing on the server, so there is no CSRF risk and no token to
    expire, and the answer page has an address a landlord can keep, print or send to the housing desk.
    """

    class Meta:
        csrf = False

    def summary(self) -> list[tuple[Any, Any]]:
        """(question, answer) for every question answered, for the answer page."""
        rows = []
        for field in self:
            if field.data in (None, "", []) or (field.name == "rooms" and self.data.get("home_type") != "rooms"):
                continue
            if isinstance(field, MultiCheckboxField):
                shown: Any = Markup(", ").join(label for value, label, *_ in field.iter_choices() if value in field.data)
            elif isinstance(field, RadioField):
                shown = next((label for value, label, *_ in field.iter_choices() if value == field.data), field.data)
            elif isinstance(field, AmountField):
                shown = field.shown()
            elif isinstance(field, DateField):
                shown = when(field.data)
            else:
                shown = field.data
            rows.append((field.label.text, shown))
        return rows


class ConformiteitsattestForm(CheckerForm):
    home_type = RadioField(_l("What do you rent out?"), choices=_choices(HOME_TYPE_LABELS),
                           validators=[InputRequired(_l("Choose what you rent out"))],
                           invalid_choice_message=_l("Choose what you rent out"))
    rooms = IntegerField(_l("How many rooms?"), validators=[
        Optional(), NumberRange(min=1, max=MAX_ROOMS, message=_l("Enter a number from %(min)s to %(max)s"))],
        invalid_value_message=_l("Enter the number of rooms, like 6"),
        render_kw={"inputmode": "numeric", "autocomplete": "off"})
    built_year = IntegerField(_l("In which year was the home built?"), validators=[Optional()],
                              invalid_value_message=_l("Enter a year, like 1975"),
                              render_kw={"inputmode": "numeric", "autocomplete": "off"})
    declared_unfit = RadioField(_l("Was the home ever declared unfit or uninhabitable?"),
                                choices=_choices(UNFIT_LABELS),
                                validators=[InputRequired(_l("Choose yes, no or “I do not know”"))],
                                invalid_choice_message=_l("Choose yes, no or “I do not know”"))
    woonmaatschappij = RadioField("", choices=_choices(YES_NO_LABELS),
                                  validators=[InputRequired(_l("Choose yes or no"))],
                                  invalid_choice_message=_l("Choose yes or no"))
    rental_start = DateField(_l("When does the rental start, or when did it start?"), validators=[Optional()],
                             format=DATE_FORMATS, invalid_value_message=DATE_MESSAGE)
    ca_issued = _date_field(_l("Do you already have a conformity certificate? On which date did you get it?"))

    def __init__(self, *args, **kwargs):
        """The questions, with the label that holds a Dutch word built for this request."""
        super().__init__(*args, **kwargs)
        # Labels with an official Dutch word in them are built per request, to mark the word as Dutch.
        self.woonmaatschappij.label.text = render(
            _l("Do you rent the home to a housing company (%(woonmaatschappij)s), formerly a social rental agency?"))

    def validate(self, extra_validators=None) -> bool:
        """The number of rooms is needed for a building with rooms only (Optional() skips inline checks)."""
        super().validate(extra_validators)
        if self.home_type.data != "rooms":
            self.rooms.errors = []  # typed by mistake for a house: not a reason to stop
        elif self.rooms.data is None and not self.rooms.errors:
            self.rooms.errors = [_l("Enter the number of rooms, like 6")]
        return not any(field.errors for field in self)

    def validate_built_year(self, field):
        """A year in which a home can have been built."""
        if field.data is not None and not FIRST_YEAR <= field.data <= today().year:
            raise ValidationError(_l("Enter a year from %(min)s to %(max)s, like 1975", min=FIRST_YEAR,
                                     max=today().year))

    def validate_rental_start(self, field):
        """A start date not absurdly far away, so the date sums stay within the calendar."""
        if field.data is not None and not dt.date(1900, 1, 1) <= field.data <= today() + dt.timedelta(days=3660):
            raise ValidationError(_l("Enter a date within the next ten years, like 01/03/2027"))

    def validate_ca_issued(self, field):
        """An attest already received has a date in the past."""
        _past_date(field)

    def case(self) -> engine.CaCase:
        """The answers, for the engine."""
        return engine.CaCase(home_type=self.home_type.data, declared_unfit=self.declared_unfit.data,
                             woonmaatschappij=self.woonmaatschappij.data == "yes", built_year=self.built_year.data,
                             rooms=self.rooms.data if self.home_type.data == "rooms" else None,
                             rental_start=self.rental_start.data, ca_issued=self.ca_issued.data)


class PremiesForm(CheckerForm):
    landlord = RadioField(_l("How do you rent out the home?"), choices=[],
                          validators=[InputRequired(_l("Choose how you rent out the home"))],
                          invalid_choice_message=_l("Choose how you rent out the home"))
    building_age = IntegerField(_l("How old is the building, in years?"), validators=[
        InputRequired(_l("Enter the age of the building in years, like 40")),
        NumberRange(min=0, max=1000, message=_l("Enter a number from %(min)s to %(max)s"))],
        invalid_value_message=_l("Enter the age of the building in years, like 40"),
        render_kw={"inputmode": "numeric", "autocomplete": "off"})
    permit_date = _date_field(_l("Date of the building permit"))
    bought_on = _date_field(_l("When did you buy the home? (date of the deed)"))
    epc = RadioField(_l("Which EPC label did the home have when you bought it?"), choices=_choices(EPC_LABELS),
                     validators=[Optional()], invalid_choice_message=_l("Choose a label from the list"))
    works = MultiCheckboxField(_l("Which works do you plan, or have you done?"),
                               choices=[SelectChoice(work, WORK_LABELS[work]) for work in engine.WORKS],
                               invalid_choice_message=_l("Tick works from the list"))
    roof_amount = AmountField(_l("Invoice for the roof works, without VAT, in euro"), validators=[
        Optional(), NumberRange(min=0, max=MAX_AMOUNT, message=AMOUNT_MESSAGE)])
    heat_pump_amount = AmountField(_l("Invoice for the heat pump, in euro"), validators=[
        Optional(), NumberRange(min=0, max=MAX_AMOUNT, message=AMOUNT_MESSAGE)])
    oldest_invoice = _date_field(_l("Date of your oldest invoice for these works"))
    loan_amount = AmountField(_l("How much would you like to borrow, in euro?"), validators=[
        Optional(), NumberRange(min=0, max=MAX_AMOUNT, message=AMOUNT_MESSAGE)])

    def __init__(self, *args, **kwargs):
        """The questions, with the landlord choices that hold Dutch words built for this request."""
        super().__init__(*args, **kwargs)
        # Built per request: the choices carry official Dutch words, marked as Dutch.
        self.landlord.choices = [SelectChoice(value, render(label)) for value, label in LANDLORDS_TEXT.items()]

    def validate_works(self, field):
        """At least one work, or there is nothing to check."""
        if not field.data:
            raise ValidationError(_l("Tick at least one work"))

    def validate_permit_date(self, field):
        """A permit already granted."""
        _past_date(field)

    def validate_bought_on(self, field):
        """A purchase already made."""
        _past_date(field)

    def validate_oldest_invoice(self, field):
        """An invoice already received."""
        _past_date(field)

    def case(self) -> engine.PremieCase:
        """The answers, for the engine."""
        return engine.PremieCase(
            landlord=self.landlord.data, building_age=self.building_age.data, works=tuple(self.works.data),
            permit_date=self.permit_date.data, roof_amount=self.roof_amount.data,
            heat_pump_amount=self.heat_pump_amount.data, oldest_invoice=self.oldest_invoice.data,
            loan_amount=self.loan_amount.data, bought_on=self.bought_on.data, epc=self.epc.data or "unknown")
