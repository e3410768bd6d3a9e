"""Slides (journey 1): the list with each slide's state, and the editor with brand-locked
templates, pictograms, media, language variants and a live preview in the kiosk's own
renderer. Saving makes a draft revision; submitting sends it for approval, while the
approved revision keeps playing.

Writes go through SlideService, which checks scope; the form only offers what the
editor may choose and refuses anything else as unknown.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from flask import current_app, flash, make_response, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy.orm import Session, selectinload
from werkzeug.wrappers import Response

from signage.accounts.models import User
from signage.accounts.permissions import Principal, Role
from signage.accounts.services import get_brand
from signage.app import CONTENT_SECURITY_POLICY
from signage.console.base import error_sentence, location_choices, me, page
from signage.console.library import media_choices, preview_url
from signage.console.slide_form import (
    FIELD_NAMES,
    LANGUAGE_CODE,
    TRANSLATABLE,
    Allowed,
    SlideForm,
    check,
    media_kind,
    translatable,
)
from signage.console.slide_labels import (
    FEED_KIND_LABELS,
    FIELD_LABELS,
    FIT_LABELS,
    LANGUAGES,
    LONG_FIELDS,
    ORIENTATION_LABELS,
    PICTOGRAM_LABELS,
    STATUS_LABELS,
    TEMPLATE_LABELS,
    TEMPLATE_ORDER,
    language_dir,
    language_name,
    live_note,
)
from signage.content.models import Media, Slide, SlideRevision, Theme
from signage.content.renditions import mode_of
from signage.content.services import SlideService, ThemeService
from signage.content.templates import (
    DEFAULT_FEED_COUNT,
    FEED_TEMPLATES,
    TEMPLATES,
    feed_id_of,
)
from signage.db import utcnow
from signage.errors import Forbidden, NotFound, SignageError
from signage.feeds.items import shown_items
from signage.feeds.models import CAP, Feed
from signage.feeds.services import FeedService
from signage.policy import EDITOR, VIEWER
from signage.schemas import parse_id
from signage.web import db_session

PAGE_SIZE = 100
# The preview page is shown inside the console's own pages, and nowhere else.
PREVIEW_POLICY = CONTENT_SECURITY_POLICY.replace("frame-ancestors 'none'", "frame-ancestors 'self'")
_slides = SlideService()


@dataclass(frozen=True)
class SlideRow:
    slide: Slide
    location: str
    editable: bool

    @property
    def status(self) -> str:
        return str(STATUS_LABELS.get(self.slide.latest.status, self.slide.latest.status))

    @property
    def live_note(self) -> str:
        return live_note(self.slide)


# -- the list ------------------------------------------------------------------------------
@page("/console/slides", VIEWER)
def slides() -> str:
    session, principal = db_session(), me()
    query = (
        _slides.readable_query(principal)
        .options(selectinload(Slide.revisions), selectinload(Slide.live_revision))
        .order_by(Slide.id.desc())
    )
    before = parse_id(request.args.get("before", ""))
    if before is not None:
        query = query.where(Slide.id < before)
    found = list(session.scalars(query.limit(PAGE_SIZE + 1)))
    labels = dict(location_choices(session, principal))
    rows = [
        SlideRow(s, labels.get(s.location_id, ""), principal.can_write(s.location_id, Role.EDITOR))
        for s in found[:PAGE_SIZE]
    ]
    return render_template(
        "console/content/slides.html",
        rows=rows,
        older=found[PAGE_SIZE - 1].id if len(found) > PAGE_SIZE else None,
        may_create=bool(principal.writable(Role.EDITOR)),
        template_labels=TEMPLATE_LABELS,
    )


# -- the editor ----------------------------------------------------------------------------
@page("/console/slides/new", EDITOR)
def slide_new() -> tuple[str, int]:
    choices = location_choices(db_session(), me(), Role.EDITOR)
    return editor(SlideForm(location_id=str(choices[0][0]) if choices else ""), None, {})


@page("/console/slides/new", EDITOR, methods=("POST",))
def slide_create() -> tuple[str, int] | Response:
    return save(None)


@page("/console/slides/<int:slide_id>", VIEWER)
def slide(slide_id: int) -> tuple[str, int]:
    found = _slides.get(db_session(), me(), slide_id)
    return editor(SlideForm.of_slide(found), found, {})


@page("/console/slides/<int:slide_id>", EDITOR, methods=("POST",))
def slide_save(slide_id: int) -> tuple[str, int] | Response:
    found = _slides.get(db_session(), me(), slide_id)
    if not me().can_write(found.location_id, Role.EDITOR):
        raise Forbidden("this slide belongs to a location you may not edit")
    return save(found)


def save(slide: Slide | None) -> tuple[str, int] | Response:
    """Save the form (a new draft revision when the content changed), and submit it when
    asked; or add or remove a language and show the form again, unsaved."""
    session, principal = db_session(), me()
    form = SlideForm.from_request(request.form, request.form.getlist("variant"))
    action = request.form.get("action", "save")
    if action == "add-variant" or action.startswith("remove-variant:"):
        change_languages(form, action, request.form.get("new_variant", ""))
        return editor(form, slide, {})
    data, problems = check(form, allowed(session, principal, form), creating=slide is None)
    if problems:
        return editor(form, slide, problems, 422)
    try:
        if slide is None:
            slide = _slides.create(session, principal, data)
        else:
            _slides.update(session, principal, slide, data)
        message = submit_if_asked(session, principal, slide, action == "submit")
        session.commit()
    except SignageError as exc:
        session.rollback()
        kept = slide if slide is not None and slide.id is not None else None
        return editor(form, kept, {"_": error_sentence(exc)}, exc.status)
    flash(message, "success")
    return redirect(url_for("console.slide", slide_id=slide.id))


def change_languages(form: SlideForm, action: str, new: str) -> None:
    if action == "add-variant":
        if LANGUAGE_CODE.fullmatch(new) and new != base_language():
            form.variants.setdefault(new, dict.fromkeys(TRANSLATABLE, ""))
    else:
        form.variants.pop(action.partition(":")[2], None)


def submit_if_asked(session: Session, principal: Principal, slide: Slide, submit: bool) -> str:
    latest = slide.latest
    if not submit:
        if latest.status == "draft":
            return _(
                "Saved as a draft (revision %(number)s). Submit it for approval when it is ready.",
                number=latest.number,
            )
        return _("Saved.")
    if latest.status in ("draft", "rejected"):
        _slides.submit(session, principal, slide)
        return _("Submitted for approval (revision %(number)s).", number=latest.number)
    if latest.status == "pending":
        return _("Revision %(number)s already waits for approval.", number=latest.number)
    return _("Nothing has changed since the approved revision, so there is nothing to submit.")


def allowed(session: Session, principal: Principal, form: SlideForm) -> Allowed:
    media: dict[int, str] = {}
    media_id = parse_id(form.media_id)
    if media_id is not None:
        chosen = session.get(Media, media_id)
        usable = chosen is not None and chosen.status != "failed"
        if usable and chosen is not None and principal.can_read(chosen.location_id):
            media[chosen.id] = chosen.kind
    return Allowed(
        locations={lid for lid, _label in location_choices(session, principal, Role.EDITOR)},
        media=media,
        themes={theme.id for theme in readable_themes(session, principal)},
        base_language=base_language(),
    )


def editor(
    form: SlideForm, slide: Slide | None, problems: dict[str, str], status: int = 200
) -> tuple[str, int]:
    session, principal = db_session(), me()
    editable = slide is None or principal.can_write(slide.location_id, Role.EDITOR)
    locations = location_choices(session, principal, Role.EDITOR if editable else None)
    keep = parse_id(form.media_id)
    html = render_template(
        "console/content/slide.html",
        form=form,
        slide=slide,
        problems=problems,
        editable=editable,
        locations=locations,
        themes=readable_themes(session, principal),
        media=media_choices(session, principal, keep),
        feeds=feed_choices(session, principal),
        reviewer=reviewer_name(session, slide),
        live_note=live_note(slide) if slide is not None else "",
        status_labels=STATUS_LABELS,
        template_order=TEMPLATE_ORDER,
        template_labels=TEMPLATE_LABELS,
        templates=TEMPLATES,
        templates_json=templates_json(),
        field_names=FIELD_NAMES,
        translatable_names=TRANSLATABLE,
        field_labels=FIELD_LABELS,
        long_fields=LONG_FIELDS,
        fit_labels=FIT_LABELS,
        pictograms=sorted(PICTOGRAM_LABELS.items(), key=lambda item: str(item[1]).casefold()),
        orientations=ORIENTATION_LABELS,
        languages=[(code, name) for code, (name, _d) in LANGUAGES.items()],
        language_name=language_name,
        language_dir=language_dir,
        base_language=base_language(),
        translatable=translatable,
        media_kind=media_kind,
    )
    return html, status


def feed_choices(session: Session, principal: Principal) -> list[tuple[str, str]]:
    """The feeds a feed slide may show: those the editor can see, CAP feeds aside (they
    become alerts, not slides)."""
    query = FeedService().readable_query(principal).where(Feed.kind != CAP).order_by(Feed.name)
    return [
        (str(feed.id), f"{feed.name} ({FEED_KIND_LABELS[feed.kind]})")
        for feed in session.scalars(query)
    ]


def templates_json() -> dict[str, Any]:
    """What the editor's script needs to show the right fields for each template."""
    return {
        kind: {
            "fields": list(template.fields),
            "translatable": list(translatable(kind)),
            "media": media_kind(kind) if template.needs_media else None,
        }
        for kind, template in TEMPLATES.items()
    }


