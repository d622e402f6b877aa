"""Staff pages for a person's rights: find, export and erase all data about one person."""

from __future__ import annotations

from flask import Blueprint, Response, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, HiddenField, StringField
from wtforms.validators import DataRequired, Email, Length, Optional

from events.models import utcnow
from participation.extensions import db, limiter
from participation.forms import require_one
from participation.i18n import localized
from participation.models import AuditEntry
from participation.privacy import person

bp = Blueprint("privacy", __name__)
limiter.limit("60 per minute", methods=["POST"])(bp)


class PersonForm(FlaskForm):
    email = EmailField(_l("E-mail address"), validators=[
        Optional(), Email(_l("Enter an e-mail address like name@example.be")), Length(max=254)])
    phone = StringField(_l("Phone number"), validators=[Optional(), Length(max=40)])

    def validate(self, extra_validators=None) -> bool:
        """An e-mail address or a phone number to search for."""
        valid = super().validate(extra_validators)
        return require_one(self.email, self.phone, _l("Enter an e-mail address or a phone number")) and valid


class EraseForm(FlaskForm):
    email = HiddenField()
    phone = HiddenField()
    confirm = BooleanField(_l("Yes, erase all these data. This cannot be undone."),
                           validators=[DataRequired(_l("Tick the box to confirm"))])


def _log(action: str, counts: dict[str, int]) -> None:
    """Who did what and how much; never the person's address or number, which would outlive the erasure."""
    db.session.add(AuditEntry(actor_id=current_user.id, actor_email=current_user.email, action=action,
                              subject_type="person", subject_id="",
                              summary=", ".join(f"{kind}: {count}" for kind, count in counts.items())))


@localized(bp, "/staff/privacy/", methods=["GET", "POST"])
def search():
    """Find everything about one person (a POST: addresses and numbers stay out of URLs and logs)."""
    form = PersonForm()
    found = None
    if form.validate_on_submit():
        found = person.find(form.email.data or "", form.phone.data or "")
        _log("privacy.search", {kind: len(rows) for kind, rows in found.items()})
        db.session.commit()
    erase_form = EraseForm(email=form.email.data, phone=form.phone.data, formdata=None)
    return render_template("privacy/search.html", form=form, found=found, erase_form=erase_form)


@localized(bp, "/staff/privacy/export", methods=["POST"])
def export():
    """Everything about the person to hand over: a ZIP with the data as JSON and the photos they sent."""
    form = PersonForm()
    if not form.validate_on_submit():
        flash(_("This form was open too long and has expired. Please try again."), "error")
        return redirect(url_for("privacy.search"))
    body, data = person.archive(form.email.data or "", form.phone.data or "", utcnow().isoformat() + "Z")
    _log("privacy.export", {kind: len(rows) for kind, rows in data.items()})
    db.session.commit()
    response = Response(body, mimetype="application/zip")
    response.headers["Content-Disposition"] = 'attachment; filename="personal-data.zip"'
    response.headers["Cache-Control"] = "no-store"
    return response


@localized(bp, "/staff/privacy/erase", methods=["POST"])
def erase():
    """Erase everything about the person, after an explicit confirmation."""
    form = EraseForm()
    if not form.validate_on_submit():
        search_form = PersonForm(email=form.email.data, phone=form.phone.data, formdata=None)
        found = person.find(form.email.data or "", form.phone.data or "")
        return render_template("privacy/search.html", form=search_form, found=found, erase_form=form)
    counts = person.erase(form.email.data or "", form.phone.data or "")
    _log("privacy.erase", counts)
    db.session.commit()
    flash(_("Erased: %(counts)s.", counts=", ".join(f"{k} {v}" for k, v in counts.items())), "success")
    return redirect(url_for("privacy.search"))
