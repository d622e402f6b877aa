"""Staff log in with e-mail and password; residents never need an account."""

from __future__ import annotations

import datetime as dt
import time
from urllib.parse import urlsplit

from flask import Blueprint, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import format_time
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from itsdangerous import BadSignature, URLSafeTimedSerializer
from sqlalchemy import func, select

from events.models import utcnow
from participation import audit
from participation.auth import two_step
from participation.auth.forms import CodeForm, LoginForm, SetupForm
from participation.auth.models import LoginThrottle, throttle_key
from participation.auth.sessions import load_user, log_out, start_session  # noqa: F401  (load_user: registered)
from participation.extensions import db, limiter
from participation.extensions import login as login_manager
from participation.forms import LogoutForm
from participation.i18n import localized
from participation.models import StaffUser, dummy_password_check
from participation.roles import is_staff_request

bp = Blueprint("auth", __name__)

login_manager.login_view = "auth.login"
login_manager.login_message = _l("Log in to see this page.")
login_manager.login_message_category = "info"
login_manager.session_protection = "strong"

# A device that logged in to an account before is not slowed down by other people's failed
# attempts on that account (OWASP's "device cookie"): the owner is never locked out from their own
# computer, while the per-IP limits still hold for everybody.
DEVICE_MAX_AGE = 180 * 24 * 3600
# After a correct password, an account with two-step login has this long to type its code. The
# session then holds only "the password of account N (at session version V) was right at time T".
PASSWORD_OK = "_password_ok"
CODE_SECONDS = 300


def _safe_next(target: str | None) -> str | None:
    """Only redirect to a path on this site after login."""
    if not target or not target.isprintable():
        return None  # a control character (a line break) cannot go into the Location header
    try:
        parts = urlsplit(target)
    except ValueError:  # not an address at all, e.g. "http://["
        return None
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    return target


def _devices() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.secret_key, salt="login-device")


def _known_device(user: StaffUser | None) -> bool:
    """True when this browser logged in to `user` before (the signed device cookie says so)."""
    cookie = request.cookies.get(current_app.config["DEVICE_COOKIE_NAME"])
    if user is None or not cookie:
        return False
    try:
        return _devices().loads(cookie, max_age=DEVICE_MAX_AGE) == user.id
    except BadSignature:
        return False


def _wait_until(user: StaffUser | None, key: str) -> dt.datetime | None:
    """Until when (UTC) the login throttle holds this typed e-mail back; None for a device that logged in before."""
    throttle = LoginThrottle.find(db.session, key)
    return throttle.wait_until() if throttle and not _known_device(user) else None


def _audit_login(action: str, user: StaffUser | None, email: str, summary: str) -> None:
    """A login or a failed one in the audit log: the account (or the e-mail typed), never the password."""
    audit.record(action, user or StaffUser, summary, actor=user, actor_email=email)


@localized(bp, "/staff/login", methods=["GET", "POST"])
@limiter.limit("10 per minute;50 per hour", methods=["POST"])
def login():
    """Show the login form; log in on a correct e-mail and password."""
    if current_user.is_authenticated:
        return redirect(url_for("staff.dashboard"))
    form = LoginForm()
    if form.validate_on_submit():
        email = form.email.data.strip().lower()
        user = db.session.scalar(select(StaffUser).where(func.lower(StaffUser.email) == email))
        key = throttle_key(email, current_app.secret_key)
        wait_until = _wait_until(user, key)
        if wait_until is not None:
            # Refused without looking at the password, the same for every address, known or not.
            _audit_login("login_failed", user, email, "refused: too many failed attempts")
            db.session.commit()
            form.password.errors.append(_(
                "The e-mail address or the password is not right, or there were too many attempts. "
                "Try again after %(time)s.", time=format_time(wait_until.replace(tzinfo=dt.UTC), "HH:mm")))
            return render_template("auth/login.html", form=form)
        # Always one argon2 verification: an unknown or switched-off account answers as fast as an active one.
        if user is None:
            dummy_password_check()
            correct = False
        else:
            correct = user.check_password(form.password.data)
        if correct and user.active:
            target = _safe_next(request.args.get("next"))
            if user.two_step:
                # Not logged in yet, and the throttle is not reset: that waits for a right code.
                session.clear()
                session[PASSWORD_OK] = {"user": user.id, "version": user.session_version,
                                        "at": int(time.time()), "next": target}
                db.session.commit()  # a password hash argon2 upgraded
                return redirect(url_for("auth.login_code"))
            return _finish_login(user, key, target)
        LoginThrottle.failed(db.session, key)
        reason = "unknown e-mail address" if user is None else (
            "account switched off" if not user.active else "wrong password")
        _audit_login("login_failed", user, email, reason)
        db.session.commit()
        form.password.errors.append(_("The e-mail address or the password is not right."))
    return render_template("auth/login.html", form=form)


