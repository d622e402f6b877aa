"""A rush on one date: 1,000 sign-ups from 50 concurrent clients for 20 places on one Saturday.

gunicorn (2 sync workers, as `make serve`) serves `bench.app:create_app()` (CSRF and rate limits
off, for the benchmark only) on SQLite and, when reachable, PostgreSQL. A weekly drop-in series
with places per date gets 50 client threads, each posting the sign-up form for the same date as
a new person (a phone number of its own, one person each) until 1,000 forms are sent. Then the
database is read: exactly 20 confirmed, every other sign-up on that date's waiting list, none lost
(each acknowledged form is one stored sign-up), no 5xx, and nothing on the other dates.

    .venv/bin/python bench/date_signups.py [--signups 1000] [--clients 50] [--places 20]
                                           [--databases sqlite,postgresql]
"""

from __future__ import annotations

import argparse
import datetime as dt
import http.client
import os
import shutil
import signal
import sys
import tempfile
import threading
import time
import urllib.parse
import uuid
from collections import Counter
from pathlib import Path

from portal import build_site, flask, free_port, gunicorn, portal_env
from server import drop_schema, POSTGRES_URL, postgres_schema

# The sign-up form's field for the dates ticked (one value per date: its planned start).
DATE_FIELD = "date"


def add_drop_in(places: int) -> tuple[int, dt.datetime, dt.datetime]:
    """A weekly drop-in with `places` per date; its id, the Saturday of the rush, and the one after."""
    from events.models import Category, Event, Status
    from participation import create_app
    from participation.extensions import db

    today = dt.date.today()
    saturday = today + dt.timedelta(days=(5 - today.weekday()) % 7 or 7)
    start = dt.datetime.combine(saturday, dt.time(10))
    app = create_app()
    with app.app_context():
        event = Event(category=Category.ACTIVITY.value, status=Status.PUBLISHED.value, capacity=places,
                      max_people_per_signup=4, address="Binnenlaan 50, 3600 Genk", starts_at=start,
                      ends_at=start + dt.timedelta(hours=2), repeat="weekly", repeat_weekdays="SA",
                      repeat_until=saturday + dt.timedelta(weeks=8), places_per="date")
        event.set_text("nl", "Creatief atelier", "Elke zaterdag apart inschrijven.", "Buurthuis")
        db.session.add(event)
        db.session.commit()
        event_id = event.id
        db.session.remove()
        db.engine.dispose()
    return event_id, start, start + dt.timedelta(weeks=1)


def rush(port: int, event_id: int, date: dt.datetime, signups: int, clients: int) -> tuple[Counter, list[str], float]:
    """Post `signups` forms from `clients` threads; the answers by status, the phone numbers acknowledged,
    and the seconds it took."""
    numbers = iter(range(signups))
    lock = threading.Lock()
    answers: Counter = Counter()
    acknowledged: list[str] = []
    path = f"/agenda/{event_id}/signup"

    def client() -> None:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        while True:
            with lock:
                number = next(numbers, None)
            if number is None:
                break
            phone = f"0470{number:06d}"
            body = urllib.parse.urlencode({
                "name": f"Bewoner {number}", "phone": phone, "email": "", "people": "1", "language": "nl",
                "consent": "y", "submission_id": uuid.uuid4().hex, DATE_FIELD: date.isoformat(timespec="minutes"),
            })
            try:
                connection.request("POST", path, body, {"Content-Type": "application/x-www-form-urlencoded"})
                response = connection.getresponse()
                response.read()
                status = response.status
            except (OSError, http.client.HTTPException) as error:
                status = type(error).__name__
                connection.close()
                connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
            with lock:
                answers[status] += 1
                if status == 302:
                    acknowledged.append(f"+32{phone[1:]}")
        connection.close()

    threads = [threading.Thread(target=client) for _ in range(clients)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return answers, acknowledged, time.perf_counter() - started


def stored(database_url: str, event_id: int) -> list:
    from sqlalchemy import create_engine, text

    engine = create_engine(database_url)
    try:
        with engine.connect() as connection:
            return list(connection.execute(text(
                "SELECT phone, status, people, occurrence_start FROM signup WHERE event_id = :e"), {"e": event_id}))
    finally:
        engine.dispose()


def run(name: str, database_url: str, site: Path, folder: Path, options) -> bool:
    port = free_port()
    env = portal_env(folder, site, port, database_url)
    flask(env, "db", "upgrade")
    os.environ.update(env)
    event_id, date, next_date = add_drop_in(options.places)
    with gunicorn("bench.app:create_app()", env, port, folder / f"gunicorn-{name}.log"):
        answers, acknowledged, seconds = rush(port, event_id, date, options.signups, options.clients)
    rows = stored(database_url, event_id)
    # SQLite gives the stored time back as text through a plain query, PostgreSQL as a datetime.
    on_date = [row for row in rows if str(row.occurrence_start or "")[:16].replace("T", " ") == f"{date:%Y-%m-%d %H:%M}"]
    confirmed = sum(row.people for row in on_date if row.status == "confirmed")
    waiting = sum(1 for row in on_date if row.status == "waiting")
    phones = Counter(row.phone for row in on_date)
    problems = []
    if confirmed != options.places:
        problems.append(f"{confirmed} confirmed for {options.places} places")
    if waiting != len(on_date) - sum(1 for row in on_date if row.status == "confirmed"):
        problems.append("a sign-up neither confirmed nor waiting")
    lost = sorted(set(acknowledged) - set(phones))
    if lost:
        problems.append(f"{len(lost)} acknowledged but not stored, e.g. {lost[:3]}")
    doubled = [phone for phone, count in phones.items() if count > 1]
    if doubled:
        problems.append(f"{len(doubled)} stored twice")
    if len(on_date) != len(rows):
        problems.append(f"{len(rows) - len(on_date)} sign-ups on other dates (e.g. {next_date:%d/%m})")
    errors = {status: count for status, count in answers.items() if status != 302}
    if errors:
        problems.append(f"answers other than a redirect: {errors}")
    print(f"{name}: {options.signups} sign-ups from {options.clients} clients for {options.places} places on "
          f"{date:%a %d/%m %H:%M} in {seconds:.1f} s ({options.signups / seconds:.0f}/s): "
          f"{confirmed} confirmed, {waiting} waiting, {len(on_date)} stored; "
          + ("all as expected" if not problems else "PROBLEMS: " + "; ".join(problems)), flush=True)
    return not problems


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--signups", type=int, default=1000)
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--places", type=int, default=20)
    parser.add_argument("--databases", default="sqlite,postgresql")
    options = parser.parse_args()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))
    folder = Path(tempfile.mkdtemp(prefix="wijkpunt-rush-"))
    good = True
    try:
        site = folder / "site"
        build_site(site)
        for name in options.databases.split(","):
            target = folder / name
            (target / "instance").mkdir(parents=True)
            if name == "sqlite":
                good &= run(name, f"sqlite:///{target / 'instance' / 'wijkpunt.sqlite3'}", site, target, options)
            elif name == "postgresql":
                schema = postgres_schema()
                if schema is None:
                    continue
                try:
                    good &= run(name, f"{POSTGRES_URL}?options=-csearch_path%3D{schema}", site, target, options)
                finally:
                    drop_schema(schema)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    sys.exit(0 if good else 1)


if __name__ == "__main__":
    main()
