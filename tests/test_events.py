"""The agenda as residents see it: dates on the wall clock of Genk, and feeds their calendar apps read."""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import icalendar
import pytest
import recurring_ical_events

from events import (
    TIMEZONE,
    Category,
    Event,
    Status,
    Organizer,
    build_calendar,
    calendar_bytes,
    expand,
)
from events.recurrence import rrule_value

ROOT = Path(__file__).resolve().parent.parent
HOST = "wijkpunt.genk.be"
ORGANIZER = Organizer("mailto:buurthuis@genk.example", "Buurthuis Waterschei")
UTC = dt.UTC
LABELS = {
    "nl": {"activity": "Activiteit", "homework": "Huiswerkklas"},
    "tr": {"activity": "Etkinlik", "homework": "Ödev sınıfı"},
    "bg": {"activity": "Дейност", "homework": "Клас за домашни"},
}


def make_event(**fields) -> Event:
    """A published weekly homework class, Wednesdays 16:00-18:00 from 4 March to 29 April 2026."""
    values = dict(
        starts_at=dt.datetime(2026, 3, 4, 16, 0),
        ends_at=dt.datetime(2026, 3, 4, 18, 0),
        repeat="weekly",
        repeat_weekdays="WE",
        repeat_until=dt.date(2026, 4, 29),
        skip_dates="",
        category=Category.HOMEWORK.value,
        status=Status.PUBLISHED.value,
        address="Stalenstraat 1, 3600 Genk",
        uid="8c1d0e6f2b9a4e7c9d3f5a1b2c4d6e8f",
        sequence=0,
        created_at=dt.datetime(2026, 2, 10, 9, 30),
        updated_at=dt.datetime(2026, 2, 12, 14, 5),
    )
    values.update(fields)
    event = Event(**values)
    event.set_text("nl", "Huiswerkklas", "Hulp bij huiswerk voor kinderen van 6 tot 12 jaar.", "Buurthuis")
    event.set_text("tr", "Ödev sınıfı", "6-12 yaş arası çocuklar için ödev yardımı.", "Mahalle evi")
    return event


def brussels(*args: int) -> dt.datetime:
    """An aware Brussels wall-clock time."""
    return dt.datetime(*args, tzinfo=TIMEZONE)


def spans(event: Event, start: dt.datetime, end: dt.datetime) -> list[tuple[dt.datetime, dt.datetime]]:
    """(start, end) of each date that expand() finds in the window."""
    return [(o.start, o.end) for o in expand(event, start, end)]


def everything(event: Event) -> list[tuple[dt.datetime, dt.datetime]]:
    """Every occurrence of a series that ends in 2026 or 2027."""
    return spans(event, brussels(2025, 1, 1), brussels(2028, 1, 1))


def feed(events: list[Event], language: str = "nl") -> bytes:
    """The feed in `language`, the way the portal would serve it."""
    calendar = build_calendar(
        events,
        language=language,
        name={"nl": "Agenda Waterschei", "tr": "Waterschei ajandası", "bg": "Календар Waterschei"}[language],
        event_url=lambda event: f"https://{HOST}/{language}/agenda/{event.uid}",
        category_label=lambda category: LABELS[language][category],
        host=HOST,
        organizer=ORGANIZER,
    )
    return calendar_bytes(calendar)


def parsed(data: bytes) -> icalendar.Calendar:
    """The feed read back by icalendar."""
    return icalendar.Calendar.from_ical(data)


def only_vevent(data: bytes) -> icalendar.Event:
    """The single VEVENT of a feed."""
    vevents = parsed(data).walk("VEVENT")
    assert len(vevents) == 1
    return vevents[0]


def wall_clock(moment: dt.datetime) -> str:
    """A start as residents of Genk read it, e.g. "2026-03-04T16:00"."""
    return moment.astimezone(TIMEZONE).strftime("%Y-%m-%dT%H:%M")


def occurrences_by_recurring_ical_events(data: bytes, start: dt.datetime, end: dt.datetime) -> list[str]:
    """Starts of the feed's occurrences as recurring-ical-events expands them."""
    found = recurring_ical_events.of(parsed(data)).between(start, end)
    return sorted(wall_clock(vevent["DTSTART"].dt) for vevent in found)


