"""Markup typed by staff or residents is shown as text in every message, never obeyed by the browser."""

from __future__ import annotations

from bs4 import BeautifulSoup
from flask_babel import lazy_gettext
from markupsafe import escape
from sqlalchemy import select

from conftest import login
from events.models import Event
from participation.enrolment.models import EnrolledChild
from participation.extensions import db
from test_enrolment import add_group, family
from test_staff import EVENT_FORM

# A refresh to another site: CSP does not stop it, so only escaping does. Without spaces, commas or
# semicolons, so that it survives the date field's splitting and stays one "date".
REFRESH = "<meta/http-equiv=refresh/content=0/url=http://evil.example/>"
GROUP_NAME = '<meta http-equiv=refresh content="0;url=http://evil.example/">Groep A'


def injected(response) -> list:
    """Every element the typed markup made: a meta refresh anywhere in the page."""
    page = BeautifulSoup(response.get_data(as_text=True), "html.parser")
    return page.find_all("meta", attrs={"http-equiv": True}) + page.find_all(
        "meta", attrs={"http-equiv=refresh": True})


def test_a_lazy_message_with_a_value_in_it_is_escaped_when_rendered(app):
    with app.test_request_context("/"):
        message = lazy_gettext("“%(group)s” is not for this school or year. Choose another group, "
                               "or “Any group is fine”.", group="<b>x</b>")
        assert "<b>" not in str(escape(message))
        assert "&lt;b&gt;x&lt;/b&gt;" in str(escape(message))


def test_a_group_named_with_markup_is_shown_as_text_in_the_parents_error(app, client):
    group = add_group(app, GROUP_NAME, school="stippestap", years=(1, 2))
    form = family(group, **{"children-0-grade": "5"})  # the group is for years 1 and 2 only
    response = client.post("/tr/homework/enrol", data=form)
    assert response.status_code == 200
    assert injected(response) == []
    error = BeautifulSoup(response.get_data(as_text=True), "html.parser").find(id="children-0-groups-error")
    assert "http-equiv=refresh" in error.get_text()  # shown as the text staff typed


def test_a_date_written_as_markup_is_shown_as_text_on_the_staff_event_form(app, client, users):
    login(client, *users["admin"])
    response = client.post("/staff/events/new", data={**EVENT_FORM, "skip_dates": REFRESH})
    assert response.status_code == 200
    assert injected(response) == []
    error = BeautifulSoup(response.get_data(as_text=True), "html.parser").find(id="skip_dates-error")
    assert "<meta/http-equiv=refresh" in error.get_text()
    with app.app_context():
        assert db.session.scalars(select(Event)).all() == []


def test_a_full_group_named_with_markup_is_shown_as_text_to_staff(app, client, users):
    group = add_group(app, GROUP_NAME, capacity=1)
    client.post("/homework/enrol", data=family(group, submission="form-1", email="a@example.be"))
    client.post("/homework/enrol", data=family(group, submission="form-2", email="b@example.be"))
    with app.app_context():
        first, second = (child.id for child in db.session.scalars(
            select(EnrolledChild).where(EnrolledChild.first_name == "Elif").order_by(EnrolledChild.id)))
    login(client, *users["admin"])
    for child in (first, second):
        response = client.post(f"/staff/homework/children/{child}/decide",
                               data={f"child{child}-decision": "accepted", f"child{child}-group": str(group)})
    assert response.status_code == 200  # the second child does not fit: the page says so
    assert injected(response) == []
    error = BeautifulSoup(response.get_data(as_text=True), "html.parser").find(id=f"child{second}-group-error")
    assert "http-equiv=refresh" in error.get_text()
