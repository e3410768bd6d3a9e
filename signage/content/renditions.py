"""Which renditions each media needs, and the worker pool that makes them.

Planning (`plan`) runs wherever media, slides or displays change and only inserts
pending rows. The making runs in the jobs process: `RenditionWorker` hands each media
(each PDF page) to a pool of spawned worker processes with a memory and a time limit,
stores the results and reports progress to the console.
"""

from __future__ import annotations

import logging
import multiprocessing
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from multiprocessing.pool import Pool
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from signage.content import imaging
from signage.content.filetypes import BY_MIME
from signage.content.media_store import link_or_copy, original_path, rendition_dir, sha256_of
from signage.content.models import Media, Rendition, SlideRevision
from signage.db import Database
from signage.realtime import CONSOLE_NAMESPACE, Notifier, location_room
from signage.screens.models import Display

log = logging.getLogger(__name__)

# The screens every installation is assumed to have, beside the displays that exist.
DEFAULT_BOXES = ((3840, 2160), (1920, 1080), (1080, 1920))
THUMB_PX = 480
MODES = ("fit", "fill")
MIMES = {"jpg": "image/jpeg", "webp": "image/webp", "png": "image/png", "gif": "image/gif"}
MIMES |= {"mp4": "video/mp4", "webm": "video/webm"}
JOB_TIMEOUT_S = 120  # one image, or one PDF page
WORKER_MEMORY_BYTES = 2 * 1024**3
PDF_MAX_RENDER_PIXELS = 40_000_000


def box_name(width: int, height: int, mode: str, page: int | None = None) -> str:
    name = f"{width}x{height}-{mode}"
    return f"p{page}-{name}" if page else name


def thumb_name(page: int | None = None) -> str:
    return f"p{page}-thumb" if page else "thumb"


def mode_of(fields: dict[str, Any] | None) -> str:
    """How a slide's picture meets the screen: `fit` (whole picture) unless it says `fill`."""
    return "fill" if (fields or {}).get("fit") == "fill" else "fit"


def formats_of(media: Media) -> tuple[str, ...]:
    if media.frames > 1:
        return ("webp", "gif")  # animated stays animated
    return ("webp", "png") if media.alpha else ("webp", "jpg")


# -- planning -----------------------------------------------------------------------
def boxes(session: Session) -> list[tuple[int, int]]:
    sizes = set(DEFAULT_BOXES)
    sizes |= {(w, h) for w, h in session.execute(select(Display.width, Display.height)) if w and h}
    return sorted(sizes, reverse=True)


def modes_in_use(session: Session, media_ids: Iterable[int] | None) -> dict[int, set[str]]:
    query = select(SlideRevision.media_id, SlideRevision.fields).where(
        SlideRevision.media_id.is_not(None)
    )
    if media_ids is not None:
        query = query.where(SlideRevision.media_id.in_(list(media_ids)))
    modes: dict[int, set[str]] = defaultdict(lambda: {"fit"})
    for media_id, fields in session.execute(query):
        modes[media_id].add(mode_of(fields))
    return modes


def wanted(media: Media, sizes: list[tuple[int, int]], modes: set[str]) -> list[tuple[str, str]]:
    """(name, ext) of every rendition `media` should have."""
    if media.kind == "video":
        ext = BY_MIME[media.mime].ext
        return [("original", ext), *((thumb_name(), e) for e in ("webp", "jpg"))]
    formats = formats_of(media)
    pages: list[int | None] = (
        list(range(1, (media.pages or 0) + 1)) if media.kind == "pdf" else [None]
    )
    names = [
        name
        for page in pages
        for name in (
            thumb_name(page),
            *(box_name(w, h, mode, page) for w, h in sizes for mode in sorted(modes)),
        )
    ]
    return [(name, ext) for name in names for ext in formats]


def plan(
    session: Session, media_ids: Iterable[int] | None = None, also: set[str] | None = None
) -> int:
    """Insert a pending row for every rendition that is wanted and missing (`also`: modes
    a slide not yet stored will use); the worker makes them. Returns how many were added."""
    ids = None if media_ids is None else list(media_ids)
    query = select(Media).where(Media.status != "failed")
    if ids is not None:
        if not ids:
            return 0
        query = query.where(Media.id.in_(ids))
    sizes, modes = boxes(session), modes_in_use(session, ids)
    added = 0
    for media in session.scalars(query):
        have = {(r.name, r.ext) for r in media.renditions}
        wanted_modes = modes[media.id] | (also or set())
        missing = [w for w in wanted(media, sizes, wanted_modes) if w not in have]
        media.renditions.extend(Rendition(name=n, ext=e, mime=MIMES[e]) for n, e in missing)
        if missing and media.status == "ready":
            media.status = "processing"
        added += len(missing)
    return added


