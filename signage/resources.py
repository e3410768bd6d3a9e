"""Where the files that ship beside the code are: `static/`, `migrations/`, the demo
content. Imports nothing heavy, so the jobs process and the command line can use it."""

from __future__ import annotations

from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent


def resource_dir(name: str) -> Path:
    """`static/` and `migrations/` sit beside the package in a checkout and inside it
    in the wheel."""
    inside = PACKAGE_DIR / name
    return inside if inside.is_dir() else PACKAGE_DIR.parent / name
