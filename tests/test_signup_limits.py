"""One script must not fill an activity: the most people per sign-up, the robot trap, limits per activity,
and staff cancelling a batch of suspicious sign-ups at once."""

from __future__ import annotations

import multiprocessing
import os
import uuid

import pytest
import redis

from conftest import login
from db_helpers import rows
from participation.enrolment.models import Enrolment
from participation.extensions import db
from participation.feedback.models import Feedback
from participation.models import AuditEntry
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


def changes(app) -> list:
    """The audit entries of changes: no logins, no looks at lists (tests/test_roles.py has those)."""
    return rows(app, AuditEntry, AuditEntry.action.not_like("view.%"),
                AuditEntry.action.not_in(("login", "login_failed")))


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
    client = app.test_client()
    assert client.post(f"/agenda/{event_id}/signup", data=form_data()).status_code == 302
    with app.app_context():
        db.session.remove()
        downgrade(revision="a10e5ec00004")  # the event and its sign-up stay, without the column
        assert "max_people_per_signup" not in {c["name"] for c in inspect(db.engine).get_columns("event")}
        db.session.execute(text("UPDATE event SET capacity = 12"))
        db.session.commit()
        upgrade()
        stored = db.session.execute(text("SELECT capacity, max_people_per_signup FROM event WHERE id = :id"),
                                    {"id": event_id}).one()
    assert tuple(stored) == (12, 4)
    assert len(signups(app, event_id)) == 1


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


# --- limits per activity --------------------------------------------------------------------------

def _post(client, event_id: int, number: int, address: str, **overrides):
    """A sign-up by person `number` from the internet address `address`."""
    return client.post(f"/agenda/{event_id}/signup", environ_base={"REMOTE_ADDR": address},
                       data=form_data(**{"name": f"Persoon {number}", "phone": f"04701{number:05d}", "people": "1",
                                         **overrides}))


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_an_activity_takes_so_many_sign_ups_whoever_sends_them_then_429(live_app):
    live = live_app(RATELIMIT_ENABLED=True, SIGNUP_RATE_LIMIT_PER_ACTIVITY="3 per hour")
    client = live.test_client()
    event_id, other_id = add_activity(live, capacity=50), add_activity(live, capacity=50)
    # Forms sent back with an error, or caught by the robot trap, take nothing from the activity.
    assert _post(client, event_id, 1, "203.0.113.1", people="9").status_code == 200
    assert _post(client, event_id, 1, "203.0.113.1", website="x").status_code == 302
    # Three sign-ups from three addresses: none of them near the limit per address.
    assert [_post(client, event_id, n, f"198.51.100.{n}").status_code for n in (1, 2, 3)] == [302] * 3
    refused = _post(client, event_id, 4, "192.0.2.4")
    assert refused.status_code == 429 and refused.headers["Retry-After"]
    page = soup(refused)
    assert page.find("html")["lang"] == "nl"
    assert "deze activiteit" in page.select_one("main, body").get_text()  # its own message: the activity is busy
    assert len(signups(live, event_id)) == 3
    # The count is per activity: another one still takes sign-ups, from the same address too.
    assert _post(client, other_id, 4, "192.0.2.4").status_code == 302
    assert client.get(f"/tr/agenda/{event_id}/signup").status_code == 200  # the form itself is not limited
    assert _post(client, event_id, 5, "192.0.2.5").status_code == 429  # nor does another language get around it


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_the_limit_per_address_still_holds_under_the_limit_per_activity(live_app):
    live = live_app(RATELIMIT_ENABLED=True, SIGNUP_RATE_LIMIT_PER_ACTIVITY="100 per hour")
    client = live.test_client()
    event_id = add_activity(live, capacity=50)
    statuses = [_post(client, event_id, n, "203.0.113.9").status_code for n in range(11)]
    assert statuses == [302] * 10 + [429]


