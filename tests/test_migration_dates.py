"""Series and sign-ups stored before the dates of a series had their own rows keep working after
the migration (a11d47e00001), and the schema it makes is the one the models describe."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import text

from events.models import TIMEZONE, Event
from participation.extensions import db
from participation.signups.models import Signup


def test_a_weekly_series_and_its_sign_ups_stored_before_keep_their_dates_and_places(app):
    from flask_migrate import downgrade, upgrade

    wednesday = dt.date(2027, 3, 3)
    with app.app_context():
        db.session.remove()
        downgrade(revision="a10e5ec00005")
        db.session.execute(text(
            "INSERT INTO event (id, uid, category, status, starts_at, ends_at, repeat_weekdays, repeat_until, "
            "skip_dates, address, capacity, max_people_per_signup, sequence, created_at, updated_at) VALUES "
            "(7, 'u7', 'homework', 'published', :start, :end, 'WE', :until, '2027-03-17', 'Binnenlaan 50', 12, 4, 3, "
            ":now, :now)"), {"start": dt.datetime.combine(wednesday, dt.time(14)),
                             "end": dt.datetime.combine(wednesday, dt.time(16)),
                             "until": wednesday + dt.timedelta(weeks=4), "now": dt.datetime(2027, 2, 1)})
        db.session.execute(text("INSERT INTO event_text (event_id, language, title, description, location) "
                                "VALUES (7, 'nl', 'Huiswerkklas', '', 'Buurthuis')"))
        for number, reminded in ((1, dt.datetime(2027, 3, 2, 14)), (2, None)):
            db.session.execute(text(
                "INSERT INTO signup (event_id, reference, token, name, phone, email, people, language, status, "
                "source, created_at, updated_at, reminder_sent_at) VALUES (7, :ref, :token, 'Ayşe', :phone, '', 2, "
                "'tr', 'confirmed', 'online', :now, :now, :reminded)"),
                {"ref": f"AAA-AA{number}", "token": f"token-{number}", "phone": f"+3247000000{number}",
                 "now": dt.datetime(2027, 2, 1), "reminded": reminded})
        db.session.commit()
        upgrade()

        event = db.session.get(Event, 7)
        assert (event.repeat, event.repeat_interval, event.places_per, event.all_day) == ("weekly", 1, "series", False)
        window = dt.datetime(2027, 3, 1, tzinfo=TIMEZONE), dt.datetime(2027, 4, 30, tzinfo=TIMEZONE)
        assert [o.start.day for o in event.occurrences(*window)] == [3, 10, 24, 31]  # the 17th stays skipped
        assert event.sequence == 3 and event.changes == {}
        signups = db.session.query(Signup).order_by(Signup.id).all()
        # Both stay sign-ups for the whole series; the one reminded before the first date is not reminded again.
        assert [(s.occurrence_start, s.reminded_for) for s in signups] == [
            (None, dt.datetime.combine(wednesday, dt.time(14))), (None, None)]


def test_the_migrated_schema_is_the_models_schema(app):
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    from events.models import Base

    with app.app_context(), db.engine.connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection, opts={"compare_type": True}),
                                       Base.metadata)
    assert differences == []
