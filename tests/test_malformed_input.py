"""Malformed input never breaks the portal: Hypothesis fills every form and address with what people and robots send.

Very long text, control characters, NUL, invalid UTF-8, mixed scripts, repeated or missing fields,
huge uploads, a missing CSRF token, the wrong method: the answer is always the form with its errors
or an error page in the reader's language, never a 5xx, and a refused request stores nothing.
The forms are found by crawling the app as a visitor and as an administrator, so a new form is
fuzzed without changing this file. FUZZ_EXAMPLES raises the number of examples for a long run.
"""

from __future__ import annotations

import io
import os
import re
import urllib.parse
from dataclasses import dataclass

import pytest
from bs4 import BeautifulSoup
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from conftest import enter_code, login
from participation.extensions import db
from participation.models import StaffUser
from test_enrolment import add_group, family
from test_signups import add_activity, form_data

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "24"))  # per form
# Fixed examples (derandomize): CI sees the same inputs on every run; FUZZ_EXAMPLES explores more.
FUZZ = settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None, print_blob=False,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much])

APP_AREAS = ("agenda", "signup", "homework", "feedback", "checkers", "staff")
LANGUAGE_PREFIXES = ("", "/tr", "/bg")

NASTY_TEXT = [
    "", " ", "\t", "0", "-1", "99999999999999999999", "1e309", "NaN", "١٢٣", "３", "\x00", "a\x00b", "\r\n", "\x1b[31m",
    "\u202eevil", "\ufeff", "\u200b", "<script>alert(1)</script>", "' OR '1'='1", "{{ 7*7 }}", "%(name)s", "%s%s%n",
    "=HYPERLINK(\"http://x\")", "../../etc/passwd", "31/02/2027", "2027-13-01", "0000-00-00", "9999-12-31",
    "25:61", "http://[", "//evil.example", "/\\evil.example", "/\r\nSet-Cookie: x=y", "javascript:alert(1)",
    "@", "a@b", "name@example.be" * 20, "+32 (0)470-12.34.56 ext. 9", "Ayşe Жана Ελένη 日本 مرحبا 👪",
]
# Mixed scripts and every other character a browser can send (no lone surrogates: those are no UTF-8).
ANY_TEXT = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=60)
SCRIPTS_TEXT = st.text(alphabet="Ayşeğıİ Жжщъ ΑΒΓ 日本 عربي ‏‎0123456789@.-_/", min_size=1, max_size=80)
LONG_TEXT = st.builds(lambda char, size: char * size, st.sampled_from(["a", "ş", "Ж", "👪", "\x07", "0"]),
                      st.sampled_from([41, 81, 121, 201, 255, 2001, 5001, 70_000]))
NASTY = st.one_of(st.sampled_from(NASTY_TEXT), ANY_TEXT, SCRIPTS_TEXT, LONG_TEXT)


@dataclass(frozen=True)
class Field:
    """One named control of a form, with the values the page offers."""

    name: str
    kind: str
    choices: tuple[str, ...]
    value: str


@dataclass(frozen=True)
class Form:
    """A form as the page renders it."""

    page: str
    method: str
    action: str
    fields: tuple[Field, ...]


GOOD = {"email": "ayse@example.be", "tel": "0470 12 34 56", "number": "2", "date": "2027-02-17", "time": "16:00",
        "password": "not the password 1", "textarea": "Er ligt afval naast de glasbak.", "text": "Ayşe Yılmaz"}


def forms_on(path: str, html: str) -> list[Form]:
    """Every form of a page, its fields grouped by name."""
    found = []
    for form in BeautifulSoup(html, "html.parser").select("form"):
        fields: dict[str, Field] = {}
        for tag in form.select("input[name], select[name], textarea[name], button[name]"):
            kind = tag.name if tag.name in ("select", "textarea", "button") else (tag.get("type") or "text").lower()
            if kind == "select":
                choices = tuple(option.get("value", option.get_text()) for option in tag.select("option"))
            elif kind in ("radio", "checkbox", "button"):
                choices = (tag.get("value", "y"),)
            else:
                choices = ()
            known = fields.get(tag["name"])
            fields[tag["name"]] = Field(tag["name"], kind, (known.choices if known else ()) + choices,
                                        tag.get("value", "") if kind != "textarea" else tag.get_text())
        found.append(Form(path, (form.get("method") or "get").upper(), form.get("action") or path,
                          tuple(fields.values())))
    return found


