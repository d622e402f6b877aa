"""Every page of the portal with demo data behind it, for the accessibility and validity checks.

The app pages are described once (`app_pages`) and reached two ways: by Chromium against a live
server (tests/test_accessibility.py) and by Flask's test client (tests/test_html_validity.py).
A page "with errors" is its form sent as it comes, as a person who presses the button at once.
"""

from __future__ import annotations

import datetime as dt
import re
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode, urljoin, urlsplit

from bs4 import BeautifulSoup
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from werkzeug.serving import WSGIRequestHandler, make_server
from werkzeug.test import TestResponse

from authenticator import Authenticator
from site_helpers import LANGUAGES, guide_paths, page_url

ROOT = Path(__file__).resolve().parent.parent
NODE_MODULES = ROOT / "node_modules"
ADMIN = ("toegankelijk@genk.example", "admin password 1")
RESIDENT_EMAIL = "ayse@example.be"
PRIMARY = "button.md-button--primary"


@dataclass(frozen=True)
class AppPage:
    """One page of the app: its path in Dutch, whether staff must be logged in, a form to send."""

    name: str
    path: str
    staff: bool = False
    submit: str | None = None  # CSS selector of the button to press; the answer is the page checked
    # field name -> value typed before sending, or what gives it at that moment (a code of the app)
    fill: dict[str, str | Callable[[], str]] = field(default_factory=dict)
    axe: bool = True  # False: the Nu checker reads it, the browser test skips it (see app_pages)

    @property
    def shows_errors(self) -> bool:
        """Whether the page is meant to show a form's error summary."""
        return self.name.endswith("with errors")

    def url(self, language: str) -> str:
        """The path in `language`: Dutch has no prefix."""
        return self.path if language == "nl" else f"/{language}{self.path}"

    def typed(self) -> dict[str, str]:
        """What is typed into the form now."""
        return {name: value() if callable(value) else value for name, value in self.fill.items()}


@dataclass(frozen=True)
class Seeded:
    """What the demo data are, for building the page list."""

    workshop: int
    homework: int
    cancelled: int
    group: int
    enrolment: int
    feedback: int
    signup_link: str
    enrolled_link: str
    feedback_link: str
    authenticator: Authenticator  # the demo administrator's phone
    signup: int = 0  # the sign-up behind signup_link
    workshop_date: str = ""  # the workshop's next date as the dates pages name it (2027-03-13T1400)
    drop_in: int = 0  # the drop-in with places per date, a cancelled and a moved date


def seeded_app(site: Path, folder: Path) -> tuple[Flask, Seeded]:
    """An app on a new SQLite file in `folder` holding `seed`'s data, with CSRF checks on as in
    production (every form then carries its token field, as served)."""
    from conftest import _close, make_app

    database = f"sqlite:///{folder / 'portal.sqlite3'}"
    seeding = make_app(database, site, folder)
    seeded = seed(seeding)
    _close(seeding)
    return make_app(database, site, folder, WTF_CSRF_ENABLED=True), seeded


