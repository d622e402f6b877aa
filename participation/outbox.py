"""E-mail that is never lost: messages are stored with the change that causes them, then sent.

`queue()` adds a message to the current database transaction, so it exists exactly when the
sign-up (or enrolment, or decision) it tells about exists. `deliver_due()` (run by the worker,
`flask outbox-worker`) sends what is due, with back-off when the mail server is away. A message
is claimed before it is sent, so several workers never send the same message.

While the mail server is away a message waits as long as it takes. Any other failure (the server
refuses it for good, or the message cannot be built) is tried OUTBOX_MAX_ATTEMPTS times at most and
then marked failed: it no longer blocks anything, and staff see it at /staff/outbox/ with the
reason, to send again or to drop. No single message can stop the worker.
"""

from __future__ import annotations

import datetime as dt
import smtplib
import time
import uuid
from email.message import EmailMessage
from email.utils import formatdate

from flask import current_app, render_template
from flask_babel import force_locale
from sqlalchemy import DateTime, Integer, String, Text, delete, or_, select, update
from sqlalchemy.orm import Mapped, mapped_column

from events.models import Base, utcnow
from participation.extensions import db
from participation.i18n import public_host
from participation.mail_text import body_text, header_text

MAX_BACKOFF = dt.timedelta(hours=1)
CLAIM_FOR = dt.timedelta(minutes=5)


class OutboxMessage(Base):
    """One e-mail to send, in the recipient's language."""

    __tablename__ = "outbox_message"

    id: Mapped[int] = mapped_column(primary_key=True)
    message_id: Mapped[str] = mapped_column(String(120), unique=True)
    recipient: Mapped[str] = mapped_column(String(254))
    subject: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    language: Mapped[str] = mapped_column(String(2))
    kind: Mapped[str] = mapped_column(String(40))
    subject_type: Mapped[str] = mapped_column(String(40), default="")  # what it is about, for erasure
    subject_id: Mapped[int | None] = mapped_column(Integer, index=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow, index=True)
    claimed_until: Mapped[dt.datetime | None] = mapped_column(DateTime)
    sent_at: Mapped[dt.datetime | None] = mapped_column(DateTime, index=True)
    last_error: Mapped[str] = mapped_column(Text, default="")
    failed_at: Mapped[dt.datetime | None] = mapped_column(DateTime, index=True)  # given up: staff decide


def queue(recipient: str, language: str, template: str, *, subject_type: str = "",
          subject_id: int | None = None, **context) -> OutboxMessage | None:
    """Render `mail/<template>.txt` in `language` and add it to the current transaction."""
    if not recipient:
        return None
    with force_locale(language):
        rendered = render_template(f"mail/{template}.txt", lang=language, **context)
    subject, _, body = rendered.strip().partition("\n")
    host = public_host()
    message = OutboxMessage(
        message_id=f"<{uuid.uuid4().hex}@{host}>", recipient=header_text(recipient, 254),
        subject=header_text(subject), body=body_text(body).strip() + "\n", language=language, kind=template,
        subject_type=subject_type, subject_id=subject_id,
    )
    db.session.add(message)
    return message


def forget(subject_type: str, subject_ids) -> int:
    """Delete every e-mail about these rows (sent or not): what goes with a person goes with them."""
    return db.session.execute(delete(OutboxMessage).where(
        OutboxMessage.subject_type == subject_type, OutboxMessage.subject_id.in_(subject_ids))).rowcount


def _claim(now: dt.datetime) -> OutboxMessage | None:
    """Take one due message for this worker; no other worker takes it while the claim lasts."""
    due = select(OutboxMessage.id).where(
        OutboxMessage.sent_at.is_(None), OutboxMessage.failed_at.is_(None),
        OutboxMessage.next_attempt_at <= now,
        or_(OutboxMessage.claimed_until.is_(None), OutboxMessage.claimed_until < now),
    ).order_by(OutboxMessage.next_attempt_at, OutboxMessage.id).limit(1)
    if db.engine.dialect.name == "postgresql":
        due = due.with_for_update(skip_locked=True)
    message_id = db.session.scalar(due)
    if message_id is None:
        db.session.rollback()
        return None
    # The conditional update is the claim: of two workers that saw the same row, one wins.
    claimed = db.session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id == message_id, OutboxMessage.sent_at.is_(None),
               or_(OutboxMessage.claimed_until.is_(None), OutboxMessage.claimed_until < now))
        .values(claimed_until=now + CLAIM_FOR, attempts=OutboxMessage.attempts + 1)
    ).rowcount
    db.session.commit()
    return db.session.get(OutboxMessage, message_id) if claimed else None