def _finish_login(user: StaffUser, key: str, target: str | None, summary: str = ""):
    """Log `user` in: a new session, the throttle forgotten, the audit line, and this device remembered."""
    LoginThrottle.succeeded(db.session, key)
    user.last_login_at = utcnow()
    start_session(user)
    _audit_login("login", user, user.email, summary)
    db.session.commit()
    response = redirect(target or url_for("staff.dashboard"))
    response.set_cookie(current_app.config["DEVICE_COOKIE_NAME"], _devices().dumps(user.id),
                        max_age=DEVICE_MAX_AGE, path="/", secure=current_app.config["SESSION_COOKIE_SECURE"],
                        httponly=True, samesite="Lax")
    return response


def _password_ok_user() -> StaffUser | None:
    """The account whose password was right a moment ago in this browser, if that still holds."""
    state = session.get(PASSWORD_OK)
    if not isinstance(state, dict) or not isinstance(state.get("user"), int) or not isinstance(state.get("at"), int):
        return None
    user = db.session.get(StaffUser, state["user"])
    if (user is None or not user.active or not user.two_step or state.get("version") != user.session_version
            or not 0 <= time.time() - state["at"] <= CODE_SECONDS):
        return None
    return user


def _check_code(user: StaffUser, form: CodeForm) -> tuple[two_step.Checked | None, str]:
    """Check the typed code under the login throttle: the accepted kind, or None and why not (the
    error is then next to the field, and a wrong code counts as a failed login)."""
    key = throttle_key(user.email, current_app.secret_key)
    wait_until = _wait_until(user, key)
    if wait_until is not None:
        form.code.errors.append(_("There were too many wrong attempts. Try again after %(time)s.",
                                  time=format_time(wait_until.replace(tzinfo=dt.UTC), "HH:mm")))
        return None, "refused: too many failed attempts"
    checked = two_step.check(user, form.code.data)
    if checked in (two_step.Checked.CODE, two_step.Checked.RECOVERY):
        return checked, ""
    LoginThrottle.failed(db.session, key)
    form.code.errors.append(_("This code was used already. Wait for the next code in your app.")
                            if checked is two_step.Checked.USED else
                            _("This code is not right. Type the code your app shows now."))
    return None, checked.value


@localized(bp, "/staff/login/code", methods=["GET", "POST"])
@limiter.limit("10 per minute;50 per hour", methods=["POST"])
def login_code():
    """The second step of a login: the code of the authenticator app, or a recovery code."""
    if current_user.is_authenticated:
        return redirect(url_for("staff.dashboard"))
    user = _password_ok_user()
    if user is None:
        session.pop(PASSWORD_OK, None)
        flash(_("Log in with your e-mail address and password, then type the code within 5 minutes."), "info")
        return redirect(url_for("auth.login"))
    form = CodeForm()
    if form.validate_on_submit():
        checked, reason = _check_code(user, form)
        if checked is not None:
            summary = "with a recovery code" if checked is two_step.Checked.RECOVERY else ""
            return _finish_login(user, throttle_key(user.email, current_app.secret_key),
                                 session[PASSWORD_OK].get("next"), summary)
        _audit_login("login_failed", user, user.email, f"two-step: {reason}")
        db.session.commit()
    return render_template("auth/login_code.html", form=form)


def _two_step_page(user: StaffUser, setup: SetupForm | None = None, manage: CodeForm | None = None):
    """The two-step login page: how to set it up (a new secret if none is being set up), or how to change it."""
    secret = user.totp_pending_secret
    if not user.two_step and secret is None:
        secret = two_step.start_setup(user)
        db.session.commit()
    uri = two_step.setup_uri(user, secret) if secret else None
    return render_template(
        "auth/two_step.html", user=user, secret=two_step.grouped(secret) if secret else None,
        qr_code=two_step.qr_code(uri) if uri else None, codes_left=two_step.recovery_codes_left(user),
        setup=setup or SetupForm(formdata=None), manage=manage or CodeForm(prefix="manage", formdata=None))