def seed(app: Flask) -> Seeded:
    """`make serve`'s demo content, plus a sign-up, an enrolment and an answered feedback."""
    from events.models import TIMEZONE, Event, Status
    from conftest import login, set_up_two_step
    from participation.cli import create_admin, seed_demo_events
    from participation.enrolment.models import Enrolment, HomeworkGroup
    from participation.extensions import db
    from participation.feedback.models import Feedback
    from participation.outbox import OutboxMessage
    from participation.signups.models import Signup
    from test_enrolment import family
    from test_feedback import form_data as feedback_form
    from test_signups import form_data as signup_form

    with app.app_context():
        seed_demo_events(dt.datetime.now(TIMEZONE).date())
        create_admin(ADMIN[0], "Ayşe Admin", ADMIN[1])
        authenticator = set_up_two_step(ADMIN[0])
        events = db.session.scalars(select(Event)).all()
        workshop = next(e.id for e in events if e.capacity)
        drop_in = next(e.id for e in events if e.per_date)
        homework = next(e.id for e in events if e.category == "homework")
        cancelled = next(e.id for e in events if e.status == Status.CANCELLED.value)
        group = db.session.scalars(select(HomeworkGroup.id)).one()
        workshop_date = f"{db.session.get(Event, workshop).next_start(dt.datetime.now(TIMEZONE).replace(tzinfo=None)):%Y-%m-%dT%H%M}"
    client = app.test_client()
    signed_up = client.post(f"/agenda/{workshop}/signup", data=signup_form(email=RESIDENT_EMAIL))
    enrolled = client.post("/homework/enrol", data=family(group, email=RESIDENT_EMAIL))
    sent = client.post("/feedback/", data=feedback_form(
        wants_answer="y", contact_name="Ayşe", contact_email=RESIDENT_EMAIL, contact_phone="",
        answer_language="tr"))
    for response in (signed_up, enrolled, sent):
        assert response.status_code == 302, response.get_data(as_text=True)
    with app.app_context():
        enrolment = db.session.scalars(select(Enrolment.id)).one()
        signup, signup_token = db.session.execute(select(Signup.id, Signup.token)).one()
        feedback = db.session.scalars(select(Feedback.id)).one()
        # One e-mail the mail server refused, for the staff page of e-mail not sent.
        refused = db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)).first()
        refused.attempts, refused.failed_at = 5, refused.created_at
        refused.last_error = "SMTPRecipientsRefused: {'ayse@example.be': (550, b'5.1.1 No such user')}"
        db.session.commit()
    assert login(client, *ADMIN).status_code == 302
    answered = client.post(f"/staff/feedback/{feedback}/answer", data={"answer-text": "Bedankt, we kijken ernaar."})
    assert answered.status_code == 302, answered.get_data(as_text=True)
    return Seeded(workshop, homework, cancelled, group, enrolment, feedback,
                  f"/signup/{signup_token}/", _path(enrolled.headers["Location"]),
                  _path(sent.headers["Location"]), authenticator, signup, workshop_date, drop_in)


def _path(location: str) -> str:
    """A redirect target as a Dutch path (the demo data were sent in Dutch)."""
    return urlsplit(location).path


