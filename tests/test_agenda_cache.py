"""The agenda page and the feeds are kept in memory between requests, yet show every change at once."""

from __future__ import annotations

import datetime as dt

import pytest
from bs4 import BeautifulSoup

from conftest import _close, login, make_app
from events.models import TIMEZONE, Event, Status
from participation.extensions import db


@pytest.fixture
def app(site, tmp_path):
    """One app on SQLite: what is kept in memory does not depend on the database."""
    app = make_app(f"sqlite:///{tmp_path / 'cache.sqlite3'}", site, tmp_path)
    yield app
    _close(app)


def add_event(app, title: str, days: int = 3, weekly: bool = False) -> int:
    """A published event (or weekly series) `days` from now, as staff would have stored it."""
    start = dt.datetime.now(TIMEZONE).replace(tzinfo=None, hour=16, minute=0, second=0, microsecond=0) \
        + dt.timedelta(days=days)
    with app.app_context():
        event = Event(category="activity", status=Status.PUBLISHED.value, address="Binnenlaan 50, 3600 Genk",
                      starts_at=start, ends_at=start + dt.timedelta(hours=2),
                      repeat_weekdays="MO,TH" if weekly else None,
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
    add_event(app, "Huiswerkklas", weekly=True)
    add_event(app, "Later", days=200)  # beyond the 90 days the agenda shows
    assert titles(client).count("Huiswerkklas") >= 3
    assert "Later" not in titles(client)
    assert titles(client, "/agenda/?category=homework") == []
    assert titles(client, "/tr/agenda/?category=activity").count("Huiswerkklas") >= 3


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
