"""Propagation: tail `changes`, find the displays each change reaches, rebuild and store
their manifests, and publish the versions that changed.

Runs wherever jobs run (inside the server in the embedded default); the change log is in
the database, so a change written by another process (`signage import`) is found too.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from signage.content.models import PlaylistItem, SlideRevision
from signage.core.model import Content
from signage.core.timeline import Resolver
from signage.crud import load_tree
from signage.db import Database, utcnow
from signage.scheduling.manifests import build_manifest
from signage.scheduling.models import Change, Manifest, PropagatorState, Schedule
from signage.scheduling.snapshot import load_snapshot
from signage.screens.models import Display, Group, GroupMember

Publish = Callable[[int, str], None]
EVERY_DISPLAY = None  # "affected: all of them"
STATE_NAME = "manifests"
MAX_CHANGES_PER_RUN = 50_000


def no_publish(display_id: int, version: str) -> None:
    """The default until the realtime layer supplies its own."""


@dataclass
class Propagator:
    database: Database
    default_timezone: str
    base_language: str
    publish: Publish = no_publish
    clock: Callable[[], datetime] = utcnow

    def run_once(self) -> list[tuple[int, str]]:
        """Handle the changes since the last run; returns the (display, version) published."""
        with self.database.transaction() as session:
            state = session.get(PropagatorState, STATE_NAME)
            changes = list(
                session.scalars(
                    select(Change)
                    .where(Change.id > (state.last_change_id if state else 0))
                    .order_by(Change.id)
                    .limit(MAX_CHANGES_PER_RUN)
                )
            )
            if state is None:
                # First run: every display gets a manifest.
                state = PropagatorState(name=STATE_NAME, last_change_id=0)
                session.add(state)
                affected: set[int] | None = EVERY_DISPLAY
            elif not changes:
                return []
            else:
                affected = affected_displays(session, changes)
            published = self.rebuild(session, affected) if affected != set() else []
            if changes:
                state.last_change_id = changes[-1].id
            state.updated_at = self.clock()
        for display_id, version in published:
            self.publish(display_id, version)
        return published

    def rebuild(self, session: Session, displays: set[int] | None) -> list[tuple[int, str]]:
        """Rebuild manifests of `displays` (None: all); store and return those that changed."""
        now = self.clock()
        snapshot = load_snapshot(
            session,
            now=now,
            default_timezone=self.default_timezone,
            base_language=self.base_language,
            displays=displays,
        )
        resolver = _manifest_resolver(snapshot.content)
        query = select(Manifest)
        if displays is not None:
            query = query.where(Manifest.display_id.in_(displays))
        stored = {m.display_id: m for m in session.scalars(query)}
        published = []
        for display in snapshot.displays.values():
            version, text, until = build_manifest(
                resolver, display, now, snapshot.slide_payloads, snapshot.brand
            )
            row = stored.get(display.id)
            if row is None:
                row = Manifest(display_id=display.id)
                session.add(row)
            changed = row.version != version
            row.version, row.body, row.valid_until, row.built_at = version, text, until, now
            if changed:
                published.append((display.id, version))
        return published


def _manifest_resolver(content: Content) -> Resolver:
    """Manifests carry no alerts: those travel over the socket."""
    return Resolver(replace(content, alerts=()))


@dataclass
class _Reach:
    """What a batch of changes touched, before it is turned into displays."""

    displays: set[int] = field(default_factory=set)
    targets: set[str] = field(default_factory=set)
    playlists: set[int] = field(default_factory=set)
    slides: set[int] = field(default_factory=set)
    media: set[int] = field(default_factory=set)

    def add(self, change: Change) -> None:
        if change.kind == "schedule":
            if change.target:
                self.targets.add(change.target)
            return
        if change.entity_id is None:
            return
        if change.kind == "location":
            self.targets.add(f"location:{change.entity_id}")
            return
        bucket = {
            "display": self.displays,
            "playlist": self.playlists,
            "slide": self.slides,
            "media": self.media,
        }.get(change.kind)
        if bucket is not None:  # alerts travel over the socket, not in manifests
            bucket.add(change.entity_id)

    def resolve(self, session: Session) -> set[int] | None:
        if self.media:
            self.slides.update(
                session.scalars(
                    select(SlideRevision.slide_id).where(SlideRevision.media_id.in_(self.media))
                )
            )
        if self.slides:
            self.playlists.update(
                session.scalars(
                    select(PlaylistItem.playlist_id).where(PlaylistItem.slide_id.in_(self.slides))
                )
            )
        if self.playlists:
            rows = session.execute(
                select(Schedule.target_kind, Schedule.target_id).where(
                    Schedule.playlist_id.in_(self.playlists)
                )
            )
            self.targets.update(f"{kind}:{target_id or ''}" for kind, target_id in rows)
        found = set(self.displays)
        for target in self.targets:
            reached = displays_reached(session, target)
            if reached is EVERY_DISPLAY:
                return EVERY_DISPLAY
            found |= reached
        return found


def affected_displays(session: Session, changes: Iterable[Change]) -> set[int] | None:
    """The displays a batch of changes can reach; None means every display."""
    reach = _Reach()
    for change in changes:
        if change.kind in {"group", "brand"}:
            return EVERY_DISPLAY  # rare, and a tag group's old members are not on record
        reach.add(change)
    return reach.resolve(session)


def displays_reached(session: Session, target: str) -> set[int] | None:
    kind, _, raw = target.partition(":")
    if kind == "all":
        return EVERY_DISPLAY
    if not raw.isdigit():
        return set()
    target_id = int(raw)
    if kind == "display":
        return {target_id}
    if kind == "location":
        subtree = load_tree(session).subtree(target_id)
        return set(session.scalars(select(Display.id).where(Display.location_id.in_(subtree))))
    if kind == "group":
        group = session.get(Group, target_id)
        if group is None:
            return set()
        members = set(
            session.scalars(select(GroupMember.display_id).where(GroupMember.group_id == target_id))
        )
        if group.tag:
            members |= {
                d.id for d in session.scalars(select(Display)) if group.tag in (d.tags or [])
            }
        return members
    return set()
