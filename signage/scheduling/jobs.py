"""Periodic sweeps (never one scheduled job per object) and the scheduler that runs them.

APScheduler 3 cannot share a job store between processes, so exactly one process runs
these: the server in the embedded default, `signage scheduler` when scaled.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from apscheduler.schedulers.base import BaseScheduler
from sqlalchemy import select, update

from signage.alerts.models import Alert
from signage.alerts.services import publish_cleared
from signage.cluster import Wakeups
from signage.config import SmtpSettings
from signage.content import renditions
from signage.content.media import collect_unused
from signage.db import Database, utcnow
from signage.feeds.jobs import FeedRefresher
from signage.monitoring import counters, mail, outages
from signage.monitoring.notices import Announcer
from signage.realtime import Notifier, displays_updated
from signage.reports.rollups import roll_up
from signage.retention import Retention, purge_expired
from signage.scheduling.models import JobRun, Manifest
from signage.scheduling.propagator import Propagator
from signage.screens.models import Display

log = logging.getLogger(__name__)

# Every sweep: a missed run is made up once (coalesce) if less than a minute late.
JOB_DEFAULTS = {"misfire_grace_time": 60, "coalesce": True, "max_instances": 1}
PROPAGATE_EVERY_S = 1
# Woken through Redis: the poll that makes up for a wake-up lost while Redis was away.
PROPAGATE_POLL_S = 10
REBUILD_SWEEP_EVERY_S = 300
ALERT_SWEEP_EVERY_S = 5
OFFLINE_SWEEP_EVERY_S = 30
OFFLINE_AFTER = timedelta(seconds=90)  # three missed heartbeats
RENDITION_SWEEP_EVERY_S = 2
ROLLUP_SWEEP_EVERY_S = 60  # reports are at most a minute (and a flush) behind
MEDIA_COLLECT_EVERY_S = 3600
OUTAGE_SWEEP_EVERY_S = 30
MAIL_SWEEP_EVERY_S = 15
FEED_SWEEP_EVERY_S = 30  # each feed is fetched when its own refresh interval has passed
RETENTION_SWEEP_EVERY_S = 3600


@dataclass
class Sweeps:
    """The periodic jobs, around the one propagator that builds and publishes manifests."""

    propagator: Propagator
    renditions: renditions.RenditionWorker | None = None
    media_grace: timedelta = timedelta(hours=168)
    notifier: Notifier | None = None  # tells console pages which displays went offline
    # A display silent this long inside its power windows is announced to its managers.
    outage_after: timedelta = timedelta(minutes=5)
    smtp: SmtpSettings | None = None  # None: console notifications only, no email
    play_retention: timedelta = timedelta(days=90)  # raw plays; the roll-ups stay
    feeds: FeedRefresher | None = None  # None: feeds are not refreshed here
    # Audit entries, notifications, emails and pairings (DESIGN.md, "Personal data").
    retention: Retention = field(default_factory=Retention)

    @property
    def database(self) -> Database:
        return self.propagator.database

    def clock(self) -> datetime:
        return self.propagator.clock()

    def propagate(self) -> None:
        self._record("propagate", lambda: f"{len(self.propagator.run_once())} published")

    def rebuild_due(self) -> None:
        """The daily jittered rebuild, and any display whose manifest is missing."""

        def run() -> str:
            now = self.clock()
            with self.database.sessions() as session:
                due = set(
                    session.scalars(
                        select(Manifest.display_id).where(Manifest.rebuild_after <= now)
                    )
                )
                built = set(session.scalars(select(Manifest.display_id)))
                due |= set(session.scalars(select(Display.id))) - built
            published = self.propagator.rebuild(due) if due else []
            return f"{len(due)} rebuilt, {len(published)} changed"

        self._record("rebuild", run)

    def expire_alerts(self) -> None:
        """End alerts past their expiry, and take them off every screen they reached."""

        def run() -> str:
            now = self.clock()
            with self.database.transaction() as session:
                ended = list(
                    session.scalars(
                        select(Alert).where(Alert.cleared_at.is_(None), Alert.expires_at <= now)
                    )
                )
                for alert in ended:
                    alert.cleared_at = alert.expires_at
            if self.notifier is not None:
                for alert in ended:
                    publish_cleared(self.notifier, alert)
            return f"{len(ended)} expired"

        self._record("expire_alerts", run)

    def mark_offline(self) -> None:
        def run() -> str:
            cutoff = self.clock() - OFFLINE_AFTER
            with self.database.transaction() as session:
                gone = list(
                    session.scalars(
                        select(Display.id).where(
                            Display.online.is_(True), Display.last_seen_at < cutoff
                        )
                    )
                )
                if gone:
                    session.execute(
                        update(Display).where(Display.id.in_(gone)).values(online=False)
                    )
            if self.notifier is not None:
                displays_updated(self.notifier, gone)
            return f"{len(gone)} offline"

        self._record("mark_offline", run)

    def watch_outages(self) -> None:
        """Open outages of displays silent inside their power windows, close those of
        displays heard from again, and tell their facility managers of each once."""
        announcer = Announcer(
            self.propagator.base_language, self.propagator.default_timezone, self.smtp is not None
        )

        def run() -> str:
            now = self.clock()
            with self.database.transaction() as session:
                events = outages.sweep(
                    session, now, self.outage_after, self.propagator.default_timezone
                )
                told = announcer.announce(session, events, now)
            began = sum(1 for event in events if event.kind == outages.OFFLINE)
            return f"{began} outages began, {len(events) - began} ended, {told} notices"

        self._record("watch_outages", run)

    def send_mail(self) -> None:
        smtp = self.smtp
        if smtp is None:
            return
        self._record("send_mail", lambda: mail.deliver_pending(self.database, smtp, self.clock()))

    def roll_up_plays(self) -> None:
        """Hourly and daily figures from the plays that came in, and raw plays past their
        kept period purged."""

        def run() -> str:
            zone = ZoneInfo(self.propagator.default_timezone)
            with self.database.transaction() as session:
                done = roll_up(session, zone, self.clock(), self.play_retention)
            return done.summary()

        self._record("roll_up_plays", run)

    def purge_expired(self) -> None:
        """Forget audit entries, notifications, emails and pairings past their kept period."""

        def run() -> str:
            with self.database.transaction() as session:
                return purge_expired(session, self.clock(), self.retention).summary()

        self._record("purge_expired", run)

    def refresh_feeds(self) -> None:
        """Fetch the feeds that are due; a failing feed keeps its last good items."""
        refresher = self.feeds
        if refresher is None:
            return
        self._record("refresh_feeds", refresher.run_once)

    def make_renditions(self) -> None:
        """Plan what new screen sizes need, then make pending renditions in the pool."""
        worker = self.renditions
        if worker is None:
            return

        def run() -> str:
            with self.database.transaction() as session:
                planned = worker.plan_for_new_screens(session)
            return f"{planned} planned, {worker.run_once()} made"

        self._record("renditions", run)

    def collect_media(self) -> None:
        worker = self.renditions
        if worker is None:
            return

        def run() -> str:
            with self.database.transaction() as session:
                forgotten, removed = collect_unused(
                    session, worker.media_dir, self.clock(), self.media_grace
                )
            return f"{forgotten} media forgotten, {removed} originals removed"

        self._record("collect_media", run)

    def _record(self, name: str, run: Callable[[], str]) -> None:
        ok, detail = True, ""
        try:
            detail = run()
        except Exception as exc:  # a failing sweep must not stop the others; it is logged
            log.exception("sweep %s failed", name)
            ok, detail = False, f"{type(exc).__name__}: {exc}"
        with self.database.transaction() as session:
            row = session.get(JobRun, name) or JobRun(name=name, last_run_at=self.clock())
            row.last_run_at, row.ok, row.detail = self.clock(), ok, detail[:500]
            session.add(row)
            counters.bump(session, counters.JOB_SWEEPS, label=name)
            if not ok:
                counters.bump(session, counters.JOB_SWEEP_FAILURES, label=name)


def schedule_sweeps(
    scheduler: BaseScheduler, sweeps: Sweeps, *, propagate: bool = True
) -> BaseScheduler:
    """Every sweep at its interval; `propagate=False` when propagation is woken instead
    (see `propagate_when_woken`)."""
    jobs = [
        (sweeps.propagate, PROPAGATE_EVERY_S),
        (sweeps.rebuild_due, REBUILD_SWEEP_EVERY_S),
        (sweeps.expire_alerts, ALERT_SWEEP_EVERY_S),
        (sweeps.mark_offline, OFFLINE_SWEEP_EVERY_S),
        (sweeps.roll_up_plays, ROLLUP_SWEEP_EVERY_S),
        (sweeps.make_renditions, RENDITION_SWEEP_EVERY_S),
        (sweeps.collect_media, MEDIA_COLLECT_EVERY_S),
        (sweeps.watch_outages, OUTAGE_SWEEP_EVERY_S),
        (sweeps.send_mail, MAIL_SWEEP_EVERY_S),
        (sweeps.refresh_feeds, FEED_SWEEP_EVERY_S),
        (sweeps.purge_expired, RETENTION_SWEEP_EVERY_S),
    ]
    for job, seconds in jobs[0 if propagate else 1 :]:
        scheduler.add_job(
            job,
            "interval",
            seconds=seconds,
            id=job.__name__,
            next_run_time=utcnow(),
            **JOB_DEFAULTS,
        )
    return scheduler


def propagate_when_woken(
    sweeps: Sweeps, wakeups: Wakeups, stopping: threading.Event | None = None
) -> None:
    """Scaled: propagate as soon as some process has committed changes, and every
    PROPAGATE_POLL_S anyway. A signal that arrives during a run starts the next one."""
    stopping = stopping or threading.Event()
    wakeups.subscribe()
    while not stopping.is_set():
        sweeps.propagate()
        wakeups.wait(PROPAGATE_POLL_S)
