"""The agenda as an iCalendar feed (RFC 5545) that residents subscribe to in any calendar app.

A series is one VEVENT with its RRULE (and RDATE for extra dates, EXDATE only for dates planned
without it); each date staff changed afterwards is an override of its own with the date's planned
start as RECURRENCE-ID: cancelled (STATUS:CANCELLED, TRANSP:TRANSPARENT and a translated prefix, as
Google drops cancelled events from subscriptions and Outlook takes busy/free from TRANSP), moved
(its new times and place) or undone again (as planned, with a higher SEQUENCE, so apps see the undo).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from icalendar import Calendar, Timezone, TimezoneDaylight, TimezoneStandard, vCalAddress, vDuration
from icalendar import Event as VEvent

from events.models import DEFAULT_LANGUAGE, TIMEZONE, DateChange, DateStatus, Event, Occurrence, Status
from events.recurrence import extra_starts, find, first_start, is_planned, last_date, rrule_value

PRODID = "-//Stad Genk//Wijkpunt Waterschei//NL"
TZID = "Europe/Brussels"
# How often subscribed apps should fetch the feed again (RFC 7986, and Outlook's older X- name).
REFRESH = dt.timedelta(hours=6)
# Feeds keep an event until this many whole months after the month its last date ended in, so a
# subscription does not grow forever (a series without an end stays).
PAST_MONTHS = 3
STATUSES = {Status.PUBLISHED: "CONFIRMED", Status.CANCELLED: "CANCELLED"}


@dataclass(frozen=True)
class Organizer:
    """Who publishes the feed (RFC 5546 wants an ORGANIZER with METHOD:PUBLISH)."""

    address: str  # a mailto: URI
    name: str


def build_calendar(
    events: Iterable[Event],
    *,
    language: str,
    name: str,
    event_url: Callable[[Event], str],
    category_label: Callable[[str], str],
    host: str,
    cancelled_title: Callable[[str], str] = lambda title: f"Cancelled: {title}",
    description: str = "",
    organizer: Organizer | None = None,
    single: bool = False,
    keep_since: dt.date | None = None,
) -> Calendar:
    """Published and cancelled events, with texts in `language` where translated.

    `host` is the domain of the UIDs; `cancelled_title` prefixes the title of a cancelled date or
    event in the feed's language. Without an `organizer` the calendar has no METHOD. `single`: one
    event to download, without a calendar name or refresh interval (Outlook would open it as a new
    calendar). `keep_since`: events whose last date ended before this day are left out.
    """
    calendar = Calendar()
    calendar.add("version", "2.0")
    calendar.add("prodid", PRODID)
    calendar.add("calscale", "GREGORIAN")
    if organizer is not None:
        calendar.add("method", "PUBLISH")
    if not single:
        calendar.add("name", name)
        calendar.add("x-wr-calname", name)
        if description:
            calendar.add("description", description)
            calendar.add("x-wr-caldesc", description)
        calendar.add("x-wr-timezone", TZID)
        calendar.add("refresh-interval", REFRESH, parameters={"VALUE": "DURATION"})
        calendar.add("x-published-ttl", vDuration(REFRESH))
    calendar.add_component(brussels_timezone())
    shape = _Shape(language, event_url, category_label, host, cancelled_title, organizer)
    for event in events:
        # Drafts must never reach a subscriber, even if a caller forgets to filter them.
        if not event.is_public or (keep_since is not None and _ended_before(event, keep_since)):
            continue
        for vevent in _vevents(event, shape):
            calendar.add_component(vevent)
    return calendar


def calendar_bytes(calendar: Calendar) -> bytes:
    """The feed as sent over HTTP: UTF-8, CRLF line ends, lines folded at 75 octets."""
    return calendar.to_ical()


def keep_since(today: dt.date) -> dt.date:
    """The first day a feed still shows on `today`: the first of the month PAST_MONTHS months back."""
    months = today.year * 12 + today.month - 1 - PAST_MONTHS
    return dt.date(months // 12, months % 12 + 1, 1)


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


@dataclass(frozen=True)
class _Shape:
    """What every VEVENT of one feed shares: its language, links, labels and UID domain."""

    language: str
    event_url: Callable[[Event], str]
    category_label: Callable[[str], str]
    host: str
    cancelled_title: Callable[[str], str]
    organizer: Organizer | None


def _ended_before(event: Event, day: dt.date) -> bool:
    last = last_date(event)
    return last is not None and last < day


def _vevents(event: Event, shape: _Shape) -> list[VEvent]:
    """The VEVENT of one event or series and one override per changed date; none when nothing is planned."""
    start = first_start(event)
    if start is None:
        return []
    master = _common(event, shape, modified=event.updated_at, sequence=event.sequence or 0)
    end = start.replace(tzinfo=None) + event.duration
    _add_times(master, event, "dtstart", start.replace(tzinfo=None))
    _add_times(master, event, "dtend", end)
    rule = rrule_value(event)
    if rule is not None:
        master.add("rrule", rule)
    planned_by_rule = rule is not None
    first = start.replace(tzinfo=None)
    extra = extra_starts(event)
    if not planned_by_rule and event.is_recurring and event.starts_at.date() not in event.skipped:
        extra = [event.starts_at, *extra]  # only extra dates: the first date is one of them
    for moment in sorted(set(extra) - {first}):
        _add_times(master, event, "rdate", moment)
    if planned_by_rule:
        for day in event.skipped:
            moment = dt.datetime.combine(day, event.starts_at.time())
            if moment > first:
                _add_times(master, event, "exdate", moment)
    cancelled = event.status == Status.CANCELLED
    _add_texts(master, event, shape, cancelled=cancelled)
    master.add("status", STATUSES[Status(event.status)])
    master.add("transp", "TRANSPARENT" if cancelled else "OPAQUE")
    vevents = [master]
    if event.is_recurring:
        for original, change in sorted(event.changes.items()):
            override = _override(event, original, change, shape)
            if override is not None:
                vevents.append(override)
    return vevents


def _override(event: Event, original: dt.datetime, change: DateChange, shape: _Shape) -> VEvent | None:
    """The VEVENT of one changed date (RECURRENCE-ID: its planned start), or None when it has none to show."""
    if change.status == DateStatus.PLANNED and not change.sequence:
        return None  # never changed: the series says it all
    if not is_planned(event, original):
        return None  # a change to a date the plan no longer has
    occurrence = find(event, original)
    modified = max(event.updated_at, change.updated_at or event.updated_at)
    # RFC 5545 3.8.7.4: an override's SEQUENCE is never below its series'.
    vevent = _common(event, shape, modified=modified, sequence=(event.sequence or 0) + (change.sequence or 0))
    _add_times(vevent, event, "recurrence-id", original)
    _add_times(vevent, event, "dtstart", occurrence.start.replace(tzinfo=None))
    _add_times(vevent, event, "dtend", occurrence.end.replace(tzinfo=None))
    _add_texts(vevent, event, shape, cancelled=occurrence.cancelled, occurrence=occurrence)
    vevent.add("status", "CANCELLED" if occurrence.cancelled else "CONFIRMED")
    vevent.add("transp", "TRANSPARENT" if occurrence.cancelled else "OPAQUE")
    return vevent


def _common(event: Event, shape: _Shape, *, modified: dt.datetime, sequence: int) -> VEvent:
    vevent = VEvent()
    # The UID must survive edits and a new public address, or apps show the event twice.
    vevent.add("uid", f"{event.uid}@{shape.host}")
    vevent.add("dtstamp", _utc(modified))
    vevent.add("created", _utc(event.created_at))
    vevent.add("last-modified", _utc(modified))
    vevent.add("sequence", sequence)
    if shape.organizer is not None:
        vevent.add("organizer", vCalAddress(shape.organizer.address), parameters={"CN": shape.organizer.name})
    return vevent


def _add_times(vevent: VEvent, event: Event, name: str, moment: dt.datetime) -> None:
    """A wall-clock moment in Brussels, or a DATE for a whole-day event (VALUE=DATE)."""
    vevent.add(name, moment.date() if event.all_day else moment.replace(tzinfo=TIMEZONE))


def _add_texts(vevent: VEvent, event: Event, shape: _Shape, *, cancelled: bool,
               occurrence: Occurrence | None = None) -> None:
    """SUMMARY, DESCRIPTION, LOCATION, each in the feed's language or else in Dutch, marked so."""
    language = shape.language
    title, title_nl = _text(event, language, "title")
    vevent.add("summary", shape.cancelled_title(title) if cancelled else title,
               parameters={"LANGUAGE": DEFAULT_LANGUAGE if title_nl else language})
    parts = []
    change = occurrence.change if occurrence is not None else None
    if change is not None and change.status != DateStatus.PLANNED:
        parts.append(change.text(language, "note"))
    parts.append(_text(event, language, "description"))
    parts = [(value, dutch) for value, dutch in parts if value.strip()]
    if parts:
        vevent.add("description", "\n\n".join(value for value, _ in parts),
                   parameters={"LANGUAGE": DEFAULT_LANGUAGE if all(dutch for _, dutch in parts) else language})
    place, place_nl = _text(event, language, "location")
    if change is not None and occurrence.moved:
        moved_place = change.text(language, "location")
        if moved_place[0]:
            place, place_nl = moved_place
    address = occurrence.address if occurrence is not None else event.address
    location = ", ".join(part.strip() for part in (place, address) if part and part.strip())
    if location:
        vevent.add("location", location,
                   parameters={"LANGUAGE": DEFAULT_LANGUAGE if place_nl or not place.strip() else language})
    vevent.add("categories", [shape.category_label(event.category)], parameters={"LANGUAGE": language})
    vevent.add("url", shape.event_url(event))
    vevent.add("class", "PUBLIC")


def _text(event: Event, language: str, field: str) -> tuple[str, bool]:
    """One field in `language`, or the Dutch one and True when that language has none (per field)."""
    own = event.texts.get(language)
    value = getattr(own, field) or "" if own is not None and own.title.strip() else ""
    if value.strip() or language == DEFAULT_LANGUAGE:
        return value, False
    dutch = event.texts.get(DEFAULT_LANGUAGE)
    fallback = getattr(dutch, field) or "" if dutch is not None else ""
    return (fallback, True) if fallback.strip() else ("", False)


def _utc(moment: dt.datetime) -> dt.datetime:
    """A naive UTC time from the database as an aware UTC datetime."""
    return moment.replace(tzinfo=dt.UTC)
