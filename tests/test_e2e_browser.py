"""The whole portal in headless Chromium, started the way `make serve` starts it, in nl, tr and bg."""

from __future__ import annotations

import contextlib
import datetime as dt
import email
import email.policy
import functools
import os
import re
import socket
import sqlite3
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
import uuid
from dataclasses import dataclass
from email.message import EmailMessage
from pathlib import Path
from typing import TYPE_CHECKING

import icalendar
import pytest
from aiosmtpd.controller import Controller
from babel.support import Translations

from events.models import TIMEZONE
from authenticator import Authenticator
from live_portal import gunicorn_options
from participation.cli import DEMO_ADMIN

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parent.parent
LANGUAGES = ("nl", "tr", "bg")
PREFIX = {"nl": "/", "tr": "/tr/", "bg": "/bg/"}
NEXT_LANGUAGE = {"nl": "tr", "tr": "bg", "bg": "nl"}
REFERENCE = re.compile(r"[A-Z0-9]{3}-[A-Z0-9]{3}")
STARTUP_SECONDS = 30
MAIL_SECONDS = 20
# Every flow in every language with JavaScript on, and once more with it off.
FLOWS = [("nl", True), ("tr", True), ("bg", True), ("tr", False)]


def flow_id(case: tuple[str, bool]) -> str:
    """`tr` or `tr-no-js`, for the test report."""
    return case[0] if case[1] else f"{case[0]}-no-js"


# --- the portal in subprocesses -------------------------------------------------------------------


class Mailbox:
    """An aiosmtpd handler that keeps every message it receives."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope) -> str:
        """Keep the message; say 250 as a real mail server does."""
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        with self.lock:
            self.messages.append(message)
        return "250 OK"

    def wait_for(self, recipient: str, timeout: float = MAIL_SECONDS) -> EmailMessage | None:
        """The first message to `recipient`, once it has arrived; None after `timeout` seconds."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self.lock:
                for message in self.messages:
                    if message["To"] == recipient:
                        return message
            time.sleep(0.1)
        return None


def start_mail_server(mailbox: Mailbox) -> Controller:
    """A real SMTP server on a free loopback port (another process may take a port first: try again)."""
    error: OSError | None = None
    for _attempt in range(5):
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        controller = Controller(mailbox, hostname="127.0.0.1", port=port)
        try:
            controller.start()
        except OSError as exc:
            error = exc
            continue
        return controller
    raise RuntimeError(f"no free port for the SMTP server: {error}")


@dataclass
class Portal:
    """The running portal: its address, its mailbox, the demo login and its database."""

    base_url: str
    mailbox: Mailbox
    staff_email: str
    staff_password: str
    authenticator: Authenticator  # the phone of the demo administrator, with the key seed-demo printed
    database: Path
    server_log: Path
    worker_log: Path

    def url(self, language: str, path: str = "") -> str:
        """The absolute address of `path` in `language`: url("tr", "feedback/") -> http://…/tr/feedback/."""
        return self.base_url + PREFIX[language] + path

    def row(self, sql: str, *params) -> sqlite3.Row | None:
        """One row of what the portal stored."""
        with contextlib.closing(sqlite3.connect(self.database, timeout=10)) as connection:
            connection.row_factory = sqlite3.Row
            return connection.execute(sql, params).fetchone()

    def mail_to(self, recipient: str) -> EmailMessage:
        """The message to `recipient`; fails with what the outbox knows when none arrives."""
        message = self.mailbox.wait_for(recipient)
        if message is None:
            queued = self.row("SELECT attempts, last_error, sent_at FROM outbox_message WHERE recipient = ?", recipient)
            pytest.fail(f"no e-mail to {recipient} within {MAIL_SECONDS}s; outbox row: "
                        f"{dict(queued) if queued else None}; worker log:\n{tail(self.worker_log)}")
        return message


def tail(path: Path, lines: int = 40) -> str:
    """The end of a log file, for a failure message."""
    return "\n".join(path.read_text(encoding="utf-8", errors="replace").splitlines()[-lines:])


def flask(*args: str, env: dict[str, str]) -> str:
    """Run a `flask --app participation` command as `make serve` does; its output."""
    done = subprocess.run([sys.executable, "-m", "flask", *args], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=120)
    if done.returncode != 0:
        pytest.fail(f"flask {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}")
    return done.stdout


def wait_until_ready(base_url: str, processes: list[subprocess.Popen], log: Path) -> None:
    """Poll the agenda until the app answers; fail early when a process has died."""
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        for process in processes:
            if process.poll() is not None:
                pytest.fail(f"{process.args} exited with {process.returncode}:\n{tail(log)}")
        try:
            with urllib.request.urlopen(base_url + "/agenda/", timeout=2) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.1)
    pytest.fail(f"the portal did not answer within {STARTUP_SECONDS}s:\n{tail(log)}")


