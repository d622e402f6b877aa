"""Security headers for every response; the cookie settings live in config.py."""

from __future__ import annotations

import datetime as dt

from flask import Flask, Response, current_app, request

from participation.roles import is_staff_request

# The app's own pages run no script at all and load nothing from elsewhere.
APP_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'self'; object-src 'none'"
)
# The built guides: Material for MkDocs writes small inline scripts into every page; each page allows
# exactly its own, by hash (site.inline_script_hashes), and still nothing may come from another origin.
# Inline styles stay allowed: Material sets style attributes, which cannot be hashed.
def site_policy(script_hashes: list[str]) -> str:
    """The guides' policy for a page whose inline scripts have these sha256 hashes."""
    scripts = " ".join(["'self'", *(f"'sha256-{digest}'" for digest in script_hashes)])
    return (
        f"default-src 'self'; script-src {scripts}; style-src 'self' 'unsafe-inline'; "
        "img-src 'self' data:; font-src 'self'; worker-src 'self'; form-action 'self'; "
        "frame-ancestors 'none'; base-uri 'self'; object-src 'none'"
    )


# Pages no browser, proxy or shared computer may keep: the staff area (a one-time password, children's
# data), the privacy tool, and a resident's private pages reached by the link only they hold.
PRIVATE_ENDPOINTS = {"signups.manage", "signups.cancel", "feedback.status", "enrolment.enrolled"}


def is_private(response: Response) -> bool:
    """Whether the answer holds personal data or a secret: never stored by a cache."""
    return (is_staff_request() or request.endpoint in PRIVATE_ENDPOINTS
            or response.mimetype == "text/csv")


def security_txt() -> Response:
    """/.well-known/security.txt (RFC 9116): where to report a vulnerability; renewed on every request."""
    base = current_app.config["PUBLIC_BASE_URL"]
    expires = (dt.datetime.now(dt.UTC) + dt.timedelta(days=180)).replace(microsecond=0)
    lines = [f"Contact: {current_app.config['SECURITY_CONTACT']}",
             f"Expires: {expires.isoformat().replace('+00:00', 'Z')}",
             "Preferred-Languages: nl, en",
             f"Canonical: {base}/.well-known/security.txt"]
    return Response("\n".join(lines) + "\n", mimetype="text/plain",
                    headers={"Cache-Control": "public, max-age=86400"})


def init_app(app: Flask) -> None:
    """Add the headers after every request; serve security.txt."""
    app.add_url_rule("/.well-known/security.txt", "security_txt", security_txt)

    @app.after_request
    def add_security_headers(response):
        if is_private(response) and not response.cache_control.no_store:
            response.headers["Cache-Control"] = "no-store"
        # The guides' pages bring their own policy (site.serve); everything else gets the app's.
        response.headers.setdefault("Content-Security-Policy", APP_POLICY)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
        response.headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
        if app.config["SESSION_COOKIE_SECURE"]:
            response.headers.setdefault("Strict-Transport-Security", "max-age=31536000")
        return response
