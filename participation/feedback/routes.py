"""Residents send a question, idea, complaint or report; staff triage, answer and count them."""

from __future__ import annotations

import csv
import datetime as dt
import io

from babel.dates import get_month_names
from flask import Blueprint, Response, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload
from werkzeug.exceptions import RequestEntityTooLarge

from events.models import TIMEZONE, utcnow
from participation import audit
from participation.extensions import db, limiter
from participation.feedback import photos, service
from participation.feedback.forms import (CATEGORY_LABELS, KIND_LABELS, STATUS_LABELS, AnswerForm, AssignForm,
                                          FeedbackForm, FilterForm, NoteForm, StatusForm, known_streets, period)
from participation.feedback.models import (MAX_MESSAGE, Feedback, FeedbackCategory, FeedbackNote, FeedbackPhoto,
                                           FeedbackStatus, FeedbackTally)
from participation.forms import spreadsheet_safe
from participation.i18n import current_language, localized
from participation.models import StaffUser

bp = Blueprint("feedback", __name__)
# Few people write more than a message or two a day; a robot writes many.
limiter.limit("5 per minute;30 per day", methods=["POST"])(bp)

staff_bp = Blueprint("feedback_staff", __name__)
limiter.limit("60 per minute", methods=["POST"])(staff_bp)

# A phone photo is often larger than the photo limit: the request may be this much larger, so the
# form can still be read and the resident keeps what they typed (Werkzeug spools files to disk).
UPLOAD_ALLOWANCE = 4


@bp.app_context_processor
def feedback_labels() -> dict:
    """The translated names of kinds, topics and statuses, for pages and e-mails."""
    return {"feedback_kinds": KIND_LABELS, "feedback_categories": CATEGORY_LABELS,
            "feedback_statuses": STATUS_LABELS}


def _private(response: Response) -> Response:
    """A page that only the holder of the link may see: never cached, never indexed."""
    response.headers["Cache-Control"] = "private, no-store"
    response.headers["X-Robots-Tag"] = "noindex"
    return response


def _retention() -> dict[str, str]:
    """The retention periods as the form states them, from the same settings the purge uses."""
    config = current_app.config
    return {"contact": period(config["FEEDBACK_CONTACT_RETENTION_MONTHS"]),
            "message": period(config["FEEDBACK_RETENTION_MONTHS"])}


def _max_mb() -> str:
    """The photo limit in megabytes, as people read it: '5'."""
    return f"{current_app.config['FEEDBACK_PHOTO_MAX_BYTES'] / (1024 * 1024):g}"


def _form_page(form: FeedbackForm, status: int = 200, photo_dropped: bool = False):
    """The form, with the streets to choose from and what we keep for how long."""
    return render_template("feedback/form.html", form=form, streets=known_streets(), retention=_retention(),
                           max_mb=_max_mb(), max_message=MAX_MESSAGE, photo_dropped=photo_dropped), status


def _photo_error(reason: str) -> str:
    """What is wrong with the photo, and that it must be chosen again (a browser cannot refill it)."""
    if reason == "size":
        return _("The photo is larger than %(size)s MB. Choose a smaller photo, and choose it again.",
                 size=_max_mb())
    if reason == "pixels":
        return _("The photo has too many pixels. Choose a smaller photo, and choose it again.")
    return _("This file is not a photo in JPEG, PNG or WebP format. Choose another file, and choose it again.")


