"""The kiosk page, its service worker, and the few browser-library files it loads.

Plain files: the player has no build step. Third-party libraries come from the npm
registry into `node_modules/` at install time; only the files named here are served.
`player_version` is a hash of the player's own files, so a kiosk notices a deployment
and reloads itself.
"""

from __future__ import annotations

from flask import Blueprint, Response, render_template, send_from_directory

from signage.errors import NotFound
from signage.player.version import node_modules, player_dir, player_version

bp = Blueprint("kiosk", __name__)

# Served name → path inside node_modules (package.json pins the packages).
LIBRARIES = {
    "socket.io.min.js": "socket.io-client/dist/socket.io.min.js",
    "qrcode.js": "qrcode-generator/dist/qrcode.js",
}
ICON_DIR = "@tabler/icons/icons/outline"
# Pictogram names (signage.content.templates.PICTOGRAMS) → the icon set's file names.
PICTOGRAM_ICONS = {
    "alert": "alert-triangle",
    "bell": "bell",
    "bus": "bus",
    "calendar": "calendar",
    "clock": "clock",
    "coffee": "coffee",
    "door": "door",
    "fire": "flame",
    "first-aid": "first-aid-kit",
    "hand-wash": "hand-sanitizer",
    "heart": "heart",
    "info": "info-circle",
    "key": "key",
    "library": "books",
    "lock": "lock",
    "mail": "mail",
    "map-pin": "map-pin",
    "megaphone": "speakerphone",
    "parking": "parking",
    "phone": "phone",
    "recycle": "recycle",
    "road": "road",
    "shield": "shield",
    "snowflake": "snowflake",
    "sun": "sun",
    "thermometer": "temperature",
    "tool": "tool",
    "truck": "truck",
    "users": "users",
    "utensils": "tools-kitchen-2",
    "wheelchair": "wheelchair",
    "wifi": "wifi",
}
LIBRARY_CACHE = "public, max-age=3600"  # the page asks with ?v=<player version>


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


@bp.get("/player/lib/<name>")
def library(name: str) -> Response:
    """A whitelisted browser library from node_modules (installed by `make install`)."""
    path = LIBRARIES.get(name)
    if path is None or not (node_modules() / path).is_file():
        raise NotFound("there is no such player library (has `npm ci` run?)")
    response = send_from_directory(node_modules(), path, mimetype="text/javascript")
    response.headers["Cache-Control"] = LIBRARY_CACHE
    return response


@bp.get("/player/icons/<name>.svg")
def icon(name: str) -> Response:
    """A pictogram of the bundled set, by the name slides use."""
    icon_name = PICTOGRAM_ICONS.get(name)
    if icon_name is None or not (node_modules() / ICON_DIR / f"{icon_name}.svg").is_file():
        raise NotFound("there is no such pictogram")
    response = send_from_directory(
        node_modules() / ICON_DIR, f"{icon_name}.svg", mimetype="image/svg+xml"
    )
    response.headers["Cache-Control"] = LIBRARY_CACHE
    return response
