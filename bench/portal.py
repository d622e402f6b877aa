"""Shared by the benchmarks: build the guides and run the portal under gunicorn, as `make serve` does.

Everything goes into a temporary folder (site, SQLite file, instance folder), so a benchmark never
touches `site/` or `instance/` of the working copy.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
BIN = REPO / ".venv" / "bin"
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "tests"))
from live_portal import free_port  # noqa: E402,F401  (the tests' own; server.py and page_weight.py take it from here)


def build_site(target: Path) -> float:
    """`mkdocs build --strict` into `target`, as `make site` does; returns the seconds it took."""
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    started = time.perf_counter()
    process = subprocess.run([str(BIN / "mkdocs"), "build", "--strict", "--site-dir", str(target)],
                             cwd=REPO, env=env, capture_output=True, text=True)
    took = time.perf_counter() - started
    if process.returncode != 0:
        raise SystemExit(f"mkdocs build failed:\n{process.stdout}{process.stderr}")
    return took


def portal_env(folder: Path, site: Path, port: int, database_url: str | None = None) -> dict[str, str]:
    """The environment `make serve` gives the app, pointed at a temporary instance folder."""
    env = {**os.environ, "FLASK_APP": "participation", "INSTANCE_PATH": str(folder / "instance"),
           "SITE_DIR": str(site), "PUBLIC_BASE_URL": f"http://127.0.0.1:{port}", "SECRET_KEY": "bench secret key",
           "NO_MKDOCS_2_WARNING": "1"}
    env["DATABASE_URL"] = database_url or f"sqlite:///{folder / 'instance' / 'wijkpunt.sqlite3'}"
    return env


def flask(env: dict[str, str], *args: str) -> str:
    """A `flask` command of the portal (db upgrade, seed-demo); its output."""
    process = subprocess.run([str(BIN / "flask"), *args], cwd=REPO, env=env, capture_output=True, text=True)
    if process.returncode != 0:
        raise SystemExit(f"flask {' '.join(args)} failed:\n{process.stdout}{process.stderr}")
    return process.stdout


@dataclass(frozen=True)
class Served:
    """A running gunicorn: its address and the process id of its master."""

    url: str
    pid: int

    def worker_cpu_seconds(self) -> float:
        """User and system CPU time the workers have used so far (from /proc)."""
        ticks = os.sysconf("SC_CLK_TCK")
        children = Path(f"/proc/{self.pid}/task/{self.pid}/children").read_text().split()
        total = 0
        for child in children:
            with contextlib.suppress(OSError):
                fields = Path(f"/proc/{child}/stat").read_text().rsplit(")", 1)[1].split()
                total += int(fields[11]) + int(fields[12])  # utime, stime
        return total / ticks


@contextlib.contextmanager
def gunicorn(app_spec: str, env: dict[str, str], port: int, log: Path, workers: int = 2) -> Iterator[Served]:
    """gunicorn serving `app_spec` on 127.0.0.1:`port` (sync workers, as `make serve`)."""
    base = f"http://127.0.0.1:{port}"
    with log.open("w") as output:
        process = subprocess.Popen(
            # A short graceful timeout: at the end of a run, requests still queued are not worth waiting for.
            [str(BIN / "gunicorn"), "--workers", str(workers), "--bind", f"127.0.0.1:{port}",
             "--graceful-timeout", "5", "--chdir", str(REPO), app_spec],
            cwd=REPO, env=env, stdout=output, stderr=subprocess.STDOUT,
        )
    try:
        _wait_until_up(base, process, log)
        yield Served(base, process.pid)
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _wait_until_up(base: str, process: subprocess.Popen, log: Path, seconds: float = 60) -> None:
    """Poll the agenda until both workers could answer; give up after `seconds`."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"gunicorn stopped:\n{log.read_text()}")
        try:
            with urllib.request.urlopen(base + "/agenda/", timeout=5) as response:
                if response.status == 200:
                    time.sleep(1)  # the second worker boots at the same pace
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            time.sleep(0.2)
    raise SystemExit(f"gunicorn did not answer within {seconds} s:\n{log.read_text()}")