def stop(process: subprocess.Popen) -> None:
    """SIGTERM (gunicorn finishes its requests), then SIGKILL if it hangs."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


@pytest.fixture(scope="module")
def portal(site, tmp_path_factory):
    """`make serve` in subprocesses: migrate, seed the demo, gunicorn with 2 workers, the outbox worker."""
    folder = tmp_path_factory.mktemp("portal")
    mailbox = Mailbox()
    mail_server = start_mail_server(mailbox)
    # gunicorn serves a socket bound here: no other process can take the port between choosing and binding it.
    listener = socket.socket()
    processes: list[subprocess.Popen] = []
    try:
        listener.bind(("127.0.0.1", 0))
        listener.listen(128)
        base_url = f"http://127.0.0.1:{listener.getsockname()[1]}"
        database = folder / "portal.sqlite3"
        env = {
            **os.environ,
            "FLASK_APP": "participation",
            "INSTANCE_PATH": str(folder / "instance"),
            "DATABASE_URL": f"sqlite:///{database}",
            "SITE_DIR": str(site),
            "PUBLIC_BASE_URL": base_url,
            "MAIL_SERVER": "127.0.0.1",
            "MAIL_PORT": str(mail_server.port),
            "OUTBOX_INTERVAL": "0.2",
            "RATELIMIT_STORAGE_URI": "memory://",
            # This module posts each public form more often in a minute than one resident would; the
            # limits themselves are tested in test_staff.py, test_enrolment.py and test_feedback.py.
            "RATELIMIT_ENABLED": "0",
            "PYTHONUNBUFFERED": "1",
        }
        flask("db", "upgrade", env=env)
        printed = flask("seed-demo", env=env)
        password = re.search(rf"e-mail: {re.escape(DEMO_ADMIN)}\s+password: (\S+)", printed)
        key = re.search(r"authenticator app: ([A-Z2-7]+)", printed)
        assert password and key, printed
        for language in LANGUAGES:
            catalog(language)  # the catalogs the app loads now, even if a translator recompiles them later
        server_log, worker_log = folder / "gunicorn.log", folder / "worker.log"
        with server_log.open("w") as server_out, worker_log.open("w") as worker_out:
            processes.append(subprocess.Popen([sys.executable, "-m", "flask", "outbox-worker"], cwd=ROOT, env=env,
                                              stdout=worker_out, stderr=subprocess.STDOUT))
            processes.append(subprocess.Popen(
                [sys.executable, "-m", "gunicorn", "--workers", "2", "--bind", f"fd://{listener.fileno()}",
                 "--access-logfile", "-", *gunicorn_options(), "participation:create_app()"],
                cwd=ROOT, env=env, pass_fds=[listener.fileno()], stdout=server_out, stderr=subprocess.STDOUT))
        wait_until_ready(base_url, processes, server_log)
        yield Portal(base_url, mailbox, DEMO_ADMIN, password.group(1), Authenticator(key.group(1)), database,
                     server_log, worker_log)
    finally:
        for process in reversed(processes):
            stop(process)
        listener.close()
        mail_server.stop()


@functools.cache
def catalog(language: str) -> Translations:
    """The interface texts of `language`, as the app shows them."""
    return Translations.load(str(ROOT / "participation" / "translations"), [language])


def translated(language: str, message: str) -> str:
    """`message` as a reader of `language` sees it."""
    return catalog(language).gettext(message)


# --- the browser ------------------------------------------------------------------------------------


@pytest.fixture
def open_tab(browser: Browser, portal: Portal):
    """New tabs, each in a fresh context (no cookies); afterwards: no server error on the way."""
    contexts = []
    failures: list[str] = []
    log_start = portal.server_log.stat().st_size

    def factory(javascript: bool = True) -> Page:
        context = browser.new_context(java_script_enabled=javascript, viewport={"width": 1024, "height": 800})
        context.set_default_timeout(10_000)
        contexts.append(context)
        tab = context.new_page()
        tab.on("response", lambda response: failures.append(f"{response.status} {response.url}")
               if response.status >= 500 else None)
        return tab

    yield factory
    for context in contexts:
        context.close()
    with portal.server_log.open(encoding="utf-8", errors="replace") as log:
        log.seek(log_start)
        logged = log.read()
    assert failures == []
    assert "Traceback" not in logged, logged


def new_address(tag: str) -> str:
    """An e-mail address nobody has used in this run."""
    return f"{tag}-{uuid.uuid4().hex[:10]}@example.be"


def arrive(tab: Page, address: str) -> None:
    """Wait until the address ends in the regular expression `address`, with or without a #fragment.

    A form without an action posts to the page's address, fragment included (the skip link's
    "#main", the enrolment's "#child-2"), and the browser keeps it across the redirect that follows.
    """
    tab.wait_for_url(re.compile(address + r"(#[\w-]*)?$"))


def reference_in(tab: Page, container: str) -> str:
    """The reference shown in `container`, checked for its form."""
    reference = tab.locator(f"{container} .app-reference").inner_text().strip()
    assert REFERENCE.fullmatch(reference), reference
    return reference


def places_left(tab: Page) -> int:
    """The number in "There are N places left" on an activity's page."""
    return int(re.search(r"\d+", tab.locator("#signup-title + p").inner_text()).group())


