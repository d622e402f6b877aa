"""No typed character stops the e-mail: every template, every free-text field, every kind of line break.

A name with a pasted line separator once stopped the worker for good (Python's email package
refuses a header value with a line break), and with it every e-mail behind it. Here each template
is queued with each of its free-text fields poisoned, sent through a real SMTP server, and read back.
"""

from __future__ import annotations

import datetime as dt
import email
import email.policy
import smtplib
from pathlib import Path

import pytest
from sqlalchemy import func, select

from events.models import TIMEZONE, DateChange, Event, Occurrence, utcnow
from participation import outbox
from participation.enrolment.models import EnrolledChild, Enrolment, HomeworkGroup
from participation.extensions import db
from participation.feedback.models import Feedback
from participation.mail_text import body_text, header_text
from participation.models import AuditEntry
from participation.outbox import OutboxMessage
from participation.signups.models import Signup
from test_outbox import mail_server, queued  # noqa: F401  (the fixture)
from conftest import login

TEMPLATES = sorted(path.stem for path in
                   (Path(__file__).parent.parent / "participation/templates/mail").glob("[!_]*.txt"))
POISONS = {
    **{f"U+{ord(c):04X}": f"Mira{c}X" for c in "\r\n\x0b\x0c\x1c\x1d\x1e\x1f\x85\u2028\u2029\x00"},
    "header injection": "Mira\r\nBcc: someone@evil.example\r\n\r\nX",
    "RTL marks": "\u202eMira\u200fX\u202c",
    "10,000 characters": "M" * 10_000,
}
RECIPIENT = "ouder@example.be"


def _objects(text: str) -> dict:
    """Everything the templates show, made as the app makes it, with every free text set to `text`."""
    start = dt.datetime(2026, 12, 12, 14, 0)
    event = Event(category="activity", status="published", address=text, starts_at=start,
                  ends_at=start + dt.timedelta(hours=2), capacity=10)
    event.set_text("nl", text, text, text)
    signup = Signup(reference="K7M2Q9", token="t" * 20, name=text, phone="", email=RECIPIENT, people=2,
                    language="tr", event=event)
    group = HomeworkGroup(name=text, weekdays="MO,WE", start_time=dt.time(15, 30), end_time=dt.time(17),
                          place=text, capacity=8, school_year="2026-2027")
    child = EnrolledChild(first_name=text, last_name=text, school="other", other_school=text, grade=2, group=group)
    enrolment = Enrolment(reference="H4N8P2", token="e" * 20, parent_name=text, email=RECIPIENT, language="bg",
                          interpreter="tr", other_home_languages=text, school_year="2026-2027",
                          intake_on=dt.date(2026, 12, 14), intake_time=dt.time(10), children=[child])
    feedback = Feedback(reference="F3R6T8", token="f" * 20, kind="idea", category="other", message=text,
                        street=text, language="nl", contact_name=text, contact_email=RECIPIENT,
                        public_answer=text)
    # A date moved (the date e-mails): its note, place name and address typed by staff.
    change = DateChange(original_start=start, status="moved", starts_at=start + dt.timedelta(days=1),
                        ends_at=start + dt.timedelta(days=1, hours=2), address=text,
                        texts={"nl": {"note": text, "location": text}, "tr": {"note": text, "location": text}})
    occurrence = Occurrence(event, change.starts_at.replace(tzinfo=TIMEZONE), change.ends_at.replace(tzinfo=TIMEZONE),
                            original_start=start, change=change)
    return {"event": event, "signup": signup, "occurrence": occurrence, "planned_end": start + dt.timedelta(hours=2), "group": group, "child": child, "enrolment": enrolment,
            "feedback": feedback, "link": f"https://wijkpunt.example/x/{text[:20]}", "erase_on": dt.date(2027, 9, 30)}


def _queue_all(app) -> int:
    """Queue every template with every poison; the model objects stay out of the database."""
    with app.app_context(), app.test_request_context():
        for name, text in POISONS.items():
            for template in TEMPLATES:
                outbox.queue(RECIPIENT, "tr", template, subject_type="test", **_objects(text))
        count = db.session.scalar(select(func.count()).select_from(OutboxMessage))
        db.session.commit()
        return count


def _send_all(app) -> None:
    with app.app_context():
        while outbox.deliver_due() != (0, 0):
            pass


def test_every_template_with_every_kind_of_typed_text_is_delivered_whole(app, mail_server):  # noqa: F811
    mail_server.start()
    count = _queue_all(app)
    assert count == len(TEMPLATES) * len(POISONS)
    _send_all(app)
    rows = queued(app)
    assert [(row.kind, row.last_error) for row in rows if row.sent_at is None] == []
    received = mail_server.inbox.messages
    assert len(received) == count
    for raw in received:
        message = email.message_from_bytes(raw.as_bytes(), policy=email.policy.default)
        assert message.get_all("Subject") and len(message.get_all("Subject")) == 1
        assert message["To"] == RECIPIENT and message.get_all("Bcc") is None
        assert set(message.keys()) <= {"From", "To", "Subject", "Message-ID", "Date", "Content-Type",
                                       "Content-Transfer-Encoding", "MIME-Version", "Content-Language"}
        subject = str(message["Subject"])
        assert subject.isprintable() and len(subject) <= 150
        assert "(" in subject and ")" in subject  # the reference stays in view, however long the name
        body = message.get_content()
        assert "\x00" not in body and "\u2028" not in body and "\u202e" not in body


