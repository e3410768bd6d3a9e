"""The approval queue (journey 2): slides waiting for approval where the caller may
approve, each with a preview of the waiting revision and what it changes against the
approved one; approve, or reject with a reason the editor sees.

SlideService decides who may approve (scope, and nobody but an admin approves their own
revision); this module shows and asks.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload
from werkzeug.wrappers import Response

from signage.accounts.models import User
from signage.accounts.permissions import Principal, Role
from signage.console.base import location_choices, me, page
from signage.console.slide_labels import (
    FIELD_LABELS,
    FIT_LABELS,
    PICTOGRAM_LABELS,
    TEMPLATE_LABELS,
    language_name,
)
from signage.console.slides import base_language
from signage.content.models import Media, Slide, SlideRevision
from signage.content.services import SlideService
from signage.errors import Conflict, Forbidden
from signage.policy import MANAGER
from signage.web import db_session

MAX_REASON_CHARS = 4000
_slides = SlideService()


@dataclass(frozen=True)
class Change:
    """One line of the comparison: what is shown now, what would be shown."""

    label: str
    before: str
    after: str
    language: str | None = None  # the text's language, when not the console's

    @property
    def changed(self) -> bool:
        return self.before != self.after


# -- pages --------------------------------------------------------------------------------
@page("/console/approvals", MANAGER)
def approvals() -> str:
    session, principal = db_session(), me()
    labels = dict(location_choices(session, principal))
    waiting = waiting_slides(session, principal)
    authors = names(session, {s.latest.author_id for s in waiting})
    return render_template(
        "console/content/approvals.html",
        waiting=waiting,
        labels=labels,
        authors=authors,
    )


@page("/console/approvals/<int:slide_id>", MANAGER)
def approval(slide_id: int) -> tuple[str, int]:
    return review(slide_id, {}, "", 200)


@page("/console/approvals/<int:slide_id>/approve", MANAGER, methods=("POST",))
def approve(slide_id: int) -> tuple[str, int] | Response:
    session, principal = db_session(), me()
    slide = reviewable(session, principal, slide_id)
    ensure_current(slide)
    _slides.approve(session, principal, slide)
    session.commit()
    flash(
        _("“%(title)s” is approved and plays where its playlists are shown.", title=slide.title),
        "success",
    )
    return redirect(url_for("console.approvals"))


@page("/console/approvals/<int:slide_id>/reject", MANAGER, methods=("POST",))
def reject(slide_id: int) -> tuple[str, int] | Response:
    session, principal = db_session(), me()
    slide = reviewable(session, principal, slide_id)
    ensure_current(slide)
    reason = request.form.get("reason", "").strip()
    if not reason:
        return review(slide_id, {"reason": _("Write why, so the editor can fix it.")}, "", 422)
    if len(reason) > MAX_REASON_CHARS:
        return review(slide_id, {"reason": _("This is too long.")}, reason, 422)
    _slides.reject(session, principal, slide, reason)
    session.commit()
    flash(
        _("“%(title)s” is sent back to the editor with your reason.", title=slide.title), "success"
    )
    return redirect(url_for("console.approvals"))


# -- helpers ------------------------------------------------------------------------------
def review(slide_id: int, problems: dict[str, str], reason: str, status: int) -> tuple[str, int]:
    session, principal = db_session(), me()
    slide = reviewable(session, principal, slide_id)
    latest = slide.latest
    base, base_is_live = compared_with(slide)
    own = latest.author_id == principal.user_id and not principal.is_admin
    html = render_template(
        "console/content/approval.html",
        slide=slide,
        latest=latest,
        base=base,
        base_is_live=base_is_live,
        pending=latest.status == "pending",
        own=own,
        author=names(session, {latest.author_id}).get(latest.author_id, ""),
        location=dict(location_choices(session, principal)).get(slide.location_id, ""),
        changes=compare(session, base, latest),
        problems=problems,
        reason=reason,
        languages=[base_language(), *sorted(latest.variants or {})],
        language_name=language_name,
    )
    return html, status


def compared_with(slide: Slide) -> tuple[SlideRevision | None, bool]:
    """What the waiting revision is compared with: the one on screens; for a slide that
    has never been approved, the revision last sent back. (revision, is it on screens)"""
    latest, live = slide.latest, slide.live_revision
    if live is not None:
        return (live, True) if live.id != latest.id else (None, True)
    earlier = [r for r in slide.revisions if r.status == "rejected" and r.id != latest.id]
    return (earlier[-1], False) if earlier else (None, False)


def reviewable(session: Session, principal: Principal, slide_id: int) -> Slide:
    """A slide the caller may read (else 404) and approve (else 403)."""
    slide = _slides.get(session, principal, slide_id)
    if not principal.can_write(slide.location_id, Role.FACILITY_MANAGER):
        raise Forbidden("approvals here need a facility manager's grant on this location")
    return slide


def ensure_current(slide: Slide) -> None:
    """The decision names the revision that was looked at; a newer one must be looked at
    first."""
    posted = request.form.get("revision", "")
    if not posted.isdigit() or int(posted) != slide.latest.number:
        raise Conflict(
            f"the slide has changed since you looked (revision {slide.latest.number} now)"
        )


def waiting_slides(session: Session, principal: Principal) -> list[Slide]:
    """Slides whose newest revision waits for approval where the caller may approve."""
    places = principal.writable(Role.FACILITY_MANAGER)
    query = (
        select(Slide)
        .where(
            Slide.location_id.in_(places),
            Slide.id.in_(select(SlideRevision.slide_id).where(SlideRevision.status == "pending")),
        )
        .options(selectinload(Slide.revisions))
        .order_by(Slide.id)
    )
    return [slide for slide in session.scalars(query) if slide.latest.status == "pending"]


def names(session: Session, user_ids: set[int | None]) -> dict[int | None, str]:
    wanted = [uid for uid in user_ids if uid is not None]
    if not wanted:
        return {}
    users = session.scalars(select(User).where(User.id.in_(wanted)))
    return {user.id: user.name or user.email for user in users}


def compare(session: Session, before: SlideRevision | None, after: SlideRevision) -> list[Change]:
    """Every part of the content, as the earlier revision has it and as the waiting one
    would show it (the earlier column is empty when there is nothing to compare with)."""
    old: dict[str, Any] = _content(session, before) if before is not None else {}
    new = _content(session, after)
    changes = []
    for key in dict.fromkeys([*new, *old]):
        label, language = _label(key)
        changes.append(Change(label, old.get(key, ""), new.get(key, ""), language))
    return changes


def _content(session: Session, revision: SlideRevision) -> dict[str, str]:
    """A revision's content as labelled text, keyed so two revisions line up."""
    media = session.get(Media, revision.media_id) if revision.media_id else None
    content = {
        "kind": str(TEMPLATE_LABELS.get(revision.kind, revision.kind)),
        "media": media.filename if media is not None else "",
        "pictogram": str(PICTOGRAM_LABELS.get(revision.pictogram or "", revision.pictogram or "")),
        "alt": revision.alt or "",
        "duration": str(revision.duration or ""),
    }
    for name, value in (revision.fields or {}).items():
        content[f"field:{name}"] = str(FIT_LABELS.get(value, value) if name == "fit" else value)
    for language, values in sorted((revision.variants or {}).items()):
        for name, value in values.items():
            content[f"variant:{language}:{name}"] = str(value)
    return content


def _label(key: str) -> tuple[str, str | None]:
    fixed = {
        "kind": _("Template"),
        "media": _("File"),
        "pictogram": _("Pictogram"),
        "alt": _("Alt text"),
        "duration": _("Duration (seconds)"),
    }
    if key in fixed:
        return fixed[key], None
    parts = key.split(":")
    field = str(FIELD_LABELS.get(parts[-1], parts[-1]))
    if parts[0] == "variant":
        return f"{field} ({language_name(parts[1])})", parts[1]
    return field, None
