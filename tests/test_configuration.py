"""Documentation is tested (as Datasette does): README's configuration table and the environment
variables the portal reads are the same set, and a documented setting really changes the app."""

from __future__ import annotations

import ast
import os
import re
import subprocess
from pathlib import Path

import pytest

from participation import config

REPO = Path(__file__).resolve().parent.parent
# Read by `make serve` (its recipe), not by the app; the table says so ("`make serve` only").
MAKE_SERVE_ONLY = {"PORT", "HOST", "WORKERS", "MAIL_SINK_PORT"}


def documented() -> set[str]:
    """Every variable named in the first column of README's table under "## Configuration"."""
    text = (REPO / "README.md").read_text(encoding="utf-8")
    section = text.split("\n## Configuration\n", 1)[1].split("\n## ", 1)[0]
    rows = [line for line in section.splitlines() if line.startswith("| `")]
    assert rows, "README's configuration table not found"
    return {name for row in rows for name in re.findall(r"`([A-Z][A-Z0-9_]*)`", row.split("|")[1])}


def _env_name(node: ast.AST) -> str | None:
    """The variable name of `os.environ.get("X")`, `os.environ["X"]`, `os.getenv("X")` or `environ.get("X")`."""
    def is_environ(value: ast.AST) -> bool:
        return (isinstance(value, ast.Attribute) and value.attr == "environ") or (
            isinstance(value, ast.Name) and value.id == "environ")

    if isinstance(node, ast.Call) and node.args and isinstance(node.args[0], ast.Constant):
        function = node.func
        if isinstance(function, ast.Attribute) and function.attr in ("get", "pop", "setdefault") \
                and is_environ(function.value):
            return node.args[0].value
        if isinstance(function, ast.Attribute) and function.attr == "getenv":
            return node.args[0].value
    if isinstance(node, ast.Subscript) and is_environ(node.value) and isinstance(node.slice, ast.Constant):
        return node.slice.value
    return None


def read_by(paths) -> dict[str, set[str]]:
    """Environment variable -> the files (relative) that read it."""
    found: dict[str, set[str]] = {}
    for path in paths:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            name = _env_name(node)
            if name:
                found.setdefault(name, set()).add(str(path.relative_to(REPO)))
    return found


def app_sources() -> list[Path]:
    """The app and its event code; tests, benchmarks and Alembic's own scripts are not the app."""
    return [path for folder in ("participation", "events") for path in sorted((REPO / folder).rglob("*.py"))
            if "migrations" not in path.parts]


def test_the_scan_finds_each_way_of_reading_the_environment():
    code = ('import os\nfrom os import environ\nos.environ.get("A")\nos.environ["B"]\nos.getenv("C")\n'
            'environ.get("D", "x")\nsettings.get("E")\n')
    assert {_env_name(node) for node in ast.walk(ast.parse(code))} - {None} == {"A", "B", "C", "D"}


def test_every_variable_the_app_reads_is_in_readmes_table():
    missing = {name: sorted(files) for name, files in read_by(app_sources()).items() if name not in documented()}
    assert not missing, f"read from the environment but not in README's configuration table: {missing}"


def test_every_variable_in_readmes_table_is_read():
    by_app = set(read_by(app_sources()))
    by_site = set(re.findall(r"!ENV \[?\s*([A-Z][A-Z0-9_]*)", (REPO / "mkdocs.yml").read_text(encoding="utf-8")))
    makefile = (REPO / "Makefile").read_text(encoding="utf-8")
    by_make = {name for name in MAKE_SERVE_ONLY if re.search(rf"^{name}\s*\?=", makefile, re.MULTILINE)}
    assert by_make == MAKE_SERVE_ONLY, "a `make serve` variable lost its `?=` in the Makefile"
    unread = documented() - by_app - by_site - by_make
    assert not unread, f"in README's configuration table but read by nothing: {sorted(unread)}"


@pytest.mark.parametrize(("variable", "value", "expected"), [
    ("FEEDBACK_RETENTION_MONTHS", "36", 36),
    ("FEEDBACK_CONTACT_RETENTION_MONTHS", "3", 3),
    ("SIGNUP_RETENTION_DAYS", "14", 14),
    ("ENROLMENT_RETENTION_MONTHS", "1", 1),
    ("AUDIT_RETENTION_MONTHS", "12", 12),
    ("OUTBOX_RETENTION_DAYS", "7", 7),
])
def test_a_retention_setting_in_the_environment_is_the_one_used(monkeypatch, tmp_path, variable, value, expected):
    monkeypatch.setenv(variable, value)
    assert config.from_environment(str(tmp_path))[variable] == expected


def test_retention_defaults_are_those_readme_states(monkeypatch, tmp_path):
    for name in ("FEEDBACK_RETENTION_MONTHS", "FEEDBACK_CONTACT_RETENTION_MONTHS"):
        monkeypatch.delenv(name, raising=False)
    settings = config.from_environment(str(tmp_path))
    assert (settings["FEEDBACK_CONTACT_RETENTION_MONTHS"], settings["FEEDBACK_RETENTION_MONTHS"]) == (6, 24)


def serve_recipe(*assignments: str) -> str:
    """What `make serve` would run (`make -n`: nothing is run), with the last lines: the servers."""
    environment = {key: value for key, value in os.environ.items() if key not in ("MAIL_SERVER", "MAIL_SINK_PORT")}
    return subprocess.run(["make", "-n", "serve", *assignments], cwd=REPO, capture_output=True, text=True,
                          check=True, env=environment).stdout


@pytest.mark.parametrize(("assignments", "mail_port"), [((), "8025"), (("PORT=8081",), "8106"),
                                                        (("PORT=8081", "MAIL_SINK_PORT=2525"), "2525")])
def test_make_serve_starts_its_mail_server_where_the_worker_sends(assignments, mail_port):
    """Two `make serve` with different PORT on one machine do not fight over one mail port."""
    recipe = serve_recipe(*assignments)
    assert re.findall(r"aiosmtpd .*-l 127\.0\.0\.1:(\d+)", recipe) == [mail_port]
    assert re.findall(r"export MAIL_SERVER=127\.0\.0\.1 MAIL_PORT=(\d+)", recipe) == [mail_port]
    assert recipe.index("MAIL_PORT=") < recipe.index("flask outbox-worker")  # the worker inherits it