# --- the keyboard -----------------------------------------------------------------------------------

# How a focus stop is named in a failure message and compared between walks.
KEY = """e => e.id ? '#' + e.id : [e.tagName.toLowerCase(), e.getAttribute('href'), e.getAttribute('name'),
                               e.getAttribute('value'), e.textContent.trim().slice(0, 40)].filter(Boolean).join('|')"""

# What the focused element looks like: a focus ring must be drawn (outline or box-shadow) and, when it
# is an outline, stand out at least 3:1 from the colour around it (WCAG 1.4.11).
FOCUS_STATE = """(selector) => {
  const key = """ + KEY + """;
  const e = document.activeElement;
  const style = getComputedStyle(e);
  const rgba = text => { const v = text.match(/[\\d.]+/g).map(Number); return v.length === 3 ? [...v, 1] : v; };
  const over = (top, bottom) => top.slice(0, 3).map((c, i) => c * top[3] + bottom[i] * (1 - top[3]));
  const linear = c => (c /= 255) <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  const luminance = rgb => 0.2126 * linear(rgb[0]) + 0.7152 * linear(rgb[1]) + 0.0722 * linear(rgb[2]);
  const layers = [];
  for (let n = e.parentElement; n; n = n.parentElement) {
    const c = rgba(getComputedStyle(n).backgroundColor);
    if (c[3] > 0) layers.push(c);
    if (c[3] === 1) break;
  }
  const around = layers.reduceRight((below, layer) => over(layer, below), [255, 255, 255]);
  const outlined = style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) > 0
                   && rgba(style.outlineColor)[3] > 0;
  const ring = over(rgba(style.outlineColor), around);
  const [a, b] = [luminance(ring), luminance(around)].sort((x, y) => y - x);
  return {
    body: e === document.body,
    matches: selector ? e.matches(selector) : false,
    visible: outlined || style.boxShadow !== 'none',
    contrast: outlined ? (a + 0.05) / (b + 0.05) : null,
    key: key(e),
  };
}"""


def focus_state(tab: Page, selector: str | None = None) -> dict:
    """Where the focus is, and whether people can see it there."""
    state = tab.evaluate(FOCUS_STATE, selector)
    if not state["body"]:
        assert state["visible"], f"no visible focus indicator on {state['key']}"
        assert state["contrast"] is None or state["contrast"] >= 3, \
            f"focus ring on {state['key']} has contrast {state['contrast']:.2f}:1"
    return state


def tab_to(tab: Page, selector: str, limit: int = 60) -> None:
    """Press Tab until `selector` has the focus, checking the focus ring at every stop."""
    for _press in range(limit):
        tab.keyboard.press("Tab")
        if focus_state(tab, selector)["matches"]:
            return
    pytest.fail(f"Tab never reached {selector} in {limit} presses")


def type_into(tab: Page, selector: str, text: str) -> None:
    """Tab to a field and type, as a person does."""
    tab_to(tab, selector)
    tab.keyboard.type(text)


def tick(tab: Page, selector: str) -> None:
    """Tab to a checkbox or radio button and press Space."""
    tab_to(tab, selector)
    tab.keyboard.press("Space")
    assert tab.locator(selector).is_checked(), selector


def skip_to_content(tab: Page) -> None:
    """The first Tab reaches the skip link; Enter jumps past the header and menu."""
    tab.keyboard.press("Tab")
    assert tab.evaluate("document.activeElement.getAttribute('href')") == "#main"
    tab.keyboard.press("Enter")


def walk(tab: Page, key: str, stops: int | None = None, limit: int = 200) -> list[str]:
    """The focus stops pressing `key` (Tab or Shift+Tab) until the focus leaves the page or `stops` are seen."""
    seen: list[str] = []
    for _press in range(limit):
        tab.keyboard.press(key)
        state = focus_state(tab)
        if state["body"]:
            return seen
        if not seen or seen[-1] != state["key"]:  # a date field takes one stop per part
            seen.append(state["key"])
        if len(seen) == stops:
            return seen
    pytest.fail(f"the focus never left the page after {limit} presses of {key} (a keyboard trap?): {seen[-5:]}")


