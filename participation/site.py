"""The built knowledge base, served from the same origin as the app.

In production any web server can serve `site/` instead (README.md shows how); this keeps
`make serve` a single process and lets the app share the guides' stylesheets.
"""

from __future__ import annotations

from pathlib import Path

from flask import Blueprint, Flask, abort, current_app, redirect, send_from_directory

from participation.i18n import language_prefix

bp = Blueprint("site", __name__)

# Material fingerprints its asset names, so they can be cached for a year.
LONG_CACHE = 365 * 24 * 3600


def site_dir() -> Path:
    return Path(current_app.config["SITE_DIR"])


@bp.route("/", defaults={"path": ""})
@bp.route("/<path:path>")
def serve(path: str):
    """A file of the built site; a folder answers with its index.html."""
    root = site_dir()
    target = (root / path).resolve()
    if not target.is_relative_to(root.resolve()):
        abort(404)
    if target.is_dir():
        if path and not path.endswith("/"):
            return redirect("/" + path + "/", code=308)
        path = (path + "index.html") if path else "index.html"
        target = target / "index.html"
    if not target.is_file():
        abort(404)
    return send_from_directory(root, path, max_age=_max_age(path))


def _max_age(path: str) -> int:
    """Long for fingerprinted theme assets, revalidate for pages and our own stylesheet."""
    name = Path(path).name
    if path.startswith("assets/") and name.count(".") >= 3:  # main.57a0d79d.min.css
        return LONG_CACHE
    return 0


def stylesheets() -> list[str]:
    """The guides' stylesheets, so app pages look like part of the same site."""
    cached = current_app.extensions.get("wijkpunt_stylesheets")
    if cached:
        return cached
    folder = site_dir() / "assets" / "stylesheets"
    found = [f"/assets/stylesheets/{p.name}" for pattern in ("main.*.min.css", "palette.*.min.css")
             for p in sorted(folder.glob(pattern))]
    found.append("/assets/stylesheets/portal.css")
    if len(found) == 3:
        current_app.extensions["wijkpunt_stylesheets"] = found
    return found


def init_app(app: Flask) -> None:
    """Register the catch-all last, so every app route wins over it."""
    app.register_blueprint(bp)
    app.jinja_env.globals["site_stylesheets"] = stylesheets
    app.jinja_env.globals["guide_url"] = lambda language, path="": language_prefix(language) + path
