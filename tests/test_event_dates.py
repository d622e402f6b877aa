"""Staff and the dates of a series: rules entered through the form, and one date cancelled, moved, undone.

What staff type gives the dates they expect (read back with Event.occurrences); a change to one date
shows on the dates page and in what Event.occurrences returns, raises that date's SEQUENCE, is in the
audit log, tells everyone signed up in their language through the outbox, and lists the phone-only
ones to call.
"""

from __future__ import annotations

import datetime as dt

import pytest
from bs4 import BeautifulSoup
from sqlalchemy import select

from conftest import login
from events.models import TIMEZONE, DateStatus, Event
from participation.extensions import db
from participation.models import AuditEntry
from participation.outbox import OutboxMessage
from participation.signups.models import Signup, SignupStatus
from test_staff import EVENT_FORM

ONE_DATE = {**EVENT_FORM, "repeats": "", "weekdays": [], "repeat_until": "", "skip_dates": ""}


def soup(response) -> BeautifulSoup:
    return BeautifulSoup(response.get_data(as_text=True), "html.parser")


def errors_by_field(response) -> dict[str, str]:
    return {p["id"].removesuffix("-error"): p.get_text(" ", strip=True) for p in soup(response).select(".app-error")}


def stored_event(app, event_id: int | None = None) -> Event:
    with app.app_context():
        event = db.session.get(Event, event_id) if event_id else db.session.scalars(select(Event)).one()
        event.changes, event.texts  # loaded before leaving the session
        db.session.expunge(event)
        return event


def starts(event: Event, first: dt.date, last: dt.date, *, planned_only: bool = False) -> list[str]:
    """The wall-clock starts of the dates between two days, as "2027-03-10 16:00"."""
    window = (dt.datetime.combine(first, dt.time(), TIMEZONE), dt.datetime.combine(last, dt.time(23, 59), TIMEZONE))
    return [f"{o.start:%Y-%m-%d %H:%M}" for o in event.occurrences(*window)
            if not planned_only or o.takes_place]


def create(client, **fields) -> None:
    response = client.post("/staff/events/new", data={**ONE_DATE, **fields})
    assert response.status_code == 302, errors_by_field(response)


# --- rules through the form -------------------------------------------------------------------------


@pytest.mark.parametrize("fields, expected", [
    # Every other week on Monday and Wednesday, until a date; the first date is a Wednesday.
    ({"date": "2027-03-10", "repeats": "weekly", "interval": "2", "weekdays": ["MO", "WE"],
      "repeat_until": "07/04/2027"},
     ["2027-03-10 16:00", "2027-03-22 16:00", "2027-03-24 16:00", "2027-04-05 16:00", "2027-04-07 16:00"]),
    # The first Wednesday of the month, six times: across the change of clock at 16:00 all along.
    ({"date": "2027-01-01", "repeats": "monthly", "monthly_by": "weekday", "setpos": "1",
      "monthly_weekday": "WE", "repeat_count": "6"},
     ["2027-01-06 16:00", "2027-02-03 16:00", "2027-03-03 16:00", "2027-04-07 16:00", "2027-05-05 16:00",
      "2027-06-02 16:00"]),
    # The last Friday, until a date.
    ({"date": "2027-03-01", "repeats": "monthly", "monthly_by": "weekday", "setpos": "-1",
      "monthly_weekday": "FR", "repeat_until": "2027-06-30"},
     ["2027-03-26 16:00", "2027-04-30 16:00", "2027-05-28 16:00", "2027-06-25 16:00"]),
    # The 15th, every other month, three times.
    ({"date": "2027-03-15", "repeats": "monthly", "monthly_by": "day", "monthday": "15", "interval": "2",
      "repeat_count": "3"},
     ["2027-03-15 16:00", "2027-05-15 16:00", "2027-07-15 16:00"]),
    # Weekly with a skipped date and an extra date.
    ({"date": "2027-03-10", "repeats": "weekly", "weekdays": ["WE"], "repeat_count": "3",
      "skip_dates": "17/03/2027", "extra_dates": "2027-03-20"},
     ["2027-03-10 16:00", "2027-03-20 16:00", "2027-03-24 16:00"]),
    # One date and two extra dates, without a rule.
    ({"date": "2027-03-10", "extra_dates": "12/03/2027\n19/03/2027"},
     ["2027-03-10 16:00", "2027-03-12 16:00", "2027-03-19 16:00"]),
])
def test_each_rule_kind_entered_in_the_form_gives_the_dates_staff_expect(app, client, users, fields, expected):
    login(client, *users["staff"])
    create(client, **fields)
    event = stored_event(app)
    assert starts(event, dt.date(2027, 1, 1), dt.date(2027, 12, 31)) == expected
    # The form shows the rule again as it was entered.
    page = soup(client.get(f"/staff/events/{event.id}/edit"))
    assert page.select_one(f'select[name="repeats"] option[value="{fields.get("repeats", "")}"]').has_attr("selected")
    for name in ("repeat_count", "monthday", "interval"):
        if name in fields:
            assert page.find(id=name)["value"] == fields[name]


