"""Signing up for an activity without an account, the waiting list, and the staff lists."""

from __future__ import annotations

import csv
import datetime as dt
import io
import multiprocessing
import os
import uuid
from zoneinfo import ZoneInfo

import pytest
from bs4 import BeautifulSoup
from sqlalchemy import func, select

from conftest import login
from db_helpers import rows
from events.models import Event, Status
from participation.extensions import db
from participation.outbox import OutboxMessage
from participation.signups.models import Signup, SignupStatus

BRUSSELS = ZoneInfo("Europe/Brussels")


def add_activity(app, capacity=10, *, days_ahead=7, opens=None, closes=None, status=Status.PUBLISHED) -> int:
    start = dt.datetime.now(BRUSSELS).replace(tzinfo=None, hour=14, minute=0, second=0, microsecond=0) \
        + dt.timedelta(days=days_ahead)
    with app.app_context():
        event = Event(category="activity", status=status.value, address="Binnenlaan 50, 3600 Genk",
                      starts_at=start, ends_at=start + dt.timedelta(hours=2), capacity=capacity,
                      signups_open_at=opens, signups_close_at=closes)
        event.set_text("nl", "Naaiatelier", "Samen naaien.", "Buurthuis")
        event.set_text("tr", "Dikiş atölyesi", "Birlikte dikiş.", "Mahalle evi")
        event.set_text("bg", "Шивашко ателие", "Шием заедно.", "Квартален дом")
        db.session.add(event)
        db.session.commit()
        return event.id


def soup(response) -> BeautifulSoup:
    return BeautifulSoup(response.get_data(as_text=True), "html.parser")


def form_data(**overrides) -> dict:
    data = {"name": "Ayşe Yılmaz", "phone": "0470 12 34 56", "email": "", "people": "2", "language": "tr",
            "consent": "y", "submission_id": uuid.uuid4().hex}
    data.update(overrides)
    return data


def signups(app, event_id) -> list[Signup]:
    return rows(app, Signup, Signup.event_id == event_id)


def outbox(app) -> list[OutboxMessage]:
    return rows(app, OutboxMessage)


def translated(language: str, msgid: str) -> str:
    from test_app_pages import catalog

    return catalog(language)[msgid].string


@pytest.mark.parametrize("language, name", [("nl", "Jan Peeters"), ("tr", "Ayşe Yılmaz"), ("bg", "Мария Иванова")])
def test_sign_up_in_each_language_and_see_what_happens_next(app, client, language, name):
    event_id = add_activity(app)
    prefix = "" if language == "nl" else f"/{language}"
    page = soup(client.get(f"{prefix}/agenda/{event_id}/"))
    assert page.find("a", href=f"{prefix}/agenda/{event_id}/signup")

    form_page = soup(client.get(f"{prefix}/agenda/{event_id}/signup"))
    assert form_page.find("html")["lang"] == language
    assert form_page.find("input", attrs={"name": "language", "value": language}).has_attr("checked")
    response = client.post(f"{prefix}/agenda/{event_id}/signup",
                           data=form_data(name=name, email="fam@example.be", language=language))
    assert response.status_code == 302
    # With an e-mail address, the private link is in the mail (and only there; see the next test).
    assert response.headers["Location"] == f"{prefix}/agenda/{event_id}/signup/sent"
    answer = soup(client.get(response.headers["Location"]))
    assert answer.find("h1").get_text() == translated(language, "Check your e-mail")
    assert "fam@example.be" in answer.select_one(".app-panel").get_text()
    stored = signups(app, event_id)[0]
    assert (stored.name, stored.people, stored.status, stored.language, stored.phone) == (
        name, 2, SignupStatus.CONFIRMED, language, "+32470123456")
    assert stored.token not in str(answer)
    confirmation = soup(client.get(f"{prefix}/signup/{stored.token}/"))
    assert confirmation.select_one(".app-reference").get_text() == stored.reference
    assert stored.token in confirmation.select_one(".app-copy code").get_text()
    message = outbox(app)[0]
    assert message.recipient == "fam@example.be" and message.language == language
    assert message.subject == f"{translated(language, 'You are signed up')} ({stored.reference})"
    assert stored.reference in message.body
    assert f"{prefix}/signup/{stored.token}/" in message.body


