"""Command-line tasks: `flask --app participation <command>`."""

from __future__ import annotations

import datetime as dt
import secrets
import subprocess
import sys
from pathlib import Path

import click
from flask import Flask
from sqlalchemy import func, select

from events.models import LANGUAGES, TIMEZONE, Category, Event, Status
from participation.auth import two_step
from participation.auth.passwords import too_easy
from participation.extensions import db
from participation.models import Role, StaffUser

DEMO_ADMIN = "demo-admin@wijkpunt.example"
ROOT = Path(__file__).resolve().parent.parent


def create_admin(email: str, name: str, password: str) -> StaffUser:
    """Add an administrator with every role (the first account sets up the rest), or make an existing
    account one with this password; either sets up two-step login at the first login (the way back in
    for one who lost the phone and the recovery codes)."""
    email = email.strip().lower()
    user = db.session.scalar(select(StaffUser).where(func.lower(StaffUser.email) == email))
    if user is None:
        user = StaffUser(email=email, name=name)
        db.session.add(user)
    user.set_roles(Role)
    user.active = True
    user.set_password(password)
    two_step.switch_off(user)
    user.end_sessions()
    db.session.commit()
    return user


def _next_weekday(start: dt.date, weekday: int) -> dt.date:
    return start + dt.timedelta(days=(weekday - start.weekday()) % 7 or 7)


def seed_demo_events(today: dt.date) -> int:
    """A few example events around `today`, clearly marked as examples; none if events exist."""
    if db.session.scalar(select(func.count()).select_from(Event)):
        return 0
    wednesday = _next_weekday(today, 2)
    saturday = _next_weekday(today, 5)
    address = "Binnenlaan 50, 3600 Genk"
    note = {
        "nl": "Voorbeeld om de agenda te tonen (demo-inhoud).",
        "tr": "Ajandayı göstermek için örnek (deneme içeriği).",
        "bg": "Пример, който показва календара (демо съдържание).",
    }
    homework = Event(category=Category.HOMEWORK.value, status=Status.PUBLISHED.value, address=address,
                     starts_at=dt.datetime.combine(wednesday, dt.time(14, 0)),
                     ends_at=dt.datetime.combine(wednesday, dt.time(16, 0)),
                     repeat="weekly", repeat_weekdays="WE", repeat_until=wednesday + dt.timedelta(weeks=12))
    homework.skipped = [wednesday + dt.timedelta(weeks=4)]
    homework.set_text("nl", "Huiswerkklas", f"Hulp bij het huiswerk voor kinderen van de lagere school.\n\n{note['nl']}", "Buurthuis")
    homework.set_text("tr", "Ödev sınıfı", f"İlkokul çocukları için ödev yardımı.\n\n{note['tr']}", "Mahalle evi")
    homework.set_text("bg", "Клас за домашни", f"Помощ с домашните за деца от началното училище.\n\n{note['bg']}", "Квартален дом")

    workshop = Event(category=Category.ACTIVITY.value, status=Status.PUBLISHED.value, address=address, capacity=12,
                     starts_at=dt.datetime.combine(saturday, dt.time(10, 0)),
                     ends_at=dt.datetime.combine(saturday, dt.time(12, 0)),
                     repeat="weekly", repeat_weekdays="SA", repeat_until=saturday + dt.timedelta(weeks=8))
    workshop.set_text("nl", "Creatief atelier", f"Schilderen en knutselen voor jong en oud.\n\n{note['nl']}", "Buurthuis")
    workshop.set_text("tr", "Yaratıcı atölye", f"Küçük ve büyükler için resim ve el işi.\n\n{note['tr']}", "Mahalle evi")

    session = Event(category=Category.INFO_SESSION.value, status=Status.PUBLISHED.value, address=address,
                    starts_at=dt.datetime.combine(today + dt.timedelta(days=10), dt.time(19, 0)),
                    ends_at=dt.datetime.combine(today + dt.timedelta(days=10), dt.time(20, 30)))
    session.set_text("nl", "Infoavond: het conformiteitsattest", f"Uitleg voor verhuurders.\n\n{note['nl']}", "Buurthuis")
    session.set_text("tr", "Bilgi akşamı: konut uygunluk belgesi", f"Ev sahipleri için bilgi.\n\n{note['tr']}", "Mahalle evi")
    session.set_text("bg", "Информационна вечер: удостоверение за съответствие", f"Информация за наемодатели.\n\n{note['bg']}", "Квартален дом")

    meeting = Event(category=Category.MEETING.value, status=Status.CANCELLED.value, address=address, sequence=1,
                    starts_at=dt.datetime.combine(today + dt.timedelta(days=17), dt.time(18, 30)),
                    ends_at=dt.datetime.combine(today + dt.timedelta(days=17), dt.time(20, 0)))
    meeting.set_text("nl", "Bewonersoverleg", f"Samen praten over de wijk.\n\n{note['nl']}", "Buurthuis")
    meeting.set_text("tr", "Mahalle sakinleri toplantısı", f"Mahalle hakkında birlikte konuşalım.\n\n{note['tr']}", "Mahalle evi")
    meeting.set_text("bg", "Среща на жителите", f"Заедно говорим за квартала.\n\n{note['bg']}", "Квартален дом")

    db.session.add_all([homework, workshop, session, meeting, _demo_homework_group(today)])
    db.session.commit()
    return 4


