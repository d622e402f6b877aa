"""A person is found, exported and erased by phone however the number was typed, with every e-mail."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select, text

from conftest import login
from events.models import Event, utcnow
from participation.enrolment.models import Enrolment
from participation.extensions import db
from participation.feedback.models import Feedback
from participation.outbox import OutboxMessage
from participation.phone import normalise_phone, phone_label
from participation.signups.models import Signup
from test_enrolment import add_group, enrol
from test_feedback import form_data as feedback_form
from test_privacy import everything_stored, exported
from test_signups import add_activity, form_data

STORED_AS = "0470 12 12 12"
TYPED = ["0470 12 12 12", "0470121212", "+32 470 12 12 12", "0032 470 12 12 12", "0470/12.12.12", "+32470121212"]


@pytest.mark.parametrize("typed", TYPED + ["0470-12 12 12"])
def test_every_way_of_typing_a_belgian_number_gives_one_form(typed):
    assert normalise_phone(typed) == "+32470121212"
    assert phone_label(normalise_phone(typed)) == "0470 12 12 12"


def test_foreign_and_land_line_numbers():
    assert normalise_phone("+359 88 123 4567") == "+359881234567" == normalise_phone("00359 88 123 4567")
    assert phone_label("+359881234567") == "+359881234567"
    assert phone_label(normalise_phone("089 36 79 40")) == "089 36 79 40"
    assert normalise_phone("") == normalise_phone("  ") == ""


def _store(kind: str, app, client) -> None:
    """One phone-only record of `kind`, sent through its public form as a resident does."""
    if kind == "signups":
        event_id = add_activity(app)
        response = client.post(f"/agenda/{event_id}/signup", data=form_data(phone=STORED_AS, email=""))
        assert response.status_code == 302
    elif kind == "enrolments":
        enrol(client, add_group(app), email="", phone=STORED_AS)
    else:
        response = client.post("/feedback/", data=feedback_form(
            wants_answer="y", contact_name="Ayşe", contact_email="", contact_phone=STORED_AS, answer_language="tr"))
        assert response.status_code == 302


def _count(page: str, kind: str) -> int:
    from bs4 import BeautifulSoup

    found = dict(li.get_text(strip=True).split(": ") for li in BeautifulSoup(page, "html.parser").select(".app-found li"))
    return int(found.get(kind, 0))


MODELS = {"signups": Signup, "enrolments": Enrolment, "feedback": Feedback}


@pytest.mark.parametrize("kind", MODELS)
@pytest.mark.parametrize("typed", TYPED)
def test_a_phone_only_record_is_found_exported_and_erased_by_any_form_of_the_number(app, client, users, kind, typed):
    _store(kind, app, client)
    login(client, *users["admin"])
    assert _count(client.post("/staff/privacy/", data={"email": "", "phone": typed}).get_data(as_text=True), kind) == 1
    export = exported(client.post("/staff/privacy/export", data={"email": "", "phone": typed}))[0]
    assert len(export[kind]) == 1
    client.post("/staff/privacy/erase", data={"email": "", "phone": typed, "confirm": "y"})
    with app.app_context():
        assert db.session.scalars(select(MODELS[kind])).all() == []
    assert "470121212" not in everything_stored(app)


def test_erasing_by_phone_takes_every_e_mail_about_the_person_and_queues_none_to_them(app, client, users):
    event_id = add_activity(app, capacity=2)
    # Ayşe signs up by phone and with an address a colleague later mistyped; the waiting family moves up.
    client.post(f"/agenda/{event_id}/signup", data=form_data(name="Ayşe Kaya", phone=STORED_AS,
                                                             email="ayse.old@example.be", people="2"))
    client.post(f"/agenda/{event_id}/signup", data=form_data(name="Waiting", phone="0470999999",
                                                             email="waiting@example.be", people="1"))
    login(client, *users["admin"])
    client.post("/staff/privacy/erase", data={"email": "", "phone": "0470121212", "confirm": "y"})
    with app.app_context():
        mail = db.session.execute(select(OutboxMessage.recipient, OutboxMessage.kind)
                                  .order_by(OutboxMessage.id)).all()
    assert [tuple(row) for row in mail] == [("waiting@example.be", "signup_waiting"),
                                             ("waiting@example.be", "signup_promoted")]
    assert "Ayşe Kaya" not in everything_stored(app) and "ayse.old" not in everything_stored(app)


def test_deleting_an_event_deletes_the_e_mails_about_its_sign_ups(app, client, users):
    event_id = add_activity(app)
    client.post(f"/agenda/{event_id}/signup", data=form_data(email="ayse@example.be"))
    other = add_activity(app, days_ahead=9)
    client.post(f"/agenda/{other}/signup", data=form_data(email="other@example.be", phone="0470999999"))
    login(client, *users["admin"])
    client.post(f"/staff/events/{event_id}/delete")
    with app.app_context():
        assert db.session.get(Event, event_id) is None
        assert db.session.scalars(select(OutboxMessage.recipient)).all() == ["other@example.be"]


def test_retention_erases_e_mail_in_every_state(app, runner):
    old = utcnow() - dt.timedelta(days=40)
    with app.app_context():
        for number, (sent, failed) in enumerate([(old, None), (None, old), (None, None), (utcnow(), None)]):
            db.session.add(OutboxMessage(message_id=f"<m{number}@x>", recipient=f"p{number}@example.be", subject="S",
                                         body="B", language="nl", kind="signup_confirmed",
                                         created_at=old if number < 3 else utcnow(), sent_at=sent, failed_at=failed))
        db.session.commit()
    result = runner.invoke(args=["purge-expired"])
    assert "e-mails: 3 erased" in result.output
    with app.app_context():
        assert db.session.scalars(select(OutboxMessage.recipient)).all() == ["p3@example.be"]


def test_the_migration_puts_numbers_stored_earlier_in_the_one_form(app, client):
    from flask_migrate import downgrade, upgrade

    for kind in MODELS:
        _store(kind, app, client)
    with app.app_context():
        # As the earlier code stored them: enrolments as typed, sign-ups and feedback as digits.
        db.session.execute(text("UPDATE enrolment SET phone = '0470 12 12 12'"))
        db.session.execute(text("UPDATE signup SET phone = '0470121212'"))
        db.session.execute(text("UPDATE feedback SET contact_phone = '0032470121212'"))
        db.session.commit()
        db.session.remove()
        downgrade(revision="a10e5ec00001")
        upgrade()
        stored = {table: db.session.execute(text(f"SELECT {column} FROM {table}")).scalars().all()
                  for table, column in [("enrolment", "phone"), ("signup", "phone"), ("feedback", "contact_phone")]}
    assert stored == {"enrolment": ["+32470121212"], "signup": ["+32470121212"], "feedback": ["+32470121212"]}
