"""Shared fixtures: the built knowledge base."""

from __future__ import annotations

import pytest

from chromium import CHROMIUM, launched, require
from site_helpers import LANGUAGES, BuiltPage, build_site, guide_paths, page_url, url_to_file


@pytest.fixture(scope="session")
def built(tmp_path_factory):
    """One strict build of the whole site per test process."""
    return build_site(tmp_path_factory.mktemp("site"))


@pytest.fixture(scope="session")
def site(built):
    """The folder of a successful build."""
    assert built.returncode == 0, built.log
    return built.site


@pytest.fixture(scope="session")
def pages(site) -> list[BuiltPage]:
    """Every guide in every language, as built."""
    return [
        BuiltPage(language, guide, page_url(language, guide), url_to_file(site, page_url(language, guide)))
        for language in LANGUAGES
        for guide in guide_paths()
    ]


@pytest.fixture(scope="module")
def browser():
    """Debian's Chromium under Playwright, one per test module."""
    require(CHROMIUM, "apt-get install chromium; .ci/run installs it")
    with launched() as instance:
        yield instance


# --- the participation app ---------------------------------------------------------------------

import os
import uuid

import psycopg

from participation import create_app
from participation.extensions import db as _db

POSTGRES_URL = os.environ.get("TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


def _postgres_reachable() -> bool:
    try:
        with psycopg.connect(POSTGRES_URL.replace("+psycopg", ""), connect_timeout=2):
            return True
    except psycopg.OperationalError:
        return False


@pytest.fixture(scope="session")
def postgres_available() -> bool:
    return _postgres_reachable()


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request, tmp_path, postgres_available):
    """A fresh, empty database: a SQLite file, or a schema of its own in PostgreSQL."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'test.sqlite3'}"
        return
    if not postgres_available:
        if os.environ.get("CI"):
            pytest.fail(f"PostgreSQL is not reachable at {POSTGRES_URL}")
        pytest.skip("PostgreSQL is not reachable")
    schema = f"t_{uuid.uuid4().hex[:12]}"
    plain = POSTGRES_URL.replace("+psycopg", "")
    with psycopg.connect(plain, autocommit=True) as connection:
        connection.execute(f'CREATE SCHEMA "{schema}"')
    yield f"{POSTGRES_URL}?options=-csearch_path%3D{schema}"
    with psycopg.connect(plain, autocommit=True) as connection:
        connection.execute(f'DROP SCHEMA "{schema}" CASCADE')


def make_app(database_url: str, site_dir, tmp_path, **overrides):
    """The app as in production, but with test settings and a migrated database."""
    from flask_migrate import upgrade

    config = {
        "TESTING": True,
        "SECRET_KEY": "test secret key",
        "SQLALCHEMY_DATABASE_URI": database_url,
        "SITE_DIR": str(site_dir),
        "WTF_CSRF_ENABLED": False,
        "RATELIMIT_ENABLED": False,
        "RATELIMIT_STORAGE_URI": "memory://",
        "PUBLIC_BASE_URL": "https://wijkpunt.example",
        "SERVER_NAME": None,
        **overrides,
    }
    os.environ["INSTANCE_PATH"] = str(tmp_path / "instance")
    app = create_app(config)
    with app.app_context():
        upgrade()
    return app


def _close(app) -> None:
    with app.app_context():
        _db.session.remove()
        _db.engine.dispose()


@pytest.fixture
def app(database_url, site, tmp_path):
    app = make_app(database_url, site, tmp_path)
    yield app
    _close(app)


@pytest.fixture
def live_app(database_url, site, tmp_path):
    """Make another app on the same database with other settings (e.g. CSRF on); closed after."""
    made = []

    def factory(**overrides):
        made.append(make_app(database_url, site, tmp_path, **overrides))
        return made[-1]

    yield factory
    for app in made:
        _close(app)


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def users(app):
    """An administrator with every role, and one colleague per kind of work, with known passwords."""
    from participation.cli import create_admin
    from participation.models import Role, StaffUser

    with app.app_context():
        create_admin("admin@genk.example", "Ayşe Admin", "admin password 1")
        for email, name, role in [("staff@genk.example", "Stefan Stoyanov", Role.AGENDA),
                                  ("homework@genk.example", "Hatice Yıldız", Role.HOMEWORK),
                                  ("feedback@genk.example", "Filip Peeters", Role.FEEDBACK)]:
            user = StaffUser(email=email, name=name)
            user.set_roles([role])
            user.set_password(f"{email.split('@')[0]} password 1")
            _db.session.add(user)
        _db.session.commit()
    return {"admin": ("admin@genk.example", "admin password 1"),
            "staff": ("staff@genk.example", "staff password 1"),  # agenda
            "homework": ("homework@genk.example", "homework password 1"),
            "feedback": ("feedback@genk.example", "feedback password 1")}


def login(client, email, password, lang_prefix=""):
    """Log in through the form, as a person would."""
    return client.post(f"{lang_prefix}/staff/login", data={"email": email, "password": password})
