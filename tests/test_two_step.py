"""Two-step login: a code of an authenticator app (TOTP) after the password, required for administrators."""

from __future__ import annotations

import re

import pyotp
from bs4 import BeautifulSoup
from sqlalchemy import select

from conftest import AUTHENTICATORS, RECOVERY_CODES, login
from participation.auth.models import FREE_FAILURES, LoginThrottle, RecoveryCode
from participation.extensions import db
from participation.models import AuditEntry, StaffUser


def soup(response):
    return BeautifulSoup(response.get_data(as_text=True), "html.parser")


def password_step(client, email, password):
    """The first step of a login: e-mail and password."""
    return client.post("/staff/login", data={"email": email, "password": password})


def code_step(client, code):
    return client.post("/staff/login/code", data={"code": code})


def account(app, email) -> StaffUser:
    with app.app_context():
        return db.session.scalar(select(StaffUser).where(StaffUser.email == email))


def audit_lines(app, action):
    with app.app_context():
        return [entry.summary for entry in db.session.scalars(
            select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.id))]


def set_up_in_the_page(client) -> pyotp.TOTP:
    """Set up two-step login on its page as a person does: the key typed into an app, its code sent back."""
    page = soup(client.get("/staff/two-step"))
    image = page.select_one("img.app-qr")
    assert image["src"].startswith("data:image/svg+xml") and image["alt"]
    app_of_phone = pyotp.TOTP(page.select_one(".app-copy code").get_text().replace(" ", ""))
    return app_of_phone


def test_a_staff_member_sets_up_two_step_login_with_a_code_of_the_app(app, client, users):
    login(client, *users["staff"])
    phone = set_up_in_the_page(client)
    wrong = client.post("/staff/two-step/confirm", data={"code": "000000" if phone.now() != "000000" else "111111"})
    assert soup(wrong).select_one("#code-error") is not None
    assert account(app, "staff@genk.example").totp_secret is None

    shown = client.post("/staff/two-step/confirm", data={"code": phone.now()})
    assert shown.status_code == 200
    codes = [code.get_text() for code in soup(shown).select(".app-recovery-codes code")]
    assert len(codes) == 10 and len(set(codes)) == 10 and all(len(code.replace(" ", "")) == 12 for code in codes)
    user = account(app, "staff@genk.example")
    assert user.totp_secret == phone.secret and user.totp_pending_secret is None
    with app.app_context():
        hashes = db.session.scalars(select(RecoveryCode.code_hash).where(RecoveryCode.user_id == user.id)).all()
    assert len(hashes) == 10 and not {code.replace(" ", "") for code in codes} & set(hashes)
    assert audit_lines(app, "account.two_step_on") == ["staff@genk.example"]
    # The page now says it is on, and shows the secret no more.
    page = soup(client.get("/staff/two-step"))
    assert page.select_one("img.app-qr") is None
    assert re.search(r"\b10\b\D+\b10\b\W*$", page.select_one(".app-note").get_text())  # recovery codes: 10 of 10 left


def test_logging_in_asks_for_the_code_after_the_password(app, client, users):
    email, password = users["admin"]
    first = password_step(client, email, password)
    assert first.status_code == 302 and first.headers["Location"].endswith("/staff/login/code")
    # A right password alone is no login.
    assert "/staff/login" in client.get("/staff/").headers["Location"]
    form = soup(client.get("/staff/login/code"))
    field = form.select_one("input#code")
    assert field["autocomplete"] == "one-time-code" and field["inputmode"] == "numeric"
    assert form.select_one("label[for=code]") is not None
    assert code_step(client, AUTHENTICATORS[email].code()).headers["Location"].endswith("/staff/")
    assert client.get("/staff/").status_code == 200
    assert audit_lines(app, "login") == [""]
    assert account(app, email).last_login_at is not None


