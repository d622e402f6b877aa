"""Steady under load and faults: a real gunicorn, a real outbox worker and a real SMTP server, on SQLite and PostgreSQL.

Residents sign up, enrol children and send feedback at the same time; the server is killed in the
middle; the mail server goes away and comes back. What the server acknowledged must be stored
exactly once, nobody may be overbooked, no request may get a 5xx, and every e-mail must go out once.
bench/soak.py runs the same for as long as you like.
"""

from __future__ import annotations

import threading
import time

import pytest

from live_portal import (Ledger, MailServer, Server, back_off_passed, check_stored, claims_expired, outbox_state,
                         outbox_worker, portal_env, run_residents, wait_until_sent)
from test_enrolment import add_group
from test_signups import add_activity

CAPACITY = 12
SIGNUPS, ENROLMENTS, FEEDBACK = 16, 5, 5


def jobs(event_id: int, group_id: int, signups: int, enrolments: int, feedback: int) -> list[tuple[str, int | None]]:
    """Sign-ups, enrolments and feedback, interleaved so that all three arrive at once."""
    pending = [[("signup", event_id)] * signups, [("enrolment", group_id)] * enrolments,
               [("feedback", None)] * feedback]
    mixed = []
    while any(pending):
        for queue in pending:
            if queue:
                mixed.append(queue.pop())
    return mixed


@pytest.fixture
def portal(app, database_url, site, tmp_path):
    """An activity with CAPACITY places, a homework group, a mail server, and the processes to start."""
    event_id = add_activity(app, capacity=CAPACITY)
    group_id = add_group(app, capacity=40)
    mail = MailServer()
    env = portal_env(database_url, site_dir=site, instance=tmp_path / "instance", mail_port=mail.port)
    server = Server(env, tmp_path / "gunicorn.log")
    worker = outbox_worker(env, tmp_path / "worker.log")

    def start() -> None:
        """The mail server, gunicorn and the e-mail worker, in that order."""
        mail.start()
        server.start()
        worker.start()

    state = {"event_id": event_id, "group_id": group_id, "mail": mail, "server": server, "worker": worker,
             "start": start}
    yield state
    for process in (server, worker):
        process.stop()
    mail.stop()


def assert_every_message_received_once(database_url: str, mail: MailServer, timeout: float = 30) -> None:
    """Every queued e-mail was sent and arrived exactly once."""
    state = wait_until_sent(database_url, timeout)
    assert [row.message_id for row in state if row.sent_at is None] == []
    received = mail.message_ids()
    assert sorted(received) == sorted(row.message_id for row in state)


def test_a_crowd_of_residents_is_served_and_every_acknowledged_request_stored_once(portal, database_url):
    mail, server = portal["mail"], portal["server"]
    portal["start"]()
    ledger = Ledger()
    work = jobs(portal["event_id"], portal["group_id"], SIGNUPS, ENROLMENTS, FEEDBACK)
    # Every fifth resident cancels again: the waiting list moves up while others sign up.
    run_residents([server.url], work, threads=6, ledger=ledger, cancel_every=5)

    assert ledger.server_errors == [], server.output()[-3000:]
    assert (ledger.connection_errors, ledger.unfinished) == (0, [])
    assert {kind: len(done) for kind, done in ledger.acknowledged.items()} == {
        "signup": SIGNUPS, "enrolment": ENROLMENTS, "feedback": FEEDBACK}
    assert len(ledger.cancelled) == sum(1 for n, (kind, _) in enumerate(work) if kind == "signup" and n % 5 == 0)
    assert check_stored(database_url, ledger, event_id=portal["event_id"], capacity=CAPACITY) == []
    assert_every_message_received_once(database_url, mail)


def test_killing_the_server_in_the_middle_of_the_load_loses_nothing_acknowledged(portal, database_url):
    mail, server, worker = portal["mail"], portal["server"], portal["worker"]
    portal["start"]()
    ledger = Ledger()
    work = jobs(portal["event_id"], portal["group_id"], SIGNUPS, ENROLMENTS, FEEDBACK)
    load = threading.Thread(target=run_residents, args=([server.url], work),
                            kwargs={"threads": 6, "ledger": ledger}, daemon=True)
    load.start()
    deadline = time.monotonic() + 60
    while sum(map(len, ledger.acknowledged.values())) < 6 and time.monotonic() < deadline:
        time.sleep(0.02)
    assert server.workers(), "gunicorn has no workers to kill"
    killed = server.kill()  # the master and both workers, mid-request
    killed += worker.kill()  # and the e-mail worker, perhaps mid-send
    assert len(killed) >= 4
    # A message the killed worker had claimed waits five minutes before another worker takes it:
    # let those minutes pass for exactly these messages.
    in_flight = claims_expired(database_url)
    time.sleep(0.5)  # residents find nobody listening, and try again
    server.start()
    worker.start()
    load.join(timeout=120)
    assert not load.is_alive()

    assert ledger.server_errors == [], server.output()[-3000:]
    assert ledger.connection_errors > 0  # the kill did hit residents
    assert ledger.unfinished == []  # everyone who tried again got through
    assert {kind: len(done) for kind, done in ledger.acknowledged.items()} == {
        "signup": SIGNUPS, "enrolment": ENROLMENTS, "feedback": FEEDBACK}
    assert check_stored(database_url, ledger, event_id=portal["event_id"], capacity=CAPACITY) == []
    state = wait_until_sent(database_url, 30)
    assert [row.message_id for row in state if row.sent_at is None] == []
    received = mail.message_ids()
    assert set(received) == {row.message_id for row in state}
    # A message arrives twice only if the worker was killed between sending it and recording that.
    assert {mid for mid in received if received.count(mid) > 1} <= set(in_flight)


def test_e_mail_waits_while_the_mail_server_is_down_and_goes_out_once_when_it_is_back(portal, database_url):
    mail, server = portal["mail"], portal["server"]
    portal["start"]()
    ledger = Ledger()
    run_residents([server.url], jobs(portal["event_id"], portal["group_id"], 4, 2, 2), threads=4, ledger=ledger)
    before = wait_until_sent(database_url, 30)
    assert len(before) == 8 and all(row.sent_at is not None for row in before)

    mail.stop()
    run_residents([server.url], jobs(portal["event_id"], portal["group_id"], 4, 2, 2), threads=4, ledger=ledger,
                  first_number=100)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:  # until the worker has tried every new message once
        waiting = [row for row in outbox_state(database_url) if row.sent_at is None]
        # Tried once and given back: a claimed message may still be waiting for the refused connection.
        if len(waiting) == 8 and all(row.attempts >= 1 and row.claimed_until is None for row in waiting):
            break
        time.sleep(0.2)
    assert len(waiting) == 8 and all(row.attempts >= 1 and row.claimed_until is None for row in waiting)
    assert len(mail.message_ids()) == 8

    mail.start()
    assert back_off_passed(database_url) == 8  # a minute later, for the first retry
    assert ledger.server_errors == []
    assert check_stored(database_url, ledger, event_id=portal["event_id"], capacity=CAPACITY) == []
    assert_every_message_received_once(database_url, mail)
