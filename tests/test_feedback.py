"""Residents send questions, ideas, complaints and reports in three languages; staff triage, answer and count them."""

from __future__ import annotations

import csv
import datetime as dt
import io
import uuid

import pytest
from bs4 import BeautifulSoup
from flask_babel import force_locale, gettext
from PIL import Image
from sqlalchemy import select
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from conftest import login
from db_helpers import rows
from participation.extensions import db
from participation.feedback.forms import known_streets
from participation.feedback.models import Feedback, FeedbackNote, FeedbackPhoto
from participation.models import AuditEntry, StaffUser
from participation.outbox import OutboxMessage

LANGUAGES = ("nl", "tr", "bg")
STREETS = ["Stalenstraat", "Hoevenzavellaan", "André Dumontlaan", "Jef Ulburghsstraat", "Binnenlaan"]
MESSAGES = {
    "nl": "Er ligt al twee weken afval naast de glasbak.",
    "tr": "Cam kumbarasının yanında iki haftadır çöp var.",
    "bg": "От две седмици до контейнера за стъкло има боклук.",
}


def soup(response) -> BeautifulSoup:
    return BeautifulSoup(response.get_data(as_text=True), "html.parser")


def typed(page: BeautifulSoup, field_id: str) -> str:
    """What a text area shows: a browser drops the newline that starts its content."""
    return page.find(id=field_id).get_text().removeprefix("\r\n").removeprefix("\n")


def prefix(language: str) -> str:
    return "" if language == "nl" else f"/{language}"


def translated(app, language: str, message: str, **values) -> str:
    """A message as the interface shows it in `language` (so the tests hold once the catalogs are filled)."""
    with app.test_request_context("/"), force_locale(language):
        return gettext(message, **values)


def form_data(**overrides) -> dict:
    """The form as a resident fills it in, anonymously."""
    data = {"kind": "problem", "category": "waste", "message": MESSAGES["nl"], "street": "stalenstraat ",
            "website": "", "submission_id": uuid.uuid4().hex}
    data.update(overrides)
    return data


def stored(app) -> list[Feedback]:
    return rows(app, Feedback)


def outbox(app) -> list[OutboxMessage]:
    return rows(app, OutboxMessage)


def audit(app) -> list[tuple[str, str, str]]:
    with app.app_context():
        return [(e.actor_email, e.action, e.summary)
                for e in db.session.scalars(select(AuditEntry).order_by(AuditEntry.id))
                if e.action not in ("login", "login_failed") and not e.action.startswith("view.")]  # logins, views: own tests


def photo_bytes(app, feedback_id: int) -> tuple[str, bytes]:
    with app.app_context():
        photo = db.session.scalar(select(FeedbackPhoto).where(FeedbackPhoto.feedback_id == feedback_id))
        return photo.content_type, photo.data


def jpeg_with_gps(size=(3000, 1500)) -> bytes:
    """A camera photo: EXIF with the maker, the orientation (turn 90°) and the GPS position of Waterschei."""
    image = Image.new("RGB", size, (180, 40, 40))
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    exif[0x0112] = 6  # Orientation: the camera was held upright
    gps = exif.get_ifd(0x8825)
    gps.update({1: "N", 2: (50.0, 59.0, 30.0), 3: "E", 4: (5.0, 30.0, 15.0)})
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", exif=exif)
    data = buffer.getvalue()
    assert Image.open(io.BytesIO(data)).getexif().get_ifd(0x8825)  # the GPS position is really in there
    return data


def upload(data: bytes, filename: str, content_type: str = "image/jpeg") -> FileStorage:
    return FileStorage(io.BytesIO(data), filename=filename, content_type=content_type)


def send_with_photo(client, path: str, data: dict):
    """POST the form as a browser does with a file, encoded in memory (the test client's own temporary
    file for a large body would be left open)."""
    boundary, body = encode_multipart(data)
    return client.post(path, data=body, content_type=f"multipart/form-data; boundary={boundary}")