def test_a_whole_day_event_over_several_days_and_a_two_day_workshop_with_times(app, client, users):
    login(client, *users["staff"])
    create(client, date="2027-07-05", end_date="07/07/2027", all_day="y", start_time="", end_time="")
    party = stored_event(app)
    assert party.all_day and party.starts_at == dt.datetime(2027, 7, 5) and party.ends_at == dt.datetime(2027, 7, 8)
    (only,) = party.occurrences(dt.datetime(2027, 7, 1, tzinfo=TIMEZONE), dt.datetime(2027, 7, 31, tzinfo=TIMEZONE))
    assert only.last_day == dt.date(2027, 7, 7)
    edit = soup(client.get(f"/staff/events/{party.id}/edit"))
    assert edit.find(id="all_day").has_attr("checked") and edit.find(id="end_date")["value"] == "2027-07-07"

    response = client.post(f"/staff/events/{party.id}/edit", data={
        **ONE_DATE, "date": "2027-07-05", "end_date": "2027-07-06", "start_time": "10:00", "end_time": "15:00"})
    assert response.status_code == 302
    workshop = stored_event(app)
    assert not workshop.all_day
    assert (workshop.starts_at, workshop.ends_at) == (dt.datetime(2027, 7, 5, 10), dt.datetime(2027, 7, 6, 15))


def test_a_series_starts_on_the_first_day_that_fits_its_rule(app, client, users):
    login(client, *users["staff"])
    # 1 March 2027 is a Monday; the first Wednesday of a month from then on is 3 March.
    create(client, date="2027-03-01", repeats="monthly", setpos="1", monthly_weekday="WE", repeat_count="2")
    event = stored_event(app)
    assert event.starts_at == dt.datetime(2027, 3, 3, 16) and event.ends_at == dt.datetime(2027, 3, 3, 18)
    assert event.repeat_setpos == 1 and event.weekdays == ["WE"]


def test_places_per_date_or_one_list_for_a_course_with_late_joining(app, client, users):
    login(client, *users["staff"])
    create(client, date="2027-03-10", repeats="weekly", weekdays=["WE"], repeat_count="4", capacity="12",
           places_per="date")
    assert stored_event(app).per_date
    event_id = stored_event(app).id
    client.post(f"/staff/events/{event_id}/edit", data={
        **ONE_DATE, "date": "2027-03-10", "repeats": "weekly", "weekdays": ["WE"], "repeat_count": "4",
        "capacity": "12", "places_per": "series", "late_joining": "y"})
    course = stored_event(app)
    assert not course.per_date and course.late_joining