# --- Recurrence -------------------------------------------------------------------------------


def test_weekly_series_stays_at_16_local_across_the_change_of_clock():
    occurrences = everything(make_event())

    assert [start.date() for start, _ in occurrences] == [
        dt.date(2026, 3, d) for d in (4, 11, 18, 25)
    ] + [dt.date(2026, 4, d) for d in (1, 8, 15, 22, 29)]
    assert {(start.strftime("%H:%M"), end.strftime("%H:%M")) for start, end in occurrences} == {
        ("16:00", "18:00")
    }
    assert all(start.tzinfo is TIMEZONE for start, _ in occurrences)
    # Summer time starts on 29 March 2026: the same 16:00 is 15:00 UTC before, 14:00 UTC after.
    utc_hours = {start.date(): start.astimezone(UTC).hour for start, _ in occurrences}
    assert utc_hours[dt.date(2026, 3, 25)] == 15
    assert utc_hours[dt.date(2026, 4, 1)] == 14


def test_skipped_dates_are_absent():
    event = make_event()
    event.skipped = [dt.date(2026, 4, 8), dt.date(2026, 4, 15)]

    days = [start.date() for start, _ in everything(event)]

    assert dt.date(2026, 4, 8) not in days
    assert dt.date(2026, 4, 15) not in days
    assert len(days) == 7


def test_the_until_date_is_inclusive():
    assert everything(make_event(repeat_until=dt.date(2026, 4, 29)))[-1][0] == brussels(2026, 4, 29, 16)
    assert everything(make_event(repeat_until=dt.date(2026, 4, 28)))[-1][0] == brussels(2026, 4, 22, 16)


def test_a_series_on_two_weekdays():
    event = make_event(repeat_weekdays="MO,WE", repeat_until=dt.date(2026, 3, 16))

    assert [start.date() for start, _ in everything(event)] == [
        dt.date(2026, 3, 4), dt.date(2026, 3, 9), dt.date(2026, 3, 11), dt.date(2026, 3, 16)
    ]


def test_a_one_off_event():
    event = make_event(
        starts_at=dt.datetime(2026, 6, 20, 14, 0), ends_at=dt.datetime(2026, 6, 20, 17, 30),
        repeat=None, repeat_weekdays=None, repeat_until=None, category=Category.ACTIVITY.value,
    )

    assert everything(event) == [(brussels(2026, 6, 20, 14), brussels(2026, 6, 20, 17, 30))]
    assert spans(event, brussels(2026, 6, 21), brussels(2026, 6, 22)) == []
    assert rrule_value(event) is None


def test_the_window_selects_overlapping_occurrences_in_any_zone():
    event = make_event()
    # 18 March 15:00 UTC is 16:00 in Genk: the window [16:00, ...) starts exactly at an occurrence.
    window = spans(
        event, dt.datetime(2026, 3, 18, 15, tzinfo=UTC), dt.datetime(2026, 4, 1, 14, tzinfo=UTC)
    )

    # The end is exclusive: 1 April starts exactly when the window closes.
    assert [start for start, _ in window] == [brussels(2026, 3, 18, 16), brussels(2026, 3, 25, 16)]
    # An occurrence that is under way when the window opens overlaps it.
    assert spans(event, brussels(2026, 3, 11, 17), brussels(2026, 3, 11, 17, 30)) == [
        (brussels(2026, 3, 11, 16), brussels(2026, 3, 11, 18))
    ]
    assert spans(event, brussels(2026, 3, 11, 18), brussels(2026, 3, 18, 16)) == []


def test_a_series_without_end_is_bounded_by_the_window():
    event = make_event(repeat_until=None)

    window = spans(event, brussels(2030, 1, 1), brussels(2030, 2, 1))

    assert [start.day for start, _ in window] == [2, 9, 16, 23, 30]
    assert "UNTIL" not in rrule_value(event)


def test_naive_window_bounds_are_refused():
    with pytest.raises(ValueError):
        spans(make_event(), dt.datetime(2026, 3, 1), dt.datetime(2026, 5, 1))


def test_rrule_until_is_the_end_of_the_until_day_in_utc():
    assert rrule_value(make_event()) == {
        "FREQ": "WEEKLY",
        "BYDAY": ["WE"],
        # 23:59:59 summer time in Genk.
        "UNTIL": dt.datetime(2026, 4, 29, 21, 59, 59, tzinfo=UTC),
    }