def test_a_wrong_code_is_refused_counted_and_audited(app, client, users):
    email, password = users["admin"]
    password_step(client, email, password)
    right = AUTHENTICATORS[email].code()
    wrong = code_step(client, f"{(int(right) + 1) % 1_000_000:06d}")
    assert wrong.status_code == 200
    assert soup(wrong).select_one("#code-error") is not None
    assert soup(wrong).select_one("#code")["aria-invalid"] == "true"
    assert "/staff/login" in client.get("/staff/").headers["Location"]
    assert audit_lines(app, "login_failed") == ["two-step: wrong code"]
    with app.app_context():
        assert [row.failures for row in db.session.scalars(select(LoginThrottle))] == [1]


def test_wrong_codes_count_in_the_login_throttle(app, client, users):
    email, password = users["admin"]
    password_step(client, email, password)
    for _ in range(FREE_FAILURES + 1):
        code_step(client, "12345")  # not six digits: the form refuses it, nothing is counted
    with app.app_context():
        assert db.session.scalars(select(LoginThrottle)).all() == []
    for _ in range(FREE_FAILURES):
        code_step(client, "999999" if AUTHENTICATORS[email].totp.now() != "999999" else "888888")
    refused = code_step(client, AUTHENTICATORS[email].code())
    assert soup(refused).select_one("#code-error") is not None
    assert "/staff/login" in client.get("/staff/").headers["Location"]
    assert audit_lines(app, "login_failed")[-1] == "two-step: refused: too many failed attempts"
    # The password step of another browser waits as well: the code is not a way round the throttle.
    other = app.test_client()
    assert password_step(other, email, password).status_code == 200


def test_the_same_code_does_not_log_in_twice(app, client, users):
    email, password = users["admin"]
    assert login(client, email, password).status_code == 302
    other = app.test_client()
    password_step(other, email, password)
    again = code_step(other, AUTHENTICATORS[email].code_used_last())
    assert again.status_code == 200 and soup(again).select_one("#code-error") is not None
    assert "/staff/login" in other.get("/staff/").headers["Location"]
    assert audit_lines(app, "login_failed") == ["two-step: code used before"]
    # The next code of the app does.
    assert code_step(other, AUTHENTICATORS[email].code()).status_code == 302


def test_a_recovery_code_logs_in_once(app, client, users):
    email, password = users["admin"]
    recovery = RECOVERY_CODES[email][0]
    password_step(client, email, password)
    assert code_step(client, recovery).headers["Location"].endswith("/staff/")
    assert audit_lines(app, "login") == ["with a recovery code"]
    assert re.search(r"\b9\b\D+\b10\b\W*$", soup(client.get("/staff/two-step")).select_one(".app-note").get_text())
    other = app.test_client()
    password_step(other, email, password)
    assert code_step(other, recovery.replace(" ", "-")).status_code == 200
    assert audit_lines(app, "login_failed") == ["two-step: wrong code"]


def test_the_code_must_follow_the_password_within_five_minutes(app, client, users):
    email, password = users["admin"]
    password_step(client, email, password)
    with client.session_transaction() as session:
        session["_password_ok"] = {**session["_password_ok"], "at": session["_password_ok"]["at"] - 301}
    late = code_step(client, AUTHENTICATORS[email].code())
    assert late.headers["Location"].endswith("/staff/login")
    assert "/staff/login" in client.get("/staff/").headers["Location"]


def test_an_administrator_without_two_step_login_must_set_it_up_first(app, client, users):
    from participation.cli import create_admin

    with app.app_context():
        create_admin("new-admin@genk.example", "Nieuwe Beheerder", "new admin password 1")
    assert login(client, "new-admin@genk.example", "new admin password 1").status_code == 302
    for path in ("/staff/", "/staff/events/new", "/staff/accounts/", "/staff/password", "/tr/staff/audit/"):
        response = client.get(path)
        assert response.status_code == 302 and response.headers["Location"].endswith("/staff/two-step"), path
    assert client.get("/staff/two-step").status_code == 200
    phone = set_up_in_the_page(client)
    assert client.post("/staff/two-step/confirm", data={"code": phone.now()}).status_code == 200
    assert client.get("/staff/").status_code == 200