def test_a_message_that_cannot_be_sent_does_not_stop_the_others_and_is_given_up_after_its_tries(
        app, mail_server, monkeypatch):  # noqa: F811
    mail_server.start()
    from test_signups import add_activity, form_data

    event_id = add_activity(app)
    client = app.test_client()
    for number in range(3):
        client.post(f"/agenda/{event_id}/signup", data=form_data(
            name=f"P{number}", phone=f"047000000{number}", email=f"p{number}@example.be"))
    poisoned = queued(app)[1]
    real_build = outbox.build

    def build(message, sender):
        if message.id == poisoned.id:
            raise ValueError("Header values may not contain linefeed or carriage return characters")
        return real_build(message, sender)

    monkeypatch.setattr(outbox, "build", build)
    app.config["OUTBOX_MAX_ATTEMPTS"] = 3
    with app.app_context():
        assert outbox.deliver_due() == (2, 1)  # the others go out at once
        for attempt in range(2, 4):
            assert outbox.deliver_due(now=utcnow() + dt.timedelta(hours=attempt)) == (0, 1)
        assert outbox.deliver_due(now=utcnow() + dt.timedelta(days=1)) == (0, 0)  # given up: never claimed again
    row = next(row for row in queued(app) if row.id == poisoned.id)
    assert row.failed_at is not None and row.attempts == 3 and "linefeed" in row.last_error
    assert len(mail_server.inbox.messages) == 2


def test_a_refusal_for_good_fails_at_once_and_a_busy_server_is_waited_for(app):
    from participation.outbox import _permanent, _server_away

    refused = smtplib.SMTPRecipientsRefused({"x@example.be": (550, b"5.1.1 No such user")})
    busy = smtplib.SMTPRecipientsRefused({"x@example.be": (451, b"4.3.0 Try again later")})
    assert _permanent(refused) and not _server_away(refused)
    assert _server_away(busy) and not _permanent(busy)
    assert _server_away(ConnectionRefusedError()) and not _permanent(ConnectionRefusedError())
    assert _server_away(smtplib.SMTPAuthenticationError(535, b"bad login"))  # our setting, not the message
    assert not _server_away(ValueError("linefeed")) and not _permanent(ValueError("linefeed"))


def test_a_row_stored_before_the_cleaning_still_goes_out(app, mail_server):  # noqa: F811
    mail_server.start()
    with app.app_context():
        db.session.add(OutboxMessage(message_id="<old@wijkpunt.example>", recipient=RECIPIENT,
                                     subject="Een plaats voor Mira\u2028X", body="Dag\u2028Mira\x1f",
                                     language="nl", kind="enrolment_accepted"))
        db.session.commit()
        assert outbox.deliver_due() == (1, 0)
    message = mail_server.inbox.messages[0]
    assert message["Subject"] == "Een plaats voor Mira X"


def test_the_worker_survives_a_round_that_fails(app, monkeypatch):
    calls = []

    def broken():
        calls.append(1)
        if len(calls) == 1:
            raise RuntimeError("database restarting")
        raise KeyboardInterrupt  # stops the endless loop after its second round

    monkeypatch.setattr(outbox.time, "sleep", lambda seconds: None)
    with app.app_context(), pytest.raises(KeyboardInterrupt):
        outbox.run_worker(0, once=False, on_cycle=broken)
    assert len(calls) == 2


@pytest.mark.parametrize("text", POISONS.values(), ids=POISONS.keys())
def test_header_text_is_one_printable_line(text):
    cleaned = header_text(text)
    assert cleaned.isprintable() and len(cleaned) <= 150
    assert "\x00" not in body_text(text) and "\r" not in body_text(text)


def test_staff_see_failed_e_mail_and_send_it_again_or_delete_it(app, client, users):
    with app.app_context():
        for number in (1, 2):
            db.session.add(OutboxMessage(message_id=f"<f{number}@x>", recipient=f"p{number}@example.be",
                                         subject="S", body="B", language="nl", kind="signup_confirmed",
                                         attempts=5, failed_at=utcnow(),
                                         last_error="SMTPRecipientsRefused: 550 No such user"))
        db.session.commit()
        first, second = db.session.scalars(select(OutboxMessage.id).order_by(OutboxMessage.id)).all()
    login(client, *users["admin"])
    page = client.get("/staff/outbox/").get_data(as_text=True)
    assert "p1@example.be" in page and "550 No such user" in page
    assert client.post(f"/staff/outbox/{first}/retry").status_code == 302
    assert client.post(f"/staff/outbox/{second}/drop").status_code == 302
    rows = queued(app)
    assert [(row.id, row.failed_at, row.attempts) for row in rows] == [(first, None, 0)]
    with app.app_context():
        actions = db.session.scalars(select(AuditEntry.action).order_by(AuditEntry.id)).all()
    assert actions[-2:] == ["outbox.retry", "outbox.drop"]
    assert "p1@example.be" not in client.get("/staff/outbox/").get_data(as_text=True)  # due again, not failed


def test_only_administrators_see_e_mail_not_sent(client, users):
    login(client, *users["staff"])
    assert client.get("/staff/outbox/").status_code == 403
