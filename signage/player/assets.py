"""Immutable media renditions: `GET /media/<sha256>/<rendition>.<ext>`.

The address names the content, so a file never changes once written: a year's cache,
a strong ETag and byte ranges (video seeking). Only renditions are served, never an
image's original (its metadata stays with us).
"""

from __future__ import annotations

import re

from flask import Blueprint, Response, current_app, send_file

from signage.content.media_store import rendition_dir
from signage.content.renditions import MIMES
from signage.errors import NotFound

bp = Blueprint("assets", __name__)
SHA256 = re.compile(r"[0-9a-f]{64}")
RENDITION = re.compile(
    r"(?:p[1-9][0-9]{0,2}-)?(?:thumb|original|[1-9][0-9]{1,4}x[1-9][0-9]{1,4}-(?:fit|fill))"
)
IMMUTABLE = "public, max-age=31536000, immutable"


@bp.get("/media/<sha256>/<filename>")
def media(sha256: str, filename: str) -> Response:
    name, _, ext = filename.rpartition(".")
    if not SHA256.fullmatch(sha256) or not RENDITION.fullmatch(name) or ext not in MIMES:
        raise NotFound("there is no such media file")
    path = rendition_dir(current_app.config["SIGNAGE"].media_dir, sha256) / f"{name}.{ext}"
    if not path.is_file():
        raise NotFound("there is no such media file (it may still be in the making)")
    response = send_file(
        path,
        mimetype=MIMES[ext],
        conditional=True,
        etag=f"{sha256[:16]}-{name}.{ext}",
        max_age=None,
    )
    response.headers["Cache-Control"] = IMMUTABLE
    return response
