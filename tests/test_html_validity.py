"""The Nu HTML Checker (vnu.jar, the W3C validator) over every guide, 404 page and app page.

One Java run reads the built site and the app pages saved from Flask's test client, in all three
languages; it must report no error. Its warnings are allowed (there are none today).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from conftest import _close
from portal_pages import NODE_MODULES, AppPage, app_pages, html_lang, login_pages, seeded_app, send_form, site_urls
from site_helpers import LANGUAGES, url_to_file

VNU = NODE_MODULES / "vnu-jar" / "build" / "dist" / "vnu.jar"
# A page the checker must reject: proof that it read the folder and that errors reach the test.
CANARY = "<!doctype html><html lang=nl><title>x</title><p><div>a block inside a paragraph</p>"


def _require_checker() -> None:
    """CI must have Java and vnu.jar; elsewhere their absence skips."""
    missing = [what for what, there in (("java", shutil.which("java")), (str(VNU), VNU.exists())) if not there]
    if missing:
        if os.environ.get("CI"):
            pytest.fail(f"missing: {', '.join(missing)} (.ci/run installs Java, npm ci installs vnu-jar)")
        pytest.skip(f"missing: {', '.join(missing)}")


def _file_name(language: str, page: AppPage) -> str:
    """A readable, unique file name for a saved app page."""
    return f"{language}--{re.sub(r'[^a-z0-9]+', '-', page.name.lower()).strip('-')}.html"


@pytest.fixture(scope="module")
def app_html(site, tmp_path_factory) -> Path:
    """Every app page in every language, as served, saved in one folder (with the canary)."""
    folder = tmp_path_factory.mktemp("app-pages")
    app, seeded = seeded_app(site, folder)
    try:
        client = app.test_client()
        pages = app_pages(seeded)
        wrong: list[str] = []
        out = folder / "html"
        out.mkdir()
        for language in LANGUAGES:
            logged_in = False
            for page in pages:
                if page.staff and not logged_in:
                    for step in login_pages(seeded):  # the password, then the code of the app
                        form = client.get(step.url(language)).get_data(as_text=True)
                        assert send_form(client, step.url(language), form, step).status_code == 302, step.name
                    logged_in = True
                response = client.get(page.url(language))
                if page.submit:
                    response = send_form(client, page.url(language), response.get_data(as_text=True), page)
                    if response.status_code in (302, 303):  # a form that goes on to its next page
                        response = client.get(response.headers["Location"])
                html = response.get_data(as_text=True)
                expected = 404 if page.name.endswith("not found") else 200
                if response.status_code != expected:
                    wrong.append(f"{language} {page.name}: HTTP {response.status_code}")
                if html_lang(html) != language:
                    wrong.append(f"{language} {page.name}: <html lang={html_lang(html)!r}>")
                if page.shows_errors and "app-error-summary" not in html:
                    wrong.append(f"{language} {page.name}: no error summary")
                (out / _file_name(language, page)).write_text(html, encoding="utf-8")
            client.delete_cookie(app.config["SESSION_COOKIE_NAME"])
        assert wrong == []
    finally:
        _close(app)
    (out / "canary.html").write_text(CANARY, encoding="utf-8")
    return out


def test_every_page_is_valid_html(site, app_html):
    _require_checker()
    guides = [url_to_file(site, url) for url in site_urls()]
    assert all(file.exists() for file in guides)
    process = subprocess.run(
        # C1 compilation only and the serial collector halve the checker's CPU time on a short run;
        # C1's larger frames need the bigger thread stack.
        ["java", "-Xss8m", "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-jar", str(VNU),
         "--format", "json", "--stdout", "--skip-non-html",
         *map(str, guides), str(app_html)],
        capture_output=True, text=True, timeout=300,
    )
    messages = json.loads(process.stdout)["messages"]
    errors = [m for m in messages if m["type"] in ("error", "non-document-error")]
    canary = [m for m in errors if m["url"].endswith("/canary.html")]
    assert canary, "the checker did not reject the canary page: did it read the folder?"
    found = [f"{m['url'].removeprefix('file:')}:{m.get('lastLine', '?')}: {m['message']}\n    {m.get('extract', '').strip()}"
             for m in errors if m not in canary]
    if found:
        pytest.fail(f"{len(found)} HTML errors:\n" + "\n".join(found))