def add_feedback(app, **values) -> int:
    """A message straight into the database, e.g. received in another month."""
    fields = {"submission_id": uuid.uuid4().hex, "kind": "problem", "category": "waste", "message": "Afval.",
              "language": "nl"}
    fields.update(values)
    with app.app_context():
        feedback = Feedback(**fields)
        db.session.add(feedback)
        db.session.commit()
        return feedback.id


# --- residents -----------------------------------------------------------------------------------


@pytest.mark.parametrize("language", LANGUAGES)
def test_an_anonymous_report_in_each_language_and_the_answer_on_the_private_page(app, client, users, language):
    page = soup(client.get(f"{prefix(language)}/feedback/"))
    assert page.find("html")["lang"] == language
    assert [option["value"] for option in page.select("datalist#streets option")] == STREETS
    assert page.find(id="street")["list"] == "streets"
    assert page.find("input", attrs={"name": "answer_language", "value": language}).has_attr("checked")
    assert page.find("form", class_="app-form")["enctype"] == "multipart/form-data"
    assert page.find(id="photo")["accept"] == "image/jpeg,image/png,image/webp"
    assert page.find("a", href=f"{prefix(language)}/privacy/")
    assert "112" in page.get_text() and "101" in page.get_text()

    # Contact details typed without ticking "I would like an answer" are not kept: anonymous means anonymous.
    response = client.post(f"{prefix(language)}/feedback/", data=form_data(
        message=MESSAGES[language], contact_name="Ayşe Yılmaz", contact_email="ayse@example.be",
        contact_phone="0470 12 34 56"))
    assert response.status_code == 302
    feedback = stored(app)[0]
    assert response.headers["Location"] == f"{prefix(language)}/feedback/{feedback.token}/?new=1"
    assert (feedback.language, feedback.kind, feedback.category, feedback.message, feedback.street) == (
        language, "problem", "waste", MESSAGES[language], "Stalenstraat")
    assert (feedback.wants_answer, feedback.contact_name, feedback.contact_email, feedback.contact_phone,
            feedback.answer_language, feedback.status) == (False, "", "", "", "", "new")
    assert outbox(app) == []

    confirmation = client.get(response.headers["Location"])
    assert confirmation.headers["Cache-Control"] == "private, no-store"
    assert confirmation.headers["X-Robots-Tag"] == "noindex"
    page = soup(confirmation)
    assert page.find("html")["lang"] == language
    assert page.select_one(".app-reference").get_text() == feedback.reference
    assert page.select_one(".app-copy code").get_text() == (
        f"https://wijkpunt.example{prefix(language)}/feedback/{feedback.token}/")
    text = page.get_text(" ")
    assert "112" in text and "101" in text and MESSAGES[language] in text
    assert "ayse@example.be" not in text

    login(client, *users["feedback"])
    staff_page = soup(client.get(f"/staff/feedback/{feedback.id}"))
    assert translated(app, "nl", "This message is anonymous. An answer appears only on the resident's private "
                                 "page.") in staff_page.get_text()
    client.post(f"/staff/feedback/{feedback.id}/answer", data={"answer-text": "Het afval wordt maandag opgehaald."})
    assert outbox(app) == []  # nobody to write to
    page = soup(client.get(f"{prefix(language)}/feedback/{feedback.token}/"))
    assert "Het afval wordt maandag opgehaald." in page.select_one(".app-answer").get_text()
    assert page.select_one(".app-tag").get_text() == translated(app, language, "Answered")


