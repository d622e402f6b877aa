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
        db.session.commit()  # as the outbox worker does after each round
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


# --- places per date (a drop-in series) ------------------------------------------------------------

def add_series(app, capacity=2, *, per_date=True, first_days_ago=3, weeks=6, late_joining=False) -> tuple[int, list[dt.datetime]]:
    """A weekly drop-in (or course) whose first date is past; returns its id and its dates (planned starts)."""
    today = dt.datetime.now(BRUSSELS).replace(tzinfo=None, hour=14, minute=0, second=0, microsecond=0)
    start = today - dt.timedelta(days=first_days_ago)
    with app.app_context():
        from events.models import WEEKDAYS

        event = Event(category="activity", status=Status.PUBLISHED.value, address="Binnenlaan 50, 3600 Genk",
                      starts_at=start, ends_at=start + dt.timedelta(hours=2), capacity=capacity,
                      repeat="weekly", repeat_weekdays=WEEKDAYS[start.weekday()],
                      repeat_until=(start + dt.timedelta(weeks=weeks)).date(),
                      places_per="date" if per_date else "series", late_joining=late_joining)
        event.set_text("nl", "Creatief atelier", "Samen knutselen.", "Buurthuis")
        event.set_text("tr", "Yaratıcı atölye", "Birlikte el işi.", "Mahalle evi")
        db.session.add(event)
        db.session.commit()
        return event.id, [start + dt.timedelta(weeks=n) for n in range(weeks + 1)]


def iso(start: dt.datetime) -> str:
    return start.strftime("%Y-%m-%dT%H:%M")


def test_each_date_has_its_own_places_and_several_dates_go_in_one_form(app, client):
    event_id, dates = add_series(app, capacity=2)
    first, second, third = dates[1], dates[2], dates[3]  # dates[0] is past
    # The event page: places per date, and a link per date that preselects it on the form.
    page = soup(client.get(f"/agenda/{event_id}/"))
    link = page.find("a", href=f"/agenda/{event_id}/signup?date={iso(first)}")
    assert link is not None
    form_page = soup(client.get(link["href"]))
    boxes = {box["value"]: box.has_attr("checked") for box in form_page.select("input[name=date]")}
    assert iso(dates[0]) not in boxes  # a date gone by is not offered
    assert boxes[iso(first)] and not boxes[iso(second)]

    # Ana takes both places of the first date; Bert ticks three dates: waiting list, place, place.
    client.post(f"/agenda/{event_id}/signup", data=form_data(name="Ana", phone="0470000001", people="2",
                                                             date=[iso(first)]))
    data = form_data(name="Bert", phone="0470000002", people="1", date=[iso(first), iso(second), iso(third)])
    answer = client.post(f"/agenda/{event_id}/signup", data=data)
    assert answer.status_code == 302 and "/signup/" in answer.headers["Location"]
    again = client.post(f"/agenda/{event_id}/signup", data=data)  # a double click
    assert again.headers["Location"] == answer.headers["Location"]
    bert = [s for s in signups(app, event_id) if s.name == "Bert"]
    assert [(s.occurrence_start, s.status) for s in bert] == [
        (first, "waiting"), (second, "confirmed"), (third, "confirmed")]
    assert len({s.token for s in bert}) == 1 and len({s.reference for s in bert}) == 1
    assert bert[0].submission_id == f"{data['submission_id']}@{first.isoformat()}"

    # Bert's private page says clearly, per date: waiting list (number 1) or a place.
    private = soup(client.get(answer.headers["Location"]))
    items = [li.get_text(" ", strip=True) for li in private.select(".app-dates__item")]
    assert len(items) == 3
    assert "Waiting list: number 1" in items[0] or translated("nl", "Waiting list: number %(position)d") \
        .replace("%(position)d", "1") in items[0]
    assert private.select(".app-dates__item")[1].select_one(".app-tag").get_text() == \
        translated("nl", "You have a place")

    # The event page shows the first date full, the second with one place left.
    page = soup(client.get(f"/agenda/{event_id}/"))
    lines = {li.find("time")["datetime"][:16]: li.get_text(" ", strip=True) for li in page.select(".app-dates__item")}
    assert translated("nl", "full — waiting list") in lines[iso(first)]
    assert "1" in lines[iso(second)] and translated("nl", "full — waiting list") not in lines[iso(second)]

    # The same phone cannot take a second place on a date, but may on another date.
    same = client.post(f"/agenda/{event_id}/signup", data=form_data(name="Ana", phone="0470000001", people="1",
                                                                    date=[iso(first)]))
    assert same.status_code == 200 and soup(same).select_one("#date-error") is not None
    other = client.post(f"/agenda/{event_id}/signup", data=form_data(name="Ana", phone="0470000001", people="1",
                                                                     date=[iso(first), iso(second)]))
    assert other.status_code == 302
    ana = [(s.occurrence_start, s.status) for s in signups(app, event_id) if s.name == "Ana"]
    assert ana == [(first, "confirmed"), (second, "confirmed")]

    # No date ticked: the error is next to the dates, nothing is stored.
    none = client.post(f"/agenda/{event_id}/signup", data=form_data(name="C", phone="0470000003"))
    assert soup(none).select_one("#date-error") is not None
    assert not [s for s in signups(app, event_id) if s.name == "C"]


