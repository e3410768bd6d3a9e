"""The kiosk page and its service worker. Plain files: the player has no build step.

`player_version` is a hash of the player's own files, so a kiosk notices a deployment
and reloads itself.
"""

from __future__ import annotations

import hashlib
from functools import cache
from pathlib import Path

from flask import Blueprint, Response, render_template, send_from_directory

from signage.app import resource_dir

bp = Blueprint("kiosk", __name__)


def player_dir() -> Path:
    return resource_dir("static") / "player"


@cache
def player_version() -> str:
    """A short hash of every file of the player (scripts, styles, page template)."""
    digest = hashlib.sha256()
    templates = Path(__file__).resolve().parent.parent / "templates" / "player"
    for folder in (player_dir(), templates):
        for path in sorted(p for p in folder.rglob("*") if p.is_file()):
            digest.update(path.relative_to(folder).as_posix().encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


@bp.get("/player")
def page() -> str:
    return render_template("player/index.html", player_version=player_version())


@bp.get("/player/sw.js")
def service_worker() -> Response:
    """Served from /player so its scope can cover the kiosk page at /player."""
    response = send_from_directory(player_dir(), "sw.js", mimetype="text/javascript")
    response.headers["Service-Worker-Allowed"] = "/player"
    response.headers["Cache-Control"] = "no-cache"
    response.headers["X-Player-Version"] = player_version()
    return response
