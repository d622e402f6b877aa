"""Series on the wall clock of Genk: the dates residents see, and the RRULE that says so.

A series is planned by a rule staff can set without knowing RFC 5545 (weekly on some weekdays,
every n weeks; monthly on the n-th or last weekday, or on a day of the month; until a date or for
a number of dates), plus extra dates (RDATE) and minus skipped ones (EXDATE). dateutil's rrule
expands it on naive Brussels wall-clock times, so a 16:00 stays at 16:00 across a change of clock.
Then each date's change (cancelled, moved: `DateChange`) is applied.
"""

from __future__ import annotations

import datetime as dt

from dateutil import rrule

from events.models import TIMEZONE, WEEKDAYS, DateStatus, Event, Occurrence, Repeat

# An until date includes its whole day: any start up to this wall-clock time still counts.
END_OF_DAY = dt.time(23, 59, 59)
# Far enough for a rule without an end: a year and a bit, asked for again as time goes by.
HORIZON = dt.timedelta(days=800)


def expand(event: Event, window_start: dt.datetime, window_end: dt.datetime) -> list[Occurrence]:
    """Every date overlapping [window_start, window_end) (aware), cancelled ones included, in order."""
    if window_start.tzinfo is None or window_end.tzinfo is None:
        raise ValueError("the window needs aware datetimes")
    duration = event.duration
    # A day's margin each side: converting the window to wall-clock time is off by up to an hour
    # around a change of clock; the exact filter below settles it.
    after = _wall_clock(window_start) - duration - dt.timedelta(days=1)
    before = _wall_clock(window_end) + dt.timedelta(days=1)
    found = {start: _occurrence(event, start) for start in planned_starts(event, after, before)}
    # A date moved into the window from outside it.
    for original, change in event.changes.items():
        if change.status == DateStatus.MOVED and original not in found and change.starts_at is not None \
                and after <= change.starts_at <= before and is_planned(event, original):
            found[original] = _occurrence(event, original)
    return sorted(
        (o for o in found.values()
         # A zero-length event (a deadline) still belongs to the window it falls in.
         if o.start < window_end and (o.end > window_start or o.start >= window_start)),
        key=lambda o: (o.start, o.key),
    )


def find(event: Event, original_start: dt.datetime) -> Occurrence | None:
    """The date planned to start at `original_start` (naive wall clock), or None."""
    return _occurrence(event, original_start) if is_planned(event, original_start) else None


def is_planned(event: Event, original_start: dt.datetime) -> bool:
    """Whether the plan (rule, extra dates, skipped dates) has a date starting at `original_start`."""
    return original_start in planned_starts(event, original_start, original_start)


def planned_starts(event: Event, after: dt.datetime, before: dt.datetime) -> list[dt.datetime]:
    """Naive wall-clock starts the plan has between two wall-clock times (both included)."""
    if not event.is_recurring:
        return [event.starts_at] if after <= event.starts_at <= before else []
    return list(_plan(event, until=before).between(after, before, inc=True))


def first_start(event: Event) -> dt.datetime | None:
    """Aware start of a calendar's DTSTART: the first rule date not skipped (the rule's own first
    instance, so COUNT and a fortnight's weeks count from it), else the first planned date; None
    when nothing is planned."""
    if not event.is_recurring:
        return event.starts_at.replace(tzinfo=TIMEZONE)
    first = _first_rule_start(event)
    if first is None:
        # Ends even without an until date: only finitely many dates can be skipped.
        first = _plan(event, until=None).after(event.starts_at - dt.timedelta(seconds=1), inc=True)
    return first.replace(tzinfo=TIMEZONE) if first is not None else None


def last_date(event: Event) -> dt.date | None:
    """The day the last planned date ends (a move included), or None when the series has no end."""
    if not event.is_recurring:
        return (event.ends_at - dt.timedelta(seconds=1)).date() if event.ends_at > event.starts_at \
            else event.starts_at.date()
    if event.repeat is not None and event.repeat_until is None and event.repeat_count is None:
        return None
    starts = list(_plan(event, until=None))
    moved = [change.ends_at for change in event.changes.values()
             if change.status == DateStatus.MOVED and change.ends_at is not None]
    ends = [start + event.duration for start in starts] + moved
    return (max(ends) - dt.timedelta(seconds=1)).date() if ends else None