def test_with_an_e_mail_address_several_dates_get_one_mail_that_says_each_dates_state(app, client):
    event_id, dates = add_series(app, capacity=1)
    client.post(f"/agenda/{event_id}/signup", data=form_data(name="A", phone="0470000001", people="1",
                                                             date=[iso(dates[1])]))
    answer = client.post(f"/tr/agenda/{event_id}/signup", data=form_data(
        name="Mira", phone="", email="mira@example.be", people="1", language="tr",
        date=[iso(dates[1]), iso(dates[2])]))
    assert answer.headers["Location"] == f"/tr/agenda/{event_id}/signup/sent"
    [mail] = [m for m in outbox(app) if m.recipient == "mira@example.be"]
    assert mail.kind == "signup_confirmed" and mail.language == "tr"
    lines = [line for line in mail.body.splitlines() if line.startswith("- ")]
    assert len(lines) == 2
    assert lines[0].endswith(translated("tr", "waiting list")) and lines[1].endswith(translated("tr", "place"))
    # The same address again for those dates: the same answer, the link again to Mira only.
    again = client.post(f"/tr/agenda/{event_id}/signup", data=form_data(
        name="X", phone="", email="MIRA@example.be", people="1", language="tr", date=[iso(dates[1])]))
    assert again.headers["Location"] == answer.headers["Location"]
    assert [m.recipient for m in outbox(app) if m.kind == "signup_link_again"] == ["mira@example.be"]


def test_cancelling_one_date_moves_up_whoever_waits_for_that_date(app, client):
    event_id, dates = add_series(app, capacity=1)
    first, second = dates[1], dates[2]
    ana = client.post(f"/agenda/{event_id}/signup", data=form_data(name="Ana", phone="0470000001", people="1",
                                                                   date=[iso(first), iso(second)]))
    client.post(f"/agenda/{event_id}/signup", data=form_data(name="Bert", phone="0470000002", people="1",
                                                             email="bert@example.be", date=[iso(first)]))
    client.post(f"/agenda/{event_id}/signup", data=form_data(name="Cleo", phone="0470000003", people="1",
                                                             date=[iso(second)]))
    token = ana.headers["Location"].split("/signup/")[1].split("/")[0]
    client.post(f"/signup/{token}/cancel", data={"date": iso(first)})
    state = {(s.name, s.occurrence_start): s.status for s in signups(app, event_id)}
    assert state == {("Ana", first): "cancelled", ("Ana", second): "confirmed",
                     ("Bert", first): "confirmed", ("Cleo", second): "waiting"}
    assert [m.recipient for m in outbox(app) if m.kind == "signup_promoted"] == ["bert@example.be"]
    # Cancel everything left: Cleo moves up on the second date.
    client.post(f"/signup/{token}/cancel", data={})
    state = {(s.name, s.occurrence_start): s.status for s in signups(app, event_id)}
    assert state[("Ana", second)] == "cancelled" and state[("Cleo", second)] == "confirmed"