def readable_themes(session: Session, principal: Principal) -> list[Theme]:
    query = ThemeService().readable_query(principal).order_by(Theme.year.desc(), Theme.name)
    return list(session.scalars(query))


def reviewer_name(session: Session, slide: Slide | None) -> str:
    if slide is None or slide.latest.reviewer_id is None:
        return ""
    user = session.get(User, slide.latest.reviewer_id)
    return (user.name or user.email) if user is not None else ""


def base_language() -> str:
    language: str = current_app.config["SIGNAGE"].language
    return language


# -- the preview in the player -------------------------------------------------------------
@page("/console/slides/preview", VIEWER)
def slide_preview() -> Response:
    """The kiosk's renderer, empty: the editor sends it the slide as it is typed."""
    return preview_page(None, "any")


@page("/console/slides/<int:slide_id>/revisions/<int:number>/preview", VIEWER)
def revision_preview(slide_id: int, number: int) -> Response:
    session = db_session()
    found = _slides.get(session, me(), slide_id)
    revision = revision_by_number(found, number)
    if revision is None:
        raise NotFound(f"slide {slide_id} has no revision {number}")
    return preview_page(preview_data(session, revision), found.orientation)


def preview_data(session: Session, revision: SlideRevision) -> dict[str, Any]:
    """A revision as the kiosk's renderer takes a slide from the manifest."""
    assets = []
    media = session.get(Media, revision.media_id) if revision.media_id else None
    if media is not None:
        page_number = str((revision.fields or {}).get("page", ""))
        url = preview_url(
            media,
            mode_of(revision.fields),
            int(page_number) if page_number.isdigit() else None,
        )
        assets = [{"url": url}] if url else []
    return {
        "kind": revision.kind,
        "fields": revision.fields or {},
        "variants": revision.variants or {},
        "pictogram": revision.pictogram,
        "alt": revision.alt,
        "assets": assets,
        "items": preview_items(session, revision),
    }


