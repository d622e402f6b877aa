"""How pages travel: compressed when the browser asks, stylesheets kept a year under hashed names."""

from __future__ import annotations

import datetime as dt
import gzip
import importlib.util
import re
import shutil
from urllib.parse import urljoin

import brotli
import pytest
from bs4 import BeautifulSoup

from conftest import _close, make_app
from events.models import Event, Status
from participation.extensions import db
from site_helpers import ROOT

YEAR = "max-age=31536000"


@pytest.fixture
def app(site, tmp_path):
    """One app on SQLite: how responses are encoded and cached does not depend on the database."""
    app = make_app(f"sqlite:///{tmp_path / 'delivery.sqlite3'}", site, tmp_path)
    yield app
    _close(app)


def add_event(app, title: str = "Huiswerkklas") -> None:
    """A published event next week, so the agenda and the feed have something to show."""
    start = dt.datetime.now().replace(hour=16, minute=0, second=0, microsecond=0) + dt.timedelta(days=7)
    with app.app_context():
        event = Event(category="homework", status=Status.PUBLISHED.value, address="Binnenlaan 50, 3600 Genk",
                      starts_at=start, ends_at=start + dt.timedelta(hours=2))
        event.set_text("nl", title, "Hulp bij het huiswerk.", "Buurthuis")
        db.session.add(event)
        db.session.commit()


def fetch(client, url: str, **headers: str):
    """GET with request headers; the file behind a static answer is closed before returning."""
    with client.get(url, headers={name.replace("_", "-"): value for name, value in headers.items()}) as response:
        response.get_data()
    return response


def readable(body: bytes) -> str:
    """What a reader gets: the page's text (a form carries a fresh submission id each time)."""
    text = body.decode("utf-8")
    return BeautifulSoup(text, "html.parser").get_text() if "<html" in text[:200] else text


def decoded(response) -> bytes:
    """The body as the browser reads it after undoing the Content-Encoding."""
    body = response.get_data()
    encoding = response.headers.get("Content-Encoding")
    if encoding == "br":
        return brotli.decompress(body)
    if encoding == "gzip":
        return gzip.decompress(body)
    assert encoding is None, encoding
    return body


def stylesheet_links(response, page_url: str) -> list[str]:
    """The stylesheets a page links, as absolute paths."""
    html = BeautifulSoup(response.get_data(as_text=True), "html.parser")
    return [urljoin(page_url, link["href"]) for link in html.select('link[rel="stylesheet"]')]


@pytest.mark.parametrize("url", ["/tr/agenda/", "/bg/feedback/", "/homework/enrol", "/agenda/feed.ics",
                                 "/bg/wonen/conformiteitsattest/", "/tr/search/search_index.json"])
def test_text_is_compressed_with_what_the_browser_accepts_and_reads_the_same(app, client, url):
    add_event(app, title="Naaiatelier")
    plain = fetch(client, url)
    assert plain.status_code == 200 and "Content-Encoding" not in plain.headers
    for accepted, expected in [("gzip, deflate, br, zstd", "br"), ("gzip, deflate", "gzip"), ("identity", None)]:
        response = fetch(client, url, Accept_Encoding=accepted)
        assert response.headers.get("Content-Encoding") == expected
        assert "Accept-Encoding" in response.headers["Vary"]
        assert readable(decoded(response)) == readable(plain.get_data())
        if expected:
            assert int(response.headers["Content-Length"]) < len(plain.get_data())


def test_every_text_file_of_the_site_has_brotli_and_gzip_copies_of_the_same_content(site):
    texts = [path for path in site.rglob("*")
             if path.suffix in {".html", ".css", ".js", ".json", ".xml", ".svg"} and "lunr" not in path.parts]
    assert len(texts) > 80  # 39 pages, their sitemaps, stylesheets, scripts, three search indexes
    for path in texts:
        data = path.read_bytes()
        assert brotli.decompress(path.with_name(path.name + ".br").read_bytes()) == data, path
        assert gzip.decompress(path.with_name(path.name + ".gz").read_bytes()) == data, path


@pytest.mark.parametrize("url, file", [("/bg/wonen/conformiteitsattest/", "bg/wonen/conformiteitsattest/index.html"),
                                       ("/tr/search/search_index.json", "tr/search/search_index.json")])
def test_a_guide_goes_out_as_the_copy_compressed_at_build_time(client, site, url, file):
    """No compression work per request, and Brotli at a level too slow to run per request."""
    for accepted, encoding, suffix in [("gzip, deflate, br", "br", ".br"), ("gzip", "gzip", ".gz"),
                                       ("br;q=0, gzip", "gzip", ".gz"), ("identity", None, "")]:
        response = fetch(client, url, Accept_Encoding=accepted)
        assert response.status_code == 200
        assert response.headers.get("Content-Encoding") == encoding
        assert response.get_data() == (site / (file + suffix)).read_bytes()
        assert response.mimetype == ("application/json" if file.endswith(".json") else "text/html")
        again = fetch(client, url, Accept_Encoding=accepted, If_None_Match=response.headers["ETag"])
        assert again.status_code == 304


def test_a_compressed_feed_answers_its_own_etag_with_304_without_building_the_feed(app, client, monkeypatch):
    add_event(app)
    first = fetch(client, "/agenda/feed.ics", Accept_Encoding="gzip")
    assert first.headers["Content-Encoding"] == "gzip"
    import participation.agenda.routes as agenda_routes

    def not_needed(*args, **kwargs):
        raise AssertionError("a 304 must not build the calendar")

    monkeypatch.setattr(agenda_routes, "build_calendar", not_needed)
    for accepted in ("gzip", "br", ""):
        again = fetch(client, "/agenda/feed.ics", Accept_Encoding=accepted, If_None_Match=first.headers["ETag"])
        assert again.status_code == 304 and again.data == b""
        assert again.headers["ETag"] == first.headers["ETag"]


