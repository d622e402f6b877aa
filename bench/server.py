"""Requests per second and latency of the portal under gunicorn, relative to a bare Flask view.

gunicorn runs `bench.app:create_app()` (the portal plus `/bench/hello`; CSRF and rate limits off
by configuration, for the benchmark only) with 2 sync workers, as `make serve` does, on SQLite and,
when reachable, PostgreSQL, with 500 events (a quarter of them series: weekly, fortnightly or
monthly on the first Wednesday, 100 of them with a cancelled and a moved date; in three languages;
40 of them open activities with 200 places, which the sign-up POSTs go round, and 40 weekly
drop-ins with 200 places per date, which the one-date sign-up POSTs go round).
wrk (Debian package `wrk`, installed when missing) sends each scenario with 32 connections on
2 threads, for `--seconds` after a 2-second warm-up, with `Accept-Encoding: br, gzip` as a browser
would. The hello endpoint is measured first and last; ratios use the mean of the two.

Note: wrk and gunicorn share this machine's 2 cores, so absolute figures are lower than on a
server with a separate client; the ratios to hello are the figures to compare across changes.

    .venv/bin/python bench/server.py [--seconds 10] [--databases sqlite,postgresql]
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from dataclasses import dataclass
from pathlib import Path

from portal import build_site, flask, free_port, gunicorn, portal_env

BENCH = Path(__file__).resolve().parent
CONNECTIONS = 32
THREADS = 2
POSTGRES_URL = os.environ.get("BENCH_POSTGRES_URL",
                              os.environ.get("TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"))
HEADERS = {"Accept-Encoding": "br, gzip"}


@dataclass
class Result:
    """One wrk run."""

    name: str
    rps: float
    p50_ms: float
    p99_ms: float
    failures: int
    cpu_ms: float  # workers' CPU time per answered request: unlike req/s, other load barely moves it
    note: str = ""


def ensure_wrk() -> str:
    """wrk from Debian; installed when missing (this machine runs as root)."""
    found = shutil.which("wrk")
    if found:
        return found
    subprocess.run(["apt-get", "install", "-y", "-qq", "wrk"], check=True,
                   env={**os.environ, "DEBIAN_FRONTEND": "noninteractive"}, stdout=subprocess.DEVNULL)
    found = shutil.which("wrk")
    if not found:
        raise SystemExit("wrk is missing and could not be installed (apt-get install wrk)")
    return found


SIGNUP_EVENTS = 40  # activities the sign-up POSTs go round, as residents sign up for different ones


def add_events(count: int) -> tuple[list[int], int, list[str]]:
    """`count` events around today, like a busy year of the buurthuis (and SIGNUP_EVENTS drop-ins
    besides); the ids of the open activities, of a published series with a cancelled and a moved
    date, and "ID@DATE" of one date of each drop-in."""
    from sqlalchemy import select

    from events.models import WEEKDAYS, Category, DateChange, Event, Status
    from participation import create_app
    from participation.extensions import db

    rng = random.Random(6)
    today = dt.date.today()
    app = create_app()
    with app.app_context():
        for number in range(count - 2 * SIGNUP_EVENTS):
            day = today + dt.timedelta(days=rng.randint(-30, 300))
            start = dt.datetime.combine(day, dt.time(rng.choice([10, 14, 16, 19])))
            series = number % 4 == 0
            status = Status.DRAFT if number % 25 == 0 else Status.CANCELLED if number % 10 == 9 else Status.PUBLISHED
            event = Event(category=rng.choice(list(Category)).value, status=status.value,
                          address="Binnenlaan 50, 3600 Genk", starts_at=start,
                          ends_at=start + dt.timedelta(hours=2),
                          capacity=rng.choice([None, None, 12, 20]))
            if series:
                _plan_series(event, number // 4, day, rng)
            event.set_text("nl", f"Activiteit {number} in het buurthuis",
                           "Samen met buren uit Waterschei. " * 8, "Buurthuis")
            event.set_text("tr", f"Mahalle evinde etkinlik {number}", "Waterschei'den komşularla birlikte. " * 8,
                           "Mahalle evi")
            event.set_text("bg", f"Дейност {number} в кварталния дом", "Заедно със съседи от Waterschei. " * 8,
                           "Квартален дом")
            db.session.add(event)
        open_activities = []
        for number in range(SIGNUP_EVENTS):
            start = dt.datetime.combine(today + dt.timedelta(days=3 + number % 30), dt.time(14))
            target = Event(category=Category.ACTIVITY.value, status=Status.PUBLISHED.value, capacity=200,
                           address="Binnenlaan 50, 3600 Genk", starts_at=start,
                           ends_at=start + dt.timedelta(hours=2))
            target.set_text("nl", f"Buurtfeest {number}", "Een feest voor de hele wijk.", "Buurthuis")
            target.set_text("tr", f"Mahalle şenliği {number}", "Bütün mahalle için bir şenlik.", "Mahalle evi")
            target.set_text("bg", f"Квартален празник {number}", "Празник за целия квартал.", "Квартален дом")
            db.session.add(target)
            open_activities.append(target)
        # As many drop-ins with places per date, weekly on Saturdays: a sign-up for one date of them.
        drop_ins = []
        for number in range(SIGNUP_EVENTS):
            start = dt.datetime.combine(today + dt.timedelta(days=3 + number % 30), dt.time(10))
            drop_in = Event(category=Category.ACTIVITY.value, status=Status.PUBLISHED.value, capacity=200,
                            address="Binnenlaan 50, 3600 Genk", starts_at=start, ends_at=start + dt.timedelta(hours=2),
                            repeat="weekly", repeat_weekdays=WEEKDAYS[start.weekday()],
                            repeat_until=start.date() + dt.timedelta(weeks=10), places_per="date")
            drop_in.set_text("nl", f"Creatief atelier {number}", "Elke week apart inschrijven.", "Buurthuis")
            db.session.add(drop_in)
            drop_ins.append(drop_in)
        db.session.commit()
        ids = [event.id for event in open_activities]
        # The second date of each: its first may be taken by the time the run starts.
        dates = [f"{event.id}@{(event.starts_at + dt.timedelta(weeks=1)).isoformat(timespec='minutes')}"
                 for event in drop_ins]
        series_id = db.session.scalar(select(Event.id).join(DateChange).where(Event.status == Status.PUBLISHED.value)
                                      .order_by(Event.id).limit(1))
        db.session.remove()
        db.engine.dispose()
    return ids, series_id, dates


SERIES_WITH_CHANGES = 100


def _plan_series(event, index: int, day: dt.date, rng: random.Random) -> None:
    """Weekly, fortnightly or monthly on the first Wednesday; the first SERIES_WITH_CHANGES of them with
    their second date cancelled and their third moved a day later, as buurthuis staff do."""
    from events.models import DateChange, DateStatus
    from events.recurrence import planned_starts

    kind = index % 3
    event.repeat = "monthly" if kind == 2 else "weekly"
    event.repeat_weekdays = "WE" if kind == 2 else rng.choice(["MO", "WE", "SA", "TU,TH"])
    event.repeat_interval = 2 if kind == 1 else 1
    event.repeat_setpos = 1 if kind == 2 else None
    event.repeat_until = day + dt.timedelta(weeks=26 if kind else 12)
    if index >= SERIES_WITH_CHANGES:
        return
    starts = planned_starts(event, event.starts_at - dt.timedelta(days=1), event.starts_at + dt.timedelta(days=200))
    if len(starts) < 3:
        return
    event.changes[starts[1]] = DateChange(original_start=starts[1], status=DateStatus.CANCELLED.value, sequence=1,
                                          texts={"nl": {"note": "De begeleiders zijn op vorming."}})
    moved = starts[2] + dt.timedelta(days=1)
    event.changes[starts[2]] = DateChange(original_start=starts[2], status=DateStatus.MOVED.value, sequence=1,
                                          starts_at=moved, ends_at=moved + dt.timedelta(hours=2),
                                          texts={"nl": {"note": "Uitzonderlijk een dag later."}})


def wrk(binary: str, url: str, seconds: int, *, headers: dict[str, str], script: Path | None = None,
        args: tuple[str, ...] = ()) -> tuple[float, float, float, int, int, str]:
    """Run wrk; requests/s, p50 and p99 in ms, failed and answered requests, the script's output."""
    command = [binary, f"-t{THREADS}", f"-c{CONNECTIONS}", f"-d{seconds}s", "--latency", "--timeout", "10s"]
    for name, value in headers.items():
        command += ["-H", f"{name}: {value}"]
    if script:
        command += ["-s", str(script)]
    command.append(url)
    if args:
        command += ["--", *args]
    output = subprocess.run(command, capture_output=True, text=True, timeout=seconds + 60).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", output)[1])
    p50 = _ms(re.search(r"50%\s+([\d.]+\w+)", output)[1])
    p99 = _ms(re.search(r"99%\s+([\d.]+\w+)", output)[1])
    failures = sum(int(n) for n in re.findall(r"Non-2xx or 3xx responses: (\d+)", output))
    errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output)
    if errors:
        failures += sum(int(n) for n in errors.groups())
    extra = "; ".join(line for line in output.splitlines() if line.startswith("signups:"))
    answered = int(re.search(r"(\d+) requests in", output)[1])
    return rps, p50, p99, failures, answered, extra


