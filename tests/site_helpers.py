"""Build the knowledge base once per test run, shared by every xdist worker, and read the built pages back."""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import subprocess
import sys
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import yaml
from bs4 import BeautifulSoup

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
LANGUAGES = ("nl", "tr", "bg")
DEFAULT_LANGUAGE = "nl"


@dataclass(frozen=True)
class BuildResult:
    """The output folder of one `mkdocs build --strict` and what it logged."""

    site: Path
    returncode: int
    log: str


def build_site(target: Path) -> BuildResult:
    """Run the strict build the way `make site` does, into `target`."""
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    process = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(target)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    return BuildResult(target, process.returncode, process.stdout + process.stderr)


# What the build reads: a change to any of these is another site.
BUILD_SOURCES = ("docs", "overrides", "hooks", "mkdocs.yml")


def sources_key() -> str:
    """A hash of every file the build reads (BUILD_SOURCES), names and contents."""
    digest = hashlib.sha256()
    for source in BUILD_SOURCES:
        path = ROOT / source
        files = sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path]
        for file in files:
            if "__pycache__" in file.parts:
                continue
            digest.update(str(file.relative_to(ROOT)).encode() + b"\0" + file.read_bytes() + b"\0")
    return digest.hexdigest()[:16]


def shared_build(folder: Path) -> BuildResult:
    """One strict build in `folder` (shared by the workers of a run) per state of the sources; the first
    worker builds under a file lock, the others wait for it and read the same result."""
    folder.mkdir(parents=True, exist_ok=True)
    key = sources_key()
    target, record = folder / f"site-{key}", folder / f"site-{key}.json"
    with (folder / f"site-{key}.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file closes, also if this worker dies
        if not record.exists():
            built = build_site(target)
            record.write_text(json.dumps({"returncode": built.returncode, "log": built.log}), encoding="utf-8")
    stored = json.loads(record.read_text(encoding="utf-8"))
    return BuildResult(target, stored["returncode"], stored["log"])


def guide_paths() -> list[str]:
    """The guides in the order of the navigation, as paths relative to a language folder."""
    config = yaml.load((ROOT / "mkdocs.yml").read_text(encoding="utf-8"), Loader=_IgnoreTags)
    paths: list[str] = []

    def walk(items):
        for item in items:
            if isinstance(item, str):
                paths.append(item)
            elif isinstance(item, dict):
                for value in item.values():
                    walk(value if isinstance(value, list) else [value])

    walk(config["nav"])
    return paths


class _IgnoreTags(yaml.SafeLoader):
    """Reads mkdocs.yml without resolving its !ENV and python tags."""


_IgnoreTags.add_multi_constructor("!", lambda loader, suffix, node: None)
_IgnoreTags.add_multi_constructor("tag:yaml.org,2002:python/", lambda loader, suffix, node: None)


def page_url(language: str, guide: str) -> str:
    """The URL path of a guide in a language: `wonen/huren.md` -> `/tr/wonen/huren/`."""
    stem = guide[: -len(".md")]
    if stem == "index":
        path = ""
    elif stem.endswith("/index"):
        path = stem[: -len("index")]
    else:
        path = stem + "/"
    prefix = "/" if language == DEFAULT_LANGUAGE else f"/{language}/"
    return prefix + path


def url_to_file(site: Path, url_path: str) -> Path:
    """The file a static server would answer for a URL path."""
    relative = url_path.lstrip("/")
    candidate = site / relative
    if url_path.endswith("/") or candidate.is_dir():
        candidate = candidate / "index.html"
    return candidate


@dataclass(frozen=True)
class BuiltPage:
    """One guide as built: its language, guide path, URL and file."""

    language: str
    guide: str
    url: str
    file: Path

    @cached_property
    def soup(self) -> BeautifulSoup:
        return BeautifulSoup(self.file.read_text(encoding="utf-8"), "html.parser")

    @property
    def front_matter(self) -> dict:
        text = (DOCS / self.language / self.guide).read_text(encoding="utf-8")
        if not text.startswith("---"):
            return {}
        return yaml.safe_load(text.split("---", 2)[1]) or {}

    def __repr__(self) -> str:
        return f"<{self.url}>"