def test_unknown_weekday_codes_are_refused():
    with pytest.raises(ValueError):
        everything(make_event(repeat_weekdays="WO"))


def test_occurrences_on_the_model_use_the_same_dates():
    event = make_event()

    occurrences = event.occurrences(brussels(2026, 1, 1), brussels(2027, 1, 1))

    assert [(o.start, o.end) for o in occurrences] == everything(event)


# --- The feed ---------------------------------------------------------------------------------


def test_feed_header_and_hand_written_timezone():
    data = feed([make_event()])
    calendar = parsed(data)

    assert calendar["VERSION"] == "2.0"
    assert calendar["PRODID"] == "-//Stad Genk//Wijkpunt Waterschei//NL"
    assert calendar["CALSCALE"] == "GREGORIAN"
    assert calendar["METHOD"] == "PUBLISH"
    assert calendar["X-WR-CALNAME"] == "Agenda Waterschei"
    assert calendar["X-WR-TIMEZONE"] == "Europe/Brussels"
    assert b"REFRESH-INTERVAL;VALUE=DURATION:PT6H\r\n" in data
    assert b"X-PUBLISHED-TTL:PT6H\r\n" in data
    [timezone] = calendar.walk("VTIMEZONE")
    assert timezone["TZID"] == "Europe/Brussels"
    observances = {sub.name: sub for sub in timezone.subcomponents}
    assert set(observances) == {"STANDARD", "DAYLIGHT"}
    assert all("RDATE" not in sub for sub in observances.values())
    assert observances["STANDARD"]["RRULE"] == {"FREQ": ["YEARLY"], "BYMONTH": [10], "BYDAY": ["-1SU"]}
    assert observances["DAYLIGHT"]["RRULE"] == {"FREQ": ["YEARLY"], "BYMONTH": [3], "BYDAY": ["-1SU"]}
    assert observances["STANDARD"]["TZNAME"] == "CET"
    assert observances["DAYLIGHT"]["TZNAME"] == "CEST"
    assert observances["STANDARD"]["TZOFFSETTO"].td == dt.timedelta(hours=1)
    assert observances["DAYLIGHT"]["TZOFFSETTO"].td == dt.timedelta(hours=2)


def test_feed_event_properties():
    event = make_event(skip_dates="2026-04-08")

    data = feed([event])
    vevent = only_vevent(data)

    assert vevent["UID"] == f"{event.uid}@{HOST}"
    assert vevent["DTSTAMP"].dt == dt.datetime(2026, 2, 12, 14, 5, tzinfo=UTC)
    assert vevent["CREATED"].dt == dt.datetime(2026, 2, 10, 9, 30, tzinfo=UTC)
    assert vevent["LAST-MODIFIED"].dt == dt.datetime(2026, 2, 12, 14, 5, tzinfo=UTC)
    assert vevent["SEQUENCE"] == 0
    assert b"DTSTART;TZID=Europe/Brussels:20260304T160000\r\n" in data
    assert b"DTEND;TZID=Europe/Brussels:20260304T180000\r\n" in data
    assert b"RRULE:FREQ=WEEKLY;UNTIL=20260429T215959Z;BYDAY=WE\r\n" in data
    assert b"EXDATE;TZID=Europe/Brussels:20260408T160000\r\n" in data
    assert vevent["SUMMARY"] == "Huiswerkklas"
    assert vevent["DESCRIPTION"] == "Hulp bij huiswerk voor kinderen van 6 tot 12 jaar."
    assert vevent["LOCATION"] == "Buurthuis, Stalenstraat 1, 3600 Genk"
    assert vevent["STATUS"] == "CONFIRMED"
    assert vevent["CATEGORIES"].cats == ["Huiswerkklas"]
    assert vevent["URL"] == f"https://{HOST}/nl/agenda/{event.uid}"
    assert vevent["CLASS"] == "PUBLIC"
    assert vevent["TRANSP"] == "OPAQUE"
    # METHOD:PUBLISH needs an ORGANIZER (RFC 5546): the buurthuis; never any ATTENDEE.
    assert vevent["ORGANIZER"] == "mailto:buurthuis@genk.example"
    assert vevent["ORGANIZER"].params["CN"] == "Buurthuis Waterschei"
    assert "ATTENDEE" not in vevent and b"ATTENDEE" not in data


