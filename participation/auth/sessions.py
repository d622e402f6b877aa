"""Staff sessions that the server can end: a session version per account, idle and absolute timeouts.

The session cookie is signed, not stored on the server, so a copy of it stays valid until the server
refuses it. The server refuses it when the account's `session_version` (part of the user id in the
session, see StaffUser.get_id) has moved on — logout, a new password, switching the account off and
an administrator's "end all sessions" all move it — and when the times kept in the session say it has
been idle or open too long.
"""

from __future__ import annotations

import time

from flask import current_app, session
from flask_login import login_user, logout_user

from participation.extensions import db
from participation.extensions import login as login_manager
from participation.models import StaffUser

LOGGED_IN_AT, SEEN_AT = "_login_at", "_seen_at"
# Flask-Login's keys and ours; what a refused session loses (the CSRF token stays, so a public form
# open in another tab still works).
_SESSION_KEYS = ("_user_id", "_fresh", "_id", LOGGED_IN_AT, SEEN_AT)


def _forget() -> None:
    for key in _SESSION_KEYS:
        session.pop(key, None)


@login_manager.user_loader
def load_user(user_id: str) -> StaffUser | None:
    """The account of this session, or None when its version, idle time or age refuses it."""
    account, _, version = user_id.partition(".")
    user = db.session.get(StaffUser, int(account)) if account.isdigit() else None
    now = int(time.time())
    logged_in_at, seen_at = session.get(LOGGED_IN_AT), session.get(SEEN_AT)
    if (user is None or version != str(user.session_version)
            or not isinstance(logged_in_at, int) or not isinstance(seen_at, int)
            or now - seen_at > current_app.config["SESSION_IDLE_TIMEOUT"]
            or now - logged_in_at > current_app.config["SESSION_ABSOLUTE_TIMEOUT"]):
        _forget()
        return None
    if now - seen_at >= 60:  # write the cookie again at most once a minute, not on every request
        session[SEEN_AT] = now
    return user


def start_session(user: StaffUser) -> None:
    """Log in with a new session: nothing of the one before survives, the CSRF token included."""
    session.clear()
    login_user(user)
    session[LOGGED_IN_AT] = session[SEEN_AT] = int(time.time())


def keep_this_session(user: StaffUser) -> None:
    """After a password change ended every session: this one goes on (with its login time)."""
    login_user(user)


def log_out(user: StaffUser) -> None:
    """Log out here and on every other device."""
    user.end_sessions()
    logout_user()
    session.clear()
