"""Rendition benchmark (issue 4): a 24-megapixel photo to the four standard renditions,
ours against `vipsthumbnail` in the same run.

    python -m bench.renditions [--seed N] [--repeats N]

Renditions: 3840x2160, 1920x1080 and 1080x1920 (fit) and a 480 px thumbnail, each as
JPEG quality 85 and WebP quality 80, metadata stripped, one thread on each side. Ours is
timed inside a fresh worker process (the work of one rendition job: decode, orient,
scale, encode, write); vipsthumbnail as the wall time of its eight commands (one per
size and format, which is how it is used). Peak memory is our worker's maximum RSS.
Needs Debian's `libvips-tools`. Exits non-zero when a target is missed.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from PIL import Image, ImageChops

SIZE = (6000, 4000)  # 24 megapixels, a typical camera
BOXES = (("3840x2160-fit", 3840, 2160), ("1920x1080-fit", 1920, 1080))
BOXES += (("1080x1920-fit", 1080, 1920), ("thumb", 480, 480))
FORMATS = (("jpg", "Q=85"), ("webp", "Q=80"))
TIME_TARGET = 1.3  # ours / vipsthumbnail
MEMORY_TARGET_MB = 300


def make_photo(path: Path, seed: int) -> str:
    """A photo-like JPEG: smooth colour fields with fine grain, from a seeded generator."""
    rng = random.Random(seed)
    fields = Image.frombytes("RGB", (60, 40), rng.randbytes(60 * 40 * 3))
    picture = fields.resize(SIZE, Image.Resampling.BICUBIC)
    grain = Image.frombytes("L", SIZE, rng.randbytes(SIZE[0] * SIZE[1])).convert("RGB")
    picture = ImageChops.blend(picture, grain, 0.12)
    picture.save(path, "JPEG", quality=92)
    return hashlib.sha256(path.read_bytes()).hexdigest()


def ours_once(source: Path, out_dir: Path) -> tuple[float, float]:
    """Seconds of work and peak RSS (MB) of one rendition job in a fresh process."""
    code = (
        "import json, sys, time\n"
        "from pathlib import Path\n"
        "from signage.content import imaging\n"
        "from bench.renditions import BOXES\n"
        "imaging.register_openers()\n"
        "targets = [imaging.Target(n, w, h, 'fit', ('jpg', 'webp')) for n, w, h in BOXES]\n"
        "start = time.perf_counter()\n"
        "with imaging.strict():\n"
        "    source, out = Path(sys.argv[1]), Path(sys.argv[2])\n"
        "    imaging.render_still(imaging.open_upright(source, (3840, 2160)), targets, out)\n"
        "elapsed = time.perf_counter() - start\n"
        # VmHWM, not ru_maxrss: the latter starts from the parent's size at the fork.
        "status = Path('/proc/self/status').read_text().split('VmHWM:')[1]\n"
        "peak = int(status.split()[0]) / 1024\n"
        "print(json.dumps([elapsed, peak]))\n"
    )
    done = subprocess.run(  # noqa: S603 - our own interpreter and code
        [sys.executable, "-c", code, str(source), str(out_dir)],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "OMP_NUM_THREADS": "1"},
    )
    elapsed, peak = json.loads(done.stdout)
    return float(elapsed), float(peak)


def vips_once(vipsthumbnail: str, source: Path, out_dir: Path) -> float:
    env = {**os.environ, "VIPS_CONCURRENCY": "1"}
    start = time.perf_counter()
    for name, width, height in BOXES:
        for ext, options in FORMATS:
            target = out_dir / f"{name}.{ext}[{options},strip]"
            subprocess.run(  # noqa: S603 - a fixed command line
                [vipsthumbnail, str(source), "--size", f"{width}x{height}", "-o", str(target)],
                check=True,
                env=env,
            )
    return time.perf_counter() - start


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seed", type=int, default=20261126)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    vipsthumbnail = shutil.which("vipsthumbnail")
    if vipsthumbnail is None:
        print("vipsthumbnail is missing: apt-get install libvips-tools", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory() as folder:
        work = Path(folder)
        source = work / "photo.jpg"
        digest = make_photo(source, args.seed)
        print(f"input: {SIZE[0]}x{SIZE[1]} JPEG, seed {args.seed}, sha256 {digest[:16]}")
        ours, vips, peaks = [], [], []
        for run in range(args.repeats):
            for side in ("ours", "vips"):
                out_dir = work / f"{side}-{run}"
                out_dir.mkdir()
                if side == "ours":
                    elapsed, peak = ours_once(source, out_dir)
                    ours.append(elapsed)
                    peaks.append(peak)
                else:
                    vips.append(vips_once(vipsthumbnail, source, out_dir))
                shutil.rmtree(out_dir)
    ours_s, vips_s, peak_mb = statistics.median(ours), statistics.median(vips), max(peaks)
    ratio = ours_s / vips_s
    print(
        f"renditions, median of {args.repeats}: ours {ours_s * 1000:.0f} ms, "
        f"vipsthumbnail {vips_s * 1000:.0f} ms, ratio {ratio:.2f}x (target <= {TIME_TARGET}x)"
    )
    print(f"peak memory, ours: {peak_mb:.0f} MB (target <= {MEMORY_TARGET_MB} MB)")
    missed = []
    if ratio > TIME_TARGET:
        missed.append("time")
    if peak_mb > MEMORY_TARGET_MB:
        missed.append("memory")
    print("result: " + (f"MISSED ({', '.join(missed)})" if missed else "met"))
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