def preview_items(session: Session, revision: SlideRevision) -> list[dict[str, Any]]:
    """A feed slide's items as a screen would show them now."""
    fields = revision.fields or {}
    feed = session.get(Feed, feed_id_of(fields) or 0) if revision.kind in FEED_TEMPLATES else None
    if feed is None:
        return []
    count = str(fields.get("count") or DEFAULT_FEED_COUNT)
    zone = ZoneInfo(current_app.config["SIGNAGE"].timezone)
    return shown_items(revision.kind, feed.items, int(count), utcnow(), zone)


def preview_page(data: dict[str, Any] | None, orientation: str) -> Response:
    session = db_session()
    brand = get_brand(session)
    language = request.args.get("language", "")
    html = render_template(
        "console/content/preview.html",
        slide=data,
        brand={"palette": brand.get("palette") or {}, "font": brand.get("font")},
        timezone=current_app.config["SIGNAGE"].timezone,
        base_language=base_language(),
        language=language if LANGUAGE_CODE.fullmatch(language) else "",
        orientation=orientation,
    )
    response = make_response(html)
    response.headers["Content-Security-Policy"] = PREVIEW_POLICY
    response.headers["X-Frame-Options"] = "SAMEORIGIN"
    return response


def revision_by_number(slide: Slide, number: int) -> SlideRevision | None:
    return next((r for r in slide.revisions if r.number == number), None)
