"""Themes, slides with moderated revisions, and playlists."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from signage import audit
from signage.accounts.permissions import Principal, Role
from signage.content import renditions
from signage.content.models import Media, Playlist, PlaylistItem, Slide, SlideRevision, Theme
from signage.content.templates import PICTOGRAMS, TEMPLATES, check_fields, is_web_address
from signage.core.recurrence import RecurrenceError, validate_span
from signage.crud import CrudService, ensure_exist, get_or_404, require_write
from signage.db import utcnow
from signage.errors import Conflict, Forbidden, NotFound, ValidationFailed
from signage.feeds.services import feed_slide_problems
from signage.net.fetch import FetchRefused, check_url
from signage.screens.models import Location

REVISION_FIELDS = ("kind", "fields", "variants", "pictogram", "alt", "media_id", "duration")


class ThemeService(CrudService[Theme]):
    model = Theme
    kind = "theme"
    write_role = Role.COMMUNICATOR
    unique = ("slug",)


class SlideService(CrudService[Slide]):
    model = Slide
    not_null = frozenset({"kind", "fields", "variants"})  # the revision's columns
    kind = "slide"
    write_role = Role.EDITOR
    unique = ("key",)

    def apply(
        self,
        session: Session,
        principal: Principal,
        obj: Slide,
        data: dict[str, Any],
        *,
        creating: bool,
    ) -> None:
        content = {k: data[k] for k in REVISION_FIELDS if k in data}
        slide_fields = {k: v for k, v in data.items() if k not in REVISION_FIELDS}
        if "location_id" in slide_fields:
            get_or_404(session, Location, slide_fields["location_id"], "location")
        if slide_fields.get("theme_id") is not None:
            theme = get_or_404(session, Theme, slide_fields["theme_id"], "theme")
            if not principal.can_read(theme.location_id):  # a theme out of sight is none
                raise NotFound(f"theme {theme.id} does not exist")
        self._check_validity(
            slide_fields.get("valid_from", obj.valid_from),
            slide_fields.get("valid_until", obj.valid_until),
        )
        for key, value in slide_fields.items():
            setattr(obj, key, value)
        previous = obj.revisions[-1] if obj.revisions else None
        if creating or (content and not _same_content(previous, content)):
            obj.revisions.append(self._new_revision(session, principal, previous, content))

    def _check_validity(self, valid_from: str | None, valid_until: str | None) -> None:
        try:
            validate_span(valid_from, valid_until)
        except RecurrenceError as exc:
            message = str(exc).replace("ends", "valid_until").replace("starts", "valid_from")
            raise ValidationFailed(message) from exc

    def _new_revision(
        self,
        session: Session,
        principal: Principal,
        previous: SlideRevision | None,
        changes: dict[str, Any],
    ) -> SlideRevision:
        base: dict[str, Any] = dict.fromkeys(REVISION_FIELDS)
        base.update(kind="text", fields={}, variants={})
        if previous is not None:
            base.update({name: getattr(previous, name) for name in REVISION_FIELDS})
        base.update(changes)
        self._check_content(session, principal, base)
        if base["media_id"] is not None:  # a slide that fills the screen needs fill renditions
            renditions.plan(session, [base["media_id"]], {renditions.mode_of(base["fields"])})
        return SlideRevision(
            number=(previous.number + 1) if previous else 1,
            status="draft",
            author_id=principal.user_id,
            **base,
        )

    def _check_content(
        self, session: Session, principal: Principal, content: dict[str, Any]
    ) -> None:
        kind = content["kind"]
        problems = check_fields(kind, content["fields"] or {}, content["variants"] or {})
        if content["pictogram"] and content["pictogram"] not in PICTOGRAMS:
            problems.append(f"unknown pictogram {content['pictogram']!r}")
        if TEMPLATES[kind].needs_media and content["media_id"] is None:
            problems.append(f"template {kind!r} needs a media_id")
        problems += web_page_problems(kind, content["fields"] or {})
        problems += feed_slide_problems(session, principal, kind, content["fields"] or {})
        if content["media_id"] is not None:
            media = session.get(Media, content["media_id"])
            if media is None or not principal.can_read(media.location_id):
                problems.append(f"unknown media id {content['media_id']}")
            else:
                problems += media_problems(kind, media, content["fields"] or {})
        if problems:
            raise ValidationFailed("; ".join(problems), details=problems)

    # -- moderation ----------------------------------------------------------------
    def submit(self, session: Session, principal: Principal, slide: Slide) -> SlideRevision:
        require_write(principal, slide.location_id, Role.EDITOR, "this slide")
        revision = _latest_in(slide, {"draft", "rejected"}, "submitted")
        revision.status = "pending"
        self._record(session, principal, "slide.submit", slide, revision)
        return revision

    def approve(
        self, session: Session, principal: Principal, slide: Slide, note: str | None = None
    ) -> SlideRevision:
        require_write(principal, slide.location_id, Role.FACILITY_MANAGER, "approvals here")
        revision = _latest_in(slide, {"pending"}, "approved")
        if revision.author_id == principal.user_id and not principal.is_admin:
            raise Forbidden("nobody but an admin approves their own revision")
        mark_approved(revision, principal.user_id, note)
        self._record(session, principal, "slide.approve", slide, revision)
        return revision

    def reject(
        self, session: Session, principal: Principal, slide: Slide, note: str | None = None
    ) -> SlideRevision:
        require_write(principal, slide.location_id, Role.FACILITY_MANAGER, "approvals here")
        revision = _latest_in(slide, {"pending"}, "rejected")
        revision.status = "rejected"
        revision.reviewer_id = principal.user_id
        revision.review_note = note
        revision.decided_at = utcnow()
        self._record(session, principal, "slide.reject", slide, revision)
        return revision

    def _record(
        self,
        session: Session,
        principal: Principal,
        action: str,
        slide: Slide,
        revision: SlideRevision,
    ) -> None:
        session.flush()
        audit.record(
            session,
            principal,
            action,
            "slide",
            slide.id,
            slide.location_id,
            {"revision": revision.number},
        )


def web_page_problems(kind: str, fields: dict[str, Any]) -> list[str]:
    """A web page slide's address passes the outbound-fetch guard's address rules: a
    screen in a public foyer must not be pointed at a router, a printer or an internal
    service. The name is resolved here, from the server."""
    url = fields.get("url")
    if kind != "webpage" or not isinstance(url, str) or not is_web_address(url):
        return []  # not a web page, or check_fields has said what is wrong
    try:
        check_url(url)
    except FetchRefused as refused:
        return [f"field 'url': screens may not show this address: {refused.detail}"]
    return []


def media_problems(kind: str, media: Media, fields: dict[str, Any]) -> list[str]:
    """Does the media suit the template: a picture for pictures, a video for video, a PDF
    with that page for a PDF page?"""
    wanted = {"video": "video", "pdf_page": "pdf"}.get(kind, "image")
    if media.kind != wanted:
        return [f"template {kind!r} needs a {wanted} media, not a {media.kind}"]
    page = str(fields.get("page"))
    if kind == "pdf_page" and page.isdigit() and int(page) > (media.pages or 0):
        return [f"the PDF has {media.pages} pages; there is no page {page}"]
    return []


def _latest_in(slide: Slide, statuses: set[str], verb: str) -> SlideRevision:
    revision = slide.latest
    if revision.status not in statuses:
        wanted = " or ".join(sorted(statuses))
        raise Conflict(
            f"revision {revision.number} is {revision.status}; only a {wanted} one can be {verb}"
        )
    return revision


def _same_content(revision: SlideRevision | None, content: dict[str, Any]) -> bool:
    return revision is not None and all(getattr(revision, k) == v for k, v in content.items())


def mark_approved(
    revision: SlideRevision, reviewer_id: int | None, note: str | None = None
) -> None:
    """Make `revision` the one that plays; the previous approved one stops."""
    revision.status = "approved"
    revision.reviewer_id = reviewer_id
    revision.review_note = note
    revision.decided_at = utcnow()
    revision.slide.live_revision = revision


class PlaylistService(CrudService[Playlist]):
    model = Playlist
    kind = "playlist"
    write_role = Role.FACILITY_MANAGER
    unique = ("slug",)

    def apply(
        self,
        session: Session,
        principal: Principal,
        obj: Playlist,
        data: dict[str, Any],
        *,
        creating: bool,
    ) -> None:
        data = dict(data)
        items = data.pop("items", None)
        super().apply(session, principal, obj, data, creating=creating)
        if items is not None:
            slides = ensure_exist(session, Slide, [item["slide_id"] for item in items], "slide")
            unreadable = [s.id for s in slides if not principal.can_read(s.location_id)]
            if unreadable:
                raise NotFound(f"unknown slide id(s): {', '.join(map(str, unreadable))}")
            wanted = [(item["slide_id"], item.get("duration")) for item in items]
            if wanted != [(i.slide_id, i.duration) for i in obj.items]:
                obj.items = [
                    PlaylistItem(position=position, slide_id=slide_id, duration=duration)
                    for position, (slide_id, duration) in enumerate(wanted)
                ]