def _ms(value: str) -> float:
    """wrk's '1.23ms', '850.00us', '1.02s' in milliseconds."""
    number, unit = re.fullmatch(r"([\d.]+)(\w+)", value).groups()
    return float(number) * {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}[unit]


def run_database(name: str, database_url: str, site: Path, folder: Path, binary: str, seconds: int,
                 events: int) -> list[Result]:
    """Migrate, add the events, serve with gunicorn and run every scenario against it."""
    print(f"{name}: load average {os.getloadavg()[0]:.1f} before the runs (other work on the machine skews figures)",
          flush=True)
    port = free_port()
    env = portal_env(folder, site, port, database_url)
    flask(env, "db", "upgrade")
    os.environ.update(env)
    activities, series_id, dates = add_events(events)
    event_id = activities[0]
    results: list[Result] = []
    with gunicorn("bench.app:create_app()", env, port, folder / f"gunicorn-{name}.log") as served:
        base = served.url
        request = urllib.request.Request(base + "/agenda/feed.ics", headers=HEADERS)
        with urllib.request.urlopen(request) as response:
            etag = response.headers["ETag"]
        scenarios = [
            ("hello", "/bench/hello", {}, None, ()),
            ("agenda page", "/agenda/", {}, None, ()),
            ("event page", f"/agenda/{event_id}/", {}, None, ()),
            ("series event page", f"/agenda/{series_id}/", {}, None, ()),
            ("iCalendar feed", "/agenda/feed.ics", {}, None, ()),
            ("feed, If-None-Match (304)", "/agenda/feed.ics", {"If-None-Match": etag}, None, ()),
            ("sign-up POST", f"/agenda/{event_id}/signup", {}, BENCH / "signup.lua",
             (uuid.uuid4().hex[:8], *map(str, activities))),
            ("sign-up POST, one date", f"/agenda/{event_id}/signup", {}, BENCH / "signup.lua",
             (uuid.uuid4().hex[:8], *dates)),
            ("hello (again)", "/bench/hello", {}, None, ()),
        ]
        for label, path, extra_headers, script, args in scenarios:
            headers = {**HEADERS, **extra_headers}
            if script is None:  # a POST warm-up would only add sign-ups
                wrk(binary, base + path, 2, headers=headers)
                drain(base)
            cpu_before = served.worker_cpu_seconds()
            rps, p50, p99, failures, answered, note = wrk(binary, base + path, seconds, headers=headers,
                                                          script=script, args=args)
            cpu_ms = (served.worker_cpu_seconds() - cpu_before) * 1000 / max(answered, 1)
            results.append(Result(label, rps, p50, p99, failures, cpu_ms, note))
            drain(base)
    return results