def test_guides_and_pages_are_revalidated_and_answer_304_when_unchanged(client):
    guide = fetch(client, "/tr/wonen/huurdersrechten/", Accept_Encoding="br")
    assert guide.headers["Content-Encoding"] == "br"
    assert "no-cache" in guide.headers["Cache-Control"] and YEAR not in guide.headers["Cache-Control"]
    again = fetch(client, "/tr/wonen/huurdersrechten/", Accept_Encoding="br", If_None_Match=guide.headers["ETag"])
    assert again.status_code == 304 and again.data == b""
    page = fetch(client, "/tr/agenda/", Accept_Encoding="br")
    assert YEAR not in page.headers.get("Cache-Control", "")


@pytest.mark.parametrize("url", ["/agenda/", "/tr/feedback/", "/bg/homework/enrol", "/bg/wonen/conformiteitsattest/",
                                 "/tr/"])
def test_every_linked_stylesheet_has_a_hashed_name_and_is_kept_for_a_year(client, url):
    links = stylesheet_links(fetch(client, url), url)
    assert any("/portal." in link for link in links)
    if not url.startswith("/bg/wonen") and url != "/tr/":
        assert any("/static/app/app." in link for link in links)
    for link in links:
        assert re.search(r"\.[0-9a-f]{8,}\.(min\.)?css$", link), link
        response = fetch(client, link, Accept_Encoding="gzip")
        assert response.status_code == 200 and response.mimetype == "text/css"
        cache_control = response.headers["Cache-Control"]
        assert YEAR in cache_control and "immutable" in cache_control and "public" in cache_control
        assert response.headers["Content-Encoding"] == "gzip"


def test_the_hashed_stylesheets_hold_the_files_they_are_named_after(client, site):
    links = stylesheet_links(fetch(client, "/agenda/"), "/agenda/")
    app_css = next(link for link in links if "/static/app/app." in link)
    assert fetch(client, app_css).get_data() == (ROOT / "participation/static/app.css").read_bytes()
    portal = next(link for link in links if "/portal." in link)
    assert fetch(client, portal).get_data() == (site / "assets/stylesheets/portal.css").read_bytes()
    # The plain names still answer, to be revalidated rather than kept.
    plain = fetch(client, "/static/app/app.css")
    assert plain.get_data() == (ROOT / "participation/static/app.css").read_bytes()
    assert "no-cache" in plain.headers["Cache-Control"]


def test_a_changed_app_stylesheet_gets_a_new_name_and_the_old_name_is_no_longer_kept(app, client, tmp_path):
    static = tmp_path / "static"
    shutil.copytree(ROOT / "participation/static", static)
    app.static_folder = str(static)
    before = next(link for link in stylesheet_links(fetch(client, "/agenda/"), "/agenda/") if "/static/app/app." in link)
    with (static / "app.css").open("a", encoding="utf-8") as css:
        css.write("\n.app-agenda { margin-block: 1rem; }\n")
    after = next(link for link in stylesheet_links(fetch(client, "/agenda/"), "/agenda/") if "/static/app/app." in link)
    assert after != before
    fresh = fetch(client, after)
    assert fresh.get_data() == (static / "app.css").read_bytes() and "immutable" in fresh.headers["Cache-Control"]
    stale = fetch(client, before)
    assert stale.status_code == 200 and stale.get_data() == (static / "app.css").read_bytes()
    assert "immutable" not in stale.headers["Cache-Control"] and "no-cache" in stale.headers["Cache-Control"]


def _site_hook():
    spec = importlib.util.spec_from_file_location("i18n_site_hook", ROOT / "hooks" / "i18n_site.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("asset", ["assets/stylesheets/portal.css", "assets/javascripts/portal.js"])
def test_every_built_page_links_the_hashed_copy_of_our_own_assets(site, asset):
    folder, _, name = asset.rpartition("/")
    stem, _, suffix = name.partition(".")
    content = (site / asset).read_bytes()
    for page in site.rglob("*.html"):
        links = re.findall(rf'(?:href|src)="([^"]*{folder}/{stem}\.[^"]*)"', page.read_text(encoding="utf-8"))
        assert len(links) == 1, page
        linked = links[0].rsplit("/", 1)[1]
        assert re.fullmatch(rf"{stem}\.[0-9a-f]{{12}}\.{suffix}", linked), (page, linked)
        assert (site / folder / linked).read_bytes() == content


def test_the_site_build_renames_our_assets_when_they_change(tmp_path):
    hook = _site_hook()
    names = []
    for rule in ("a { color: #005b82; }", "a { color: #004766; }"):
        built = tmp_path / f"site{len(names)}"
        (built / "assets/stylesheets").mkdir(parents=True)
        (built / "assets/stylesheets/portal.css").write_text(rule)
        (built / "tr/wonen").mkdir(parents=True)
        (built / "tr/wonen/index.html").write_text(
            '<link rel="stylesheet" href="../../assets/stylesheets/portal.css">', encoding="utf-8")
        hook._fingerprint_assets(built, ["assets/stylesheets/portal.css", "assets/javascripts/missing.js"])
        html = (built / "tr/wonen/index.html").read_text(encoding="utf-8")
        name = re.search(r"portal\.[0-9a-f]{12}\.css", html)[0]
        assert (built / "assets/stylesheets" / name).read_text() == rule
        names.append(name)
    assert names[0] != names[1]
