"""The knowledge base in a real browser: search per language, a 360-px phone, paper."""

from __future__ import annotations

import functools
import http.server
import re
import threading
from urllib.parse import urlsplit

import pytest

from site_helpers import LANGUAGES, guide_paths, page_url

pytestmark = pytest.mark.browser



@pytest.fixture(scope="module")
def base_url(site):
    """The built site on a loopback port, served as any static web server would."""
    handler = functools.partial(_QuietHandler, directory=str(site))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    server.server_close()


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format, *args):
        """Keep the test output clean."""


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 360, "height": 740}, is_mobile=True, has_touch=True)
    tab = context.new_page()
    requests = []
    tab.on("request", lambda request: requests.append(request.url))
    tab.requests = requests
    yield tab
    context.close()


def longest_word(text: str) -> str:
    return max(re.findall(r"\w+", text), key=len)


@pytest.mark.parametrize("language", LANGUAGES)
def test_search_finds_words_of_the_readers_language_only(browser, base_url, pages, language):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    tab = context.new_page()
    guide = next(p for p in pages if p.language == language and p.guide == "wonen/conformiteitsattest.md")
    word = longest_word(guide.soup.select_one("article h1").get_text())
    fetched = []
    tab.on("request", lambda request: fetched.append(urlsplit(request.url).path))
    tab.goto(base_url + page_url(language, "index.md"), wait_until="networkidle")
    # The index (35-46 KB) is fetched when somebody starts to search, not with every page.
    assert not [path for path in fetched if path.endswith("search_index.json")]
    tab.keyboard.press("s")
    # Wait until the search worker has read its index ("initializing" gives way), then type.
    initializing = guide.soup.select_one(".md-search-result__meta").get_text(strip=True)
    tab.wait_for_function(
        "text => document.querySelector('.md-search-result__meta').textContent.trim() !== text",
        arg=initializing, timeout=30_000,
    )
    tab.locator("input.md-search__input").press_sequentially(word.lower(), delay=20)
    # Material searches on "keyup"; Playwright enters Cyrillic as text input without key events,
    # which a real keyboard does send: release one key, as a person's last keystroke would.
    tab.keyboard.press("End")
    results = tab.locator(".md-search-result__item > a")
    results.first.wait_for(timeout=30_000)
    hrefs = [results.nth(i).get_attribute("href") for i in range(results.count())]
    prefix = {"nl": "/", "tr": "/tr/", "bg": "/bg/"}[language]
    paths = [urlsplit(href).path for href in hrefs]
    assert page_url(language, guide.guide) in paths
    for path in paths:
        assert path.startswith(prefix), path
        if language == "nl":
            assert not path.startswith(("/tr/", "/bg/")), path
    context.close()


def test_a_reader_who_types_at_once_gets_results_when_the_index_arrives(browser, base_url, pages):
    """Search opened by a tap on a phone and typed into straight away, before the index is there."""
    context = browser.new_context(viewport={"width": 360, "height": 740}, is_mobile=True, has_touch=True)
    tab = context.new_page()
    guide = next(p for p in pages if p.language == "tr" and p.guide == "wonen/conformiteitsattest.md")
    tab.goto(base_url + page_url("tr", "index.md"), wait_until="networkidle")
    with tab.expect_request(lambda request: request.url.endswith("/tr/search/search_index.json")):
        tab.locator("label.md-header__button[for='__search']").tap()
        tab.locator("input.md-search__input").press_sequentially("konut", delay=20)
    results = tab.locator(".md-search-result__item > a")
    results.first.wait_for(timeout=30_000)
    paths = [urlsplit(results.nth(i).get_attribute("href")).path for i in range(results.count())]
    assert page_url("tr", guide.guide) in paths
    context.close()


def test_every_page_fits_a_360_pixel_phone_and_asks_nothing_of_other_sites(page, base_url):
    too_wide = []
    for language in LANGUAGES:
        for guide in guide_paths():
            page.goto(base_url + page_url(language, guide))
            width = page.evaluate("document.documentElement.scrollWidth")
            if width > 360:
                too_wide.append(f"{page_url(language, guide)}: {width}px")
    assert too_wide == []
    foreign = [url for url in page.requests if not url.startswith(base_url) and not url.startswith("data:")]
    assert foreign == []


def test_the_language_switcher_opens_the_same_page_in_turkish(browser, base_url):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    tab = context.new_page()
    tab.goto(base_url + page_url("nl", "wonen/huurdersrechten.md"))
    tab.hover(".md-select")
    tab.locator("a.md-select__link[hreflang=tr]").click()
    tab.wait_for_url(base_url + page_url("tr", "wonen/huurdersrechten.md"))
    assert tab.locator("html").get_attribute("lang") == "tr"
    context.close()


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_printed_guide_is_complete(page, base_url, pages, language):
    url = page_url(language, "wonen/conformiteitsattest.md")
    page.goto(base_url + url)
    page.emulate_media(media="print")
    hidden = page.evaluate(
        """() => [...document.querySelectorAll('article *')]
            .filter(e => e.closest('.md-content__button') === null)
            .filter(e => getComputedStyle(e).display === 'none' || getComputedStyle(e).visibility === 'hidden')
            .map(e => e.outerHTML.slice(0, 80))"""
    )
    assert hidden == []
    printed_urls = page.evaluate(
        """() => [...document.querySelectorAll('#sources ~ ul a[href^="http"]')]
            .map(a => getComputedStyle(a, '::after').content)"""
    )
    assert printed_urls and all("http" in content for content in printed_urls)
    assert page.evaluate("getComputedStyle(document.querySelector('.md-sidebar--primary')).display") == "none"
