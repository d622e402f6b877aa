"""How long the full three-language build of the guides takes (`mkdocs build --strict`, as `make site`).

Each run builds into a fresh temporary folder; the first run also pays for Python's imports and
cold file caches, so it is shown apart from the rest. Besides the wall-clock time it prints the CPU
time the build used, which other work on the machine hardly changes.

    .venv/bin/python bench/build_time.py [--runs 5]
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import tempfile
from pathlib import Path

from portal import build_site


def main() -> None:
    """Build `--runs` times and print each time, the median and the spread."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=5, help="number of builds (default 5)")
    options = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="wijkpunt-build-"))
    try:
        times, cpu_times = [], []
        for run in range(1, options.runs + 1):
            before = resource.getrusage(resource.RUSAGE_CHILDREN)
            took = build_site(folder / f"site{run}")
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
            cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
            files = sum(1 for _ in (folder / f"site{run}").rglob("*.html"))
            times.append(took)
            cpu_times.append(cpu)
            print(f"run {run}: {took:6.2f} s wall, {cpu:5.2f} s CPU  ({files} HTML pages, "
                  f"load average {os.getloadavg()[0]:.1f})")
        rest, rest_cpu = (times[1:], cpu_times[1:]) if len(times) > 1 else (times, cpu_times)
        print(f"median {statistics.median(rest):.2f} s wall (min {min(rest):.2f}, max {max(rest):.2f}), "
              f"{statistics.median(rest_cpu):.2f} s CPU, over runs 2-{options.runs}; "
              f"first run {times[0]:.2f} s wall, {cpu_times[0]:.2f} s CPU")
    finally:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
