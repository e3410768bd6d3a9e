"""Feed routes beyond the collection: another system pushes a push feed's items."""

from __future__ import annotations

from flask import Response, jsonify, request

from signage.api import serializers
from signage.api.http import parse
from signage.api.views import bp, principal
from signage.db import utcnow
from signage.errors import SignageError
from signage.feeds.schemas import MAX_PUSH_BYTES, PushIn
from signage.feeds.services import push_items
from signage.web import db_session


class PushTooLarge(SignageError):
    status = 413
    code = "payload_too_large"


@bp.post("/feeds/<int:item_id>/items")
def feeds_push(item_id: int) -> Response:
    """Replace a push feed's items (token scope `feed:push`, or an editor of the feed)."""
    if (request.content_length or 0) > MAX_PUSH_BYTES or len(request.get_data()) > MAX_PUSH_BYTES:
        raise PushTooLarge(f"send at most {MAX_PUSH_BYTES // 1024} KB of items at a time")
    session = db_session()
    pushed = parse(PushIn)
    feed = push_items(
        session, principal(), item_id, [item.model_dump() for item in pushed.items], utcnow()
    )
    session.commit()
    return jsonify(serializers.feed(feed))