def rrule_value(event: Event) -> dict[str, object] | None:
    """The event's RRULE as a mapping for icalendar's vRecur, from DTSTART = first_start(event);
    None without a rule, or when every date of the rule is skipped (only extra dates are left)."""
    if event.repeat is None:
        return None
    first = _first_rule_start(event)
    if first is None:
        return None
    value: dict[str, object] = {"FREQ": "WEEKLY" if event.repeat == Repeat.WEEKLY else "MONTHLY"}
    if (event.repeat_interval or 1) > 1:
        value["INTERVAL"] = event.repeat_interval
    if event.repeat == Repeat.WEEKLY:
        value["BYDAY"] = _checked_weekdays(event)
        if (event.repeat_interval or 1) > 1 and len(event.weekdays) > 1:
            value["WKST"] = "MO"  # which weeks count as "every other" (dateutil's and RFC 5545's default)
    elif event.repeat_monthday:
        value["BYMONTHDAY"] = event.repeat_monthday
    else:
        value["BYDAY"] = [f"{event.repeat_setpos or 1}{day}" for day in _checked_weekdays(event)]
    if event.repeat_count:
        # COUNT counts from DTSTART: leave out the rule's dates skipped before it.
        before = _rule(event, None).between(event.starts_at - dt.timedelta(seconds=1), first, inc=False)
        value["COUNT"] = event.repeat_count - len(before)
    elif event.repeat_until is not None:
        if event.all_day:
            value["UNTIL"] = event.repeat_until  # with a DATE DTSTART, UNTIL is a DATE too
        else:
            last = dt.datetime.combine(event.repeat_until, END_OF_DAY, TIMEZONE)
            # RFC 5545 3.3.10: with a DTSTART in a TZID, UNTIL must be given in UTC.
            value["UNTIL"] = last.astimezone(dt.UTC)
    return value


def _first_rule_start(event: Event) -> dt.datetime | None:
    """The rule's first date (naive wall clock) that is not skipped, or None."""
    rule = _rule(event, None)
    if rule is None:
        return None
    skipped = set(event.skipped)
    return next((start for start in rule if start.date() not in skipped), None)


def extra_starts(event: Event) -> list[dt.datetime]:
    """Naive wall-clock starts of the extra dates (RDATE), skipped ones left out."""
    skipped = set(event.skipped)
    return [dt.datetime.combine(day, event.starts_at.time()) for day in event.extras if day not in skipped]


def _occurrence(event: Event, original: dt.datetime) -> Occurrence:
    change = event.changes.get(original)
    start, end = original, original + event.duration
    if change is not None and change.status == DateStatus.MOVED and change.starts_at is not None:
        start, end = change.starts_at, change.ends_at or change.starts_at + event.duration
    return Occurrence(event, start.replace(tzinfo=TIMEZONE), end.replace(tzinfo=TIMEZONE),
                      original_start=original, change=change)


def _plan(event: Event, *, until: dt.datetime | None) -> rrule.rruleset:
    """The rule, plus extra dates, minus skipped dates, on naive wall-clock times."""
    plan = rrule.rruleset()
    rule = _rule(event, until)
    if rule is not None:
        plan.rrule(rule)
    else:
        plan.rdate(event.starts_at)  # only extra dates: the first date is a date too
    for start in extra_starts(event):
        plan.rdate(start)
    for day in event.skipped:
        plan.exdate(dt.datetime.combine(day, event.starts_at.time()))
    return plan


def _rule(event: Event, until: dt.datetime | None) -> rrule.rrule | None:
    """dateutil's rule on naive wall-clock times; `until` bounds a rule without an end."""
    if event.repeat is None:
        return None
    last = dt.datetime.combine(event.repeat_until, END_OF_DAY) if event.repeat_until else None
    options: dict[str, object] = {"dtstart": event.starts_at, "interval": event.repeat_interval or 1}
    if event.repeat_count:
        options["count"] = event.repeat_count
    else:
        bound = [moment for moment in (last, until) if moment is not None]
        options["until"] = min(bound) if bound else event.starts_at + HORIZON
    days = [rrule.weekdays[WEEKDAYS.index(code)] for code in _checked_weekdays(event)]
    if event.repeat == Repeat.WEEKLY:
        return rrule.rrule(rrule.WEEKLY, byweekday=days, **options)
    if event.repeat_monthday:
        return rrule.rrule(rrule.MONTHLY, bymonthday=event.repeat_monthday, **options)
    return rrule.rrule(rrule.MONTHLY, byweekday=[day(event.repeat_setpos or 1) for day in days], **options)


def _wall_clock(moment: dt.datetime) -> dt.datetime:
    """An aware moment as a naive Brussels wall-clock time, the frame the rule works in."""
    return moment.astimezone(TIMEZONE).replace(tzinfo=None)


def _checked_weekdays(event: Event) -> list[str]:
    """The event's weekday codes, refusing anything that is not MO..SU."""
    unknown = [code for code in event.weekdays if code not in WEEKDAYS]
    if unknown:
        raise ValueError(f"unknown weekday codes {unknown} in event {event.uid}")
    return event.weekdays