def build(message: OutboxMessage, sender: str) -> EmailMessage:
    """The e-mail as it goes out; every header value cleaned again (rows may predate the cleaning)."""
    email = EmailMessage()
    email["From"] = header_text(sender, 254)
    email["To"] = header_text(message.recipient, 254)
    email["Subject"] = header_text(message.subject)
    email["Message-ID"] = header_text(message.message_id, 200)
    email["Date"] = formatdate(localtime=False)
    email.set_content(body_text(message.body))
    email["Content-Language"] = header_text(message.language, 8)  # after set_content, which resets Content-*
    return email


def _send(message: OutboxMessage) -> None:
    config = current_app.config
    email = build(message, config["MAIL_FROM"])
    with smtplib.SMTP(config["MAIL_SERVER"], config["MAIL_PORT"], timeout=config.get("MAIL_TIMEOUT", 10)) as smtp:
        if config.get("MAIL_USE_TLS"):
            smtp.starttls()
        if config.get("MAIL_USERNAME"):
            smtp.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"])
        smtp.send_message(email)


def backoff(attempts: int) -> dt.timedelta:
    """1, 2, 4, 8 … minutes after each failed attempt, at most an hour."""
    return min(dt.timedelta(minutes=2 ** max(attempts - 1, 0)), MAX_BACKOFF)


def _server_away(error: Exception) -> bool:
    """The mail server could not be reached, asked us to come back later (4xx), or refuses our account or
    sender address (a setting to fix, not this message's fault): wait, never give up."""
    if isinstance(error, (smtplib.SMTPAuthenticationError, smtplib.SMTPSenderRefused)):
        return True
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        return all(400 <= code < 500 for code, _ in error.recipients.values())
    if isinstance(error, smtplib.SMTPResponseException):
        return 400 <= error.smtp_code < 500
    return isinstance(error, (OSError, smtplib.SMTPServerDisconnected, smtplib.SMTPConnectError))


def _permanent(error: Exception) -> bool:
    """The server refused this message for good (5xx): trying again changes nothing."""
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        return any(code >= 500 for code, _ in error.recipients.values())
    if isinstance(error, (smtplib.SMTPAuthenticationError, smtplib.SMTPSenderRefused)):
        return False
    return isinstance(error, smtplib.SMTPResponseException) and error.smtp_code >= 500


def _record_failure(message: OutboxMessage, error: Exception, moment: dt.datetime) -> None:
    """Try again later, or give up on this message (staff see it) when it cannot be sent."""
    message.last_error = f"{type(error).__name__}: {error}"[:2000]
    message.claimed_until = None
    gives_up = _permanent(error) or (
        not _server_away(error) and message.attempts >= current_app.config["OUTBOX_MAX_ATTEMPTS"])
    if gives_up:
        message.failed_at = moment
    else:
        message.next_attempt_at = moment + backoff(message.attempts)


def deliver_due(now: dt.datetime | None = None, limit: int = 100) -> tuple[int, int]:
    """Send what is due; returns (sent, not sent). Whatever goes wrong with one message, the next is tried."""
    sent = failed = 0
    for _ in range(limit):
        moment = now or utcnow()
        message = _claim(moment)
        if message is None:
            break
        try:
            _send(message)
        except Exception as error:  # noqa: BLE001 - one message must never stop the others
            _record_failure(message, error, moment)
            if message.failed_at is not None:
                current_app.logger.warning("outbox: message %s failed for good: %s", message.id, message.last_error)
            failed += 1
        else:
            message.sent_at = utcnow()
            message.last_error = ""
            sent += 1
        db.session.commit()
    return sent, failed


def run_worker(interval: float, once: bool, on_cycle=None) -> None:
    """Send due messages every `interval` seconds (and run `on_cycle`, e.g. reminders).

    A round that fails (the database restarting, say) is logged and the next round tried: the
    worker never stops on its own.
    """
    while True:
        try:
            if on_cycle is not None:
                on_cycle()
            sent, failed = deliver_due()
            if sent or failed:
                current_app.logger.info("outbox: %d sent, %d not sent", sent, failed)
        except Exception:  # noqa: BLE001
            db.session.rollback()
            current_app.logger.exception("outbox: this round failed; trying again in %s s", interval)
            if once:
                raise
        if once:
            return
        time.sleep(interval)


def retry(message: OutboxMessage) -> None:
    """Send a failed message again, as if it were new."""
    message.failed_at = None
    message.attempts = 0
    message.claimed_until = None
    message.next_attempt_at = utcnow()