def log_in(tab: Page, portal: Portal, language: str) -> None:
    """The demo administrator logs in with the password `flask seed-demo` printed, then the app's code."""
    tab.goto(portal.url(language, "staff/login"))
    tab.fill("#email", portal.staff_email)
    tab.fill("#password", portal.staff_password)
    tab.locator("form.app-form button[type=submit]").click()
    arrive(tab, re.escape(portal.url(language, "staff/login/code")))
    tab.fill("#code", portal.authenticator.code())
    tab.locator("form.app-form button[type=submit]").click()
    arrive(tab, re.escape(portal.url(language, "staff/")))


def workshop(portal: Portal) -> int:
    """The id of the demo workshop: the activity that takes sign-ups."""
    return portal.row("SELECT id FROM event WHERE category = 'activity' AND capacity > 0 AND status = 'published' "
                      "ORDER BY id")["id"]


# --- reading a guide ----------------------------------------------------------------------------------


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
@pytest.mark.parametrize("language", LANGUAGES)
def test_the_language_switcher_keeps_the_guide_and_the_app_page(open_tab, portal, language, javascript):
    tab = open_tab(javascript)
    target = NEXT_LANGUAGE[language]
    tab.goto(portal.url(language, "wonen/huurdersrechten/"))
    assert tab.locator("html").get_attribute("lang") == language
    heading = tab.locator("article h1").inner_text()
    tab_to(tab, f"a.md-select__link[hreflang={target}]")
    tab.keyboard.press("Enter")
    arrive(tab, re.escape(portal.url(target, "wonen/huurdersrechten/")))
    assert tab.locator("html").get_attribute("lang") == target
    assert tab.locator("article h1").inner_text() not in ("", heading)

    tab.goto(portal.url(language, "agenda/?category=activity"))
    tab_to(tab, f"a.md-select__link[hreflang={target}]")
    tab.keyboard.press("Enter")
    arrive(tab, re.escape(portal.url(target, "agenda/?category=activity")))
    assert tab.locator("html").get_attribute("lang") == target
    assert tab.locator("h1").inner_text() == translated(target, "Agenda of Waterschei")


# --- the four flows, in each language -------------------------------------------------------------------


@pytest.mark.parametrize(("language", "javascript"), FLOWS, ids=map(flow_id, FLOWS))
def test_signing_up_for_the_workshop_confirms_and_sends_an_email(open_tab, portal, language, javascript):
    tab = open_tab(javascript)
    tab.goto(portal.url(language, "agenda/?category=activity"))
    tab.locator(".app-agenda__item a").first.click()
    arrive(tab, re.escape(portal.url(language, f"agenda/{workshop(portal)}/")))
    before = places_left(tab)
    tab.locator("#signup-title ~ p a.md-button").click()
    address = new_address(f"signup-{language}")
    tab.fill("#name", "Ayşe Петрова")
    tab.fill("#email", address)
    tab.fill("#people", "2")
    tab.check("#consent")
    tab.locator("form.app-form button[type=submit]").click()

    # The private link is in the e-mail only: the page does not tell whether the address was new.
    arrive(tab, re.escape(portal.url(language, f"agenda/{workshop(portal)}/signup/sent")))
    assert tab.locator("html").get_attribute("lang") == language
    assert tab.locator(".app-panel[role=status] h1").inner_text() == translated(language, "Check your e-mail")
    assert address in tab.locator(".app-panel").inner_text()

    message = portal.mail_to(address)
    assert message["Content-Language"] == language
    link = re.search(re.escape(portal.url(language, "signup/")) + r"[\w-]+/", message.get_content()).group()
    reference = re.fullmatch(re.escape(translated(language, "You are signed up")) + r" \((.+)\)",
                             message["Subject"]).group(1)

    tab.goto(link)
    assert tab.locator(".app-panel h1").inner_text() == translated(language, "Your sign-up")
    assert reference_in(tab, ".app-panel") == reference
    assert tab.locator(".app-copy code").inner_text() == link
    tab.locator(".app-facts a").click()  # back to the activity: two places fewer
    assert places_left(tab) == before - 2