@pytest.mark.parametrize("language, name", [("nl", "Jan Peeters"), ("tr", "Ayşe Yılmaz"), ("bg", "Мария Иванова")])
def test_a_resident_who_wants_an_answer_gets_it_by_e_mail_in_their_language(app, client, users, language, name):
    response = client.post(f"{prefix(language)}/feedback/", data=form_data(
        kind="question", category="housing", message=MESSAGES[language], street="Mijn eigen straat 12",
        wants_answer="y", contact_name=f" {name} ", contact_email="bewoner@example.be", contact_phone="",
        answer_language=language))
    assert response.status_code == 302
    feedback = stored(app)[0]
    assert (feedback.wants_answer, feedback.contact_name, feedback.contact_email, feedback.answer_language,
            feedback.street) == (True, name, "bewoner@example.be", language, "Mijn eigen straat 12")
    received = outbox(app)[0]
    assert (received.kind, received.recipient, received.language) == ("feedback_received", "bewoner@example.be",
                                                                      language)
    assert received.subject == f"{translated(app, language, 'We received your message')} ({feedback.reference})"
    assert f"https://wijkpunt.example{prefix(language)}/feedback/{feedback.token}/" in received.body
    page = soup(client.get(response.headers["Location"]))
    assert "bewoner@example.be" in page.get_text()

    login(client, *users["feedback"])
    response = client.post(f"/staff/feedback/{feedback.id}/answer",
                           data={"answer-text": "Bedankt. De woonconsulent belt u deze week."})
    assert response.status_code == 302
    answered = [m for m in outbox(app) if m.kind == "feedback_answered"]
    assert [(m.recipient, m.language) for m in answered] == [("bewoner@example.be", language)]
    assert answered[0].subject == f"{translated(app, language, 'Our answer to your message')} ({feedback.reference})"
    assert "Bedankt. De woonconsulent belt u deze week." in answered[0].body
    assert translated(app, language, "Hello %(name)s,", name=name) in answered[0].body
    assert f"{prefix(language)}/feedback/{feedback.token}/" in answered[0].body
    # The same answer saved again (a double click) is not sent again.
    client.post(f"/staff/feedback/{feedback.id}/answer",
                data={"answer-text": "Bedankt. De woonconsulent belt u deze week."})
    assert len([m for m in outbox(app) if m.kind == "feedback_answered"]) == 1


def test_the_answer_goes_out_in_the_language_the_resident_chose(app, client, users):
    client.post("/tr/feedback/", data=form_data(wants_answer="y", contact_name="Elif", contact_email="e@example.be",
                                                answer_language="nl"))
    feedback = stored(app)[0]
    assert (feedback.language, feedback.answer_language) == ("tr", "nl")
    assert [(m.kind, m.language) for m in outbox(app)] == [("feedback_received", "nl")]
    assert f"https://wijkpunt.example/feedback/{feedback.token}/" in outbox(app)[0].body


def test_a_resident_with_only_a_phone_is_called_in_their_language(app, client, users):
    client.post("/bg/feedback/", data=form_data(wants_answer="y", contact_name="Мария Иванова",
                                                contact_phone="0470 11 22 33", answer_language="bg"))
    feedback = stored(app)[0]
    assert (feedback.contact_phone, feedback.contact_email) == ("+32470112233", "")
    assert outbox(app) == []
    login(client, *users["feedback"])
    page = soup(client.get(f"/staff/feedback/{feedback.id}"))
    call = page.select_one(".app-call")
    assert call.find("h2").get_text() == translated(app, "nl", "Call the resident")
    assert "Мария Иванова" in call.get_text() and "0470 11 22 33" in call.get_text()
    assert translated(app, "nl", "Bulgarian") in call.get_text()
    response = client.post(f"/staff/feedback/{feedback.id}/answer", data={"answer-text": "Wij bellen u."})
    assert outbox(app) == []
    flash = soup(client.get(response.headers["Location"])).select_one(".app-flash").get_text()
    assert flash == translated(app, "nl", "The answer is saved. Call the resident to tell them: see above.")


