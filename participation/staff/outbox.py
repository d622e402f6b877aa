"""E-mail that could not be sent: administrators see why, and send it again or drop it."""

from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _
from sqlalchemy import or_, select

from participation import audit
from participation.extensions import db
from participation.forms import ConfirmForm
from participation.i18n import localized
from participation.outbox import OutboxMessage, retry
from participation.staff.routes import bp

DELAYED_AFTER = 3  # attempts: a message still waiting after these is shown too (the server away for a while)


@localized(bp, "/staff/outbox/")
def outbox():
    """Failed messages, and messages still waiting after several tries, the oldest first."""
    messages = db.session.scalars(
        select(OutboxMessage).where(OutboxMessage.sent_at.is_(None),
                                    or_(OutboxMessage.failed_at.is_not(None),
                                        OutboxMessage.attempts >= DELAYED_AFTER))
        .order_by(OutboxMessage.created_at, OutboxMessage.id).limit(500)).all()
    return render_template("staff/outbox.html", messages=messages, confirm=ConfirmForm())


def _unsent_or_404(message_id: int) -> OutboxMessage:
    message = db.get_or_404(OutboxMessage, message_id)
    if message.sent_at is not None:
        flash(_("This e-mail has been sent in the meantime."), "info")
    return message


@localized(bp, "/staff/outbox/<int:message_id>/retry", methods=["POST"])
def retry_message(message_id: int):
    """Send a failed e-mail again (after the address or the mail server was put right)."""
    message = _unsent_or_404(message_id)
    if message.sent_at is None and ConfirmForm().validate_on_submit():
        retry(message)
        audit.record("outbox.retry", message, message.kind)
        db.session.commit()
        flash(_("The e-mail will be sent again in a moment."), "success")
    return redirect(url_for("staff.outbox"))


@localized(bp, "/staff/outbox/<int:message_id>/drop", methods=["POST"])
def drop_message(message_id: int):
    """Give up on an e-mail: it is deleted and never sent."""
    message = _unsent_or_404(message_id)
    if message.sent_at is None and ConfirmForm().validate_on_submit():
        audit.record("outbox.drop", message, message.kind)
        db.session.delete(message)
        db.session.commit()
        flash(_("The e-mail is deleted and will not be sent."), "success")
    return redirect(url_for("staff.outbox"))
