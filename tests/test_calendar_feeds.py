"""Feeds that show every change: a year of every kind of rule, with a moved, a cancelled and an undone
date and whole days, read back by four independent parsers; the interoperability fixes; one
activity's own feed."""

from __future__ import annotations

import datetime as dt
import email.utils
import json
import shutil
import subprocess
from pathlib import Path

import icalendar
import pytest
import recurring_ical_events

from events import TIMEZONE, Category, DateChange, DateStatus, Event, Organizer, Status, build_calendar, \
    calendar_bytes, expand, keep_since
from events.ical import PAST_MONTHS
from participation.extensions import db

ROOT = Path(__file__).resolve().parent.parent
HOST = "wijkpunt.genk.be"
ORGANIZER = Organizer("mailto:buurthuis@genk.example", "Buurthuis Waterschei")
PREFIX = {"nl": "Afgelast: ", "tr": "İptal: ", "bg": "Отменено: "}
YEAR = ("2027-01-01", "2028-01-01")
STAMP = dt.datetime(2026, 11, 2, 10, 0)


def series(uid: str, start: dt.datetime, hours: float, title: str, **fields) -> Event:
    """A published event as staff would have entered it (wall-clock times in Genk)."""
    values = dict(uid=uid, starts_at=start, ends_at=start + dt.timedelta(hours=hours),
                  category=Category.ACTIVITY.value, status=Status.PUBLISHED.value, address="Stalenstraat 1, 3600 Genk",
                  sequence=1, created_at=STAMP, updated_at=STAMP, skip_dates="", extra_dates="")
    values.update(fields)
    event = Event(**values)
    event.set_text("nl", title, f"{title}: beschrijving.", "Buurthuis")
    return event


def change(event: Event, original: dt.datetime, status: DateStatus, sequence: int = 1, **fields) -> DateChange:
    """A change staff made to one date of `event` (after publication)."""
    values = dict(original_start=original, status=status.value, sequence=sequence, address="", texts={},
                  created_at=STAMP, updated_at=STAMP + dt.timedelta(days=sequence))
    values.update(fields)
    made = DateChange(**values)
    event.changes[original] = made
    return made