def test_a_parent_without_e_mail_signs_up_by_phone_and_gets_no_mail(app, client):
    event_id = add_activity(app)
    response = client.post(f"/tr/agenda/{event_id}/signup", data=form_data(email=""))
    assert response.status_code == 302
    assert outbox(app) == []
    page = soup(client.get(response.headers["Location"]))
    assert page.select_one(".app-reference") is not None


def test_every_error_is_shown_next_to_its_field_and_the_input_is_kept(app, client):
    event_id = add_activity(app)
    response = client.post(f"/bg/agenda/{event_id}/signup", data=form_data(
        name="", phone="", email="niet-een-adres", people="0", consent=""))
    page = soup(response)
    errors = {p["id"].removesuffix("-error") for p in page.select(".app-error")}
    assert errors == {"name", "email", "people", "consent"}
    for field_id in errors:
        field = page.find(id=field_id)
        assert field["aria-invalid"] == "true" and f"{field_id}-error" in field["aria-describedby"]
    assert {a["href"] for a in page.select(".app-error-summary a")} == {f"#{f}" for f in errors}
    assert page.find(id="email")["value"] == "niet-een-adres"
    assert page.find(id="people")["value"] == "0"
    assert signups(app, event_id) == []
    # Neither phone nor e-mail: one clear message next to the phone field.
    response = client.post(f"/agenda/{event_id}/signup", data=form_data(phone="", email=""))
    assert soup(response).select_one("#phone-error") is not None


def test_when_places_run_out_the_waiting_list_takes_over_and_moves_up(app, client):
    event_id = add_activity(app, capacity=3)
    client.post(f"/agenda/{event_id}/signup", data=form_data(name="A", phone="0470000001", people="2",
                                                                      email="a@example.be", language="nl"))
    client.post(f"/agenda/{event_id}/signup", data=form_data(name="B", phone="0470000002", people="2",
                                                             email="b@example.be", language="bg"))
    client.post(f"/agenda/{event_id}/signup", data=form_data(name="C", phone="0470000003", people="1"))
    statuses = {s.name: s.status for s in signups(app, event_id)}
    assert statuses == {"A": "confirmed", "B": "waiting", "C": "confirmed"}
    waiting_page = soup(client.get(f"/bg/signup/{signups(app, event_id)[1].token}/"))
    assert waiting_page.select_one(".app-panel--waiting") is not None

    # A cancels by the private link: B (two people) now fits and moves up, and is told in Bulgarian.
    token = next(s.token for s in signups(app, event_id) if s.name == "A")
    client.post(f"/signup/{token}/cancel", data={})
    statuses = {s.name: s.status for s in signups(app, event_id)}
    assert statuses == {"A": "cancelled", "B": "confirmed", "C": "confirmed"}
    promoted = [m for m in outbox(app) if m.kind == "signup_promoted"]
    assert [(m.recipient, m.language) for m in promoted] == [("b@example.be", "bg")]


def test_a_double_click_signs_up_once_and_the_same_person_cannot_sign_up_twice(app, client):
    event_id = add_activity(app)
    data = form_data()
    first = client.post(f"/agenda/{event_id}/signup", data=data)
    second = client.post(f"/agenda/{event_id}/signup", data=data)
    assert first.headers["Location"] == second.headers["Location"]
    assert len(signups(app, event_id)) == 1
    again = client.post(f"/agenda/{event_id}/signup", data=form_data(phone="0470 123 456"))
    assert again.status_code == 200
    assert soup(again).select_one("#phone-error") is not None
    assert len(signups(app, event_id)) == 1