def _change_date(app, event_id, original, status, *, note=None, starts_at=None):
    from events.models import DateChange

    with app.app_context():
        event = db.session.get(Event, event_id)
        change = DateChange(event_id=event_id, original_start=original, status=status,
                            starts_at=starts_at, ends_at=starts_at + dt.timedelta(hours=2) if starts_at else None)
        change.set_texts({"nl": {"note": note or ""}})
        change.revised()
        db.session.add(change)
        event.updated_at = dt.datetime.now(dt.UTC).replace(tzinfo=None) + dt.timedelta(seconds=1)
        db.session.commit()


def test_cancelled_and_moved_dates_are_shown_struck_through_with_their_reason(app, client):
    event_id, dates = add_series(app, capacity=3)
    mine = client.post(f"/agenda/{event_id}/signup", data=form_data(name="Ana", phone="0470000001", people="1",
                                                                    date=[iso(dates[1]), iso(dates[2])]))
    before = client.get(f"/tr/agenda/{event_id}/").get_data(as_text=True)  # kept for anonymous visitors
    _change_date(app, event_id, dates[1], "cancelled", note="Het buurthuis is gesloten")
    _change_date(app, event_id, dates[2], "moved", starts_at=dates[2] + dt.timedelta(days=1, hours=2),
                 note="In de grote zaal")
    page = soup(client.get(f"/tr/agenda/{event_id}/"))
    assert str(page) != before
    items = {li.find("time")["datetime"][:16] if li.find("time") else "": li for li in page.select(".app-dates__item")}
    cancelled = next(li for li in page.select(".app-dates__item") if li.select_one("del") and "Het buurthuis" in li.get_text())
    assert cancelled.select_one("span[lang=nl]").get_text() == "Het buurthuis is gesloten"
    assert translated("tr", "Cancelled") in cancelled.get_text()
    assert not cancelled.find("a")  # no sign-up for a cancelled date
    moved = items[iso(dates[2] + dt.timedelta(days=1, hours=2))]
    assert moved.select_one("del") is not None and "16:00" in moved.get_text()
    assert soup(client.get(f"/tr/agenda/{event_id}/signup")).find("input", value=iso(dates[1])) is None
    # The agenda marks them too.
    agenda = soup(client.get("/agenda/"))
    tags = [li.get_text(" ", strip=True) for li in agenda.select(".app-agenda__item")]
    assert any(translated("nl", "Cancelled") in t and "Creatief atelier" in t for t in tags)
    assert any(translated("nl", "Moved") in t for t in tags)
    # The private page: the date cancelled by the buurthuis, the moved one with its new time.
    private = soup(client.get(mine.headers["Location"]))
    lines = [li.get_text(" ", strip=True) for li in private.select(".app-dates__item")]
    assert translated("nl", "This date is cancelled by the buurthuis.") in lines[0]
    assert translated("nl", "Moved to") in lines[1] and "16:00" in lines[1]


