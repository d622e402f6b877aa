"""Roles that follow the work: every staff route with every role, the accounts page, what is audited."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from flask_babel import force_locale, gettext
from sqlalchemy import select, text

from conftest import login, set_up_two_step
from participation.errors import MESSAGES
from participation.extensions import db
from participation.models import AuditEntry, Role, StaffUser
from participation.roles import ANY_STAFF, PUBLIC, ROUTE_ROLES, is_staff_rule

README = Path(__file__).resolve().parent.parent / "README.md"
ROLES = tuple(role.value for role in Role)
ROLE_SETS = [("agenda",), ("homework",), ("feedback",), ("admin",), ("agenda", "homework"),
             ("feedback", "admin"), ROLES]
MISSING = 999999  # an id no row has: a POST gets past the role check, and then changes nothing


def soup(response) -> BeautifulSoup:
    return BeautifulSoup(response.get_data(as_text=True), "html.parser")


def translated(app, language: str, message) -> str:
    """A message as the interface shows it in `language` (so the tests hold once the catalogs are filled)."""
    with app.test_request_context("/"), force_locale(language):
        return gettext(str(message))


def staff_rules(app) -> list:
    return sorted((rule for rule in app.url_map.iter_rules() if is_staff_rule(rule.rule)), key=lambda r: r.rule)


def opens(endpoint: str, roles: tuple[str, ...] | None) -> bool:
    """What ROUTE_ROLES promises, read independently of the app's own check."""
    needed = ROUTE_ROLES[endpoint]
    if needed == PUBLIC:
        return True
    if roles is None:
        return False
    return needed == ANY_STAFF or bool(set(needed) & set(roles))


def add_account(app, roles, email=None) -> tuple[str, str]:
    """An active account holding `roles`; with two-step login set up when it is an administrator's."""
    email = email or "-".join(roles) + "@genk.example"
    with app.app_context():
        user = StaffUser(email=email, name="Collega " + " ".join(roles).title())
        user.set_roles(roles)
        user.set_password("role password 1")
        db.session.add(user)
        db.session.commit()
        if Role.ADMIN in roles:
            set_up_two_step(email)  # administrators must have it before any staff page opens
    return email, "role password 1"


def user_id(app, email: str) -> int:
    with app.app_context():
        return db.session.scalar(select(StaffUser.id).where(StaffUser.email == email))


def views(app) -> list[tuple[str, str, str, str, str]]:
    """(who, action, subject type, subject id, summary) of every look at a person's details."""
    with app.app_context():
        return [(e.actor_email, e.action, e.subject_type, e.subject_id, e.summary) for e in db.session.scalars(
            select(AuditEntry).where(AuditEntry.action.like("view.%")).order_by(AuditEntry.id))]


# --- the table ---------------------------------------------------------------------------------------


@pytest.fixture
def plain_app(tmp_path, monkeypatch):
    """The app without a database behind it, for its URL map."""
    from participation import create_app

    monkeypatch.setenv("INSTANCE_PATH", str(tmp_path))
    return create_app({"TESTING": True, "SECRET_KEY": "x", "SQLALCHEMY_DATABASE_URI": "sqlite://"})


def test_every_staff_endpoint_is_in_route_roles_and_nothing_else_is(plain_app):
    staff_endpoints = {rule.endpoint for rule in staff_rules(plain_app)}
    assert len(staff_endpoints) > 30
    # A new page under /staff/ must be given its roles in ROUTE_ROLES (and README's table).
    assert sorted(staff_endpoints - ROUTE_ROLES.keys()) == []
    assert sorted(ROUTE_ROLES.keys() - staff_endpoints) == []
    for needed in ROUTE_ROLES.values():
        assert needed in (PUBLIC, ANY_STAFF) or (needed and set(needed) <= set(ROLES))


def readme_table() -> dict[str, tuple[str, list[str]]]:
    """README's role × page table: endpoint -> (path, the four cells)."""
    section = README.read_text(encoding="utf-8").split("## Staff roles", 1)[1].split("\n## ", 1)[0]
    rows = {}
    for line in section.splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if len(cells) == 6 and cells[1].startswith("`"):
            rows[cells[1].strip("`")] = (cells[0].strip("`"), cells[2:])
    return rows


def test_readme_role_table_is_route_roles(plain_app):
    expected = {}
    for rule in staff_rules(plain_app):
        if rule.rule.startswith("/<"):
            continue  # the same page in Turkish or Bulgarian
        path = re.sub(r"<(?:[^:>]+:)?(\w+)>|<any\([^)]*\):(\w+)>", lambda m: f"<{m.group(1) or m.group(2)}>", rule.rule)
        needed = ROUTE_ROLES[rule.endpoint]
        cells = (["open"] * 4 if needed == PUBLIC else ["✓"] * 4 if needed == ANY_STAFF
                 else ["✓" if role in needed else "" for role in ROLES])
        expected[rule.endpoint] = (path, cells)
    assert readme_table() == expected