# -- the work, in a worker process ---------------------------------------------------------
@dataclass(frozen=True)
class Job:
    media_id: int
    location_id: int
    mime: str
    frames: int
    original: Path
    out_dir: Path
    page: int | None
    targets: tuple[imaging.Target, ...]


def run_job(job: Job) -> list[dict[str, Any]]:
    """Make the job's renditions (files that already exist are kept); describe each file."""
    job.out_dir.mkdir(parents=True, exist_ok=True)
    missing = [
        t
        for t in job.targets
        if not all((job.out_dir / f"{t.name}.{e}").exists() for e in t.formats)
    ]
    if missing:
        _make(job, missing)
    return [
        _describe(job.out_dir / f"{target.name}.{ext}", target.name, ext)
        for target in job.targets
        for ext in target.formats
    ]


def _make(job: Job, targets: list[imaging.Target]) -> None:
    kind = BY_MIME[job.mime].kind
    if kind == "video":
        _make_video(job, targets)
    elif kind == "pdf":
        assert job.page is not None  # noqa: S101 - PDF jobs are one page each
        imaging.render_still(_pdf_page(job.original, job.page, targets), targets, job.out_dir)
    elif job.frames > 1:
        imaging.render_animation(job.original, targets, job.out_dir)
    else:
        largest = max(((t.width, t.height) for t in targets), key=lambda s: s[0] * s[1])
        with imaging.strict():
            imaging.render_still(imaging.open_upright(job.original, largest), targets, job.out_dir)


def _pdf_page(path: Path, page_number: int, targets: list[imaging.Target]) -> Any:
    import pypdfium2 as pdfium

    with pdfium.PdfDocument(path) as document:
        page = document[page_number - 1]
        width, height = page.get_size()
        scale = max(
            max(t.width / width, t.height / height)
            if t.mode == "fill"
            else min(t.width / width, t.height / height)
            for t in targets
        )
        scale = min(scale, (PDF_MAX_RENDER_PIXELS / (width * height)) ** 0.5)
        bitmap = page.render(scale=scale, fill_color=(255, 255, 255, 255))
        return bitmap.to_pil().convert("RGB")


def _make_video(job: Job, targets: list[imaging.Target]) -> None:
    ext = BY_MIME[job.mime].ext
    served = job.out_dir / f"original.{ext}"
    if not served.exists():
        link_or_copy(job.original, served)  # the original itself is served, with Range
    stills = [t for t in targets if t.name != "original"]
    if stills:
        imaging.render_still(_video_still(job.original), stills, job.out_dir)


def _video_still(path: Path) -> Any:
    import av

    with av.open(str(path)) as container:
        frame = next(container.decode(container.streams.video[0]))
        return frame.to_image().convert("RGB")


def _describe(path: Path, name: str, ext: str) -> dict[str, Any]:
    width = height = None
    if ext in ("jpg", "webp", "png", "gif"):
        from PIL import Image

        with Image.open(path) as image:
            width, height = image.size
    return {
        "name": name,
        "ext": ext,
        "width": width,
        "height": height,
        "bytes": path.stat().st_size,
        "sha256": sha256_of(path),
    }


def _init_worker() -> None:
    import resource

    resource.setrlimit(resource.RLIMIT_AS, (WORKER_MEMORY_BYTES, WORKER_MEMORY_BYTES))
    imaging.register_openers()


def new_pool(processes: int) -> Pool:
    """Worker processes are spawned, never forked from a process holding connections,
    threads or a gevent hub."""
    context = multiprocessing.get_context("spawn")
    return context.Pool(processes, initializer=_init_worker, maxtasksperchild=50)


