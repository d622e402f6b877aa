"""Every page of the app: the right language, every message translated, safe headers."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from bs4 import BeautifulSoup

from conftest import enter_code, login
from test_agenda import add_event
from test_staff import EVENT_FORM
from sqlalchemy import select
from participation.extensions import db

TRANSLATIONS = Path(__file__).resolve().parent.parent / "participation" / "translations"
LANGUAGES = ("nl", "tr", "bg")


def catalog(language: str):
    with open(TRANSLATIONS / language / "LC_MESSAGES" / "messages.po", "rb") as handle:
        return read_po(handle, locale=language)


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_interface_message_is_translated(language):
    with open(TRANSLATIONS / "messages.pot", "rb") as handle:
        template_ids = {m.id for m in read_po(handle) if m.id}
    messages = [m for m in catalog(language) if m.id]
    assert {m.id for m in messages} == template_ids, "run `flask --app participation translate update`"
    def forms(value) -> tuple:
        return value if isinstance(value, tuple) else (value,)

    untranslated = [m.id for m in messages if not all(forms(m.string)) or m.fuzzy]
    assert untranslated == []
    for message in messages:
        placeholders = set(re.findall(r"%\(\w+\)\w", forms(message.id)[-1]))
        for text in forms(message.string):
            assert set(re.findall(r"%\(\w+\)\w", text)) == placeholders, message.id


def public_pages(app, client) -> list[tuple[str, str]]:
    """(method, path) of the residents' pages that need data: a sign-up and an enrolment."""
    from test_enrolment import add_group, enrol
    from test_signups import form_data

    event_id = add_event(app, start=dt.datetime(2099, 3, 10, 16), capacity=1)
    signup = client.post(f"/agenda/{event_id}/signup", data=form_data(email="a@example.be", people="1"))
    waiting = client.post(f"/agenda/{event_id}/signup", data=form_data(phone="0470999999", people="1"))
    group_id = add_group(app, school_year="2098-2099")
    enrolled = enrol(client, group_id, submission="pages")
    from urllib.parse import urlencode

    from test_checkers import CA_ANSWERS, PREMIE_ANSWERS
    from test_feedback import form_data as feedback_form

    sent = client.post("/feedback/", data=feedback_form(wants_answer="y", contact_name="Ayşe", contact_email="a@example.be",
                                                        contact_phone="", answer_language="tr"))
    return [
        ("GET", "/feedback/"),
        ("POST", "/feedback/"),
        ("GET", sent.headers["Location"]),
        ("GET", "/checkers/conformiteitsattest"),
        ("GET", "/checkers/conformiteitsattest/answer?" + urlencode(CA_ANSWERS)),
        ("GET", "/checkers/conformiteitsattest/answer?" + urlencode({**CA_ANSWERS, "built_year": "nineteen"})),
        ("GET", "/checkers/premies"),
        ("GET", "/checkers/premies/answer?" + urlencode(PREMIE_ANSWERS, doseq=True)),
        ("GET", f"/agenda/{event_id}/signup"),
        ("POST", f"/agenda/{event_id}/signup"),
        ("GET", signup.headers["Location"]),
        ("GET", waiting.headers["Location"]),
        ("GET", "/homework/enrol"),
        ("POST", "/homework/enrol"),
        ("GET", enrolled),
        ("STAFF", str(event_id)),
    ]


def app_pages(app, client, users, event_with_signups) -> list[tuple[str, str]]:
    """(method, path) of every kind of staff page, a staff member logged in as administrator."""
    from participation.enrolment.models import EnrolledChild, Enrolment, HomeworkGroup

    event_id = add_event(app, start=dt.datetime(2099, 3, 10, 16), weekdays="WE", until=dt.date(2099, 4, 14),
                         skipped=[dt.date(2099, 3, 17)])
    from participation.feedback.models import Feedback

    with app.app_context():
        feedback_id = db.session.scalars(select(Feedback.id)).first()
        group_id = db.session.scalars(select(HomeworkGroup.id)).first()
        enrolment_id = db.session.scalars(select(Enrolment.id)).first()
        child_id = db.session.scalars(select(EnrolledChild.id)).first()
    return [
        ("GET", f"/staff/events/{event_with_signups}/signups"),
        ("POST", f"/staff/events/{event_with_signups}/signups"),
        ("GET", f"/staff/events/{event_with_signups}/attendance"),
        ("GET", "/staff/homework/"),
        ("GET", "/staff/homework/groups/new"),
        ("POST", "/staff/homework/groups/new"),
        ("GET", f"/staff/homework/groups/{group_id}/edit"),
        ("GET", f"/staff/homework/groups/{group_id}/list"),
        ("GET", f"/staff/homework/enrolments/{enrolment_id}"),
        ("POST", f"/staff/homework/children/{child_id}/decide"),
        ("POST", f"/staff/homework/enrolments/{enrolment_id}/intake"),
        ("GET", "/staff/feedback/"),
        ("GET", f"/staff/feedback/{feedback_id}"),
        ("POST", f"/staff/feedback/{feedback_id}/answer"),
        ("GET", "/staff/feedback/report"),
        ("GET", "/staff/privacy/"),
        ("POST", "/staff/privacy/"),
        ("GET", "/agenda/"),
        ("GET", f"/agenda/{event_id}/"),
        ("GET", "/agenda/404/"),
        ("GET", "/staff/"),
        ("GET", "/staff/events/new"),
        ("POST", "/staff/events/new"),  # with every error shown
        ("GET", f"/staff/events/{event_id}/edit"),
        ("GET", f"/staff/events/{event_id}/cancel"),
        ("GET", f"/staff/events/{event_id}/delete"),
        ("GET", "/staff/accounts/"),
        ("POST", "/staff/accounts/"),
        ("GET", "/staff/password"),
        ("POST", "/staff/password"),
        ("GET", "/staff/audit/"),
    ]


