"""Who may open which staff page: one table (ROUTE_ROLES), one check before every request.

A staff page that is not in the table is refused to everyone (deny by default), so a new page is
closed until somebody decides who needs it. README's role × page table is this table by hand;
tests/test_roles.py checks the two agree and walks every staff page with every role.
"""

from __future__ import annotations

import re

from flask import Flask, abort, request
from flask_login import current_user

from participation.extensions import login
from participation.models import Role

PUBLIC = "public"  # no login needed: the login page itself
ANY_STAFF = "any staff"  # any logged-in account, whatever its roles

AGENDA, HOMEWORK, FEEDBACK, ADMIN = (Role.AGENDA,), (Role.HOMEWORK,), (Role.FEEDBACK,), (Role.ADMIN,)

ROUTE_ROLES: dict[str, str | tuple[Role, ...]] = {
    "auth.login": PUBLIC,
    "auth.login_code": PUBLIC,  # the second step: the session holds only "password right", checked there
    "auth.two_step_login": ANY_STAFF,
    "auth.confirm_two_step": ANY_STAFF,
    "auth.change_two_step": ANY_STAFF,
    "auth.logout": ANY_STAFF,
    "staff.dashboard": ANY_STAFF,
    "staff.change_password": ANY_STAFF,
    # agenda: events, their sign-up lists, attendance and CSV
    "staff.create_event": AGENDA,
    "staff.edit_event": AGENDA,
    "staff.publish_event": AGENDA,
    "staff.cancel_event": AGENDA,
    "staff.delete_event": AGENDA,
    "staff.event_dates": AGENDA,
    "staff.cancel_date": AGENDA,
    "staff.move_date": AGENDA,
    "staff.restore_date": AGENDA,
    "staff.call_list": AGENDA,
    "signups.staff_list": AGENDA,
    "signups.staff_cancel": AGENDA,
    "signups.staff_cancel_batch": AGENDA,
    "signups.attendance": AGENDA,
    "signups.export_csv": AGENDA,
    # homework: groups and the children's enrolments
    "homework_staff.index": HOMEWORK,
    "homework_staff.create_group": HOMEWORK,
    "homework_staff.edit_group": HOMEWORK,
    "homework_staff.group_list": HOMEWORK,
    "homework_staff.review": HOMEWORK,
    "homework_staff.decide": HOMEWORK,
    "homework_staff.called": HOMEWORK,
    "homework_staff.record_intake": HOMEWORK,
    # feedback: residents' reports, contact details and photos, the yearly report
    "feedback_staff.index": FEEDBACK,
    "feedback_staff.detail": FEEDBACK,
    "feedback_staff.change_status": FEEDBACK,
    "feedback_staff.assign": FEEDBACK,
    "feedback_staff.add_note": FEEDBACK,
    "feedback_staff.answer": FEEDBACK,
    "feedback_staff.show_photo": FEEDBACK,
    "feedback_staff.report": FEEDBACK,
    "feedback_staff.report_csv": FEEDBACK,
    # admin: accounts, a person's data (GDPR), the audit log, e-mail not sent
    "staff.accounts": ADMIN,
    "staff.change_account": ADMIN,
    "staff.change_roles": ADMIN,
    "staff.issue_password": ADMIN,
    "staff.end_sessions": ADMIN,
    "staff.audit_log": ADMIN,
    "staff.outbox": ADMIN,
    "staff.retry_message": ADMIN,
    "staff.drop_message": ADMIN,
    "privacy.search": ADMIN,
    "privacy.export": ADMIN,
    "privacy.erase": ADMIN,
}

_LANGUAGE_PREFIX = re.compile(r"^/<any\([^)]*\):lang>")


def is_staff_rule(rule: str) -> bool:
    """Whether a URL rule is in the staff area (/staff/…, /tr/staff/…)."""
    path = _LANGUAGE_PREFIX.sub("", rule)
    return path == "/staff" or path.startswith("/staff/")


def is_staff_request() -> bool:
    """Whether this request is for a page of the staff area (routed: a 404 is nobody's page)."""
    return request.url_rule is not None and is_staff_rule(request.url_rule.rule)


def may_open(user, endpoint: str) -> bool:
    """Whether `user` (logged in or not) may open `endpoint`, as ROUTE_ROLES says."""
    needed = ROUTE_ROLES.get(endpoint)
    if needed is None:
        return False
    if needed == PUBLIC:
        return True
    if not user.is_authenticated:
        return False
    return needed == ANY_STAFF or user.has_role(*needed)


def check_access():
    """Before every request: a staff page opens only for the roles ROUTE_ROLES gives it."""
    if request.url_rule is None:
        return None  # not found, or the wrong method: the error page follows
    endpoint = request.endpoint
    if endpoint not in ROUTE_ROLES:
        if is_staff_rule(request.url_rule.rule):
            abort(403)  # a staff page nobody decided about
        return None
    if ROUTE_ROLES[endpoint] != PUBLIC and not current_user.is_authenticated:
        return login.unauthorized()  # to the login page, and back after
    if not may_open(current_user, endpoint):
        abort(403)
    return None


def init_app(app: Flask) -> None:
    """Check every request; templates ask `may_open_page('endpoint')` to show only what opens."""
    app.before_request(check_access)
    app.jinja_env.globals["may_open_page"] = lambda endpoint: may_open(current_user, endpoint)
