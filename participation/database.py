"""Database settings that differ per engine."""

from __future__ import annotations

import os

from flask import Flask
from sqlalchemy import event

from participation.extensions import db

SQLITE_BUSY_SECONDS = 30


def sqlite_options(config) -> None:
    """SQLite waits for a busy lock instead of failing at once (several processes share the file)."""
    if config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        options = dict(config.get("SQLALCHEMY_ENGINE_OPTIONS") or {})
        options["connect_args"] = {**options.get("connect_args", {}), "timeout": SQLITE_BUSY_SECONDS}
        config["SQLALCHEMY_ENGINE_OPTIONS"] = options


def init_app(app: Flask) -> None:
    """Write-ahead logging on SQLite: readers never wait for the one writer."""
    with app.app_context():
        engine = db.engine
    if engine.dialect.name == "sqlite":
        _owner_only(engine.url.database)

        @event.listens_for(engine, "connect")
        def _pragmas(connection, _record):
            cursor = connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.close()


def _owner_only(path: str | None) -> None:
    """The SQLite file holds children's and residents' data: readable and writable by its owner only.

    SQLite gives its -wal and -shm files the main file's permissions, so setting them here covers all three.
    """
    if not path or path == ":memory:" or path.startswith("file:"):
        return
    os.close(os.open(path, os.O_CREAT | os.O_RDWR, 0o600))
    os.chmod(path, 0o600)