def crawl(client, start: list[str], skip: re.Pattern, limit: int = 80) -> list[Form]:
    """Follow the app's own links (Dutch only: the other languages have the same forms) and collect their forms."""
    seen, queue, forms = set(), list(start), []
    while queue and len(seen) < limit:
        path = queue.pop(0)
        if path in seen or skip.search(path):
            continue
        seen.add(path)
        response = fetch(client, path)
        assert response.status_code < 500, path
        if response.status_code != 200 or not response.mimetype == "text/html":
            continue
        html = response.get_data(as_text=True)
        forms += [form for form in forms_on(path, html) if not skip.search(form.action)]
        for link in BeautifulSoup(html, "html.parser").select("a[href]"):
            target = urllib.parse.urldefrag(link["href"])[0]
            first = target.lstrip("/").split("/", 1)[0]
            if target.startswith("/") and first in APP_AREAS and not target.endswith((".ics", ".csv")):
                queue.append(target)
    return list({(form.method, form.action, form.fields): form for form in forms}.values())


def row_counts() -> dict[str, int]:
    """How many rows each table holds (one query: the fuzzers ask before and after every request).

    A failed login is meant to be stored (the audit log and the wait per e-mail address), so those
    rows are not counted.
    """
    tables = [table for table in db.metadata.sorted_tables if table.name != "login_throttle"]
    audit = db.metadata.tables["audit_entry"]
    counts = db.session.execute(select(
        *(select(func.count()).select_from(table).scalar_subquery() for table in tables),
        select(func.count()).select_from(audit).where(audit.c.action == "login_failed").scalar_subquery())).one()
    db.session.rollback()
    found = dict(zip((table.name for table in tables), counts))
    found["audit_entry"] -= counts[-1]
    return found


def good_value(field: Field) -> st.SearchStrategy[str]:
    """What a person would fill in."""
    if field.choices:
        return st.sampled_from(field.choices)
    if field.kind == "hidden":
        return st.just(field.value)
    return st.just(field.value or GOOD.get(field.kind, GOOD["text"]))


def field_values(field: Field, bad: bool) -> st.SearchStrategy[list[str]]:
    """The values sent for one field: none, one or several, good or malformed."""
    if not bad:
        return good_value(field).map(lambda value: [value])
    return st.one_of(st.just([]), NASTY.map(lambda value: [value]),
                     st.lists(st.one_of(good_value(field), NASTY), min_size=2, max_size=3))


@st.composite
def submissions(draw, forms: list[Form]):
    """A form, the fields sent (one malformed field, or all at random), how they are encoded, and the language."""
    form = draw(st.sampled_from(forms))
    if draw(st.booleans()) and form.fields:
        broken = draw(st.sampled_from(form.fields)).name
        pairs = [(f.name, v) for f in form.fields for v in draw(field_values(f, f.name == broken))]
    else:
        pairs = [(f.name, v) for f in form.fields for v in draw(field_values(f, draw(st.booleans())))]
    if draw(st.booleans()):
        pairs.append((draw(st.sampled_from(["extra", "csrf_token", "lang", "__proto__", "a" * 300])), draw(NASTY)))
    encoding = draw(st.sampled_from(["utf-8", "latin-1", "invalid utf-8", "multipart"] if form.method == "POST"
                                     else ["utf-8", "latin-1", "invalid utf-8"]))
    return form, pairs, encoding, draw(st.sampled_from(LANGUAGE_PREFIXES))


