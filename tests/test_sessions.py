"""Staff sessions end when they should: a copied cookie is refused after logout, a new password,
switching the account off, an administrator's "end all sessions", and after the idle and absolute
timeouts (issue 10, item 8)."""

from __future__ import annotations

import time

from bs4 import BeautifulSoup
from sqlalchemy import select

from conftest import login
from db_helpers import rows
from participation.extensions import db
from participation.models import AuditEntry, StaffUser

SESSION = "__Host-session"  # the tests serve the portal as https://wijkpunt.example


def soup(response) -> BeautifulSoup:
    return BeautifulSoup(response.get_data(as_text=True), "html.parser")


def opens_staff_area(client) -> bool:
    """True when /staff/ shows the dashboard; False when it sends the visitor to the login page."""
    response = client.get("/staff/")
    if response.status_code == 302:
        assert "/staff/login" in response.headers["Location"]
        return False
    assert response.status_code == 200
    return True


def stolen_cookie(client) -> str:
    """The session cookie as an attacker (or a forgotten browser tab) would keep it."""
    return client.get_cookie(SESSION).value


def replay(app, cookie: str):
    """A fresh browser with nothing but the copied cookie."""
    other = app.test_client()
    other.set_cookie(SESSION, cookie)
    return other


def account_id(app, email: str) -> int:
    with app.app_context():
        return db.session.scalars(select(StaffUser.id).where(StaffUser.email == email)).one()


def test_a_copied_cookie_opens_the_staff_area_until_logout(app, client, users):
    login(client, *users["staff"])
    cookie = stolen_cookie(client)
    assert opens_staff_area(replay(app, cookie))
    client.post("/staff/logout", data={})
    assert not opens_staff_area(client)
    assert not opens_staff_area(replay(app, cookie))


def test_logging_out_ends_the_sessions_on_other_devices_too(app, users):
    phone, laptop = app.test_client(), app.test_client()
    login(phone, *users["staff"])
    login(laptop, *users["staff"])
    phone.post("/staff/logout", data={})
    assert not opens_staff_area(laptop)


def test_a_new_password_ends_every_other_session_but_keeps_this_one(app, client, users):
    login(client, *users["staff"])
    other_device = app.test_client()
    login(other_device, *users["staff"])
    cookie = stolen_cookie(client)
    response = client.post("/staff/password", data={
        "current": "staff password 1", "new": "grijze kater op de vensterbank", "repeat": "grijze kater op de vensterbank"})
    assert response.status_code == 302
    assert opens_staff_area(client)
    assert not opens_staff_area(other_device)
    assert not opens_staff_area(replay(app, cookie))


def test_switching_an_account_off_and_on_again_does_not_bring_its_sessions_back(app, client, users):
    staff = app.test_client()
    login(staff, *users["staff"])
    cookie = stolen_cookie(staff)
    login(client, *users["admin"])
    staff_id = account_id(app, "staff@genk.example")
    client.post(f"/staff/accounts/{staff_id}/deactivate", data={})
    assert not opens_staff_area(replay(app, cookie))
    client.post(f"/staff/accounts/{staff_id}/activate", data={})
    assert not opens_staff_area(replay(app, cookie))
    assert not opens_staff_area(staff)


def test_an_administrator_ends_every_session_of_an_account_and_it_is_audited(app, client, users):
    staff = app.test_client()
    login(staff, *users["staff"])
    cookie = stolen_cookie(staff)
    login(client, *users["admin"])
    staff_id = account_id(app, "staff@genk.example")
    page = soup(client.get("/staff/accounts/"))
    button = page.select_one(f"form[action='/staff/accounts/{staff_id}/end-sessions'] button")
    assert button is not None and "staff@genk.example" in button.get_text()
    response = client.post(f"/staff/accounts/{staff_id}/end-sessions", data={})
    assert response.status_code == 302
    assert not opens_staff_area(staff)
    assert not opens_staff_area(replay(app, cookie))
    assert opens_staff_area(client)  # the administrator's own session goes on
    entries = rows(app, AuditEntry, AuditEntry.action == "account.end_sessions")
    assert [(e.actor_email, e.subject_id) for e in entries] == [("admin@genk.example", str(staff_id))]
    # The staff member logs in again as usual.
    assert login(staff, *users["staff"]).status_code == 302
    assert opens_staff_area(staff)


def test_only_administrators_end_sessions(app, client, users):
    login(client, *users["staff"])
    admin_id = account_id(app, "admin@genk.example")
    assert client.post(f"/staff/accounts/{admin_id}/end-sessions", data={}).status_code == 403


def _move_back(client, key: str, seconds: int) -> None:
    with client.session_transaction() as session:
        session[key] -= seconds


def test_a_session_idle_for_30_minutes_ends(app, client, users):
    login(client, *users["staff"])
    _move_back(client, "_seen_at", 29 * 60)
    _move_back(client, "_login_at", 29 * 60)
    assert opens_staff_area(client)  # and the request counts as activity
    with client.session_transaction() as session:
        assert time.time() - session["_seen_at"] < 5
    _move_back(client, "_seen_at", 30 * 60 + 1)
    assert not opens_staff_area(client)


def test_an_active_session_still_ends_8_hours_after_login(app, client, users):
    login(client, *users["staff"])
    _move_back(client, "_login_at", 8 * 3600 - 60)
    assert opens_staff_area(client)
    _move_back(client, "_login_at", 61)
    assert not opens_staff_area(client)


def test_the_timeouts_are_settings(live_app, users):
    live = live_app(SESSION_IDLE_TIMEOUT=60)
    client = live.test_client()
    login(client, *users["staff"])
    _move_back(client, "_seen_at", 61)
    assert not opens_staff_area(client)


def test_a_session_without_its_login_time_is_refused(app, client, users):
    login(client, *users["staff"])
    with client.session_transaction() as session:
        del session["_login_at"]
    assert not opens_staff_area(client)


def test_login_starts_a_new_session_with_a_new_csrf_token(live_app, users):
    live = live_app(WTF_CSRF_ENABLED=True)
    client = live.test_client()
    page = soup(client.get("/staff/login"))
    token = page.find("input", attrs={"name": "csrf_token"})["value"]
    with client.session_transaction() as session:
        before = session["csrf_token"]
        session["planted"] = "by someone else"  # e.g. set on a shared computer before login
    response = client.post("/staff/login", data={"csrf_token": token, "email": users["staff"][0],
                                                 "password": users["staff"][1]})
    assert response.status_code == 302
    client.get("/staff/")
    with client.session_transaction() as session:
        assert "planted" not in session
        assert session["csrf_token"] != before


def test_cookies_are_named_host_over_https_and_plainly_over_http(app, live_app, users):
    client = app.test_client()
    response = login(client, *users["staff"])
    cookies = response.headers.getlist("Set-Cookie")
    assert {c.split("=")[0] for c in cookies} == {"__Host-session", "__Host-device"}
    for cookie in cookies:
        assert "Secure" in cookie and "Path=/" in cookie and "Domain" not in cookie and "HttpOnly" in cookie

    local = live_app(PUBLIC_BASE_URL="http://127.0.0.1:8000")
    response = login(local.test_client(), *users["staff"])
    cookies = response.headers.getlist("Set-Cookie")
    assert {c.split("=")[0] for c in cookies} == {"session", "device"}
    assert not any("Secure" in cookie for cookie in cookies)
