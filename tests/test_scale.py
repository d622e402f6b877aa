"""Running beyond one machine: several app processes on one PostgreSQL database, rate limits shared through Redis,
and several outbox workers that never send a message twice."""

from __future__ import annotations

import pytest
from bs4 import BeautifulSoup
from sqlalchemy import select

from live_portal import (Browser, Ledger, MailServer, Server, check_stored, free_port, hidden_fields, outbox_worker,
                         portal_env, run_residents, unique_prefix, wait_until_sent)
from participation import outbox
from participation.extensions import db
from test_signups import add_activity


def two_servers(database_url: str, site, tmp_path, **settings: str) -> list[Server]:
    """Two gunicorn instances of two workers each on their own ports: one database, one secret key."""
    env = portal_env(database_url, site_dir=site, instance=tmp_path / "instance", mail_port=free_port(), **settings)
    # Redis keys of this test only: parallel test runs on one machine share the Redis server.
    app = f"participation:create_app({{'RATELIMIT_KEY_PREFIX': '{unique_prefix()}'}})"
    return [Server(env, tmp_path / f"gunicorn-{n}.log", app=app) for n in (1, 2)]


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_rate_limits_hold_across_app_processes_and_forms_move_between_them(app, database_url, site, tmp_path,
                                                                          redis_url):
    event_id = add_activity(app, capacity=4)
    servers = two_servers(database_url, site, tmp_path, RATELIMIT_ENABLED="1", RATELIMIT_STORAGE_URI=redis_url)
    try:
        for server in servers:
            server.start()
        # Twelve wrong passwords, taking turns between the two instances: ten a minute in all, then 429.
        browser = Browser(servers[0].url)
        token = hidden_fields(browser.get("/staff/login").body)["csrf_token"]
        statuses = []
        for attempt in range(12):
            browser.port = servers[attempt % 2].port
            reply = browser.post("/staff/login", [("csrf_token", token), ("email", "nobody@genk.example"),
                                                  ("password", "not the password")])
            statuses.append(reply.status)
        assert statuses == [200] * 10 + [429] * 2
        assert BeautifulSoup(reply.body, "html.parser").find("html")["lang"] == "nl"

        # A form fetched from one process is accepted by the other (same secret key, same database).
        ledger = Ledger()
        run_residents([server.url for server in servers], [("signup", event_id)] * 6, threads=3, ledger=ledger)
        assert ledger.server_errors == []
        assert len(ledger.acknowledged["signup"]) == 6
        assert check_stored(database_url, ledger, event_id=event_id, capacity=4) == []
    finally:
        for server in servers:
            server.stop()


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_without_redis_each_process_limits_by_itself_instead_of_failing(app, database_url, site, tmp_path):
    # A real server of its own: Flask-Limiter keeps "the storage is down" in its one object per process.
    away = f"redis://127.0.0.1:{free_port()}"  # nobody listens there: Redis is down
    env = portal_env(database_url, site_dir=site, instance=tmp_path / "instance", mail_port=free_port(),
                     RATELIMIT_ENABLED="1", RATELIMIT_STORAGE_URI=away)
    server = Server(env, tmp_path / "gunicorn.log", workers=1)
    try:
        server.start()
        browser = Browser(server.url)
        token = hidden_fields(browser.get("/staff/login").body)["csrf_token"]
        statuses = [browser.post("/staff/login", [("csrf_token", token), ("email", "x@genk.example"),
                                                  ("password", "wrong")]).status for _ in range(11)]
    finally:
        server.stop()
    assert statuses == [200] * 10 + [429]  # the login form with its error, ten times; then "too many attempts"


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_behind_a_proxy_rate_limits_count_per_resident_and_a_forged_header_counts_for_nothing(live_app):
    def attempts(client, address: str, count: int) -> list[int]:
        """`count` wrong passwords from `address`, as the proxy reports it."""
        return [client.post("/staff/login", headers={"X-Forwarded-For": address},
                            data={"email": "x@genk.example", "password": "wrong"}).status_code for _ in range(count)]

    settings = {"WTF_CSRF_ENABLED": True, "RATELIMIT_ENABLED": True}
    behind = live_app(**settings, TRUSTED_PROXIES=1).test_client()
    assert attempts(behind, "203.0.113.10", 11) == [200] * 10 + [429]
    assert attempts(behind, "198.51.100.7", 1) == [200]  # a neighbour is not blocked by somebody else's attempts
    direct = live_app(**settings).test_client()  # each app starts with empty in-memory counts
    assert attempts(direct, "203.0.113.10", 10) == [200] * 10
    assert attempts(direct, "198.51.100.7", 1) == [429]  # without a proxy, the header is anybody's to forge


class _Signup:
    """The parts of a sign-up the cancellation e-mail reads."""

    name, people, reference = "Bewoner", 1, "K7M-4QX"


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_two_outbox_workers_at_once_send_every_message_exactly_once(app, database_url, site, tmp_path):
    from events.models import Event

    add_activity(app)
    with app.app_context():
        event = db.session.scalars(select(Event)).first()
        for number in range(60):
            outbox.queue(f"buur{number}@example.be", ("nl", "tr", "bg")[number % 3], "signup_cancelled",
                         signup=_Signup(), event=event, link="https://wijkpunt.example/signup/x/")
        db.session.commit()
    mail = MailServer(delay=0.02)  # a mail server that takes its time, so both workers are sending at once
    mail.start()
    env = portal_env(database_url, site_dir=site, instance=tmp_path / "instance", mail_port=mail.port)
    workers = [outbox_worker(env, tmp_path / f"worker-{n}.log") for n in (1, 2)]
    try:
        for worker in workers:
            worker.start()
        state = wait_until_sent(database_url, 60)
        assert all(worker.running() for worker in workers), workers[0].output() + workers[1].output()
    finally:
        for worker in workers:
            worker.stop()
        mail.stop()
    assert [row.message_id for row in state if row.sent_at is None] == []
    received = mail.message_ids()
    assert sorted(received) == sorted(row.message_id for row in state)  # each exactly once
    assert len(received) == 60
    assert mail.inbox.most_at_once >= 2  # the two workers really were sending at the same time