def encoded(pairs: list[tuple[str, str]], encoding: str) -> bytes:
    """A urlencoded body or query string; the wrong ones as a browser with another charset or a robot sends them."""
    if encoding == "latin-1":
        return urllib.parse.urlencode([(k.encode("latin-1", "replace"), v.encode("latin-1", "replace"))
                                       for k, v in pairs]).encode()
    if encoding == "invalid utf-8":
        # Bytes that are no UTF-8 at all: percent-encoded, and raw in the body.
        broken = urllib.parse.urlencode([(k, v.encode() + b"\xff\xfe\xc0\xaf") for k, v in pairs]).encode()
        return broken + b"&x=\xff\x80"
    return urllib.parse.urlencode(pairs).encode()


def fetch(client, path: str, method: str = "GET", **options):
    """One request, its answer read and closed (a page of the guides holds its file open until then)."""
    response = client.open(path, method=method, **options)
    response.get_data()
    response.close()
    return response


def send(client, form: Form, pairs: list[tuple[str, str]], encoding: str, prefix: str):
    """Send the form as drawn; file fields get a few bytes that are no photo."""
    action = form.action if form.action.startswith(("/tr/", "/bg/")) else prefix + form.action
    if form.method == "GET":
        path, _, query = action.partition("?")
        # A str query string goes into the environ as it is: latin-1 keeps every byte sent.
        raw = (query.encode() + b"&" if query else b"") + encoded(pairs, encoding)
        return fetch(client, path, query_string=raw.decode("latin-1"))
    if encoding == "multipart":
        values: dict[str, list] = {}
        for name, value in pairs:
            values.setdefault(name, []).append(value)
        for field in form.fields:
            if field.kind == "file" and field.name in values:
                values[field.name] = [FileStorage(io.BytesIO(b"\x89PNG\r\n\x1a\n" + value.encode()[:500]),
                                                  filename=value[:200] or "x.png", content_type="image/png")
                                      for value in values[field.name]]
        boundary, body = encode_multipart(values)
        return fetch(client, action, "POST", data=body, content_type=f"multipart/form-data; boundary={boundary}")
    return fetch(client, action, "POST", data=encoded(pairs, encoding),
                 content_type="application/x-www-form-urlencoded")


def assert_a_page_not_a_failure(response, where: str) -> None:
    """No 5xx; an HTML answer is a whole page in one of the three languages."""
    assert response.status_code < 500, where
    if response.mimetype == "text/html" and not 300 <= response.status_code < 400:
        page = BeautifulSoup(response.get_data(as_text=True), "html.parser")
        assert page.find("html")["lang"] in ("nl", "tr", "bg"), where
        assert page.find("h1") is not None, where


def refused(response) -> bool:
    """An error page, or the form shown again with its errors."""
    if response.status_code >= 400:
        return True
    return (response.status_code == 200 and response.mimetype == "text/html"
            and b"app-error-summary" in response.get_data())


def fuzz_forms(app, client, forms: list[Form], examples: int) -> None:
    """Send `examples` malformed versions of each form; each refused one must leave every table as it was."""
    for form in forms:

        @settings(FUZZ, max_examples=examples)
        @given(submissions([form]))
        def check(drawn):
            form, pairs, encoding, prefix = drawn
            with app.app_context():
                before = row_counts()
            response = send(client, form, pairs, encoding, prefix)
            where = f"{form.method} {form.action} ({encoding})"
            assert_a_page_not_a_failure(response, where)
            if refused(response):
                with app.app_context():
                    assert row_counts() == before, where

        check()


@pytest.fixture
def protected(app, live_app):
    """The app as in production, CSRF on (rate limits stay off, or the fuzzer would only meet 429)."""
    return live_app(WTF_CSRF_ENABLED=True)


@pytest.fixture
def seeded(app):
    """An activity with a sign-up, a homework group with an enrolment, and a message: forms to find."""
    client = app.test_client()
    event_id = add_activity(app, capacity=3)
    spare_id = add_activity(app, capacity=3)  # staff forms may cancel or delete this one
    group_id = add_group(app)
    signup = client.post(f"/agenda/{event_id}/signup", data=form_data(phone="0470999000", people="1"))
    enrolment = client.post("/homework/enrol", data=family(group_id, submission="seed-family"))
    feedback = client.post("/feedback/", data={"kind": "idea", "category": "other", "message": "Een bank in het park.",
                                               "submission_id": "seed-feedback", "website": ""})
    assert {signup.status_code, enrolment.status_code, feedback.status_code} == {302}
    return {"event_id": event_id, "spare_id": spare_id, "group_id": group_id,
            "private": [signup.location, enrolment.location, feedback.location]}


