"""Homework support: parents enrol their children in three languages, staff place them, the data go in time."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from bs4 import BeautifulSoup
from flask_babel import force_locale, gettext
from sqlalchemy import func, select

from conftest import login
from db_helpers import rows
from participation.enrolment.models import (ChildStatus, EnrolledChild, Enrolment, HomeworkGroup, erase_on,
                                            preferred_group, school_year_of)
from participation.extensions import db
from participation.models import AuditEntry
from participation.outbox import OutboxMessage

LANGUAGES = ("nl", "tr", "bg")


def soup(response) -> BeautifulSoup:
    return BeautifulSoup(response.get_data(as_text=True), "html.parser")


def prefix(language: str) -> str:
    return "" if language == "nl" else f"/{language}"


def translated(app, language: str, message) -> str:
    """A message as the interface shows it in `language` (so the tests hold once the catalogs are filled)."""
    with app.test_request_context("/"), force_locale(language):
        return gettext(str(message))


def add_group(app, name="Groep A", *, school="all", years=(1, 6), capacity=12, school_year="2026-2027",
              active=True) -> int:
    """A group as staff would have defined it."""
    with app.app_context():
        group = HomeworkGroup(name=name, school=school, year_from=years[0], year_to=years[1], weekdays="MO,TH",
                              start_time=dt.time(15, 30), end_time=dt.time(16, 30), place="Buurthuis, Binnenlaan 50",
                              capacity=capacity, school_year=school_year, active=active)
        db.session.add(group)
        db.session.commit()
        return group.id


def family(group_id: int, *, language="tr", email="ayse@example.be", submission="form-1", **overrides) -> dict:
    """The form as a parent fills it in: two children, one in a chosen group, one fine with any group."""
    data = {
        "submission_id": submission,
        "children-0-first_name": "Elif",
        "children-0-last_name": "Yılmaz",
        "children-0-school": "stippestap",
        "children-0-grade": "2",
        "children-0-groups": [str(group_id)],
        "children-1-first_name": "Emir",
        "children-1-last_name": "Yılmaz",
        "children-1-school": "other",
        "children-1-other_school": "GO! Basisschool Zwartberg",
        "children-1-grade": "5",
        "children-1-groups": ["any"],
        "home_languages": ["tr", "nl"],
        "interpreter": "tr",
        "parent_name": "Ayşe Yılmaz",
        "phone": "0470 12 34 56",
        "email": email,
        "language": language,
        "consent": "y",
        "action": "send",
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


def stored(app) -> list[Enrolment]:
    with app.app_context():
        enrolments = db.session.scalars(select(Enrolment).order_by(Enrolment.id)).all()
        for enrolment in enrolments:
            for child in enrolment.children:
                child.preferred_groups  # noqa: B018 - loaded before the session closes
                child.group  # noqa: B018
        db.session.expunge_all()
        return enrolments


def messages(app) -> list[OutboxMessage]:
    return rows(app, OutboxMessage)


def errors_by_field(page: BeautifulSoup) -> dict[str, str]:
    return {p["id"].removesuffix("-error"): p.get_text(" ", strip=True) for p in page.select(".app-error")}


# --- parents ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_family_enrols_two_children_in_their_language(app, client, language):
    group_id = add_group(app)
    form_page = soup(client.get(f"{prefix(language)}/homework/enrol"))
    assert form_page.find("html")["lang"] == language
    assert form_page.find("input", attrs={"name": "submission_id"})["value"]
    assert [c["id"] for c in form_page.select("fieldset.app-child")] == ["child-1"]
    assert form_page.select_one(f'input[name="language"][value="{language}"]').has_attr("checked")

    response = client.post(f"{prefix(language)}/homework/enrol", data=family(group_id, language=language))
    assert response.status_code == 302
    location = response.headers["Location"]
    assert location.startswith(f"{prefix(language)}/homework/enrolled/")

    [enrolment] = stored(app)
    assert location.endswith(enrolment.token) and len(enrolment.token) >= 24  # a secret, not a number
    assert (enrolment.parent_name, enrolment.phone, enrolment.email, enrolment.language) == (
        "Ayşe Yılmaz", "+32470123456", "ayse@example.be", language)
    assert sorted(enrolment.home_language_codes) == ["nl", "tr"]
    assert enrolment.interpreter == "tr" and enrolment.consent_at is not None and enrolment.photo_consent is False
    assert enrolment.school_year == "2026-2027"
    elif_, emir = enrolment.children
    assert (elif_.full_name, elif_.school, elif_.grade, [g.id for g in elif_.preferred_groups], elif_.any_group) == (
        "Elif Yılmaz", "stippestap", 2, [group_id], False)
    assert (emir.full_name, emir.school, emir.other_school, emir.grade, emir.preferred_groups, emir.any_group) == (
        "Emir Yılmaz", "other", "GO! Basisschool Zwartberg", 5, [], True)
    assert {child.status for child in enrolment.children} == {ChildStatus.NEW}

    confirmation = soup(client.get(location))
    assert confirmation.find("html")["lang"] == language
    assert confirmation.select_one(".app-reference").get_text(strip=True) == enrolment.reference
    assert confirmation.find("meta", attrs={"name": "robots"})["content"] == "noindex"
    text = confirmation.get_text(" ")
    assert "Elif Yılmaz" in text and "Emir Yılmaz" in text and "0470 12 34 56" in text

    [message] = messages(app)
    assert (message.recipient, message.language, message.kind) == ("ayse@example.be", language, "enrolment_received")
    assert (message.subject_type, message.subject_id) == ("enrolment", enrolment.id)
    assert enrolment.reference in message.subject
    assert f"https://wijkpunt.example{prefix(language)}/homework/enrolled/{enrolment.token}" in message.body
    assert "Elif Yılmaz" in message.body and "Emir Yılmaz" in message.body
    assert translated(app, language, "We received your enrolment for homework support") in message.subject


def test_a_turkish_speaking_parent_without_e_mail_gets_through_and_knows_what_happens_next(app, client):
    group_id = add_group(app)
    response = client.post("/tr/homework/enrol", data=family(group_id, email="", photo_consent="y"))
    assert response.status_code == 302
    [enrolment] = stored(app)
    assert enrolment.email == "" and enrolment.phone == "+32470123456" and enrolment.photo_consent is True
    assert messages(app) == []  # nothing to send: a contact worker calls

    page = soup(client.get(response.headers["Location"]))
    assert page.find("html")["lang"] == "tr"
    steps = page.select_one("ol.app-steps").get_text(" ", strip=True)
    calls_you = translated(app, "tr", "A contact worker calls you at %(phone)s to plan a short talk with you: "
                                      "the intake talk.").replace("%(phone)s", "0470 12 34 56")
    assert calls_you in steps
    assert page.select_one(".app-reference").get_text(strip=True) == enrolment.reference


def test_every_error_is_shown_next_to_its_field_and_nothing_typed_is_lost(app, client):
    group_id = add_group(app, school="bladwijzer", years=(1, 3))
    bad = {
        "submission_id": "form-bad",
        "children-0-first_name": "",
        "children-0-last_name": "Petrova",
        "children-0-grade": "",
        "children-1-first_name": "Ivan",
        "children-1-last_name": "Petrov",
        "children-1-school": "other",
        "children-1-other_school": "",
        "children-1-grade": "5",
        "children-1-groups": [str(group_id)],  # for De Bladwijzer, years 1 to 3 only
        "other_home_languages": "",
        "parent_name": "",
        "phone": "12",
        "email": "not an address",
        "language": "bg",
        "action": "send",
    }
    response = client.post("/bg/homework/enrol", data=bad)
    assert response.status_code == 200
    page = soup(response)
    assert page.find("html")["lang"] == "bg"
    errors = errors_by_field(page)
    assert set(errors) == {
        "children-0-first_name", "children-0-school", "children-0-grade", "children-0-groups",
        "children-1-other_school", "children-1-groups",
        "home_languages", "interpreter", "parent_name", "phone", "email", "consent",
    }
    assert "Groep A" in errors["children-1-groups"]
    # Each text field with an error says so to screen readers, and points at its message.
    for field_id in ("children-0-first_name", "parent_name", "phone", "email", "children-1-other_school"):
        element = page.find(id=field_id)
        assert element["aria-invalid"] == "true", field_id
        assert f"{field_id}-error" in element["aria-describedby"].split(), field_id
    # The summary links to every field with an error, children named by their number.
    summary = page.select_one(".app-error-summary")
    assert {a["href"] for a in summary.select("a")} == {f"#{field_id}" for field_id in errors}
    child_2 = translated(app, "bg", "Child %(number)d: %(error)s") % {"number": 2, "error": ""}
    assert summary.select_one('a[href="#children-1-groups"]').get_text().startswith(child_2.strip())
    # What was typed is still there.
    assert page.find(id="children-0-last_name")["value"] == "Petrova"
    assert page.find(id="children-1-first_name")["value"] == "Ivan"
    assert page.select_one('input[name="children-1-school"][value="other"]').has_attr("checked")
    assert page.select_one('select[name="children-1-grade"] option[selected]')["value"] == "5"
    assert page.select_one(f'input[name="children-1-groups"][value="{group_id}"]').has_attr("checked")
    assert page.find(id="phone")["value"] == "12" and page.find(id="email")["value"] == "not an address"
    assert page.select_one('input[name="language"][value="bg"]').has_attr("checked")
    assert page.find("input", attrs={"name": "submission_id"})["value"] == "form-bad"
    assert stored(app) == [] and messages(app) == []


def test_phone_or_e_mail_is_required_and_a_group_must_suit_the_child(app, client):
    group_id = add_group(app, school="stippestap", years=(1, 3))
    data = family(group_id, phone="", email="", **{"children-0-grade": "4"})
    page = soup(client.post("/homework/enrol", data=data))
    errors = errors_by_field(page)
    assert set(errors) == {"phone", "children-0-groups"}
    assert errors["phone"].endswith(translated(app, "nl", "Enter a phone number or an e-mail address"))
    assert stored(app) == []


def test_adding_and_removing_children_keeps_what_was_typed(app, client):
    group_id = add_group(app)
    first = {
        "submission_id": "form-2",
        "children-0-first_name": "Mira",
        "children-0-last_name": "Dimitrova",
        "children-0-school": "sint-jozef",
        "children-0-grade": "3",
        "children-0-groups": [str(group_id)],
        "parent_name": "Daniela Dimitrova",
        "phone": "0489 11 22 33",
        "home_languages": ["bg"],
    }
    page = soup(client.post("/bg/homework/enrol", data={**first, "action": "add"}))
    assert [c["id"] for c in page.select("fieldset.app-child")] == ["child-1", "child-2"]
    assert page.select(".app-error") == [] and page.select_one(".app-error-summary") is None
    assert page.find(id="children-0-first_name")["value"] == "Mira"
    assert page.select_one('input[name="children-0-school"][value="sint-jozef"]').has_attr("checked")
    assert page.select_one('select[name="children-0-grade"] option[selected]')["value"] == "3"
    assert page.select_one(f'input[name="children-0-groups"][value="{group_id}"]').has_attr("checked")
    assert page.find(id="children-1-first_name")["value"] == ""
    assert page.find(id="parent_name")["value"] == "Daniela Dimitrova"
    assert page.find("input", attrs={"name": "submission_id"})["value"] == "form-2"
    # Buttons that re-render bring the reader back to the child concerned.
    add = page.select_one('button[value="add"]')
    assert add["formaction"] == "/bg/homework/enrol#child-3"

    second = {**first, "children-1-first_name": "Nikola", "children-1-last_name": "Dimitrov"}
    page = soup(client.post("/bg/homework/enrol", data={**second, "action": "add"}))
    assert len(page.select("fieldset.app-child")) == 3
    assert page.find(id="children-1-first_name")["value"] == "Nikola"

    page = soup(client.post("/bg/homework/enrol", data={**second, "children-2-first_name": "", "action": "remove"}))
    assert [c["id"] for c in page.select("fieldset.app-child")] == ["child-1", "child-2"]
    assert page.find(id="children-1-first_name")["value"] == "Nikola"
    page = soup(client.post("/bg/homework/enrol", data={**second, "action": "remove"}))
    assert [c["id"] for c in page.select("fieldset.app-child")] == ["child-1"]
    assert page.select_one('button[value="remove"]') is None  # the only child cannot be removed
    assert page.find(id="children-0-first_name")["value"] == "Mira"
    assert stored(app) == []


def test_enter_in_a_field_sends_the_form_and_every_field_has_a_label(app, client):
    add_group(app)
    page = soup(client.get("/homework/enrol"))
    form = page.select_one("form.app-form")
    # Implicit submission uses the first submit button: it must be "send", and out of the tab order.
    first_button = form.find("button", attrs={"type": "submit"})
    assert first_button["value"] == "send" and first_button["tabindex"] == "-1"
    for element in form.select("input:not([type=hidden]), select, textarea"):
        assert form.find("label", attrs={"for": element["id"]}) is not None, element["id"]
    assert page.find_all("script") == []


def test_sending_the_same_form_twice_stores_it_once(app, client):
    group_id = add_group(app)
    data = family(group_id, submission="form-twice")
    first = client.post("/tr/homework/enrol", data=data)
    second = client.post("/tr/homework/enrol", data=data)
    assert first.status_code == second.status_code == 302
    assert first.headers["Location"] == second.headers["Location"]
    assert len(stored(app)) == 1 and len(messages(app)) == 1
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(EnrolledChild)) == 2


def test_an_unknown_private_link_is_not_found(app, client):
    assert client.get("/homework/enrolled/not-a-token").status_code == 404


# --- staff -----------------------------------------------------------------------------------------


GROUP_FORM = {
    "name": "Groep A", "school_year": "2026-2027", "school": "stippestap", "year_from": "1", "year_to": "3",
    "weekdays": ["MO", "TH"], "start_time": "15:30", "end_time": "16:30", "place": "Buurthuis, Binnenlaan 50",
    "capacity": "1", "active": "y",
}


def enrol(client, group_id, **kwargs) -> str:
    """A parent sends the form; returns the private link."""
    response = client.post("/homework/enrol", data=family(group_id, **kwargs))
    assert response.status_code == 302, errors_by_field(soup(response))
    return response.headers["Location"]


def test_staff_define_and_change_a_group_that_parents_then_see(app, client, users):
    login(client, *users["homework"])
    bad = soup(client.post("/staff/homework/groups/new", data={**GROUP_FORM, "school_year": "2026", "year_to": "1",
                                                                "year_from": "3", "weekdays": [], "end_time": "15:00",
                                                                "capacity": "0"}))
    assert set(errors_by_field(bad)) == {"school_year", "year_to", "weekdays", "end_time", "capacity"}
    assert bad.find(id="place")["value"] == "Buurthuis, Binnenlaan 50"

    response = client.post("/staff/homework/groups/new", data=GROUP_FORM)
    assert response.status_code == 302
    with app.app_context():
        group = db.session.scalars(select(HomeworkGroup)).one()
        assert (group.name, group.school, group.year_from, group.year_to, group.weekday_codes, group.capacity,
                group.start_time, group.active) == ("Groep A", "stippestap", 1, 3, ["MO", "TH"], 1,
                                                    dt.time(15, 30), True)
        group_id = group.id
    client.post(f"/staff/homework/groups/{group_id}/edit", data={**GROUP_FORM, "weekdays": ["TH", "WE"],
                                                                 "capacity": "10"})
    with app.app_context():
        group = db.session.get(HomeworkGroup, group_id)
        assert group.weekday_codes == ["WE", "TH"] and group.capacity == 10
    edit_page = soup(client.get(f"/staff/homework/groups/{group_id}/edit"))
    assert edit_page.select_one('input[name="weekdays"][value="WE"]').has_attr("checked")

    public = soup(client.get("/tr/homework/enrol"))
    assert "Groep A" in public.select_one('label[for="children-0-groups-0"]').get_text()
    client.post(f"/staff/homework/groups/{group_id}/edit", data={**GROUP_FORM, "active": ""})
    public = soup(client.get("/tr/homework/enrol"))
    assert public.select_one(f'input[name="children-0-groups"][value="{group_id}"]') is None
    assert [a for _, a in audit(app)] == ["homework_group.create", "homework_group.update", "homework_group.update"]


def audit(app) -> list[tuple[str, str]]:
    with app.app_context():
        return [(e.actor_email, e.action) for e in db.session.scalars(select(AuditEntry).order_by(AuditEntry.id))
                if e.action not in ("login", "login_failed") and not e.action.startswith("view.")]  # logins, views: own tests


def decide(client, child_id: int, decision: str, group_id: int | None = None):
    return client.post(f"/staff/homework/children/{child_id}/decide",
                       data={f"child{child_id}-decision": decision, f"child{child_id}-group": str(group_id or "")})


def test_staff_accept_wait_and_decline_and_the_parent_hears_it_in_their_language(app, client, users):
    group_id = add_group(app, capacity=1)
    enrol(client, group_id, language="bg", email="daniela@example.be")
    enrolment = stored(app)[0]
    elif_, emir = enrolment.children
    login(client, *users["homework"])

    overview = soup(client.get("/staff/homework/"))
    assert enrolment.reference in overview.get_text() and "Elif Yılmaz" in overview.get_text()
    review = soup(client.get(f"/staff/homework/enrolments/{enrolment.id}"))
    assert review.select_one(".app-call") is None  # an e-mail address: no need to call
    assert review.select_one(f'input[name="child{elif_.id}-decision"]') is not None
    # The group the child asked for is proposed.
    assert review.select_one(f'select[name="child{elif_.id}-group"] option[selected]')["value"] == str(group_id)

    assert decide(client, elif_.id, "accepted", group_id).status_code == 302
    # The group has one place: the second child cannot get in, and staff are told why, next to the group.
    full = soup(decide(client, emir.id, "accepted", group_id))
    assert set(errors_by_field(full)) == {f"child{emir.id}-group"}
    assert decide(client, emir.id, "waiting", group_id).status_code == 302
    without_group = soup(decide(client, emir.id, "accepted"))
    assert set(errors_by_field(without_group)) == {f"child{emir.id}-group"}
    assert decide(client, emir.id, "declined", group_id).status_code == 302

    children = {child.first_name: child for child in stored(app)[0].children}
    assert (children["Elif"].status, children["Elif"].group_id) == ("accepted", group_id)
    assert (children["Emir"].status, children["Emir"].group_id) == ("declined", None)
    assert all(child.told_at is not None for child in children.values())

    sent = [(m.kind, m.language, m.recipient) for m in messages(app)]
    assert sent == [("enrolment_received", "bg", "daniela@example.be"), ("enrolment_accepted", "bg", "daniela@example.be"),
                    ("enrolment_waiting", "bg", "daniela@example.be"), ("enrolment_declined", "bg", "daniela@example.be")]
    accepted = messages(app)[1]
    assert "Groep A" in accepted.body and "Buurthuis, Binnenlaan 50" in accepted.body
    assert "15:30–16:30" in accepted.body and "/bg/homework/enrolled/" in accepted.body
    assert all(m.subject_type == "enrolment" and m.subject_id == enrolment.id for m in messages(app))
    assert [a for _, a in audit(app)] == ["enrolment.accepted", "enrolment.waiting", "enrolment.declined"]

    # The parent's private page shows the place.
    parent_page = soup(client.get(f"/bg/homework/enrolled/{enrolment.token}")).get_text(" ")
    assert "Groep A" in parent_page and "15:30" in parent_page


def test_a_parent_with_only_a_phone_is_called_in_their_language(app, client, users):
    group_id = add_group(app)
    enrol(client, group_id, language="tr", email="")
    enrolment = stored(app)[0]
    elif_ = enrolment.children[0]
    login(client, *users["homework"])

    call = soup(client.get(f"/staff/homework/enrolments/{enrolment.id}")).select_one(".app-call")
    assert call is not None
    assert call.select_one('a[href="tel:+32470123456"]').get_text() == "0470 12 34 56"
    assert translated(app, "nl", "Turkish") in call.get_text()

    response = decide(client, elif_.id, "accepted", group_id)
    assert response.headers["Location"].endswith(f"/staff/homework/enrolments/{enrolment.id}#child-{elif_.id}")
    assert [m.kind for m in messages(app)] == []
    after = soup(client.get(f"/staff/homework/enrolments/{enrolment.id}"))
    to_call = after.select_one(".app-call")
    assert "Elif Yılmaz" in to_call.get_text() and "Groep A" in to_call.get_text()
    overview = soup(client.get("/staff/homework/?status=accepted"))
    assert translated(app, "nl", "Call the parent") in overview.select_one("#children-table tbody").get_text()

    client.post(f"/staff/homework/children/{elif_.id}/called", data={})
    child = stored(app)[0].children[0]
    assert child.told_at is not None and child.status == "accepted"
    done = soup(client.get(f"/staff/homework/enrolments/{enrolment.id}")).select_one(".app-call")
    assert "Elif Yılmaz" not in done.get_text()
    assert [a for _, a in audit(app)] == ["enrolment.accepted", "enrolment.called"]


def test_staff_record_the_intake_talk(app, client, users):
    group_id = add_group(app)
    enrol(client, group_id)
    enrolment = stored(app)[0]
    login(client, *users["homework"])
    bad = soup(client.post(f"/staff/homework/enrolments/{enrolment.id}/intake",
                           data={"intake_on": "31/02/2027", "intake_time": "16:00"}))
    assert set(errors_by_field(bad)) == {"intake_on"}
    assert bad.find(id="intake_time")["value"] == "16:00"
    response = client.post(f"/staff/homework/enrolments/{enrolment.id}/intake",
                           data={"intake_on": "15/09/2026", "intake_time": "16:00"})
    assert response.status_code == 302
    saved = stored(app)[0]
    assert (saved.intake_on, saved.intake_time) == (dt.date(2026, 9, 15), dt.time(16, 0))
    assert soup(client.get(f"/staff/homework/enrolments/{enrolment.id}")).find(id="intake_on")["value"] == "2026-09-15"
    parent_page = soup(client.get(f"/tr/homework/enrolled/{enrolment.token}"))
    assert "16:00" in parent_page.select_one(".app-note").get_text()
    assert [a for _, a in audit(app)] == ["enrolment.intake"]


def test_the_printable_group_list(app, client, users):
    group_id = add_group(app, capacity=5)
    other_group = add_group(app, name="Groep B")
    enrol(client, group_id, photo_consent="y", submission="a")
    enrol(client, group_id, email="", submission="b", parent_name="Ivan Petrov", phone="0499 99 88 77",
          language="bg", **{"children-0-first_name": "Maria", "children-0-last_name": "Petrova",
                            "children-1-first_name": "Georgi", "children-1-last_name": "Petrov"})
    first, second = stored(app)
    login(client, *users["homework"])
    decide(client, first.children[0].id, "accepted", group_id)
    decide(client, second.children[0].id, "accepted", group_id)
    decide(client, second.children[1].id, "waiting", group_id)
    decide(client, first.children[1].id, "accepted", other_group)

    response = client.get(f"/staff/homework/groups/{group_id}/list")
    page = soup(response)
    in_group, waiting = page.select("table.app-print-table")
    rows = [[td.get_text(" ", strip=True) for td in tr.select("td")] for tr in in_group.select("tbody tr")]
    assert [row[1] for row in rows] == ["Petrova , Maria", "Yılmaz , Elif"]
    assert rows[0][3:5] == ["Ivan Petrov", "0499 99 88 77"] and rows[1][3:5] == ["Ayşe Yılmaz", "0470 12 34 56"]
    assert rows[1][6] == translated(app, "nl", "Yes") and rows[0][6] == translated(app, "nl", "No")
    assert [td.get_text(" ", strip=True) for td in waiting.select("tbody tr td")][1] == "Petrov , Georgi"
    assert "Emir" not in page.get_text()  # in another group
    assert page.find_all("script") == []
    # Printed without the menus: the print rules hide them.
    stylesheet = page.find("link", href=lambda href: href and re.search(r"/enrolment\.[0-9a-f]{12}\.css$", href))
    with client.get(stylesheet["href"]) as response:
        css = response.get_data(as_text=True)
    assert "@media print" in css and ".app-no-print" in css
    assert page.select_one(".app-no-print .app-subnav") is not None


def test_visitors_are_sent_to_the_login_page(app, client):
    group_id = add_group(app)
    enrol(client, group_id)
    enrolment = stored(app)[0]
    child_id = enrolment.children[0].id
    for method, path in [
        ("GET", "/staff/homework/"), ("GET", "/tr/staff/homework/"), ("GET", "/staff/homework/groups/new"),
        ("POST", "/staff/homework/groups/new"), ("GET", f"/staff/homework/groups/{group_id}/edit"),
        ("GET", f"/staff/homework/groups/{group_id}/list"), ("GET", f"/staff/homework/enrolments/{enrolment.id}"),
        ("POST", f"/staff/homework/children/{child_id}/decide"),
        ("POST", f"/staff/homework/children/{child_id}/called"),
        ("POST", f"/staff/homework/enrolments/{enrolment.id}/intake"),
    ]:
        response = client.open(path, method=method, data={f"child{child_id}-decision": "declined"})
        assert response.status_code == 302, path
        assert "/staff/login" in response.headers["Location"], path
    assert stored(app)[0].children[0].status == "new"


# --- retention -------------------------------------------------------------------------------------


def test_the_school_year_and_the_day_its_data_go():
    assert school_year_of(dt.date(2026, 8, 31)) == "2025-2026"
    assert school_year_of(dt.date(2026, 9, 1)) == "2026-2027"
    assert erase_on("2026-2027", 3) == dt.date(2027, 11, 30)  # as the privacy guide says
    assert erase_on("2026-2027", 0) == dt.date(2027, 8, 31)


def test_purge_erases_enrolments_after_their_school_year_with_their_e_mails(app, client, runner):
    old_group = add_group(app, school_year="2025-2026")
    new_group = add_group(app, name="Groep B", school_year="2026-2027")
    enrol(client, old_group, submission="old")
    enrol(client, new_group, submission="new", email="other@example.be")
    old, new = stored(app)
    assert (old.school_year, new.school_year) == ("2025-2026", "2026-2027")
    with app.app_context():
        # A message about something else (a sign-up) with the same number must stay.
        db.session.add(OutboxMessage(message_id="<x@test>", recipient="x@example.be", subject="s", body="b",
                                     language="nl", kind="signup_confirmed", subject_type="signup",
                                     subject_id=old.id))
        db.session.commit()

    result = runner.invoke(args=["purge-expired", "--today", "2026-11-29"])
    assert result.exit_code == 0, result.output
    assert "enrolments: 0 erased" in result.output
    assert len(stored(app)) == 2

    result = runner.invoke(args=["purge-expired", "--today", "2026-11-30"])
    assert result.exit_code == 0, result.output
    assert "enrolments: 1 erased" in result.output
    assert [e.reference for e in stored(app)] == [new.reference]
    with app.app_context():
        # What went, for the audit log: the school year, the children, the e-mails about them.
        entry = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "enrolment.purge")).one()
        assert entry.summary == "1 enrolments, 2 children, 1 e-mails (2025-2026)"
        assert db.session.scalar(select(func.count()).select_from(EnrolledChild)) == 2
        assert db.session.scalar(select(func.count()).select_from(preferred_group)) == 1  # the kept child's
        left = [(m.subject_type, m.subject_id) for m in db.session.scalars(select(OutboxMessage))]
        assert sorted(left) == sorted([("enrolment", new.id), ("signup", old.id)])
        # The groups hold no personal data and stay; the audit log says what went, without names.
        assert db.session.scalar(select(func.count()).select_from(HomeworkGroup)) == 2
        entry = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "enrolment.purge")).one()
        assert entry.actor_email == "system" and "Yılmaz" not in entry.summary
    assert client.get(f"/homework/enrolled/{old.token}").status_code == 404


def test_a_place_in_next_years_group_keeps_the_data_until_that_year_is_over(app, client, users):
    this_year = add_group(app, school_year="2025-2026")
    next_year = add_group(app, name="Groep B", school_year="2026-2027")
    enrol(client, this_year)
    enrolment = stored(app)[0]
    assert enrolment.school_year == "2025-2026"
    login(client, *users["homework"])
    decide(client, enrolment.children[0].id, "accepted", next_year)
    assert stored(app)[0].school_year == "2026-2027"
    assert app.test_cli_runner().invoke(args=["purge-expired", "--today", "2026-12-01"]).exit_code == 0
    assert len(stored(app)) == 1


# --- the guide -------------------------------------------------------------------------------------


def test_the_homework_guide_links_to_the_form_in_its_language(pages):
    from urllib.parse import urljoin, urlsplit

    for page in pages:
        if page.guide != "kinderen/huiswerkbegeleiding.md":
            continue
        targets = {urlsplit(urljoin("http://localhost" + page.url, a["href"])).path
                   for a in page.soup.select("article a[href]")}
        assert f"{prefix(page.language)}/homework/enrol" in targets, page


def test_forms_without_a_valid_csrf_token_change_nothing(live_app, users):
    live = live_app(WTF_CSRF_ENABLED=True)
    client = live.test_client()
    group_id = add_group(live)
    page = soup(client.post("/tr/homework/enrol", data=family(group_id)))
    summary = page.select_one(".app-error-summary")
    assert translated(live, "tr", "This form was open too long and has expired. Check your answers and send it "
                                  "again.") in summary.get_text()
    assert page.find(id="parent_name")["value"] == "Ayşe Yılmaz"  # nothing typed is lost
    assert stored(live) == []

    token = soup(client.get("/tr/homework/enrol")).find("input", attrs={"name": "csrf_token"})["value"]
    assert client.post("/tr/homework/enrol", data={**family(group_id), "csrf_token": token}).status_code == 302
    child = stored(live)[0].children[0]

    login_page = soup(client.get("/staff/login"))
    client.post("/staff/login", data={"csrf_token": login_page.find("input", attrs={"name": "csrf_token"})["value"],
                                      "email": users["homework"][0], "password": users["homework"][1]})
    page = soup(decide(client, child.id, "declined"))
    assert translated(live, "nl", "This form was open too long and has expired. Check your answers and send it "
                                  "again.") in page.select_one(f"#child-{child.id} .app-error-summary").get_text()
    assert client.post(f"/staff/homework/children/{child.id}/called", data={}).status_code == 302
    assert client.post(f"/staff/homework/enrolments/{child.enrolment_id}/intake",
                       data={"intake_on": "2026-12-01"}).status_code == 200
    assert client.post("/staff/homework/groups/new", data=GROUP_FORM).status_code == 200
    after = stored(live)[0]
    assert after.children[0].status == "new" and after.children[0].told_at is None and after.intake_on is None
    with live.app_context():
        assert db.session.scalar(select(func.count()).select_from(HomeworkGroup)) == 1


def test_a_form_without_a_submission_id_is_stored_as_its_own_enrolment(app, client):
    group_id = add_group(app)
    first = client.post("/homework/enrol", data=family(group_id, submission=""))
    second = client.post("/homework/enrol", data=family(group_id, submission="x" * 300,
                                                         parent_name="Fatma Kaya"))
    assert first.headers["Location"] != second.headers["Location"]
    assert sorted(e.parent_name for e in stored(app)) == ["Ayşe Yılmaz", "Fatma Kaya"]


def test_the_public_form_is_rate_limited(live_app):
    live = live_app(RATELIMIT_ENABLED=True)
    client = live.test_client()
    statuses = [client.post("/tr/homework/enrol", data={"action": "add"}).status_code for _ in range(32)]
    assert statuses == [200] * 30 + [429] * 2
    assert client.get("/tr/homework/enrol").status_code == 200  # reading stays possible
