"""The portal as it runs in production, on loopback: gunicorn, outbox workers, an SMTP server, and residents.

Used by tests/test_load.py, tests/test_scale.py and bench/soak.py. Every process started here is
started by its own id and ended by it; every wait is bounded.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import email
import http.client
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.parse
import uuid
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from pathlib import Path

from aiosmtpd.controller import Controller
from bs4 import BeautifulSoup
from sqlalchemy import create_engine, text

ROOT = Path(__file__).resolve().parent.parent
# A resident's request waits at most this long; a gunicorn sync worker gives up after 30 s itself.
REQUEST_TIMEOUT = 40


def free_port() -> int:
    """A loopback port nobody listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def portal_env(database_url: str, *, site_dir: Path | str, instance: Path | str, mail_port: int,
               **settings: str) -> dict[str, str]:
    """The environment of every portal process: one database, one secret key, one mail server."""
    env = {name: value for name, value in os.environ.items() if not name.startswith(("FLASK_", "WERKZEUG_"))}
    env.update({
        "DATABASE_URL": database_url,
        "SECRET_KEY": "live portal test key, the same for every process",
        "SITE_DIR": str(site_dir),
        "INSTANCE_PATH": str(instance),
        "PUBLIC_BASE_URL": "http://127.0.0.1:8000",
        "MAIL_SERVER": "127.0.0.1",
        "MAIL_PORT": str(mail_port),
        # One address sends every request here; the load tests switch limits off, test_scale switches them on.
        "RATELIMIT_ENABLED": "0",
        "RATELIMIT_STORAGE_URI": "memory://",
        "OUTBOX_INTERVAL": "0.2",
        "PYTHONUNBUFFERED": "1",
        **settings,
    })
    return env


def _children(pid: int) -> list[int]:
    """The processes whose parent is `pid` (gunicorn's workers)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        # The command name is in parentheses and may hold spaces: the parent id follows the last ')'.
        if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
            found.append(int(entry.name))
    return found


def _alive(pid: int) -> bool:
    """Running, and not a zombie waiting to be reaped."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state != "Z"


class Process:
    """One command of the portal in its own session, with its output in a log file."""

    def __init__(self, command: list[str], env: dict[str, str], log: Path):
        """Remember how to start it; `start()` starts it."""
        self.command, self.env, self.log = command, env, log
        self.popen: subprocess.Popen | None = None

    def start(self) -> None:
        """Start the command (again, after a kill)."""
        with self.log.open("ab") as out:
            self.popen = subprocess.Popen(self.command, env=self.env, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT,
                                          stdin=subprocess.DEVNULL, start_new_session=True)

    @property
    def pid(self) -> int:
        """The id of the process started last."""
        assert self.popen is not None
        return self.popen.pid

    def running(self) -> bool:
        return self.popen is not None and self.popen.poll() is None

    def kill(self) -> list[int]:
        """SIGKILL the process and every child it forked, as a crash or the OOM killer would; returns their ids."""
        if not self.running():
            return []
        pids = [*_children(self.pid), self.pid]
        for pid in pids:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        self.popen.wait(timeout=10)
        deadline = time.monotonic() + 10
        while any(_alive(pid) for pid in pids) and time.monotonic() < deadline:
            time.sleep(0.05)
        return pids

    def stop(self) -> None:
        """Ask it to stop (SIGTERM) and wait; kill it if it does not stop in time."""
        if not self.running():
            return
        self.popen.send_signal(signal.SIGTERM)
        try:
            self.popen.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.kill()

    def output(self) -> str:
        """What the process printed, for a failing test's message."""
        return self.log.read_text(errors="replace") if self.log.exists() else ""


def gunicorn_options() -> list[str]:
    """The portal's gunicorn settings, as `make serve` has them; no control socket where gunicorn has one (25+):
    its default path is shared by every gunicorn of the user."""
    from gunicorn.config import Config

    control = ["--no-control-socket"] if "control_socket_disable" in Config().settings else []
    return ["--config", "python:participation.gunicorn_config", *control]


