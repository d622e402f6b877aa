"""Every date of every event in an .ics file as libical reads it, run by Debian's Python with gi.

    /usr/bin/python3 tests/libical_dates.py FEED.ics FROM TO

Prints JSON: {"restrictions_ok": libical's RFC 5546 check, "errors": its X-LIC-ERROR count, "dates": [...]}
with dates as tests/js/ical_dates.mjs prints them (libical expands RRULE, RDATE and EXDATE with the
feed's own VTIMEZONE; the RECURRENCE-ID overrides are applied here, as a calendar app does). Needs
Debian's gir1.2-ical-3.0 and python3-gi (the virtual environment has no gi).
"""

import datetime as dt
import json
import sys
from zoneinfo import ZoneInfo

import gi

gi.require_version("ICalGLib", "3.0")
from gi.repository import ICalGLib  # noqa: E402

BRUSSELS = ZoneInfo("Europe/Brussels")


def instant(time) -> float:
    """Seconds since 1970 of a libical time, in its own zone (UTC for dates)."""
    return time.as_timet_with_zone(time.get_timezone())


def shown(time) -> str:
    if time.is_date():
        return f"{time.get_year():04d}-{time.get_month():02d}-{time.get_day():02d}"
    return dt.datetime.fromtimestamp(instant(time), BRUSSELS).strftime("%Y-%m-%dT%H:%M")


def in_own_zone(calendar, component, kind, time):
    """The time with the feed's VTIMEZONE of its TZID (libical leaves RECURRENCE-ID's unresolved)."""
    tzid = component.get_first_property(kind).get_first_parameter(ICalGLib.ParameterKind.TZID_PARAMETER)
    if tzid is not None and not time.is_date():
        time.set_timezone(calendar.get_timezone(tzid.get_tzid()))
    return time


def status_name(component) -> str:
    prop = component.get_first_property(ICalGLib.PropertyKind.STATUS_PROPERTY)
    return prop.get_value_as_string() if prop is not None else ""


def planned_dates(calendar, master):
    """((shown start, instant), shown end) of each planned date: libical's RRULE iterator, plus RDATE,
    minus EXDATE, each in the feed's own VTIMEZONE.

    Not Component.foreach_recurrence: libical 3.0.16 takes an RDATE's TZID for UTC there (a weekly
    16:00 extra date shows at 17:00), which calendar apps built on libical do not do.
    """
    kinds = ICalGLib.PropertyKind
    dtstart = in_own_zone(calendar, master, kinds.DTSTART_PROPERTY, master.get_dtstart())
    dtend = in_own_zone(calendar, master, kinds.DTEND_PROPERTY, master.get_dtend())
    whole_day = dtstart.is_date()
    length = instant(dtend) - instant(dtstart)
    starts = {}

    def keep(time):
        starts[shown(time)] = time

    keep(dtstart)
    rule = master.get_first_property(kinds.RRULE_PROPERTY)
    if rule is not None:
        iterator = ICalGLib.RecurIterator.new(rule.get_rrule(), dtstart)
        time = iterator.next()
        while not time.is_null_time() and time.get_year() < 2100:
            time.set_timezone(dtstart.get_timezone())
            keep(time)
            time = iterator.next()
    for kind, value in ((kinds.RDATE_PROPERTY, lambda p: p.get_rdate().get_time()),
                        (kinds.EXDATE_PROPERTY, lambda p: p.get_exdate())):
        prop = master.get_first_property(kind)
        while prop is not None:
            time = value(prop)
            tzid = prop.get_first_parameter(ICalGLib.ParameterKind.TZID_PARAMETER)
            if tzid is not None and not time.is_date():
                time.set_timezone(calendar.get_timezone(tzid.get_tzid()))
            if kind == kinds.RDATE_PROPERTY:
                keep(time)
            else:
                starts.pop(shown(time), None)
            prop = master.get_next_property(kind)
    for label, time in sorted(starts.items()):
        end = instant(time) + length
        yield (label, instant(time)), (dt.datetime.fromtimestamp(end, dt.UTC).strftime("%Y-%m-%d") if whole_day
                                       else dt.datetime.fromtimestamp(end, BRUSSELS).strftime("%Y-%m-%dT%H:%M"))


def main(path: str, start: str, end: str) -> None:
    calendar = ICalGLib.Component.new_from_string(open(path, encoding="utf-8").read())
    restrictions_ok = bool(ICalGLib.restriction_check(calendar))
    errors = calendar.count_errors()
    window = [ICalGLib.Time.new_from_string(moment.replace("-", "") + ("T000000" if "T" not in moment else ""))
              for moment in (start, end)]
    for time in window:
        time.set_timezone(ICalGLib.Timezone.get_builtin_timezone("Europe/Brussels"))
    masters, overrides = [], {}
    vevent = calendar.get_first_component(ICalGLib.ComponentKind.VEVENT_COMPONENT)
    while vevent is not None:
        if vevent.get_first_property(ICalGLib.PropertyKind.RECURRENCEID_PROPERTY) is None:
            masters.append(vevent)
        else:
            key = (vevent.get_uid(), shown(in_own_zone(calendar, vevent, ICalGLib.PropertyKind.RECURRENCEID_PROPERTY,
                                                       vevent.get_recurrenceid())))
            overrides[key] = vevent
        vevent = calendar.get_next_component(ICalGLib.ComponentKind.VEVENT_COMPONENT)
    dates = []
    first, last = (instant(time) for time in window)
    for master in masters:
        uid = master.get_uid()
        for planned, finish in planned_dates(calendar, master):
            if not first <= planned[1] < last:
                continue
            item = overrides.get((uid, planned[0]))
            if item is None:
                dates.append({"uid": uid, "start": planned[0], "end": finish,
                              "status": status_name(master), "summary": master.get_summary()})
            else:
                dates.append({"uid": uid, "start": shown(item.get_dtstart()), "end": shown(item.get_dtend()),
                              "status": status_name(item), "summary": item.get_summary()})
    dates.sort(key=lambda d: (d["start"], d["uid"]))
    print(json.dumps({"restrictions_ok": restrictions_ok, "errors": errors, "dates": dates}))


if __name__ == "__main__":
    main(*sys.argv[1:4])