def test_location_leaves_out_empty_parts():
    event = make_event(address="")

    assert only_vevent(feed([event]))["LOCATION"] == "Buurthuis"


def test_feed_occurrences_match_recurring_ical_events_at_16_local():
    event = make_event(skip_dates="2026-04-08,2026-04-15")

    data = feed([event])
    found = occurrences_by_recurring_ical_events(data, brussels(2026, 1, 1), brussels(2027, 1, 1))

    assert found == [wall_clock(start) for start, _ in everything(event)]
    assert len(found) == 7
    assert {start[-5:] for start in found} == {"16:00"}
    # The instants, not only the wall clock, are right on both sides of 29 March.
    instants = recurring_ical_events.of(parsed(data)).between(brussels(2026, 3, 25), brussels(2026, 4, 2))
    assert sorted(v["DTSTART"].dt.astimezone(UTC) for v in instants) == [
        dt.datetime(2026, 3, 25, 15, tzinfo=UTC), dt.datetime(2026, 4, 1, 14, tzinfo=UTC)
    ]


def test_a_skipped_first_date_moves_dtstart_to_the_first_real_one():
    event = make_event(skip_dates="2026-03-04")

    data = feed([event])

    assert only_vevent(data)["DTSTART"].dt == brussels(2026, 3, 11, 16)
    found = occurrences_by_recurring_ical_events(data, brussels(2026, 1, 1), brussels(2027, 1, 1))
    assert found[0] == "2026-03-11T16:00"


def test_a_series_with_every_date_skipped_is_left_out():
    event = make_event(repeat_until=dt.date(2026, 3, 11), skip_dates="2026-03-04,2026-03-11")

    assert parsed(feed([event])).walk("VEVENT") == []


def test_drafts_never_reach_the_feed():
    assert parsed(feed([make_event(status=Status.DRAFT.value)])).walk("VEVENT") == []


def test_a_one_off_event_in_the_feed():
    event = make_event(
        starts_at=dt.datetime(2026, 6, 20, 14, 0), ends_at=dt.datetime(2026, 6, 20, 17, 30),
        repeat=None, repeat_weekdays=None, repeat_until=None, skip_dates="2026-06-20", category=Category.ACTIVITY.value,
    )

    data = feed([event])
    vevent = only_vevent(data)

    assert "RRULE" not in vevent and "EXDATE" not in vevent
    assert vevent["DTSTART"].dt == brussels(2026, 6, 20, 14)
    assert vevent["DTEND"].dt == brussels(2026, 6, 20, 17, 30)
    assert vevent["CATEGORIES"].cats == ["Activiteit"]
    found = occurrences_by_recurring_ical_events(data, brussels(2026, 1, 1), brussels(2027, 1, 1))
    assert found == ["2026-06-20T14:00"]


def test_uid_is_stable_and_sequence_grows_when_the_event_is_edited():
    event = make_event()
    before = only_vevent(feed([event]))

    event.starts_at, event.ends_at = dt.datetime(2026, 3, 4, 16, 30), dt.datetime(2026, 3, 4, 18, 30)
    event.set_text("nl", "Huiswerkklas (nieuw uur)", "Nu vanaf half vijf.", "Buurthuis")
    event.revised()
    after = only_vevent(feed([event]))

    assert after["UID"] == before["UID"]
    assert after["SEQUENCE"] > before["SEQUENCE"]
    assert after["DTSTAMP"].dt > before["DTSTAMP"].dt
    assert after["LAST-MODIFIED"].dt == after["DTSTAMP"].dt
    assert after["DTSTART"].dt == brussels(2026, 3, 4, 16, 30)


def test_a_cancelled_event_is_sent_as_cancelled():
    event = make_event(status=Status.CANCELLED.value)

    assert only_vevent(feed([event]))["STATUS"] == "CANCELLED"


def test_translated_text_carries_its_language():
    vevent = only_vevent(feed([make_event()], language="tr"))

    assert vevent["SUMMARY"] == "Ödev sınıfı"
    for name in ("SUMMARY", "DESCRIPTION", "LOCATION"):
        assert vevent[name].params["LANGUAGE"] == "tr"
    assert vevent["CATEGORIES"].cats == ["Ödev sınıfı"]


