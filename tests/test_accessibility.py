"""axe-core in Chromium over every guide, 404 page and app page, in Dutch, Turkish and Bulgarian.

Rules: WCAG 2.0 and 2.1, levels A and AA, plus axe's best practices (landmarks, one main heading,
heading order, ...), which the portal also meets. Colour contrast needs real layout, so the app
runs on a live server with demo data; pages are seen at a desktop width, and the pages with a
table once more at 360 px, where wide tables scroll. Every page must load nothing from elsewhere.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest

from chromium import require
from conftest import _close
from portal_pages import NODE_MODULES, AppPage, Seeded, app_pages, live_server, login_pages, seeded_app, site_urls
from site_helpers import LANGUAGES, url_to_file

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Response

pytestmark = pytest.mark.browser

AXE = NODE_MODULES / "axe-core" / "axe.min.js"
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]
RUN_AXE = """tags => axe.run(document, {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']})
    .then(results => results.violations.map(v => ({
        id: v.id, impact: v.impact, help: v.help,
        nodes: v.nodes.map(n => n.target.join(' ') + ': ' + n.failureSummary.split('\\n').slice(0, 2).join(' '))
    })))"""


@pytest.fixture(scope="module")
def portal(site, tmp_path_factory) -> Iterator[tuple[str, Seeded]]:
    """The whole portal (guides and app) on a loopback port, with demo data; CSRF checks on."""
    app, seeded = seeded_app(site, tmp_path_factory.mktemp("accessibility"))
    with live_server(app) as base_url:
        yield base_url, seeded
    _close(app)


@pytest.fixture(scope="module")
def browser(browser: Browser) -> Browser:
    """The shared Chromium (conftest.py), with axe-core from node_modules."""
    require(str(AXE), "npm ci installs axe-core")
    return browser


class Visitor:
    """One browser tab that opens pages, runs axe on each and notes every request it makes."""

    def __init__(self, browser: Browser, base_url: str, *, phone: bool = False) -> None:
        self.base_url = base_url
        size = {"width": 360, "height": 740} if phone else {"width": 1280, "height": 900}
        self.context = browser.new_context(viewport=size, is_mobile=phone, has_touch=phone)
        self.page = self.context.new_page()
        self.requests: list[str] = []
        self.context.on("request", lambda request: self.requests.append(request.url))
        # Injected by the browser itself, so the pages' Content-Security-Policy stays as served.
        self.context.add_init_script(path=str(AXE))

    def open(self, path: str) -> Response | None:
        """Go to a page and wait until it and everything it loads have arrived."""
        return self.page.goto(self.base_url + path, wait_until="load")

    def violations(self) -> list[str]:
        """What axe finds on the open page, one line per rule with the elements it concerns."""
        return [f"{v['id']} ({v['impact']}): {v['help']}\n      " + "\n      ".join(v["nodes"])
                for v in self.page.evaluate(RUN_AXE, AXE_TAGS)]

    def foreign_requests(self) -> list[str]:
        """Requests to any origin but the portal's own."""
        return [url for url in self.requests
                if not url.startswith((self.base_url + "/", "data:", "blob:", "about:"))]

    def close(self) -> None:
        self.context.close()


def report(found: dict[str, list[str]]) -> str:
    """Every failing page with its violations, readable in the test output."""
    return "\n".join(f"{url}\n    " + "\n    ".join(lines) for url, lines in found.items())


def site_urls_in(language: str) -> list[str]:
    """The guides and the 404 page of one language."""
    others = tuple(f"/{code}/" for code in LANGUAGES if code != "nl")
    if language == "nl":
        return [url for url in site_urls() if not url.startswith(others)]
    return [url for url in site_urls() if url.startswith(f"/{language}/")]


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_guide_and_404_page_passes_axe(browser, portal, language):
    base_url, _ = portal
    urls = site_urls_in(language)
    visitor = Visitor(browser, base_url)
    found: dict[str, list[str]] = {}
    try:
        for url in urls:
            response = visitor.open(url)
            assert response is not None and response.status == 200, url
            assert visitor.page.evaluate("document.documentElement.lang") == language, url
            if lines := visitor.violations():
                found[url] = lines
        foreign = visitor.foreign_requests()
    finally:
        visitor.close()
    assert len(urls) == len(site_urls()) // len(LANGUAGES)
    if found:
        pytest.fail("axe violations:\n" + report(found))
    assert foreign == []


def _log_in(visitor: Visitor, seeded: Seeded, language: str) -> None:
    """Log in through the forms, as staff do: the password, then the code of the app."""
    for step in login_pages(seeded):
        _visit(visitor, step, language)
    assert "/staff/login" not in visitor.page.url, "the demo administrator could not log in"


def _visit(visitor: Visitor, page: AppPage, language: str) -> Response | None:
    """Open an app page; for a form, send it (with `fill` typed in) and return the answer."""
    response = visitor.open(page.url(language))
    if page.submit is None:
        return response
    button = visitor.page.locator(page.submit)
    form = button.locator("xpath=ancestor::form")
    for name, value in page.typed().items():
        form.locator(f"[name={name}]").fill(value)
    with visitor.page.expect_navigation() as navigation:
        button.click()
    return navigation.value


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_app_page_passes_axe_in_its_language(browser, portal, language):
    base_url, seeded = portal
    pages = [page for page in app_pages(seeded) if page.axe]
    visitor = Visitor(browser, base_url)
    found: dict[str, list[str]] = {}
    wrong: list[str] = []
    logged_in = False
    try:
        for page in pages:
            if page.staff and not logged_in:
                _log_in(visitor, seeded, language)
                logged_in = True
            response = _visit(visitor, page, language)
            expected = 404 if page.name.endswith("not found") else 200
            if response is None or response.status != expected:
                wrong.append(f"{page.name}: HTTP {response and response.status}")
            if (lang := visitor.page.evaluate("document.documentElement.lang")) != language:
                wrong.append(f"{page.name}: <html lang={lang!r}>")
            if page.shows_errors and not visitor.page.locator(".app-error-summary").is_visible():
                wrong.append(f"{page.name}: no error summary")
            if lines := visitor.violations():
                found[f"{page.name} ({page.url(language)})"] = lines
        foreign = visitor.foreign_requests()
    finally:
        visitor.close()
    assert wrong == []
    if found:
        pytest.fail("axe violations:\n" + report(found))
    assert foreign == []


SCROLLS = """[...document.querySelectorAll('.app-table-wrap, .md-typeset__scrollwrap')]
    .some(box => box.scrollWidth > box.clientWidth)"""


def test_wide_tables_on_a_phone_scroll_by_keyboard(browser, portal, site):
    """At 360 px a wide table scrolls sideways in a box; axe checks that the keyboard reaches it.

    In Bulgarian, whose words are longest; only the pages with a table, to keep the test short.
    """
    base_url, seeded = portal
    visitor = Visitor(browser, base_url, phone=True)
    found: dict[str, list[str]] = {}
    scrolled: list[str] = []
    logged_in = False

    def check(name: str) -> None:
        """Note whether a table box scrolls here, and what axe finds."""
        if visitor.page.evaluate(SCROLLS):
            scrolled.append(name)
        if lines := visitor.violations():
            found[name] = lines

    try:
        for url in site_urls_in("bg"):
            if "<table" in url_to_file(site, url).read_text(encoding="utf-8"):
                visitor.open(url)
                check(url)
        for page in app_pages(seeded):
            if not page.axe:
                continue
            if page.staff and not logged_in:
                _log_in(visitor, seeded, "bg")
                logged_in = True
            _visit(visitor, page, "bg")
            if visitor.page.locator("table").count():
                check(f"{page.name} ({page.url('bg')})")
    finally:
        visitor.close()
    if found:
        pytest.fail("axe violations at 360 px:\n" + report(found))
    # Without a table wider than the phone, the rule would have nothing to check.
    assert len(scrolled) >= 2, scrolled