@pytest.mark.parametrize("fields, field, message", [
    ({"repeats": "monthly", "monthly_by": "day", "monthday": "31", "repeat_count": "5"}, "monthday",
     "niet elke maand heeft een 31ste dag"),
    ({"repeats": "monthly", "monthly_by": "day", "repeat_count": "5"}, "monthday", "Vul de dag van de maand in"),
    ({"repeats": "weekly", "weekdays": ["WE"], "repeat_count": "201"}, "repeat_count", "van 1 tot en met 200"),
    ({"repeats": "weekly", "weekdays": ["WE"], "repeat_count": "0"}, "repeat_count", "van 1 tot en met 200"),
    ({"repeats": "weekly", "weekdays": ["WE"]}, "repeat_until", "Vul de laatste datum of het aantal datums in"),
    ({"repeats": "weekly", "weekdays": ["WE"], "repeat_until": "2027-03-01"}, "repeat_until",
     "op of na de eerste datum"),
    ({"repeats": "weekly", "weekdays": ["WE"], "repeat_until": "2027-04-14", "repeat_count": "3"},
     "repeat_count", "niet allebei"),
    ({"repeats": "weekly", "weekdays": ["WE"], "repeat_count": "1", "skip_dates": "10/03/2027"}, "repeats",
     "geen enkele datum"),
    ({"end_date": "2027-03-09"}, "end_date", "op of na de eerste dag"),
    ({"start_time": ""}, "start_time", "Vul het beginuur in"),
    ({"extra_dates": "30/02/2027"}, "extra_dates", "is geen datum"),
])
def test_a_rule_that_cannot_be_is_refused_next_to_its_field_and_nothing_typed_is_lost(
        app, client, users, fields, field, message):
    login(client, *users["staff"])
    response = client.post("/staff/events/new", data={**ONE_DATE, "date": "2027-03-10", **fields})
    assert response.status_code == 200
    errors = errors_by_field(response)
    assert list(errors) == [field] and message in errors[field]
    page = soup(response)
    assert f"#{field}" in [a["href"] for a in page.select(".app-error-summary a")]
    assert page.find(id="title_tr")["value"] == "Dikiş atölyesi"
    for name, value in fields.items():
        if isinstance(value, str) and value and page.find(id=name) is not None and page.find(id=name).name == "input":
            assert page.find(id=name)["value"] == value
    with app.app_context():
        assert db.session.scalars(select(Event)).all() == []


# --- one date cancelled, moved, undone ------------------------------------------------------------


def next_wednesday() -> dt.date:
    today = dt.datetime.now(TIMEZONE).date()
    return today + dt.timedelta(days=(2 - today.weekday()) % 7 + 7)


def published_series(app, client) -> Event:
    """A weekly drop-in on Wednesdays at 16:00, ten dates from next week on, published."""
    create(client, date=next_wednesday().isoformat(), repeats="weekly", weekdays=["WE"], repeat_count="10",
           capacity="12", places_per="date")
    event = stored_event(app)
    client.post(f"/staff/events/{event.id}/publish", data={})
    return stored_event(app)


def sign_up(app, event: Event, name: str, language: str, *, email: str = "", phone: str = "",
            when: dt.datetime | None = None, status: SignupStatus = SignupStatus.CONFIRMED) -> int:
    with app.app_context():
        signup = Signup(event_id=event.id, occurrence_start=when, name=name, email=email, phone=phone,
                        people=1, language=language, status=status.value)
        db.session.add(signup)
        db.session.commit()
        return signup.id


def messages(app) -> list[OutboxMessage]:
    with app.app_context():
        found = db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)).all()
        db.session.expunge_all()
        return found


def date_actions(app) -> list[str]:
    with app.app_context():
        return [e.action for e in db.session.scalars(select(AuditEntry).order_by(AuditEntry.id))
                if "date" in e.action or e.action.startswith("view.")]


def test_the_dates_page_lists_the_next_dates_with_their_state_and_buttons(app, client, users):
    login(client, *users["staff"])
    event = published_series(app, client)
    edit = soup(client.get(f"/staff/events/{event.id}/edit"))
    dates_link = edit.find("a", href=f"/staff/events/{event.id}/dates")
    assert dates_link is not None
    page = soup(client.get(dates_link["href"]))
    rows = page.select("tbody tr")
    assert len(rows) == 10
    first = next_wednesday()
    assert rows[0]["id"] == f"date-{first:%Y-%m-%d}T1600"
    assert "Deze datum annuleren" in rows[0].get_text() and "Deze datum verplaatsen" in rows[0].get_text()
    assert not rows[0].find("a", string=lambda s: s and "ongedaan" in s)


