"""Pieces every form of the app shares."""

from __future__ import annotations

import re

from flask import Flask
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import HiddenField, SelectMultipleField, StringField
from wtforms.validators import ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from participation.signups.models import new_token

CSRF_MESSAGE = _l("This form was open too long and has expired. Check your answers and send it again.")
SUBMISSION_ID = re.compile(r"[A-Za-z0-9_-]{1,64}")  # what new_token() makes


class MultiCheckboxField(SelectMultipleField):
    """A list of checkboxes: usable by keyboard and without JavaScript, unlike a multi-select."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


def own_submission_id(value: str | None) -> str:
    """The form's id if one of our forms made it; anything else gets a new one, so it never finds
    another person's sign-up, enrolment or message (and never reaches a column too short for it)."""
    return value if value and SUBMISSION_ID.fullmatch(value) else new_token()


def submission_id_field() -> HiddenField:
    """One id per filled-in form: the same form sent twice (a double click, "back" and send) is stored once."""
    return HiddenField(default=new_token, filters=[own_submission_id])


def check_phone(number: str | None) -> None:
    """A phone number of 6 to 15 digits, if one is given."""
    if number and not 6 <= len(re.sub(r"\D", "", number)) <= 15:
        raise ValidationError(_l("Enter a phone number like 0470 12 34 56"))


def require_one(first, second, message) -> bool:
    """At least one of two fields filled in; else `message` on the first, unless it has an error already."""
    if (first.data or "").strip() or (second.data or "").strip() or first.errors:
        return True
    first.errors = [*first.errors, message]
    return False


class RobotTrap:
    """A field people never see, for public forms: whatever fills it in is not a person.

    Mix it into a form and render it with `robot_trap(form)` from _forms.html: moved off the screen
    by CSS (no JavaScript needed), hidden from screen readers and left out of the keyboard's order.
    A view that finds it filled in answers as if all went well and stores nothing."""

    website = StringField(_l("Leave this field empty"), render_kw={"autocomplete": "off", "tabindex": "-1"})

    def filled_by_robot(self) -> bool:
        """Whether the hidden field came back filled in."""
        return bool((self.website.data or "").strip())


class ConfirmForm(FlaskForm):
    """A form with only its CSRF token, for buttons that change data (publish, cancel, delete)."""


class LogoutForm(FlaskForm):
    """Log out is a POST, so no other site can log a staff member out."""


def spreadsheet_safe(value: str) -> str:
    """A cell typed by the public must not start a formula in a spreadsheet (CSV injection)."""
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


def form_errors(form) -> list[tuple[str | None, str]]:
    """(field id, message) for the error summary; an expired form has no field to point to."""
    errors: list[tuple[str | None, str]] = []
    for field in form:
        if not field.errors:
            continue
        if getattr(field, "short_name", field.name) == "csrf_token":
            errors.insert(0, (None, str(CSRF_MESSAGE)))
        else:
            errors.append((field.id, str(field.errors[0])))
    return errors


def field_attrs(field, hint=None) -> dict:
    """ARIA attributes that tie a field to its hint and its error message."""
    described = [f"{field.id}-hint"] if hint else []
    attrs = {}
    if field.errors:
        described.append(f"{field.id}-error")
        attrs["aria-invalid"] = "true"
    if described:
        attrs["aria-describedby"] = " ".join(described)
    return attrs


def init_app(app: Flask) -> None:
    """Make the helpers available in every template."""
    app.jinja_env.globals.update(form_errors=form_errors, field_attrs=field_attrs)

    @app.context_processor
    def logout_form():
        # Only shown, never filled from the request: an error page must not read a form it refuses (a NUL in it).
        return {"logout_form": LogoutForm(formdata=None) if current_user and current_user.is_authenticated else None}
