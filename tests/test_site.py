"""The knowledge base as built: complete in three languages, self-contained, linked, sourced."""

from __future__ import annotations

import datetime as dt
import functools
import json
import re
from pathlib import Path
from urllib.parse import unquote, urljoin, urlsplit

import pytest
from bs4 import BeautifulSoup

from site_helpers import DEFAULT_LANGUAGE, DOCS, LANGUAGES, guide_paths, page_url, url_to_file

SITE_ORIGIN = "http://127.0.0.1:8000"  # the build's default site_url (SITE_URL unset)
SITE_INSTANCE = Path(__file__).resolve().parent.parent / "instance"


def html_files(site: Path) -> list[Path]:
    """Every HTML page of the build, the 404 pages included."""
    return sorted(p for p in site.rglob("*.html") if "assets" not in p.relative_to(site).parts)


def url_of(site: Path, file: Path) -> str:
    """The URL path a static server gives `file`."""
    relative = file.relative_to(site).as_posix()
    if relative.endswith("index.html"):
        relative = relative[: -len("index.html")]
    return "/" + relative


def language_of(url: str) -> str:
    first = url.lstrip("/").split("/", 1)[0]
    return first if first in LANGUAGES else DEFAULT_LANGUAGE


def test_the_strict_build_succeeds_without_warnings(built):
    assert built.returncode == 0, built.log
    warnings = [line for line in built.log.splitlines() if "WARNING" in line]
    assert warnings == []


def test_every_guide_exists_in_every_language_and_in_the_navigation():
    def markdown_files(language):
        folder = DOCS / language
        return {p.relative_to(folder).as_posix() for p in folder.rglob("*.md")}

    nav = set(guide_paths())
    assert len(nav) >= 12
    for language in LANGUAGES:
        assert markdown_files(language) == nav, language


def test_html_lang_matches_the_language_folder_on_every_page(site):
    files = html_files(site)
    assert len(files) >= 3 * len(guide_paths())
    for file in files:
        url = url_of(site, file)
        html = file.read_text(encoding="utf-8")
        match = re.search(r"<html[^>]*\blang=\"([^\"]+)\"", html)
        assert match, url
        assert match.group(1) == language_of(url), url


def test_the_theme_speaks_the_page_language(pages):
    expected = {"nl": "Zoeken", "tr": "Ara", "bg": "Търси"}
    for page in pages:
        search = page.soup.select_one("input.md-search__input")
        assert search["placeholder"] == expected[page.language], page


def _app_route(path: str) -> bool:
    """True for a path the participation app answers (the agenda, the forms), not the static site."""
    from werkzeug.exceptions import HTTPException

    from participation import create_app

    adapter = _app_urls(create_app).bind("localhost")
    try:
        endpoint, _ = adapter.match(path)
    except HTTPException:
        return False
    return endpoint != "site.serve"


@functools.lru_cache(maxsize=1)
def _app_urls(create_app):
    return create_app({"TESTING": True, "SECRET_KEY": "x"}).url_map


def test_every_internal_link_and_anchor_resolves(site):
    broken = []
    for file in html_files(site):
        url = url_of(site, file)
        if file.name == "404.html":
            continue  # its links are absolute and checked on the pages they copy
        for link in _soup(file).select("a[href]"):
            href = link["href"]
            if href.startswith(("mailto:", "tel:")):
                continue
            target = urljoin(SITE_ORIGIN + url, href)
            parts = urlsplit(target)
            if f"{parts.scheme}://{parts.netloc}" != SITE_ORIGIN:
                continue
            target_file = url_to_file(site, unquote(parts.path))
            if not target_file.is_file() and _app_route(unquote(parts.path)):
                continue
            if not target_file.is_file():
                broken.append(f"{url}: {href} (no such page)")
                continue
            fragment = unquote(parts.fragment)
            if fragment and not _soup(target_file).find(id=fragment):
                broken.append(f"{url}: {href} (no such anchor)")
    assert broken == []


