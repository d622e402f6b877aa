"""One script must not fill an activity: the most people per sign-up, the robot trap, limits per activity,
and staff cancelling a batch of suspicious sign-ups at once."""

from __future__ import annotations

import pytest

from conftest import login
from db_helpers import rows
from participation.enrolment.models import Enrolment
from participation.feedback.models import Feedback
from participation.outbox import OutboxMessage
from participation.signups.models import Signup
from test_enrolment import add_group, family
from test_feedback import form_data as feedback_form
from test_signups import add_activity, form_data, signups, soup
from test_staff import EVENT_FORM, the_event


# --- the most people per sign-up ------------------------------------------------------------------

def test_one_sign_up_brings_at_most_the_activitys_number_of_people(app, client):
    event_id = add_activity(app, capacity=20)  # the default: at most 4 people per sign-up
    page = soup(client.get(f"/agenda/{event_id}/signup"))
    assert page.find(id="people")["max"] == "4"
    assert "4" in page.find(id="people-hint").get_text()

    response = client.post(f"/agenda/{event_id}/signup", data=form_data(name="Script", people="10",
                                                                         email="x@example.be"))
    assert response.status_code == 200
    page = soup(response)
    error = page.find(id="people-error")
    assert error is not None and "4" in error.get_text()
    assert page.find(id="people")["aria-invalid"] == "true"
    assert page.select_one(".app-error-summary a[href='#people']") is not None
    # Nothing typed is lost.
    assert (page.find(id="people")["value"], page.find(id="name")["value"], page.find(id="email")["value"]) == (
        "10", "Script", "x@example.be")
    assert signups(app, event_id) == []

    assert client.post(f"/agenda/{event_id}/signup", data=form_data(people="4")).status_code == 302
    assert [s.people for s in signups(app, event_id)] == [4]


def test_staff_set_the_most_people_per_sign_up_and_the_public_form_follows(app, client, users):
    login(client, *users["staff"])
    response = client.post("/staff/events/new", data={**EVENT_FORM, "repeats": "", "capacity": "30",
                                                      "max_people_per_signup": "2"})
    assert response.status_code == 302
    event = the_event(app)
    assert event.max_people_per_signup == 2
    edit = soup(client.get(f"/staff/events/{event.id}/edit"))
    assert edit.find(id="max_people_per_signup")["value"] == "2"

    bad = client.post(f"/staff/events/{event.id}/edit", data={**EVENT_FORM, "repeats": "", "capacity": "30",
                                                              "max_people_per_signup": "0"})
    assert soup(bad).find(id="max_people_per_signup-error") is not None
    assert the_event(app).max_people_per_signup == 2

    client.post(f"/staff/events/{event.id}/publish", data={})
    page = soup(client.get(f"/agenda/{event.id}/signup"))
    assert page.find(id="people")["max"] == "2"
    assert soup(client.post(f"/agenda/{event.id}/signup", data=form_data(people="3"))).find(id="people-error")
    assert client.post(f"/agenda/{event.id}/signup", data=form_data(people="2")).status_code == 302


def test_staff_taking_a_sign_up_by_phone_may_go_above_the_limit(app, client, users):
    event_id = add_activity(app, capacity=20)
    login(client, *users["staff"])
    response = client.post(f"/staff/events/{event_id}/signups", data=form_data(people="8"))
    assert response.status_code == 302
    assert [(s.people, s.source) for s in signups(app, event_id)] == [(8, "staff")]


def test_an_activity_with_fewer_places_than_the_limit_offers_only_its_places(app, client):
    event_id = add_activity(app, capacity=2)
    assert soup(client.get(f"/agenda/{event_id}/signup")).find(id="people")["max"] == "2"
    assert soup(client.post(f"/agenda/{event_id}/signup", data=form_data(people="3"))).find(id="people-error")
    assert signups(app, event_id) == []


def test_events_stored_before_the_migration_get_the_default_and_it_goes_back_down(app):
    from flask_migrate import downgrade, upgrade
    from sqlalchemy import inspect, text

    from participation.extensions import db

    event_id = add_activity(app)
    with app.app_context():
        db.session.remove()
        downgrade(revision="a10e5ec00004")  # the event stays, without the column
        assert "max_people_per_signup" not in {c["name"] for c in inspect(db.engine).get_columns("event")}
        db.session.execute(text("UPDATE event SET capacity = 12"))
        db.session.commit()
        upgrade()
        stored = db.session.execute(text("SELECT capacity, max_people_per_signup FROM event WHERE id = :id"),
                                    {"id": event_id}).one()
    assert tuple(stored) == (12, 4)


# --- the robot trap -------------------------------------------------------------------------------

def _public_form(app, kind: str) -> tuple[str, dict, type]:
    """The address of a public form, what a person fills in, and the table it stores into."""
    if kind == "signup":
        return f"/tr/agenda/{add_activity(app)}/signup", form_data(email="bot@example.com"), Signup
    if kind == "enrolment":
        return "/tr/homework/enrol", family(add_group(app)), Enrolment
    return "/tr/feedback/", feedback_form(wants_answer="y", contact_name="Bot", contact_email="bot@example.com"), \
        Feedback


@pytest.mark.parametrize("kind", ["signup", "enrolment", "feedback"])
def test_every_public_form_has_the_same_hidden_robot_trap_and_a_filled_one_stores_nothing(app, client, kind):
    path, data, model = _public_form(app, kind)
    page = soup(client.get(path))
    trap = page.find(id="website")
    wrapper = trap.find_parent("div")
    # Hidden without JavaScript (off the screen by app.css), from screen readers, and from the keyboard.
    assert wrapper["aria-hidden"] == "true" and "app-trap" in wrapper["class"]
    assert trap["tabindex"] == "-1" and trap["autocomplete"] == "off" and trap["name"] == "website"
    assert page.find("label", attrs={"for": "website"}) is not None
    assert page.select_one("link[href^='/static/app/app.']") is not None
    with client.get("/static/app/app.css") as response:
        assert ".app-trap {" in response.get_data(as_text=True)

    response = client.post(path, data={**data, "website": "https://cheap-pills.example"})
    assert response.status_code == 302
    assert rows(app, model) == [] and rows(app, OutboxMessage) == []
    # The same form without the trap filled in is stored: the trap is what stopped it.
    assert client.post(path, data=data).status_code == 302
    assert len(rows(app, model)) == 1