# -- the sweep that feeds the pool -------------------------------------------------------
class RenditionWorker:
    """Makes pending renditions in a pool of worker processes (spawned: never forked
    from a process that holds connections or threads)."""

    def __init__(
        self,
        database: Database,
        media_dir: Path,
        notifier: Notifier | None = None,
        processes: int = 1,
        timeout_s: float = JOB_TIMEOUT_S,
        pool: Pool | None = None,
    ) -> None:
        self.database, self.media_dir, self.notifier = database, media_dir, notifier
        self.processes, self.timeout_s = processes, timeout_s
        self._pool = pool
        self._boxes: list[tuple[int, int]] | None = None

    def plan_for_new_screens(self, session: Session) -> int:
        """Plan for every media when the set of screen sizes has changed (and at start)."""
        sizes = boxes(session)
        if sizes == self._boxes:
            return 0
        self._boxes = sizes
        return plan(session)

    @property
    def pool(self) -> Pool:
        if self._pool is None:
            self._pool = new_pool(self.processes)
        return self._pool

    def close(self) -> None:
        if self._pool is not None:
            self._pool.terminate()
            self._pool.join()
            self._pool = None

    def run_once(self, limit: int = 200) -> int:
        """Make up to `limit` pending renditions; returns how many files were made."""
        jobs = self._pending_jobs(limit)
        made = 0
        for job in jobs:
            self._report(job.media_id, job.location_id)
        pending = [(job, self.pool.apply_async(run_job, (job,))) for job in jobs]
        for job, result in pending:
            try:
                files = result.get(timeout=self.timeout_s)
            except multiprocessing.TimeoutError:
                # The stuck worker dies with its pool; the jobs queued behind it stay pending
                # for the next run, which starts a new pool.
                self.close()
                self._fail(job, f"making the renditions took longer than {self.timeout_s:g} s")
                break
            except Exception as exc:  # the file is refused, whatever the decoder raised
                log.warning("renditions of media %s failed: %s", job.media_id, exc)
                self._fail(job, "the file could not be converted for the screens")
                continue
            self._store(job, files)
            made += len(files)
        return made

    def _pending_jobs(self, limit: int) -> list[Job]:
        with self.database.sessions() as session:
            rows = session.execute(
                select(Rendition, Media)
                .join(Media, Media.id == Rendition.media_id)
                .where(Rendition.status == "pending", Media.status != "failed")
                .order_by(Rendition.id)
                .limit(limit)
            ).all()
            grouped: dict[tuple[int, int | None], list[Rendition]] = defaultdict(list)
            media: dict[int, Media] = {}
            for rendition, owner in rows:
                grouped[(owner.id, _page_of(rendition.name))].append(rendition)
                media[owner.id] = owner
            return [
                self._job(media[media_id], page, renditions)
                for (media_id, page), renditions in grouped.items()
            ]

    def _job(self, media: Media, page: int | None, renditions: list[Rendition]) -> Job:
        formats: dict[str, list[str]] = defaultdict(list)
        for rendition in renditions:
            formats[rendition.name].append(rendition.ext)
        return Job(
            media_id=media.id,
            location_id=media.location_id,
            mime=media.mime,
            frames=media.frames,
            original=original_path(self.media_dir, media.sha256),
            out_dir=rendition_dir(self.media_dir, media.sha256),
            page=page,
            targets=tuple(_target(name, tuple(exts)) for name, exts in formats.items()),
        )

    def _store(self, job: Job, files: list[dict[str, Any]]) -> None:
        described = {(f["name"], f["ext"]): f for f in files}
        with self.database.transaction() as session:
            media = session.get(Media, job.media_id)
            if media is None:
                return  # deleted while its renditions were being made
            for rendition in media.renditions:
                found = described.get((rendition.name, rendition.ext))
                if found is not None and rendition.status == "pending":
                    rendition.width, rendition.height = found["width"], found["height"]
                    rendition.bytes, rendition.sha256 = found["bytes"], found["sha256"]
                    rendition.status = "ready"
            if all(r.status != "pending" for r in media.renditions):
                media.status = "ready"
        self._report(job.media_id, job.location_id)

    def _fail(self, job: Job, message: str) -> None:
        with self.database.transaction() as session:
            media = session.get(Media, job.media_id)
            if media is not None:
                media.status, media.error = "failed", message
                for rendition in media.renditions:
                    if rendition.status == "pending":
                        rendition.status = "failed"
        self._report(job.media_id, job.location_id)

    def _report(self, media_id: int, location_id: int) -> None:
        if self.notifier is None:
            return
        with self.database.sessions() as session:
            media = session.get(Media, media_id)
            if media is None:
                return
            total = len(media.renditions)
            ready = sum(1 for r in media.renditions if r.status == "ready")
            payload = {
                "media_id": media.id,
                "status": media.status,
                "ready": ready,
                "total": total,
                "error": media.error,
            }
        self.notifier.emit("media_progress", payload, location_room(location_id), CONSOLE_NAMESPACE)


def _page_of(name: str) -> int | None:
    if name.startswith("p") and "-" in name:
        return int(name[1 : name.index("-")])
    return None


def _target(name: str, formats: tuple[str, ...]) -> imaging.Target:
    box = name.split("-", 1)[1] if name.startswith("p") and "-" in name else name
    if box == "thumb":
        return imaging.Target(name, THUMB_PX, THUMB_PX, "fit", formats)
    if box == "original":
        return imaging.Target(name, 0, 0, "fit", formats)
    size, mode = box.rsplit("-", 1)
    width, height = (int(part) for part in size.split("x"))
    return imaging.Target(name, width, height, mode, formats)
