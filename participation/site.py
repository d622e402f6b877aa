"""The built knowledge base, served from the same origin as the app.

In production any web server can serve `site/` instead (README.md shows how); this keeps
`make serve` a single process and lets the app share the guides' stylesheets.
"""

from __future__ import annotations

import base64
import hashlib
import mimetypes
import re
from functools import lru_cache
from pathlib import Path

from flask import Blueprint, Flask, Response, abort, current_app, redirect, request, send_from_directory

from participation.i18n import language_prefix
from participation.security import site_policy

bp = Blueprint("site", __name__)

# A name carrying a hash of its content never changes content: Material's `main.57a0d79d.min.css`,
# `bundle.….min.js`, `workers/search.….min.js`, and `portal.<12 hex>.css` (hooks/i18n_site.py).
LONG_CACHE = 365 * 24 * 3600
FINGERPRINTED = re.compile(r"[^/]+\.[0-9a-f]{8,}\.(min\.)?(css|js)")
PRECOMPRESSED = [("br", ".br"), ("gzip", ".gz")]  # in the order preferred
INLINE_SCRIPT = re.compile(r"<script(?P<attributes>[^>]*)>(?P<body>.*?)</script>", re.S | re.I)


def site_dir() -> Path:
    return Path(current_app.config["SITE_DIR"])


@bp.route("/", defaults={"path": ""})
@bp.route("/<path:path>")
def serve(path: str):
    """A file of the built site; a folder answers with its index.html."""
    root = site_dir()
    target = (root / path).resolve()
    if not _inside(root, target):
        abort(404)
    if target.is_dir():
        if path and not path.endswith("/"):
            return redirect("/" + path + "/", code=308)
        path = (path + "index.html") if path else "index.html"
        target = target / "index.html"
    if not target.is_file():
        abort(404)
    if path.startswith("assets/") and FINGERPRINTED.fullmatch(Path(path).name):
        response = _send(root, path, target, max_age=LONG_CACHE)
        response.cache_control.immutable = True
        return response
    # Pages, the search index and names without a hash (lunr, images) are revalidated each time.
    response = _send(root, path, target, max_age=0)
    if target.suffix == ".html":
        response.headers["Content-Security-Policy"] = site_policy(
            inline_script_hashes(target, target.stat().st_mtime_ns))
    return response


def _inside(root: Path, target: Path) -> bool:
    """Whether `target`, links resolved, is a file of the built site and not anything else on the disk."""
    return target.resolve().is_relative_to(root.resolve())


@lru_cache(maxsize=512)
def inline_script_hashes(page: Path, _version: int) -> list[str]:
    """The sha256 of each inline script of a built page, as CSP wants them; `_version` renews the entry."""
    html = page.read_text(encoding="utf-8")
    return sorted({base64.b64encode(hashlib.sha256(match["body"].encode()).digest()).decode()
                   for match in INLINE_SCRIPT.finditer(html) if "src=" not in match["attributes"]})


def _send(root: Path, path: str, target: Path, max_age: int) -> Response:
    """The file, or the Brotli or gzip copy the build wrote beside it (hooks/i18n_site.py) if the browser takes it."""
    for encoding, suffix in PRECOMPRESSED:
        copy = target.with_name(target.name + suffix)
        if request.accept_encodings[encoding] > 0 and copy.is_file() and _inside(root, copy):
            response = send_from_directory(root, path + suffix, max_age=max_age,
                                           mimetype=mimetypes.guess_type(target.name)[0])
            response.headers["Content-Encoding"] = encoding
            response.vary.add("Accept-Encoding")
            return response
    return send_from_directory(root, path, max_age=max_age)


def stylesheets() -> list[str]:
    """The guides' stylesheets (fingerprinted names), so app pages look like part of the same site."""
    folder = site_dir() / "assets" / "stylesheets"
    try:
        version = folder.stat().st_mtime_ns  # a new build of the site makes new names
    except OSError:
        version = None
    cached = current_app.extensions.get("wijkpunt_stylesheets")
    if cached and cached[0] == version:
        return cached[1]
    found = [f"/assets/stylesheets/{p.name}"
             for pattern in ("main.*.min.css", "palette.*.min.css", "portal.*.css")
             for p in sorted(folder.glob(pattern))]
    if not any(href.startswith("/assets/stylesheets/portal.") for href in found):
        found.append("/assets/stylesheets/portal.css")  # a site built before portal.css had a hash
    if len(found) == 3:
        current_app.extensions["wijkpunt_stylesheets"] = (version, found)
    return found


def init_app(app: Flask) -> None:
    """Register the catch-all last, so every app route wins over it."""
    app.register_blueprint(bp)
    app.jinja_env.globals["site_stylesheets"] = stylesheets
    app.jinja_env.globals["guide_url"] = lambda language, path="": language_prefix(language) + path
