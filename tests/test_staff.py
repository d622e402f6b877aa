"""Staff publish the agenda: log in, create an event in three languages, publish, edit, cancel."""

from __future__ import annotations

import pyotp
from bs4 import BeautifulSoup
from sqlalchemy import select

from authenticator import Authenticator
from conftest import AUTHENTICATORS, login
from events.models import Event, Status
from participation.extensions import db
from participation.models import AuditEntry, StaffUser

EVENT_FORM = {
    "category": "activity",
    "title_nl": "Naaiatelier",
    "description_nl": "Samen kleren herstellen.\n\nBreng je eigen stof mee.",
    "location_nl": "Buurthuis, zaal 1",
    "title_tr": "Dikiş atölyesi",
    "description_tr": "Birlikte elbise tamiri.",
    "location_tr": "Mahalle evi, salon 1",
    "title_bg": "Шивашко ателие",
    "description_bg": "Заедно поправяме дрехи.",
    "location_bg": "Квартален дом, зала 1",
    "address": "Binnenlaan 50, 3600 Genk",
    "date": "2027-03-10",
    "start_time": "16:00",
    "end_time": "18:00",
    "repeats": "weekly",
    "weekdays": ["WE"],
    "repeat_until": "2027-04-14",
    "skip_dates": "07/04/2027",
}


def soup(response) -> BeautifulSoup:
    return BeautifulSoup(response.get_data(as_text=True), "html.parser")


def the_event(app) -> Event:
    with app.app_context():
        event = db.session.scalars(select(Event)).one()
        db.session.expunge(event)
        return event


def audit_actions(app) -> list[tuple[str, str]]:
    """The audit log's changes, without the logins (tests/test_login_throttle.py checks those)."""
    with app.app_context():
        return [(e.actor_email, e.action) for e in db.session.scalars(select(AuditEntry).order_by(AuditEntry.id))
                if e.action not in ("login", "login_failed")]


def test_staff_publish_edit_and_cancel_an_event(app, client, users):
    response = login(client, *users["staff"])
    assert response.status_code == 302 and response.headers["Location"].endswith("/staff/")

    response = client.post("/staff/events/new", data=EVENT_FORM)
    assert response.status_code == 302
    event = the_event(app)
    assert event.status == Status.DRAFT
    assert {lang: t.title for lang, t in event.texts.items()} == {
        "nl": "Naaiatelier", "tr": "Dikiş atölyesi", "bg": "Шивашко ателие"}
    assert event.weekdays == ["WE"] and str(event.repeat_until) == "2027-04-14"
    assert [str(d) for d in event.skipped] == ["2027-04-07"]

    # A draft is not public.
    client.post("/staff/logout", data={})
    assert client.get(f"/agenda/{event.id}/").status_code == 404
    login(client, *users["staff"])

    client.post(f"/staff/events/{event.id}/publish", data={})
    assert the_event(app).status == Status.PUBLISHED
    page = client.get(f"/tr/agenda/{event.id}/").get_data(as_text=True)
    assert "Dikiş atölyesi" in page and "Binnenlaan 50, 3600 Genk" in page

    edited = {**EVENT_FORM, "title_nl": "Naaiatelier voor iedereen", "end_time": "18:30"}
    response = client.post(f"/staff/events/{event.id}/edit", data=edited)
    assert response.status_code == 302
    after_edit = the_event(app)
    assert after_edit.texts["nl"].title == "Naaiatelier voor iedereen"
    assert after_edit.ends_at.strftime("%H:%M") == "18:30"
    assert after_edit.sequence > event.sequence

    confirm_page = client.get(f"/staff/events/{event.id}/cancel")
    assert "Naaiatelier voor iedereen" in confirm_page.get_data(as_text=True)
    client.post(f"/staff/events/{event.id}/cancel", data={})
    cancelled = the_event(app)
    assert cancelled.status == Status.CANCELLED
    assert cancelled.sequence > after_edit.sequence
    public = soup(client.get(f"/agenda/{event.id}/"))
    assert public.select_one(".app-banner--cancelled") is not None

    assert audit_actions(app) == [
        ("staff@genk.example", "event.create"),
        ("staff@genk.example", "event.publish"),
        ("staff@genk.example", "event.update"),
        ("staff@genk.example", "event.cancel"),
    ]