class Server(Process):
    """gunicorn serving the portal on one loopback port with sync workers, as `make serve` and production do."""

    def __init__(self, env: dict[str, str], log: Path, *, port: int | None = None, workers: int = 2,
                 app: str = "participation:create_app()"):
        """A server for `app` on `port` (a free one if not given)."""
        self.port = port or free_port()
        super().__init__([sys.executable, "-m", "gunicorn", "--workers", str(workers), "--bind",
                          f"127.0.0.1:{self.port}", "--timeout", "30", "--graceful-timeout", "2",
                          *gunicorn_options(), app], env, log)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 60) -> None:
        """Start gunicorn and wait until it answers."""
        super().start()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if not self.running():
                raise RuntimeError(f"gunicorn stopped at start:\n{self.output()[-3000:]}")
            connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=5)
            try:
                connection.request("GET", "/agenda/")
                if connection.getresponse().status == 200:
                    return
            except OSError:
                pass
            finally:
                connection.close()
            time.sleep(0.1)
        self.kill()
        raise RuntimeError(f"gunicorn did not answer within {timeout} s:\n{self.output()[-3000:]}")

    def workers(self) -> list[int]:
        """The ids of gunicorn's worker processes."""
        return _children(self.pid) if self.running() else []


def outbox_worker(env: dict[str, str], log: Path) -> Process:
    """`flask outbox-worker`, as `make serve` and production run it."""
    return Process([sys.executable, "-m", "flask", "--app", "participation", "outbox-worker"], env, log)


# --- the mail server ---------------------------------------------------------------------------


class _Inbox:
    """An aiosmtpd handler that keeps what it receives, taking `delay` seconds per message like a busy server."""

    def __init__(self, delay: float = 0):
        self.messages: list[email.message.Message] = []
        self.lock = threading.Lock()
        self.delay = delay
        self.receiving = self.most_at_once = 0  # messages being received at one moment, from several senders

    async def handle_DATA(self, server, session, envelope):
        with self.lock:
            self.receiving += 1
            self.most_at_once = max(self.most_at_once, self.receiving)
        if self.delay:
            await asyncio.sleep(self.delay)
        with self.lock:
            self.receiving -= 1
            self.messages.append(email.message_from_bytes(envelope.content))
        return "250 OK"


