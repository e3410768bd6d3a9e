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
from signage.scheduling.manifests import ManifestWriter, rebuild_time
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
    # Called between displays: under gevent it yields to the hub so that a large rebuild
    # never holds the event loop for more than one display's worth of work.
    pause: Callable[[], None] = lambda: None

    def run_once(self) -> list[tuple[int, str]]:
        """Handle the changes since the last run; returns the (display, version) published."""
        with self.database.sessions() as session:  # reading only: writers are not held up
            state = session.get(PropagatorState, STATE_NAME)
            after = state.last_change_id if state else 0
            changes = list(
                session.scalars(
                    select(Change)
                    .where(Change.id > after)
                    .order_by(Change.id)
                    .limit(MAX_CHANGES_PER_RUN)
                )
            )
            if state is not None and not changes:
                return []
            # The first run gives every display a manifest.
            affected = affected_displays(session, changes) if state else EVERY_DISPLAY
            built = self.compute(session, affected) if affected != set() else []
        last = changes[-1].id if changes else after
        return self.store(built, last_change_id=last)

    def rebuild(self, displays: set[int] | None) -> list[tuple[int, str]]:
        """Rebuild the manifests of `displays` (None: all) now, whatever changed."""
        with self.database.sessions() as session:
            built = self.compute(session, displays)
        return self.store(built)

    def compute(self, session: Session, displays: set[int] | None) -> list[Built]:
        """Resolve manifests without writing anything.

        SQLite under gevent: a greenlet that yields while holding the write lock stalls
        every other writer in the process (the busy handler blocks the hub), so all the
        slow work happens here, in a read, and `store` writes in one short transaction.
        """
        now = self.clock()
        snapshot = load_snapshot(
            session,
            now=now,
            default_timezone=self.default_timezone,
            base_language=self.base_language,
            displays=displays,
        )
        resolver = _manifest_resolver(snapshot.content)
        writer = ManifestWriter(snapshot.slide_payloads, snapshot.brand)
        built = []
        for display in snapshot.displays.values():
            version, text, until = writer.build(resolver, display, now)
            built.append(Built(display.id, version, text, until, rebuild_time(display, now), now))
            self.pause()
        return built

    def store(self, built: list[Built], last_change_id: int | None = None) -> list[tuple[int, str]]:
        """Write manifests (and how far the change log was read); publish those that changed."""
        published = []
        with self.database.transaction() as session:
            ids = [b.display_id for b in built]
            stored = (
                {
                    m.display_id: m
                    for m in session.scalars(select(Manifest).where(Manifest.display_id.in_(ids)))
                }
                if ids
                else {}
            )
            existing = set(session.scalars(select(Display.id).where(Display.id.in_(ids))))
            for item in built:
                if item.display_id not in existing:
                    continue  # deleted while we were resolving
                row = stored.get(item.display_id) or Manifest(display_id=item.display_id)
                if row.version != item.version:
                    published.append((item.display_id, item.version))
                row.version, row.body, row.valid_until = item.version, item.body, item.valid_until
                row.rebuild_after, row.built_at = item.rebuild_after, item.built_at
                session.add(row)
            if last_change_id is not None:
                state = session.get(PropagatorState, STATE_NAME) or PropagatorState(name=STATE_NAME)
                state.last_change_id = max(state.last_change_id or 0, last_change_id)
                state.updated_at = self.clock()
                session.add(state)
        for display_id, version in published:
            self.publish(display_id, version)
        return published


@dataclass(frozen=True)
class Built:
    display_id: int
    version: str
    body: str
    valid_until: datetime
    rebuild_after: datetime
    built_at: datetime


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
