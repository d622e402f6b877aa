"""`make serve`'s demo content shows every kind of date the agenda knows, marked as examples."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from events.models import TIMEZONE, DateStatus, Event, Status
from participation.cli import seed_demo_events
from participation.extensions import db


def test_the_demo_shows_a_drop_in_per_date_a_course_a_monthly_meeting_and_a_whole_day(app):
    today = dt.date(2026, 12, 3)  # a Thursday
    now = dt.datetime.combine(today, dt.time(12), TIMEZONE)
    with app.app_context():
        assert seed_demo_events(today) == 7
        events = {event.texts["nl"].title: event for event in db.session.scalars(select(Event))}
        assert all("demo-inhoud" in event.texts["nl"].description for event in events.values())

        course = events["Naaicursus"]
        assert (course.places_per, course.capacity, len(course.occurrences(now, now + dt.timedelta(days=60)))) == \
            ("series", 10, 6)
        assert min(events, key=lambda title: (events[title].category != "activity" or not events[title].capacity,
                                              events[title].id)) == "Naaicursus"  # the one the browser tests use

        workshop = events["Creatief atelier"]
        assert workshop.per_date and workshop.starts_at.date() < today  # its first Saturday is past
        dates = workshop.occurrences(now - dt.timedelta(days=14), now + dt.timedelta(days=80))
        assert [o.start.strftime("%a") for o in dates if not o.moved] == ["Sat"] * 9
        assert [o.status for o in dates].count(DateStatus.CANCELLED) == 1
        [moved] = [o for o in dates if o.moved]
        assert (moved.start.strftime("%a %H:%M"), moved.address) == ("Sun 14:00", "Stalenstraat 32, 3600 Genk")
        assert workshop.signup_state(now.replace(tzinfo=None)) == "open"

        monthly = events["Buurtoverleg"]
        firsts = [o.start for o in monthly.occurrences(now, now + dt.timedelta(days=200))]
        assert len(firsts) == 6 and all(d.weekday() == 2 and d.day <= 7 for d in firsts)

        party = events["Buurtfeest"]
        assert party.all_day and party.ends_at - party.starts_at == dt.timedelta(days=1)
        assert events["Bewonersoverleg"].status == Status.CANCELLED
