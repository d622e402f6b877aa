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

import pytest
import yaml
from bs4 import BeautifulSoup

from conftest import _close
from portal_pages import AppPage, app_pages, seeded_app, send_form
from site_helpers import DEFAULT_LANGUAGE, LANGUAGES, ROOT, _IgnoreTags, page_url, url_to_file

STATEMENT = "toegankelijkheid.md"
# The build's site_url: SITE_URL, or mkdocs.yml's default when it is not set (as in the tests).
SITE_URL = os.environ.get("SITE_URL") or "http://127.0.0.1:8000/"
PUBLIC_BASE_URL = "https://wijkpunt.example"  # conftest.make_app's
HREFLANGS = {*LANGUAGES, "x-default"}


def _site_descriptions() -> dict[str, str]:
    """mkdocs.yml's site_description per language: the default description of an app page too."""
    config = yaml.load((ROOT / "mkdocs.yml").read_text(encoding="utf-8"), Loader=_IgnoreTags)
    i18n = next(plugin["i18n"] for plugin in config["plugins"] if isinstance(plugin, dict) and "i18n" in plugin)
    found = {language["locale"]: language.get("site_description") for language in i18n["languages"]}
    return {language: found.get(language) or config["site_description"] for language in LANGUAGES}


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
    assert all(url_to_file(site, page_url(language, STATEMENT)).is_file() for language in LANGUAGES)


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


# --- the app's pages --------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def app_html(site, tmp_path_factory) -> dict[tuple[str, str], tuple[int, str]]:
    """Every public app page (not behind the staff login) in every language: (status, HTML)."""
    folder = tmp_path_factory.mktemp("duties")
    app, seeded = seeded_app(site, folder)
    pages: dict[tuple[str, str], tuple[int, str]] = {}
    try:
        for language in LANGUAGES:
            client = app.test_client()
            for page in public_pages(seeded):
                response = client.get(page.url(language))
                if page.submit:
                    response = send_form(client, page.url(language), response.get_data(as_text=True), page)
                    if response.status_code in (302, 303):
                        response = client.get(response.headers["Location"])
                pages[language, page.name] = (response.status_code, response.get_data(as_text=True))
            # The statement the footer points to, served by the app as the guides are (participation/site.py).
            with client.get(page_url(language, STATEMENT)) as statement:
                pages[language, "statement"] = (statement.status_code, statement.get_data(as_text=True))
    finally:
        _close(app)
    return pages


def public_pages(seeded) -> list[AppPage]:
    return [page for page in app_pages(seeded) if not page.staff]


# What each kind of page says about itself in Dutch. The new sentences need the catalogs filled
# (until then the page shows the English msgid); the pages that repeat their own opening paragraph
# are checked against it in every language.
OWN_OPENING = {"agenda", "agenda of one kind", "enrolment form", "enrolment form with errors", "feedback form",
               "feedback form with errors", "event not found", "page not found", "staff login",
               "staff login with errors"}
EVENTS = {"event with sign-up", "weekly event", "cancelled event",
          "drop-in: places per date, a cancelled and a moved date"}
DUTCH = {  # needs the catalogs: the lead fills them from /work/strings/i12-duties.json
    "sign-up form": "Schrijf u in voor een activiteit in Waterschei. U hebt geen account nodig: geef uw naam en "
                    "een telefoonnummer of een e-mailadres.",
    "conformiteitsattest questions": "Voor eigenaars die een woning of kamers verhuren in Genk: een paar vragen over "
                                     "de woning tonen wat de regels over het conformiteitsattest voor u kunnen "
                                     "betekenen, en bij wie u terechtkunt.",
    "premies questions": "Voor eigenaars die een woning verhuren in Genk: een paar vragen over uzelf, de woning en de "
                         "werken tonen welke renovatiepremies en leningen voor u kunnen gelden, en bij wie u "
                         "terechtkunt.",
}
DUTCH["sign-up form with errors"] = DUTCH["sign-up form: tick dates"] = DUTCH["sign-up form"]
DUTCH["conformiteitsattest answer"] = DUTCH["conformiteitsattest with errors"] = DUTCH["conformiteitsattest questions"]
DUTCH["premies answer"] = DUTCH["premies with errors"] = DUTCH["premies questions"]


def _description(soup: BeautifulSoup) -> str | None:
    tag = soup.select_one('head meta[name="description"]')
    return tag.get("content") if tag else None


def _words(text: str) -> str:
    return " ".join(text.split())


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_public_app_page_describes_itself_in_its_language(app_html, language):
    site_description = _site_descriptions()
    wrong = []
    for (lang, name), (_status, html) in app_html.items():
        if lang != language or name == "statement":
            continue
        soup = BeautifulSoup(html, "html.parser")
        description = _description(soup)
        if not description or not description.strip():
            wrong.append(f"{name}: no description")
            continue
        if name in OWN_OPENING:
            opening = soup.select_one("article h1").find_next("p")
            if description != _words(opening.get_text()):
                wrong.append(f"{name}: {description!r} is not its opening {opening.get_text()!r}")
        elif name in EVENTS:
            text = soup.select_one(".app-description")
            if text is not None and not text.get("lang"):  # described in this language: its own words
                if not (len(description) <= 160 and _words(text.get_text(" ")).startswith(description.rstrip("…"))):
                    wrong.append(f"{name}: {description!r} is not the start of its description")
        elif language == "nl":  # needs the catalogs
            expected = DUTCH.get(name, site_description["nl"])
            if description != expected:
                wrong.append(f"{name}: {description!r}, not {expected!r}")
    assert wrong == []


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_public_app_page_links_to_the_statement_in_its_footer(app_html, language):
    status, statement = app_html[language, "statement"]
    assert status == 200
    assert BeautifulSoup(statement, "html.parser").html["lang"] == language
    title = BeautifulSoup(statement, "html.parser").select_one("article h1")
    assert title is not None
    wanted = page_url(language, STATEMENT)
    wrong = []
    for (lang, name), (_status, html) in app_html.items():
        if lang != language or name == "statement":
            continue
        links = BeautifulSoup(html, "html.parser").select(f'footer a[href="{wanted}"]')
        if not links or not links[0].get_text(strip=True):
            wrong.append(f"{name}: no footer link to {wanted}")
        elif language == "nl" and links[0].get_text(strip=True) != "Toegankelijkheid":  # needs the catalogs
            wrong.append(f"{name}: the footer link says {links[0].get_text(strip=True)!r}")
    assert wrong == []


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_public_app_page_names_its_translations_by_absolute_address(app_html, language):
    wrong = []
    for (lang, name), (_status, html) in app_html.items():
        if lang != language or name == "statement":
            continue
        soup = BeautifulSoup(html, "html.parser")
        alternates = _alternates(soup)
        if name.endswith("not found"):
            if alternates:
                wrong.append(f"{name}: an error page has no translation to point to")
            continue
        # The same pages as the language switcher's, on the public address.
        switcher = {a["hreflang"]: a["href"] for a in soup.select("a.md-select__link[hreflang]")}
        expected = {code: PUBLIC_BASE_URL + href for code, href in switcher.items()}
        expected["x-default"] = expected[DEFAULT_LANGUAGE]
        if set(switcher) != set(LANGUAGES) or alternates != expected:
            wrong.append(f"{name}: {alternates}")
    assert wrong == []