def test_every_error_is_shown_next_to_its_field_and_the_input_is_kept(app, client):
    response = client.post("/tr/feedback/", data=form_data(
        kind="", category="", message="", street="Hoevenzavellaan", wants_answer="y", contact_name="",
        contact_email="geen-adres", contact_phone="12"))
    page = soup(response)
    errors = {p["id"].removesuffix("-error") for p in page.select(".app-error")}
    assert errors == {"kind", "category", "message", "contact_name", "contact_email", "contact_phone"}
    for field_id in ("message", "contact_name", "contact_email", "contact_phone"):
        field = page.find(id=field_id)
        assert field["aria-invalid"] == "true" and f"{field_id}-error" in field["aria-describedby"]
    assert {a["href"] for a in page.select(".app-error-summary a")} == {f"#{f}" for f in errors}
    assert page.find(id="street")["value"] == "Hoevenzavellaan"
    assert page.find(id="contact_email")["value"] == "geen-adres"
    assert page.find(id="wants_answer").has_attr("checked")
    assert stored(app) == []

    # An answer wanted, but no way to reach the person: one message next to the e-mail field.
    page = soup(client.post("/feedback/", data=form_data(wants_answer="y", contact_name="Jan",
                                                         message="Graag antwoord")))
    assert [p["id"] for p in page.select(".app-error")] == ["contact_email-error"]
    assert typed(page, "message") == "Graag antwoord"

    too_long = "x" * 5001
    page = soup(client.post("/bg/feedback/", data=form_data(message=too_long, street="s" * 121)))
    assert {p["id"] for p in page.select(".app-error")} == {"message-error", "street-error"}
    assert typed(page, "message") == too_long
    assert page.find("html")["lang"] == "bg"
    assert stored(app) == []


def test_a_filled_in_robot_trap_looks_like_success_but_stores_nothing(app, client):
    page = soup(client.get("/feedback/"))
    trap = page.find(id="website")
    wrapper = trap.find_parent("div")
    assert wrapper["aria-hidden"] == "true" and "app-trap" in wrapper["class"]
    assert trap["tabindex"] == "-1" and trap["autocomplete"] == "off"
    assert page.find("label", attrs={"for": "website"}).get_text() == translated(app, "nl", "Leave this field empty")
    with client.get("/static/app/app.css") as response:  # the trap of every public form
        css = response.get_data(as_text=True)
    assert ".app-trap" in css and "left: -10000px" in css

    response = client.post("/tr/feedback/", data=form_data(website="https://cheap-pills.example",
                                                           wants_answer="y", contact_name="Bot",
                                                           contact_email="bot@example.com"))
    assert response.status_code == 302 and response.headers["Location"] == "/tr/feedback/thanks"
    thanks = soup(client.get(response.headers["Location"]))
    assert thanks.select_one(".app-reference") is None
    assert stored(app) == [] and outbox(app) == []


def test_sending_the_same_form_twice_stores_it_once(app, client):
    data = form_data(wants_answer="y", contact_name="Jan", contact_email="jan@example.be")
    first = client.post("/feedback/", data=data)
    second = client.post("/feedback/", data=data)
    assert first.headers["Location"] == second.headers["Location"]
    assert len(stored(app)) == 1 and len(outbox(app)) == 1
    # A form without a valid submission id is its own message, never somebody else's.
    client.post("/feedback/", data=form_data(submission_id=""))
    client.post("/feedback/", data=form_data(submission_id="x" * 300))
    assert len(stored(app)) == 3


def test_an_unknown_private_link_is_not_found(app, client):
    assert client.get("/feedback/no-such-token/").status_code == 404


# --- photos --------------------------------------------------------------------------------------


def test_a_photo_is_kept_without_its_gps_position_or_other_metadata(app, client, users):
    response = send_with_photo(client, "/feedback/", {**form_data(), "photo": upload(jpeg_with_gps(), "IMG_0001.jpg")})
    assert response.status_code == 302
    feedback = stored(app)[0]
    content_type, data = photo_bytes(app, feedback.id)
    assert content_type == "image/jpeg"
    image = Image.open(io.BytesIO(data))
    assert image.format == "JPEG"
    assert dict(image.getexif()) == {} and image.getexif().get_ifd(0x8825) == {}
    assert "exif" not in image.info and "icc_profile" not in image.info
    assert b"Exif" not in data and b"PhoneMaker" not in data
    # Turned upright as the camera meant, and made at most 2000 pixels on its long side.
    assert image.size == (1000, 2000)

    # The resident's page says a photo arrived but never shows it; staff see it.
    page = soup(client.get(f"/feedback/{feedback.token}/"))
    assert page.find("img") is None
    assert client.get(f"/staff/feedback/{feedback.id}/photo").status_code == 302  # visitors go to the login
    login(client, *users["feedback"])
    detail = soup(client.get(f"/staff/feedback/{feedback.id}"))
    img = detail.select_one(".app-photo img")
    assert img["src"] == f"/staff/feedback/{feedback.id}/photo" and img["alt"]
    served = client.get(img["src"])
    assert served.status_code == 200 and served.mimetype == "image/jpeg" and served.data == data
    assert served.headers["Cache-Control"] == "private, no-store"


