"""What a Flemish public website must have: an accessibility statement in each language, linked from
every page's footer (guides and app); absolute hreflang links with x-default; a meta description on
every app page in its language.

The app's pages are those of `portal_pages.app_pages` (the residents' pages and the staff login),
fetched with Flask's test client in nl, tr and bg.
"""

from __future__ import annotations

import os
import re
from urllib.parse import urljoin, urlsplit

from bs4 import BeautifulSoup

from site_helpers import DEFAULT_LANGUAGE, LANGUAGES, ROOT, page_url, url_to_file

STATEMENT = "toegankelijkheid.md"
# The build's site_url: SITE_URL, or mkdocs.yml's default when it is not set (as in the tests).
SITE_URL = os.environ.get("SITE_URL") or "http://127.0.0.1:8000/"
HREFLANGS = {*LANGUAGES, "x-default"}


# --- the statement ----------------------------------------------------------------------------------


def _statement(pages, language):
    return next(p for p in pages if p.language == language and p.guide == STATEMENT)


def test_the_statement_names_the_standard_and_the_way_to_report_a_barrier(pages):
    for language in LANGUAGES:
        page = _statement(pages, language)
        text = page.soup.select_one("article").get_text(" ")
        assert "WCAG 2.1" in text and "AA" in text, page
        assert "2016/2102" in text and "2018" in text, page
        links = {urlsplit(urljoin(page.url, a["href"])).path for a in page.soup.select("article a[href]")}
        prefix = "/" if language == DEFAULT_LANGUAGE else f"/{language}/"
        assert prefix + "feedback/" in links, page  # the app's feedback form, in the page's language
        assert page_url(language, "contact.md") in links, page


def _shape(language: str) -> tuple[list[str], list[str], list, list[str]]:
    """The statement's Markdown: its headings' levels, its list items' kinds, its links, its numbers."""
    text = (ROOT / "docs" / language / STATEMENT).read_text(encoding="utf-8").split("---", 2)[2]
    headings = re.findall(r"^(#+) ", text, flags=re.M)
    items = re.findall(r"^(-|\d+\.) ", text, flags=re.M)
    links = re.findall(r"\]\(([^)]+)\)|<(https?://[^>]+)>", text)
    numbers = re.findall(r"\d+(?:[./]\d+)*", text)
    return headings, [item if item == "-" else "1." for item in items], links, numbers


def test_the_turkish_and_bulgarian_statements_say_what_the_dutch_one_says():
    """Same headings, list items and links, and every number in the same order: no content of their own."""
    for language in ("tr", "bg"):
        assert _shape(language) == _shape("nl"), language


# --- the footer -------------------------------------------------------------------------------------


def _footer_statement_link(soup: BeautifulSoup, url: str, language: str):
    """The footer's link to the statement in `language`, or None."""
    wanted = page_url(language, STATEMENT)
    for link in soup.select(".md-footer-meta a[href]"):  # not the "next page" link above it
        if urlsplit(urljoin(SITE_URL.rstrip("/") + url, link["href"])).path == wanted:
            return link
    return None


def test_every_guide_and_404_page_links_to_the_statement_in_its_language(site, pages):
    titles = {language: _statement(pages, language).front_matter["title"] for language in LANGUAGES}
    not_found = [(language, "/404.html" if language == DEFAULT_LANGUAGE else f"/{language}/404.html")
                 for language in LANGUAGES]
    checked = [(page.language, page.url, page.soup) for page in pages]
    checked += [(language, url, BeautifulSoup(url_to_file(site, url).read_text(encoding="utf-8"), "html.parser"))
                for language, url in not_found]
    for language, url, soup in checked:
        link = _footer_statement_link(soup, url, language)
        assert link is not None, f"{url}: no footer link to the statement"
        assert link.get_text(strip=True) == titles[language], url
        assert url_to_file(site, page_url(language, STATEMENT)).is_file()


# --- hreflang on the guides -------------------------------------------------------------------------


def _alternates(soup: BeautifulSoup) -> dict[str, str]:
    return {link["hreflang"]: link["href"] for link in soup.select("link[rel=alternate][hreflang]")}


def test_every_guide_names_its_translations_by_absolute_address_with_x_default(site, pages):
    for page in pages:
        alternates = _alternates(page.soup)
        assert set(alternates) == HREFLANGS, page
        for hreflang, href in alternates.items():
            language = DEFAULT_LANGUAGE if hreflang == "x-default" else hreflang
            assert href == SITE_URL.rstrip("/") + page_url(language, page.guide), (page, hreflang, href)
    for url in ("/404.html", "/tr/404.html", "/bg/404.html"):
        soup = BeautifulSoup(url_to_file(site, url).read_text(encoding="utf-8"), "html.parser")
        assert _alternates(soup) == {}, f"{url}: a 404 page has no translation to point to"
