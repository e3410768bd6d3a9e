"""The player's version: a hash of its own files, so a kiosk notices a deployment.

Flask-free: the manifest writer (in the jobs process) puts it in every manifest.
"""

from __future__ import annotations

import hashlib
from functools import cache
from pathlib import Path

from signage.resources import PACKAGE_DIR, resource_dir


def player_dir() -> Path:
    return resource_dir("static") / "player"


def node_modules() -> Path:
    return resource_dir("node_modules")


@cache
def player_version() -> str:
    """A short hash of every file of the player (scripts, styles, page template) and of
    the lock file that pins its libraries."""
    digest = hashlib.sha256()
    templates = PACKAGE_DIR / "templates" / "player"
    for folder in (player_dir(), templates):
        for path in sorted(p for p in folder.rglob("*") if p.is_file()):
            digest.update(path.relative_to(folder).as_posix().encode())
            digest.update(path.read_bytes())
    lock = node_modules().parent / "package-lock.json"
    if lock.is_file():
        digest.update(lock.read_bytes())
    return digest.hexdigest()[:12]