def test_a_transparent_png_stays_a_png_and_a_webp_is_accepted(app, client):
    png = io.BytesIO()
    Image.new("RGBA", (40, 30), (0, 0, 0, 0)).save(png, format="PNG", pnginfo=None)
    webp = io.BytesIO()
    Image.new("RGB", (40, 30), (0, 90, 0)).save(webp, format="WEBP")
    send_with_photo(client, "/feedback/", {**form_data(), "photo": upload(png.getvalue(), "plan.png", "image/png")})
    send_with_photo(client, "/feedback/", {**form_data(), "photo": upload(webp.getvalue(), "x.webp", "image/webp")})
    first, second = stored(app)
    assert photo_bytes(app, first.id)[0] == "image/png"
    assert photo_bytes(app, second.id)[0] == "image/jpeg"


@pytest.mark.parametrize("content, filename", [
    (b"Dit is geen foto, maar een tekstbestand.\n", "foto.jpg"),
    (b"\xff\xd8\xff\xe0" + b"\x00" * 200, "kapot.jpg"),  # starts like a JPEG, but is not one
    (b"GIF89a\x01\x00\x01\x00\x00\x00\x00;", "animatie.jpg"),
])
def test_a_file_that_is_not_an_accepted_photo_is_refused_next_to_the_field(app, client, content, filename):
    response = send_with_photo(client, "/tr/feedback/", {**form_data(message="Mijn bericht blijft staan."),
                                                  "photo": upload(content, filename)})
    assert response.status_code == 200
    page = soup(response)
    assert [p["id"] for p in page.select(".app-error")] == ["photo-error"]
    assert page.select_one("#photo-error").get_text(" ", strip=True).endswith(translated(
        app, "tr", "This file is not a photo in JPEG, PNG or WebP format. Choose another file, and choose it again."))
    assert page.find(id="photo")["aria-invalid"] == "true"
    assert typed(page, "message") == "Mijn bericht blijft staan."
    assert stored(app) == []


def test_a_photo_over_the_size_limit_is_refused_next_to_the_field_with_the_text_kept(app, client):
    too_big = jpeg_with_gps() + b"\x00" * (5 * 1024 * 1024)
    response = send_with_photo(client, "/bg/feedback/", {**form_data(message=MESSAGES["bg"], street="Binnenlaan"),
                                                  "photo": upload(too_big, "big.jpg")})
    assert response.status_code == 200
    page = soup(response)
    assert page.select_one("#photo-error").get_text(" ", strip=True).endswith(translated(
        app, "bg", "The photo is larger than %(size)s MB. Choose a smaller photo, and choose it again.", size="5"))
    assert typed(page, "message") == MESSAGES["bg"]
    assert page.find(id="street")["value"] == "Binnenlaan"
    assert stored(app) == []


def test_a_request_too_large_to_read_still_gets_the_form_with_the_error_next_to_the_photo(live_app):
    live = live_app(MAX_CONTENT_LENGTH=50_000, FEEDBACK_PHOTO_MAX_BYTES=10_000)
    client = live.test_client()
    too_big = upload(b"\x00" * 100_000, "big.jpg")
    response = send_with_photo(client, "/tr/feedback/", {**form_data(), "photo": too_big})
    assert response.status_code == 413
    page = soup(response)
    assert page.find("html")["lang"] == "tr"
    assert page.select_one("#photo-error").get_text(" ", strip=True).startswith(
        translated(live, "tr", "Error:") + " " + translated(
            live, "tr", "The photo is larger than %(size)s MB. Choose a smaller photo, and choose it again.",
            size="0.00953674"))
    assert page.find("form", class_="app-form") is not None
    assert stored(live) == []