def test_signing_up_with_someone_elses_contact_answers_as_for_anyone_and_tells_only_them(app, client):
    """Whoever types a neighbour's e-mail address or phone number learns nothing: the answer is the
    same as for a new sign-up, and the private link goes again to the neighbour's own address."""
    event_id = add_activity(app)
    mine = client.post(f"/agenda/{event_id}/signup", data=form_data(
        name="Mira", phone="0470 11 11 11", email="mira@example.be", language="bg"))
    new_answer = soup(client.get(mine.headers["Location"]))
    [stored] = signups(app, event_id)

    # A stranger with Mira's e-mail address (any case), and one with her phone number and their own address.
    for typed in (form_data(name="X", phone="", email="MIRA@example.be"),
                  form_data(name="Y", phone="+32 470 11 11 11", email="stranger@example.be")):
        reply = client.post(f"/agenda/{event_id}/signup", data=typed)
        assert (reply.status_code, reply.headers["Location"]) == (302, mine.headers["Location"])
        answer = soup(client.get(reply.headers["Location"]))
        assert answer.find("h1").get_text() == new_answer.find("h1").get_text()
        assert stored.token not in str(answer) and stored.reference not in str(answer) and "Mira" not in str(answer)
        assert answer.select_one(".app-panel").get_text().replace(typed["email"], "") == \
            new_answer.select_one(".app-panel").get_text().replace("mira@example.be", "")
    assert [s.name for s in signups(app, event_id)] == ["Mira"]

    # Mira is told once (not once per try: a script must not fill her inbox), in her language, with her link.
    again = [m for m in outbox(app) if m.kind == "signup_link_again"]
    assert [(m.recipient, m.language) for m in again] == [("mira@example.be", "bg")]
    assert f"/bg/signup/{stored.token}/" in again[0].body and stored.reference in again[0].subject
    assert not [m for m in outbox(app) if m.recipient == "stranger@example.be"]


def test_sign_ups_open_and_close_at_their_times(app, client):
    now = dt.datetime.now(BRUSSELS).replace(tzinfo=None)
    later = add_activity(app, opens=now + dt.timedelta(days=2))
    closed = add_activity(app, closes=now - dt.timedelta(hours=1))
    for event_id in (later, closed):
        page = soup(client.get(f"/agenda/{event_id}/signup"))
        assert page.find("form", class_="app-form") is None
        assert client.post(f"/agenda/{event_id}/signup", data=form_data()).status_code == 200
        assert signups(app, event_id) == []
    assert client.get(f"/agenda/{add_activity(app, capacity=None)}/signup").status_code == 404


def test_staff_run_the_lists_take_a_sign_up_by_phone_print_and_export(app, client, users):
    event_id = add_activity(app, capacity=2)
    client.post(f"/agenda/{event_id}/signup", data=form_data(name="Ayşe Yılmaz", phone="0470000001", people="2"))
    client.post(f"/agenda/{event_id}/signup", data=form_data(name="Мария Иванова", phone="0470000002", people="1",
                                                             language="bg"))
    assert client.get(f"/staff/events/{event_id}/signups").status_code == 302  # staff only

    login(client, *users["staff"])
    page = soup(client.get(f"/staff/events/{event_id}/signups"))
    tables = page.select("table")
    assert "Ayşe Yılmaz" in tables[0].get_text() and "Мария Иванова" in tables[1].get_text()

    response = client.post(f"/staff/events/{event_id}/signups", data=form_data(
        name="=HYPERLINK(\"x\")", phone="0470000003", people="1", language="nl", consent="y"))
    assert response.status_code == 302
    taken = signups(app, event_id)[-1]
    assert (taken.source, taken.status) == ("staff", "waiting")

    ayse = signups(app, event_id)[0]
    client.post(f"/staff/signups/{ayse.id}/cancel", data={})
    statuses = [s.status for s in signups(app, event_id)]
    assert statuses == ["cancelled", "confirmed", "confirmed"]

    attendance = soup(client.get(f"/staff/events/{event_id}/attendance"))
    rows = [row.get_text(" ", strip=True) for row in attendance.select("tbody tr")]
    assert len(rows) == 2 and "Мария Иванова" in rows[0]

    export = client.get(f"/staff/events/{event_id}/signups.csv")
    assert export.mimetype == "text/csv"
    raw = export.data.decode("utf-8")
    assert raw.startswith("\ufeff")
    table = list(csv.reader(io.StringIO(raw[1:]), delimiter=";"))
    names = [row[2] for row in table[1:]]
    assert "Мария Иванова" in names and "Ayşe Yılmaz" in names
    assert "'=HYPERLINK(\"x\")" in names  # no formula runs when the file is opened
    with app.app_context():
        from participation.models import AuditEntry

        actions = [a for (a,) in db.session.execute(select(AuditEntry.action).where(
            AuditEntry.action.not_like("view.%"), AuditEntry.action.not_in(("login", "login_failed"))).order_by(AuditEntry.id))]
    assert actions == ["signup.create", "signup.cancel", "signup.promote", "signup.promote", "signup.export"]