LOADING_ATTRIBUTES = [
    ("script", "src"),
    ("img", "src"),
    ("img", "srcset"),
    ("source", "src"),
    ("source", "srcset"),
    ("iframe", "src"),
    ("video", "src"),
    ("audio", "src"),
    ("object", "data"),
    ("embed", "src"),
    ("form", "action"),
]
LOADING_LINK_RELS = {"stylesheet", "icon", "preload", "prefetch", "preconnect", "dns-prefetch",
                     "modulepreload", "manifest", "apple-touch-icon"}


def _is_other_origin(reference: str) -> bool:
    reference = reference.strip()
    if reference.startswith("//"):
        return True
    parts = urlsplit(reference)
    if not parts.scheme or parts.scheme == "data":
        return False
    return f"{parts.scheme}://{parts.netloc}" != SITE_ORIGIN


def test_no_built_page_loads_anything_from_another_origin(site):
    offending = []
    for file in html_files(site):
        soup = _soup(file)
        for tag, attribute in LOADING_ATTRIBUTES:
            for element in soup.find_all(tag, attrs={attribute: True}):
                for reference in element[attribute].split(","):
                    reference = reference.strip().split(" ")[0]
                    if _is_other_origin(reference):
                        offending.append(f"{url_of(site, file)}: <{tag} {attribute}={reference}>")
        for element in soup.find_all("link", href=True):
            if LOADING_LINK_RELS & set(element.get("rel", [])) and _is_other_origin(element["href"]):
                offending.append(f"{url_of(site, file)}: <link href={element['href']}>")
        for element in soup.find_all(style=True):
            offending += [f"{url_of(site, file)}: style {u}" for u in _css_urls(element["style"]) if _is_other_origin(u)]
        for element in soup.find_all("style"):
            offending += [f"{url_of(site, file)}: <style> {u}" for u in _css_urls(element.get_text()) if _is_other_origin(u)]
    for css in site.rglob("*.css"):
        offending += [f"{css.name}: {u}" for u in _css_urls(css.read_text(encoding="utf-8")) if _is_other_origin(u)]
    assert offending == []


def _css_urls(css: str) -> list[str]:
    urls = re.findall(r"url\(\s*['\"]?([^'\")]+)", css)
    urls += re.findall(r"@import\s+['\"]([^'\"]+)", css)
    return urls


def test_every_guide_ends_with_its_sources_and_the_date_they_were_checked(pages):
    today = dt.date.today()
    checked: dict[str, set[str]] = {}
    dutch_month: dict[str, str] = {}
    for page in pages:
        heading = page.soup.find(id="sources")
        assert heading is not None and heading.name == "h2", page
        section = []
        for sibling in heading.find_next_siblings():
            if sibling.name in {"h1", "h2"}:
                break
            section.append(sibling)
        assert section, page
        assert not any(s.name == "h2" for s in heading.find_next_siblings()), f"{page}: sources must come last"
        items = [li for s in section for li in s.find_all("li")]
        assert items, f"{page}: no sources listed"
        # the last line gives the check month of the Dutch page (front matter `checked`, rendered by
        # hooks/translations.py): "Gecontroleerd: november 2026." in the reader's language
        last = section[-1]
        assert last.name == "p" and re.fullmatch(CHECKED_LINES[page.language], last.get_text()), \
            f"{page}: the sources end with {last.get_text()!r}, not the check month"
        month = page.front_matter.get("checked") if page.language == DEFAULT_LANGUAGE else None
        assert page.language != DEFAULT_LANGUAGE or month, f"{page}: no `checked: YYYY-MM` in its front matter"
        checked.setdefault(page.guide, set()).add(last.find("time")["datetime"])
        if month:
            dutch_month[page.guide] = str(month)
        assert dt.date(2021, 1, 1) <= _parse_month_or_day(last.find("time")["datetime"]) <= today, page
        assert "{{" not in page.soup.select_one("article").get_text(), f"{page}: a placeholder is left"
    for guide, months in checked.items():
        assert months == {dutch_month[guide]}, f"{guide}: the check month differs between the languages"
    for language in LANGUAGES:
        for file in (DOCS / language).rglob("*.md"):
            text = file.read_text(encoding="utf-8")
            assert not re.search(r"^(Gecontroleerd|Kontrol tarihi|Проверено):", text, re.M), \
                f"{file}: a written check-month line; set `checked:` in the Dutch front matter instead"
            if language != DEFAULT_LANGUAGE:
                assert not re.search(r"^checked:", text.split("---", 2)[1], re.M), \
                    f"{file}: a translation takes its check month from its Dutch page"


