"""Propagation: tail `changes`, find the displays each change reaches, rebuild and store
their manifests, and publish the versions that changed.

Runs wherever jobs run (inside the server in the embedded default); the change log is in
the database, so a change written by another process (`signage import`) is found too.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from itertools import islice

from sqlalchemy import select, text
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session

from signage.content.models import PlaylistItem, SlideRevision
from signage.core.model import Content, DisplaySpec, ScheduleSpec, Target, TargetKind
from signage.core.timeline import Resolver
from signage.crud import load_tree
from signage.db import Database, utcnow
from signage.feeds.services import slides_showing
from signage.monitoring import counters
from signage.scheduling.manifests import ManifestWriter, rebuild_time
from signage.scheduling.models import Change, Manifest, PropagatorState, Schedule
from signage.scheduling.snapshot import Snapshot, load_snapshot, schedule_spec
from signage.screens.models import Display, Group, GroupMember

Publish = Callable[[int, str], None]
# Told the location chains of every display whose manifest was rebuilt, changed or not:
# public pages mirror slides' and locations' public flags, which manifests do not carry.
Rebuilt = Callable[[set[int]], None]
EVERY_DISPLAY = None  # "affected: all of them"
STATE_NAME = "manifests"
MAX_CHANGES_PER_RUN = 50_000
CHANGE_LOG_LOCK_TIMEOUT_MS = 1000  # the longest new writers of changes wait for a run
LOCK_NOT_AVAILABLE = "55P03"  # PostgreSQL's SQLSTATE for a lock_timeout
# Manifests written a transaction: a batch is built, then stored, then the next is built,
# so a fleet's texts (~150 KB a display) are never all in memory at once.
STORE_BATCH = 250


def no_publish(display_id: int, version: str) -> None:
    """The default until the realtime layer supplies its own."""


def no_rebuilt(location_ids: set[int]) -> None:
    """The default: nobody mirrors the rebuilt displays."""


def committed_changes(session: Session, after: int) -> list[Change] | None:
    """The changes after id `after` in order, with no change left behind for good; None
    when PostgreSQL writers kept the log locked past CHANGE_LOG_LOCK_TIMEOUT_MS.

    On PostgreSQL a change's id is drawn at insert but seen at commit, so a transaction
    may commit id 11 while id 10's is still open: reading past 10 would skip it forever.
    A SHARE lock on the table waits for the open writers of changes and holds new ones
    off while the batch is read, and is released at once. SQLite has one writer at a
    time and needs none of this."""
    on_postgres = session.get_bind().dialect.name == "postgresql"
    if on_postgres:
        session.execute(text(f"SET LOCAL lock_timeout = '{CHANGE_LOG_LOCK_TIMEOUT_MS}ms'"))
        try:
            session.execute(text(f"LOCK TABLE {Change.__tablename__} IN SHARE MODE"))
        except OperationalError as exc:
            if getattr(exc.orig, "sqlstate", None) != LOCK_NOT_AVAILABLE:
                raise
            session.rollback()
            return None
    changes = list(
        session.scalars(
            select(Change).where(Change.id > after).order_by(Change.id).limit(MAX_CHANGES_PER_RUN)
        )
    )
    if on_postgres:
        session.commit()  # release the lock; what follows only reads
    return changes


@dataclass
class Propagator:
    database: Database
    default_timezone: str
    base_language: str
    publish: Publish = no_publish
    clock: Callable[[], datetime] = utcnow
    rebuilt: Rebuilt = no_rebuilt
    _warm: _Warm | None = field(default=None, init=False, repr=False)
    # The sweeps run on a thread pool: propagation and the daily rebuild take turns.
    _lock: threading.Lock = field(default_factory=threading.Lock, init=False, repr=False)

    def run_once(self) -> list[tuple[int, str]]:
        """Handle the changes since the last run; returns the (display, version) published."""
        with self._lock:
            return self._run_once()

    def _run_once(self) -> list[tuple[int, str]]:
        with self.database.sessions() as session:  # reading (the log's lock is brief)
            state = session.get(PropagatorState, STATE_NAME)
            after = state.last_change_id if state else 0
            changes = committed_changes(session, after)
            if changes is None:
                return []  # writers held the log too long: the next run reads it
            if state is not None and not changes:
                return []
            if state is not None and self._is_warm_for(changes):
                built: Iterable[Built] = self._compute_schedule_changes(session, changes)
            else:
                # The first run gives every display a manifest.
                affected = affected_displays(session, changes) if state else EVERY_DISPLAY
                if affected == set():
                    # Nothing shows these changes yet (a playlist no schedule puts
                    # anywhere), but the warm snapshot no longer holds them: a schedule
                    # change that follows must read the database afresh.
                    self._warm = None
                built = self.compute(session, affected) if affected != set() else []
        last = changes[-1].id if changes else after
        return self.store(built, last_change_id=last)

    def _is_warm_for(self, changes: list[Change]) -> bool:
        """Schedule changes alone can be applied to the warm snapshot of today; anything
        else (content, displays, groups) reads the database afresh."""
        warm = self._warm
        return (
            warm is not None
            and warm.day == self.clock().date()
            and all(change.kind == "schedule" for change in changes)
        )

    def rebuild(
        self, displays: set[int] | None, *, keep_warm: bool = True
    ) -> list[tuple[int, str]]:
        """Rebuild the manifests of `displays` (None: all) now, whatever changed.

        `keep_warm=False` reads only those displays: for a one-off rebuild by a
        propagator that will not see the next change."""
        with self._lock:
            with self.database.sessions() as session:
                built = self.compute(session, displays, keep_warm=keep_warm)
            return self.store(built)

    def compute(
        self, session: Session, displays: set[int] | None, *, keep_warm: bool = True
    ) -> Iterator[Built]:
        """Manifests, resolved without writing anything: the snapshot is read here, and
        each manifest is built from it as the result is read (the session need not be
        open by then).

        SQLite under gevent: a greenlet that yields while holding the write lock stalls
        every other writer in the process (the busy handler blocks the hub), so the slow
        work never happens in a write: `store` builds each batch before it opens the
        batch's short transaction. The snapshot read here stays warm for the schedule
        changes that follow.
        """
        now = self.clock()
        snapshot = load_snapshot(
            session,
            now=now,
            default_timezone=self.default_timezone,
            base_language=self.base_language,
            displays=None if keep_warm else displays,
        )
        warm = _Warm.of(snapshot, now)
        if keep_warm:
            self._warm = warm
        chosen = (
            snapshot.displays.values()
            if displays is None
            else [snapshot.displays[i] for i in sorted(displays) if i in snapshot.displays]
        )
        return self._build(warm, chosen, now)

    def _build(
        self, warm: _Warm, displays: Iterable[DisplaySpec], now: datetime
    ) -> Iterator[Built]:
        return (
            Built(
                display.id, version, text, until, rebuild_time(display, now), now, display.locations
            )
            for display, version, text, until in warm.writer.build_many(
                warm.resolver, displays, now
            )
        )

    def _compute_schedule_changes(self, session: Session, changes: list[Change]) -> Iterator[Built]:
        """Schedule changes on the warm snapshot: read only the changed rows, patch the
        resolver, and rebuild only the displays the old and new targets reach."""
        warm = self._warm
        assert warm is not None  # noqa: S101 - the caller checked
        targets: set[Target] = set()
        for schedule_id in dict.fromkeys(c.entity_id for c in changes if c.entity_id):
            old = warm.schedules.get(schedule_id)
            row = session.get(Schedule, schedule_id)
            new = schedule_spec(row) if row is not None else None
            warm.resolver = warm.resolver.with_schedule(old, new)
            if new is None:
                warm.schedules.pop(schedule_id, None)
            else:
                warm.schedules[schedule_id] = new
            targets |= {spec.target for spec in (old, new) if spec is not None}
        return self._build(warm, warm.reached(targets), self.clock())

    def store(
        self, built: Iterable[Built], last_change_id: int | None = None
    ) -> list[tuple[int, str]]:
        """Write manifests, STORE_BATCH to a transaction, and with the last batch how far
        the change log was read; publish those that changed as each batch commits.

        A run cut short leaves the log where it was, so the next run builds them all
        again. Another process (a kiosk's first fetch in the web process) may insert the
        same manifest meanwhile: then the batch is written once more, as updates."""
        published: list[tuple[int, str]] = []
        locations: set[int] = set()
        items = iter(built)
        while True:
            batch = list(islice(items, STORE_BATCH))
            last = len(batch) < STORE_BATCH
            if batch or last_change_id is not None:  # an empty last batch moves the log
                mark = last_change_id if last else None
                try:
                    stored = self._store(batch, mark)
                except IntegrityError:
                    stored = self._store(batch, mark)
                for display_id, version in stored:
                    self.publish(display_id, version)
                published += stored
                locations.update(location for item in batch for location in item.locations)
            if last:
                break
        if locations:
            self.rebuilt(locations)
        return published

    def _store(self, built: list[Built], last_change_id: int | None) -> list[tuple[int, str]]:
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
            counters.bump(session, counters.MANIFEST_PUSHES, len(published))
        return published


@dataclass
class _Warm:
    """The last snapshot with its resolver and writer, kept between runs (and dropped each
    day, which also bounds the caches)."""

    snapshot: Snapshot
    resolver: Resolver
    writer: ManifestWriter
    day: date
    schedules: dict[int, ScheduleSpec]
    by_target: dict[Target, list[DisplaySpec]]

    @classmethod
    def of(cls, snapshot: Snapshot, now: datetime) -> _Warm:
        by_target: dict[Target, list[DisplaySpec]] = {}
        for display in snapshot.displays.values():
            for target in (
                Target(TargetKind.DISPLAY, display.id),
                *(Target(TargetKind.GROUP, g) for g in display.groups),
                *(Target(TargetKind.LOCATION, loc) for loc in display.locations),
            ):
                by_target.setdefault(target, []).append(display)
        return cls(
            snapshot,
            _manifest_resolver(snapshot.content),
            ManifestWriter(snapshot.slide_payloads, snapshot.brand),
            now.date(),
            {s.id: s for s in snapshot.content.schedules},
            by_target,
        )

    def reached(self, targets: set[Target]) -> list[DisplaySpec]:
        if any(target.kind == TargetKind.ALL for target in targets):
            return list(self.snapshot.displays.values())
        found = {d.id: d for t in targets for d in self.by_target.get(t, ())}
        return [found[i] for i in sorted(found)]


@dataclass(frozen=True)
class Built:
    display_id: int
    version: str
    body: str
    valid_until: datetime
    rebuild_after: datetime
    built_at: datetime
    locations: tuple[int, ...] = ()  # the display's location chain


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
    feeds: set[int] = field(default_factory=set)

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
            "feed": self.feeds,
        }.get(change.kind)
        if bucket is not None:  # alerts travel over the socket, not in manifests
            bucket.add(change.entity_id)

    def resolve(self, session: Session) -> set[int] | None:
        if self.feeds:
            self.slides.update(slides_showing(session, self.feeds))
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