def test_more_places_move_the_waiting_list_up(app, client, users):
    event_id = add_activity(app, capacity=1)
    client.post(f"/agenda/{event_id}/signup", data=form_data(name="A", phone="0470000001", people="1"))
    client.post(f"/agenda/{event_id}/signup", data=form_data(name="B", phone="0470000002", people="1"))
    login(client, *users["staff"])
    page = soup(client.get(f"/staff/events/{event_id}/edit"))
    form = {f["name"]: f.get("value", "") for f in page.select("form.app-form input")
            if f.get("type") not in ("checkbox", "submit")}
    form.update({f["name"]: f.get_text() for f in page.select("form.app-form textarea")})
    form.update(category="activity", capacity="2")
    assert client.post(f"/staff/events/{event_id}/edit", data=form).status_code == 302
    assert [s.status for s in signups(app, event_id)] == ["confirmed", "confirmed"]


def test_reminders_go_once_to_those_with_an_e_mail_address(app, client):
    soon = add_activity(app, days_ahead=0)
    with app.app_context():
        event = db.session.get(Event, soon)
        event.starts_at = dt.datetime.now(BRUSSELS).replace(tzinfo=None) + dt.timedelta(hours=5)
        event.ends_at = event.starts_at + dt.timedelta(hours=1)
        db.session.commit()
    far = add_activity(app, days_ahead=20)
    for event_id in (soon, far):
        client.post(f"/agenda/{event_id}/signup", data=form_data(email="x@example.be", phone="", language="bg"))
        client.post(f"/agenda/{event_id}/signup", data=form_data(email="", phone="0470999999"))
    from participation.signups.service import queue_reminders

    with app.app_context():
        assert queue_reminders() == 1
        assert queue_reminders() == 0
    reminders = [m for m in outbox(app) if m.kind == "signup_reminder"]
    assert [(m.recipient, m.language) for m in reminders] == [("x@example.be", "bg")]


# --- no overbooking under concurrency ----------------------------------------------------------

def _sign_up_in_a_process(database_url, site_dir, instance, event_id, number, barrier, results):
    """One resident's phone: its own process and database connection, all pressing send at once."""
    from participation import create_app

    os.environ["INSTANCE_PATH"] = instance
    app = create_app({"TESTING": True, "SECRET_KEY": "x", "SQLALCHEMY_DATABASE_URI": database_url,
                      "SITE_DIR": site_dir, "WTF_CSRF_ENABLED": False, "RATELIMIT_ENABLED": False})
    client = app.test_client()
    data = {"name": f"Person {number}", "phone": f"04700{number:05d}", "email": "", "people": str(1 + number % 2),
            "language": "nl", "consent": "y", "submission_id": uuid.uuid4().hex}
    barrier.wait()
    response = client.post(f"/agenda/{event_id}/signup", data=data)
    results.put((number, response.status_code, response.headers.get("Location", "")))
    with app.app_context():
        db.engine.dispose()


def test_simultaneous_sign_ups_never_overbook(app, database_url, site, tmp_path):
    capacity, people = 7, 16
    event_id = add_activity(app, capacity=capacity)
    context = multiprocessing.get_context("spawn")
    barrier, results = context.Barrier(people), context.Queue()
    processes = [context.Process(target=_sign_up_in_a_process, args=(
        database_url, str(site), str(tmp_path / "instance"), event_id, n, barrier, results)) for n in range(people)]
    for process in processes:
        process.start()
    answers = [results.get(timeout=120) for _ in processes]
    for process in processes:
        process.join(timeout=60)
    assert sorted(status for _, status, _ in answers) == [302] * people  # every request acknowledged
    stored = signups(app, event_id)
    assert len(stored) == people  # each acknowledged sign-up stored exactly once
    confirmed = sum(s.people for s in stored if s.status == SignupStatus.CONFIRMED)
    assert confirmed <= capacity
    # Nobody waits who would have fitted in the places left.
    left = capacity - confirmed
    assert all(s.people > left for s in stored if s.status == SignupStatus.WAITING)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Signup)) == people
