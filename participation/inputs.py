"""What the app takes from a request before a view reads it: text without NUL characters, ids that fit a
database column, and the client's address.

PostgreSQL refuses a NUL character in text, and a number beyond its INTEGER range, with an error
that would become a 500 page. Nobody types either; a robot or a broken client does. So the app
answers 400 for a NUL in the address or a form field, and 404 for an id larger than any id.
Behind TRUSTED_PROXIES reverse proxies, the client's address is the one they put in X-Forwarded-For
(gunicorn itself never does this), so rate limits count per resident and not for all at once.
"""

from __future__ import annotations

from flask import Flask, Request, abort, request
from werkzeug.datastructures import ImmutableMultiDict
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.routing import IntegerConverter

MAX_ID = 2**31 - 1  # the largest INTEGER in PostgreSQL, and so the largest primary key


class DatabaseId(IntegerConverter):
    """`<int:…>` in a rule: a number larger than any id matches no rule (404) instead of failing in the database."""

    def __init__(self, map, *args, **kwargs) -> None:
        """The usual integer converter, with MAX_ID as its largest value."""
        kwargs.setdefault("max", MAX_ID)
        super().__init__(map, *args, **kwargs)


class PortalRequest(Request):
    """A request whose form is refused (400) when a field name or value holds a NUL character."""

    def _load_form_data(self) -> None:
        """Parse the form as usual, then refuse it whole if it holds a NUL (uploaded files may: they are bytes)."""
        super()._load_form_data()
        if any("\x00" in name or "\x00" in value for name, value in self.form.items(multi=True)):
            # Nothing of the refused form may be read later, e.g. by the error page's own forms.
            self.__dict__["form"] = ImmutableMultiDict()
            abort(400)


def refuse_nul_in_address() -> None:
    """A NUL in the path or the query string: 400 before any view, file lookup or query sees it."""
    if "\x00" in request.path or any("\x00" in name or "\x00" in value
                                     for name, value in request.args.items(multi=True)):
        abort(400)


def init_app(app: Flask) -> None:
    """Before any rule is added: bounded ids in every `<int:…>`; the request class; the address check; proxies."""
    app.url_map.converters["int"] = DatabaseId
    app.request_class = PortalRequest
    app.before_request(refuse_nul_in_address)
    if app.config.get("TRUSTED_PROXIES"):
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=app.config["TRUSTED_PROXIES"])