def test_an_image_with_too_many_pixels_is_refused(app, client):
    bomb = io.BytesIO()
    Image.new("1", (8000, 6000)).save(bomb, format="PNG")  # 48 megapixels in a few kilobytes
    photo = upload(bomb.getvalue(), "plan.png", "image/png")
    response = send_with_photo(client, "/feedback/", {**form_data(), "photo": photo})
    page = soup(response)
    assert page.select_one("#photo-error").get_text(" ", strip=True).endswith(translated(
        app, "nl", "The photo has too many pixels. Choose a smaller photo, and choose it again."))
    assert stored(app) == []


def test_a_good_photo_must_be_chosen_again_when_another_field_has_an_error(app, client):
    photo = upload(jpeg_with_gps((40, 30)), "a.jpg")
    response = send_with_photo(client, "/feedback/", {**form_data(message=""), "photo": photo})
    page = soup(response)
    assert [p["id"] for p in page.select(".app-error")] == ["message-error"]
    assert page.select_one("#photo-hint").get_text().startswith(translated(
        app, "nl", "Choose the photo again: a browser does not keep a chosen photo when the form is shown again."))


# --- staff ---------------------------------------------------------------------------------------


def test_staff_triage_a_message_from_new_to_closed(app, client, users):
    client.post("/tr/feedback/", data=form_data(wants_answer="y", contact_name="Elif", contact_email="e@example.be",
                                                answer_language="tr"))
    feedback = stored(app)[0]
    login(client, *users["feedback"])
    listing = soup(client.get("/staff/feedback/"))
    link = listing.select_one(f'#feedback-table a[href="/staff/feedback/{feedback.id}"]')
    assert link.get_text() == feedback.reference
    assert listing.select_one('.app-subnav a[aria-current="page"]')["href"] == "/staff/feedback/"

    detail = f"/staff/feedback/{feedback.id}"
    assert client.post(f"{detail}/status", data={"status-status": "in-progress"}).status_code == 302
    with app.app_context():
        admin_id = db.session.scalar(select(StaffUser.id).where(StaffUser.email == "admin@genk.example"))
    assert client.post(f"{detail}/assign", data={"assign-assignee": str(admin_id)}).status_code == 302
    assert client.post(f"{detail}/notes", data={"note-text": "Woonconsulent ingelicht."}).status_code == 302

    # "Answered" needs an answer first; a status that does not exist is refused too.
    page = soup(client.post(f"{detail}/status", data={"status-status": "answered"}))
    assert page.select_one("#status-status-error").get_text(" ", strip=True).endswith(translated(
        app, "nl", "Write an answer below first: the resident sees it on their page."))
    assert soup(client.post(f"{detail}/status", data={"status-status": "lost"})).select_one("#status-status-error")
    assert soup(client.post(f"{detail}/notes", data={"note-text": " "})).select_one("#note-text-error")
    assert soup(client.post(f"{detail}/answer", data={"answer-text": ""})).select_one("#answer-text-error")
    assert soup(client.post(f"{detail}/assign", data={"assign-assignee": "999"})).select_one("#assign-assignee-error")

    client.post(f"{detail}/answer", data={"answer-text": "Teşekkürler, bakıyoruz."})
    after = stored(app)[0]
    assert (after.status, after.assignee_id, after.public_answer) == ("answered", admin_id, "Teşekkürler, bakıyoruz.")
    assert after.answered_at is not None and after.closed_at is None
    client.post(f"{detail}/status", data={"status-status": "closed"})
    assert stored(app)[0].closed_at is not None
    client.post(f"{detail}/status", data={"status-status": "in-progress"})  # reopened: the retention clock stops
    assert stored(app)[0].closed_at is None
    client.post(f"{detail}/status", data={"status-status": "closed"})

    page = soup(client.get(detail))
    assert "Woonconsulent ingelicht." in page.select_one(".app-notes").get_text()
    assert "Filip Peeters" in page.select_one(".app-notes").get_text()
    assert page.find("select", id="assign-assignee").find("option", selected=True)["value"] == str(admin_id)
    assert page.find("input", attrs={"name": "status-status", "value": "closed"}).has_attr("checked")
    # The resident sees the answer and the status, never the internal notes.
    status_page = soup(client.get(f"/tr/feedback/{after.token}/")).get_text()
    assert "Teşekkürler, bakıyoruz." in status_page and "Woonconsulent" not in status_page

    ref = feedback.reference
    assert audit(app) == [
        ("feedback@genk.example", "feedback.status", f"{ref}: new → in-progress"),
        ("feedback@genk.example", "feedback.assign", f"{ref}: admin@genk.example"),
        ("feedback@genk.example", "feedback.note", ref),
        ("feedback@genk.example", "feedback.answer", ref),
        ("feedback@genk.example", "feedback.status", f"{ref}: answered → closed"),
        ("feedback@genk.example", "feedback.status", f"{ref}: closed → in-progress"),
        ("feedback@genk.example", "feedback.status", f"{ref}: in-progress → closed"),
    ]
    with app.app_context():
        assert db.session.scalar(select(FeedbackNote.author_id)) is not None