def test_dutch_fallback_text_carries_language_nl():
    vevent = only_vevent(feed([make_event()], language="bg"))

    assert vevent["SUMMARY"] == "Huiswerkklas"
    for name in ("SUMMARY", "DESCRIPTION", "LOCATION"):
        assert vevent[name].params["LANGUAGE"] == "nl"
    # The category label is the portal's own translation, so it is in the feed's language.
    assert vevent["CATEGORIES"].cats == ["Клас за домашни"]
    assert vevent["CATEGORIES"].params["LANGUAGE"] == "bg"


def test_lines_are_folded_at_75_octets_with_crlf():
    event = make_event()
    description = "Всяка сряда помагаме на децата от квартала с домашните им задачи, с четене и с математика. " * 4
    title = "Клас за домашни в кварталния дом на Ватершай"
    event.set_text("bg", title, description, "Квартален дом")

    data = feed([event], language="bg")

    assert data.endswith(b"\r\n")
    assert data.count(b"\n") == data.count(b"\r\n")
    lines = data.split(b"\r\n")
    assert max(len(line) for line in lines) <= 75
    assert any(line.startswith(b" ") for line in lines)
    for line in lines:
        line.decode("utf-8")  # folds fall between characters, never inside one
    assert only_vevent(data)["DESCRIPTION"] == description


def test_events_package_imports_no_flask():
    code = "import sys, events; sys.exit('flask' in sys.modules)"

    assert subprocess.run([sys.executable, "-c", code], cwd=ROOT).returncode == 0


# --- Independent check with ical.js -----------------------------------------------------------


@pytest.fixture
def ical_js() -> list[str]:
    """The command that prints occurrences as ical.js reads them; skipped (failed on CI) without node."""
    node = shutil.which("node")
    installed = (ROOT / "node_modules/ical.js/package.json").is_file()
    missing = [
        what
        for what, present in (("node", node is not None), ("node_modules/ical.js (npm install)", installed))
        if not present
    ]
    if missing:
        message = "the ical.js check needs " + " and ".join(missing)
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    return [node, str(ROOT / "tests/js/ical_occurrences.mjs")]


def occurrences_by_ical_js(command: list[str], path: Path, start: str, end: str) -> list[str]:
    """Starts of the feed's occurrences as ical.js expands them, on the Brussels wall clock."""
    result = subprocess.run([*command, str(path), start, end], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def school_year_series() -> Event:
    """Wednesdays 16:00 for a whole year, over both changes of clock, without the Christmas break."""
    return make_event(
        starts_at=dt.datetime(2026, 9, 2, 16, 0), ends_at=dt.datetime(2026, 9, 2, 18, 0),
        repeat_until=dt.date(2027, 9, 1), skip_dates="2026-12-23,2026-12-30",
    )


def test_ical_js_reads_every_occurrence_of_a_year_at_16_local(ical_js, tmp_path):
    event = school_year_series()
    path = tmp_path / "agenda.ics"
    path.write_bytes(feed([event]))

    by_ical_js = occurrences_by_ical_js(ical_js, path, "2026-01-01", "2028-01-01")
    by_python = occurrences_by_recurring_ical_events(
        path.read_bytes(), brussels(2026, 1, 1), brussels(2028, 1, 1)
    )

    assert len(by_ical_js) == 51
    assert {start[-5:] for start in by_ical_js} == {"16:00"}
    assert by_ical_js == by_python == [wall_clock(start) for start, _ in everything(event)]


def test_ical_js_check_notices_a_wrong_timezone(ical_js, tmp_path):
    # Guards the check itself: were the VTIMEZONE ignored, every date would read 16:00 anyway.
    data = feed([school_year_series()])
    daylight = data.index(b"BEGIN:DAYLIGHT")
    path = tmp_path / "agenda.ics"
    after_daylight = data.index(b"END:DAYLIGHT\r\n") + len(b"END:DAYLIGHT\r\n")
    path.write_bytes(data[:daylight] + data[after_daylight:])

    by_ical_js = occurrences_by_ical_js(ical_js, path, "2026-01-01", "2028-01-01")

    assert "2027-06-02T17:00" in by_ical_js
