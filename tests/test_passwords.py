"""Passwords (issue 10, low): common, breached and easily guessed ones are refused offline, and a
password an administrator issued is changed at first login."""

from __future__ import annotations

import pytest
from bs4 import BeautifulSoup
from sqlalchemy import select

from conftest import login
from db_helpers import rows
from participation.auth.passwords import too_easy
from participation.extensions import db
from participation.models import AuditEntry, StaffUser


def soup(response) -> BeautifulSoup:
    return BeautifulSoup(response.get_data(as_text=True), "html.parser")


def change(client, current: str, new: str):
    return client.post("/staff/password", data={"current": current, "new": new, "repeat": new})


@pytest.mark.parametrize("password", ["Password123!", "welkom123456", "qwertyuiop123", "waterschei2024!",
                                      "stefanstoyanov", "staff@genk.example"])
def test_common_or_personal_passwords_are_refused_next_to_the_field(app, client, users, password):
    login(client, *users["staff"])
    response = change(client, "staff password 1", password)
    assert response.status_code == 200
    page = soup(response)
    assert page.select_one("#new-error") is not None
    assert page.select_one("#new")["aria-invalid"] == "true"
    assert rows(app, StaffUser, StaffUser.email == "staff@genk.example")[0].check_password("staff password 1")


def test_a_strong_password_is_accepted(app, client, users):
    login(client, *users["staff"])
    assert change(client, "staff password 1", "grijze kater op de vensterbank").status_code == 302
    assert rows(app, StaffUser, StaffUser.email == "staff@genk.example")[0].check_password(
        "grijze kater op de vensterbank")


def test_the_estimate_takes_at_most_its_own_limit_of_a_long_password():
    assert not too_easy("een zin die best lang is " * 10)  # 250 characters: zxcvbn itself stops at 72


def test_create_admin_refuses_an_easy_password(app, runner):
    result = runner.invoke(args=["create-admin", "first@genk.example", "--password", "wachtwoord123"])
    assert result.exit_code != 0 and "easy to guess" in result.output
    with app.app_context():
        assert db.session.scalars(select(StaffUser)).all() == []


def test_a_password_issued_by_an_administrator_is_changed_at_first_login(app, client, users):
    login(client, *users["admin"])
    response = client.post("/staff/accounts/", data={"name": "Nieuwe Collega", "email": "new@genk.example",
                                                     "roles": ["agenda"]})
    issued = soup(response).select_one(".app-banner code").get_text()
    client.post("/staff/logout", data={})

    assert login(client, "new@genk.example", issued).status_code == 302
    for path in ["/staff/", "/staff/homework/", "/tr/staff/feedback/", "/staff/events/new"]:
        response = client.get(path)
        assert response.status_code == 302, path
        assert response.headers["Location"].endswith("/staff/password"), path
    assert client.get("/tr/staff/").headers["Location"].endswith("/tr/staff/password")
    assert client.get("/staff/password").status_code == 200
    assert client.get("/agenda/").status_code == 200  # public pages stay as they are

    assert change(client, issued, "zeven blauwe fietsen in de regen").status_code == 302
    assert client.get("/staff/").status_code == 200
    assert rows(app, StaffUser, StaffUser.email == "new@genk.example")[0].must_change_password is False


def test_an_account_that_must_change_its_password_can_still_log_out(app, client, users):
    with app.app_context():
        user = db.session.scalars(select(StaffUser).where(StaffUser.email == "staff@genk.example")).one()
        user.must_change_password = True
        db.session.commit()
    login(client, *users["staff"])
    response = client.post("/staff/logout", data={})
    assert response.headers["Location"].endswith("/staff/login")
    assert client.get("/staff/password").status_code == 302


def test_an_administrator_issues_a_new_password_that_must_be_changed(app, client, users):
    staff = app.test_client()
    login(staff, *users["staff"])
    login(client, *users["admin"])
    staff_id = rows(app, StaffUser, StaffUser.email == "staff@genk.example")[0].id
    response = client.post(f"/staff/accounts/{staff_id}/new-password", data={})
    assert response.status_code == 200
    issued = soup(response).select_one(".app-banner code").get_text()
    assert len(issued) >= 12
    assert staff.get("/staff/").status_code == 302  # the sessions with the old password are over
    staff = app.test_client()
    assert login(staff, *users["staff"]).status_code == 200  # the old password no longer works
    assert login(staff, "staff@genk.example", issued).status_code == 302
    assert staff.get("/staff/").headers["Location"].endswith("/staff/password")
    assert [e.subject_id for e in rows(app, AuditEntry, AuditEntry.action == "account.new_password")] == [
        str(staff_id)]