@pytest.mark.parametrize(("language", "javascript"), FLOWS, ids=map(flow_id, FLOWS))
def test_enrolling_two_children_for_homework_support(open_tab, portal, language, javascript):
    tab = open_tab(javascript)
    tab.goto(portal.url(language, "homework/enrol"))
    tab.fill("#children-0-first_name", "Elif")
    tab.fill("#children-0-last_name", "Yıldız")
    tab.check("#children-0-school-0")
    tab.select_option("#children-0-grade", "1")
    tab.check("input[name='children-0-groups']:not([value=any])")  # the demo group, 1st to 3rd year
    tab.locator("button[name=action][value=add]").click()

    arrive(tab, r"/homework/enrol#child-2")
    assert tab.input_value("#children-0-first_name") == "Elif"
    assert tab.locator("input[name='children-0-groups']:not([value=any])").is_checked()
    tab.fill("#children-1-first_name", "Мартин")
    tab.fill("#children-1-last_name", "Yıldız")
    tab.check("#children-1-school-1")
    tab.select_option("#children-1-grade", "4")
    tab.check("input[name='children-1-groups'][value=any]")
    tab.check("#home_languages-1")
    tab.check("#interpreter-0")
    tab.fill("#parent_name", "Zeynep Yıldız")
    address = new_address(f"enrol-{language}")
    tab.fill("#email", address)
    tab.check("#consent")
    tab.locator("button.md-button--primary[name=action][value=send]").click()

    arrive(tab, r"/homework/enrolled/[\w-]+")
    assert tab.locator("html").get_attribute("lang") == language
    assert tab.locator(".app-banner[role=status] p").first.inner_text() == translated(
        language, "We have received your enrolment. Thank you!")
    reference = reference_in(tab, ".app-banner")
    assert [item.split("–")[0].strip() for item in tab.locator(".app-children li").all_inner_texts()] == [
        "Elif Yıldız", "Мартин Yıldız"]

    message = portal.mail_to(address)
    assert reference in message["Subject"]
    assert message["Content-Language"] == language
    body = message.get_content()
    assert "- Elif Yıldız" in body and "- Мартин Yıldız" in body
    stored = portal.row("SELECT COUNT(*) AS children FROM enrolled_child JOIN enrolment ON enrolment.id = enrolment_id "
                        "WHERE enrolment.reference = ?", reference)
    assert stored["children"] == 2


@pytest.mark.parametrize(("language", "javascript"), FLOWS, ids=map(flow_id, FLOWS))
def test_sending_feedback_anonymously_and_with_contact_details(open_tab, portal, language, javascript):
    tab = open_tab(javascript)
    tab.goto(portal.url(language, "feedback/"))
    tab.check("#kind-3")
    tab.check("#category-1")
    tab.fill("#message", f"Overvolle vuilbak {language}: çöp kutusu taşıyor, кошчето прелива.")
    tab.fill("#contact_name", "Typed but not ticked")  # without the box ticked, nothing of this is kept
    tab.locator("form.app-form button[type=submit]").click()

    arrive(tab, r"/feedback/[\w-]+/\?new=1")
    assert tab.locator(".app-panel[role=status] h1").inner_text() == translated(
        language, "Thank you, we received your message")
    anonymous = reference_in(tab, ".app-panel")
    assert translated(language, "Your message is anonymous. If we answer, you read the answer on this page.") \
        in tab.locator("article").inner_text()
    stored = portal.row("SELECT wants_answer, contact_name, contact_email, contact_phone, language, category "
                        "FROM feedback WHERE reference = ?", anonymous)
    assert dict(stored) == {"wants_answer": 0, "contact_name": "", "contact_email": "", "contact_phone": "",
                            "language": language, "category": "waste"}

    tab.locator("article a[href$='/feedback/']").last.click()  # "Send another message"
    answer_in = NEXT_LANGUAGE[language]
    tab.check("#kind-0")
    tab.check("#category-0")
    tab.fill("#message", "Wanneer is er een infoavond over het conformiteitsattest?")
    tab.check("#wants_answer")
    tab.fill("#contact_name", "Nikolay Dimitrov")
    address = new_address(f"feedback-{language}")
    tab.fill("#contact_email", address)
    tab.check(f"input[name=answer_language][value={answer_in}]")
    tab.locator("form.app-form button[type=submit]").click()

    arrive(tab, r"/feedback/[\w-]+/\?new=1")
    reference = reference_in(tab, ".app-panel")
    assert reference != anonymous
    assert address in tab.locator("article").inner_text()
    link = tab.locator(".app-copy code").inner_text()
    assert link.startswith(portal.url(answer_in, "feedback/")), link
    message = portal.mail_to(address)
    assert message["Content-Language"] == answer_in
    assert message["Subject"] == f"{translated(answer_in, 'We received your message')} ({reference})"
    assert link in message.get_content()