CHECKED_LINES = {
    "nl": r"Gecontroleerd: \w+ \d{4}\.",
    "tr": r"Kontrol tarihi: \w+ \d{4}\.",
    "bg": r"Проверено: \w+ \d{4} г\.",
}


def _parse_month_or_day(value: str) -> dt.date:
    if re.fullmatch(r"\d{4}-\d{2}", value):
        return dt.date.fromisoformat(value + "-01")
    return dt.date.fromisoformat(value)


def test_the_language_switcher_keeps_the_reader_on_the_same_page(pages):
    for page in pages:
        links = page.soup.select("a.md-select__link[hreflang]")
        targets = {link["hreflang"]: urlsplit(urljoin(SITE_ORIGIN + page.url, link["href"])).path for link in links}
        assert targets == {language: page_url(language, page.guide) for language in LANGUAGES}, page


def test_link_previews_show_the_page_title_and_summary_in_its_language(pages):
    locales = {"nl": "nl_BE", "tr": "tr_TR", "bg": "bg_BG"}
    descriptions = {}
    for page in pages:
        meta = page.front_matter
        assert meta.get("title") and meta.get("description"), page
        assert len(meta["description"]) <= 200, page

        def og(name):
            tag = page.soup.find("meta", property=f"og:{name}")
            assert tag is not None, f"{page}: og:{name} missing"
            return tag["content"]

        assert og("title") == meta["title"], page
        assert og("description") == meta["description"], page
        assert og("locale") == locales[page.language], page
        assert urlsplit(og("url")).path == page.url, page
        descriptions.setdefault(page.guide, set()).add(meta["description"])
    for guide, texts in descriptions.items():
        assert len(texts) == len(LANGUAGES), f"{guide}: the summary is not translated"


@pytest.mark.parametrize("language", LANGUAGES)
def test_search_finds_only_pages_in_the_readers_language(site, language):
    folder = site / "search" if language == DEFAULT_LANGUAGE else site / language / "search"
    index = json.loads((folder / "search_index.json").read_text(encoding="utf-8"))
    guides_here = {page_url(language, guide) for guide in guide_paths()}
    prefix = "/" if language == DEFAULT_LANGUAGE else f"/{language}/"
    page_locations = {prefix + doc["location"].split("#")[0] for doc in index["docs"]}
    assert page_locations == guides_here
    # lunr has no Bulgarian: the Russian setting keeps Cyrillic words whole, with shared stop words
    assert index["config"]["lang"] == {"nl": ["nl"], "tr": ["tr"], "bg": ["ru"]}[language]


@functools.lru_cache(maxsize=None)
def _soup(file: Path) -> BeautifulSoup:
    return BeautifulSoup(file.read_text(encoding="utf-8"), "html.parser")


def test_the_activities_guide_links_to_the_agenda_and_its_feed_in_its_language(pages):
    for page in (p for p in pages if p.guide == "activiteiten.md"):
        prefix = "/" if page.language == DEFAULT_LANGUAGE else f"/{page.language}/"
        targets = {urlsplit(urljoin(SITE_ORIGIN + page.url, a["href"])).path
                   for a in page.soup.select("article a[href]")}
        assert prefix + "agenda/" in targets, page
        assert prefix + "agenda/feed.ics" in targets, page


def test_the_privacy_guide_states_the_retention_periods_the_app_applies(pages):
    from participation.config import from_environment

    config = from_environment(str(SITE_INSTANCE))
    keys = {"SIGNUP_RETENTION_DAYS", "ENROLMENT_RETENTION_MONTHS", "FEEDBACK_CONTACT_RETENTION_MONTHS",
            "FEEDBACK_RETENTION_MONTHS", "AUDIT_RETENTION_MONTHS", "OUTBOX_RETENTION_DAYS"}
    for page in (p for p in pages if p.guide == "privacy.md"):
        stated = dict(tag["value"].split(":") for tag in page.soup.select("article data[value]"))
        assert set(stated) == keys, page
        for key, value in stated.items():
            assert int(value) == config[key], f"{page}: the guide says {key}={value}, the app {config[key]}"