def _sign_up_in_another_process(database_url, site_dir, instance, redis_url, prefix, posts, results):
    """An app process of its own, counting in the shared Redis, sending `posts` (event, person, address)."""
    from participation import create_app

    os.environ["INSTANCE_PATH"] = instance
    app = create_app({"TESTING": True, "SECRET_KEY": "x", "SQLALCHEMY_DATABASE_URI": database_url,
                      "SITE_DIR": site_dir, "WTF_CSRF_ENABLED": False, "RATELIMIT_ENABLED": True,
                      "RATELIMIT_STORAGE_URI": redis_url, "RATELIMIT_KEY_PREFIX": prefix,
                      "SIGNUP_RATE_LIMIT_PER_ACTIVITY": "3 per hour"})
    client = app.test_client()
    results.put([_post(client, event_id, number, address).status_code for event_id, number, address in posts])
    with app.app_context():
        db.engine.dispose()


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_the_limit_per_activity_is_shared_by_app_processes_through_redis(app, database_url, site, tmp_path,
                                                                          redis_url):
    event_id, other_id = add_activity(app, capacity=50), add_activity(app, capacity=50)
    prefix = f"test-{uuid.uuid4().hex[:12]}"  # parallel test runs share the Redis server
    context = multiprocessing.get_context("spawn")
    answers, keys = [], []
    client = redis.Redis.from_url(redis_url)
    try:
        for posts in ([(event_id, 1, "198.51.100.1"), (event_id, 2, "198.51.100.2")],
                      [(event_id, 3, "198.51.100.3"), (event_id, 4, "198.51.100.4"), (other_id, 5, "198.51.100.5")]):
            results = context.Queue()
            process = context.Process(target=_sign_up_in_another_process, args=(
                database_url, str(site), str(tmp_path / "instance"), redis_url, prefix, posts, results))
            process.start()
            answers.append(results.get(timeout=60))
            process.join(timeout=30)
        keys = [key.decode() for key in client.scan_iter(f"*/{prefix}/*")]
    finally:
        for key in client.scan_iter(f"*/{prefix}/*"):
            client.delete(key)
        client.close()
    # The second process knows of the first one's two sign-ups: one more, then 429; another activity is free.
    assert answers == [[302, 302], [302, 429, 302]]
    assert len(signups(app, event_id)) == 3
    # One count per activity, apart from the counts per address.
    assert any(f"/event-{event_id}/signups-per-activity/" in key for key in keys)
    assert any(f"/event-{other_id}/signups-per-activity/" in key for key in keys)


# --- staff cancel a batch -------------------------------------------------------------------------

def _full_activity_with_a_script_in_it(app, client) -> dict[str, int]:
    """Four places: a family and two sign-ups of a script hold them; the script waits once more between two families."""
    event_id = add_activity(app, capacity=4)
    people = [("Familie A", "2", "a@example.be", "nl"), ("Bot 1", "1", "bot1@example.com", "nl"),
              ("Bot 2", "1", "bot2@example.com", "nl"), ("Familie W", "2", "w@example.be", "bg"),
              ("Bot 3", "1", "bot3@example.com", "nl"), ("Familie V", "1", "v@example.be", "tr")]
    for number, (name, count, email, language) in enumerate(people):
        assert client.post(f"/agenda/{event_id}/signup", data=form_data(
            name=name, people=count, email=email, language=language, phone=f"047020000{number}")).status_code == 302
    stored = {s.name: s for s in signups(app, event_id)}
    assert [stored[n].status for n in ("Familie A", "Bot 1", "Bot 2", "Familie W", "Bot 3", "Familie V")] == [
        "confirmed", "confirmed", "confirmed", "waiting", "waiting", "waiting"]
    return {"event": event_id, **{name: s.id for name, s in stored.items()}}