def a_year_of_everything() -> list[Event]:
    """Every kind of rule over 2027, across both changes of clock, with changed dates and whole days."""
    weekly = series("weekly-two-days", dt.datetime(2027, 1, 4, 16, 0), 2, "Creatief atelier",
                    repeat="weekly", repeat_weekdays="MO,TH", repeat_until=dt.date(2027, 12, 30),
                    skip_dates="2027-02-15", extra_dates="2027-01-02,2027-03-06")  # one extra before the rule
    change(weekly, dt.datetime(2027, 4, 1, 16, 0), DateStatus.CANCELLED,
           texts={"nl": {"note": "De zaal is bezet."}})
    change(weekly, dt.datetime(2027, 10, 28, 16, 0), DateStatus.MOVED, sequence=2,
           starts_at=dt.datetime(2027, 10, 29, 14, 0), ends_at=dt.datetime(2027, 10, 29, 16, 0),
           address="Binnenlaan 50, 3600 Genk", texts={"nl": {"location": "Sporthal"}})
    change(weekly, dt.datetime(2027, 6, 3, 16, 0), DateStatus.PLANNED, sequence=2)  # cancelled, then undone
    fortnightly = series("every-two-weeks", dt.datetime(2027, 1, 6, 14, 0), 1.5, "Taalcafé",
                         repeat="weekly", repeat_weekdays="WE", repeat_interval=2, repeat_until=dt.date(2027, 12, 31))
    first_wednesday = series("first-wednesday", dt.datetime(2027, 1, 6, 19, 0), 2, "Wijkvergadering",
                             category=Category.MEETING.value, repeat="monthly", repeat_weekdays="WE",
                             repeat_setpos=1, repeat_until=dt.date(2027, 12, 31))
    change(first_wednesday, dt.datetime(2027, 9, 1, 19, 0), DateStatus.CANCELLED)
    last_friday = series("last-friday", dt.datetime(2027, 1, 29, 10, 0), 2, "Repair café",
                         repeat="monthly", repeat_weekdays="FR", repeat_setpos=-1, repeat_until=dt.date(2027, 12, 31))
    day_15 = series("day-15", dt.datetime(2027, 1, 15, 9, 30), 1.5, "Spreekuur huurders",
                    category=Category.INFO_SESSION.value, repeat="monthly", repeat_monthday=15,
                    repeat_until=dt.date(2027, 12, 31))
    # Ten Saturdays, the first one skipped before publication: COUNT must still give ten dates.
    counted = series("count-limited", dt.datetime(2027, 3, 6, 10, 0), 3, "Fietsherstelcursus",
                     repeat="weekly", repeat_weekdays="SA", repeat_count=10, skip_dates="2027-03-06")
    change(counted, dt.datetime(2027, 4, 3, 10, 0), DateStatus.MOVED,
           starts_at=dt.datetime(2027, 4, 4, 13, 0), ends_at=dt.datetime(2027, 4, 4, 16, 0))
    party = series("whole-days", dt.datetime(2027, 7, 9), 72, "Buurtfeest", all_day=True)
    closing = series("closing-sundays", dt.datetime(2027, 5, 2), 24, "Buurthuis dicht", all_day=True,
                     repeat="weekly", repeat_weekdays="SU", repeat_until=dt.date(2027, 6, 27))
    change(closing, dt.datetime(2027, 5, 16), DateStatus.CANCELLED)
    change(closing, dt.datetime(2027, 6, 6), DateStatus.MOVED,
           starts_at=dt.datetime(2027, 6, 5), ends_at=dt.datetime(2027, 6, 6))
    return [weekly, fortnightly, first_wednesday, last_friday, day_15, counted, party, closing]


def feed(events: list[Event], language: str = "nl", **options) -> bytes:
    """The feed as the portal builds it, with the buurthuis as organizer."""
    options.setdefault("organizer", ORGANIZER)
    calendar = build_calendar(
        events, language=language, name="Agenda Waterschei", description="Alle activiteiten van het buurthuis.",
        event_url=lambda event: f"https://{HOST}/agenda/{event.uid}/",
        category_label=lambda category: category, host=HOST,
        cancelled_title=lambda title: PREFIX[language] + title, **options)
    return calendar_bytes(calendar)


def shown(moment: dt.datetime, whole_day: bool) -> str:
    return moment.strftime("%Y-%m-%d") if whole_day else moment.astimezone(TIMEZONE).strftime("%Y-%m-%dT%H:%M")


def expected(events: list[Event]) -> list[tuple[str, str, str, bool]]:
    """(uid, start, end, cancelled) of each date of 2027, as recurrence.expand (what staff entered) has them."""
    window = (dt.datetime(2027, 1, 1, tzinfo=TIMEZONE), dt.datetime(2028, 1, 1, tzinfo=TIMEZONE))
    return sorted((f"{o.event.uid}@{HOST}", shown(o.start, o.event.all_day), shown(o.end, o.event.all_day),
                   o.cancelled) for event in events for o in expand(event, *window))


def as_read(dates: list[dict]) -> list[tuple[str, str, str, bool]]:
    return sorted((d["uid"], d["start"], d["end"], d["status"] == "CANCELLED") for d in dates)


def by_recurring_ical_events(data: bytes) -> list[dict]:
    found = recurring_ical_events.of(icalendar.Calendar.from_ical(data)).between(
        dt.datetime(2027, 1, 1, tzinfo=TIMEZONE), dt.datetime(2028, 1, 1, tzinfo=TIMEZONE))
    return [{"uid": str(v["UID"]), "status": str(v.get("STATUS", "")), "summary": str(v["SUMMARY"]),
             "start": shown(v["DTSTART"].dt, not isinstance(v["DTSTART"].dt, dt.datetime)),
             "end": shown(v["DTEND"].dt, not isinstance(v["DTEND"].dt, dt.datetime))} for v in found]


