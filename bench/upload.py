"""Memory and time of one photo sent with the feedback form, before and after a change to the decoder.

    .venv/bin/python bench/upload.py [--before main] [--runs 3]

Each upload runs in a fresh process (a worker as gunicorn's): the portal's create_app() on a SQLite
file of its own, CSRF and rate limits off, a warm-up request with a small photo (Pillow's plugins,
templates, the database connection), then one POST of /feedback/ with the photo. Peak memory is
the worker's resident set above what it held just before that POST (Linux: VmHWM after resetting
it through /proc/self/clear_refs); time is the whole request, form parsing to commit. "Before" is
participation/feedback/photos.py as it is in the `--before` commit, "after" as it is in the working
tree; the rest of the portal is the working tree's in both.
"""

from __future__ import annotations

import argparse
import importlib.util
import io
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
PHOTOS = "participation/feedback/photos.py"
TARGET_MB, TARGET_SECONDS = 100, 1.0


# --- the photos -----------------------------------------------------------------------------------


def phone_jpeg() -> bytes:
    """A 12-MP phone photo: 4032 × 3024, camera detail, EXIF with the orientation and a GPS position."""
    from PIL import Image, ImageFilter

    detail = [Image.effect_noise((4032, 3024), sigma).filter(ImageFilter.GaussianBlur(1.2)) for sigma in (50, 40, 60)]
    image = Image.merge("RGB", detail)
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"
    exif[0x0112] = 6  # held upright
    exif.get_ifd(0x8825).update({1: "N", 2: (50.0, 59.0, 30.0), 3: "E", 4: (5.0, 30.0, 15.0)})
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=88, exif=exif)
    return out.getvalue()


def flat_png(size: tuple[int, int]) -> bytes:
    """A half-transparent gradient: a few kilobytes, as many decoded bytes as any RGBA PNG of its size."""
    from PIL import Image

    image = Image.linear_gradient("L").resize(size).convert("RGB")
    image.putalpha(128)
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def palette_png(size: tuple[int, int]) -> bytes:
    """A palette PNG with a transparent colour: one byte a pixel decoded, every pixel filtered in RGBA."""
    from PIL import Image

    image = Image.linear_gradient("L").resize(size).convert("P")
    out = io.BytesIO()
    image.save(out, format="PNG", transparency=0)
    return out.getvalue()


def worst_jpeg(size: tuple[int, int]) -> bytes:
    """A JPEG just under twice the stored size on each side: decoded in full, no smaller scale fits."""
    from PIL import Image

    out = io.BytesIO()
    Image.linear_gradient("L").resize(size).convert("RGB").save(out, format="JPEG", quality=90)
    return out.getvalue()


def photos_module(path: Path, name: str = "photos_under_test"):
    """photos.py from `path`, loaded on its own as module `name` (it needs nothing but Pillow)."""
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def worst_png_size(after) -> tuple[int, int]:
    """The largest square RGBA PNG the new decoder accepts (its memory budget), or its pixel cap."""
    budget = getattr(after, "DECODE_BUDGET", None)
    pixels = budget // 4 if budget else after.MAX_PIXELS
    side = int(min(pixels, after.MAX_PIXELS) ** 0.5)
    return side, side