def test_an_administrator_can_always_log_out(app, client, users):
    from participation.cli import create_admin

    with app.app_context():
        create_admin("new-admin@genk.example", "Nieuwe Beheerder", "new admin password 1")
    login(client, "new-admin@genk.example", "new admin password 1")
    assert client.post("/staff/logout").headers["Location"].endswith("/staff/login")
    assert "/staff/login" in client.get("/staff/two-step").headers["Location"]


def test_staff_without_two_step_login_are_not_forced(client, users):
    assert login(client, *users["staff"]).headers["Location"].endswith("/staff/")
    assert client.get("/staff/").status_code == 200
    assert client.get("/staff/events/new").status_code == 200


def test_an_administrator_cannot_switch_two_step_login_off(app, client, users):
    email, password = users["admin"]
    login(client, email, password)
    assert soup(client.get("/staff/two-step")).select_one("button[value=off]") is None
    refused = client.post("/staff/two-step/change", data={"action": "off", "manage-code": AUTHENTICATORS[email].code()})
    assert refused.headers["Location"].endswith("/staff/two-step")
    assert account(app, email).totp_secret is not None
    assert audit_lines(app, "account.two_step_off") == []


def test_a_staff_member_switches_it_off_with_a_code(app, client, users):
    email, password = users["staff"]
    login(client, email, password)
    phone = set_up_in_the_page(client)
    shown = client.post("/staff/two-step/confirm", data={"code": phone.now()})
    recovery = [code.get_text() for code in soup(shown).select(".app-recovery-codes code")]
    assert soup(client.get("/staff/two-step")).select_one("button[value=off]") is not None
    without = client.post("/staff/two-step/change", data={"action": "off", "manage-code": ""})
    assert soup(without).select_one("#manage-code-error") is not None
    assert account(app, email).totp_secret is not None
    off = client.post("/staff/two-step/change", data={"action": "off", "manage-code": recovery[0]})
    assert off.headers["Location"].endswith("/staff/two-step")
    user = account(app, email)
    assert user.totp_secret is None
    with app.app_context():
        assert db.session.scalars(select(RecoveryCode).where(RecoveryCode.user_id == user.id)).all() == []
    assert audit_lines(app, "account.two_step_off") == [email]
    client.post("/staff/logout")
    assert login(client, email, password).headers["Location"].endswith("/staff/")


def test_new_recovery_codes_replace_the_old_ones(app, client, users):
    email, password = users["admin"]
    login(client, email, password)
    old = RECOVERY_CODES[email]
    shown = client.post("/staff/two-step/change",
                        data={"action": "recovery-codes", "manage-code": AUTHENTICATORS[email].code()})
    new = [code.get_text() for code in soup(shown).select(".app-recovery-codes code")]
    assert len(new) == 10 and not set(new) & set(old)
    assert audit_lines(app, "account.recovery_codes") == [email]
    other = app.test_client()
    password_step(other, email, password)
    assert code_step(other, old[1]).status_code == 200
    assert code_step(other, new[0]).status_code == 302


def test_moving_two_step_login_to_another_phone(app, client, users):
    email, password = users["admin"]
    login(client, email, password)
    started = client.post("/staff/two-step/change", data={"action": "phone", "manage-code": RECOVERY_CODES[email][0]})
    assert started.headers["Location"].endswith("/staff/two-step")
    new_phone = set_up_in_the_page(client)
    assert new_phone.secret != AUTHENTICATORS[email].secret
    assert account(app, email).totp_secret == AUTHENTICATORS[email].secret  # the old phone works until then
    assert client.post("/staff/two-step/confirm", data={"code": new_phone.now()}).status_code == 200
    assert account(app, email).totp_secret == new_phone.secret
    assert audit_lines(app, "account.two_step_moved") == [email]


def test_create_admin_on_an_existing_account_makes_it_set_up_two_step_login_again(app, users):
    """The way back in for an administrator who lost the phone and the recovery codes: the server's command line."""
    from participation.cli import create_admin

    with app.app_context():
        create_admin("admin@genk.example", "Ayşe Admin", "a new admin password 2")
    user = account(app, "admin@genk.example")
    assert user.totp_secret is None
    with app.app_context():
        assert db.session.scalars(select(RecoveryCode)).all() == []