def visible_text(html: str) -> str:
    """The text a reader sees, without e-mail addresses (staff@… is an address, not a word) and code
    (the audit log's `Feedback 3` names a table, it is not an English word)."""
    page = BeautifulSoup(html, "html.parser")
    for element in page(["script", "style", "code"]):
        element.decompose()
    return re.sub(r"\S+@\S+", " ", " ".join(page.get_text(" ").split()))


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_app_page_is_in_its_language_with_no_untranslated_message(app, client, users, language):
    translations = {m.id: m.string for m in catalog(language) if m.id and isinstance(m.id, str)}
    # Messages that read the same in English and this language are not evidence of anything.
    # English words that are also words of the language itself ("Kind" is Dutch for child).
    own_words = {"nl": {"Kind"}, "tr": set(), "bg": set()}[language]
    telltale = [msgid for msgid, text in translations.items()
                if text != msgid and "%(" not in msgid and len(msgid) > 3 and msgid not in own_words]
    prefix = "" if language == "nl" else f"/{language}"
    bad_invalid_event = {**EVENT_FORM, "title_nl": "", "end_time": "10:00", "repeat_until": ""}
    posts = {"/staff/events/new": bad_invalid_event, "/staff/accounts/": {"email": "not an address"},
             "/staff/password": {"new": "short"}}
    pages = [("GET", "/staff/login"), ("POST", "/staff/login"), *public_pages(app, client)]
    posts["/staff/login"] = {"email": "not an address"}
    for method, path in pages:
        if method == "STAFF":
            login(client, *users["admin"])
            pages.extend(app_pages(app, client, users, int(path)))
            continue
        url = prefix + path
        data = posts.get(path, posts.get(re.sub(r"/\d+/", "/<id>/", path), {"name": ""}))
        response = client.post(url, data=data) if method == "POST" else client.get(url)
        if response.status_code == 302:
            response = client.get(response.headers["Location"])
        assert response.status_code in (200, 404), url
        html = response.get_data(as_text=True)
        assert BeautifulSoup(html, "html.parser").find("html")["lang"] == language, url
        text = visible_text(html)
        left = [msgid for msgid in telltale if re.search(rf"(?<!\w){re.escape(msgid)}(?!\w)", text)]
        assert left == [], url


def test_app_pages_send_security_headers_and_a_strict_content_security_policy(app, client):
    response = client.get("/agenda/")
    policy = response.headers["Content-Security-Policy"]
    assert "default-src 'self'" in policy and "'unsafe-inline'" not in policy
    assert "frame-ancestors 'none'" in policy
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["Referrer-Policy"] == "same-origin"
    html = BeautifulSoup(response.get_data(as_text=True), "html.parser")
    assert html.find_all("script") == [] and html.find_all(style=True) == []


def test_session_cookies_are_http_only_same_site_and_secure_behind_https(app, client, users):
    response = login(client, *users["staff"])
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" in cookie


def test_every_post_route_demands_a_csrf_token(live_app, users):
    live = live_app(WTF_CSRF_ENABLED=True)
    client = live.test_client()
    with live.test_request_context():
        post_rules = [r for r in live.url_map.iter_rules() if "POST" in (r.methods or ())]
    assert len(post_rules) >= 8
    # Logged in, so that staff routes get as far as their form check.
    token_page = client.get("/staff/login")
    token = BeautifulSoup(token_page.get_data(as_text=True), "html.parser").find(
        "input", attrs={"name": "csrf_token"})["value"]
    enter_code(client, client.post("/staff/login", data={"csrf_token": token, "email": users["admin"][0],
                                                         "password": users["admin"][1]}), users["admin"][0])
    event_id = add_event(live, capacity=5)
    from participation.extensions import db
    from events.models import Event
    with live.app_context():
        before = db.session.get(Event, event_id).sequence
    for rule in post_rules:
        values = {"event_id": event_id, "user_id": 1, "change": "deactivate", "lang": "tr", "signup_id": 1,
                  "token": "no-such-token", "group_id": 1, "child_id": 1, "enrolment_id": 1,
                  "feedback_id": 1, "message_id": 1, "when": "2027-01-01T0000"}
        path = rule.rule
        for name in rule.arguments:
            path = re.sub(rf"<(?:[^:>]+:)?{name}>", str(values.get(name, "")), path)
        path = re.sub(r"<any\([^)]*\):lang>", "tr", path)
        response = client.post(path, data={"title_nl": "x"})
        assert response.status_code in (200, 302, 400, 404), path  # 404: the token or sign-up does not exist
    with live.app_context():
        event = db.session.get(Event, event_id)
        assert event is not None and event.sequence == before and event.status == "published"
        from participation.models import StaffUser
        assert all(user.active for user in db.session.query(StaffUser))
