"""The portal as gunicorn serves it, plus `/bench/hello`: the floor every figure of bench/server.py
is compared with, measured in the same run, through the same app, hooks and headers.

For the benchmark only, CSRF protection and rate limits are switched off by configuration, so that
a load generator can post the sign-up form many times a second from one address.

    gunicorn --workers 2 --chdir /work/main 'bench.app:create_app()'
"""

from __future__ import annotations

from flask import Flask

from participation import create_app as create_portal


def create_app() -> Flask:
    """create_app() with CSRF and rate limits off, and the hello endpoint."""
    app = create_portal({"WTF_CSRF_ENABLED": False, "RATELIMIT_ENABLED": False})

    @app.get("/bench/hello")
    def hello() -> str:
        """The least a Flask view can do."""
        return "hello"

    return app