def test_a_staff_page_missing_from_the_table_is_refused_to_everyone(app, client, users):
    forgotten = lambda lang="nl": "the secret page"  # noqa: E731
    app.add_url_rule("/staff/forgotten", "forgotten", forgotten, defaults={"lang": "nl"})
    app.add_url_rule("/<any(tr, bg):lang>/staff/forgotten", "forgotten", forgotten)
    assert client.get("/staff/forgotten").status_code == 403
    login(client, *users["admin"])
    for path in ("/staff/forgotten", "/bg/staff/forgotten"):
        response = client.get(path)
        assert response.status_code == 403, path
        assert "the secret page" not in response.get_data(as_text=True)


# --- every route with every role -------------------------------------------------------------------


def test_every_staff_route_with_every_role_opens_exactly_as_route_roles_says(app):
    from participation.enrolment.models import EnrolledChild
    from participation.outbox import OutboxMessage
    from participation.signups.models import Signup
    from portal_pages import seed

    seeded = seed(app)
    with app.app_context():
        real = {"event_id": seeded.workshop, "group_id": seeded.group, "enrolment_id": seeded.enrolment,
                "feedback_id": seeded.feedback, "child_id": db.session.scalars(select(EnrolledChild.id)).first(),
                "signup_id": db.session.scalars(select(Signup.id)).first(),
                "message_id": db.session.scalars(select(OutboxMessage.id)).first(),
                "user_id": db.session.scalars(select(StaffUser.id)).first(), "change": "deactivate",
                "when": seeded.workshop_date}
    forbidden = {lang: translated(app, lang, MESSAGES[403][0]) for lang in ("nl", "tr", "bg")}
    rules = staff_rules(app)
    assert any(rule.rule.startswith("/<") for rule in rules)  # the Turkish and Bulgarian pages are walked too
    for roles in [None, *ROLE_SETS]:
        client = app.test_client()
        account = add_account(app, roles) if roles else None
        if account:
            assert login(client, *account).status_code == 302
        for rule in rules:
            method = "GET" if "GET" in rule.methods else "POST"
            # A GET shows real rows (the page is built); a POST names no row, so nothing changes.
            values = {**real, "lang": "tr"} if method == "GET" else {**{k: MISSING for k in real},
                                                                    "change": "deactivate", "lang": "tr"}
            path = re.sub(r"<any\([^)]*\):(\w+)>|<(?:[^:>]+:)?(\w+)>",
                          lambda m: str(values[m.group(1) or m.group(2)]), rule.rule)
            response = client.get(path) if method == "GET" else client.post(path, data={})
            language = "tr" if path.startswith("/tr/") else "nl"
            where = f"{method} {path} as {roles}"
            if opens(rule.endpoint, roles):
                assert response.status_code != 403 and response.status_code < 500, where
            elif roles is None:
                assert response.status_code == 302, where
                assert "/staff/login" in response.headers["Location"], where
            else:
                assert response.status_code == 403, where
                page = soup(response)
                assert page.find("html")["lang"] == language, where
                assert page.find("h1").get_text(strip=True) == forbidden[language], where
            if rule.endpoint == "auth.logout" and account:
                login(client, *account)


def test_the_staff_menu_shows_only_what_the_roles_open(app, client, users):
    def menu(path: str) -> list[str]:
        return [a["href"] for a in soup(client.get(path)).select_one("nav.app-subnav").select("a")]

    login(client, *users["homework"])
    assert client.get("/staff/").headers["Location"].endswith("/staff/homework/")  # straight to their work
    assert menu("/staff/homework/") == ["/staff/homework/", "/staff/password", "/staff/two-step"]
    client.post("/staff/logout")

    login(client, *users["staff"])  # agenda
    assert menu("/staff/") == ["/staff/", "/staff/events/new", "/staff/password", "/staff/two-step"]
    client.post("/staff/logout")

    both = add_account(app, ("feedback", "admin"))
    login(client, *both)
    assert client.get("/tr/staff/").headers["Location"].endswith("/tr/staff/feedback/")
    assert menu("/tr/staff/feedback/") == ["/tr/staff/feedback/", "/tr/staff/accounts/", "/tr/staff/privacy/",
                                           "/tr/staff/outbox/", "/tr/staff/audit/", "/tr/staff/password",
                                           "/tr/staff/two-step"]


# --- the accounts page --------------------------------------------------------------------------------


def roles_of(app, email: str) -> set[str]:
    with app.app_context():
        return set(db.session.scalars(select(StaffUser).where(StaffUser.email == email)).one().roles)