@localized(bp, "/feedback/", methods=["GET", "POST"])
def send():
    """The form: a question, idea, complaint or report, anonymous unless the resident wants an answer."""
    if request.method == "POST":
        photo_max = current_app.config["FEEDBACK_PHOTO_MAX_BYTES"]
        request.max_content_length = max(current_app.config.get("MAX_CONTENT_LENGTH") or 0,
                                         UPLOAD_ALLOWANCE * photo_max)
        try:
            request.files  # reads the whole request, so one too large to read fails here
        except RequestEntityTooLarge:
            # Too large to read at all: what was typed is lost; say so next to the photo.
            form = FeedbackForm(formdata=None)
            form.photo.errors = [_photo_error("size") + " " + _("We could not keep what you typed. "
                                                                 "Please write your message again.")]
            return _form_page(form, 413)
    form = FeedbackForm()
    if request.method == "GET":
        return _form_page(form)
    if form.filled_by_robot():
        # Only a robot fills the hidden field: it is told "thank you" and nothing is stored.
        return redirect(url_for("feedback.thanks"))
    existing = service.by_submission(form.submission_id.data)
    if existing is not None:  # sent twice (a double click, or "back" and send again)
        return redirect(url_for("feedback.status", token=existing.token, new=1))
    valid = form.validate_on_submit()
    photo = None
    upload = request.files.get(form.photo.name)
    if upload is not None and upload.filename:
        try:
            photo = photos.clean(photos.read_limited(upload.stream, current_app.config["FEEDBACK_PHOTO_MAX_BYTES"]))
        except photos.PhotoError as error:
            form.photo.errors = [_photo_error(error.reason)]
            valid = False
    if not valid:
        # A browser never fills in a file field again: a good photo must be chosen once more.
        return _form_page(form, photo_dropped=photo is not None)
    feedback = service.store(form, current_language(), photo)
    db.session.commit()  # the message, its photo and its confirmation e-mail together
    return redirect(url_for("feedback.status", token=feedback.token, new=1))


@localized(bp, "/feedback/thanks")
def thanks():
    """A thank-you without a reference: where the robot trap leads."""
    return render_template("feedback/thanks.html")


@localized(bp, "/feedback/<token>/")
def status(token: str):
    """The resident's private page: the reference, the status, and the answer once there is one."""
    feedback = db.session.scalar(select(Feedback).where(Feedback.token == token))
    if feedback is None:
        abort(404)
    return _private(Response(render_template(
        "feedback/status.html", feedback=feedback, new=request.args.get("new"), link=service.status_url(feedback),
        retention=_retention())))


# --- staff ---------------------------------------------------------------------------------------


@localized(staff_bp, "/staff/feedback/")
def index():
    """Every message, the newest first, filtered by status, topic, street and language."""
    filters = FilterForm(formdata=request.args)
    chosen = filters.chosen()
    query = select(Feedback).options(selectinload(Feedback.assignee)).order_by(Feedback.created_at.desc(),
                                                                               Feedback.id.desc())
    if "status" in chosen:
        query = query.where(Feedback.status == chosen["status"])
    if "category" in chosen:
        query = query.where(Feedback.category == chosen["category"])
    if "street" in chosen:
        query = query.where(func.lower(Feedback.street) == chosen["street"].lower())
    if "language" in chosen:
        query = query.where(Feedback.language == chosen["language"])
    rows = db.session.scalars(query).all()
    counts = dict(db.session.execute(select(Feedback.status, func.count()).group_by(Feedback.status)).all())
    return render_template("feedback/staff_index.html", rows=rows, filters=filters, filtered=bool(chosen),
                           counts=counts)


def _detail_page(feedback: Feedback, *, status_form: StatusForm | None = None,
                 assign_form: AssignForm | None = None, note_form: NoteForm | None = None,
                 answer_form: AnswerForm | None = None):
    """One message with its four forms; a form sent with errors is shown again with them."""
    if audit.record_view("feedback", feedback, feedback.reference):
        db.session.commit()  # the look is on record, whatever happens next
    return render_template(
        "feedback/staff_detail.html", feedback=feedback,
        status_form=status_form or StatusForm(formdata=None, prefix="status", status=feedback.status),
        assign_form=assign_form or AssignForm(formdata=None, prefix="assign",
                                              assignee=str(feedback.assignee_id or "")),
        note_form=note_form or NoteForm(formdata=None, prefix="note"),
        answer_form=answer_form or AnswerForm(formdata=None, prefix="answer", text=feedback.public_answer),
        link=service.status_url(feedback), retention=_retention())


def _staff_feedback(feedback_id: int) -> Feedback:
    """The message, or 404."""
    return db.get_or_404(Feedback, feedback_id)


@localized(staff_bp, "/staff/feedback/<int:feedback_id>")
def detail(feedback_id: int):
    """One message: what the resident wrote, the photo, and the triage."""
    return _detail_page(_staff_feedback(feedback_id))