def app_pages(seeded: Seeded) -> list[AppPage]:
    """Every kind of public and staff page, in the order a browser visits them (staff last).

    `axe=False` marks a page whose template and state another page already shows (a form without
    its errors, a second 404): the Nu checker reads it, axe skips it to keep the browser test short.
    """
    from test_checkers import CA_ANSWERS, PREMIE_ANSWERS

    s = seeded
    ca_answer = "/checkers/conformiteitsattest/answer?" + urlencode(CA_ANSWERS)
    premies_answer = "/checkers/premies/answer?" + urlencode(PREMIE_ANSWERS, doseq=True)
    return [
        AppPage("agenda", "/agenda/"),
        AppPage("agenda of one kind", "/agenda/?category=activity", axe=False),
        AppPage("event with sign-up", f"/agenda/{s.workshop}/"),
        AppPage("weekly event", f"/agenda/{s.homework}/", axe=False),
        AppPage("cancelled event", f"/agenda/{s.cancelled}/"),
        AppPage("sign-up form", f"/agenda/{s.workshop}/signup"),
        AppPage("sign-up form with errors", f"/agenda/{s.workshop}/signup", submit=PRIMARY),
        AppPage("drop-in: places per date, a cancelled and a moved date", f"/agenda/{s.drop_in}/"),
        AppPage("sign-up form: tick dates", f"/agenda/{s.drop_in}/signup"),
        AppPage("sign-up: check your e-mail", f"/agenda/{s.workshop}/signup/sent"),
        AppPage("sign-up private page", s.signup_link),
        AppPage("enrolment form", "/homework/enrol", axe=False),
        AppPage("enrolment form with errors", "/homework/enrol", submit=f"{PRIMARY}[value=send]"),
        AppPage("enrolment confirmation", s.enrolled_link),
        AppPage("feedback form", "/feedback/", axe=False),
        AppPage("feedback form with errors", "/feedback/", submit=PRIMARY),
        AppPage("feedback status with answer", s.feedback_link),
        AppPage("conformiteitsattest questions", "/checkers/conformiteitsattest"),
        AppPage("conformiteitsattest answer", ca_answer),
        AppPage("conformiteitsattest with errors", "/checkers/conformiteitsattest", submit=PRIMARY, axe=False),
        AppPage("premies questions", "/checkers/premies"),
        AppPage("premies answer", premies_answer),
        AppPage("premies with errors", "/checkers/premies", submit=PRIMARY, axe=False),
        AppPage("event not found", "/agenda/999999/", axe=False),
        AppPage("page not found", "/no-such-page/"),
        AppPage("staff login", "/staff/login"),
        AppPage("staff login with errors", "/staff/login", submit=PRIMARY, axe=False),
        # The right password leads to the second step (the answer, a redirect, is followed).
        AppPage("two-step login code", "/staff/login", submit=PRIMARY, fill={"email": ADMIN[0], "password": ADMIN[1]}),
        AppPage("two-step login code with errors", "/staff/login/code", submit=PRIMARY),
        AppPage("staff events", "/staff/", staff=True),
        AppPage("event form with errors", "/staff/events/new", staff=True, submit=PRIMARY),
        AppPage("event edit form", f"/staff/events/{s.workshop}/edit", staff=True, axe=False),
        AppPage("cancel an event", f"/staff/events/{s.workshop}/cancel", staff=True, axe=False),
        AppPage("delete an event", f"/staff/events/{s.workshop}/delete", staff=True, axe=False),
        AppPage("dates of a series", f"/staff/events/{s.workshop}/dates", staff=True),
        AppPage("dates of a drop-in, one cancelled, one moved", f"/staff/events/{s.drop_in}/dates", staff=True),
        AppPage("sign-up list of one date", f"/staff/events/{s.drop_in}/signups", staff=True, axe=False),
        AppPage("cancel a date with errors", f"/staff/events/{s.workshop}/dates/{s.workshop_date}/cancel", staff=True,
                submit=f"form.app-form {PRIMARY}"),
        AppPage("move a date", f"/staff/events/{s.workshop}/dates/{s.workshop_date}/move", staff=True),
        AppPage("move a date with errors", f"/staff/events/{s.workshop}/dates/{s.workshop_date}/move", staff=True,
                submit=f"form.app-form {PRIMARY}", fill={"end_time": "00:00"}, axe=False),
        AppPage("people to call", f"/staff/events/{s.workshop}/dates/{s.workshop_date}/call", staff=True),
        AppPage("sign-up lists", f"/staff/events/{s.workshop}/signups", staff=True),
        AppPage("sign-up by phone with errors", f"/staff/events/{s.workshop}/signups", staff=True,
                submit=f"form.app-form {PRIMARY}", axe=False),
        # Nothing ticked; then one sign-up ticked (its box belongs to the form by its form attribute).
        AppPage("cancel sign-ups at once with errors", f"/staff/events/{s.workshop}/signups", staff=True,
                submit="form#batch-cancel button", axe=False),
        AppPage("cancel sign-ups at once", f"/staff/events/{s.workshop}/signups", staff=True,
                submit="form#batch-cancel button", fill={"signup": str(s.signup)}, axe=False),
        AppPage("attendance list", f"/staff/events/{s.workshop}/attendance", staff=True),
        AppPage("homework groups and enrolments", "/staff/homework/", staff=True),
        AppPage("homework group form with errors", "/staff/homework/groups/new", staff=True, submit=PRIMARY),
        AppPage("homework group edit form", f"/staff/homework/groups/{s.group}/edit", staff=True, axe=False),
        AppPage("homework group list", f"/staff/homework/groups/{s.group}/list", staff=True),
        AppPage("enrolment review", f"/staff/homework/enrolments/{s.enrolment}", staff=True),
        AppPage("feedback list", "/staff/feedback/", staff=True),
        AppPage("feedback detail", f"/staff/feedback/{s.feedback}", staff=True),
        AppPage("feedback note with errors", f"/staff/feedback/{s.feedback}", staff=True,
                submit=f"form[action$='/notes'] {PRIMARY}", axe=False),
        AppPage("feedback report", "/staff/feedback/report", staff=True),
        AppPage("privacy search", "/staff/privacy/", staff=True, axe=False),
        AppPage("privacy search results", "/staff/privacy/", staff=True,
                submit=f"form[action$='/privacy/'] {PRIMARY}", fill={"email": RESIDENT_EMAIL}),
        AppPage("accounts", "/staff/accounts/", staff=True),
        AppPage("accounts with errors", "/staff/accounts/", staff=True, submit=f"form.app-form {PRIMARY}",
                axe=False),
        AppPage("change password", "/staff/password", staff=True, axe=False),
        AppPage("e-mail not sent", "/staff/outbox/", staff=True),
        AppPage("audit log", "/staff/audit/", staff=True),
        AppPage("two-step login", "/staff/two-step", staff=True, axe=False),
        AppPage("two-step login with errors", "/staff/two-step", staff=True, submit="button[value=recovery-codes]"),
        AppPage("new recovery codes", "/staff/two-step", staff=True, submit="button[value=recovery-codes]",
                fill={"manage-code": s.authenticator.code}),
        AppPage("two-step login on another phone", "/staff/two-step", staff=True, submit="button[value=phone]",
                fill={"manage-code": s.authenticator.code}),
    ]