def test_staff_filter_by_status_topic_street_and_language(app, client, users):
    a = add_feedback(app, category="waste", street="Stalenstraat", language="tr")
    b = add_feedback(app, category="housing", street="Binnenlaan", language="bg", status="closed")
    c = add_feedback(app, category="waste", street="Binnenlaan", language="nl", status="in-progress")
    d = add_feedback(app, category="safety", street="", language="bg")
    login(client, *users["feedback"])

    def shown(query: str) -> set[int]:
        page = soup(client.get(f"/staff/feedback/{query}"))
        return {int(link["href"].rsplit("/", 1)[1]) for link in page.select("#feedback-table tbody a")}

    assert shown("") == {a, b, c, d}
    assert shown("?category=waste") == {a, c}
    assert shown("?street=Binnenlaan") == {b, c}
    assert shown("?language=bg") == {b, d}
    assert shown("?status=new") == {a, d}
    assert shown("?category=waste&street=Binnenlaan&status=in-progress&language=nl") == {c}
    assert shown("?category=no-such-thing") == {a, b, c, d}  # an unknown value filters nothing
    page = soup(client.get("/tr/staff/feedback/?street=Binnenlaan"))
    assert page.find("select", id="street").find("option", selected=True)["value"] == "Binnenlaan"
    assert page.find("html")["lang"] == "tr"
    assert soup(client.get("/staff/feedback/?status=answered")).select_one("#feedback-table") is None