def log_in(client, email: str, password: str) -> None:
    """Log in through the form, with its CSRF token, as a person would."""
    token = _hidden(client.get("/staff/login"), "csrf_token")
    response = client.post("/staff/login", data={"csrf_token": token, "email": email, "password": password})
    assert enter_code(client, response, email).status_code == 302


def test_every_public_form_and_query_parameter_refuses_malformed_input_without_storing_it(protected, seeded):
    client = protected.test_client()
    start = ["/agenda/", f"/agenda/{seeded['event_id']}/signup", "/homework/enrol", "/feedback/", "/staff/login",
             "/checkers/conformiteitsattest", "/checkers/premies", *seeded["private"]]
    forms = crawl(client, start, re.compile(r"/staff/(?!login)"))
    found = {(form.method, re.sub(r"\d+", "N", form.action.split("?")[0])) for form in forms}
    assert {("POST", "/agenda/N/signup"), ("POST", "/homework/enrol"), ("POST", "/feedback/"), ("POST", "/staff/login"),
            ("GET", "/checkers/conformiteitsattest/answer"), ("GET", "/checkers/premies/answer")} <= found, found
    fuzz_forms(protected, client, forms, EXAMPLES)


def test_every_staff_form_refuses_malformed_input_without_storing_it(protected, users, seeded):
    client = protected.test_client()
    log_in(client, *users["admin"])
    with protected.app_context():
        own_id = db.session.scalar(select(StaffUser.id).where(StaffUser.email == users["admin"][0]))
    # Not fuzzed: logging out, and what would take away the fuzzer's own account or its main activity.
    skip = re.compile(rf"/staff/logout|/staff/accounts/{own_id}/|/staff/events/{seeded['event_id']}/(cancel|delete)")
    forms = crawl(client, ["/staff/", "/staff/homework/", "/staff/feedback/", "/staff/privacy/", "/staff/accounts/",
                           "/staff/password", "/staff/audit/", "/staff/feedback/report"], skip, limit=60)
    found = {(form.method, re.sub(r"\d+", "N", form.action.split("?")[0])) for form in forms}
    assert {("POST", "/staff/events/new"), ("POST", "/staff/events/N/edit"), ("POST", "/staff/events/N/signups"),
            ("POST", "/staff/accounts/"), ("POST", "/staff/password"), ("POST", "/staff/homework/groups/new"),
            ("POST", "/staff/homework/children/N/decide"), ("POST", "/staff/feedback/N/answer"),
            ("POST", "/staff/privacy/"), ("GET", "/staff/feedback/")} <= found, found
    fuzz_forms(protected, client, forms, max(EXAMPLES // 4, 1))


PATH_PARTS = ["%00", "%FF%FE", "%C0%AF", "99999999999999999999", "2147483648", "-1", "0", "x" * 3000, "..%2F..%2Fetc",
              "%E2%80%AE", "%0D%0ALocation:%20x", "%25", "ş", "Ж", "%F0%9F%91%AA", ""]


def test_every_address_with_odd_parts_or_the_wrong_method_gets_an_error_page(protected, users, seeded):
    app, client = protected, protected.test_client()
    log_in(client, *users["admin"])
    rules = [rule for rule in app.url_map.iter_rules() if rule.endpoint not in ("static", "auth.logout")]
    for rule in rules:
        path = re.sub(r"<any\([^)]*\):lang>", "tr", rule.rule)
        path = re.sub(r"<[^>]+>", "1", path)
        for method in {"GET", "POST", "PUT", "DELETE", "PATCH"} - set(rule.methods):
            response = fetch(client, path, method)
            assert response.status_code in (404, 405), f"{method} {path}"
            assert_a_page_not_a_failure(response, f"{method} {path}")

    @settings(FUZZ, max_examples=EXAMPLES * 4)
    @given(st.sampled_from(rules), st.lists(st.sampled_from(PATH_PARTS), min_size=1, max_size=4),
           st.sampled_from(["", "?next=http://[", "?next=/%0D%0Ax", "?category=%00", "?year=99999999999999999999",
                            "?status=%FF", "?x=" + "y" * 5000]))
    def check(rule, parts, query):
        path = re.sub(r"<any\([^)]*\):lang>", "bg", rule.rule)
        for index, argument in enumerate(re.findall(r"<[^>]+>", path)):
            path = path.replace(argument, parts[index % len(parts)], 1)
        with app.app_context():
            before = row_counts()
        for method in sorted(rule.methods - {"OPTIONS", "HEAD"}):
            response = fetch(client, path + query, method)
            assert_a_page_not_a_failure(response, f"{method} {path}{query}")
            if response.status_code >= 400:
                with app.app_context():
                    assert row_counts() == before, f"{method} {path}{query}"

    check()


def test_login_takes_a_malformed_next_address_to_the_dashboard(app, client, users):
    for target in ["http://[", "/\r\nSet-Cookie: x=y", "/%0d%0aX", "//evil.example", "https://evil.example/"]:
        client.post("/staff/logout")
        response = client.post("/staff/login", query_string={"next": target},
                               data={"email": users["staff"][0], "password": users["staff"][1]})
        assert response.status_code == 302, target
        assert urllib.parse.urlsplit(response.location).netloc in ("", "localhost"), target
        assert "\n" not in response.location and "evil" not in response.location, target


def test_forms_without_a_valid_csrf_token_store_nothing(protected, seeded):
    live, client = protected, protected.test_client()
    event_id, group_id = seeded["event_id"], seeded["group_id"]
    stranger_token = _hidden(live.test_client().get("/feedback/"), "csrf_token")  # somebody else's session
    cases = {f"/agenda/{event_id}/signup": lambda: form_data(),
             "/homework/enrol": lambda: family(group_id, submission=None),
             "/feedback/": lambda: {"kind": "idea", "category": "other", "message": "Meer bomen.", "website": ""}}

    def forged(own: str, token: tuple[str, str]) -> str | None:
        """The token sent instead of the page's own."""
        how, text = token
        return {"missing": None, "empty": "", "stranger": stranger_token, "half": own[: len(own) // 2],
                "other case": own.swapcase()}.get(how, text) if how != "text" else text

    @settings(FUZZ, max_examples=EXAMPLES * 2)
    @given(st.sampled_from(sorted(cases)), st.one_of(
        st.sampled_from(["missing", "empty", "stranger", "half", "other case"]).map(lambda how: (how, "")),
        NASTY.map(lambda text: ("text", text))))
    def check(path, token):
        page = client.get(path)
        data = {**cases[path](), "submission_id": _hidden(page, "submission_id")}
        sent = forged(_hidden(page, "csrf_token"), token)
        if sent is not None:
            data["csrf_token"] = sent
        with live.app_context():
            before = row_counts()
        response = client.post(path, data=data)
        assert response.status_code in (200, 400), path
        assert_a_page_not_a_failure(response, path)
        with live.app_context():
            assert row_counts() == before, path

    check()
    # The same forms with the page's own token are stored: the check above can tell the difference.
    for path in sorted(cases):
        page = client.get(path)
        data = {**cases[path](), "csrf_token": _hidden(page, "csrf_token"),
                "submission_id": _hidden(page, "submission_id")}
        assert client.post(path, data=data).status_code == 302, path


def _hidden(response, name: str) -> str:
    """The value of a hidden field of the page's form."""
    field = BeautifulSoup(response.get_data(as_text=True), "html.parser").find("input", attrs={"name": name})
    return field["value"] if field else ""


def test_huge_uploads_are_refused_with_a_page_and_store_nothing(protected, seeded):
    app, client = protected, protected.test_client()
    event_id, group_id = seeded["event_id"], seeded["group_id"]
    with app.app_context():
        before = row_counts()
    nine_mb = b"\xff" * (9 * 1024 * 1024)
    too_large = [
        (f"/agenda/{event_id}/signup", {**form_data(), "file": (nine_mb, "big.bin")}),
        ("/tr/homework/enrol", {**family(group_id), "photo": (nine_mb, "big.jpg")}),
        ("/bg/feedback/", {"kind": "idea", "category": "other", "message": "Снимка.", "website": "",
                           "photo": (b"\xff\xd8" + b"\x00" * (25 * 1024 * 1024), "huge.jpg")}),
    ]
    for path, fields in too_large:
        values = {name: (value if not isinstance(value, tuple) else _file(*value)) for name, value in fields.items()}
        boundary, body = encode_multipart(values)
        response = client.post(path, data=body, content_type=f"multipart/form-data; boundary={boundary}")
        assert response.status_code == 413, path
        assert_a_page_not_a_failure(response, path)
    # A form field of 9 MB, not a file, urlencoded.
    response = client.post("/feedback/", data=b"kind=idea&message=" + b"a" * (9 * 1024 * 1024),
                           content_type="application/x-www-form-urlencoded")
    assert response.status_code in (200, 413)
    assert_a_page_not_a_failure(response, "/feedback/ urlencoded")
    with app.app_context():
        assert row_counts() == before


def _file(data: bytes, name: str) -> FileStorage:
    """An upload, encoded in memory."""
    return FileStorage(io.BytesIO(data), filename=name, content_type="application/octet-stream")


def test_inputs_that_once_gave_a_500_get_a_page_and_store_nothing(app, client, users):
    event_id = add_activity(app, capacity=5)
    group_id = add_group(app)
    with app.app_context():
        before = row_counts()
    # A NUL (PostgreSQL cannot store or compare it; a file name cannot hold it) and ids beyond INTEGER.
    for path, status in [("/signup/%00/", 400), ("/tr/feedback/%00/", 400), ("/homework/enrolled/a%00", 400),
                         ("/a%00b", 400), ("/agenda/?category=%00", 400), ("/agenda/2147483648/", 404),
                         (f"/agenda/{event_id}/signup?x=%00", 400), ("/bg/agenda/99999999999999999999/signup", 404)]:
        response = fetch(client, path)
        assert response.status_code == status, path
        assert_a_page_not_a_failure(response, path)
    response = fetch(client, f"/agenda/{event_id}/signup", "POST", data=form_data(name="Ayşe\x00"))
    assert response.status_code == 400
    # The family chose a group, but the year is no year: the year's error, not a crash on it.
    response = fetch(client, "/homework/enrol", "POST", data=family(group_id, **{"children-0-grade": " "}))
    assert response.status_code == 200 and b"app-error-summary" in response.get_data()
    with app.app_context():
        assert row_counts() == before

    # A submission id that our form never makes (too long for its column, or none) gets a fresh one.
    for number, submission_id in enumerate(["x" * 100, "", ""]):
        response = fetch(client, f"/agenda/{event_id}/signup", "POST",
                         data=form_data(phone=f"047055500{number}", people="1", submission_id=submission_id))
        assert response.status_code == 302
    with app.app_context():
        assert row_counts()["signup"] == before["signup"] + 3

    # Staff: a weekly series whose last date is no date.
    login(client, *users["staff"])
    assert fetch(client, "/staff/feedback/2147483648").status_code == 404
    # A page not found, for a form with a NUL, logged in: the error page's log-out button reads no form.
    response = fetch(client, "/agenda/2147483647/signup", "POST", data=form_data(name="Ayşe\x00"))
    assert response.status_code in (400, 404)
    assert_a_page_not_a_failure(response, "a NUL to an activity that is gone")
    page = fetch(client, "/staff/events/new", "POST", data={
        "category": "activity", "title_nl": "Naaiatelier", "address": "Binnenlaan 50", "date": "2027-02-17",
        "start_time": "14:00", "end_time": "16:00", "repeats": "y", "weekdays": "WE", "repeat_until": "0"})
    assert page.status_code == 200 and b"app-error-summary" in page.get_data()
