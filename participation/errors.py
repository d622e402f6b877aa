"""Error pages in the reader's language, with the site's look and a way on."""

from __future__ import annotations

from flask import Flask, g, render_template, request
from flask_babel import lazy_gettext as _l
from werkzeug.exceptions import HTTPException, InternalServerError, SecurityError

from events.models import LANGUAGES

MESSAGES = {
    400: (_l("Something went wrong with this request"),
          _l("The page could not handle what was sent. Go back and try again.")),
    403: (_l("You do not have access to this page"),
          _l("This page is for staff with other rights. Ask an administrator if you need it.")),
    404: (_l("Page not found"),
          _l("This page does not exist (any more). Check the address, or start from the home page.")),
    405: (_l("This page cannot be used like this"),
          _l("Go back to the previous page and use the buttons or links there.")),
    413: (_l("The file is too large"),
          _l("Go back and choose a smaller file.")),
    429: (_l("Too many attempts"),
          _l("You sent too many requests in a short time. Wait a few minutes and try again.")),
    500: (_l("Something went wrong on our side"),
          _l("We could not finish your request. Nothing was stored. Try again later.")),
}


def _language_from_path() -> None:
    """Errors can happen before routing: take the language from the first part of the path."""
    if "lang" not in g:
        first = request.path.lstrip("/").split("/", 1)[0]
        g.lang = first if first in LANGUAGES else "nl"


def render_error(status: int, message: str | None = None):
    """The error page for `status`, with its own explanation unless `message` gives a better one."""
    _language_from_path()
    title, default = MESSAGES.get(status, MESSAGES[500 if status >= 500 else 400])
    return render_template("errors/error.html", status=status, title=title, message=message or default), status


def init_app(app: Flask) -> None:
    """One handler for every HTTP error and for anything unexpected."""

    @app.errorhandler(SecurityError)
    def unknown_host(error: SecurityError):
        # A Host header not in TRUSTED_HOSTS: no URL can be built for it, so no page of ours either.
        # Only a misdirected client or a probe sends one; it gets a short plain answer.
        return "400 Bad Request: this server does not answer for that host name.\n", 400, {
            "Content-Type": "text/plain; charset=utf-8"}

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        own = None
        if error.code == 429:
            # A limit with a message of its own (e.g. per activity, not per person) says what happened.
            limit = getattr(error, "limit", None)
            own = error.description if limit is not None and limit.error_message else None
        body, status = render_error(error.code or 500, own)
        # What the exception says about itself stays: Allow on a 405, Location on a redirect.
        headers = {name: value for name, value in error.get_headers() if name.lower() != "content-type"}
        if error.code == 429:
            headers["Retry-After"] = "60"
        return body, status, headers

    @app.errorhandler(Exception)
    def unexpected_error(error: Exception):
        if app.testing:
            raise error
        # The route, not the path: a private link's token must not reach the log.
        app.logger.exception("Unhandled error on %s", request.url_rule.rule if request.url_rule else "(no route)")
        from participation.extensions import db

        db.session.rollback()
        return render_error(InternalServerError.code)