@localized(bp, "/staff/two-step")
@login_required
def two_step_login():
    """Set up two-step login, or make new recovery codes, move it to another phone, switch it off."""
    return _two_step_page(current_user._get_current_object())


@localized(bp, "/staff/two-step/confirm", methods=["POST"])
@limiter.limit("10 per minute", methods=["POST"])
@login_required
def confirm_two_step():
    """Switch on the app being set up once its first code is right; the recovery codes are shown once."""
    user = current_user._get_current_object()
    if user.totp_pending_secret is None:
        return redirect(url_for("auth.two_step_login"))
    form = SetupForm()
    if form.validate_on_submit():
        replaced = user.two_step
        codes = two_step.confirm_setup(user, form.code.data)
        if codes is None:
            form.code.errors.append(_("This code is not right. Check that the time on your phone is right, "
                                      "and type the code the app shows now."))
        else:
            audit.record("account.two_step_moved" if replaced else "account.two_step_on", user, user.email)
            db.session.commit()
            flash(_("Two-step login is on."), "success")
            # Shown on this answer only (not kept for a redirect), like a new password.
            return render_template("auth/recovery_codes.html", codes=codes)
    return _two_step_page(user, setup=form)


@localized(bp, "/staff/two-step/change", methods=["POST"])
@limiter.limit("10 per minute", methods=["POST"])
@login_required
def change_two_step():
    """With a code of the app (or a recovery code): new recovery codes, another phone, or switch it off."""
    user = current_user._get_current_object()
    action = request.form.get("action")
    if not user.two_step or action not in ("recovery-codes", "phone", "off"):
        return redirect(url_for("auth.two_step_login"))
    if action == "off" and user.is_admin:
        flash(_("Administrators must keep two-step login on."), "error")
        return redirect(url_for("auth.two_step_login"))
    form = CodeForm(prefix="manage")
    if form.validate_on_submit():
        checked, reason = _check_code(user, form)
        if checked is None:
            audit.record("account.two_step_code_failed", user, reason)
            db.session.commit()
        elif action == "recovery-codes":
            codes = two_step.new_recovery_codes(user)
            audit.record("account.recovery_codes", user, user.email)
            db.session.commit()
            flash(_("You have new recovery codes. The old ones no longer work."), "success")
            return render_template("auth/recovery_codes.html", codes=codes)
        elif action == "phone":
            two_step.start_setup(user, again=True)
            db.session.commit()
            flash(_("Scan the new QR code with the app on your other phone. Until then, your current app keeps working."),
                  "info")
            return redirect(url_for("auth.two_step_login"))
        else:
            two_step.switch_off(user)
            audit.record("account.two_step_off", user, user.email)
            db.session.commit()
            flash(_("Two-step login is off."), "success")
            return redirect(url_for("auth.two_step_login"))
    return _two_step_page(user, manage=form)


@localized(bp, "/staff/logout", methods=["POST"])
@login_required
def logout():
    """Log out here and on every other device (a POST with a CSRF token, so no other site can do it)."""
    form = LogoutForm()
    if form.validate_on_submit():
        log_out(current_user._get_current_object())
        db.session.commit()
        flash(_("You are logged out."), "info")
    return redirect(url_for("auth.login"))


@bp.before_app_request
def finish_account_setup_first():
    """Until an account is ready, its staff pages lead to what is missing: a password an administrator
    issued is changed first, then an administrator sets up two-step login (logging out always works)."""
    if (not is_staff_request() or not current_user.is_authenticated
            or request.endpoint in ("auth.logout", "auth.login", "auth.login_code")):
        return None
    if current_user.must_change_password:
        if request.endpoint != "staff.change_password":
            flash(_("Choose your own password first."), "info")
            return redirect(url_for("staff.change_password"))
    elif current_user.is_admin and not current_user.two_step:
        if request.endpoint not in ("auth.two_step_login", "auth.confirm_two_step"):
            flash(_("Administrators log in in two steps. Set it up first."), "info")
            return redirect(url_for("auth.two_step_login"))
    return None