def drain(base: str, seconds: float = 180) -> None:
    """Wait until the workers have worked off what wrk left queued, so runs do not overlap."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        started = time.monotonic()
        try:
            with urllib.request.urlopen(base + "/bench/hello", timeout=30):
                pass
        except OSError:
            continue
        if time.monotonic() - started < 0.2:
            return
        time.sleep(0.5)
    print(f"warning: the server was still busy {seconds:.0f} s after a run")


def postgres_schema() -> str | None:
    """A fresh schema in the test PostgreSQL, or None when it is not reachable."""
    try:
        import psycopg

        with psycopg.connect(POSTGRES_URL.replace("+psycopg", ""), connect_timeout=2, autocommit=True) as connection:
            schema = f"bench_{uuid.uuid4().hex[:10]}"
            connection.execute(f'CREATE SCHEMA "{schema}"')
            return schema
    except Exception as error:  # any failure to connect means: skip PostgreSQL
        print(f"PostgreSQL not reachable at {POSTGRES_URL}: {error}")
        return None


def drop_schema(schema: str) -> None:
    import psycopg

    with psycopg.connect(POSTGRES_URL.replace("+psycopg", ""), autocommit=True) as connection:
        connection.execute(f'DROP SCHEMA "{schema}" CASCADE')


def report(name: str, results: list[Result]) -> None:
    """The table of one database, with each scenario's ratio to hello and the targets."""
    hello = [r.rps for r in results if r.name.startswith("hello")]
    floor = sum(hello) / len(hello)
    hello_cpu = sum(r.cpu_ms for r in results if r.name.startswith("hello")) / len(hello)
    targets = {"agenda page": 0.60, "event page": 0.60, "series event page": 0.60, "iCalendar feed": 0.60,
               "feed, If-None-Match (304)": 0.70, "sign-up POST": 0.20,
               "sign-up POST, one date": 0.20}
    print(f"\n{name}: gunicorn 2 sync workers, wrk {THREADS} threads x {CONNECTIONS} connections")
    head = (f"{'scenario':<28}{'req/s':>8}{'of hello':>10}{'p50 ms':>8}{'p99 ms':>8}{'failed':>7}"
            f"{'CPU ms':>8}{'by CPU':>8}  target (on req/s)")
    print(head)
    print("-" * (len(head) + 24))
    footer = ("CPU ms: the workers' CPU time per answered request; by CPU: hello's CPU ms / this one's,\n"
              "a ratio that other load on the machine hardly moves (req/s and latency it does).")
    for result in results:
        ratio = result.rps / floor
        goal = targets.get(result.name)
        verdicts = []
        if goal is not None:
            verdicts.append(f">= {goal:.0%} {'met' if ratio >= goal else 'MISSED'}")
        verdicts.append(f"p99 < 100 ms {'met' if result.p99_ms < 100 else 'MISSED'}")
        print(f"{result.name:<28}{result.rps:>8.0f}{ratio:>10.0%}{result.p50_ms:>8.1f}{result.p99_ms:>8.1f}"
              f"{result.failures:>7}{result.cpu_ms:>8.2f}{hello_cpu / result.cpu_ms:>8.0%}  {', '.join(verdicts)}")
        if result.note:
            print(f"{'':<28}{result.note}")
    print(footer)


