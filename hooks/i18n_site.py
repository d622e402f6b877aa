"""MkDocs hook: finish the three-language build that mkdocs-static-i18n leaves half done.

static-i18n builds each language into its own folder but
- stacks every language into one search index at the site root, so a Turkish reader's search
  finds Dutch and Bulgarian pages too, and Bulgarian (not a lunr language) is not findable;
- writes one root ``404.html`` per language build, so the last language built wins;
- lets Material's language switcher look for ``sitemap.xml`` beside every alternate page
  (``/tr/sitemap.xml``, ``/tr/contact/sitemap.xml``), where there is none.

This hook runs after static-i18n (lower priority) and repairs those three things, so that
``mkdocs build`` alone gives the finished site. It also gives our own stylesheet and script
(``portal.css``, ``portal.js``) content-hashed names, as Material does for its own assets, so a
browser may keep them for a year.
And it removes the few HTML errors Material writes into every page (``valid_html``), so that the
Nu HTML Checker and axe-core find nothing (tests/test_html_validity.py, test_accessibility.py),
and writes a Brotli and a gzip copy of every text file for servers to send as they are (``_precompress``).
"""

from __future__ import annotations

import gzip
import hashlib
import json
import os
import re
import shutil
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import brotli

from mkdocs.plugins import event_priority

# lunr has no Bulgarian. Material keeps only the stop-word filter of a language's pipeline, so
# Cyrillic words stay whole with any setting; the Russian one adds stop words that Bulgarian shares
# ("и", "в", "на", "не").
SEARCH_LANG = {"nl": ["nl"], "tr": ["tr"], "bg": ["ru"]}

_not_found_pages: dict[str, str] = {}

# Material 9.8 writes autocomplete="off" on its hidden checkbox toggles (drawer, search), which
# HTML allows on text-like inputs only; tabindex="" on the section labels of navigation.sections,
# which browsers ignore as no tabindex at all; and a Markdown table whose corner cell is empty gets
# an empty header cell, which names no column (axe: empty-table-header).
_CHECKBOX_AUTOCOMPLETE = re.compile(r'(<input\b[^>]*\btype="checkbox"[^>]*?)\s+autocomplete="off"')
_EMPTY_TABINDEX = re.compile(r'\s+tabindex=""')
_EMPTY_HEADER_CELL = re.compile(r"<th(\s[^>]*)?>\s*</th>")


def valid_html(html: str) -> str:
    """A built page without Material's three HTML errors and without empty header cells."""
    html = _CHECKBOX_AUTOCOMPLETE.sub(r"\1", html)
    html = _EMPTY_TABINDEX.sub("", html)
    return _EMPTY_HEADER_CELL.sub(lambda match: f"<td{match.group(1) or ''}></td>", html)


def on_post_page(output: str, page, config) -> str:
    """Every guide: valid HTML (see valid_html)."""
    return valid_html(output)


def _i18n(config):
    return config.plugins.get("i18n")


def on_post_template(output_content: str, template_name: str, config) -> str:
    """Keep each language's 404 page, made valid; the builds overwrite one another's."""
    plugin = _i18n(config)
    if template_name == "404.html":
        output_content = valid_html(output_content)
        if plugin is not None:
            _not_found_pages[plugin.current_language] = output_content
    return output_content


@event_priority(-200)
def on_post_build(config) -> None:
    """Split the search index per language, place the 404 pages, copy the sitemap."""
    plugin = _i18n(config)
    if plugin is None or plugin.building:
        # A nested per-language build: the default build's last call does the work.
        return
    site = Path(config.site_dir)
    default = plugin.default_language
    languages = list(plugin.build_languages)
    _split_search_index(site, default, languages)
    for language, html in _not_found_pages.items():
        target = site / "404.html" if language == default else site / language / "404.html"
        target.write_text(html, encoding="utf-8")
    for language in languages:
        if language != default:
            for name in ("sitemap.xml", "sitemap.xml.gz"):
                if (site / name).exists():
                    shutil.copyfile(site / name, site / language / name)
    _sitemap_beside_every_page(site)
    _fingerprint_assets(site, [str(getattr(item, "path", item))
                               for item in [*config.extra_css, *config.extra_javascript]]
                        + ["assets/javascripts/search-on-demand.js"])  # linked by overrides/main.html
    _precompress(site)