@pytest.mark.parametrize(("language", "javascript"), FLOWS, ids=map(flow_id, FLOWS))
def test_staff_publish_an_event_that_appears_in_the_agenda_and_the_feed(open_tab, portal, language, javascript):
    tab = open_tab(javascript)
    visitor = open_tab(javascript)  # somebody else, not logged in
    log_in(tab, portal, language)
    tab.locator("a.md-button[href$='/staff/events/new']").click()
    token = uuid.uuid4().hex[:6]
    titles = {"nl": f"Buurtontbijt {token}", "tr": f"Mahalle kahvaltısı {token}", "bg": f"Квартална закуска {token}"}
    day = dt.datetime.now(TIMEZONE).date() + dt.timedelta(days=6)
    tab.select_option("#category", "meeting")
    for code, title in titles.items():
        tab.fill(f"#title_{code}", title)
    tab.fill("#address", "Vennestraat 1, 3600 Genk")
    tab.fill("#date", day.isoformat())
    tab.fill("#start_time", "09:30")
    tab.fill("#end_time", "11:00")
    tab.locator("form.app-form button[type=submit]").click()

    arrive(tab, r"/staff/events/\d+/edit")
    assert tab.locator(".app-flash").inner_text() == translated(
        language, "The event is saved as a draft. Publish it to show it in the agenda.")
    visitor.goto(portal.url(language, "agenda/"))
    assert titles[language] not in visitor.locator("article").inner_text()  # a draft is not public

    with tab.expect_navigation():
        tab.locator("form[action$='/publish'] button").click()
    assert tab.locator(".app-flash").inner_text() == translated(language, "The event is published.")
    visitor.goto(portal.url(language, "agenda/"))
    item = visitor.locator(".app-agenda__item", has_text=titles[language])
    assert item.locator("time").first.get_attribute("datetime").startswith(f"{day.isoformat()}T09:30")
    feed = visitor.request.get(portal.url(language, "agenda/feed.ics"))
    assert feed.ok and feed.headers["content-type"].startswith("text/calendar")
    starts = {str(event["SUMMARY"]): event.decoded("DTSTART")
              for event in icalendar.Calendar.from_ical(feed.body()).walk("VEVENT")}
    assert starts[titles[language]] == dt.datetime.combine(day, dt.time(9, 30), TIMEZONE)


# --- by keyboard alone ------------------------------------------------------------------------------------


def test_signing_up_by_keyboard_alone(open_tab, portal):
    tab = open_tab()
    tab.goto(portal.url("tr", f"agenda/{workshop(portal)}/signup"))
    skip_to_content(tab)
    type_into(tab, "#name", "Mehmet Kaya")
    type_into(tab, "#email", new_address("keyboard-signup"))
    tick(tab, "#consent")
    tab_to(tab, "form.app-form button[type=submit]")
    tab.keyboard.press("Enter")
    arrive(tab, r"/signup/sent")
    assert tab.locator(".app-panel h1").inner_text() == translated("tr", "Check your e-mail")


def test_enrolling_two_children_by_keyboard_alone(open_tab, portal):
    tab = open_tab()
    tab.goto(portal.url("bg", "homework/enrol"))
    skip_to_content(tab)
    type_into(tab, "#children-0-first_name", "Виктория")
    type_into(tab, "#children-0-last_name", "Иванова")
    tick(tab, "#children-0-school-0")
    tab_to(tab, "#children-0-grade")
    tab.keyboard.press("ArrowDown")  # from "Choose the year" to the 1st year
    assert tab.input_value("#children-0-grade") == "1"
    tick(tab, "#children-0-groups-0")
    tab_to(tab, "button[name=action][value=add]")
    tab.keyboard.press("Enter")

    arrive(tab, r"#child-2")
    tab.keyboard.press("Tab")  # the page opens at the new child: the next Tab is in its first field
    assert focus_state(tab, "#children-1-first_name")["matches"]
    tab.keyboard.type("Иван")
    type_into(tab, "#children-1-last_name", "Иванов")
    tick(tab, "#children-1-school-0")
    tab_to(tab, "#children-1-grade")
    tab.keyboard.press("ArrowDown")
    tab.keyboard.press("ArrowDown")
    assert tab.input_value("#children-1-grade") == "2"
    tick(tab, "input[name='children-1-groups'][value=any]")
    tick(tab, "#home_languages-2")
    tick(tab, "#interpreter-0")
    type_into(tab, "#parent_name", "Мария Иванова")
    type_into(tab, "#phone", "0470 12 34 56")
    tick(tab, "#consent")
    tab_to(tab, "button.md-button--primary[value=send]")
    tab.keyboard.press("Enter")

    arrive(tab, r"/homework/enrolled/[\w-]+")
    reference = reference_in(tab, ".app-banner")
    assert len(tab.locator(".app-children li").all()) == 2
    stored = portal.row("SELECT parent_name, phone, language FROM enrolment WHERE reference = ?", reference)
    assert dict(stored) == {"parent_name": "Мария Иванова", "phone": "+32470123456", "language": "bg"}


