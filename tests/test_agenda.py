"""The public agenda and its calendar feeds, as residents and their calendar apps see them."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import icalendar
import recurring_ical_events
from bs4 import BeautifulSoup

from events.models import Event, Status
from participation.extensions import db

BRUSSELS = ZoneInfo("Europe/Brussels")


def add_event(app, *, title="Huiswerkklas", start=None, hours=2, status=Status.PUBLISHED, category="homework",
              weekdays=None, until=None, skipped=(), texts=None, capacity=None) -> int:
    """Store an event directly, as staff would have published it."""
    start = start or dt.datetime.now(BRUSSELS).replace(tzinfo=None, hour=16, minute=0, second=0,
                                                        microsecond=0) + dt.timedelta(days=2)
    with app.app_context():
        event = Event(category=category, status=status.value, address="Binnenlaan 50, 3600 Genk",
                      starts_at=start, ends_at=start + dt.timedelta(hours=hours),
                      repeat="weekly" if weekdays else None, repeat_weekdays=weekdays, repeat_until=until, capacity=capacity)
        event.skipped = list(skipped)
        event.set_text("nl", title, "Hulp bij het huiswerk.", "Buurthuis")
        for language, text in (texts or {}).items():
            event.set_text(language, *text)
        db.session.add(event)
        db.session.commit()
        return event.id


def soup(response) -> BeautifulSoup:
    return BeautifulSoup(response.get_data(as_text=True), "html.parser")


def parse_feed(response) -> icalendar.Calendar:
    assert response.status_code == 200
    assert response.mimetype == "text/calendar"
    return icalendar.Calendar.from_ical(response.data)


def test_the_agenda_groups_upcoming_dates_by_day_in_the_readers_language(app, client):
    add_event(app, title="Huiswerkklas", texts={"tr": ("Ödev sınıfı", "", "Mahalle evi")})
    add_event(app, title="Geheim concept", status=Status.DRAFT)
    page = soup(client.get("/tr/agenda/"))
    assert page.find("html")["lang"] == "tr"
    days = page.select("h2 time[datetime]")
    assert len(days) == 1
    titles = [a.get_text() for a in page.select(".app-agenda__item a")]
    assert titles == ["Ödev sınıfı"]
    assert "Geheim concept" not in page.get_text()


def test_the_agenda_filters_by_category_without_javascript(app, client):
    add_event(app, title="Huiswerkklas", category="homework")
    add_event(app, title="Naaiatelier", category="activity")
    page = soup(client.get("/agenda/?category=activity"))
    assert [a.get_text() for a in page.select(".app-agenda__item a")] == ["Naaiatelier"]
    form = page.select_one("form.app-filter")
    assert form["method"] == "get" and form.find("button", attrs={"type": "submit"})
    assert page.select_one("option[selected]")["value"] == "activity"
    feed_link = page.find("link", attrs={"rel": "alternate", "type": "text/calendar"})
    assert feed_link["href"] == "https://wijkpunt.example/agenda/feed/activity.ics"
    webcal = [a["href"] for a in page.select("a[href^='webcal://']")]
    assert webcal == ["webcal://wijkpunt.example/agenda/feed/activity.ics"]


def test_an_untranslated_event_falls_back_to_dutch_with_a_visible_note(app, client):
    event_id = add_event(app, title="Huiswerkklas")
    page = soup(client.get(f"/bg/agenda/{event_id}/"))
    assert page.find("html")["lang"] == "bg"
    assert page.select_one(".app-note") is not None
    heading = page.find("h1")
    assert heading.get_text() == "Huiswerkklas" and heading["lang"] == "nl"
    assert "Binnenlaan 50, 3600 Genk" in page.get_text()


def test_staff_text_is_escaped_not_run(app, client):
    event_id = add_event(app, title="<script>alert(1)</script>Les")
    html = client.get(f"/agenda/{event_id}/").get_data(as_text=True)
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;Les" in html


def test_a_weekly_event_keeps_its_local_time_across_the_change_of_clock(app, client):
    add_event(app, start=dt.datetime(2027, 3, 10, 16, 0), weekdays="WE", until=dt.date(2027, 4, 14),
              skipped=[dt.date(2027, 4, 7)])
    calendar = parse_feed(client.get("/agenda/feed.ics"))
    occurrences = recurring_ical_events.of(calendar).between(dt.datetime(2027, 3, 1), dt.datetime(2027, 5, 1))
    starts = [o["DTSTART"].dt for o in occurrences]
    assert [s.date() for s in starts] == [dt.date(2027, 3, d) for d in (10, 17, 24, 31)] + [dt.date(2027, 4, 14)]
    assert {s.astimezone(BRUSSELS).strftime("%H:%M") for s in starts} == {"16:00"}
    assert {s.astimezone(dt.UTC).hour for s in starts} == {15, 14}  # CET before 28 March, CEST after
    assert calendar.walk("VTIMEZONE")[0]["TZID"] == "Europe/Brussels"


def test_feed_events_are_stable_versioned_and_link_back(app, client, users):
    from conftest import login

    event_id = add_event(app, title="Naaiatelier", category="activity")
    first = parse_feed(client.get("/tr/agenda/feed.ics")).walk("VEVENT")[0]
    assert first["URL"] == f"https://wijkpunt.example/tr/agenda/{event_id}/"
    assert first["ORGANIZER"].params["CN"] == "Buurthuis Waterschei" and first["STATUS"] == "CONFIRMED"
    assert first["SUMMARY"].params["LANGUAGE"] == "nl"  # no Turkish text yet: the Dutch one, marked

    login(client, *users["staff"])
    page = soup(client.get(f"/staff/events/{event_id}/edit"))
    form = {field["name"]: field.get("value", "") for field in page.select("form.app-form input")
            if field.get("type") not in ("checkbox", "submit")}
    form.update({field["name"]: field.get_text() for field in page.select("form.app-form textarea")})
    form["category"] = "activity"
    form["title_tr"] = "Dikiş atölyesi"
    assert client.post(f"/staff/events/{event_id}/edit", data=form).status_code == 302
    second = parse_feed(client.get("/tr/agenda/feed.ics")).walk("VEVENT")[0]
    assert second["UID"] == first["UID"]
    assert second["SEQUENCE"] > first["SEQUENCE"]
    assert str(second["SUMMARY"]) == "Dikiş atölyesi"

    client.post(f"/staff/events/{event_id}/cancel", data={})
    third = parse_feed(client.get("/tr/agenda/feed.ics")).walk("VEVENT")[0]
    assert third["STATUS"] == "CANCELLED"
    assert third["SEQUENCE"] > second["SEQUENCE"]
    assert third["UID"] == first["UID"]


def test_feeds_answer_conditional_requests_with_304(app, client, monkeypatch):
    from participation.agenda import routes

    add_event(app)
    # A date answers 304 once the second of the last change is over (see routes._last_modified).
    monkeypatch.setattr(routes, "_utcnow", lambda: dt.datetime.now(dt.UTC).replace(tzinfo=None) + dt.timedelta(seconds=2))
    first = client.get("/agenda/feed.ics")
    assert first.status_code == 200 and first.headers["ETag"] and first.headers["Last-Modified"]
    again = client.get("/agenda/feed.ics", headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304 and again.data == b""
    since = client.get("/agenda/feed.ics", headers={"If-Modified-Since": first.headers["Last-Modified"]})
    assert since.status_code == 304
    # Another language is another feed.
    other = client.get("/tr/agenda/feed.ics", headers={"If-None-Match": first.headers["ETag"]})
    assert other.status_code == 200
    # A change makes the old ETag stale.
    add_event(app, title="Nieuw")
    changed = client.get("/agenda/feed.ics", headers={"If-None-Match": first.headers["ETag"]})
    assert changed.status_code == 200


def test_a_deleted_event_changes_the_feed(app, client, users):
    from conftest import login

    event_id = add_event(app)
    first = client.get("/agenda/feed.ics")
    login(client, *users["staff"])
    client.post(f"/staff/events/{event_id}/delete", data={})
    after = client.get("/agenda/feed.ics", headers={"If-None-Match": first.headers["ETag"]})
    assert after.status_code == 200
    assert parse_feed(after).walk("VEVENT") == []


def test_category_feeds_and_single_event_download(app, client):
    homework = add_event(app, title="Huiswerkklas", category="homework")
    add_event(app, title="Infoavond", category="info-session")
    calendar = parse_feed(client.get("/bg/agenda/feed/homework.ics"))
    assert [str(e["SUMMARY"]) for e in calendar.walk("VEVENT")] == ["Huiswerkklas"]
    download = client.get(f"/agenda/{homework}.ics")
    assert download.headers["Content-Disposition"].startswith("attachment")
    assert [str(e["SUMMARY"]) for e in parse_feed(download).walk("VEVENT")] == ["Huiswerkklas"]
    assert client.get("/agenda/feed/unknown.ics").status_code == 404


def test_drafts_are_in_no_feed_and_have_no_public_page(app, client):
    draft = add_event(app, status=Status.DRAFT)
    assert parse_feed(client.get("/agenda/feed.ics")).walk("VEVENT") == []
    assert client.get(f"/agenda/{draft}/").status_code == 404
    assert client.get(f"/agenda/{draft}.ics").status_code == 404


def test_the_kept_event_page_follows_places_moving_from_one_date_to_another(app, client):
    """A place given up on one date and taken on another leaves the number of places taken equal: the
    page kept for visitors must change all the same."""
    from participation.signups import service

    start = dt.datetime.now(BRUSSELS).replace(tzinfo=None, hour=16, minute=0, second=0, microsecond=0) \
        + dt.timedelta(days=1)
    event_id = add_event(app, start=start, weekdays="MO,TU,WE,TH,FR,SA,SU", until=(start + dt.timedelta(days=6)).date(),
                         capacity=1, category="activity")
    first, second = start, start + dt.timedelta(days=1)
    with app.app_context():
        event = db.session.get(Event, event_id)
        event.places_per = "date"
        db.session.commit()
        ana = service.sign_up(db.session.get(Event, event_id), name="Ana", phone="+32470000001", email="", people=1,
                              language="nl", submission_id=None, date=first)
        db.session.commit()  # as the view does
        ana_id = ana.id

    def places(page):
        return {li.find("time")["datetime"][:16]: li.select_one(".app-dates__places").get_text(strip=True)
                for li in page.select(".app-dates__item")}

    before = places(soup(client.get(f"/agenda/{event_id}/")))
    assert "waiting" in before[first.strftime("%Y-%m-%dT%H:%M")] or "wachtlijst" in before[first.strftime("%Y-%m-%dT%H:%M")]
    with app.app_context():
        from participation.signups.models import Signup

        service.release(db.session.get(Signup, ana_id))
        db.session.commit()
        service.sign_up(db.session.get(Event, event_id), name="Bert", phone="+32470000002", email="", people=1,
                        language="nl", submission_id=None, date=second)
        db.session.commit()
    after = places(soup(client.get(f"/agenda/{event_id}/")))
    assert after != before
    assert "wachtlijst" not in after[first.strftime("%Y-%m-%dT%H:%M")]
    assert "wachtlijst" in after[second.strftime("%Y-%m-%dT%H:%M")]
