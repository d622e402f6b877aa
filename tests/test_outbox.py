"""E-mail that is never lost: a real SMTP server on loopback, stopped and started again."""

from __future__ import annotations

import datetime as dt
import email
import socket
import threading
import uuid

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import select

from events.models import utcnow
from participation import outbox
from participation.extensions import db
from participation.outbox import OutboxMessage
from test_signups import add_activity, form_data


class Inbox:
    """An aiosmtpd handler that keeps what it receives."""

    def __init__(self):
        self.messages: list[email.message.Message] = []
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):
        with self.lock:
            self.messages.append(email.message_from_bytes(envelope.content))
        return "250 OK"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def mail_server(app):
    """A real SMTP server on a loopback port the app is configured for; not started yet."""
    port = free_port()
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=port, MAIL_TIMEOUT=3)
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.inbox = inbox
    yield controller
    try:
        controller.stop()
    except AssertionError:
        pass  # never started


def queued(app) -> list[OutboxMessage]:
    with app.app_context():
        rows = db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)).all()
        for row in rows:
            db.session.expunge(row)
        return rows


def sign_up_three(app, client) -> None:
    event_id = add_activity(app)
    for number, language in enumerate(("nl", "tr", "bg")):
        client.post(f"/agenda/{event_id}/signup", data=form_data(
            name=f"P{number}", phone=f"047000000{number}", email=f"p{number}@example.be", language=language))


def test_messages_wait_while_the_mail_server_is_down_and_go_out_once_when_it_is_back(app, client, mail_server):
    sign_up_three(app, client)
    assert len(queued(app)) == 3
    with app.app_context():
        assert outbox.deliver_due() == (0, 3)  # nobody listens on the port
        assert outbox.deliver_due() == (0, 0)  # backing off: not due yet
    waiting = queued(app)
    assert all(m.sent_at is None and m.attempts == 1 and "Error" in m.last_error for m in waiting)
    assert all(m.next_attempt_at > utcnow() for m in waiting)

    mail_server.start()
    later = utcnow() + dt.timedelta(minutes=2)
    with app.app_context():
        assert outbox.deliver_due(now=later) == (3, 0)
        assert outbox.deliver_due(now=later + dt.timedelta(hours=2)) == (0, 0)
    received = mail_server.inbox.messages
    assert sorted(m["To"] for m in received) == ["p0@example.be", "p1@example.be", "p2@example.be"]
    assert sorted(m["Content-Language"] for m in received) == ["bg", "nl", "tr"]
    assert len({m["Message-ID"] for m in received}) == 3
    turkish = next(m for m in received if m["To"] == "p1@example.be")
    assert "/tr/signup/" in turkish.get_payload(decode=True).decode("utf-8")
    assert all(m.sent_at is not None for m in queued(app))


def test_back_off_grows_and_stops_at_an_hour():
    assert [outbox.backoff(n).total_seconds() / 60 for n in (1, 2, 3, 4, 7, 20)] == [1, 2, 4, 8, 60, 60]


def test_two_workers_at_once_send_every_message_exactly_once(app, client, mail_server):
    sign_up_three(app, client)
    with app.app_context():
        for number in range(12):
            outbox.queue(f"extra{number}@example.be", "nl", "signup_cancelled", signup=_Fake(), event=_event(app),
                         link="https://wijkpunt.example/x")
        db.session.commit()
    mail_server.start()
    results = []
    at_once = threading.Barrier(2, timeout=30)

    def worker():
        with app.app_context():
            at_once.wait()  # both workers look for due messages at the same moment
            results.append(outbox.deliver_due())
            db.session.remove()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads)
    assert len(results) == 2 and sum(sent for sent, _ in results) == 15 and sum(f for _, f in results) == 0
    recipients = sorted(m["To"] for m in mail_server.inbox.messages)
    assert recipients == sorted([f"p{n}@example.be" for n in range(3)] + [f"extra{n}@example.be" for n in range(12)])
    rows = queued(app)
    assert len(rows) == 15 and all(row.sent_at is not None and row.attempts == 1 for row in rows)


def test_the_worker_command_sends_what_is_due(app, client, runner, mail_server):
    sign_up_three(app, client)
    mail_server.start()
    result = runner.invoke(args=["outbox-worker", "--once"])
    assert result.exit_code == 0, result.output
    assert len(mail_server.inbox.messages) == 3


class _Fake:
    """The parts of a sign-up a mail template reads."""

    name, people, reference = "Extra", 1, f"X{uuid.uuid4().hex[:2].upper()}-TST"


def _event(app):
    from events.models import Event

    return db.session.scalars(select(Event)).first()