def inputs(after) -> dict[str, bytes]:
    """The photos, by the name printed in the table."""
    side = worst_png_size(after)
    longest = 2 * after.MAX_SIDE - 1
    palette = int(after.MAX_PIXELS ** 0.5)
    return {
        "12-MP phone JPEG 4032×3024": phone_jpeg(),
        f"worst accepted PNG {side[0]}×{side[1]} RGBA": flat_png(side),
        f"palette PNG {palette}×{palette}, transparent": palette_png((palette, palette)),
        f"JPEG decoded in full {longest}×{longest * 3 // 4}": worst_jpeg((longest, longest * 3 // 4)),
        "issue's PNG 6300×6300 RGBA": flat_png((6300, 6300)),
    }


# --- one upload in a fresh process -------------------------------------------------------------------


def _status_mb(key: str) -> float:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith(key + ":"):
                return int(line.split()[1]) / 1024
    raise KeyError(key)


def _reset_peak() -> bool:
    """Start the resident set's high-water mark again from now (Linux 4.0 and later)."""
    try:
        with open("/proc/self/clear_refs", "w") as clear:
            clear.write("5")
        return True
    except OSError:
        return False


def child(photos_path: str, photo_path: str, folder: str) -> dict:
    """Send the photo once, in this process; what it cost and what was stored."""
    import gc

    # The decoder under test takes the place of the portal's own before anything imports it.
    photos_module(Path(photos_path), "participation.feedback.photos")
    from flask_migrate import upgrade
    from PIL import Image
    from sqlalchemy import select
    from werkzeug.datastructures import FileStorage
    from werkzeug.test import encode_multipart

    from participation import create_app
    from participation.extensions import db
    from participation.feedback.models import FeedbackPhoto

    os.environ["INSTANCE_PATH"] = str(Path(folder) / "instance")
    app = create_app({"TESTING": True, "SECRET_KEY": "bench", "WTF_CSRF_ENABLED": False,
                      "RATELIMIT_ENABLED": False, "SITE_DIR": folder, "PUBLIC_BASE_URL": "https://wijkpunt.example",
                      "SQLALCHEMY_DATABASE_URI": f"sqlite:///{Path(folder) / 'bench.sqlite3'}"})
    with app.app_context():
        upgrade()
    client = app.test_client()

    def send(data: bytes, name: str):
        form = {"kind": "problem", "category": "waste", "message": "Afval naast de glasbak.", "street": "",
                "website": "", "submission_id": uuid.uuid4().hex, "photo": FileStorage(io.BytesIO(data), filename=name)}
        boundary, body = encode_multipart(form)
        return client.post("/feedback/", data=body, content_type=f"multipart/form-data; boundary={boundary}")

    small = io.BytesIO()
    Image.new("RGB", (64, 48), (200, 30, 30)).save(small, format="JPEG")
    assert send(small.getvalue(), "warm-up.jpg").status_code == 302
    photo = Path(photo_path).read_bytes()
    gc.collect()
    reset = _reset_peak()
    idle = _status_mb("VmRSS")
    started, cpu_started = time.perf_counter(), time.process_time()
    response = send(photo, Path(photo_path).name)
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu_started
    peak = _status_mb("VmHWM") if reset else resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    if response.status_code == 302 and "/thanks" not in response.location:
        with app.app_context():
            stored = db.session.scalars(select(FeedbackPhoto).order_by(FeedbackPhoto.id.desc())).first()
            result = f"stored {stored.width}×{stored.height}"
    else:
        result = f"refused ({response.status_code})"
    return {"seconds": seconds, "cpu": cpu, "mb": peak - idle, "idle_mb": idle, "result": result, "hwm_reset": reset}


def measure(photos_path: Path, photo_path: Path, runs: int) -> dict:
    """The median of `runs` uploads, each in a fresh process."""
    results = []
    for _ in range(runs):
        with tempfile.TemporaryDirectory(prefix="bench-upload-") as folder:
            done = subprocess.run(
                [sys.executable, __file__, "--child", str(photos_path), str(photo_path), folder],
                capture_output=True, text=True, cwd=REPO, env={**os.environ, "PYTHONPATH": str(REPO)})
            if done.returncode != 0:
                raise SystemExit(f"upload failed:\n{done.stderr}")
            results.append(json.loads(done.stdout.strip().splitlines()[-1]))
    medians = {key: statistics.median(r[key] for r in results) for key in ("seconds", "cpu", "mb", "idle_mb")}
    return medians | {"result": results[-1]["result"], "hwm_reset": all(r["hwm_reset"] for r in results)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--before", default="main", help="the commit whose photos.py is 'before' (default: main)")
    parser.add_argument("--runs", type=int, default=3, help="uploads per photo and version (median)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-photos-") as folder:
        before = Path(folder) / "photos_before.py"
        before.write_bytes(subprocess.run(["git", "show", f"{args.before}:{PHOTOS}"], cwd=REPO, check=True,
                                          capture_output=True).stdout)
        after = REPO / PHOTOS
        cases = inputs(photos_module(after))
        commit = subprocess.run(["git", "rev-parse", "--short", args.before], cwd=REPO, capture_output=True,
                                text=True).stdout.strip()
        print(f"One upload of /feedback/ per process, median of {args.runs}; before: {PHOTOS} of {commit}, "
              f"after: the working tree. Target: < {TARGET_MB} MB above idle, < {TARGET_SECONDS:g} s.")
        print(f"load average: {os.getloadavg()[0]:.2f}\n")
        header = f"{'photo':40} {'file':>8} | {'before':^47} | {'after':^47} | target"
        print(header)
        print("-" * len(header))
        for name, data in cases.items():
            path = Path(folder) / ("photo.jpg" if "JPEG" in name else "photo.png")
            path.write_bytes(data)
            row = [measure(version, path, args.runs) for version in (before, after)]
            cells = [f"{r['seconds']:5.2f} s (CPU {r['cpu']:4.2f}) {r['mb']:4.0f} MB  {r['result']:<19}" for r in row]
            met = row[1]["mb"] < TARGET_MB and row[1]["cpu"] < TARGET_SECONDS
            print(f"{name:40} {len(data) / 1000:6.0f} KB | {cells[0]:47} | {cells[1]:47} | "
                  f"{'met' if met else 'MISSED'}")
        print(f"\nTime: the request's wall clock, and the CPU time of the worker (what the 1 s target is checked "
              f"on: a busy machine stretches the wall clock, not the CPU time).\n"
              f"Worker idle (just before the upload): {row[1]['idle_mb']:.0f} MB"
              + ("" if row[1]["hwm_reset"] else "; peak from ru_maxrss (no /proc/self/clear_refs)"))


if __name__ == "__main__":
    if len(sys.argv) == 5 and sys.argv[1] == "--child":
        print(json.dumps(child(*sys.argv[2:])))
    else:
        main()
