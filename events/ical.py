"""The agenda as an iCalendar feed (RFC 5545) that residents subscribe to in any calendar app."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable

from icalendar import Calendar, Timezone, TimezoneDaylight, TimezoneStandard, vDuration
from icalendar import Event as VEvent

from events.models import TIMEZONE, Event, Status
from events.recurrence import first_start, rrule_value

PRODID = "-//Stad Genk//Wijkpunt Waterschei//NL"
TZID = "Europe/Brussels"
# How often subscribed apps should fetch the feed again (RFC 7986, and Outlook's older X- name).
REFRESH = dt.timedelta(hours=6)
STATUSES = {Status.PUBLISHED: "CONFIRMED", Status.CANCELLED: "CANCELLED"}


def build_calendar(
    events: Iterable[Event],
    *,
    language: str,
    name: str,
    event_url: Callable[[Event], str],
    category_label: Callable[[str], str],
    host: str,
) -> Calendar:
    """One feed of published and cancelled events, with texts in `language` where translated."""
    calendar = Calendar()
    calendar.add("version", "2.0")
    calendar.add("prodid", PRODID)
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", name)
    calendar.add("x-wr-timezone", TZID)
    calendar.add("refresh-interval", REFRESH, parameters={"VALUE": "DURATION"})
    calendar.add("x-published-ttl", vDuration(REFRESH))
    calendar.add_component(brussels_timezone())
    for event in events:
        # Drafts must never reach a subscriber, even if a caller forgets to filter them.
        if not event.is_public:
            continue
        vevent = _vevent(
            event, language=language, event_url=event_url, category_label=category_label, host=host
        )
        if vevent is not None:
            calendar.add_component(vevent)
    return calendar


def calendar_bytes(calendar: Calendar) -> bytes:
    """The feed as sent over HTTP: UTF-8, CRLF line ends, lines folded at 75 octets."""
    return calendar.to_ical()


def brussels_timezone() -> Timezone:
    """Europe/Brussels as a VTIMEZONE with yearly rules, which every client we test reads alike."""
    # Not add_missing_timezones(): its RDATE lists make ical.js put a weekly 16:00 at 17:00 for
    # part of the next year (see TOOLING-NOTES, "Calendars"). The EU rule has held since 1996.
    standard = TimezoneStandard()
    standard.add("dtstart", dt.datetime(1970, 10, 25, 3, 0, 0))
    standard.add("tzoffsetfrom", dt.timedelta(hours=2))
    standard.add("tzoffsetto", dt.timedelta(hours=1))
    standard.add("rrule", {"FREQ": "YEARLY", "BYMONTH": 10, "BYDAY": "-1SU"})
    standard.add("tzname", "CET")
    daylight = TimezoneDaylight()
    daylight.add("dtstart", dt.datetime(1970, 3, 29, 2, 0, 0))
    daylight.add("tzoffsetfrom", dt.timedelta(hours=1))
    daylight.add("tzoffsetto", dt.timedelta(hours=2))
    daylight.add("rrule", {"FREQ": "YEARLY", "BYMONTH": 3, "BYDAY": "-1SU"})
    daylight.add("tzname", "CEST")
    timezone = Timezone()
    timezone.add("tzid", TZID)
    timezone.add_component(standard)
    timezone.add_component(daylight)
    return timezone


def _vevent(
    event: Event,
    *,
    language: str,
    event_url: Callable[[Event], str],
    category_label: Callable[[str], str],
    host: str,
) -> VEvent | None:
    """The VEVENT of one event or series; None for a series whose every date is skipped."""
    start = first_start(event)
    if start is None:
        return None
    text, fell_back = event.text(language)
    # Tell the calendar app which language the text is in, so it can e.g. pick a voice or font.
    shown = {"LANGUAGE": "nl" if fell_back else language}
    vevent = VEvent()
    # The UID must survive edits, or apps show the edited event as a second one.
    vevent.add("uid", f"{event.uid}@{host}")
    vevent.add("dtstamp", _utc(event.updated_at))
    vevent.add("created", _utc(event.created_at))
    vevent.add("last-modified", _utc(event.updated_at))
    vevent.add("sequence", event.sequence or 0)
    # The first date that takes place, so that every app agrees on where the series begins.
    vevent.add("dtstart", start)
    end = start.replace(tzinfo=None) + (event.ends_at - event.starts_at)
    vevent.add("dtend", end.replace(tzinfo=TIMEZONE))
    rule = rrule_value(event)
    if rule is not None:
        vevent.add("rrule", rule)
        for day in event.skipped:
            vevent.add("exdate", dt.datetime.combine(day, event.starts_at.time(), TIMEZONE))
    vevent.add("summary", text.title, parameters=shown)
    if text.description.strip():
        vevent.add("description", text.description, parameters=shown)
    location = ", ".join(part.strip() for part in (text.location, event.address) if part and part.strip())
    if location:
        vevent.add("location", location, parameters=shown)
    vevent.add("status", STATUSES[Status(event.status)])
    vevent.add("categories", [category_label(event.category)], parameters={"LANGUAGE": language})
    vevent.add("url", event_url(event))
    vevent.add("class", "PUBLIC")
    vevent.add("transp", "OPAQUE")
    return vevent


def _utc(moment: dt.datetime) -> dt.datetime:
    """A naive UTC time from the database as an aware UTC datetime."""
    return moment.replace(tzinfo=dt.UTC)
