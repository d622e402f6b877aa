"""Answers that are the same for every visitor, kept in each process's memory between requests.

The agenda and its feeds are read far more often than staff change them. A view that can name its
content with a cheap key (a few aggregates of the event table) keeps the rendered body under that
key, and marks the response as shared so that `participation.compression` also keeps the
compressed bytes. Each gunicorn worker has its own small cache; nothing here is shared between
processes or needs invalidating: a change to the events changes the key.

Even the key costs a database query, which is most of what a 304 answer costs. `recent()` keeps
the key itself, for a second at most (RECHECK_SECONDS) and only while no process on this machine
has committed a change to events or sign-ups: every such commit appends a byte to the file
`public-changes` in the instance folder (`note_changes`), and a kept key is only used while that
file's size is the one it was read with. So a change is shown at once by every worker on this
machine; app servers on other machines sharing the database show it within RECHECK_SECONDS, as
does a change made outside the app's models (plain SQL in a shell).
"""

from __future__ import annotations

import os
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any

from flask import Flask, current_app, g, has_app_context
from sqlalchemy import event
from sqlalchemy.orm import Session

RECHECK_SECONDS = 1.0
CHANGES_FILE = "public-changes"


class Bounded:
    """A least-recently-used mapping that keeps at most `size` entries."""

    def __init__(self, size: int) -> None:
        self._size = size
        self._entries: OrderedDict[Hashable, Any] = OrderedDict()
        self._lock = threading.Lock()  # gunicorn's threaded workers would share it

    def get(self, key: Hashable) -> Any | None:
        """The value under `key`, or None."""
        with self._lock:
            value = self._entries.get(key)
            if value is not None:
                self._entries.move_to_end(key)
            return value

    def put(self, key: Hashable, value: Any) -> None:
        """Keep `value`; the least recently used entry goes when the cache is full."""
        with self._lock:
            self._entries[key] = value
            self._entries.move_to_end(key)
            while len(self._entries) > self._size:
                self._entries.popitem(last=False)


def cache(name: str, size: int = 32) -> Bounded:
    """The app's cache called `name` (one per app, so two apps never see each other's pages)."""
    caches = current_app.extensions.setdefault("wijkpunt_caches", {})
    if name not in caches:
        caches[name] = Bounded(size)
    return caches[name]


def share_body(key: str) -> None:
    """Declare that this response's body is named by `key` for everybody (compression may keep it)."""
    g.shared_body_key = key


def shared_body_key() -> str | None:
    return g.get("shared_body_key")


# --- what the public pages show changed -------------------------------------------------------


def _changes_file() -> str:
    return os.path.join(current_app.instance_path, CHANGES_FILE)  # a str: this runs on every agenda request


def changes_seen() -> int:
    """How many commits changed what the public pages show, as far as this machine knows."""
    try:
        return os.stat(_changes_file()).st_size
    except FileNotFoundError:
        return 0


def recent(key: Hashable, compute: Callable[[], Any]) -> Any:
    """`compute()`, or the value it gave less than RECHECK_SECONDS ago if nothing changed since."""
    seen = changes_seen()  # before computing: a change committed meanwhile makes the next call recompute
    now = time.monotonic()
    values = cache("recent", size=256)
    kept = values.get(key)
    if kept is not None and kept[0] == seen and now - kept[1] < current_app.config["RECHECK_SECONDS"]:
        return kept[2]
    value = compute()
    values.put(key, (seen, now, value))
    return value


def note_changes(*models: type) -> None:
    """After every commit that added, changed or deleted a row of `models`, advance `changes_seen()`."""

    def flushed(session: Session, _context) -> None:
        touched = (*session.new, *session.dirty, *session.deleted)
        if any(isinstance(row, models) for row in touched):
            session.info["public_change"] = True

    def committed(session: Session) -> None:
        if session.info.pop("public_change", False) and has_app_context():
            try:
                with open(_changes_file(), "ab") as changes:  # appends are atomic between processes
                    changes.write(b".")
            except OSError as error:  # a read-only instance folder: other workers catch up within RECHECK_SECONDS
                current_app.logger.warning("cannot note a change in %s: %s", _changes_file(), error)

    def rolled_back(session: Session) -> None:
        session.info.pop("public_change", None)

    event.listen(Session, "after_flush", flushed)
    event.listen(Session, "after_commit", committed)
    event.listen(Session, "after_rollback", rolled_back)


def init_app(app: Flask) -> None:
    """How long a kept key may be used at most; commits to events and sign-ups are noted (once per process)."""
    from events.models import DateChange, Event, EventText
    from participation.signups.models import Signup

    app.config.setdefault("RECHECK_SECONDS", RECHECK_SECONDS)
    if not _noting.is_set():
        _noting.set()
        note_changes(Event, EventText, DateChange, Signup)


_noting = threading.Event()
