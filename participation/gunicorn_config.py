"""gunicorn settings shared by every start of the portal: `make serve`, the tests and the benches.

Used as `gunicorn --config python:participation.gunicorn_config …`. Two things gunicorn has no
command-line option for:
- the access log names the route of a private link, never its token (`/signup/<token>/`): the log is
  read by more people, and kept longer, than the data behind the link;
- the `Server` header names the portal, not the software that serves it (gunicorn writes its own otherwise).
"""

from __future__ import annotations

import re

import gunicorn.http.wsgi
from gunicorn.glogging import Logger

# A resident's private pages: sign-ups, feedback, enrolments, in every language (tokens are 32 characters).
PRIVATE_LINK = re.compile(r"(/(?:signup|feedback|homework/enrolled)/)[A-Za-z0-9_-]{20,}")


def without_tokens(text: str) -> str:
    """`text` with the token of every private link replaced by `<token>`."""
    return PRIVATE_LINK.sub(r"\1<token>", text)


class AccessLog(Logger):
    """gunicorn's logger, writing paths and referrers without private tokens."""

    def atoms(self, resp, req, environ, request_time):
        atoms = super().atoms(resp, req, environ, request_time)
        for key, value in atoms.items():  # request line, path, query, referrer, any header logged
            if isinstance(value, str):
                atoms[key] = without_tokens(value)
        return atoms


logger_class = AccessLog
# gunicorn reads this module attribute for every response's `Server:` header.
gunicorn.http.wsgi.SERVER = "Wijkpunt Waterschei"