def test_cancelling_a_date_tells_everyone_signed_up_in_their_language_and_lists_whom_to_call(app, client, users):
    login(client, *users["staff"])
    event = published_series(app, client)
    day = dt.datetime.combine(next_wednesday() + dt.timedelta(weeks=1), dt.time(16))
    other_day = day + dt.timedelta(weeks=1)
    sign_up(app, event, "Els", "nl", email="els@example.be", when=day)
    sign_up(app, event, "Ayşe", "tr", email="ayse@example.be", when=None)  # the whole series
    sign_up(app, event, "Petya", "bg", email="petya@example.be", when=day, status=SignupStatus.WAITING)
    sign_up(app, event, "Mehmet", "tr", phone="+32470121212", when=day)  # phone only
    sign_up(app, event, "Not told: another date", "nl", email="other@example.be", when=other_day)
    sign_up(app, event, "Not told: cancelled", "nl", email="gone@example.be", when=day,
            status=SignupStatus.CANCELLED)
    before = stored_event(app, event.id)
    when = f"{day:%Y-%m-%dT%H%M}"

    dates = soup(client.get(f"/staff/events/{event.id}/dates"))
    cancel_link = dates.select_one(f"#date-{when} a[href$='/cancel']")
    form_page = client.get(cancel_link["href"])
    assert "Ingeschreven voor deze datum: 4." in form_page.get_data(as_text=True)
    # Without the Dutch reason: refused next to the field, the Turkish one kept.
    refused = client.post(cancel_link["href"], data={"reason_nl": "", "reason_tr": "Mahalle evi kapalı"})
    assert list(errors_by_field(refused)) == ["reason_nl"]
    assert soup(refused).find(id="reason_tr")["value"] == "Mahalle evi kapalı"
    response = client.post(cancel_link["href"], data={
        "reason_nl": "Het buurthuis is dicht", "reason_tr": "Mahalle evi kapalı", "reason_bg": ""})
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/dates/{when}/call")

    after = stored_event(app, event.id)
    occurrence = after.occurrence(day)
    assert occurrence.cancelled and occurrence.change.sequence == 1
    assert after.updated_at >= before.updated_at and after.sequence == before.sequence
    assert day.strftime("%Y-%m-%d %H:%M") not in starts(after, day.date(), day.date(), planned_only=True)
    assert day.strftime("%Y-%m-%d %H:%M") in starts(after, day.date(), day.date())  # kept, as cancelled

    sent = {m.recipient: m for m in messages(app)}
    assert set(sent) == {"els@example.be", "ayse@example.be", "petya@example.be"}
    assert {m.recipient: m.language for m in sent.values()} == {
        "els@example.be": "nl", "ayse@example.be": "tr", "petya@example.be": "bg"}
    assert all(m.kind == "date_cancelled" and m.subject_type == "signup" for m in sent.values())
    assert "Het buurthuis is dicht" in sent["els@example.be"].body
    assert "Mahalle evi kapalı" in sent["ayse@example.be"].body
    assert "Het buurthuis is dicht" in sent["petya@example.be"].body  # no Bulgarian reason: the Dutch one
    assert "/tr/signup/" in sent["ayse@example.be"].body  # the private link, in the person's language

    call = soup(client.get(response.headers["Location"]))
    (row,) = call.select("tbody tr")
    assert [td.get_text(strip=True) for td in row.select("td")][1:4] == ["Mehmet", "0470 12 12 12", "Turks"]
    dates = soup(client.get(f"/staff/events/{event.id}/dates"))
    assert dates.select_one(f"#date-{when} s") is not None
    assert dates.select_one(f"#date-{when} a[href$='/call']") is not None
    assert date_actions(app) == ["event.date_cancel", "view.event.call_list"]