def _demo_homework_group(today: dt.date):
    """An example group, so the enrolment form has a group to choose."""
    from participation.enrolment.models import HomeworkGroup, school_year_of

    return HomeworkGroup(name="Voorbeeldgroep (demo)", school="all", year_from=1, year_to=3, weekdays="WE",
                         start_time=dt.time(14, 0), end_time=dt.time(16, 0), place="Buurthuis",
                         capacity=12, school_year=school_year_of(today), active=True)


def init_app(app: Flask) -> None:
    """Register the commands."""

    @app.cli.command("create-admin")
    @click.argument("email")
    @click.option("--name", default="Beheerder", help="Name shown in the audit log.")
    @click.password_option(help="Asked twice when not given.")
    def create_admin_command(email: str, name: str, password: str):
        """Create the first administrator (or reset an administrator's password)."""
        if len(password) < 12:
            raise click.BadParameter("use at least 12 characters", param_hint="--password")
        if too_easy(password, email, name):
            raise click.BadParameter("easy to guess or in lists of stolen passwords; try a few unrelated words",
                                     param_hint="--password")
        create_admin(email, name, password)
        click.echo(f"Administrator {email.strip().lower()} is ready. At the first login they set up two-step login "
                   "with an authenticator app.")

    @app.cli.command("seed-demo")
    def seed_demo_command():
        """Demo content for `make serve`: example events and a demo administrator."""
        count = seed_demo_events(dt.datetime.now(TIMEZONE).date())
        password = secrets.token_urlsafe(12)
        user = create_admin(DEMO_ADMIN, "Demo", password)
        # Administrators log in in two steps: the demo one with a secret printed here, for an app.
        secret = two_step.new_secret()
        two_step.switch_on(user, secret)
        db.session.commit()
        base = app.config["PUBLIC_BASE_URL"]
        click.echo(f"Demo events added: {count}")
        click.echo(f"Staff login: {base}/staff/login  e-mail: {DEMO_ADMIN}  password: {password}")
        click.echo(f"Two-step login: add this key to an authenticator app: {secret}")
        click.echo(f"  (or open this address with one: {two_step.setup_uri(user, secret)})")

    @app.cli.command("outbox-worker")
    @click.option("--once", is_flag=True, help="One round, then stop (for cron or tests).")
    def outbox_worker_command(once: bool):
        """Send queued e-mail (retrying while the mail server is away) and queue reminders."""
        from participation import outbox
        from participation.signups.service import queue_reminders

        outbox.run_worker(app.config["OUTBOX_INTERVAL"], once, on_cycle=queue_reminders)

    @app.cli.group()
    def translate():
        """Update or compile the interface translations (gettext catalogs)."""

    def pybabel(*args: str) -> None:
        subprocess.run([sys.executable, "-m", "babel.messages.frontend", *args], check=True, cwd=ROOT)

    @translate.command()
    def update():
        """Extract the messages and merge them into the nl, tr and bg catalogs."""
        pot = "participation/translations/messages.pot"
        pybabel("extract", "-F", "babel.cfg", "-k", "_l", "--no-location", "--sort-output",
                "-o", pot, "participation")
        for language in LANGUAGES:
            if not (ROOT / "participation/translations" / language / "LC_MESSAGES/messages.po").exists():
                pybabel("init", "-i", pot, "-d", "participation/translations", "-l", language, "--no-wrap")
        pybabel("update", "-i", pot, "-d", "participation/translations", "--no-wrap")

    @translate.command()
    def compile():
        """Build the .mo files the app reads."""
        pybabel("compile", "-d", "participation/translations")
