"""Public page benchmark (issue 11): `GET /public/<location>` with the per-process view
cache against the same requests resolving every time (the baseline), in the same run.

    python -m bench.public [--requests 200] [--location gladsaxe]

A fresh instance holds the demo content (`signage import` of the repository); requests go
through the Flask test client in this process (no network), so the figures are the
server's own work per request: the database reads, the resolve and the rendering. The
cached run reads the change log's last id and the page's displays before rendering;
the baseline drops the cache before every request. Target: a cached page costs at most half of
a resolved one. Exits non-zero when it does not.
"""

from __future__ import annotations

import argparse
import secrets
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from flask import Flask

from signage.app import create_app
from signage.config import Settings
from signage.public.cache import PublicViews

RATIO_TARGET = 0.5
REPO = Path(__file__).resolve().parents[1]
SIGNAGE = str(Path(sys.executable).with_name("signage"))


def instance(folder: Path) -> Settings:
    env = {"SIGNAGE_INSTANCE_DIR": str(folder), "PATH": "/usr/bin:/bin"}
    for args in (("db", "upgrade"), ("import", str(REPO))):
        subprocess.run([SIGNAGE, *args], env=env, check=True, capture_output=True, timeout=120)  # noqa: S603 - our own command
    return Settings(
        instance_dir=folder,
        database_url=f"sqlite:///{folder / 'signage.db'}",
        media_dir=folder / "media",
        secret_key=secrets.token_hex(32),
    )


def timed(app: Flask, path: str, requests: int, *, cached: bool) -> list[float]:
    """Seconds per request; without `cached`, the cache is dropped before each one."""
    client = app.test_client()
    found = []
    for _ in range(requests):
        if not cached:
            app.extensions["signage.public_views"] = PublicViews()
        started = time.perf_counter()
        response = client.get(path)
        found.append(time.perf_counter() - started)
        if response.status_code != 200:
            raise RuntimeError(f"GET {path} answered {response.status_code}")
    return found


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--location", default="gladsaxe")
    options = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        app = create_app(instance(Path(folder)))
        path = f"/public/{options.location}"
        views = PublicViews()
        app.extensions["signage.public_views"] = views
        app.test_client().get(path)  # warm: templates compiled, the first view resolved
        cached = timed(app, path, options.requests, cached=True)
        resolved = timed(app, path, options.requests, cached=False)
        app.extensions["signage.db"].dispose()
    ours, baseline = statistics.median(cached) * 1000, statistics.median(resolved) * 1000
    ratio = ours / baseline
    print(f"GET {path}, {options.requests} requests each, demo content")
    print(f"  cached view:   median {ours:.2f} ms/request  ({1000 / ours:.0f} requests/s)")
    print(f"  resolved each: median {baseline:.2f} ms/request  ({1000 / baseline:.0f} requests/s)")
    print(f"  ratio {ratio:.2f} (target ≤ {RATIO_TARGET})")
    print(f"  views the cached run resolved: {views.resolved} (the warm-up's)")
    return 0 if ratio <= RATIO_TARGET else 1


if __name__ == "__main__":
    sys.exit(main())
