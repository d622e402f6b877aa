"""Answers that are the same for every visitor, kept in each process's memory between requests.

The agenda and its feeds are read far more often than staff change them. A view that can name its
content with a cheap key (a few aggregates of the event table) keeps the rendered body under that
key, and marks the response as shared so that `participation.compression` also keeps the
compressed bytes. Each gunicorn worker has its own small cache; nothing here is shared between
processes or needs invalidating: a change to the events changes the key.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Hashable
from typing import Any

from flask import current_app, g


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
