"""Media: uploads checked and stored, PDF pages turned into slides, deletion guarded,
unused media collected.

Services take a path to the received file, never `flask.request`.
"""

from __future__ import annotations

import functools
import re
import shutil
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import exists, select
from sqlalchemy.orm import Session

from signage import audit
from signage.accounts.permissions import Principal, Role
from signage.config import MB, MediaLimits
from signage.content import filetypes, renditions
from signage.content.media_store import rendition_dir, store_original
from signage.content.models import Media, Slide, SlideRevision
from signage.content.probe import MediaRejected, Probed, probe
from signage.crud import CrudService, get_or_404, require_write
from signage.errors import Conflict, SignageError
from signage.offload import off_hub
from signage.screens.models import Location

MAX_FILENAME_CHARS = 255
_UNSAFE_NAME = re.compile(r"[\x00-\x1f\x7f/\\]|^\.\.?$")


class UnsupportedMedia(SignageError):
    status = 415
    code = "unsupported_media_type"


class MediaTooLarge(SignageError):
    status = 413
    code = "payload_too_large"


class BadUpload(SignageError):
    status = 400
    code = "bad_upload"


@dataclass(frozen=True)
class Uploaded:
    media: Media
    created: bool
    slides: list[Slide]


class MediaService(CrudService[Media]):
    model = Media
    kind = "media"
    write_role = Role.EDITOR

    def upload(
        self,
        session: Session,
        principal: Principal,
        limits: MediaLimits,
        media_dir: Path,
        received: Path,
        filename: str,
        location_id: int,
    ) -> Uploaded:
        """Check, store and register an uploaded file; the same file twice in one location
        gives the same media."""
        check_filename(filename)
        get_or_404(session, Location, location_id, "location")
        require_write(principal, location_id, Role.EDITOR, "media")
        media, created = register_file(
            session,
            media_dir,
            limits,
            received,
            filename,
            location_id,
            principal.user_id,
            link=True,
        )
        if not created:
            return Uploaded(media, created=False, slides=[])
        slides = self._page_slides(session, principal, media) if media.kind == "pdf" else []
        audit.record(
            session,
            principal,
            "media.create",
            "media",
            media.id,
            location_id,
            {"mime": media.mime, "bytes": media.bytes, "slides": [s.id for s in slides]},
        )
        return Uploaded(media, created=True, slides=slides)

    def _page_slides(self, session: Session, principal: Principal, media: Media) -> list[Slide]:
        """A PDF becomes one draft slide per page, ready to be submitted."""
        from signage.content.services import SlideService

        stem = Path(media.filename).stem or "PDF"
        return [
            SlideService().create(
                session,
                principal,
                {
                    "location_id": media.location_id,
                    "title": f"{stem[:170]} – side {page}",
                    "kind": "pdf_page",
                    "media_id": media.id,
                    "fields": {"page": str(page)},
                },
            )
            for page in range(1, (media.pages or 0) + 1)
        ]

    def check_delete(self, session: Session, obj: Media) -> None:
        users = session.execute(
            select(Slide.id, Slide.title)
            .where(
                Slide.id.in_(select(SlideRevision.slide_id).where(SlideRevision.media_id == obj.id))
            )
            .order_by(Slide.id)
        ).all()
        if users:
            named = ", ".join(f"{row.id} ({row.title})" for row in users[:10])
            raise Conflict(
                f"this media is used by slides {named}; remove it from them first",
                details={"slides": [{"id": row.id, "title": row.title} for row in users]},
            )


def register_file(
    session: Session,
    media_dir: Path,
    limits: MediaLimits,
    path: Path,
    filename: str,
    location_id: int,
    uploaded_by: int | None = None,
    *,
    link: bool = False,
) -> tuple[Media, bool]:
    """Type, inspect and store a file, and plan its renditions; the same file twice in
    one location gives the same media. Returns the media and whether it is new."""
    filetype = check_type_and_size(path, limits)
    probed = _probe(path, filetype)
    sha256, _stored = off_hub(functools.partial(store_original, link=link), media_dir, path)
    existing = session.scalar(
        select(Media).where(Media.location_id == location_id, Media.sha256 == sha256)
    )
    if existing is not None:
        return existing, False
    media = Media(
        location_id=location_id,
        sha256=sha256,
        filename=filename[:MAX_FILENAME_CHARS],
        mime=probed.mime,
        kind=filetype.kind,
        bytes=path.stat().st_size,
        width=probed.width,
        height=probed.height,
        duration_s=probed.duration_s,
        pages=probed.pages,
        frames=probed.frames,
        alpha=probed.alpha,
        status="processing",
        uploaded_by=uploaded_by,
    )
    session.add(media)
    session.flush()
    renditions.plan(session, [media.id])
    return media, True


def check_filename(filename: str) -> None:
    if len(filename) > MAX_FILENAME_CHARS:
        raise BadUpload(f"the file name is longer than {MAX_FILENAME_CHARS} characters")
    if _UNSAFE_NAME.search(filename):
        raise BadUpload(
            "the file name must be a plain name without folders ('/', '\\', '..') "
            "or control characters"
        )


def check_type_and_size(path: Path, limits: MediaLimits) -> filetypes.FileType:
    size = path.stat().st_size
    if size == 0:
        raise BadUpload("the file is empty")
    with path.open("rb") as handle:
        head = handle.read(filetypes.SNIFF_BYTES)
    try:
        filetype = filetypes.sniff(head)
    except filetypes.UnsupportedType as exc:
        raise UnsupportedMedia(str(exc)) from exc
    limit = limits.max_video_bytes if filetype.kind == "video" else limits.max_image_bytes
    if size > limit:
        what = "a video" if filetype.kind == "video" else "an image or PDF"
        raise MediaTooLarge(f"{what} may be at most {limit // MB} MB; this file is {size // MB} MB")
    return filetype


def _probe(path: Path, filetype: filetypes.FileType) -> Probed:
    try:
        return probe(path, filetype)
    except MediaRejected as exc:
        raise UnsupportedMedia(str(exc), code="media_rejected") from exc


# -- collection ---------------------------------------------------------------------------
def collect_unused(
    session: Session, media_dir: Path, now: datetime, grace: timedelta
) -> tuple[int, int]:
    """Forget media no slide has used for `grace`, then remove files no media names.
    Returns (media forgotten, originals removed)."""
    used = exists().where(SlideRevision.media_id == Media.id)
    forgotten = 0
    for media, in_use in session.execute(select(Media, used)):
        if in_use:
            media.unused_since = None
        elif media.unused_since is None:
            media.unused_since = now
        elif media.unused_since <= now - grace:
            session.delete(media)
            forgotten += 1
    session.flush()
    known = set(session.scalars(select(Media.sha256)))
    removed = 0
    for original in sorted((media_dir / "originals").glob("*/*")):
        if original.name in known or original.name.startswith("."):
            continue
        changed = datetime.fromtimestamp(original.stat().st_mtime, tz=now.tzinfo)
        if changed > now - grace:
            continue  # an upload still on its way to the database
        shutil.rmtree(rendition_dir(media_dir, original.name), ignore_errors=True)
        original.unlink(missing_ok=True)
        removed += 1
    return forgotten, removed
