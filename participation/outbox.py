"""E-mail that is never lost: messages are stored with the change that causes them, then sent.

`queue()` adds a message to the current database transaction, so it exists exactly when the
sign-up (or enrolment, or decision) it tells about exists. `deliver_due()` (run by the worker,
`flask outbox-worker`) sends what is due, with back-off when the mail server is away. A message
is claimed before it is sent, so several workers never send the same message.
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
from sqlalchemy import DateTime, Integer, String, Text, or_, select, update
from sqlalchemy.orm import Mapped, mapped_column

from events.models import Base, utcnow
from participation.extensions import db
from participation.i18n import public_host

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
        message_id=f"<{uuid.uuid4().hex}@{host}>", recipient=recipient, subject=subject.strip()[:200],
        body=body.strip() + "\n", language=language, kind=template,
        subject_type=subject_type, subject_id=subject_id,
    )
    db.session.add(message)
    return message


def _claim(now: dt.datetime) -> OutboxMessage | None:
    """Take one due message for this worker; no other worker takes it while the claim lasts."""
    due = select(OutboxMessage.id).where(
        OutboxMessage.sent_at.is_(None),
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


def _send(message: OutboxMessage) -> None:
    config = current_app.config
    email = EmailMessage()
    email["From"] = config["MAIL_FROM"]
    email["To"] = message.recipient
    email["Subject"] = message.subject
    email["Message-ID"] = message.message_id
    email["Date"] = formatdate(localtime=False)
    email.set_content(message.body)
    email["Content-Language"] = message.language  # after set_content, which resets Content-* headers
    with smtplib.SMTP(config["MAIL_SERVER"], config["MAIL_PORT"], timeout=config.get("MAIL_TIMEOUT", 10)) as smtp:
        if config.get("MAIL_USE_TLS"):
            smtp.starttls()
        if config.get("MAIL_USERNAME"):
            smtp.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"])
        smtp.send_message(email)


def backoff(attempts: int) -> dt.timedelta:
    """1, 2, 4, 8 … minutes after each failed attempt, at most an hour."""
    return min(dt.timedelta(minutes=2 ** max(attempts - 1, 0)), MAX_BACKOFF)


def deliver_due(now: dt.datetime | None = None, limit: int = 100) -> tuple[int, int]:
    """Send what is due; returns (sent, failed). A failure is retried later, never dropped."""
    sent = failed = 0
    for _ in range(limit):
        moment = now or utcnow()
        message = _claim(moment)
        if message is None:
            break
        try:
            _send(message)
        except (OSError, smtplib.SMTPException) as error:
            message.last_error = f"{type(error).__name__}: {error}"[:2000]
            message.next_attempt_at = moment + backoff(message.attempts)
            message.claimed_until = None
            failed += 1
        else:
            message.sent_at = utcnow()
            message.last_error = ""
            sent += 1
        db.session.commit()
    return sent, failed


def run_worker(interval: float, once: bool, on_cycle=None) -> None:
    """Send due messages every `interval` seconds (and run `on_cycle`, e.g. reminders)."""
    while True:
        if on_cycle is not None:
            on_cycle()
        sent, failed = deliver_due()
        if sent or failed:
            current_app.logger.info("outbox: %d sent, %d to retry", sent, failed)
        if once:
            return
        time.sleep(interval)
