"""Staff log in with e-mail and password; residents never need an account."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required, login_user, logout_user
from sqlalchemy import func, select

from events.models import utcnow
from participation.auth.forms import LoginForm
from participation.extensions import db, limiter
from participation.extensions import login as login_manager
from participation.forms import LogoutForm
from participation.i18n import localized
from participation.models import StaffUser, dummy_password_check

bp = Blueprint("auth", __name__)

login_manager.login_view = "auth.login"
login_manager.login_message = _l("Log in to see this page.")
login_manager.login_message_category = "info"
login_manager.session_protection = "strong"


@login_manager.user_loader
def load_user(user_id: str) -> StaffUser | None:
    return db.session.get(StaffUser, int(user_id))


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
        if user is None:
            dummy_password_check()
        if user is not None and user.active and user.check_password(form.password.data):
            user.last_login_at = utcnow()
            db.session.commit()
            login_user(user)
            return redirect(_safe_next(request.args.get("next")) or url_for("staff.dashboard"))
        form.password.errors.append(_("The e-mail address or the password is not right."))
    return render_template("auth/login.html", form=form)


@localized(bp, "/staff/logout", methods=["POST"])
@login_required
def logout():
    """Log out (a POST with a CSRF token, so no other site can do it)."""
    form = LogoutForm()
    if form.validate_on_submit():
        logout_user()
        flash(_("You are logged out."), "info")
    return redirect(url_for("auth.login"))
