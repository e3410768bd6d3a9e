"""Media routes of the JSON API: upload, list, read, delete."""

from __future__ import annotations

import tempfile
from pathlib import Path

from flask import Response, current_app, jsonify, request

from signage.api import serializers
from signage.api.http import MAX_ID, WHOLE_NUMBER, BadRequest, int_arg, paged
from signage.api.views import bp, principal
from signage.config import MB
from signage.content.media import MediaService, MediaTooLarge
from signage.content.models import Media
from signage.offload import off_hub
from signage.web import db_session

UPLOAD_OVERHEAD_BYTES = 1024 * 1024  # multipart headers and the other form fields
_media = MediaService()


@bp.get("/media")
def media_list() -> Response:
    query = _media.readable_query(principal())
    location_id = int_arg("location_id")
    if location_id is not None:
        query = query.where(Media.location_id == location_id)
    return paged(db_session(), query, Media.id, serializers.media)


@bp.get("/media/<int:item_id>")
def media_get(item_id: int) -> Response:
    return jsonify(serializers.media(_media.get(db_session(), principal(), item_id)))


@bp.post("/media")
def media_upload() -> tuple[Response, int]:
    settings = current_app.config["SIGNAGE"]
    limits = settings.media
    request.max_content_length = limits.max_upload_bytes + UPLOAD_OVERHEAD_BYTES
    if (request.content_length or 0) > request.max_content_length:
        raise MediaTooLarge(f"an upload may be at most {limits.max_upload_bytes // MB} MB")
    upload = request.files.get("file")
    if upload is None:
        raise BadRequest("send the file as multipart/form-data in the field 'file'")
    location_id = form_int("location_id")
    session = db_session()
    incoming = settings.media_dir / "incoming"
    incoming.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile(dir=incoming, prefix="upload-") as received:
        off_hub(upload.save, received)
        received.flush()
        result = _media.upload(
            session,
            principal(),
            limits,
            settings.media_dir,
            Path(received.name),
            upload.filename or "upload",
            location_id,
        )
    session.commit()
    return jsonify(serializers.media(result.media)), 201 if result.created else 200


@bp.delete("/media/<int:item_id>")
def media_delete(item_id: int) -> tuple[str, int]:
    session = db_session()
    _media.delete(session, principal(), _media.get(session, principal(), item_id))
    session.commit()
    return "", 204


def form_int(name: str) -> int:
    raw = request.form.get(name, "")
    if not WHOLE_NUMBER.fullmatch(raw) or not 1 <= int(raw) <= MAX_ID:
        raise BadRequest(f"form field {name!r} must be the id of a location, such as 1")
    return int(raw)