def test_an_administrator_gives_each_account_its_roles(app, client, users):
    login(client, *users["admin"])
    page = soup(client.post("/staff/accounts/", data={"name": "Nieuw", "email": "nieuw@genk.example"}))
    assert page.select_one("#roles-error").get_text(" ", strip=True).endswith(
        translated(app, "nl", "Choose at least one role"))
    assert page.select_one('.app-error-summary a[href="#roles"]') is not None
    assert user_id(app, "nieuw@genk.example") is None

    client.post("/staff/accounts/", data={"name": "Nieuw", "email": "nieuw@genk.example",
                                          "roles": ["agenda", "feedback"]})
    assert roles_of(app, "nieuw@genk.example") == {"agenda", "feedback"}

    staff = user_id(app, "staff@genk.example")
    page = soup(client.get("/staff/accounts/"))
    assert [box["value"] for box in page.select(f'input[name="user{staff}-roles"][checked]')] == ["agenda"]
    response = client.post(f"/staff/accounts/{staff}/roles", data={f"user{staff}-roles": ["homework", "agenda"]})
    assert response.status_code == 302
    assert roles_of(app, "staff@genk.example") == {"agenda", "homework"}

    # No role at all: refused, with the error next to that account's checkboxes.
    page = soup(client.post(f"/staff/accounts/{staff}/roles", data={}))
    assert page.select_one(f"#user{staff}-roles-error").get_text(" ", strip=True).endswith(
        translated(app, "nl", "Choose at least one role"))
    assert page.select_one(f'.app-error-summary a[href="#user{staff}-roles"]') is not None
    assert roles_of(app, "staff@genk.example") == {"agenda", "homework"}

    # An administrator keeps their own admin role (and may change the others).
    admin = user_id(app, "admin@genk.example")
    page = soup(client.post(f"/staff/accounts/{admin}/roles", data={f"user{admin}-roles": ["agenda"]}))
    assert page.select_one(f"#user{admin}-roles-error").get_text(" ", strip=True).endswith(
        translated(app, "nl", "You cannot take away your own administrator role."))
    assert roles_of(app, "admin@genk.example") == set(ROLES)
    client.post(f"/staff/accounts/{admin}/roles", data={f"user{admin}-roles": ["admin", "feedback"]})
    assert roles_of(app, "admin@genk.example") == {"admin", "feedback"}
    assert client.get("/staff/events/new").status_code == 403  # the roles count from the next request on

    with app.app_context():
        changes = [(e.actor_email, e.action, e.subject_id, e.summary) for e in db.session.scalars(
            select(AuditEntry).where(AuditEntry.action.like("account.%")).order_by(AuditEntry.id))]
    assert changes == [
        ("admin@genk.example", "account.create", str(user_id(app, "nieuw@genk.example")),
         "nieuw@genk.example (agenda, feedback)"),
        ("admin@genk.example", "account.roles", str(staff), "agenda → agenda, homework"),
        ("admin@genk.example", "account.roles", str(admin), "admin, agenda, feedback, homework → admin, feedback"),
    ]

    client.post("/staff/logout")
    login(client, *users["staff"])
    assert client.get("/staff/homework/").status_code == 200
    assert client.post(f"/staff/accounts/{staff}/roles", data={f"user{staff}-roles": ["admin"]}).status_code == 403
    assert roles_of(app, "staff@genk.example") == {"agenda", "homework"}


def test_only_colleagues_with_the_feedback_role_can_be_given_a_message(app, client, users):
    from test_feedback import add_feedback

    feedback = add_feedback(app)
    login(client, *users["feedback"])
    page = soup(client.get(f"/staff/feedback/{feedback}"))
    offered = {option.get_text(strip=True) for option in page.select("#assign-assignee option[value!='']")}
    assert offered == {"Ayşe Admin", "Filip Peeters"}
    response = client.post(f"/staff/feedback/{feedback}/assign",
                           data={"assign-assignee": str(user_id(app, "staff@genk.example"))})
    assert soup(response).select_one("#assign-assignee-error") is not None


# --- looking at a person's details is audited -----------------------------------------------------------


