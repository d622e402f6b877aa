"""Pieces every form of the app shares."""

from __future__ import annotations

from flask import Flask
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import SelectMultipleField
from wtforms.widgets import CheckboxInput, ListWidget

CSRF_MESSAGE = _l("This form was open too long and has expired. Check your answers and send it again.")


class MultiCheckboxField(SelectMultipleField):
    """A list of checkboxes: usable by keyboard and without JavaScript, unlike a multi-select."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


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
        return {"logout_form": LogoutForm() if current_user and current_user.is_authenticated else None}
