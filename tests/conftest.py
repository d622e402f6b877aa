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
from bs4 import BeautifulSoup

from authenticator import Authenticator

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


REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379")


@pytest.fixture(scope="session")
def redis_url() -> str:
    """Redis on loopback; CI must have it (.ci/run starts it), elsewhere its absence skips."""
    import redis

    try:
        client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2)
        client.ping()
        client.close()
    except redis.RedisError:
        if os.environ.get("CI"):
            pytest.fail(f"Redis is not reachable at {REDIS_URL}")
        pytest.skip(f"Redis is not reachable at {REDIS_URL}")
    return REDIS_URL


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


# The phone of each account with two-step login, by e-mail address: set by the fixture that made it.
AUTHENTICATORS: dict[str, Authenticator] = {}
RECOVERY_CODES: dict[str, list[str]] = {}


def set_up_two_step(email: str) -> Authenticator:
    """Two-step login for the account `email` with a new secret, as its owner would set it up; its app."""
    from sqlalchemy import func, select

    from participation.auth import two_step
    from participation.models import StaffUser

    user = _db.session.scalar(select(StaffUser).where(func.lower(StaffUser.email) == email))
    secret = two_step.new_secret()
    RECOVERY_CODES[email] = two_step.switch_on(user, secret)
    _db.session.commit()
    AUTHENTICATORS[email] = Authenticator(secret)
    return AUTHENTICATORS[email]


@pytest.fixture
def users(app):
    """An administrator with every role (and two-step login, as administrators must), and one colleague
    per kind of work, with known passwords."""
    from participation.cli import create_admin
    from participation.models import Role, StaffUser

    with app.app_context():
        create_admin("admin@genk.example", "Ayşe Admin", "admin password 1")
        set_up_two_step("admin@genk.example")
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
    """Log in through the form, as a person would: the password, then the app's code if it asks for one."""
    response = client.post(f"{lang_prefix}/staff/login", data={"email": email, "password": password})
    return enter_code(client, response, email)


def enter_code(client, response, email):
    """After a right password, type the code of `email`'s authenticator app (with the form's CSRF token)."""
    if response.status_code != 302 or "/staff/login/code" not in response.headers["Location"]:
        return response
    code_page = response.headers["Location"]
    token = BeautifulSoup(client.get(code_page).get_data(as_text=True), "html.parser").find(
        "input", attrs={"name": "csrf_token"})
    data = {"code": AUTHENTICATORS[email.strip().lower()].code()}
    if token:
        data["csrf_token"] = token["value"]
    return client.post(code_page, data=data)