def test_reminders_go_before_each_date_for_date_and_series_sign_ups(app, client):
    from participation.signups.service import queue_reminders

    drop_in, dates = add_series(app, capacity=5)
    course, course_dates = add_series(app, capacity=5, per_date=False, first_days_ago=-1, late_joining=True)
    client.post(f"/agenda/{drop_in}/signup", data=form_data(name="D", phone="", email="d@example.be", language="nl",
                                                            date=[iso(dates[1]), iso(dates[2]), iso(dates[3])]))
    client.post(f"/agenda/{course}/signup", data=form_data(name="S", phone="", email="s@example.be", language="nl"))
    _change_date(app, drop_in, dates[2], "cancelled", note="Gesloten")

    def at(moment):  # a few hours before a date (REMINDER_HOURS ahead covers it)
        return (moment - dt.timedelta(hours=2)).replace(tzinfo=BRUSSELS)

    with app.app_context():
        assert queue_reminders(at(dates[1])) == 1 and queue_reminders(at(dates[1])) == 0  # the drop-in's date
        assert queue_reminders(at(dates[2])) == 0  # cancelled: no reminder
        assert queue_reminders(at(dates[3])) == 1
        assert queue_reminders(at(course_dates[0])) == 1  # the course, before each of its dates
        assert queue_reminders(at(course_dates[1])) == 1 and queue_reminders(at(course_dates[1])) == 0
        db.session.commit()  # as the outbox worker does after each round
    reminders = [m for m in outbox(app) if m.kind == "signup_reminder"]
    assert [m.recipient for m in reminders] == ["d@example.be", "d@example.be", "s@example.be", "s@example.be"]
    assert f"{course_dates[1]:%H:%M}" in reminders[3].body
    from participation.templating import day_label
    with app.test_request_context():
        from flask_babel import force_locale
        with force_locale("nl"):
            assert day_label(course_dates[1].date()) in reminders[3].body
            assert day_label(dates[3].date()) in reminders[1].body


def test_staff_lists_csv_and_attendance_per_date_and_the_count_outlives_erasure(app, client, users):
    from participation.signups.models import Attendance

    event_id, dates = add_series(app, capacity=2)
    first, second = dates[1], dates[2]
    client.post(f"/agenda/{event_id}/signup", data=form_data(name="Ayşe", phone="0470000001", people="2",
                                                             email="ayse@example.be", date=[iso(first), iso(second)]))
    client.post(f"/agenda/{event_id}/signup", data=form_data(name="Мария", phone="0470000002", people="1",
                                                             date=[iso(second)]))
    login(client, *users["staff"])
    page = soup(client.get(f"/staff/events/{event_id}/signups?date={iso(second)}"))
    confirmed, waiting = page.select("table")[:2]
    assert "Ayşe" in confirmed.get_text() and "Мария" in waiting.get_text()
    page = soup(client.get(f"/staff/events/{event_id}/signups?date={iso(first)}"))
    assert "Мария" not in page.get_text()
    export = client.get(f"/staff/events/{event_id}/signups.csv?date={iso(second)}")
    table = list(csv.reader(io.StringIO(export.data.decode("utf-8")[1:]), delimiter=";"))
    assert sorted(row[2] for row in table[1:]) == ["Ayşe", "Мария"]
    assert {row[-1] for row in table[1:]} == {second.strftime("%Y-%m-%d %H:%M")}

    # Staff tick who came on the first date; unticking takes it back.
    sheet = soup(client.get(f"/staff/events/{event_id}/attendance?date={iso(first)}"))
    [box] = sheet.select("input[name=present]")
    assert client.post(f"/staff/events/{event_id}/attendance?date={iso(first)}",
                       data={"present": box["value"]}).status_code == 302
    with app.app_context():
        assert db.session.scalars(select(Attendance.people)).all() == [2]
    sheet = soup(client.get(f"/staff/events/{event_id}/attendance?date={iso(first)}"))
    assert sheet.select_one("input[name=present]").has_attr("checked")
    client.post(f"/staff/events/{event_id}/attendance?date={iso(second)}", data={})
    client.post(f"/staff/events/{event_id}/attendance?date={iso(first)}", data={})
    with app.app_context():
        assert db.session.scalars(select(Attendance)).all() == []
    client.post(f"/staff/events/{event_id}/attendance?date={iso(first)}", data={"present": box["value"]})

    # Ayşe is erased: her rows for every date go, the count of who came stays.
    with app.app_context():
        from participation.privacy.person import erase

        erase(email="ayse@example.be", phone="")
        db.session.commit()
        assert [s.name for s in db.session.scalars(select(Signup))] == ["Мария"]
        assert [(a.signup_id, a.people, a.occurrence_start) for a in db.session.scalars(select(Attendance))] == [
            (None, 2, first)]
        assert db.session.scalar(select(Signup.status)) == "confirmed"  # Мария moved up on the second date
    sheet = soup(client.get(f"/staff/events/{event_id}/attendance?date={iso(first)}"))
    assert "2" in sheet.select_one("#came").get_text()
    with app.app_context():
        from participation.models import AuditEntry

        assert db.session.scalars(select(AuditEntry.action).where(AuditEntry.action == "attendance.update")).all()