def login_pages(seeded: Seeded) -> list[AppPage]:
    """Logging in as the demo administrator: the password, then the code of the app."""
    return [AppPage("log in", "/staff/login", submit=PRIMARY, fill={"email": ADMIN[0], "password": ADMIN[1]}),
            AppPage("log in: code", "/staff/login/code", submit=PRIMARY, fill={"code": seeded.authenticator.code})]


def site_urls() -> list[str]:
    """Every built guide in every language, and the three 404 pages."""
    guides = [page_url(language, guide) for language in LANGUAGES for guide in guide_paths()]
    return guides + ["/404.html", "/tr/404.html", "/bg/404.html"]


def send_form(client: FlaskClient, page_path: str, html: str, page: AppPage) -> TestResponse:
    """Send the form of `page.submit` as a browser would: its fields as they are, plus `fill`."""
    soup = BeautifulSoup(html, "html.parser")
    button = soup.select_one(page.submit or "")
    assert button is not None, f"{page.name}: no {page.submit}"
    form = button.find_parent("form")
    data: dict[str, list[str]] = {}
    for element in form.select("input[name], select[name], textarea[name]"):
        kind = element.get("type", "text")
        if element.has_attr("disabled") or kind in ("submit", "button", "file", "image", "reset"):
            continue
        if kind in ("checkbox", "radio") and not element.has_attr("checked"):
            continue
        if element.name == "select":
            chosen = element.select_one("option[selected]") or element.select_one("option")
            value = chosen.get("value", chosen.get_text()) if chosen else ""
        elif element.name == "textarea":
            value = element.get_text()
        else:
            value = element.get("value", "on" if kind in ("checkbox", "radio") else "")
        data.setdefault(element["name"], []).append(value)
    for name, value in page.typed().items():
        data[name] = [value]
    if button.get("name"):
        data.setdefault(button["name"], []).append(button.get("value", ""))
    action = urljoin(page_path, button.get("formaction") or form.get("action") or page_path)
    if form.get("method", "get").lower() == "post":
        return client.post(action, data=data)
    return client.get(action, query_string=data)


class _QuietHandler(WSGIRequestHandler):
    def log_request(self, code="-", size="-") -> None:
        """Keep the test output clean."""


@contextmanager
def live_server(app: Flask) -> Iterator[str]:
    """`app` on a loopback port in a thread, as a browser reaches it; yields its base URL."""
    server = make_server("127.0.0.1", 0, app, threaded=True, request_handler=_QuietHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


def html_lang(html: str) -> str | None:
    """The `lang` of a page's `<html>` element."""
    found = re.search(r"<html[^>]*\blang=\"([^\"]*)\"", html)
    return found.group(1) if found else None
