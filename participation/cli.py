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

from events.models import LANGUAGES, TIMEZONE, Category, DateChange, DateStatus, Event, Status
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


def _first_weekday_of_next_month(today: dt.date, weekday: int) -> dt.date:
    first = (today.replace(day=1) + dt.timedelta(days=32)).replace(day=1)
    return first + dt.timedelta(days=(weekday - first.weekday()) % 7)


def seed_demo_events(today: dt.date) -> int:
    """Example events around `today`, clearly marked as examples; none if events exist.

    They show what the agenda can do: a course with one list, a weekly drop-in with places per date
    whose first date is past (with one date cancelled and one moved), a weekly homework class, a
    monthly meeting on the first Wednesday, a whole-day party, an information evening and a
    cancelled meeting.
    """
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

    def texts(event: Event, **by_language: tuple[str, str]) -> Event:
        for language, (title, description) in by_language.items():
            place = {"nl": "Buurthuis", "tr": "Mahalle evi", "bg": "Квартален дом"}[language]
            event.set_text(language, title, f"{description}\n\n{note[language]}", place)
        return event

    # A course: one list for all its dates, sign-ups close at the first date. It is the first
    # activity with places (the one the browser tests sign up for), starting tomorrow.
    course_day = today + dt.timedelta(days=1)
    course = texts(Event(category=Category.ACTIVITY.value, status=Status.PUBLISHED.value, address=address, capacity=10,
                         starts_at=dt.datetime.combine(course_day, dt.time(9, 0)),
                         ends_at=dt.datetime.combine(course_day, dt.time(11, 0)),
                         repeat="weekly", repeat_weekdays=("MO", "TU", "WE", "TH", "FR", "SA", "SU")[course_day.weekday()],
                         repeat_count=6, places_per="series"),
                   nl=("Naaicursus", "Zes lessen: samen leren naaien. Eén inschrijving voor alle lessen."),
                   tr=("Dikiş kursu", "Altı ders: birlikte dikiş öğrenelim. Tüm dersler için tek kayıt."),
                   bg=("Курс по шиене", "Шест урока: учим се да шием заедно. Едно записване за всички уроци."))

    # A drop-in: each Saturday its own places. Its first Saturday is past; one is cancelled, one moved.
    first_saturday = saturday - dt.timedelta(weeks=1)
    workshop = texts(Event(category=Category.ACTIVITY.value, status=Status.PUBLISHED.value, address=address, capacity=12,
                           starts_at=dt.datetime.combine(first_saturday, dt.time(10, 0)),
                           ends_at=dt.datetime.combine(first_saturday, dt.time(12, 0)),
                           repeat="weekly", repeat_weekdays="SA", repeat_until=first_saturday + dt.timedelta(weeks=9),
                           places_per="date"),
                     nl=("Creatief atelier", "Schilderen en knutselen voor jong en oud. Elke zaterdag apart inschrijven."),
                     tr=("Yaratıcı atölye", "Küçük ve büyükler için resim ve el işi. Her cumartesi için ayrı kayıt."),
                     bg=("Творческо ателие", "Рисуване и ръкоделие за малки и големи. За всяка събота отделно записване."))
    cancelled_day = dt.datetime.combine(saturday + dt.timedelta(weeks=1), dt.time(10, 0))
    moved_day = dt.datetime.combine(saturday + dt.timedelta(weeks=2), dt.time(10, 0))
    workshop.changes[cancelled_day] = DateChange(original_start=cancelled_day, status=DateStatus.CANCELLED.value,
                                                 sequence=1, texts={
        "nl": {"note": "De begeleiders zijn op vorming."},
        "tr": {"note": "Eğitmenler o gün eğitimde."},
        "bg": {"note": "Водещите са на обучение."}})
    moved_to = moved_day + dt.timedelta(days=1, hours=4)  # to Sunday afternoon, in the school's hall
    workshop.changes[moved_day] = DateChange(original_start=moved_day, status=DateStatus.MOVED.value, sequence=1,
                                             starts_at=moved_to, ends_at=moved_to + dt.timedelta(hours=2),
                                             address="Stalenstraat 32, 3600 Genk", texts={
        "nl": {"note": "Uitzonderlijk op zondag, in de turnzaal van de school.", "location": "Turnzaal basisschool"},
        "tr": {"note": "Bu kez pazar günü, okulun spor salonunda.", "location": "İlkokulun spor salonu"},
        "bg": {"note": "По изключение в неделя, във физкултурния салон на училището.",
               "location": "Физкултурен салон на училището"}})

    homework = texts(Event(category=Category.HOMEWORK.value, status=Status.PUBLISHED.value, address=address,
                           starts_at=dt.datetime.combine(wednesday, dt.time(14, 0)),
                           ends_at=dt.datetime.combine(wednesday, dt.time(16, 0)),
                           repeat="weekly", repeat_weekdays="WE", repeat_until=wednesday + dt.timedelta(weeks=12)),
                     nl=("Huiswerkklas", "Hulp bij het huiswerk voor kinderen van de lagere school."),
                     tr=("Ödev sınıfı", "İlkokul çocukları için ödev yardımı."),
                     bg=("Клас за домашни", "Помощ с домашните за деца от началното училище."))
    homework.skipped = [wednesday + dt.timedelta(weeks=4)]

    first_wednesday = _first_weekday_of_next_month(today, 2)
    monthly = texts(Event(category=Category.MEETING.value, status=Status.PUBLISHED.value, address=address,
                          starts_at=dt.datetime.combine(first_wednesday, dt.time(19, 0)),
                          ends_at=dt.datetime.combine(first_wednesday, dt.time(20, 30)),
                          repeat="monthly", repeat_weekdays="WE", repeat_setpos=1, repeat_count=6),
                    nl=("Buurtoverleg", "Elke eerste woensdag van de maand: bewoners en de stad praten over de wijk."),
                    tr=("Mahalle toplantısı", "Her ayın ilk çarşamba günü: mahalle sakinleri ve belediye mahalleyi konuşur."),
                    bg=("Квартална среща", "Всяка първа сряда от месеца: жителите и общината говорят за квартала."))

    party_day = saturday + dt.timedelta(weeks=4)
    party = texts(Event(category=Category.ACTIVITY.value, status=Status.PUBLISHED.value, address=address, all_day=True,
                        starts_at=dt.datetime.combine(party_day, dt.time()),
                        ends_at=dt.datetime.combine(party_day + dt.timedelta(days=1), dt.time())),
                  nl=("Buurtfeest", "De hele dag muziek, spelen en eten op het plein. Iedereen welkom."),
                  tr=("Mahalle şenliği", "Bütün gün meydanda müzik, oyunlar ve yemek. Herkes davetli."),
                  bg=("Квартален празник", "Цял ден музика, игри и храна на площада. Всички са добре дошли."))

    session = texts(Event(category=Category.INFO_SESSION.value, status=Status.PUBLISHED.value, address=address,
                          starts_at=dt.datetime.combine(today + dt.timedelta(days=10), dt.time(19, 0)),
                          ends_at=dt.datetime.combine(today + dt.timedelta(days=10), dt.time(20, 30))),
                    nl=("Infoavond: het conformiteitsattest", "Uitleg voor verhuurders."),
                    tr=("Bilgi akşamı: konut uygunluk belgesi", "Ev sahipleri için bilgi."),
                    bg=("Информационна вечер: удостоверение за съответствие", "Информация за наемодатели."))

    meeting = texts(Event(category=Category.MEETING.value, status=Status.CANCELLED.value, address=address, sequence=1,
                          starts_at=dt.datetime.combine(today + dt.timedelta(days=17), dt.time(18, 30)),
                          ends_at=dt.datetime.combine(today + dt.timedelta(days=17), dt.time(20, 0))),
                    nl=("Bewonersoverleg", "Samen praten over de wijk."),
                    tr=("Mahalle sakinleri toplantısı", "Mahalle hakkında birlikte konuşalım."),
                    bg=("Среща на жителите", "Заедно говорим за квартала."))

    events = [course, workshop, homework, monthly, party, session, meeting]
    for event in events:  # one after the other: the ids follow this order
        db.session.add(event)
        db.session.flush()
    db.session.add(_demo_homework_group(today))
    db.session.commit()
    return len(events)


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

        def reminders() -> None:
            """Each round's reminders, committed together with the marks that they are queued."""
            queue_reminders()
            db.session.commit()

        outbox.run_worker(app.config["OUTBOX_INTERVAL"], once, on_cycle=reminders)

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
