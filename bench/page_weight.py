"""Bytes a resident's browser downloads per kind of page, on a first and on a repeat visit.

Runs the portal as `make serve` does (strict site build, `flask db upgrade`, `flask seed-demo`,
gunicorn with 2 workers; no e-mail worker, which serves no page) in a temporary folder, and opens
every guide and every public form in nl, tr and bg in Debian's Chromium (Playwright, headless).

- first visit: a fresh browser context (empty cache), the page until the network is idle (the
  search worker included; the search index is fetched only when a reader starts to search, which
  is measured once per language as "first search");
- repeat visit: the same context, a new navigation to the same address.

Bytes are what travelled: response headers plus the body as sent (compressed), per request, from
Playwright's `request.sizes()`. Answers from the browser's cache count nothing.

    .venv/bin/python bench/page_weight.py
"""

from __future__ import annotations

import argparse
import shutil
import sqlite3
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from portal import build_site, flask, free_port, gunicorn, portal_env  # portal puts tests/ on the path

from chromium import CHROMIUM, CHROMIUM_ARGS  # the tests' way to start Chromium
from site_helpers import LANGUAGES, guide_paths, page_url  # the tests' reading of mkdocs.yml

KB = 1000  # kilobytes as the targets are stated: 1 KB = 1000 bytes
TARGETS = {"guide": 100 * KB, "app": 50 * KB, "repeat": 15 * KB}


@dataclass
class Visit:
    """What one navigation transferred."""

    bytes: int = 0
    requests: int = 0
    from_cache: int = 0
    encodings: set[str] = field(default_factory=set)
    failed: list[str] = field(default_factory=list)


def measure(page, url: str | None = None, action=None) -> Visit:
    """Navigate to `url` (or do `action` on the open page) and add up the bytes of every request
    until the network is quiet."""
    visit = Visit()
    finished = []

    def on_finished(request) -> None:
        finished.append(request)

    def on_failed(request) -> None:
        visit.failed.append(f"{request.url}: {request.failure}")

    page.on("requestfinished", on_finished)
    page.on("requestfailed", on_failed)
    if url is not None:
        response = page.goto(url, wait_until="networkidle")
        if response is None or response.status >= 400:
            visit.failed.append(f"{url}: {response.status if response else 'no answer'}")
    else:
        action()
    page.remove_listener("requestfinished", on_finished)
    page.remove_listener("requestfailed", on_failed)
    for request in finished:
        answer = request.response()
        if answer is not None and answer.from_service_worker:
            continue
        sizes = request.sizes()
        transferred = sizes["responseHeadersSize"] + sizes["responseBodySize"]
        visit.requests += 1
        if transferred <= 0:
            visit.from_cache += 1
            continue
        visit.bytes += max(transferred, 0)
        if answer is not None and answer.status >= 400:
            visit.failed.append(f"{request.url}: {answer.status}")
        encoding = answer.headers.get("content-encoding") if answer is not None else None
        if encoding:
            visit.encodings.add(encoding)
    return visit


def first_search(browser, base: str, language: str) -> Visit:
    """What a reader's first search costs on top of the first visit (search-on-demand.js defers it)."""
    context = browser.new_context()
    tab = context.new_page()
    measure(tab, base + page_url(language, "index.md"))

    def search() -> None:
        with tab.expect_response(lambda answer: answer.url.endswith("/search/search_index.json")):
            tab.locator("input.md-search__input").focus()
        tab.wait_for_timeout(1500)  # the search worker then loads lunr's language files

    visit = measure(tab, action=search)
    context.close()
    return visit


def pages(signup_event: int, event: int) -> list[tuple[str, str, str]]:
    """(kind, label, path per language pattern) of every page measured."""
    rows = [("guide", guide[: -len(".md")], guide) for guide in guide_paths()]
    rows += [
        ("app", "agenda", "agenda/"),
        ("app", "event page", f"agenda/{event}/"),
        ("app", "sign-up form", f"agenda/{signup_event}/signup"),
        ("app", "enrolment form", "homework/enrol"),
        ("app", "feedback form", "feedback/"),
    ]
    return rows


