"""Storing a message and telling the resident, safe against a double click; flush only, the views commit."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from participation import outbox
from participation.extensions import db
from participation.i18n import public_url
from participation.feedback.forms import FeedbackForm, canonical_street
from participation.feedback.models import Feedback, FeedbackPhoto
from participation.feedback.photos import CleanPhoto
from participation.phone import normalise_phone


def status_url(feedback: Feedback) -> str:
    """The private status page, in the resident's language."""
    return public_url("feedback.status", token=feedback.token, lang=feedback.reply_language)


def tell_resident(feedback: Feedback, template: str) -> bool:
    """Queue an e-mail in the resident's language; False when they left no address."""
    if not feedback.wants_answer:
        return False
    message = outbox.queue(feedback.contact_email, feedback.reply_language, template, subject_type="feedback",
                           subject_id=feedback.id, feedback=feedback, link=status_url(feedback))
    return message is not None


def by_submission(submission_id: str | None) -> Feedback | None:
    """The message a filled-in form already made, if any."""
    if not submission_id:
        return None
    return db.session.scalar(select(Feedback).where(Feedback.submission_id == submission_id))


def store(form: FeedbackForm, language: str, photo: CleanPhoto | None) -> Feedback:
    """Store the message (and photo, and the confirmation e-mail); flush only, the view commits.

    A second send finds the first: should it win the race on the submission id, only this one's rows
    (in a savepoint) are undone and the first is returned."""
    wants_answer = bool(form.wants_answer.data)
    feedback = Feedback(
        submission_id=form.submission_id.data,
        kind=form.kind.data,
        category=form.category.data,
        message=form.message.data.strip(),
        street=canonical_street(form.street.data or ""),
        language=language,
        wants_answer=wants_answer,
    )
    if wants_answer:  # without the box ticked, whatever was typed in the contact fields is dropped
        feedback.contact_name = form.contact_name.data.strip()
        feedback.contact_email = (form.contact_email.data or "").strip()
        feedback.contact_phone = normalise_phone(form.contact_phone.data or "")
        feedback.answer_language = form.answer_language.data or language
    if photo is not None:
        feedback.photo = FeedbackPhoto(content_type=photo.content_type, data=photo.data, width=photo.width,
                                       height=photo.height)
    try:
        with db.session.begin_nested():
            db.session.add(feedback)
            db.session.flush()
    except IntegrityError:
        # The same form sent twice at the same moment: the first one was stored.
        existing = by_submission(form.submission_id.data)
        if existing is None:
            raise
        return existing
    tell_resident(feedback, "feedback_received")
    db.session.flush()
    return feedback
