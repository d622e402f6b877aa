"""Weekly series on the wall clock of Genk: the dates residents see, and the RRULE that says so."""

from __future__ import annotations

import datetime as dt

from dateutil import rrule

from events.models import TIMEZONE, WEEKDAYS, Event

# An until date includes its whole day: any start up to this wall-clock time still counts.
END_OF_DAY = dt.time(23, 59, 59)


def expand(
    event: Event, window_start: dt.datetime, window_end: dt.datetime
) -> list[tuple[dt.datetime, dt.datetime]]:
    """Aware Brussels (start, end) of each occurrence overlapping [window_start, window_end)."""
    if window_start.tzinfo is None or window_end.tzinfo is None:
        raise ValueError("the window needs aware datetimes")
    duration = event.ends_at - event.starts_at
    if event.is_recurring:
        # A day's margin each side: converting the window to wall-clock time is off by up to an
        # hour around a change of clock; the exact filter below settles it.
        after = _wall_clock(window_start) - duration - dt.timedelta(days=1)
        before = _wall_clock(window_end) + dt.timedelta(days=1)
        starts = _weekly_starts(event, after, before)
    else:
        starts = [event.starts_at]
    pairs = [
        (start.replace(tzinfo=TIMEZONE), (start + duration).replace(tzinfo=TIMEZONE)) for start in starts
    ]
    # A zero-length event (a deadline) still belongs to the window it falls in.
    return [
        (start, end)
        for start, end in pairs
        if start < window_end and (end > window_start or start >= window_start)
    ]


def first_start(event: Event) -> dt.datetime | None:
    """Aware start of the first occurrence that is not skipped, or None when there is none."""
    if not event.is_recurring:
        return event.starts_at.replace(tzinfo=TIMEZONE)
    skipped = set(event.skipped)
    # Ends even without an until date: only finitely many dates can be skipped.
    for start in _rule(event, _last_start(event)):
        if start.date() not in skipped:
            return start.replace(tzinfo=TIMEZONE)
    return None


def rrule_value(event: Event) -> dict[str, object] | None:
    """The event's RRULE as a mapping for icalendar's vRecur, or None for a one-off event."""
    if not event.is_recurring:
        return None
    value: dict[str, object] = {"FREQ": "WEEKLY", "BYDAY": _checked_weekdays(event)}
    if event.repeat_until is not None:
        last = dt.datetime.combine(event.repeat_until, END_OF_DAY, TIMEZONE)
        # RFC 5545 3.3.10: with a DTSTART in a TZID, UNTIL must be given in UTC.
        value["UNTIL"] = last.astimezone(dt.UTC)
    return value


def _weekly_starts(event: Event, after: dt.datetime, before: dt.datetime) -> list[dt.datetime]:
    """Naive wall-clock starts of a weekly event between two wall-clock times, skipped dates left out."""
    last = _last_start(event)
    # Without an until date the rule is endless: the window is what bounds it.
    rule = _rule(event, before if last is None else min(last, before))
    skipped = set(event.skipped)
    return [start for start in rule.between(after, before, inc=True) if start.date() not in skipped]


def _rule(event: Event, until: dt.datetime | None) -> rrule.rrule:
    """dateutil's rule on naive wall-clock times, so DST never moves the hour."""
    days = [rrule.weekdays[WEEKDAYS.index(code)] for code in _checked_weekdays(event)]
    return rrule.rrule(rrule.WEEKLY, dtstart=event.starts_at, byweekday=days, until=until)


def _last_start(event: Event) -> dt.datetime | None:
    """The latest naive wall-clock start the until date allows, or None when the series has no end."""
    if event.repeat_until is None:
        return None
    return dt.datetime.combine(event.repeat_until, END_OF_DAY)


def _wall_clock(moment: dt.datetime) -> dt.datetime:
    """An aware moment as a naive Brussels wall-clock time, the frame the rule works in."""
    return moment.astimezone(TIMEZONE).replace(tzinfo=None)


def _checked_weekdays(event: Event) -> list[str]:
    """The event's weekday codes, refusing anything that is not MO..SU."""
    unknown = [code for code in event.weekdays if code not in WEEKDAYS]
    if unknown:
        raise ValueError(f"unknown weekday codes {unknown} in event {event.uid}")
    return event.weekdays