def _sign_up_for_dates_in_a_process(database_url, site_dir, instance, event_id, number, dates, barrier, results):
    """One resident's phone, pressing send at the same moment as the others: one date, or several."""
    from participation import create_app

    os.environ["INSTANCE_PATH"] = instance
    app = create_app({"TESTING": True, "SECRET_KEY": "x", "SQLALCHEMY_DATABASE_URI": database_url,
                      "SITE_DIR": site_dir, "WTF_CSRF_ENABLED": False, "RATELIMIT_ENABLED": False})
    client = app.test_client()
    data = {"name": f"Person {number}", "phone": f"04700{number:05d}", "email": "", "people": str(1 + number % 2),
            "language": "nl", "consent": "y", "submission_id": uuid.uuid4().hex, "date": dates}
    barrier.wait()
    response = client.post(f"/agenda/{event_id}/signup", data=data)
    results.put((number, response.status_code, response.headers.get("Location", "")))
    with app.app_context():
        db.engine.dispose()


def test_simultaneous_sign_ups_for_one_date_never_overbook(app, database_url, site, tmp_path):
    capacity, people = 5, 14
    event_id, dates = add_series(app, capacity=capacity)
    busy, other = iso(dates[1]), iso(dates[2])
    context = multiprocessing.get_context("spawn")
    barrier, results = context.Barrier(people), context.Queue()
    # Every third resident ticks both dates at once.
    processes = [context.Process(target=_sign_up_for_dates_in_a_process, args=(
        database_url, str(site), str(tmp_path / "instance"), event_id, n,
        [busy, other] if n % 3 == 0 else [busy], barrier, results)) for n in range(people)]
    for process in processes:
        process.start()
    answers = [results.get(timeout=120) for _ in processes]
    for process in processes:
        process.join(timeout=60)
    assert sorted(status for _, status, _ in answers) == [302] * people
    stored = signups(app, event_id)
    assert len(stored) == people + len(range(0, people, 3))  # each ticked date stored once
    for date in (dates[1], dates[2]):
        on_date = [s for s in stored if s.occurrence_start == date]
        confirmed = sum(s.people for s in on_date if s.status == SignupStatus.CONFIRMED)
        assert confirmed <= capacity
        assert all(s.people > capacity - confirmed for s in on_date if s.status == SignupStatus.WAITING)
    # Whoever ticked both dates has one link for both, whatever each date gave.
    for n in range(0, people, 3):
        rows = [s for s in stored if s.name == f"Person {n}"]
        assert len(rows) == 2 and len({s.token for s in rows}) == 1


def test_a_course_keeps_one_list_and_closes_at_its_first_date_unless_late_joining(app, client):
    closed, _dates = add_series(app, capacity=2, per_date=False)  # its first date was three days ago
    assert soup(client.get(f"/agenda/{closed}/signup")).find("form", class_="app-form") is None
    assert client.post(f"/agenda/{closed}/signup", data=form_data()).status_code == 200
    assert signups(app, closed) == []
    late, _dates = add_series(app, capacity=2, per_date=False, late_joining=True)
    form_page = soup(client.get(f"/agenda/{late}/signup"))
    assert form_page.select("input[name=date]") == []  # one list: no dates to tick
    client.post(f"/agenda/{late}/signup", data=form_data(name="A", phone="0470000001", people="2"))
    client.post(f"/agenda/{late}/signup", data=form_data(name="B", phone="0470000002", people="1"))
    assert [(s.name, s.occurrence_start, s.status) for s in signups(app, late)] == [
        ("A", None, "confirmed"), ("B", None, "waiting")]