def test_sending_feedback_by_keyboard_alone(open_tab, portal):
    tab = open_tab()
    tab.goto(portal.url("nl", "feedback/"))
    skip_to_content(tab)
    tick(tab, "#kind-0")
    tab_to(tab, "#category-0")  # a radio group takes one Tab; the arrow keys choose within it
    tab.keyboard.press("ArrowDown")
    assert tab.locator("#category-1").is_checked()
    type_into(tab, "#message", "De straatlamp in de Vennestraat is kapot.")
    type_into(tab, "#street", "Vennestraat")
    tick(tab, "#wants_answer")
    type_into(tab, "#contact_name", "Jan Peeters")
    address = new_address("keyboard-feedback")
    type_into(tab, "#contact_email", address)
    tab_to(tab, "form.app-form button[type=submit]")  # past the robot trap, which takes no focus
    tab.keyboard.press("Enter")

    arrive(tab, r"/feedback/[\w-]+/\?new=1")
    reference = reference_in(tab, ".app-panel")
    stored = portal.row("SELECT kind, category, street, contact_email FROM feedback WHERE reference = ?", reference)
    assert dict(stored) == {"kind": "question", "category": "waste", "street": "Vennestraat",
                            "contact_email": address}


def test_logging_in_and_publishing_an_event_by_keyboard_alone(open_tab, portal):
    tab = open_tab()
    tab.goto(portal.url("bg", "staff/login"))
    skip_to_content(tab)
    type_into(tab, "#email", portal.staff_email)
    type_into(tab, "#password", portal.staff_password)
    tab.keyboard.press("Enter")
    arrive(tab, re.escape(portal.url("bg", "staff/login/code")))
    type_into(tab, "#code", portal.authenticator.code())
    tab.keyboard.press("Enter")
    arrive(tab, re.escape(portal.url("bg", "staff/")))
    tab_to(tab, "a[href$='/staff/events/new']")
    tab.keyboard.press("Enter")

    arrive(tab, re.escape(portal.url("bg", "staff/events/new")))
    title = f"Езиково кафе {uuid.uuid4().hex[:6]}"
    day = dt.datetime.now(TIMEZONE).date() + dt.timedelta(days=9)
    tab_to(tab, "#category")
    tab.keyboard.press("ArrowDown")
    tab.keyboard.press("ArrowDown")
    assert tab.input_value("#category") == "info-session"
    type_into(tab, "#title_nl", f"Taalcafé {title[-6:]}")
    type_into(tab, "#title_bg", title)
    type_into(tab, "#address", "Vennestraat 1, 3600 Genk")
    tab_to(tab, "#date")
    # A date field takes its parts in the order of the browser's own language.
    order = tab.evaluate("new Intl.DateTimeFormat().formatToParts(new Date(2027, 1, 17))"
                         ".filter(p => p.type !== 'literal').map(p => p.type)")
    parts = {"day": f"{day.day:02d}", "month": f"{day.month:02d}", "year": f"{day.year}"}
    tab.keyboard.type("".join(parts[part] for part in order))
    assert tab.input_value("#date") == day.isoformat()
    type_into(tab, "#start_time", "1800")
    type_into(tab, "#end_time", "1930")
    assert (tab.input_value("#start_time"), tab.input_value("#end_time")) == ("18:00", "19:30")
    tab_to(tab, "form.app-form button[type=submit]")
    tab.keyboard.press("Enter")

    arrive(tab, r"/staff/events/\d+/edit")
    tab_to(tab, "form[action$='/publish'] button")
    with tab.expect_navigation():
        tab.keyboard.press("Enter")
    assert tab.locator(".app-flash").inner_text() == translated("bg", "The event is published.")
    tab.goto(portal.url("bg", "agenda/"))
    assert tab.locator(".app-agenda__item", has_text=title).count() == 1


FORM_PAGES = [("nl", "signup"), ("tr", "homework/enrol"), ("bg", "feedback/"), ("nl", "staff/login"),
              ("tr", "staff/events/new"), ("bg", "checkers/conformiteitsattest"), ("nl", "checkers/premies")]


def open_form(tab: Page, portal: Portal, language: str, form: str) -> None:
    """One of the portal's forms, logged in for the staff's event form."""
    if form == "signup":
        form = f"agenda/{workshop(portal)}/signup"
    if form.startswith("staff/events"):
        log_in(tab, portal, language)
    tab.goto(portal.url(language, form))


@pytest.mark.parametrize(("language", "form"), [*FORM_PAGES, ("tr", "agenda/")],
                         ids=[f for _l, f in [*FORM_PAGES, ("tr", "agenda/")]])
