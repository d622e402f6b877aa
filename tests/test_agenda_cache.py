"""The agenda page and the feeds are kept in memory between requests, yet show every change at once."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
import sqlalchemy
from bs4 import BeautifulSoup

from conftest import _close, login, make_app
from events.models import TIMEZONE, Event, Status
from participation import caching
from participation.extensions import db


@pytest.fixture
def app(site, tmp_path):
    """One app on SQLite: what is kept in memory does not depend on the database."""
    app = make_app(f"sqlite:///{tmp_path / 'cache.sqlite3'}", site, tmp_path)
    yield app
    _close(app)


class Clock:
    """The time source of participation.caching, moved by the test instead of by waiting."""

    def __init__(self) -> None:
        self.now = 1000.0

    def monotonic(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def clock(monkeypatch) -> Clock:
    """A controlled clock for what the cache keeps: RECHECK_SECONDS pass when the test says so."""
    controlled = Clock()
    monkeypatch.setattr(caching, "time", controlled)
    return controlled


def add_event(app, title: str, days: int = 3, weekly: bool = False) -> int:
    """A published event (or weekly series) `days` from now, as staff would have stored it."""
    start = dt.datetime.now(TIMEZONE).replace(tzinfo=None, hour=16, minute=0, second=0, microsecond=0) \
        + dt.timedelta(days=days)
    with app.app_context():
        event = Event(category="activity", status=Status.PUBLISHED.value, address="Binnenlaan 50, 3600 Genk",
                      starts_at=start, ends_at=start + dt.timedelta(hours=2),
                      repeat="weekly" if weekly else None, repeat_weekdays="MO,TH" if weekly else None,
                      repeat_until=(start + dt.timedelta(weeks=3)).date() if weekly else None)
        event.set_text("nl", title, "Samen met de buren.", "Buurthuis")
        db.session.add(event)
        db.session.commit()
        return event.id


def titles(client, url: str = "/agenda/") -> list[str]:
    """The event titles the agenda lists, in order."""
    html = BeautifulSoup(client.get(url).get_data(as_text=True), "html.parser")
    return [link.get_text() for link in html.select(".app-agenda__item a")]


def test_the_agenda_shows_added_edited_and_deleted_events_at_once(app, client, users):
    first = add_event(app, "Naaiatelier")
    assert titles(client) == ["Naaiatelier"]
    assert titles(client) == ["Naaiatelier"]  # the kept page
    add_event(app, "Kookclub", days=5)
    assert titles(client) == ["Naaiatelier", "Kookclub"]
    with app.app_context():
        event = db.session.get(Event, first)
        event.set_text("nl", "Naaiatelier voor beginners", "Samen met de buren.", "Buurthuis")
        event.revised()
        db.session.commit()
    assert titles(client) == ["Naaiatelier voor beginners", "Kookclub"]
    login(client, *users["staff"])
    client.post(f"/staff/events/{first}/delete", data={})
    client.post("/staff/logout", data={})
    assert titles(client) == ["Kookclub"]


def test_a_weekly_series_and_a_filter_are_kept_apart(app, client):
    # From a Monday, on Mondays and Thursdays for three weeks: days 0, 3, 7, 10, 14, 17 and 21.
    monday = 7 - dt.datetime.now(TIMEZONE).weekday()
    add_event(app, "Huiswerkklas", days=monday, weekly=True)
    add_event(app, "Later", days=200)  # beyond the 90 days the agenda shows
    assert titles(client).count("Huiswerkklas") == 7
    assert "Later" not in titles(client)
    assert titles(client, "/agenda/?category=homework") == []
    assert titles(client, "/tr/agenda/?category=activity").count("Huiswerkklas") == 7


def test_staff_get_their_own_agenda_page_not_the_visitors_one(app, client, users):
    add_event(app, "Naaiatelier")
    visitor = BeautifulSoup(client.get("/agenda/").get_data(as_text=True), "html.parser")
    assert visitor.select_one('a[href="/staff/"]') is None
    login(client, *users["staff"])
    staff = BeautifulSoup(client.get("/agenda/").get_data(as_text=True), "html.parser")
    assert staff.select_one('a[href="/staff/"]') is not None


def test_the_agenda_page_answers_a_conditional_request_with_304_until_it_changes(app, client):
    add_event(app, "Naaiatelier")
    first = client.get("/agenda/")
    again = client.get("/agenda/", headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304 and again.data == b""
    assert client.get("/tr/agenda/", headers={"If-None-Match": first.headers["ETag"]}).status_code == 200
    add_event(app, "Kookclub")
    changed = client.get("/agenda/", headers={"If-None-Match": first.headers["ETag"]})
    assert changed.status_code == 200 and "Kookclub" in changed.get_data(as_text=True)


def test_a_kept_feed_changes_with_the_events(app, client):
    add_event(app, "Naaiatelier")
    assert b"Naaiatelier" in client.get("/agenda/feed.ics").data
    add_event(app, "Kookclub")
    feed = client.get("/agenda/feed.ics").data
    assert b"Naaiatelier" in feed and b"Kookclub" in feed
    assert b"Kookclub" in client.get("/agenda/feed/activity.ics").data
    assert b"Kookclub" not in client.get("/agenda/feed/homework.ics").data


def test_a_change_stored_by_another_worker_shows_at_once(app, site, tmp_path):
    """Two gunicorn workers: each keeps its own pages, and sees the other's commits on the next request."""
    other_worker = make_app(f"sqlite:///{tmp_path / 'cache.sqlite3'}", site, tmp_path)
    try:
        add_event(app, "Naaiatelier")
        reader = app.test_client()
        feed = reader.get("/agenda/feed.ics")
        assert titles(reader) == ["Naaiatelier"]
        add_event(other_worker, "Kookclub", days=5)
        assert titles(reader) == ["Naaiatelier", "Kookclub"]
        again = reader.get("/agenda/feed.ics", headers={"If-None-Match": feed.headers["ETag"]})
        assert again.status_code == 200 and b"Kookclub" in again.data
    finally:
        _close(other_worker)


