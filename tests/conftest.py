"""Shared fixtures: the built knowledge base, the participation app on a migrated database, a browser."""

from __future__ import annotations

import os

import pytest

from chromium import CHROMIUM, launched, require
from site_helpers import LANGUAGES, BuiltPage, guide_paths, page_url, shared_build, url_to_file


# Modules that start the portal as production runs it (gunicorn, outbox workers) and send it a crowd:
# `make test-fast` leaves them out with the browser tests (-m "not browser and not load").
LOAD_MODULES = {"test_load", "test_scale"}


def pytest_collection_modifyitems(items):
    """Mark the tests of LOAD_MODULES `load`."""
    for item in items:
        if item.module is not None and item.module.__name__.rpartition(".")[2] in LOAD_MODULES:
            item.add_marker(pytest.mark.load)


@pytest.fixture(scope="session", autouse=True)
def _no_instance_folder_in_the_checkout(tmp_path_factory):
    """A create_app() that names no instance folder of its own writes into a temporary one, never the checkout."""
    os.environ.setdefault("INSTANCE_PATH", str(tmp_path_factory.mktemp("default-instance")))


@pytest.fixture(scope="session")
def run_folder(tmp_path_factory):
    """A folder shared by every xdist worker of this run (each worker's base folder is a child of it)."""
    base = tmp_path_factory.getbasetemp()
    return base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base


@pytest.fixture(scope="session")
def built(run_folder):
    """One strict build of the whole site per run: the first worker builds, the others wait and share it."""
    return shared_build(run_folder / "built-site")


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

import atexit
import functools
import shutil
import subprocess
import tempfile
import uuid

import psycopg
from bs4 import BeautifulSoup

from authenticator import Authenticator

from participation import create_app
from participation.extensions import db as _db