def test_opening_a_childs_or_a_residents_details_is_audited_without_the_data(app, client, users):
    from participation.enrolment.models import EnrolledChild, Enrolment
    from test_agenda import add_event
    from test_enrolment import add_group, enrol
    from test_feedback import form_data as feedback_form, jpeg_with_gps, send_with_photo, stored, upload
    from test_signups import form_data as signup_form

    event = add_event(app, category="activity", capacity=10)
    client.post(f"/agenda/{event}/signup", data=signup_form(name="Mira Peeters", email="mira@example.be",
                                                             phone="0470 12 12 12"))
    group = add_group(app, school_year="2026-2027")
    enrol(client, group, email="ouder@example.be")
    send_with_photo(client, "/feedback/", {**feedback_form(wants_answer="y", contact_name="Elif Kaya",
                                                           contact_email="elif@example.be", answer_language="tr"),
                                           "photo": upload(jpeg_with_gps(), "foto.jpg")})
    feedback = stored(app)[0]
    with app.app_context():
        enrolment = db.session.scalars(select(Enrolment)).one()
        children = len(db.session.scalars(select(EnrolledChild)).all())
        reference = enrolment.reference

    who = "admin@genk.example"
    login(client, *users["admin"])
    for path in [f"/staff/events/{event}/signups", f"/staff/events/{event}/attendance",
                 f"/staff/events/{event}/signups.csv", "/staff/homework/", f"/staff/homework/groups/{group}/list",
                 f"/staff/homework/enrolments/{enrolment.id}", f"/staff/feedback/{feedback.id}",
                 f"/staff/feedback/{feedback.id}/photo"]:
        assert client.get(path).status_code == 200, path
    assert client.post("/staff/privacy/", data={"email": "mira@example.be"}).status_code == 200
    assert client.get("/staff/feedback/").status_code == 200  # the list shows no contact: not a look at anyone

    assert views(app) == [
        (who, "view.signup_list", "Event", str(event), "1 sign-ups"),
        (who, "view.attendance", "Event", str(event), "1 sign-ups"),
        (who, "view.homework_children", "EnrolledChild", "", f"{children} children"),
        (who, "view.group_list", "HomeworkGroup", str(group), "0 children"),
        (who, "view.enrolment", "Enrolment", str(enrolment.id), reference),
        (who, "view.feedback", "Feedback", str(feedback.id), feedback.reference),
        (who, "view.feedback_photo", "Feedback", str(feedback.id), ""),
    ]
    with app.app_context():
        entries = db.session.scalars(select(AuditEntry)).all()
        assert {e.action for e in entries} >= {"signup.export", "privacy.search"}
        everything = " ".join(f"{e.subject_type} {e.subject_id} {e.summary}" for e in entries)
    for personal in ["Mira", "mira@example.be", "470", "Elif", "elif@example.be", "ouder@example.be", "Yılmaz"]:
        assert personal not in everything


def test_a_refused_page_records_no_look(app, client, users):
    from test_feedback import add_feedback

    feedback = add_feedback(app)
    login(client, *users["staff"])  # agenda only
    assert client.get(f"/staff/feedback/{feedback}").status_code == 403
    assert views(app) == []


# --- the migration --------------------------------------------------------------------------------------


def test_the_migration_gives_old_accounts_roles_and_takes_them_back(app):
    from flask_migrate import downgrade, upgrade

    with app.app_context():
        downgrade(revision="a10e5ec00003")
        db.session.execute(text(
            "INSERT INTO staff_user (email, name, password_hash, role, active, created_at) VALUES "
            "('a@genk.example', 'A', 'x', 'admin', :yes, CURRENT_TIMESTAMP), "
            "('s@genk.example', 'S', 'x', 'staff', :yes, CURRENT_TIMESTAMP)"), {"yes": True})
        db.session.execute(text(
            "INSERT INTO audit_entry (at, actor_id, actor_email, action, subject_type, subject_id, summary) "
            "SELECT CURRENT_TIMESTAMP, id, email, 'event.create', 'Event', '1', '' FROM staff_user"))
        db.session.commit()
        upgrade()
        rows = db.session.execute(text(
            "SELECT u.email, r.role FROM staff_role r JOIN staff_user u ON u.id = r.user_id")).all()
        assert sorted(rows) == sorted([("a@genk.example", role) for role in ROLES] + [("s@genk.example", "agenda")])
        db.session.commit()
        db.session.execute(text("DELETE FROM staff_role WHERE role = 'agenda'"))  # a.: admin, homework, feedback
        db.session.execute(text("INSERT INTO staff_role (user_id, role) SELECT id, 'feedback' FROM staff_user "
                                "WHERE email = 's@genk.example'"))
        db.session.commit()
        downgrade(revision="a10e5ec00003")
        assert sorted(db.session.execute(text("SELECT email, role FROM staff_user")).all()) == [
            ("a@genk.example", "admin"), ("s@genk.example", "staff")]
        db.session.commit()
        upgrade()
        assert db.session.scalar(text("SELECT count(*) FROM staff_role")) == 5
        # Nothing that points at an account lost it on the way (a copied table would have cleared it).
        assert db.session.scalar(text("SELECT count(*) FROM audit_entry WHERE actor_id IS NOT NULL")) == 2