def test_a_change_made_outside_the_app_shows_within_the_recheck_time(site, tmp_path, clock):
    """Plain SQL in a shell, or an app server on another machine: the kept key is asked again after a while."""
    app = make_app(f"sqlite:///{tmp_path / 'cache.sqlite3'}", site, tmp_path, RECHECK_SECONDS=0.3)
    try:
        first = add_event(app, "Naaiatelier")
        client = app.test_client()
        assert titles(client) == ["Naaiatelier"]
        with app.app_context():
            db.session.execute(sqlalchemy.text("UPDATE event SET status = 'draft' WHERE id = :id"), {"id": first})
            db.session.execute(sqlalchemy.text("UPDATE event SET sequence = sequence + 1"))
            db.session.commit()
        clock.advance(0.29)
        assert titles(client) == ["Naaiatelier"]  # the kept key: nothing on this machine noted the change
        clock.advance(0.02)
        assert titles(client) == []
    finally:
        _close(app)


def test_places_taken_show_on_the_event_page_after_each_sign_up(app, client):
    """The event page is kept too; a sign-up (a commit of another model) changes what it shows."""
    with app.app_context():
        event = db.session.get(Event, add_event(app, "Naaiatelier"))
        event.capacity = 5
        event.revised()
        db.session.commit()
        event_id = event.id

    def places_left() -> str:
        return client.get(f"/agenda/{event_id}/").get_data(as_text=True)

    assert "Er zijn nog 5 plaatsen vrij." in places_left()
    response = client.post(f"/agenda/{event_id}/signup", data={
        "name": "Ayşe Yılmaz", "phone": "0470 12 34 56", "email": "", "people": "2", "language": "tr",
        "consent": "y", "submission_id": "a" * 32})
    assert response.status_code == 302
    assert "Er zijn nog 3 plaatsen vrij." in places_left()


def test_a_read_only_instance_folder_costs_only_the_recheck_delay(app, client, clock, caplog):
    """The change is stored and the request answered; only noting it for other workers fails, so the kept
    agenda is shown until RECHECK_SECONDS have passed, then the change."""
    changes = Path(app.instance_path) / "public-changes"
    changes.unlink(missing_ok=True)
    changes.mkdir()  # opening it for appending fails, as in a read-only folder (chmod does not stop root)
    assert titles(client) == []  # the key is kept now
    with app.app_context():
        seen = caching.changes_seen()
    add_event(app, "Naaiatelier")
    assert "cannot note a change" in caplog.text
    with app.app_context():
        assert caching.changes_seen() == seen
        assert db.session.scalars(sqlalchemy.select(Event.id)).all()  # stored all the same
    clock.advance(app.config["RECHECK_SECONDS"] * 0.99)
    assert titles(client) == []
    clock.advance(app.config["RECHECK_SECONDS"] * 0.02)
    assert titles(client) == ["Naaiatelier"]