class MailServer:
    """A real SMTP server on a loopback port, to stop (the mail server is down) and start again."""

    def __init__(self, port: int | None = None, delay: float = 0):
        """Not listening until `start()`."""
        self.port = port or free_port()
        self.inbox = _Inbox(delay)
        self.controller: Controller | None = None

    def start(self) -> None:
        self.controller = Controller(self.inbox, hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None

    def message_ids(self) -> list[str]:
        """The Message-ID of everything received, in order, repeats included."""
        with self.inbox.lock:
            return [str(message["Message-ID"]) for message in self.inbox.messages]


# --- residents ---------------------------------------------------------------------------------


@dataclass
class Reply:
    """What the server answered."""

    status: int
    location: str
    body: str


class Browser:
    """One resident's browser: a session cookie, a fresh connection per request, no redirect followed."""

    def __init__(self, base_url: str):
        """A browser with no cookie yet."""
        parts = urllib.parse.urlsplit(base_url)
        self.host, self.port = parts.hostname, parts.port
        self.cookies: dict[str, str] = {}

    def request(self, method: str, path: str, body: bytes | None = None,
                headers: dict[str, str] | None = None) -> Reply:
        """One request; OSError when the server is not there (a crash, a restart)."""
        sent = dict(headers or {})
        if self.cookies:
            sent["Cookie"] = "; ".join(f"{name}={value}" for name, value in self.cookies.items())
        connection = http.client.HTTPConnection(self.host, self.port, timeout=REQUEST_TIMEOUT)
        try:
            connection.request(method, path, body=body, headers=sent)
            response = connection.getresponse()
            data = response.read()
        except http.client.HTTPException as error:  # the connection ended in the middle of the answer
            raise ConnectionError(str(error)) from error
        finally:
            connection.close()
        for header in response.headers.get_all("Set-Cookie") or []:
            cookie = SimpleCookie()
            cookie.load(header)
            self.cookies.update({name: morsel.value for name, morsel in cookie.items()})
        location = urllib.parse.urlsplit(response.headers.get("Location", ""))
        path_only = location.path + (f"?{location.query}" if location.query else "")
        return Reply(response.status, path_only, data.decode("utf-8", errors="replace"))

    def get(self, path: str) -> Reply:
        return self.request("GET", path)

    def post(self, path: str, fields: list[tuple[str, str]]) -> Reply:
        """Send a form as a browser does (UTF-8, urlencoded)."""
        body = urllib.parse.urlencode(fields).encode()
        return self.request("POST", path, body, {"Content-Type": "application/x-www-form-urlencoded"})


def hidden_fields(html: str) -> dict[str, str]:
    """The form's hidden fields: the CSRF token and the submission id."""
    page = BeautifulSoup(html, "html.parser")
    return {tag["name"]: tag.get("value", "") for tag in page.select("form input[type=hidden][name]")}


@dataclass
class Ledger:
    """What the residents sent and what the server acknowledged; shared by the load's threads."""

    acknowledged: dict[str, dict[str, str]] = field(default_factory=lambda: {"signup": {}, "enrolment": {},
                                                                             "feedback": {}})
    cancelled: set[str] = field(default_factory=set)  # tokens of sign-ups whose cancellation was confirmed
    statuses: list[int] = field(default_factory=list)
    server_errors: list[str] = field(default_factory=list)
    connection_errors: int = 0
    unfinished: list[str] = field(default_factory=list)
    latencies: list[float] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def answered(self, what: str, reply: Reply, seconds: float) -> None:
        with self.lock:
            self.statuses.append(reply.status)
            self.latencies.append(seconds)
            if reply.status >= 500:
                self.server_errors.append(f"{what}: {reply.status}")

    def acknowledge(self, kind: str, key: str, token: str) -> None:
        with self.lock:
            self.acknowledged[kind][key] = token

    def failed_to_connect(self) -> None:
        with self.lock:
            self.connection_errors += 1


class Resident:
    """Signs up, enrols children or sends feedback like a person with a browser, retrying while the server is down."""

    # A person whose "send" failed (the server was restarting) sends the same form again: the same
    # submission id and CSRF token, as the browser's "back" and "send" would.

    def __init__(self, base_urls: list[str], ledger: Ledger, number: int, patience: float = 60):
        """Resident `number`, whose requests go to the servers in `base_urls` in turn (several app processes)."""
        self.base_urls, self.ledger, self.number, self.patience = base_urls, ledger, number, patience
        self.browser = Browser(base_urls[number % len(base_urls)])
        self.turn = number

    def _next_server(self) -> None:
        """The next request goes to the next server, with the same cookie: any process must accept it."""
        self.turn += 1
        url = urllib.parse.urlsplit(self.base_urls[self.turn % len(self.base_urls)])
        self.browser.host, self.browser.port = url.hostname, url.port

    def _send(self, what: str, call) -> Reply | None:
        """Call until the server answers (bounded by `patience`); None if it never did."""
        deadline = time.monotonic() + self.patience
        while True:
            started = time.monotonic()
            try:
                reply = call()
            except OSError:
                self.ledger.failed_to_connect()
                if time.monotonic() > deadline:
                    with self.ledger.lock:
                        self.ledger.unfinished.append(what)
                    return None
                time.sleep(0.2)
                continue
            self.ledger.answered(what, reply, time.monotonic() - started)
            return reply

    def _fill_and_send(self, kind: str, key: str, path: str, fields: list[tuple[str, str]],
                       private_prefix: str) -> str | None:
        """GET the form, POST it, and follow the redirect to the private page that confirms it; the token."""
        form = self._send(f"{kind} form {key}", lambda: self.browser.get(path))
        if form is None or form.status != 200:
            return None
        hidden = hidden_fields(form.body)
        sent = [("csrf_token", hidden.get("csrf_token", "")), ("submission_id", hidden["submission_id"]), *fields]
        self._next_server()
        reply = self._send(f"{kind} {key}", lambda: self.browser.post(path, sent))
        if reply is None or reply.status != 302 or not reply.location.startswith(private_prefix):
            return None
        # A sign-up with an e-mail address is answered "check your e-mail": its token is in the mail only.
        token = None if reply.location.endswith("/signup/sent") else \
            reply.location.removeprefix(private_prefix).split("/")[0].split("?")[0]
        self._next_server()
        confirmation = self._send(f"{kind} confirmation {key}", lambda: self.browser.get(reply.location))
        if confirmation is None or confirmation.status != 200:
            return None
        self.ledger.acknowledge(kind, key, token)
        return token

    def sign_up(self, event_id: int, cancel: bool = False, date: str | None = None) -> None:
        """One sign-up of one or two people, by e-mail, or by phone only and cancelled again by its private
        link if `cancel`; the key is the phone number as stored. `date` ("YYYY-MM-DDTHH:MM"): the date
        ticked on the form of a series with places per date."""
        phone = f"0470{self.number:06d}"
        address = "" if cancel else f"r{self.number}@example.be"
        token = self._fill_and_send("signup", f"+32{phone[1:]}", f"/agenda/{event_id}/signup", [
            ("name", f"Bewoner {self.number}"), ("phone", phone), ("email", address),
            ("people", str(1 + self.number % 2)), ("language", ("nl", "tr", "bg")[self.number % 3]),
            ("consent", "y")] + ([("date", date)] if date else []),
            f"/agenda/{event_id}/signup/sent" if address else "/signup/")
        if token is None or not cancel:
            return
        page = self._send(f"signup page {phone}", lambda: self.browser.get(f"/signup/{token}/"))
        if page is None or page.status != 200:
            return
        fields = [("csrf_token", hidden_fields(page.body).get("csrf_token", ""))]
        self._next_server()
        reply = self._send(f"cancel {phone}", lambda: self.browser.post(f"/signup/{token}/cancel", fields))
        if reply is not None and reply.status == 302:
            with self.ledger.lock:
                self.ledger.cancelled.add(token)

    def enrol(self, group_id: int) -> None:
        """One family with one child; the key is the parent's e-mail address."""
        address = f"parent{self.number}@example.be"
        self._fill_and_send("enrolment", address, "/homework/enrol", [
            ("children-0-first_name", "Elif"), ("children-0-last_name", f"Kaya {self.number}"),
            ("children-0-school", "stippestap"), ("children-0-grade", "2"), ("children-0-groups", str(group_id)),
            ("home_languages", "tr"), ("interpreter", "no"), ("parent_name", f"Ouder {self.number}"),
            ("phone", ""), ("email", address), ("language", "tr"), ("consent", "y"), ("action", "send")],
            "/homework/enrolled/")

    def send_feedback(self) -> None:
        """One report that asks for an answer by e-mail; the key is the e-mail address."""
        address = f"buur{self.number}@example.be"
        self._fill_and_send("feedback", address, "/feedback/", [
            ("kind", "problem"), ("category", "waste"), ("message", f"Afval naast de glasbak ({self.number})."),
            ("street", "Stalenstraat"), ("wants_answer", "y"), ("contact_name", f"Buur {self.number}"),
            ("contact_email", address), ("contact_phone", ""), ("answer_language", "bg"), ("website", "")],
            "/feedback/")


def run_residents(base_urls: list[str], jobs: list[tuple[str, int | None]], *, threads: int, ledger: Ledger,
                  first_number: int = 0, patience: float = 60, cancel_every: int = 0) -> None:
    """Run `jobs` (("signup", event id), ("enrolment", group id), ("feedback", None)) on `threads` threads."""
    # Every `cancel_every`-th resident cancels the sign-up again: the waiting list moves while others sign up.
    queue = list(enumerate(jobs, start=first_number))
    lock = threading.Lock()

    def work() -> None:
        while True:
            with lock:
                if not queue:
                    return
                number, (kind, target) = queue.pop(0)
            resident = Resident(base_urls, ledger, number, patience)
            if kind == "signup":
                resident.sign_up(target, cancel=bool(cancel_every) and number % cancel_every == 0)
            elif kind == "enrolment":
                resident.enrol(target)
            else:
                resident.send_feedback()

    pool = [threading.Thread(target=work, daemon=True) for _ in range(threads)]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join(timeout=patience * (len(jobs) + 1))


# --- what was stored ----------------------------------------------------------------------------


def check_stored(database_url: str, ledger: Ledger, *, event_id: int, capacity: int) -> list[str]:
    """Every problem found in the database: a lost or doubled acknowledged request, an overbooking, a missing e-mail."""
    problems = []
    engine = create_engine(database_url)
    try:
        with engine.connect() as connection:
            def rows(query: str, **values) -> list:
                return list(connection.execute(text(query), values))

            signups = rows("SELECT id, token, phone, email, status, people FROM signup WHERE event_id = :e", e=event_id)
            enrolments = rows("SELECT id, token, email FROM enrolment")
            feedback = rows("SELECT id, token, contact_email FROM feedback")
            messages = rows("SELECT subject_type, subject_id, kind FROM outbox_message")
    finally:
        engine.dispose()
    for kind, stored, key_of in (("signup", signups, lambda r: r.phone), ("enrolment", enrolments, lambda r: r.email),
                                 ("feedback", feedback, lambda r: r.contact_email)):
        tokens = {row.token: key_of(row) for row in stored}
        keys = [key_of(row) for row in stored]
        for key, token in ledger.acknowledged[kind].items():
            if token is None and keys.count(key) != 1:  # answered "check your e-mail"
                problems.append(f"{kind} {key}: acknowledged but stored {keys.count(key)} times")
            elif token is not None and tokens.get(token) != key:
                problems.append(f"{kind} {key}: acknowledged as {token} but not stored so")
        doubled = sorted({key for key in keys if keys.count(key) > 1})
        if doubled:
            problems.append(f"{kind}: stored more than once: {doubled}")
        # Stored but never confirmed to the resident: only a request whose resident gave up may be so.
        unacknowledged = set(keys) - set(ledger.acknowledged[kind])
        if len(unacknowledged) > len(ledger.unfinished):
            problems.append(f"{kind}: stored but never confirmed: {sorted(unacknowledged)}")
    status = {row.token: row.status for row in signups}
    problems += [f"signup {token}: cancelled, but {status.get(token)}" for token in sorted(ledger.cancelled)
                 if status.get(token) != "cancelled"]
    confirmed = sum(row.people for row in signups if row.status == "confirmed")
    if confirmed > capacity:
        problems.append(f"overbooked: {confirmed} people confirmed for {capacity} places")
    if any(row.people <= capacity - confirmed for row in signups if row.status == "waiting"):
        problems.append("somebody waits who fits in the places left")
    first_mail = {"signup": {"signup_confirmed", "signup_waiting"}, "enrolment": {"enrolment_received"},
                  "feedback": {"feedback_received"}}
    for kind, stored in (("signup", signups), ("enrolment", enrolments), ("feedback", feedback)):
        for row in stored:
            if kind == "signup" and not row.email:
                continue  # by phone only: no e-mail to send
            count = sum(1 for m in messages if m.subject_type == kind and m.subject_id == row.id
                        and m.kind in first_mail[kind])
            if count != 1:
                problems.append(f"{kind} {row.id}: {count} confirmation e-mails queued")
    return problems


def outbox_state(database_url: str) -> list:
    """(message_id, sent_at, attempts, claimed_until) of every queued e-mail."""
    engine = create_engine(database_url)
    try:
        with engine.connect() as connection:
            return list(connection.execute(text(
                "SELECT message_id, sent_at, attempts, claimed_until FROM outbox_message ORDER BY id")))
    finally:
        engine.dispose()


def wait_until_sent(database_url: str, timeout: float) -> list:
    """Wait (bounded) until no e-mail waits to be sent; the outbox as it is then."""
    deadline = time.monotonic() + timeout
    while True:
        state = outbox_state(database_url)
        if all(row.sent_at is not None for row in state) or time.monotonic() > deadline:
            return state
        time.sleep(0.2)


def back_off_passed(database_url: str) -> int:
    """Make every unsent e-mail due now, as if its back-off had passed; returns how many."""
    engine = create_engine(database_url)
    try:
        with engine.begin() as connection:
            return connection.execute(text("UPDATE outbox_message SET next_attempt_at = :now WHERE sent_at IS NULL"),
                                      {"now": dt.datetime.now(dt.UTC).replace(tzinfo=None)}).rowcount
    finally:
        engine.dispose()


def claims_expired(database_url: str) -> list[str]:
    """Let the claims of a killed worker run out now, as five minutes would; the Message-IDs it held."""
    engine = create_engine(database_url)
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    try:
        with engine.begin() as connection:
            held = [row.message_id for row in connection.execute(text(
                "SELECT message_id FROM outbox_message WHERE sent_at IS NULL AND claimed_until > :now"), {"now": now})]
            connection.execute(text("UPDATE outbox_message SET claimed_until = NULL "
                                     "WHERE sent_at IS NULL AND claimed_until > :now"), {"now": now})
            return held
    finally:
        engine.dispose()


def unique_prefix() -> str:
    """A name no other test run uses (Redis keys of parallel runs on one machine)."""
    return f"wijkpunt-test-{uuid.uuid4().hex[:12]}"