def test_deleting_an_event_asks_first_and_is_logged(app, client, users):
    login(client, *users["admin"])
    client.post("/staff/events/new", data=EVENT_FORM)
    event = the_event(app)
    assert "Naaiatelier" in client.get(f"/staff/events/{event.id}/delete").get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Event, event.id) is not None
    response = client.post(f"/staff/events/{event.id}/delete", data={})
    assert response.status_code == 302
    with app.app_context():
        assert db.session.get(Event, event.id) is None
    assert audit_actions(app)[-1] == ("admin@genk.example", "event.delete")


def test_invalid_event_shows_each_error_next_to_its_field_and_keeps_the_input(app, client, users):
    login(client, *users["staff"])
    bad = {**EVENT_FORM, "title_nl": "", "end_time": "15:00", "repeat_until": "", "skip_dates": "31/02/2027",
           "weekdays": []}
    response = client.post("/staff/events/new", data=bad)
    assert response.status_code == 200
    page = soup(response)
    errors = {p["id"].removesuffix("-error"): p.get_text(" ", strip=True) for p in page.select(".app-error")}
    assert set(errors) == {"title_nl", "end_time", "repeat_until", "skip_dates", "weekdays"}
    for field_id in errors:
        field = page.find(id=field_id)
        if field.name != "div":
            assert field["aria-invalid"] == "true"
            assert f"{field_id}-error" in field["aria-describedby"]
    summary_links = [a["href"] for a in page.select(".app-error-summary a")]
    assert sorted(summary_links) == sorted(f"#{f}" for f in errors)
    assert page.find(id="title_tr")["value"] == "Dikiş atölyesi"
    assert page.find(id="description_nl").get_text() .strip().startswith("Samen kleren herstellen.")
    with app.app_context():
        assert db.session.scalars(select(Event)).all() == []


def test_visitors_cannot_reach_staff_pages(app, client, users):
    for url in ["/staff/", "/staff/events/new", "/staff/accounts/", "/staff/audit/", "/tr/staff/"]:
        response = client.get(url)
        assert response.status_code == 302, url
        assert "/staff/login" in response.headers["Location"], url
    assert client.post("/staff/events/new", data=EVENT_FORM).status_code == 302
    with app.app_context():
        assert db.session.scalars(select(Event)).all() == []


def test_staff_cannot_see_or_change_the_accounts_or_the_audit_log(app, client, users):
    login(client, *users["staff"])
    assert client.get("/staff/accounts/").status_code == 403
    assert client.get("/staff/audit/").status_code == 403
    response = client.post("/staff/accounts/", data={"name": "X", "email": "x@genk.example", "roles": ["admin"]})
    assert response.status_code == 403
    with app.app_context():
        assert db.session.scalars(select(StaffUser).where(StaffUser.email == "x@genk.example")).all() == []
    assert audit_actions(app) == []


def new_colleague(client, users) -> str:
    """The administrator adds "New@Genk.example" for the agenda and homework; the password shown once."""
    login(client, *users["admin"])
    response = client.post("/staff/accounts/", data={"name": "Nieuwe Collega", "email": "New@Genk.example",
                                                     "roles": ["agenda", "homework"]})
    assert response.status_code == 200
    return soup(response).select_one(".app-banner code").get_text()


def test_an_admin_adds_a_colleague_and_is_shown_a_generated_password_once(app, client, users):
    password = new_colleague(client, users)
    assert len(password) == 16 and password.replace("-", "").replace("_", "").isalnum()  # token_urlsafe(12)
    with app.app_context():
        added = db.session.scalars(select(StaffUser).where(StaffUser.email == "new@genk.example")).one()
        assert added.name == "Nieuwe Collega" and added.check_password(password)
    assert password not in client.get("/staff/accounts/").get_data(as_text=True)


def test_the_new_colleague_logs_in_with_the_password_shown(app, client, users):
    password = new_colleague(client, users)
    client.post("/staff/logout", data={})
    response = login(client, "new@genk.example", password)
    assert response.status_code == 302
    assert "/staff/login" not in response.headers["Location"]


