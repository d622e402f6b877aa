"""Logging in (issue 10, item 7): every attempt in the audit log, a growing wait per account that does
not lock the owner out, and the same work for unknown, switched-off and active accounts."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from argon2 import PasswordHasher
from bs4 import BeautifulSoup
from sqlalchemy import select, update

from conftest import login
from db_helpers import rows
from participation import models
from participation.auth.models import LoginThrottle
from participation.extensions import db
from participation.models import AuditEntry, StaffUser


def soup(response) -> BeautifulSoup:
    return BeautifulSoup(response.get_data(as_text=True), "html.parser")


def error(response) -> str:
    """The error next to the password field."""
    found = soup(response).select_one("#password-error")
    return found.get_text(" ", strip=True) if found else ""


def waits(response) -> bool:
    """True when the answer is "not right, or too many attempts: try again after 14:05"."""
    return re.search(r"\b\d\d:\d\d\b", error(response)) is not None


def logins(app) -> list[tuple[str, str, str, str]]:
    return [(e.action, e.actor_email, e.subject_id, e.summary)
            for e in rows(app, AuditEntry, AuditEntry.action.in_(["login", "login_failed"]))]


def account_id(app, email: str) -> int:
    with app.app_context():
        return db.session.scalars(select(StaffUser.id).where(StaffUser.email == email)).one()


def test_every_login_and_failed_login_is_in_the_audit_log_without_the_password(app, client, users):
    staff_id = str(account_id(app, "staff@genk.example"))
    login(client, "staff@genk.example", "not my password")
    login(client, "Nobody@Genk.example", "a guessed password")
    login(client, *users["staff"])
    assert logins(app) == [
        ("login_failed", "staff@genk.example", staff_id, "wrong password"),
        ("login_failed", "nobody@genk.example", "", "unknown e-mail address"),
        ("login", "staff@genk.example", staff_id, ""),
    ]
    with app.app_context():
        stored = " ".join(f"{e.actor_email} {e.summary}" for e in db.session.scalars(select(AuditEntry)))
    assert "not my password" not in stored and "a guessed password" not in stored


def test_a_switched_off_account_is_refused_and_audited(app, client, users):
    with app.app_context():
        db.session.execute(update(StaffUser).where(StaffUser.email == "staff@genk.example").values(active=False))
        db.session.commit()
    response = login(client, *users["staff"])
    assert response.status_code == 200 and error(response) and not waits(response)
    assert [(a, s) for a, _, _, s in logins(app)] == [("login_failed", "account switched off")]


def _fail(client, email: str, times: int) -> None:
    for _ in range(times):
        assert login(client, email, "wrong guess").status_code == 200


def test_after_five_failures_an_account_waits_but_a_colleague_on_the_same_address_does_not(app, users):
    attacker = app.test_client()
    _fail(attacker, "staff@genk.example", 5)
    # The sixth attempt is refused without looking at the password, even the right one.
    refused = login(attacker, *users["staff"])
    assert refused.status_code == 200 and waits(refused)
    owner_elsewhere = app.test_client()  # the same IP address in the tests: behind the same NAT
    assert login(owner_elsewhere, *users["staff"]).status_code == 200
    assert logins(app)[-1][3] == "refused: too many failed attempts"
    # A colleague behind the same address is not locked out.
    colleague = app.test_client()
    assert login(colleague, *users["admin"]).status_code == 302

    # After the wait (one minute after the fifth failure), the right password works.
    with app.app_context():
        db.session.scalars(select(LoginThrottle)).one().last_failed_at -= dt.timedelta(seconds=61)
        db.session.commit()
    assert login(owner_elsewhere, *users["staff"]).status_code == 302
    # A success forgets the failures.
    assert rows_of_throttle(app) == []


def rows_of_throttle(app) -> list:
    with app.app_context():
        return db.session.scalars(select(LoginThrottle)).all()


def test_each_further_failure_doubles_the_wait_up_to_an_hour(app, client, users):
    _fail(client, "staff@genk.example", 5)
    waits = []
    for _ in range(9):
        with app.app_context():
            row = db.session.scalars(select(LoginThrottle)).one()
            waits.append(int((row.wait_until() - row.last_failed_at).total_seconds() // 60))
            row.last_failed_at -= dt.timedelta(hours=2)  # the wait is over, the failures are not forgotten
            db.session.commit()
        _fail(client, "staff@genk.example", 1)
    assert waits == [1, 2, 4, 8, 16, 32, 60, 60, 60]


def test_the_owner_s_own_browser_is_not_slowed_down_by_someone_else_s_guesses(app, users):
    owner = app.test_client()
    assert login(owner, *users["staff"]).status_code == 302
    owner.post("/staff/logout", data={})
    _fail(app.test_client(), "staff@genk.example", 8)
    assert login(owner, *users["staff"]).status_code == 302  # the device cookie of the earlier login
    # A device cookie for another account does not help.
    owner.post("/staff/logout", data={})
    _fail(app.test_client(), "admin@genk.example", 5)
    assert waits(login(owner, *users["admin"]))


def test_an_unknown_address_is_slowed_down_the_same_way(app, client, users):
    """Otherwise the wait would tell which addresses have an account."""
    _fail(client, "nobody@genk.example", 5)
    assert waits(login(client, "nobody@genk.example", "another guess"))


class CountingHasher(PasswordHasher):
    """argon2, counting its verifications."""

    calls = 0

    def verify(self, hash, password):  # noqa: A002  (argon2's own parameter name)
        CountingHasher.calls += 1
        return super().verify(hash, password)


@pytest.fixture
def counted(monkeypatch):
    CountingHasher.calls = 0
    monkeypatch.setattr(models, "_hasher", CountingHasher())
    return CountingHasher


def test_unknown_switched_off_and_active_accounts_each_cost_one_argon2_verification(app, client, users, counted):
    with app.app_context():
        switched_off = StaffUser(email="gone@genk.example", name="Gone", active=False)
        switched_off.set_password("gone password 1")
        db.session.add(switched_off)
        db.session.commit()
    for email, password in [("nobody@genk.example", "x"), ("gone@genk.example", "gone password 1"),
                            ("gone@genk.example", "wrong"), ("staff@genk.example", "wrong"), users["staff"]]:
        counted.calls = 0
        login(app.test_client(), email, password)
        assert counted.calls == 1, email


def test_a_refused_attempt_does_not_check_the_password(app, client, users, counted):
    _fail(client, "staff@genk.example", 5)
    counted.calls = 0
    login(client, *users["staff"])
    assert counted.calls == 0
