"""The app's own stylesheets under content-hashed names, so browsers keep them for a year.

``url_for("static", filename="app.css")`` gives ``/static/app/app.<digest>.css``, where the digest
is the start of the file's SHA-256: a URL default renames the file, so every template that links
a stylesheet gets the fingerprint without knowing about it. The static view answers a name with
the current digest with ``Cache-Control: public, max-age=31536000, immutable``. The plain name
(``/static/app/app.css``) and a name with an outdated digest still answer, with the current file,
to be revalidated. A changed file gets a new digest at its next link (the digest is computed
again whenever the file's size or modification time changes).

The guides' own stylesheet (``portal.css``) is fingerprinted by ``hooks/i18n_site.py`` when the
site is built; ``participation/site.py`` serves it.
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

from flask import Flask, Response, current_app, send_from_directory

YEAR = 365 * 24 * 3600
DIGEST_LENGTH = 12
FINGERPRINTED = re.compile(r"(?P<stem>.+)\.(?P<digest>[0-9a-f]{%d})(?P<suffix>\.[A-Za-z0-9]+)" % DIGEST_LENGTH)

# path -> (size, mtime_ns, digest): hashing once per version of a file, not per link.
_digests: dict[Path, tuple[int, int, str]] = {}


def digest_of(path: Path) -> str | None:
    """The first hex digits of the file's SHA-256, or None when there is no such file."""
    try:
        stat = path.stat()
    except OSError:
        return None
    known = _digests.get(path)
    if known and known[:2] == (stat.st_size, stat.st_mtime_ns):
        return known[2]
    digest = hashlib.sha256(path.read_bytes()).hexdigest()[:DIGEST_LENGTH]
    _digests[path] = (stat.st_size, stat.st_mtime_ns, digest)
    return digest


def fingerprinted_name(filename: str) -> str:
    """`app.css` -> `app.<digest>.css`; a name that is no file of the static folder stays as it is."""
    folder = Path(current_app.static_folder or "")
    digest = digest_of(folder / filename) if "." in filename.rpartition("/")[2] else None
    if digest is None:
        return filename
    stem, _, suffix = filename.rpartition(".")
    return f"{stem}.{digest}.{suffix}"


def serve_static(filename: str) -> Response:
    """A file of the static folder: a year under its current digest, revalidated otherwise."""
    folder = current_app.static_folder or ""
    match = FINGERPRINTED.fullmatch(filename)
    if match:
        original = match["stem"] + match["suffix"]
        if digest_of(Path(folder) / original) == match["digest"]:
            response = send_from_directory(folder, original, max_age=YEAR)
            response.cache_control.immutable = True
            return response
        if digest_of(Path(folder) / original) is not None:
            # An old digest (a page from before a change): the current file, not to be kept.
            return send_from_directory(folder, original, max_age=0)
    return send_from_directory(folder, filename, max_age=0)


def init_app(app: Flask) -> None:
    """Fingerprint every `url_for("static", ...)` and answer fingerprinted names."""

    @app.url_defaults
    def fingerprint_static(endpoint: str, values: dict) -> None:
        if endpoint == "static" and "filename" in values:
            values["filename"] = fingerprinted_name(values["filename"])

    app.view_functions["static"] = serve_static
