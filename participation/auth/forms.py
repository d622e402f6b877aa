"""Staff login forms: e-mail and password, then a code when two-step login is on."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField, StringField
from wtforms.validators import DataRequired, Email, Length, ValidationError

from participation.auth.two_step import is_app_code, is_recovery_code


class LoginForm(FlaskForm):
    email = EmailField(_l("E-mail address"), validators=[
        DataRequired(_l("Enter your e-mail address")),
        Email(_l("Enter an e-mail address like name@example.be")),
        Length(max=254),
    ], render_kw={"autocomplete": "username", "spellcheck": "false"})
    password = PasswordField(_l("Password"), validators=[
        DataRequired(_l("Enter your password")), Length(max=256),
    ], render_kw={"autocomplete": "current-password"})


_CODE_KW = {"autocomplete": "one-time-code", "inputmode": "numeric", "spellcheck": "false",
            "autocapitalize": "off", "maxlength": "20"}


class CodeForm(FlaskForm):
    """A code of the authenticator app or a recovery code: the second step of a login, or to change it."""

    code = StringField(_l("Code"), validators=[DataRequired(_l("Enter the code"))], render_kw=_CODE_KW)

    def validate_code(self, field):
        if not (is_app_code(field.data) or is_recovery_code(field.data)):
            raise ValidationError(_l("Type the 6 digits from your app, or a recovery code of 12 digits"))


class SetupForm(FlaskForm):
    """The first code of a newly set-up authenticator app, to show that it works."""

    code = StringField(_l("Code from the app"), validators=[DataRequired(_l("Enter the code"))], render_kw=_CODE_KW)

    def validate_code(self, field):
        if not is_app_code(field.data):
            raise ValidationError(_l("Type the 6 digits your app shows"))