def deactivate_staff(app, client, users) -> None:
    """The administrator switches the account of staff@genk.example off."""
    login(client, *users["admin"])
    with app.app_context():
        staff_id = db.session.scalars(select(StaffUser).where(StaffUser.email == "staff@genk.example")).one().id
    client.post(f"/staff/accounts/{staff_id}/deactivate", data={})
    client.post("/staff/logout", data={})


def test_a_switched_off_account_is_refused_with_an_error_next_to_the_password(app, client, users):
    deactivate_staff(app, client, users)
    response = login(client, *users["staff"])
    assert response.status_code == 200
    assert soup(response).select_one("#password-error") is not None
    assert client.get("/staff/").status_code == 302


def test_adding_and_switching_off_accounts_are_audited_in_order(app, client, users):
    new_colleague(client, users)
    client.post("/staff/logout", data={})
    deactivate_staff(app, client, users)
    assert audit_actions(app) == [("admin@genk.example", "account.create"),
                                  ("admin@genk.example", "account.deactivate")]


def test_a_wrong_password_is_refused_with_an_error_next_to_the_field(app, client, users):
    response = login(client, "admin@genk.example", "wrong password")
    page = soup(response)
    assert response.status_code == 200
    assert page.find(id="email")["value"] == "admin@genk.example"
    assert page.select_one("#password-error") is not None
    assert client.get("/staff/").status_code == 302


def test_create_admin_command_makes_the_first_administrator(app, runner):
    result = runner.invoke(args=["create-admin", "First@Genk.example", "--name", "Eerste",
                                 "--password", "a long enough password"])
    assert result.exit_code == 0, result.output
    assert "two-step login" in result.output
    with app.app_context():
        user = db.session.scalars(select(StaffUser)).one()
        assert (user.email, user.roles, user.check_password("a long enough password")) == (
            "first@genk.example", {"agenda", "homework", "feedback", "admin"}, True)
        assert user.password_hash.startswith("$argon2")
    short = runner.invoke(args=["create-admin", "b@genk.example", "--password", "short"])
    assert short.exit_code != 0


def test_csrf_and_rate_limits_are_active_outside_test_mode(live_app, users):
    live = live_app(TESTING=False, WTF_CSRF_ENABLED=True, RATELIMIT_ENABLED=True)
    client = live.test_client()
    # A post without the form's token is refused and stores nothing.
    response = client.post("/staff/login", data={"email": "admin@genk.example", "password": "admin password 1"})
    assert response.status_code == 200
    summary = soup(response).select_one(".app-error-summary")
    assert summary is not None and summary.select("li") and not summary.select("a")  # the form, not a field
    assert client.get("/staff/").status_code == 302

    statuses = []
    for _ in range(12):
        form = client.get("/staff/login")
        token = soup(form).find("input", attrs={"name": "csrf_token"})["value"]
        statuses.append(client.post("/staff/login", data={"csrf_token": token, "email": "admin@genk.example",
                                                          "password": "guess"}).status_code)
    # Ten login attempts a minute (the one without a token included), then 429.
    assert statuses == [200] * 9 + [429] * 3
    limited = client.post("/staff/login", data={})
    assert limited.status_code == 429 and limited.headers["Retry-After"]
    assert soup(limited).find("html")["lang"] == "nl"


def test_seed_demo_prints_a_demo_login_that_works(app, client, runner):
    result = runner.invoke(args=["seed-demo"])
    assert result.exit_code == 0, result.output
    line = next(line for line in result.output.splitlines() if "password:" in line)
    email = line.split("e-mail:")[1].split()[0]
    password = line.split("password:")[1].strip()
    # Administrators log in in two steps: the key for an authenticator app is printed too.
    secret = result.output.split("authenticator app:")[1].split()[0]
    uri = next(word for word in result.output.split() if word.startswith("otpauth://"))
    assert pyotp.parse_uri(uri.rstrip(")")).secret == secret
    AUTHENTICATORS[email] = Authenticator(secret)
    assert login(client, email, password).status_code == 302
    assert client.get("/staff/").status_code == 200
    with app.app_context():
        assert db.session.scalars(select(Event)).all()
    # Running it again adds no second set of events.
    runner.invoke(args=["seed-demo"])
    with app.app_context():
        assert len(db.session.scalars(select(Event)).all()) == 7