@localized(staff_bp, "/staff/feedback/<int:feedback_id>/status", methods=["POST"])
def change_status(feedback_id: int):
    """New, in progress, answered or closed; closing starts the retention periods."""
    feedback = _staff_feedback(feedback_id)
    form = StatusForm(prefix="status")
    valid = form.validate_on_submit()
    if valid and form.status.data == FeedbackStatus.ANSWERED and not feedback.public_answer:
        form.status.errors.append(_("Write an answer below first: the resident sees it on their page."))
        valid = False
    if not valid:
        return _detail_page(feedback, status_form=form)
    before = feedback.status
    if before != form.status.data:
        feedback.set_status(FeedbackStatus(form.status.data))
        audit.record("feedback.status", feedback, f"{feedback.reference}: {before} → {feedback.status}")
        db.session.commit()
    flash(_("The status is saved."), "success")
    return redirect(url_for("feedback_staff.detail", feedback_id=feedback.id))


@localized(staff_bp, "/staff/feedback/<int:feedback_id>/assign", methods=["POST"])
def assign(feedback_id: int):
    """Give the message to a colleague to follow up (or to nobody)."""
    feedback = _staff_feedback(feedback_id)
    form = AssignForm(prefix="assign")
    if not form.validate_on_submit():
        return _detail_page(feedback, assign_form=form)
    assignee_id = int(form.assignee.data) if form.assignee.data else None
    if assignee_id != feedback.assignee_id:
        feedback.assignee_id = assignee_id
        feedback.updated_at = utcnow()
        who = db.session.get(StaffUser, assignee_id).email if assignee_id else "nobody"
        audit.record("feedback.assign", feedback, f"{feedback.reference}: {who}")
        db.session.commit()
    flash(_("Saved: who follows this up."), "success")
    return redirect(url_for("feedback_staff.detail", feedback_id=feedback.id))


@localized(staff_bp, "/staff/feedback/<int:feedback_id>/notes", methods=["POST"])
def add_note(feedback_id: int):
    """An internal note for colleagues; the resident never sees it."""
    feedback = _staff_feedback(feedback_id)
    form = NoteForm(prefix="note")
    if not form.validate_on_submit():
        return _detail_page(feedback, note_form=form)
    note = FeedbackNote(feedback=feedback, author_id=current_user.id, text=form.text.data.strip())
    db.session.add(note)
    feedback.updated_at = utcnow()
    # The audit log outlives the message: it says that a note was added, never what it says.
    audit.record("feedback.note", feedback, feedback.reference)
    db.session.commit()
    flash(_("The note is saved."), "success")
    return redirect(url_for("feedback_staff.detail", feedback_id=feedback.id, _anchor="notes"))


@localized(staff_bp, "/staff/feedback/<int:feedback_id>/answer", methods=["POST"])
def answer(feedback_id: int):
    """The answer the resident reads on their private page, and by e-mail when they left an address."""
    feedback = _staff_feedback(feedback_id)
    form = AnswerForm(prefix="answer")
    if not form.validate_on_submit():
        return _detail_page(feedback, answer_form=form)
    text = form.text.data.strip()
    if text == feedback.public_answer:  # sent twice: the resident is told once
        flash(_("The answer is saved."), "success")
        return redirect(url_for("feedback_staff.detail", feedback_id=feedback.id))
    feedback.answer(text)
    audit.record("feedback.answer", feedback, feedback.reference)
    mailed = service.tell_resident(feedback, "feedback_answered")
    db.session.commit()
    if mailed:
        flash(_("The answer is saved. The resident gets it by e-mail in their language."), "success")
    elif feedback.must_be_called:
        flash(_("The answer is saved. Call the resident to tell them: see above."), "success")
    else:
        flash(_("The answer is saved. The resident can read it on their private page."), "success")
    return redirect(url_for("feedback_staff.detail", feedback_id=feedback.id))