def url_of(base: str, kind: str, path: str, language: str) -> str:
    if kind == "guide":
        return base + page_url(language, path)
    return base + ("/" if language == "nl" else f"/{language}/") + path


def main() -> None:
    """Serve the portal, visit every page twice per language, print the table and the targets."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder (site, database, log)")
    options = parser.parse_args()
    if not shutil.which(CHROMIUM):
        raise SystemExit(f"{CHROMIUM} is missing: apt-get install -y chromium")
    from playwright.sync_api import sync_playwright

    folder = Path(tempfile.mkdtemp(prefix="wijkpunt-bench-"))
    try:
        site = folder / "site"
        build_site(site)
        port = free_port()
        env = portal_env(folder, site, port)
        flask(env, "db", "upgrade")
        flask(env, "seed-demo")
        with sqlite3.connect(folder / "instance" / "wijkpunt.sqlite3") as connection:
            signup_event = connection.execute(
                "SELECT id FROM event WHERE capacity IS NOT NULL AND status = 'published' ORDER BY id").fetchone()[0]
            event = connection.execute(
                "SELECT id FROM event WHERE status = 'published' ORDER BY id").fetchone()[0]
        results: dict[tuple[str, str], dict[str, tuple[Visit, Visit]]] = {}
        with gunicorn("participation:create_app()", env, port, folder / "gunicorn.log") as served, \
                sync_playwright() as playwright:
            base = served.url
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            for kind, label, path in pages(signup_event, event):
                for language in LANGUAGES:
                    context = browser.new_context()
                    tab = context.new_page()
                    url = url_of(base, kind, path, language)
                    first = measure(tab, url)
                    repeat = measure(tab, url)
                    context.close()
                    results.setdefault((kind, label), {})[language] = (first, repeat)
            searches = {language: first_search(browser, base, language) for language in LANGUAGES}
            browser.close()
        report(results)
        print("first search (the index and lunr's language files, fetched once a reader starts to search): "
              + ", ".join(f"{language} {searches[language].bytes / KB:.1f} KB" for language in LANGUAGES))
    finally:
        if options.keep:
            print(f"kept: {folder}")
        else:
            shutil.rmtree(folder, ignore_errors=True)


def report(results: dict[tuple[str, str], dict[str, tuple[Visit, Visit]]]) -> None:
    """One row per page: KB on the first and on the repeat visit in each language."""
    head = f"{'page':<34}" + "".join(f"{'first ' + lang:>10}" for lang in LANGUAGES) \
        + "".join(f"{'repeat ' + lang:>11}" for lang in LANGUAGES) + f"{'requests':>11}"
    print(head)
    print("-" * len(head))
    worst = {"guide": 0, "app": 0, "repeat": 0}
    problems, encodings = [], set()
    for (kind, label), per_language in results.items():
        firsts = [per_language[lang][0] for lang in LANGUAGES]
        repeats = [per_language[lang][1] for lang in LANGUAGES]
        worst[kind] = max(worst[kind], *(v.bytes for v in firsts))
        worst["repeat"] = max(worst["repeat"], *(v.bytes for v in repeats))
        for visit in firsts + repeats:
            problems += visit.failed
            encodings |= visit.encodings
        requests = f"{max(v.requests for v in firsts)}/{max(v.requests - v.from_cache for v in repeats)}"
        print(f"{kind + ': ' + label:<34}" + "".join(f"{v.bytes / KB:>10.1f}" for v in firsts)
              + "".join(f"{v.bytes / KB:>11.1f}" for v in repeats) + f"{requests:>11}")
    print("\nKB = 1000 bytes, headers + body as sent; requests = first visit / repeat visit over the network")
    print(f"content encodings seen: {', '.join(sorted(encodings)) or 'none'}")
    for name, limit, label in (("guide", TARGETS["guide"], "first visit, any guide"),
                               ("app", TARGETS["app"], "first visit, any app page"),
                               ("repeat", TARGETS["repeat"], "repeat visit, any page")):
        verdict = "met" if worst[name] < limit else "MISSED"
        print(f"target {label:<28} < {limit / KB:>4.0f} KB: largest {worst[name] / KB:6.1f} KB  {verdict}")
    for problem in problems:
        print(f"warning: {problem}")


if __name__ == "__main__":
    main()
