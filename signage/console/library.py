"""The media library (journey 1): the pictures, videos and PDFs a user may read, upload
with progress, and deletion that explains what still uses a file.

Uploads and deletions go through MediaService, which checks the caller's scope; this
module only reads what the caller may read and turns refusals into plain sentences.
"""

from __future__ import annotations

import tempfile
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

from flask import (
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.wrappers import Response

from signage.accounts.permissions import Principal, Role
from signage.app import csrf
from signage.config import MB, MediaLimits
from signage.console.base import error_sentence, is_htmx, location_choices, me, page
from signage.content.media import MediaService, MediaTooLarge, Uploaded
from signage.content.models import Media, Rendition, Slide, SlideRevision
from signage.content.renditions import box_name, thumb_name
from signage.errors import Conflict, SignageError
from signage.offload import off_hub
from signage.policy import EDITOR, VIEWER
from signage.schemas import parse_id
from signage.web import db_session

PAGE_SIZE = 48
CHOICES_SIZE = 60  # media offered in the slide editor
UPLOAD_OVERHEAD_BYTES = 1024 * 1024  # multipart headers and the other form fields
PREVIEW_BOX = (1920, 1080)  # the rendition a preview shows, scaled to the preview's size
_media = MediaService()


@dataclass(frozen=True)
class MediaCard:
    """One media item as the library and the slide editor show it."""

    media: Media
    location: str
    thumbnail: str | None
    ready: int
    total: int
    used_by: list[tuple[int, str]]  # readable slides using it: (id, title)
    deletable: bool

    @property
    def size(self) -> str:
        kilobytes = self.media.bytes / 1024
        return f"{kilobytes:.0f} kB" if kilobytes < 1024 else f"{kilobytes / 1024:.1f} MB"

    @property
    def asset_fit(self) -> str | None:
        return preview_url(self.media, "fit")

    @property
    def asset_fill(self) -> str | None:
        return preview_url(self.media, "fill")


# -- pages --------------------------------------------------------------------------------
@page("/console/media", VIEWER)
def media() -> str:
    session, principal = db_session(), me()
    query = _media.readable_query(principal).order_by(Media.id.desc())
    before = parse_id(request.args.get("before", ""))
    if before is not None:
        query = query.where(Media.id < before)
    found = list(session.scalars(query.limit(PAGE_SIZE + 1)))
    cards = media_cards(session, principal, found[:PAGE_SIZE])
    older = found[PAGE_SIZE - 1].id if len(found) > PAGE_SIZE else None
    return render_template(
        "console/content/media.html",
        cards=cards,
        older=older,
        upload_locations=location_choices(session, principal, Role.EDITOR),
        limits=limits(),
    )


@page("/console/media/<int:media_id>/card", VIEWER)
def media_card(media_id: int) -> str:
    """One card, re-fetched when its renditions are ready (thumbnail, state)."""
    session, principal = db_session(), me()
    item = _media.get(session, principal, media_id)
    return render_template(
        "console/content/_media_card.html", card=media_cards(session, principal, [item])[0]
    )


@csrf.exempt  # checked by signage.policy from the X-CSRFToken header, before the body
@page("/console/media", EDITOR, methods=("POST",))  # is read: uploads exceed the form limit
def media_upload() -> tuple[str, int] | Response:
    session, principal, settings = db_session(), me(), current_app.config["SIGNAGE"]
    try:
        uploaded = receive_upload(session, principal, settings.media, settings.media_dir)
    except SignageError as exc:
        session.rollback()
        return answer_upload(upload_problem(exc, settings.media), None, [], exc.status)
    session.commit()
    card = media_cards(session, principal, [uploaded.media])[0]
    slides = [(s.id, s.title) for s in uploaded.slides]
    return answer_upload(None, card, slides, 201 if uploaded.created else 200, uploaded.created)


@page("/console/media/<int:media_id>/delete", EDITOR, methods=("POST",))
def media_delete(media_id: int) -> tuple[str, int] | Response:
    session, principal = db_session(), me()
    item = _media.get(session, principal, media_id)
    name = item.filename
    try:
        _media.delete(session, principal, item)
    except Conflict:
        session.rollback()
        card = media_cards(session, principal, [item])[0]
        problem = _("“%(name)s” is used by slides, so it cannot be deleted.", name=name)
        if is_htmx():
            page_html = render_template(
                "console/content/_media_card.html", card=card, problem=problem
            )
            return page_html, 409
        flash(problem, "error")
        return redirect(url_for("console.media"))
    session.commit()
    done = _("“%(name)s” is deleted.", name=name)
    if is_htmx():
        return render_template("console/content/_media_deleted.html", message=done), 200
    flash(done, "success")
    return redirect(url_for("console.media"))


# -- upload -------------------------------------------------------------------------------
def receive_upload(
    session: Session, principal: Principal, media_limits: MediaLimits, media_dir: Path
) -> Uploaded:
    request.max_content_length = media_limits.max_upload_bytes + UPLOAD_OVERHEAD_BYTES
    if (request.content_length or 0) > request.max_content_length:
        raise MediaTooLarge("the upload is larger than any file may be")
    upload = request.files.get("file")
    location = parse_id(request.form.get("location_id", ""))
    if upload is None or not upload.filename:
        raise NoFile("choose a file")
    if location is None:
        raise NoLocation("choose a location")
    incoming = media_dir / "incoming"
    incoming.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile(dir=incoming, prefix="upload-") as received:
        off_hub(upload.save, received)
        received.flush()
        return _media.upload(
            session,
            principal,
            media_limits,
            media_dir,
            Path(received.name),
            upload.filename,
            location,
        )


class NoFile(SignageError):
    status = 400
    code = "no_file"


class NoLocation(SignageError):
    status = 400
    code = "no_location"


def upload_problem(error: SignageError, media_limits: MediaLimits) -> str:
    """Why an upload was refused, in the user's language and with what to do."""
    if isinstance(error, NoFile):
        return _("Choose a file to upload.")
    if isinstance(error, NoLocation):
        return _("Choose where the file belongs.")
    if error.status == 413:
        return _(
            "The file is too large. Pictures and PDFs may be at most %(image)d MB, "
            "videos at most %(video)d MB.",
            image=media_limits.max_image_bytes // MB,
            video=media_limits.max_video_bytes // MB,
        )
    if error.code == "unsupported_media_type":
        return _(
            "This type of file cannot be used. Upload a picture (JPEG, PNG, WebP, GIF, "
            "AVIF or HEIC), a PDF or a video (MP4 or WebM)."
        )
    if error.code == "media_rejected":
        return _("The file cannot be used: it is damaged, locked or holds more than a picture.")
    if error.code == "bad_upload":
        return _("The file is empty, or its name cannot be used. Check it and try again.")
    return error_sentence(error)


def answer_upload(
    problem: str | None,
    card: MediaCard | None,
    slides: list[tuple[int, str]],
    status: int,
    created: bool = False,
) -> tuple[str, int] | Response:
    """htmx gets the result fragment (and the new card for the list); a plain form post
    gets the library again with the result as a message."""
    if is_htmx():
        html = render_template(
            "console/content/_upload_result.html",
            problem=problem,
            card=card,
            slides=slides,
            created=created,
        )
        return html, status
    if problem:
        flash(problem, "error")
    elif card is not None:
        flash(_("“%(name)s” is uploaded.", name=card.media.filename), "success")
    return redirect(url_for("console.media"))


def limits() -> MediaLimits:
    media_limits: MediaLimits = current_app.config["SIGNAGE"].media
    return media_limits


# -- reading ------------------------------------------------------------------------------
def media_cards(session: Session, principal: Principal, items: list[Media]) -> list[MediaCard]:
    labels = dict(location_choices(session, principal))
    users = slides_using(session, principal, [item.id for item in items])
    return [
        MediaCard(
            media=item,
            location=labels.get(item.location_id, ""),
            thumbnail=thumbnail_url(item),
            ready=sum(1 for r in item.renditions if r.status == "ready"),
            total=len(item.renditions),
            used_by=users.get(item.id, []),
            deletable=principal.can_write(item.location_id, Role.EDITOR),
        )
        for item in items
    ]


def slides_using(
    session: Session, principal: Principal, media_ids: list[int]
) -> dict[int, list[tuple[int, str]]]:
    """media id → the slides the caller may read that use it, in any revision."""
    if not media_ids:
        return {}
    rows = session.execute(
        select(SlideRevision.media_id, Slide.id, Slide.title, Slide.location_id)
        .join(Slide, Slide.id == SlideRevision.slide_id)
        .where(SlideRevision.media_id.in_(media_ids))
        .distinct()
        .order_by(Slide.id)
    ).all()
    found: dict[int, list[tuple[int, str]]] = defaultdict(list)
    for media_id, slide_id, title, location_id in rows:
        used = found[media_id or 0]  # never 0: the query asks for these media ids
        if principal.can_read(location_id) and (slide_id, title) not in used:
            used.append((slide_id, title))
    return found


def media_choices(
    session: Session, principal: Principal, keep: int | None = None
) -> list[MediaCard]:
    """What the slide editor offers: the newest readable media that did not fail, and the
    one a slide already uses."""
    query = (
        _media.readable_query(principal)
        .where(Media.status != "failed")
        .order_by(Media.id.desc())
        .limit(CHOICES_SIZE)
    )
    items = list(session.scalars(query))
    if keep is not None and keep not in {item.id for item in items}:
        kept = session.get(Media, keep)
        if kept is not None and principal.can_read(kept.location_id):
            items.append(kept)
    return media_cards(session, principal, items)


def thumbnail_url(item: Media) -> str | None:
    return _ready_url(item, [thumb_name(1 if item.kind == "pdf" else None)])


def preview_url(item: Media, mode: str, page_number: int | None = None) -> str | None:
    """The rendition a preview shows: the video itself, else the picture for a full HD
    screen in that mode, else any ready size, else the thumbnail."""
    if item.kind == "video":
        return _ready_url(item, ["original"])
    page_number = page_number or (1 if item.kind == "pdf" else None)
    width, height = PREVIEW_BOX
    names = [box_name(width, height, m, page_number) for m in (mode, "fit")]
    return _ready_url(item, [*names, thumb_name(page_number)])


def _ready_url(item: Media, names: list[str]) -> str | None:
    ready = [r for r in item.renditions if r.status == "ready"]
    for name in names:
        for rendition in sorted(ready, key=_webp_first):
            if rendition.name == name:
                filename = f"{rendition.name}.{rendition.ext}"
                return url_for("assets.media", sha256=item.sha256, filename=filename)
    return None


def _webp_first(rendition: Rendition) -> tuple[bool, str]:
    return rendition.ext != "webp", rendition.ext