@localized(staff_bp, "/staff/feedback/<int:feedback_id>/photo")
def show_photo(feedback_id: int):
    """The cleaned photo, for staff only; never cached on a shared computer."""
    stored = db.session.scalar(select(FeedbackPhoto).where(FeedbackPhoto.feedback_id == feedback_id))
    if stored is None:
        abort(404)
    if audit.record_view("feedback_photo", _staff_feedback(feedback_id)):
        db.session.commit()  # the look is on record, whatever happens next
    response = Response(stored.data, mimetype=stored.content_type)
    response.headers["Cache-Control"] = "private, no-store"
    response.headers["Content-Disposition"] = "inline"
    return response


# --- report ----------------------------------------------------------------------------------------


def _report_year() -> int:
    """The year asked for, or this year in Brussels."""
    this_year = dt.datetime.now(TIMEZONE).year
    year = request.args.get("year", type=int)
    return year if year and 2000 <= year <= this_year + 1 else this_year


def counts_per_month(year: int) -> dict[str, list[int]]:
    """For each topic, the number of messages received in each month of `year` (Brussels time)."""
    # A day either side in UTC covers the hours Brussels is ahead; the exact month is decided below.
    start = dt.datetime(year, 1, 1) - dt.timedelta(days=1)
    end = dt.datetime(year + 1, 1, 1) + dt.timedelta(days=1)
    counts = {category.value: [0] * 12 for category in FeedbackCategory}
    rows = db.session.execute(select(Feedback.category, Feedback.created_at)
                              .where(Feedback.created_at >= start, Feedback.created_at < end))
    for category, created_at in rows:
        local = created_at.replace(tzinfo=dt.UTC).astimezone(TIMEZONE)
        if local.year == year:
            counts.setdefault(category, [0] * 12)[local.month - 1] += 1
    # Messages already erased (retention or a resident's request) still count.
    for tally in db.session.scalars(select(FeedbackTally).where(FeedbackTally.year == year)):
        counts.setdefault(tally.category, [0] * 12)[tally.month - 1] += tally.count
    return counts


def _years_with_feedback(shown: int) -> list[int]:
    """The years to choose from, newest first: from the first message to this year, and the one shown."""
    first = db.session.scalar(select(func.min(Feedback.created_at)))
    this_year = dt.datetime.now(TIMEZONE).year
    return sorted({*range(first.year if first else this_year, this_year + 1), shown}, reverse=True)


@localized(staff_bp, "/staff/feedback/report")
def report():
    """Messages per topic and month for the steering group's yearly report: a table and bars."""
    year = _report_year()
    counts = counts_per_month(year)
    short = get_month_names("abbreviated", locale=get_locale())
    wide = get_month_names("wide", locale=get_locale())
    months = [(short[number], wide[number]) for number in range(1, 13)]
    month_totals = [sum(column) for column in zip(*counts.values())]
    return render_template("feedback/report.html", year=year, years=_years_with_feedback(year), counts=counts,
                           months=months, month_totals=month_totals, total=sum(month_totals),
                           per_topic=[(str(CATEGORY_LABELS.get(category, category)), sum(row))
                                      for category, row in counts.items()],
                           per_month=[(name, total) for (_short, name), total in zip(months, month_totals)])


@localized(staff_bp, "/staff/feedback/report.csv")
def report_csv():
    """The same table as CSV that a spreadsheet opens with Turkish and Bulgarian letters intact."""
    year = _report_year()
    counts = counts_per_month(year)
    months = get_month_names("wide", locale=get_locale())
    buffer = io.StringIO()
    # Semicolons: what a spreadsheet in Belgium expects; the BOM tells it the file is UTF-8.
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow([_("Topic"), *(spreadsheet_safe(months[n]) for n in range(1, 13)), _("Total")])
    for category, row in counts.items():
        label = CATEGORY_LABELS.get(category, category)
        writer.writerow([spreadsheet_safe(str(label)), *row, sum(row)])
    month_totals = [sum(column) for column in zip(*counts.values())]
    writer.writerow([_("Total"), *month_totals, sum(month_totals)])
    response = Response("\ufeff" + buffer.getvalue(), mimetype="text/csv")
    response.charset = "utf-8"
    response.headers["Content-Disposition"] = f'attachment; filename="feedback-{year}.csv"'
    return response