POSTGRES_URL = os.environ.get("TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
PLAIN_POSTGRES_URL = POSTGRES_URL.replace("+psycopg", "")
DATABASES = ("sqlite", "postgresql")
# Modules none of whose tests read or write the database: they run on SQLite only (the checkers are
# computed from rule files). A test elsewhere says so with @pytest.mark.one_database.
ONE_DATABASE_MODULES = {"test_checkers"}


def pytest_generate_tests(metafunc):
    """A test that uses a database runs on SQLite and on PostgreSQL, unless it never touches one or
    names its database itself (`@pytest.mark.parametrize("database_url", [...], indirect=True)`)."""
    if "database_url" not in metafunc.fixturenames:
        return
    for marker in metafunc.definition.iter_markers("parametrize"):
        names = marker.args[0]
        if "database_url" in ([n.strip() for n in names.split(",")] if isinstance(names, str) else names):
            return
    one = metafunc.module.__name__.rpartition(".")[2] in ONE_DATABASE_MODULES or \
        metafunc.definition.get_closest_marker("one_database") is not None
    metafunc.parametrize("database_url", DATABASES[:1] if one else DATABASES, indirect=True)


def _postgres_reachable() -> bool:
    try:
        with psycopg.connect(PLAIN_POSTGRES_URL, connect_timeout=2):
            return True
    except psycopg.OperationalError:
        return False


@pytest.fixture(scope="session")
def postgres_available() -> bool:
    return _postgres_reachable()


# Databases known to be at the head revision: make_app does not migrate them again.
MIGRATED: set[str] = set()
_SCHEMA = "@schema@"  # the schema's name in the dump of the template schema


@functools.cache
def _template_folder() -> str:
    """A folder of this process for the templates, removed when it ends."""
    folder = tempfile.mkdtemp(prefix="wijkpunt-templates-")
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    return folder


def _migrate(database_url: str) -> None:
    """Run every Alembic migration on `database_url`, as `flask db upgrade` does."""
    from flask_migrate import upgrade

    app = create_app({"TESTING": True, "SECRET_KEY": "template", "SQLALCHEMY_DATABASE_URI": database_url,
                      "INSTANCE_PATH": os.path.join(_template_folder(), "instance")})
    with app.app_context():
        upgrade()
    _close(app)


@functools.cache
def sqlite_template() -> str:
    """A SQLite file migrated to the head revision once per process; each test gets a copy of it."""
    path = os.path.join(_template_folder(), "template.sqlite3")
    _migrate(f"sqlite:///{path}")
    return path


def _postgres_url(schema: str) -> str:
    return f"{POSTGRES_URL}?options=-csearch_path%3D{schema}"


@functools.cache
def postgres_template() -> str | None:
    """The tables, indexes and rows of a PostgreSQL schema migrated to the head revision once per process,
    as SQL with _SCHEMA for the schema's name (pg_dump); None without pg_dump (then each test migrates)."""
    if not shutil.which("pg_dump"):
        return None
    schema = f"template_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(PLAIN_POSTGRES_URL, autocommit=True) as connection:
        connection.execute(f'CREATE SCHEMA "{schema}"')
    try:
        _migrate(_postgres_url(schema))
        dump = subprocess.run(["pg_dump", "--dbname", PLAIN_POSTGRES_URL, "--schema", schema, "--inserts",
                               "--no-owner", "--no-privileges"], capture_output=True, text=True)
    finally:
        with psycopg.connect(PLAIN_POSTGRES_URL, autocommit=True) as connection:
            connection.execute(f'DROP SCHEMA "{schema}" CASCADE')
    if dump.returncode != 0:  # e.g. a pg_dump older than the server
        return None
    # psql's own commands (\restrict since PostgreSQL 17.6/16.10/15.14) are not SQL.
    return "\n".join(line for line in dump.stdout.splitlines() if not line.startswith("\\")).replace(
        schema, _SCHEMA)


def _copy_sqlite_template(database_url: str) -> bool:
    """Make a new SQLite file at `database_url` a copy of the template; False if it is no new file."""
    if not database_url.startswith("sqlite:///"):
        return False
    path = database_url.removeprefix("sqlite:///")
    if os.path.exists(path):
        return False
    shutil.copyfile(sqlite_template(), path)
    MIGRATED.add(database_url)
    return True


@pytest.fixture
def database_url(request, tmp_path, postgres_available):
    """A fresh database at the head revision: a copy of the migrated SQLite file, or a schema of its own
    in PostgreSQL filled from the migrated template schema."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'test.sqlite3'}"
        _copy_sqlite_template(url)
        yield url
        return
    if not postgres_available:
        if os.environ.get("CI"):
            pytest.fail(f"PostgreSQL is not reachable at {POSTGRES_URL}")
        pytest.skip("PostgreSQL is not reachable")
    schema = f"t_{uuid.uuid4().hex[:12]}"
    template = postgres_template()
    with psycopg.connect(PLAIN_POSTGRES_URL, autocommit=True) as connection:
        if template is None:
            connection.execute(f'CREATE SCHEMA "{schema}"')
        else:
            connection.execute(template.replace(_SCHEMA, schema))
    url = _postgres_url(schema)
    if template is not None:
        MIGRATED.add(url)
    yield url
    MIGRATED.discard(url)
    with psycopg.connect(PLAIN_POSTGRES_URL, autocommit=True) as connection:
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
    """The app as in production, but with test settings, its instance folder in `tmp_path` and a database at
    the head revision (a new SQLite file starts as a copy of the template; any other is migrated once)."""
    from flask_migrate import upgrade

    config = {
        "TESTING": True,
        "SECRET_KEY": "test secret key",
        "SQLALCHEMY_DATABASE_URI": database_url,
        "INSTANCE_PATH": str(tmp_path / "instance"),
        "SITE_DIR": str(site_dir),
        "WTF_CSRF_ENABLED": False,
        "RATELIMIT_ENABLED": False,
        "RATELIMIT_STORAGE_URI": "memory://",
        "PUBLIC_BASE_URL": "https://wijkpunt.example",
        "SERVER_NAME": None,
        **overrides,
    }
    _copy_sqlite_template(database_url)
    app = create_app(config)
    if database_url not in MIGRATED:
        with app.app_context():
            upgrade()
        if database_url != "sqlite://":  # each in-memory database is another
            MIGRATED.add(database_url)
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
