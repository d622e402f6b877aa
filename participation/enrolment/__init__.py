"""Homework support: parents enrol their children, staff place them in groups, the data go after the school year.

routes.py has the public form (`bp`) and the staff pages (`staff_bp`); service.py stores, decides, tells
the parent and purges (`purge-expired` runs it with every other retention rule, daily).
"""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """The labels the templates and e-mails show."""
    from participation.enrolment import forms

    app.jinja_env.globals.update(
        school_labels=forms.SCHOOL_LABELS, group_school_labels=forms.GROUP_SCHOOL_LABELS,
        grade_labels=forms.GRADE_LABELS, enrolment_status_labels=forms.STATUS_LABELS,
        interpreter_labels=forms.INTERPRETER_LABELS)

