"""The language is part of every URL: /agenda/ (Dutch), /tr/agenda/, /bg/agenda/ — as in the guides."""

from __future__ import annotations

import hashlib
from functools import cache
from pathlib import Path
from urllib.parse import urlsplit

from flask import Blueprint, Flask, current_app, g, has_request_context, request, url_for
from werkzeug.routing import BuildError

from events.models import DEFAULT_LANGUAGE, LANGUAGES
from participation.page_meta import page_description

LANGUAGE_NAMES = {"nl": "Nederlands", "tr": "Türkçe", "bg": "Български"}
_PREFIXED = "<any(" + ", ".join(lang for lang in LANGUAGES if lang != DEFAULT_LANGUAGE) + "):lang>"


def localized(blueprint: Blueprint, rule: str, **options):
    """Register a view under `rule` for Dutch and under `/<lang>rule` for the other languages."""

    def decorator(view):
        blueprint.add_url_rule(rule, view_func=view, defaults={"lang": DEFAULT_LANGUAGE}, **options)
        blueprint.add_url_rule(f"/{_PREFIXED}{rule}", view_func=view, **options)
        return view

    return decorator


def current_language() -> str:
    return g.get("lang", DEFAULT_LANGUAGE)


def language_prefix(language: str) -> str:
    """The URL prefix of a language in the static site and the app: "/" or "/tr/"."""
    return "/" if language == DEFAULT_LANGUAGE else f"/{language}/"


def alternate_urls() -> dict[str, str]:
    """This page in each language, for the language switcher and hreflang links."""
    if request.url_rule is None or request.endpoint is None:
        return {lang: language_prefix(lang) for lang in LANGUAGES}
    # Every value of a repeated query argument (ticked boxes of a GET form), and none of url_for's
    # own options (_anchor, _external, _scheme), which a crafted address could otherwise set.
    query = {name: values for name, values in request.args.lists() if not name.startswith("_")}
    args = {**(request.view_args or {}), **query}
    urls = {}
    for language in LANGUAGES:
        try:
            urls[language] = url_for(request.endpoint, **{**args, "lang": language})
        except BuildError:
            urls[language] = language_prefix(language)
    return urls


def hreflang_urls() -> dict[str, str]:
    """This page in each language as absolute addresses on PUBLIC_BASE_URL, plus `x-default` (the
    Dutch page), for `<link rel="alternate" hreflang>`: search engines ignore relative ones."""
    base = current_app.config["PUBLIC_BASE_URL"]
    urls = {language: base + path for language, path in alternate_urls().items()}
    return {**urls, "x-default": urls[DEFAULT_LANGUAGE]}


def public_url(endpoint: str, **values) -> str:
    """An absolute link on the public address (PUBLIC_BASE_URL) for e-mails and feeds; pass `lang`
    for a person's own language. Works outside a request too (the e-mail worker)."""
    if not has_request_context():
        with current_app.test_request_context():
            return public_url(endpoint, **values)
    return current_app.config["PUBLIC_BASE_URL"] + url_for(endpoint, **values)


def public_host() -> str:
    """The public address's host name: the domain of e-mail Message-IDs and calendar UIDs."""
    return urlsplit(current_app.config["PUBLIC_BASE_URL"]).hostname or "localhost"


@cache
def catalogs_version(app_root: str) -> str:
    """A name for the app's compiled catalogs, the same in every process: it changes with any translation.

    An ETag that covers translated text holds it, so the text need not be translated to answer 304.
    """
    digest = hashlib.sha256()
    for compiled in sorted(Path(app_root, "translations").glob("*/LC_MESSAGES/*.mo")):
        digest.update(compiled.read_bytes())
    return digest.hexdigest()[:12]


def init_app(app: Flask) -> None:
    """Take the language out of the URL before each view, and put it back into every url_for."""

    @app.url_value_preprocessor
    def pull_language(endpoint, values):
        if values is not None and "lang" in values:
            g.lang = values.pop("lang")

    @app.url_defaults
    def add_language(endpoint, values):
        if "lang" in values or not app.url_map.is_endpoint_expecting(endpoint, "lang"):
            return
        values["lang"] = current_language()

    @app.context_processor
    def language_context():
        return {
            "lang": current_language(),
            "languages": LANGUAGE_NAMES,
            "alternate_urls": alternate_urls,
            "hreflang_urls": hreflang_urls,
            "page_description": page_description,
            "language_prefix": language_prefix,
        }