def test_staff_cancel_a_batch_after_confirming_and_the_waiting_list_moves_up_and_is_told(app, client, users):
    ids = _full_activity_with_a_script_in_it(app, client)
    event_id = ids["event"]
    login(client, *users["staff"])
    page = soup(client.get(f"/staff/events/{event_id}/signups"))
    batch = page.find("form", id="batch-cancel")
    assert batch["method"] == "post"
    boxes = page.select("input[type=checkbox][name=signup][form=batch-cancel]")
    assert len(boxes) == 6 and all(page.find("label", attrs={"for": box["id"]}) for box in boxes)
    sent_before = len(rows(app, OutboxMessage))

    ticked = [str(ids[n]) for n in ("Bot 1", "Bot 2", "Bot 3")]
    confirm = client.post(batch["action"], data={"signup": ticked})
    assert confirm.status_code == 200
    confirm_page = soup(confirm)
    assert {row.td.get_text() for row in confirm_page.select("tbody tr")} == {
        s.reference for s in signups(app, event_id) if s.name.startswith("Bot")}
    assert sorted(i["value"] for i in confirm_page.select("form input[name=signup]")) == sorted(ticked)
    assert [s.status for s in signups(app, event_id)].count("cancelled") == 0  # nothing yet: it asks first

    done = client.post(batch["action"], data={"signup": ticked, "confirmed": "yes"})
    assert done.status_code == 302 and done.headers["Location"].endswith(f"/staff/events/{event_id}/signups")
    statuses = {s.name: s.status for s in signups(app, event_id)}
    # Two places came free: the family of two moves up; Bot 3 was not moved up first, only to be cancelled.
    assert statuses == {"Familie A": "confirmed", "Bot 1": "cancelled", "Bot 2": "cancelled",
                        "Familie W": "confirmed", "Bot 3": "cancelled", "Familie V": "waiting"}
    queued = [(m.kind, m.recipient, m.language) for m in rows(app, OutboxMessage)[sent_before:]]
    assert sorted(queued) == [("signup_cancelled", "bot1@example.com", "nl"), ("signup_cancelled", "bot2@example.com", "nl"),
                              ("signup_cancelled", "bot3@example.com", "nl"), ("signup_promoted", "w@example.be", "bg")]
    entries = [(e.action, e.subject_id) for e in changes(app)]
    assert sorted(entries) == sorted([("signup.cancel", str(ids["Bot 1"])), ("signup.cancel", str(ids["Bot 2"])),
                                      ("signup.cancel", str(ids["Bot 3"])), ("signup.promote", str(ids["Familie W"]))])
    assert all(e.actor_email == users["staff"][0] for e in changes(app))


def test_a_batch_with_nothing_ticked_or_of_another_activity_cancels_nothing(app, client, users):
    ids = _full_activity_with_a_script_in_it(app, client)
    other = add_activity(app)
    login(client, *users["staff"])
    for event_id, data in ((ids["event"], {}), (ids["event"], {"signup": ["abc", "-1", "²", "9" * 40, *map(str, range(100000, 140000))]}),
                           (other, {"signup": [str(ids["Bot 1"])], "confirmed": "yes"})):
        response = client.post(f"/staff/events/{event_id}/signups/cancel", data=data)
        assert response.status_code == 200
        page = soup(response)
        assert page.find(id="signup-error") is not None
        assert page.select_one(".app-error-summary a[href='#signup']") is not None
    assert "cancelled" not in {s.status for s in signups(app, ids["event"])}
    assert changes(app) == []


def test_the_cancellations_their_e_mails_and_audit_entries_are_stored_together_or_not_at_all(app, client, users,
                                                                                             monkeypatch):
    from participation import audit

    ids = _full_activity_with_a_script_in_it(app, client)
    sent_before = len(rows(app, OutboxMessage))
    login(client, *users["staff"])
    real = audit.record

    def failing(action, subject, summary=""):
        if action == "signup.promote":
            raise RuntimeError("the audit log is away")
        return real(action, subject, summary)

    monkeypatch.setattr(audit, "record", failing)
    with pytest.raises(RuntimeError):
        client.post(f"/staff/events/{ids['event']}/signups/cancel",
                    data={"signup": [str(ids["Bot 1"]), str(ids["Bot 2"])], "confirmed": "yes"})
    assert "cancelled" not in {s.status for s in signups(app, ids["event"])}
    assert len(rows(app, OutboxMessage)) == sent_before and changes(app) == []


def test_cancelling_one_sign_up_stores_its_audit_entries_with_it(app, client, users, monkeypatch):
    from participation import audit

    ids = _full_activity_with_a_script_in_it(app, client)
    login(client, *users["staff"])
    real = audit.record
    monkeypatch.setattr(audit, "record", lambda action, subject, summary="": (
        (_ for _ in ()).throw(RuntimeError("away")) if action == "signup.promote" else real(action, subject, summary)))
    with pytest.raises(RuntimeError):
        client.post(f"/staff/signups/{ids['Familie A']}/cancel", data={})
    assert "cancelled" not in {s.status for s in signups(app, ids["event"])}
