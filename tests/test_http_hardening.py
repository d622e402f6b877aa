"""What every answer says about itself: caching of private pages, hosts, methods, policies, files on disk."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import re
import stat
from pathlib import Path

import pytest
from bs4 import BeautifulSoup

from conftest import _close, login, make_app
from test_signups import add_activity, form_data, signups


def test_staff_pages_csv_exports_and_private_links_are_never_stored_by_a_cache(app, client, users):
    event_id = add_activity(app)
    signed_up = client.post(f"/agenda/{event_id}/signup", data=form_data())
    private = signed_up.headers["Location"]
    assert "no-store" in client.get(private).headers["Cache-Control"]
    assert "no-store" in client.get("/staff/login").headers["Cache-Control"]
    login(client, *users["admin"])
    for path in ("/staff/", "/staff/accounts/", f"/staff/events/{event_id}/signups",
                 f"/staff/events/{event_id}/signups.csv", "/tr/staff/"):
        response = client.get(path)
        assert response.status_code == 200, path
        assert "no-store" in response.headers["Cache-Control"], path
    # A public page may be kept as before.
    assert "no-store" not in client.get("/agenda/").headers.get("Cache-Control", "")


def test_a_sign_ups_private_page_is_no_store_in_every_language(app, client):
    event_id = add_activity(app)
    client.post(f"/agenda/{event_id}/signup", data=form_data())
    token = signups(app, event_id)[0].token
    for prefix in ("", "/tr", "/bg"):
        assert "no-store" in client.get(f"{prefix}/signup/{token}/").headers["Cache-Control"]


def test_an_unknown_host_is_refused_and_never_ends_up_in_a_redirect(app, client):
    response = client.get("/agenda", headers={"Host": "evil.example"})
    assert response.status_code == 400
    assert "evil.example" not in response.headers.get("Location", "")
    assert client.get("/agenda", headers={"Host": "wijkpunt.example"}).status_code == 308


def test_a_method_not_allowed_says_which_are(app, client):
    response = client.delete("/agenda/")
    assert response.status_code == 405
    assert set(response.headers["Allow"].replace(" ", "").split(",")) >= {"GET", "HEAD"}
    assert BeautifulSoup(response.get_data(as_text=True), "html.parser").html["lang"] == "nl"


def test_the_guides_run_only_their_own_inline_scripts(app, client):
    page = client.get("/")
    html = page.get_data(as_text=True)
    page.close()
    policy = page.headers["Content-Security-Policy"]
    scripts = re.search(r"script-src ([^;]+)", policy).group(1).split()
    assert "'unsafe-inline'" not in scripts
    inline = [tag.string or "" for tag in BeautifulSoup(html, "html.parser").find_all("script")
              if not tag.get("src")]
    assert inline, "the built page has inline scripts to allow"
    for body in inline:
        digest = base64.b64encode(hashlib.sha256(body.encode()).digest()).decode()
        assert f"'sha256-{digest}'" in scripts
    assert "'unsafe-inline'" not in re.search(r"script-src ([^;]+)", client.get("/agenda/").headers[
        "Content-Security-Policy"]).group(1)


def test_a_compressed_copy_that_leads_outside_the_site_is_not_served(tmp_path, database_url):
    site = tmp_path / "site"
    site.mkdir()
    (site / "index.html").write_text("<!doctype html><title>Wijkpunt</title><p>De gids.</p>")
    secret = tmp_path / "secret.txt"
    secret.write_text("not part of the site")
    (site / "index.html.gz").symlink_to(secret)
    app = make_app(database_url, site, tmp_path)
    try:
        with app.test_client().get("/", headers={"Accept-Encoding": "gzip"}) as response:
            response.get_data()
        assert response.status_code == 200
        assert "Content-Encoding" not in response.headers
        assert b"De gids." in response.data and b"not part of the site" not in response.data
    finally:
        _close(app)


def test_the_sqlite_file_is_readable_by_its_owner_only(tmp_path, site):
    database = tmp_path / "wijkpunt.sqlite3"
    app = make_app(f"sqlite:///{database}", site, tmp_path)
    try:
        assert stat.S_IMODE(database.stat().st_mode) == 0o600
    finally:
        _close(app)


def test_security_txt_says_where_to_report_a_vulnerability(tmp_path, site):
    app = make_app("sqlite://", site, tmp_path, SECURITY_CONTACT="mailto:security@genk.example")
    try:
        response = app.test_client().get("/.well-known/security.txt")
    finally:
        _close(app)
    assert response.status_code == 200 and response.mimetype == "text/plain"
    fields = dict(line.split(": ", 1) for line in response.get_data(as_text=True).splitlines())
    assert fields["Contact"] == "mailto:security@genk.example"
    assert fields["Canonical"] == "https://wijkpunt.example/.well-known/security.txt"
    expires = dt.datetime.fromisoformat(fields["Expires"])
    assert dt.timedelta(days=30) < expires - dt.datetime.now(dt.UTC) < dt.timedelta(days=365)


@pytest.mark.parametrize("logged", [
    "/signup/Ab3dEf6hIj9kLm2oPq5sTu8wXy1zAb3d/", "/tr/feedback/Ab3dEf6hIj9kLm2oPq5sTu8wXy1zAb3d/",
    "/bg/homework/enrolled/Ab3dEf6hIj9kLm2oPq5sTu8wXy1zAb3d"])
def test_the_access_log_names_the_route_of_a_private_link_not_its_token(logged):
    from participation.gunicorn_config import without_tokens

    assert "Ab3dEf6hIj9kLm2oPq5sTu8wXy1zAb3d" not in without_tokens(f'"GET {logged} HTTP/1.1" 404')
    assert "<token>" in without_tokens(logged)
    assert without_tokens("/feedback/thanks/") == "/feedback/thanks/"