def test_the_keyboard_reaches_every_field_both_ways_and_always_shows_where_it_is(open_tab, portal, language, form):
    tab = open_tab()
    open_form(tab, portal, language, form)
    forward = walk(tab, "Tab")
    # Back from outside the page: Chromium goes round to the last stop at once (no body in between).
    assert walk(tab, "Shift+Tab", stops=len(forward)) == forward[::-1]
    # Every field of the page's forms is on the way: of a radio group the chosen (or first) button.
    fields = tab.evaluate("""() => [...document.querySelectorAll('main form :is(input, select, textarea, button)')]
        .filter(e => e.type !== 'hidden' && e.tabIndex >= 0 && !e.closest('[aria-hidden=true]'))
        .filter(e => e.type !== 'radio' || e === (e.form.querySelector(`[name="${e.name}"]:checked`)
                                                  || e.form.querySelector(`[name="${e.name}"]`)))
        .map(""" + KEY + ")")
    assert fields and [stop for stop in forward if stop in fields] == fields


# --- errors ------------------------------------------------------------------------------------------------

# Every error: the summary (role=alert) links to the field's id; the field (or, for a group of
# radio buttons or checkboxes, its fieldset) is tied to its message by aria-describedby; a single
# field is also marked aria-invalid.
ERROR_STATE = """() => {
  const summary = document.querySelector('.app-error-summary');
  if (!summary) return null;
  const errors = [...summary.querySelectorAll('a')].map(link => {
    const id = decodeURIComponent(link.getAttribute('href').slice(1));
    const target = document.getElementById(id);
    const single = target && target.matches('input, select, textarea');
    const described = single ? target : target && target.closest('fieldset');
    const ids = ((described && described.getAttribute('aria-describedby')) || '').split(/\\s+/);
    const message = document.getElementById(id + '-error');
    return {
      id, link: link.textContent.trim(), found: Boolean(target),
      invalid: single ? target.getAttribute('aria-invalid') : 'group',
      describedby: ids.includes(id + '-error'),
      // the message without its visually hidden "Error:" prefix
      message: message ? [...message.childNodes].filter(n => !n.classList?.contains('app-visually-hidden'))
                           .map(n => n.textContent).join('').trim() : null,
    };
  });
  return {role: summary.getAttribute('role'), errors};
}"""

EXPECTED_ERRORS = {
    "signup": {"name", "phone", "consent"},
    "homework/enrol": {"children-0-first_name", "children-0-last_name", "children-0-school", "children-0-grade",
                       "children-0-groups", "home_languages", "interpreter", "parent_name", "phone", "consent"},
    "feedback/": {"kind", "category", "message"},
    "staff/login": {"email", "password"},
    "staff/events/new": {"title_nl", "address", "date", "start_time", "end_time"},
    "checkers/conformiteitsattest": {"home_type", "declared_unfit", "woonmaatschappij"},
    "checkers/premies": {"landlord", "building_age", "works"},
}


@pytest.mark.parametrize(("language", "form"), FORM_PAGES, ids=[f for _l, f in FORM_PAGES])
def test_errors_are_announced_and_tied_to_their_fields(open_tab, portal, language, form):
    tab = open_tab()
    open_form(tab, portal, language, form)
    with tab.expect_navigation():
        tab.locator("form.app-form button.md-button--primary").last.click()
    state = tab.evaluate(ERROR_STATE)
    assert state is not None, "no error summary"
    assert state["role"] == "alert"
    assert {error["id"] for error in state["errors"]} == EXPECTED_ERRORS[form]
    for error in state["errors"]:
        assert error["found"], error
        assert error["invalid"] in ("true", "group"), error
        assert error["describedby"], error
        assert error["message"] and error["message"] in error["link"], error
    assert tab.locator("html").get_attribute("lang") == language


def test_gunicorn_logs_the_route_of_a_private_link_and_names_no_software(portal):
    token = "Zq8xWv3yUt6sRq9pOn2mLk5jIh8gFe1d"
    start = portal.server_log.stat().st_size
    for path in (f"/signup/{token}/", f"/tr/feedback/{token}/", f"/bg/homework/enrolled/{token}"):
        with pytest.raises(urllib.error.HTTPError) as answer:
            urllib.request.urlopen(portal.base_url + path, timeout=10)
        answer.value.close()
        assert answer.value.code == 404
        assert answer.value.headers["Server"] == "Wijkpunt Waterschei"
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:  # gunicorn writes its access log line after the answer
        logged = portal.server_log.read_text()[start:]
        if logged.count("<token>") >= 3:
            break
        time.sleep(0.1)
    assert "/signup/<token>/" in logged and "/bg/homework/enrolled/<token>" in logged
    assert token not in logged