def test_moving_a_date_keeps_its_sign_ups_and_says_how_to_cancel(app, client, users):
    login(client, *users["staff"])
    event = published_series(app, client)
    day = dt.datetime.combine(next_wednesday(), dt.time(16))
    signup = sign_up(app, event, "Ayşe", "tr", email="ayse@example.be", when=day)
    when = f"{day:%Y-%m-%dT%H%M}"
    move = f"/staff/events/{event.id}/dates/{when}/move"
    form = soup(client.get(move))
    assert form.find(id="date")["value"] == day.date().isoformat() and form.find(id="start_time")["value"] == "16:00"

    new_day = day.date() + dt.timedelta(days=1)
    bad = client.post(move, data={"date": new_day.isoformat(), "start_time": "18:00", "end_time": "17:00",
                                  "note_tr": "Salon 2'de"})
    assert list(errors_by_field(bad)) == ["end_time"] and soup(bad).find(id="note_tr")["value"] == "Salon 2'de"
    response = client.post(move, data={
        "date": new_day.strftime("%d/%m/%Y"), "start_time": "14:00", "end_time": "16:30",
        "address": "Kolderbosstraat 1, 3600 Genk", "location_nl": "Sporthal", "note_nl": "Door de verbouwing",
        "note_tr": "Tadilat nedeniyle"})
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/staff/events/{event.id}/dates")

    after = stored_event(app, event.id)
    occurrence = after.occurrence(day)
    assert occurrence.moved and occurrence.change.sequence == 1
    assert f"{occurrence.start:%Y-%m-%d %H:%M}" == f"{new_day} 14:00" and f"{occurrence.end:%H:%M}" == "16:30"
    assert occurrence.address == "Kolderbosstraat 1, 3600 Genk"
    assert f"{new_day} 14:00" in starts(after, new_day, new_day)
    with app.app_context():
        assert db.session.get(Signup, signup).status == SignupStatus.CONFIRMED  # the place stays
    (mail,) = messages(app)
    assert (mail.kind, mail.language, mail.subject_id) == ("date_moved", "tr", signup)
    assert "Tadilat nedeniyle" in mail.body and "Kolderbosstraat 1, 3600 Genk" in mail.body
    assert "Sporthal" in mail.body and "14:00–16:30" in mail.body and "/tr/signup/" in mail.body

    # Undo: as planned again; the change is kept (status planned) with a higher SEQUENCE.
    restore = f"/staff/events/{event.id}/dates/{when}/restore"
    assert "Wijziging ongedaan maken?" in client.get(restore).get_data(as_text=True)
    assert client.post(restore, data={}).status_code == 302
    undone = stored_event(app, event.id)
    occurrence = undone.occurrence(day)
    assert occurrence.status == DateStatus.PLANNED and not occurrence.moved
    assert occurrence.change is not None and occurrence.change.sequence == 2
    assert f"{day:%Y-%m-%d %H:%M}" in starts(undone, day.date(), day.date())
    assert date_actions(app) == ["event.date_move", "event.date_restore"]


def test_a_date_that_is_not_in_the_series_is_not_found(app, client, users):
    login(client, *users["staff"])
    event = published_series(app, client)
    assert client.get(f"/staff/events/{event.id}/dates/2027-01-01T0900/cancel").status_code == 404
    assert client.get(f"/staff/events/{event.id}/dates/yesterday/move").status_code == 404
    client.post("/staff/logout", data={})
    login(client, *users["homework"])
    assert client.get(f"/staff/events/{event.id}/dates").status_code == 403


def test_a_whole_day_date_moves_to_another_day_and_stays_a_whole_day(app, client, users):
    login(client, *users["staff"])
    first = next_wednesday()
    create(client, date=first.isoformat(), all_day="y", start_time="", end_time="", repeats="monthly",
           monthly_by="day", monthday=str(min(first.day, 28)), repeat_count="3")
    event = stored_event(app)
    client.post(f"/staff/events/{event.id}/publish", data={})
    event = stored_event(app)
    key = event.starts_at
    move = f"/staff/events/{event.id}/dates/{key:%Y-%m-%dT%H%M}/move"
    form = soup(client.get(move))
    assert form.find(id="start_time") is None and form.find(id="end_time") is None
    new_day = key.date() + dt.timedelta(days=3)
    assert client.post(move, data={"date": new_day.isoformat()}).status_code == 302
    occurrence = stored_event(app, event.id).occurrence(key)
    assert occurrence.moved and occurrence.start.replace(tzinfo=None) == dt.datetime.combine(new_day, dt.time())
    assert occurrence.end - occurrence.start == dt.timedelta(days=1)
    assert date_actions(app) == ["event.date_move"]