def node_command() -> list[str]:
    node = shutil.which("node")
    if node is None or not (ROOT / "node_modules/ical.js/package.json").is_file():
        pytest.fail("the ical.js check needs node and node_modules/ical.js (npm install)")
    return [node, str(ROOT / "tests/js/ical_dates.mjs")]


def by_ical_js(path: Path) -> list[dict]:
    result = subprocess.run([*node_command(), str(path), *YEAR], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def by_libical(path: Path) -> dict:
    """libical through Debian's Python (gir1.2-ical-3.0, python3-gi; .ci/run installs them)."""
    python = Path("/usr/bin/python3")
    if not python.exists():
        pytest.fail("the libical check needs Debian's /usr/bin/python3 with python3-gi and gir1.2-ical-3.0")
    result = subprocess.run([str(python), str(ROOT / "tests/libical_dates.py"), str(path), *YEAR],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


# --- A year of every rule, read back by four parsers ------------------------------------------


def test_the_year_has_what_staff_entered():
    dates = expected(a_year_of_everything())
    starts = {uid.split("@")[0]: [] for uid, *_ in dates}
    for uid, start, _end, _cancelled in dates:
        starts[uid.split("@")[0]].append(start)

    assert len(starts["weekly-two-days"]) == 104 - 1 + 2  # Mondays and Thursdays, one skipped, two extra
    assert starts["weekly-two-days"][0] == "2027-01-02T16:00"
    assert len(starts["every-two-weeks"]) == 26
    assert starts["first-wednesday"][:3] == ["2027-01-06T19:00", "2027-02-03T19:00", "2027-03-03T19:00"]
    assert starts["last-friday"][-2:] == ["2027-11-26T10:00", "2027-12-31T10:00"]
    assert starts["day-15"] == [f"2027-{month:02d}-15T09:30" for month in range(1, 13)]
    assert len(starts["count-limited"]) == 9 and starts["count-limited"][0] == "2027-03-13T10:00"
    assert starts["whole-days"] == ["2027-07-09"]
    assert ("weekly-two-days@" + HOST, "2027-04-01T16:00", "2027-04-01T18:00", True) in dates
    assert ("weekly-two-days@" + HOST, "2027-10-29T14:00", "2027-10-29T16:00", False) in dates


@pytest.mark.parametrize("reader", ["icalendar", "ical.js", "libical"])
def test_every_parser_reads_the_same_dates_and_wall_clock_times(reader, tmp_path):
    events = a_year_of_everything()
    data = feed(events)
    path = tmp_path / "agenda.ics"
    path.write_bytes(data)

    if reader == "icalendar":
        dates = by_recurring_ical_events(data)
    elif reader == "ical.js":
        dates = by_ical_js(path)
    else:
        read = by_libical(path)
        assert read["restrictions_ok"] and read["errors"] == 0
        dates = read["dates"]

    assert as_read(dates) == expected(events)
    # Cancelled dates say so in the title too (Google drops STATUS:CANCELLED from subscriptions).
    cancelled = {d["summary"] for d in dates if d["status"] == "CANCELLED"}
    assert cancelled == {"Afgelast: Creatief atelier", "Afgelast: Wijkvergadering", "Afgelast: Buurthuis dicht"}
    assert all(not d["summary"].startswith("Afgelast") for d in dates if d["status"] != "CANCELLED")


# --- How a changed date is written ------------------------------------------------------------


def vevents(data: bytes) -> dict[tuple[str, str | None], icalendar.Event]:
    """The VEVENTs by (uid, RECURRENCE-ID as written)."""
    found = {}
    for vevent in icalendar.Calendar.from_ical(data).walk("VEVENT"):
        rid = vevent.get("RECURRENCE-ID")
        found[(str(vevent["UID"]).split("@")[0], rid.to_ical().decode() if rid else None)] = vevent
    return found


def test_a_cancelled_date_is_an_override_never_an_exdate():
    data = feed(a_year_of_everything())
    override = vevents(data)[("weekly-two-days", "20270401T160000")]

    assert b"RECURRENCE-ID;TZID=Europe/Brussels:20270401T160000\r\n" in data
    assert override["STATUS"] == "CANCELLED" and override["TRANSP"] == "TRANSPARENT"
    assert override["SUMMARY"] == "Afgelast: Creatief atelier"
    assert override["DESCRIPTION"].startswith("De zaal is bezet.")
    assert override["SEQUENCE"] == 1 + 1  # the series' and the date's
    # The only EXDATE is the date planned without the activity; the extra date is an RDATE.
    assert [line for line in data.split(b"\r\n") if line.startswith(b"EXDATE")] == [
        b"EXDATE;TZID=Europe/Brussels:20270215T160000"]
    assert b"RDATE;TZID=Europe/Brussels:20270306T160000\r\n" in data
    assert b"RDATE;TZID=Europe/Brussels:20270102T160000\r\n" in data


def test_a_moved_date_has_its_new_times_and_place():
    override = vevents(feed(a_year_of_everything()))[("weekly-two-days", "20271028T160000")]

    assert override["DTSTART"].dt == dt.datetime(2027, 10, 29, 14, 0, tzinfo=TIMEZONE)
    assert override["DTEND"].dt == dt.datetime(2027, 10, 29, 16, 0, tzinfo=TIMEZONE)
    assert override["LOCATION"] == "Sporthal, Binnenlaan 50, 3600 Genk"
    assert override["STATUS"] == "CONFIRMED" and override["TRANSP"] == "OPAQUE"
    assert override["SEQUENCE"] == 1 + 2


def test_an_undone_change_is_an_override_as_planned_with_a_higher_sequence():
    found = vevents(feed(a_year_of_everything()))
    override, master = found[("weekly-two-days", "20270603T160000")], found[("weekly-two-days", None)]

    assert override["DTSTART"].dt == dt.datetime(2027, 6, 3, 16, 0, tzinfo=TIMEZONE)
    assert override["STATUS"] == "CONFIRMED" and override["SUMMARY"] == "Creatief atelier"
    assert override["SEQUENCE"] > master["SEQUENCE"]


def test_whole_days_are_dates():
    data = feed(a_year_of_everything())
    found = vevents(data)

    party = found[("whole-days", None)]
    assert b"DTSTART;VALUE=DATE:20270709\r\n" in data and b"DTEND;VALUE=DATE:20270712\r\n" in data
    assert party["DTEND"].dt == dt.date(2027, 7, 12)  # the next midnight after the last of three days
    assert b"RRULE:FREQ=WEEKLY;UNTIL=20270627;BYDAY=SU\r\n" in data
    assert found[("closing-sundays", "20270516")]["STATUS"] == "CANCELLED"
    assert b"RECURRENCE-ID;VALUE=DATE:20270516\r\n" in data


def test_monthly_fortnightly_and_counted_rules_are_rrules():
    data = feed(a_year_of_everything())

    assert b"RRULE:FREQ=WEEKLY;UNTIL=20271231T225959Z;INTERVAL=2;BYDAY=WE\r\n" in data
    assert b"RRULE:FREQ=MONTHLY;UNTIL=20271231T225959Z;BYDAY=1WE\r\n" in data
    assert b"RRULE:FREQ=MONTHLY;UNTIL=20271231T225959Z;BYDAY=-1FR\r\n" in data
    assert b"RRULE:FREQ=MONTHLY;UNTIL=20271231T225959Z;BYMONTHDAY=15\r\n" in data
    # The skipped first Saturday: DTSTART on the second, COUNT the nine left.
    assert b"DTSTART;TZID=Europe/Brussels:20270313T100000\r\n" in data
    assert b"RRULE:FREQ=WEEKLY;COUNT=9;BYDAY=SA\r\n" in data


# --- Interoperability fixes -------------------------------------------------------------------


def test_a_single_event_download_is_no_calendar_of_its_own():
    data = feed(a_year_of_everything()[:1], single=True)

    for name in (b"X-WR-CALNAME", b"REFRESH-INTERVAL", b"X-PUBLISHED-TTL", b"\r\nNAME:", b"X-WR-CALDESC"):
        assert name not in data
    assert b"BEGIN:VEVENT" in data


def test_a_feed_has_rfc_7986_name_and_description_beside_x_wr_calname():
    calendar = icalendar.Calendar.from_ical(feed(a_year_of_everything()))

    assert calendar["NAME"] == calendar["X-WR-CALNAME"] == "Agenda Waterschei"
    assert calendar["DESCRIPTION"] == calendar["X-WR-CALDESC"] == "Alle activiteiten van het buurthuis."


def test_a_cancelled_whole_event_is_transparent_and_says_so():
    event = series("cancelled", dt.datetime(2027, 5, 8, 14, 0), 2, "Buurtwandeling", status=Status.CANCELLED.value)

    [vevent] = vevents(feed([event], language="tr")).values()

    assert vevent["STATUS"] == "CANCELLED" and vevent["TRANSP"] == "TRANSPARENT"
    assert vevent["SUMMARY"] == "İptal: Buurtwandeling"


def test_each_text_falls_back_to_dutch_on_its_own():
    event = series("fallback", dt.datetime(2027, 5, 8, 14, 0), 2, "Buurtwandeling")
    event.set_text("tr", "Mahalle yürüyüşü", "", "")

    [vevent] = vevents(feed([event], language="tr")).values()

    assert vevent["SUMMARY"] == "Mahalle yürüyüşü" and vevent["SUMMARY"].params["LANGUAGE"] == "tr"
    assert vevent["DESCRIPTION"] == "Buurtwandeling: beschrijving." and vevent["DESCRIPTION"].params["LANGUAGE"] == "nl"
    assert vevent["LOCATION"] == "Buurthuis, Stalenstraat 1, 3600 Genk" and vevent["LOCATION"].params["LANGUAGE"] == "nl"


def test_method_publish_comes_with_an_organizer_or_not_at_all(tmp_path):
    with_organizer, without = tmp_path / "with.ics", tmp_path / "without.ics"
    with_organizer.write_bytes(feed(a_year_of_everything()))
    without.write_bytes(feed(a_year_of_everything(), organizer=None))

    assert b"METHOD:PUBLISH\r\n" in with_organizer.read_bytes()
    assert b'ORGANIZER;CN="Buurthuis Waterschei":mailto:buurthuis@genk.example\r\n' in with_organizer.read_bytes()
    assert b"METHOD" not in without.read_bytes() and b"ORGANIZER" not in without.read_bytes()
    # libical's RFC 5546 check passes either way, and would not with METHOD:PUBLISH alone.
    assert by_libical(with_organizer)["restrictions_ok"] and by_libical(without)["restrictions_ok"]
    lines = with_organizer.read_bytes().split(b"\r\n")
    method_alone = tmp_path / "method-alone.ics"
    method_alone.write_bytes(b"\r\n".join(line for line in lines if not line.startswith(b"ORGANIZER")))
    assert not by_libical(method_alone)["restrictions_ok"]


def test_past_events_leave_the_feed_after_some_months():
    today = dt.date(2027, 9, 20)
    since = keep_since(today)
    old = series("old", dt.datetime(2027, 5, 30, 14, 0), 2, "Lentefeest")  # ended in May
    recent = series("recent", dt.datetime(2027, 6, 2, 14, 0), 2, "Zomerfeest")  # ended in June: kept
    endless = series("endless", dt.datetime(2020, 1, 6, 16, 0), 2, "Huiswerkklas", repeat="weekly", repeat_weekdays="MO")

    uids = {uid for uid, _ in vevents(feed([old, recent, endless], keep_since=since))}

    assert PAST_MONTHS == 3 and since == dt.date(2027, 6, 1)
    assert uids == {"recent", "endless"}


# --- Through the portal, on SQLite and PostgreSQL ---------------------------------------------


def next_saturday(weeks: int = 1) -> dt.datetime:
    today = dt.datetime.now(TIMEZONE).date()
    return dt.datetime.combine(today + dt.timedelta(days=(5 - today.weekday()) % 7 + 7 * weeks), dt.time(10, 0))


def store(app, event: Event) -> int:
    with app.app_context():
        db.session.add(event)
        db.session.commit()
        return event.id


def creatief_atelier(app) -> int:
    """The demo's weekly "Creatief atelier": nine Saturdays from next week on."""
    start = next_saturday()
    return store(app, series(f"atelier-{start:%Y%m%d}", start, 2, "Creatief atelier", repeat="weekly",
                             repeat_weekdays="SA", repeat_count=9, updated_at=STAMP))


def read(response) -> icalendar.Calendar:
    assert response.status_code == 200 and response.mimetype == "text/calendar", response.status_code
    return icalendar.Calendar.from_ical(response.data)


def test_one_activity_has_its_own_feed_that_shows_a_cancelled_saturday(app, client):
    from flask_babel import force_locale, gettext

    atelier = creatief_atelier(app)
    store(app, series("other", next_saturday(), 1, "Taalcafé"))
    first = client.get(f"/tr/agenda/{atelier}/feed.ics")
    calendar = read(first)
    assert {str(v["UID"]) for v in calendar.walk("VEVENT")} == {f"atelier-{next_saturday():%Y%m%d}@wijkpunt.example"}
    assert "Creatief atelier" in calendar["X-WR-CALNAME"] and calendar["NAME"] == calendar["X-WR-CALNAME"]
    assert first.headers["Content-Disposition"].startswith("inline")

    with app.app_context():
        event = db.session.get(Event, atelier)
        change(event, next_saturday(2), DateStatus.CANCELLED, updated_at=STAMP + dt.timedelta(hours=1))
        db.session.commit()
    again = client.get(f"/tr/agenda/{atelier}/feed.ics", headers={"If-None-Match": first.headers["ETag"]})

    [override] = [v for v in read(again).walk("VEVENT") if "RECURRENCE-ID" in v]
    assert override["RECURRENCE-ID"].dt == next_saturday(2).replace(tzinfo=TIMEZONE)
    assert override["STATUS"] == "CANCELLED" and override["TRANSP"] == "TRANSPARENT"
    with app.test_request_context(), force_locale("tr"):
        assert override["SUMMARY"] == gettext("Cancelled: %(title)s", title="Creatief atelier")
    assert client.get("/agenda/999999/feed.ics").status_code == 404
    draft = store(app, series("draft", next_saturday(), 1, "Concept", status=Status.DRAFT.value))
    assert client.get(f"/agenda/{draft}/feed.ics").status_code == 404


def test_the_download_of_one_event_is_no_calendar_of_its_own(app, client):
    atelier = creatief_atelier(app)

    download = client.get(f"/agenda/{atelier}.ics")

    assert download.headers["Content-Disposition"].startswith("attachment")
    calendar = read(download)
    assert "X-WR-CALNAME" not in calendar and "REFRESH-INTERVAL" not in calendar and "X-PUBLISHED-TTL" not in calendar
    assert calendar["METHOD"] == "PUBLISH" and calendar.walk("VEVENT")[0]["ORGANIZER"].params["CN"]


def test_uids_keep_their_domain_when_the_public_address_changes(database_url, site, tmp_path):
    from conftest import _close, make_app

    uids, urls = [], []
    for address in ("https://wijkpunt.example", "https://waterschei.genk.be"):
        app = make_app(database_url, site, tmp_path, PUBLIC_BASE_URL=address, CALENDAR_UID_DOMAIN="wijkpunt.example")
        try:
            if not uids:
                creatief_atelier(app)
            vevent = read(app.test_client().get("/agenda/feed.ics")).walk("VEVENT")[0]
            uids.append(str(vevent["UID"]))
            urls.append(str(vevent["URL"]))
        finally:
            _close(app)

    assert uids[0] == uids[1] and uids[0].endswith("@wijkpunt.example")
    assert urls[1].startswith("https://waterschei.genk.be/")


def test_two_edits_in_one_second_change_etag_and_last_modified(app, client, monkeypatch):
    from participation.agenda import routes

    second = dt.datetime.now(dt.UTC).replace(tzinfo=None, microsecond=0) - dt.timedelta(minutes=5)
    monkeypatch.setattr(routes, "_utcnow", lambda: second + dt.timedelta(milliseconds=300))
    atelier = creatief_atelier(app)

    def edit(update) -> None:
        with app.app_context():
            event = db.session.get(Event, atelier)
            update(event)
            event.sequence += 1
            event.updated_at = second  # both edits within the same second
            db.session.commit()

    edit(lambda event: event.set_text("nl", "Creatief atelier", "Eerste versie.", "Buurthuis"))
    first = client.get("/agenda/feed.ics")
    edit(lambda event: event.set_text("nl", "Creatief atelier", "Tweede versie.", "Buurthuis"))
    by_etag = client.get("/agenda/feed.ics", headers={"If-None-Match": first.headers["ETag"]})
    by_date = client.get("/agenda/feed.ics", headers={"If-Modified-Since": first.headers["Last-Modified"]})

    assert by_etag.status_code == 200 and by_etag.headers["ETag"] != first.headers["ETag"]
    assert by_date.status_code == 200 and b"Tweede versie." in by_date.data
    # Sent within the second of the change, the feed claimed one second earlier; later, the second itself.
    assert email.utils.parsedate_to_datetime(first.headers["Last-Modified"]).replace(tzinfo=None) \
        == second - dt.timedelta(seconds=1)
    monkeypatch.setattr(routes, "_utcnow", lambda: second + dt.timedelta(seconds=2))
    later = client.get("/agenda/feed.ics")
    assert email.utils.parsedate_to_datetime(later.headers["Last-Modified"]).replace(tzinfo=None) >= second
    assert later.headers["Last-Modified"] != first.headers["Last-Modified"]


def test_a_changed_date_changes_the_feeds_etag(app, client):
    atelier = creatief_atelier(app)
    etags = [client.get("/agenda/feed.ics").headers["ETag"]]
    with app.app_context():
        made = change(db.session.get(Event, atelier), next_saturday(3), DateStatus.CANCELLED)
        db.session.commit()
        etags.append(client.get("/agenda/feed.ics").headers["ETag"])
        made.status = DateStatus.PLANNED.value  # undone, in the same second
        made.sequence += 1
        db.session.commit()
        etags.append(client.get("/agenda/feed.ics").headers["ETag"])

    assert len(set(etags)) == 3


def test_events_long_past_leave_the_feeds_but_keep_their_download(app, client):
    long_ago = dt.datetime.combine(dt.date.today() - dt.timedelta(days=31 * (PAST_MONTHS + 1)), dt.time(14, 0))
    old = store(app, series("long-ago", long_ago, 2, "Lentefeest"))
    creatief_atelier(app)

    titles = [str(v["SUMMARY"]) for v in read(client.get("/agenda/feed.ics")).walk("VEVENT")]

    assert titles == ["Creatief atelier"]
    assert [str(v["SUMMARY"]) for v in read(client.get(f"/agenda/{old}.ics")).walk("VEVENT")] == ["Lentefeest"]