def _sitemap_beside_every_page(site: Path) -> None:
    """Material fetches ``sitemap.xml`` relative to each ``<link rel="alternate">`` of a page.

    On every guide that is the same guide in nl, tr and bg (``/tr/contact/sitemap.xml``): without
    a copy there, each page view costs three 404 pages (about 13 KB).
    """
    sitemap = site / "sitemap.xml"
    if not sitemap.exists():
        return
    for page in site.rglob("index.html"):
        if not (page.parent / "sitemap.xml").exists():
            shutil.copyfile(sitemap, page.parent / "sitemap.xml")


def _fingerprint_assets(site: Path, assets: list[str]) -> None:
    """Copy each of our own assets (``extra_css``, ``extra_javascript``) to a name holding the first
    12 hex digits of its SHA-256 (``portal.css`` -> ``portal.<hash>.css``) and link that name from
    every page.

    A changed file gets a new name, so browsers never keep an old one; the plain name stays for
    anything that links it directly.
    """
    renames = {}
    for asset in assets:
        source = site / asset
        if not source.is_file():
            continue
        digest = hashlib.sha256(source.read_bytes()).hexdigest()[:12]
        hashed = source.with_name(f"{source.stem}.{digest}{source.suffix}")
        shutil.copyfile(source, hashed)
        # Material links each relative to the page: href="../../assets/stylesheets/portal.css".
        renames[f'{asset}"'] = f'{hashed.relative_to(site).as_posix()}"'
    for page in site.rglob("*.html"):
        html = page.read_text(encoding="utf-8")
        linked = html
        for plain, hashed_name in renames.items():
            linked = linked.replace(plain, hashed_name)
        if linked != html:
            page.write_text(linked, encoding="utf-8")


# What a browser may fetch as text. Of lunr's language files only those our languages load (the rest,
# wordcut.js for Thai at 677 KB among them, is never asked for and would double the time taken).
_TEXT = {".html", ".css", ".js", ".json", ".xml", ".svg", ".txt"}
_LUNR_USED = {"lunr.stemmer.support.min.js", "lunr.multi.min.js",
              *(f"lunr.{code}.min.js" for codes in SEARCH_LANG.values() for code in codes)}


def _precompress(site: Path) -> None:
    """Write ``name.br`` (Brotli) and ``name.gz`` (gzip, best) beside every text file.

    The app sends them to a browser that accepts them (participation/site.py), as nginx does with
    ``gzip_static``/``brotli_static``: a guide costs no compression work per request, and Brotli's
    best level, too slow to run per request, makes a first visit about 12 KB lighter.
    """
    def wanted(path: Path) -> bool:
        if path.suffix not in _TEXT:
            return False
        return "lunr" not in path.parts or path.name in _LUNR_USED

    def compress(path: Path) -> None:
        data = path.read_bytes()
        # Best for what every page shares (stylesheets, scripts, the search index); for the pages
        # themselves level 9 is 7 % larger and 7 times faster.
        quality = 11 if path.suffix in {".css", ".js", ".json"} else 9
        path.with_name(path.name + ".br").write_bytes(brotli.compress(data, quality=quality))
        path.with_name(path.name + ".gz").write_bytes(gzip.compress(data, compresslevel=9, mtime=0))

    files = [path for path in site.rglob("*") if path.is_file() and wanted(path)]
    with ThreadPoolExecutor(max_workers=os.cpu_count() or 2) as pool:  # brotli releases the GIL
        list(pool.map(compress, files))


def _split_search_index(site: Path, default: str, languages: list[str]) -> None:
    """Write one index per language folder, with locations relative to that folder."""
    index_path = site / "search" / "search_index.json"
    if not index_path.exists():
        return
    combined = json.loads(index_path.read_text(encoding="utf-8"))
    others = [lang for lang in languages if lang != default]
    per_language: dict[str, list[dict]] = {lang: [] for lang in languages}
    for doc in combined["docs"]:
        prefix = doc["location"].split("/", 1)[0]
        if prefix in others:
            doc = {**doc, "location": doc["location"][len(prefix) + 1 :]}
            per_language[prefix].append(doc)
        else:
            per_language[default].append(doc)
    for language, docs in per_language.items():
        folder = site / "search" if language == default else site / language / "search"
        folder.mkdir(parents=True, exist_ok=True)
        index = {
            "config": {**combined["config"], "lang": SEARCH_LANG.get(language, [language])},
            "docs": docs,
        }
        (folder / "search_index.json").write_text(
            json.dumps(index, ensure_ascii=False, separators=(",", ":")), encoding="utf-8"
        )
