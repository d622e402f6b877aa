"""Debian's Chromium under Playwright, started the same way by every browser test and bench/page_weight.py.

Playwright never downloads a browser here: it drives /usr/bin/chromium (`.ci/run` installs it).
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from playwright.sync_api import Browser

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]


def require(path: str, what: str) -> None:
    """CI must have the tool; elsewhere its absence skips the test."""
    if not shutil.which(path) and not os.path.exists(path):
        if os.environ.get("CI"):
            pytest.fail(f"{path} is missing ({what})")
        pytest.skip(f"{path} is not installed ({what})")


@contextmanager
def launched() -> Iterator[Browser]:
    """One headless Chromium, closed afterwards."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield instance
        finally:
            instance.close()