def test_the_report_counts_per_topic_and_month_as_a_table_a_chart_and_csv(app, client, users):
    for month, day, category in [(1, 10, "waste"), (1, 20, "waste"), (1, 21, "housing"), (3, 5, "safety"),
                                 (12, 31, "nuisance")]:
        add_feedback(app, category=category, created_at=dt.datetime(2026, month, day, 12))
    # 23:30 UTC on 31 January is already 1 February in Brussels; 23:30 UTC on 31 December 2025 is 2026.
    add_feedback(app, category="waste", created_at=dt.datetime(2026, 1, 31, 23, 30))
    add_feedback(app, category="other", created_at=dt.datetime(2025, 12, 31, 23, 30))
    add_feedback(app, category="waste", created_at=dt.datetime(2025, 6, 1, 12))  # another year
    add_feedback(app, category="=HYPERLINK(\"x\")", created_at=dt.datetime(2026, 5, 1, 12))  # not from our form
    login(client, *users["feedback"])

    page = soup(client.get("/staff/feedback/report?year=2026"))
    table = page.select_one("#report-table")
    rows = {row.find("th").get_text(): [cell.get_text(strip=True) for cell in row.find_all("td")]
            for row in table.select("tbody tr, tfoot tr")}
    assert rows[translated(app, "nl", "Waste and litter")] == ["2", "1"] + ["0"] * 10 + ["3"]
    assert rows[translated(app, "nl", "Housing")][0] == "1"
    assert rows[translated(app, "nl", "Safety")][2] == "1"
    assert rows[translated(app, "nl", "Noise and nuisance")][11] == "1"
    assert rows[translated(app, "nl", "Something else")][0] == "1"
    assert rows[translated(app, "nl", "Total")] == ["4", "1", "1", "0", "1", "0", "0", "0", "0", "0", "0", "1", "8"]
    assert len(table.select("thead th")) == 14  # topic, twelve months, total
    charts = page.select(".app-chart svg")
    assert len(charts) == 2 and all(svg["role"] == "img" for svg in charts)
    description = page.find(id=charts[0]["aria-labelledby"].split()[1]).get_text()
    assert f"{translated(app, 'nl', 'Waste and litter')}: 3" in description
    assert page.find_all("script") == [] and page.find_all(style=True) == []

    response = client.get("/staff/feedback/report.csv?year=2026")
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert response.headers["Content-Disposition"] == 'attachment; filename="feedback-2026.csv"'
    text = response.get_data(as_text=True)
    assert text.startswith("\ufeff")
    lines = list(csv.reader(io.StringIO(text.lstrip("\ufeff")), delimiter=";"))
    assert lines[0][0] == translated(app, "nl", "Topic") and len(lines[0]) == 14
    by_topic = {line[0]: line[1:] for line in lines[1:]}
    assert by_topic[translated(app, "nl", "Waste and litter")] == ["2", "1"] + ["0"] * 10 + ["3"]
    assert by_topic[translated(app, "nl", "Total")][-1] == "8"
    assert "'=HYPERLINK(\"x\")" in by_topic  # never a formula in the spreadsheet

    previous = soup(client.get("/staff/feedback/report?year=2025"))
    assert previous.select_one("#report-table tfoot td:last-child").get_text(strip=True) == "1"
    assert [o["value"] for o in previous.select("#year option")][-1] == "2025"


def test_visitors_are_sent_to_the_login_page(app, client):
    client.post("/feedback/", data=form_data())
    feedback_id = stored(app)[0].id
    for method, path in [
        ("GET", "/staff/feedback/"), ("GET", "/tr/staff/feedback/"), ("GET", f"/staff/feedback/{feedback_id}"),
        ("POST", f"/staff/feedback/{feedback_id}/status"), ("POST", f"/staff/feedback/{feedback_id}/assign"),
        ("POST", f"/staff/feedback/{feedback_id}/notes"), ("POST", f"/staff/feedback/{feedback_id}/answer"),
        ("GET", f"/staff/feedback/{feedback_id}/photo"), ("GET", "/staff/feedback/report"),
        ("GET", "/staff/feedback/report.csv"),
    ]:
        response = client.open(path, method=method, data={"status-status": "closed", "answer-text": "x"})
        assert response.status_code == 302, path
        assert "/staff/login" in response.headers["Location"], path
    assert stored(app)[0].status == "new" and stored(app)[0].public_answer == ""
    assert audit(app) == []


def test_the_streets_offered_are_only_those_in_the_data_file():
    assert list(known_streets()) == STREETS


# --- abuse -----------------------------------------------------------------------------------------


def test_the_public_form_is_rate_limited(live_app):
    live = live_app(RATELIMIT_ENABLED=True)
    client = live.test_client()
    statuses = [client.post("/tr/feedback/", data=form_data(message="")).status_code for _ in range(6)]
    assert statuses == [200] * 5 + [429]
    assert client.get("/tr/feedback/").status_code == 200  # reading stays possible


def test_a_form_without_a_valid_csrf_token_stores_nothing_and_keeps_the_text(live_app):
    live = live_app(WTF_CSRF_ENABLED=True)
    client = live.test_client()
    page = soup(client.post("/tr/feedback/", data=form_data(message=MESSAGES["tr"])))
    assert translated(live, "tr", "This form was open too long and has expired. Check your answers and send it "
                                  "again.") in page.select_one(".app-error-summary").get_text()
    assert typed(page, "message") == MESSAGES["tr"]
    assert stored(live) == []
    token = page.find("input", attrs={"name": "csrf_token"})["value"]
    assert client.post("/tr/feedback/", data={**form_data(), "csrf_token": token}).status_code == 302
    assert len(stored(live)) == 1