def main() -> None:
    """Build the site once, then benchmark each database in turn."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=int, default=10, help="length of each measured run (default 10)")
    parser.add_argument("--events", type=int, default=500, help="events in the database (default 500)")
    parser.add_argument("--databases", default="sqlite,postgresql", help="comma-separated: sqlite,postgresql")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder (gunicorn logs)")
    options = parser.parse_args()
    # Stopped from outside: still stop gunicorn and drop the PostgreSQL schema (the finally blocks).
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))
    binary = ensure_wrk()
    folder = Path(tempfile.mkdtemp(prefix="wijkpunt-bench-"))
    try:
        site = folder / "site"
        build_site(site)
        for name in options.databases.split(","):
            target = folder / name
            (target / "instance").mkdir(parents=True)
            if name == "sqlite":
                url = f"sqlite:///{target / 'instance' / 'wijkpunt.sqlite3'}"
                report("SQLite", run_database(name, url, site, target, binary, options.seconds, options.events))
            elif name == "postgresql":
                schema = postgres_schema()
                if schema is None:
                    continue
                try:
                    url = f"{POSTGRES_URL}?options=-csearch_path%3D{schema}"
                    report("PostgreSQL", run_database(name, url, site, target, binary, options.seconds,
                                                      options.events))
                finally:
                    drop_schema(schema)
            else:
                raise SystemExit(f"unknown database {name!r}")
    finally:
        if options.keep:
            print(f"kept: {folder}")
        else:
            shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
