"""Staff log in with e-mail and password; residents never need an account."""

from __future__ import annotations

import datetime as dt
import re
from urllib.parse import urlsplit

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import format_time
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from itsdangerous import BadSignature, URLSafeTimedSerializer
from sqlalchemy import func, select

from events.models import utcnow
from participation.auth.forms import LoginForm
from participation.auth.models import LoginThrottle, throttle_key
from participation.auth.sessions import load_user, log_out, start_session  # noqa: F401  (load_user: registered)
from participation.extensions import db, limiter
from participation.extensions import login as login_manager
from participation.forms import LogoutForm
from participation.i18n import localized
from participation.models import AuditEntry, StaffUser, dummy_password_check

bp = Blueprint("auth", __name__)

login_manager.login_view = "auth.login"
login_manager.login_message = _l("Log in to see this page.")
login_manager.login_message_category = "info"
login_manager.session_protection = "strong"

# A device that logged in to an account before is not slowed down by other people's failed
# attempts on that account (OWASP's "device cookie"): the owner is never locked out from their own
# computer, while the per-IP limits still hold for everybody.
DEVICE_MAX_AGE = 180 * 24 * 3600
_STAFF_PATH = re.compile(r"^/(?:(?:tr|bg)/)?staff/")


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


def _audit_login(action: str, user: StaffUser | None, email: str, summary: str) -> None:
    """A login or a failed one in the audit log: the account (or the e-mail typed), never the password."""
    db.session.add(AuditEntry(actor_id=user.id if user else None, actor_email=email[:254], action=action,
                              subject_type="StaffUser", subject_id=str(user.id) if user else "",
                              summary=summary))


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
        throttle = LoginThrottle.find(db.session, key)
        wait_until = throttle.wait_until() if throttle and not _known_device(user) else None
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
            LoginThrottle.succeeded(db.session, key)
            user.last_login_at = utcnow()
            start_session(user)
            _audit_login("login", user, user.email, "")
            db.session.commit()
            response = redirect(_safe_next(request.args.get("next")) or url_for("staff.dashboard"))
            response.set_cookie(current_app.config["DEVICE_COOKIE_NAME"], _devices().dumps(user.id),
                                max_age=DEVICE_MAX_AGE, path="/", secure=current_app.config["SESSION_COOKIE_SECURE"],
                                httponly=True, samesite="Lax")
            return response
        LoginThrottle.failed(db.session, key)
        reason = "unknown e-mail address" if user is None else (
            "account switched off" if not user.active else "wrong password")
        _audit_login("login_failed", user, email, reason)
        db.session.commit()
        form.password.errors.append(_("The e-mail address or the password is not right."))
    return render_template("auth/login.html", form=form)


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
def change_issued_password_first():
    """An account with a password an administrator issued can only change it (and log out) until then."""
    if (_STAFF_PATH.match(request.path) and current_user.is_authenticated
            and current_user.must_change_password
            and request.endpoint not in ("staff.change_password", "auth.logout", "auth.login")):
        flash(_("Choose your own password first."), "info")
        return redirect(url_for("staff.change_password"))
    return None
