"""A long soak: residents sign up, cancel, enrol and send feedback for minutes on end while the server is
killed again and again and the mail server goes away and comes back; then everything is checked.

The same processes as production, on loopback: gunicorn (sync workers), several `flask outbox-worker`
processes, a real SMTP server (aiosmtpd), on SQLite or PostgreSQL. The residents are the ones of
tests/test_load.py (tests/live_portal.py): each GETs the form, POSTs it with its CSRF token, follows
the redirect to the private page, and sends the same form again while the server is down.

At the end it waits (bounded by --drain-minutes) until every e-mail is out, with the real back-off
(1, 2, 4 … minutes after a failure) and the real five-minute claim of a killed worker, then prints
the figures and every problem found: an acknowledged request lost or stored twice, an overbooking,
a 5xx, an e-mail not sent or received twice. Exit status 1 when it found a problem.

    .venv/bin/python bench/soak.py [--minutes 10] [--database sqlite|postgresql] [--threads 8]
        [--workers 2] [--outbox-workers 2] [--kill-every 60] [--kill-outbox-worker]
        [--mail-outage 90] [--capacity 150] [--drain-minutes 15] [--keep]
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import statistics
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(REPO), str(REPO / "tests")]

import psycopg  # noqa: E402

from live_portal import (Ledger, MailServer, Server, check_stored, outbox_state, outbox_worker,  # noqa: E402
                         portal_env, run_residents)

POSTGRES_URL = os.environ.get("TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
BATCH = 60  # residents per round; a round mixes sign-ups, enrolments and feedback


def prepare(database_url: str, site: Path, instance: Path, capacity: int) -> tuple[int, int]:
    """Migrate the database and add one activity and one homework group; their ids."""
    from flask_migrate import upgrade

    from events.models import Event
    from participation import create_app
    from participation.enrolment.models import HomeworkGroup, school_year_of
    from participation.extensions import db

    os.environ["INSTANCE_PATH"] = str(instance)
    app = create_app({"SQLALCHEMY_DATABASE_URI": database_url, "SITE_DIR": str(site), "SECRET_KEY": "soak"})
    with app.app_context():
        upgrade()
        start = (dt.datetime.now() + dt.timedelta(days=7)).replace(hour=14, minute=0, second=0, microsecond=0)
        event = Event(category="activity", status="published", address="Binnenlaan 50, 3600 Genk", starts_at=start,
                      ends_at=start + dt.timedelta(hours=2), capacity=capacity)
        event.set_text("nl", "Soak-atelier", "Een lange proef.", "Buurthuis")
        group = HomeworkGroup(name="Soak", school="all", year_from=1, year_to=6, weekdays="MO",
                              start_time=dt.time(15, 30), end_time=dt.time(16, 30), place="Buurthuis",
                              capacity=100_000, school_year=school_year_of(dt.date.today()), active=True)
        db.session.add_all([event, group])
        db.session.commit()
        ids = event.id, group.id
        db.engine.dispose()
    return ids


class Chaos:
    """Kills gunicorn (and perhaps an outbox worker) every `kill_every` s; the mail server is away `outage` s in 3."""

    def __init__(self, server: Server, workers: list, mail: MailServer, kill_every: float, outage: float,
                 kill_outbox_worker: bool):
        self.server, self.workers, self.mail = server, workers, mail
        self.kill_every, self.outage, self.kill_outbox_worker = kill_every, outage, kill_outbox_worker
        self.stopped = threading.Event()
        self.kills = self.worker_kills = self.outages = 0
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        started = time.monotonic()
        next_kill = started + self.kill_every if self.kill_every else float("inf")
        next_outage = started + self.outage if self.outage else float("inf")
        mail_back_at = None
        while not self.stopped.wait(0.2):
            now = time.monotonic()
            if now >= next_kill:
                self.server.kill()
                if self.kill_outbox_worker and self.workers:
                    worker = self.workers[self.kills % len(self.workers)]
                    worker.kill()
                    worker.start()
                    self.worker_kills += 1
                time.sleep(1)  # a second of nobody answering
                self.server.start()
                self.kills += 1
                next_kill = time.monotonic() + self.kill_every
            if now >= next_outage and mail_back_at is None:
                self.mail.stop()
                self.outages += 1
                mail_back_at = now + self.outage
            if mail_back_at is not None and now >= mail_back_at:
                self.mail.start()
                mail_back_at = None
                next_outage = now + 2 * self.outage
        if mail_back_at is not None:
            self.mail.start()

    def start(self) -> None:
        self.thread.start()

    def stop(self) -> None:
        self.stopped.set()
        self.thread.join(timeout=120)


def percentile(values: list[float], share: float) -> float:
    """The value below which `share` of the values lie."""
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def main() -> int:
    """Run the soak and print its figures; 1 if a problem was found."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--minutes", type=float, default=10, help="how long residents keep coming (default 10)")
    parser.add_argument("--database", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--threads", type=int, default=8, help="residents at the same moment (default 8)")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers (default 2)")
    parser.add_argument("--outbox-workers", type=int, default=2, help="outbox worker processes (default 2)")
    parser.add_argument("--kill-every", type=float, default=60, help="SIGKILL gunicorn every N s (0: never)")
    parser.add_argument("--kill-outbox-worker", action="store_true", help="SIGKILL an outbox worker with it")
    parser.add_argument("--mail-outage", type=float, default=90, help="mail server away for N s, every 3N s (0: never)")
    parser.add_argument("--capacity", type=int, default=150, help="places of the activity (default 150)")
    parser.add_argument("--drain-minutes", type=float, default=15, help="longest wait for the outbox at the end")
    parser.add_argument("--site", type=Path, default=REPO / "site", help="the built guides (default site/)")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder and database schema")
    options = parser.parse_args()

    folder = Path(tempfile.mkdtemp(prefix="wijkpunt-soak-"))
    schema = None
    if options.database == "sqlite":
        database_url = f"sqlite:///{folder / 'soak.sqlite3'}"
    else:
        schema = f"soak_{uuid.uuid4().hex[:10]}"
        with psycopg.connect(POSTGRES_URL.replace("+psycopg", ""), autocommit=True) as connection:
            connection.execute(f'CREATE SCHEMA "{schema}"')
        database_url = f"{POSTGRES_URL}?options=-csearch_path%3D{schema}"
    event_id, group_id = prepare(database_url, options.site, folder / "instance", options.capacity)

    mail = MailServer()
    mail.start()
    env = portal_env(database_url, site_dir=options.site, instance=folder / "instance", mail_port=mail.port,
                     OUTBOX_INTERVAL="1")
    server = Server(env, folder / "gunicorn.log", workers=options.workers)
    workers = [outbox_worker(env, folder / f"outbox-{n}.log") for n in range(options.outbox_workers)]
    server.start()
    for worker in workers:
        worker.start()
    chaos = Chaos(server, workers, mail, options.kill_every, options.mail_outage, options.kill_outbox_worker)
    ledger = Ledger()
    print(f"soak: {options.database}, {options.minutes:g} min, {options.threads} residents at once, "
          f"gunicorn {options.workers} workers, {options.outbox_workers} outbox workers, folder {folder}", flush=True)
    started = time.monotonic()
    chaos.start()
    number = 0
    while time.monotonic() - started < options.minutes * 60:
        jobs = [("signup", event_id) if n % 4 < 2 else ("enrolment", group_id) if n % 4 == 2 else ("feedback", None)
                for n in range(BATCH)]
        run_residents([server.url], jobs, threads=options.threads, ledger=ledger, first_number=number,
                      patience=120, cancel_every=7)
        number += BATCH
        done = sum(map(len, ledger.acknowledged.values()))
        print(f"  {time.monotonic() - started:6.0f} s: {done} acknowledged, {len(ledger.statuses)} answers, "
              f"{ledger.connection_errors} refused connections, {chaos.kills} kills, {chaos.outages} mail outages",
              flush=True)
    load_seconds = time.monotonic() - started
    chaos.stop()
    if not server.running():
        server.start()

    print("draining the outbox (real back-off; a killed worker's claim lasts five minutes) …", flush=True)
    drain_started = time.monotonic()
    while time.monotonic() - drain_started < options.drain_minutes * 60:
        state = outbox_state(database_url)
        waiting = sum(1 for row in state if row.sent_at is None)
        if not waiting:
            break
        time.sleep(5)
    drain_seconds = time.monotonic() - drain_started
    state = outbox_state(database_url)
    for process in (server, *workers):
        process.stop()
    mail.stop()

    problems = check_stored(database_url, ledger, event_id=event_id, capacity=options.capacity)
    problems += ledger.server_errors
    problems += [f"gave up (server away for {120} s): {what}" for what in ledger.unfinished]
    received = Counter(mail.message_ids())
    unsent = [row.message_id for row in state if row.sent_at is None]
    problems += [f"e-mail not sent: {mid}" for mid in unsent]
    problems += [f"e-mail sent but never received: {row.message_id}" for row in state
                 if row.sent_at is not None and not received[row.message_id]]
    # Twice is what the outbox promises only for a worker killed between sending and recording it.
    doubles = {mid: count for mid, count in received.items() if count > 1}
    if doubles and not options.kill_outbox_worker:
        problems += [f"e-mail received {count} times: {mid}" for mid, count in doubles.items()]

    latencies = ledger.latencies
    print(f"\nload: {load_seconds:.0f} s, {len(ledger.statuses)} answers "
          f"({len(ledger.statuses) / load_seconds:.1f}/s), statuses {dict(sorted(Counter(ledger.statuses).items()))}")
    print(f"latency: p50 {percentile(latencies, .5) * 1000:.0f} ms, p95 {percentile(latencies, .95) * 1000:.0f} ms, "
          f"p99 {percentile(latencies, .99) * 1000:.0f} ms, max {max(latencies, default=0) * 1000:.0f} ms, "
          f"mean {statistics.fmean(latencies) * 1000 if latencies else 0:.0f} ms")
    print(f"faults: {chaos.kills} gunicorn kills, {chaos.worker_kills} outbox worker kills, "
          f"{chaos.outages} mail outages, {ledger.connection_errors} refused or cut connections")
    print("acknowledged: " + ", ".join(f"{kind} {len(done)}" for kind, done in ledger.acknowledged.items())
          + f", cancelled {len(ledger.cancelled)}")
    print(f"e-mail: {len(state)} queued, {len(state) - len(unsent)} sent, {sum(received.values())} received, "
          f"{len(doubles)} received twice (worker killed mid-send), drained in {drain_seconds:.0f} s")
    print(f"problems: {len(problems)}")
    for problem in problems[:50]:
        print(f"  {problem}")

    if not options.keep:
        import shutil

        shutil.rmtree(folder, ignore_errors=True)
        if schema:
            with psycopg.connect(POSTGRES_URL.replace("+psycopg", ""), autocommit=True) as connection:
                connection.execute(f'DROP SCHEMA "{schema}" CASCADE')
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
