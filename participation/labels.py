"""Translated names of the things staff choose from; the stored values stay language-neutral."""

from flask_babel import lazy_gettext as _l

from events.models import Category, Status

CATEGORY_LABELS = {
    Category.ACTIVITY: _l("Activity"),
    Category.HOMEWORK: _l("Homework support"),
    Category.INFO_SESSION: _l("Information session"),
    Category.MEETING: _l("Meeting"),
}

STATUS_LABELS = {
    Status.DRAFT: _l("Draft"),
    Status.PUBLISHED: _l("Published"),
    Status.CANCELLED: _l("Cancelled"),
}

WEEKDAY_LABELS = {
    "MO": _l("Monday"), "TU": _l("Tuesday"), "WE": _l("Wednesday"), "TH": _l("Thursday"),
    "FR": _l("Friday"), "SA": _l("Saturday"), "SU": _l("Sunday"),
}

LANGUAGE_LABELS = {"nl": _l("Dutch"), "tr": _l("Turkish"), "bg": _l("Bulgarian")}

# Keyed by the stored value (participation.models.Role), so this module needs no model import.
ROLE_LABELS = {
    "agenda": _l("Agenda: events, their sign-up lists and attendance"),
    "homework": _l("Homework support: groups and the children's enrolments"),
    "feedback": _l("Feedback: residents' reports, contact details and photos"),
    "admin": _l("Administrator: accounts, personal data, audit log, e-mail not sent"),
}
