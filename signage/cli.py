"""The `signage` command line.

`serve` and `demo` run on gevent, so `main()` lets gevent patch the standard library
before anything else is imported; every other command runs without it.
"""

from __future__ import annotations

import logging
import secrets
import sys
from pathlib import Path
from typing import Any

import click

GEVENT_COMMANDS = {"serve", "demo"}
DEMO_ADMIN_EMAIL = "admin@gladsaxe.dk"
DEMO_LOGIN_FILE = "demo-login.txt"


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] in GEVENT_COMMANDS:
        from gevent import monkey

        monkey.patch_all()
    cli(prog_name="signage")


def _settings() -> Any:
    from signage.config import ConfigError, Settings

    try:
        return Settings.from_env()
    except ConfigError as exc:
        raise click.ClickException(str(exc)) from exc


def configure_logging(log_format: str) -> None:
    from signage.monitoring.logs import configure

    configure(log_format)


def _database(settings: Any) -> Any:
    """The database, opened so that committed changes wake a scaled deployment's
    propagator (through Redis, when it has one)."""
    from signage.cluster import change_signal
    from signage.db import Database

    return Database(settings.database_url, on_change=change_signal(settings))


@click.group(help="Infotavle digital signage server.")
def cli() -> None:
    pass


@cli.group(help="Database maintenance.")
def db() -> None:
    pass


@db.command("upgrade", help="Apply all database migrations.")
def db_upgrade() -> None:
    from signage.migrate import upgrade

    database = _database(_settings())
    upgrade(database.engine)
    click.echo("database is up to date")


@cli.group(help="Manage users.")
def user() -> None:
    pass


@user.command("add", help="Create a user with one grant.")
@click.argument("email")
@click.option(
    "--role", required=True, help="viewer, editor, facility_manager, communicator or admin"
)
@click.option("--location", "location_slug", help="location slug (default: the root)")
@click.option("--password", help="at least 10 characters (default: ask)")
def user_add(email: str, role: str, location_slug: str | None, password: str | None) -> None:
    from signage.accounts.permissions import Role
    from signage.accounts.schemas import UserIn
    from signage.accounts.services import UserService, system_principal
    from signage.errors import SignageError

    try:
        Role.parse(role)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--role") from exc
    if password is None:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    database = _database(_settings())
    try:
        with database.transaction() as session:
            data = _payload(UserIn, {"email": email, "password": password})
            principal = system_principal(session)
            created = UserService().create(session, principal, data)
            _grant(session, principal, created.id, role, location_slug)
    except SignageError as exc:
        raise click.ClickException(exc.message) from exc
    click.echo(f"created {created.email} ({Role.parse(role).slug})")  # once committed


def _grant(
    session: Any, principal: Any, user_id: int, role: str, location_slug: str | None
) -> None:
    from sqlalchemy import select

    from signage.accounts.permissions import Role
    from signage.accounts.services import GrantService, first_root
    from signage.screens.models import Location

    location = (
        session.scalar(select(Location).where(Location.slug == location_slug))
        if location_slug
        else first_root(session)
    )
    if location is None:
        raise click.ClickException(
            f"unknown location {location_slug!r}"
            if location_slug
            else "there is no location yet: run 'signage import' first"
        )
    data = {"user_id": user_id, "role": Role.parse(role).slug, "location_id": location.id}
    GrantService().create(session, principal, data)


def _payload(schema: Any, raw: dict[str, Any]) -> dict[str, Any]:
    from pydantic import ValidationError

    from signage.api.http import describe

    try:
        return schema.model_validate(raw).given()
    except ValidationError as exc:
        problems = [describe(e) for e in exc.errors(include_url=False, include_input=False)]
        raise click.ClickException("; ".join(problems)) from exc


@cli.group(help="Manage API tokens.")
def token() -> None:
    pass


@token.command("add", help="Print a new API token for a user on stdout.")
@click.argument("email")
@click.option(
    "--scope",
    help="a narrow scope: cap:ingest, feed:push or metrics:read (default: the user's grants)",
)
@click.option("--name", default="", help="what the token is for")
def token_add(email: str, scope: str | None, name: str) -> None:
    from sqlalchemy import select

    from signage.accounts.models import User
    from signage.accounts.services import create_token
    from signage.errors import SignageError

    database = _database(_settings())
    try:
        with database.transaction() as session:
            found = session.scalar(select(User).where(User.email == email.strip().lower()))
            if found is None:
                raise click.ClickException(f"no user with email {email!r}")
            raw = create_token(session, found, scope, name)
    except SignageError as exc:
        raise click.ClickException(exc.message) from exc
    click.echo(raw)  # only once committed: a printed token always works


@token.command("list", help="List API tokens (never the secrets): id, user, name, scope, use.")
@click.argument("email", required=False)
def token_list(email: str | None) -> None:
    from signage.accounts.services import list_tokens

    with _database(_settings()).sessions() as session:  # only reads
        rows = list_tokens(session, email)
        lines = [
            "\t".join(
                (
                    str(token.id),
                    owner,
                    token.name or "-",
                    token.scope or "grants",
                    f"created {token.created_at:%Y-%m-%d %H:%M}",
                    f"used {token.last_used_at:%Y-%m-%d %H:%M}" if token.last_used_at else "unused",
                    f"revoked {token.revoked_at:%Y-%m-%d %H:%M}" if token.revoked_at else "valid",
                )
            )
            for token, owner in rows
        ]
    click.echo("\n".join(lines) if lines else "no API tokens")


@token.command("revoke", help="Revoke the API token with this id (from 'token list').")
@click.argument("token_id", type=click.IntRange(min=1, max=2**31 - 1))
def token_revoke(token_id: int) -> None:
    from signage.accounts.models import User
    from signage.accounts.services import revoke_token
    from signage.errors import SignageError

    try:
        with _database(_settings()).transaction() as session:
            user = session.get(User, revoke_token(session, token_id).user_id)
            owner = user.email if user else "?"
    except SignageError as exc:
        raise click.ClickException(exc.message) from exc
    click.echo(f"revoked API token {token_id} of {owner}")  # once committed


@cli.command("import", help="Upsert declarative content from DIR (displays/ and playlists/).")
@click.argument("folder", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--prune", is_flag=True, help="also delete what DIR does not describe")
def import_command(folder: Path, prune: bool) -> None:
    click.echo(_import(folder, prune=prune))


def _import(folder: Path, *, prune: bool = False) -> str:
    from signage.declarative.importer import import_folder
    from signage.declarative.loader import ImportProblem

    settings = _settings()
    try:
        with _database(settings).transaction() as session:
            report = import_folder(session, folder, settings.media_dir, prune=prune)
    except ImportProblem as exc:
        raise click.ClickException(f"nothing was imported: {exc}") from exc
    return f"imported {folder}: {report.summary()}"


@cli.command("export", help="Write the content out to DIR as YAML and media files.")
@click.argument("folder", type=click.Path(file_okay=False, path_type=Path))
def export_command(folder: Path) -> None:
    from signage.declarative.exporter import export_folder

    settings = _settings()
    database = _database(settings)
    with database.sessions() as session:
        report = export_folder(session, folder, settings.media_dir)
        session.rollback()  # export only reads; keys it invents for the files are not kept
    click.echo(f"exported {len(report.files)} files to {folder}")
    if report.skipped_slides:
        click.echo(
            "not in any playlist, so not exported: " + ", ".join(report.skipped_slides), err=True
        )


@cli.command("backup", help="Write the database and the media to one archive (tar.gz).")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
def backup_command(file: Path) -> None:
    from signage.backup import BackupProblem, backup

    settings = _settings()
    try:
        summary = backup(settings.database_url, settings.media_dir, file)
    except BackupProblem as exc:
        raise click.ClickException(f"no backup was written: {exc}") from exc
    click.echo(f"backed up {summary.describe()} to {file}")


@cli.command("restore", help="Restore an archive from 'signage backup' into this instance.")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--force", is_flag=True, help="replace what a non-empty instance holds")
def restore_command(file: Path, force: bool) -> None:
    from signage.backup import BackupProblem, restore

    settings = _settings()
    try:
        summary = restore(settings.database_url, settings.media_dir, file, force=force)
    except BackupProblem as exc:
        raise click.ClickException(f"nothing was restored: {exc}") from exc
    click.echo(f"restored {summary.describe()} from {file}")


LISTEN_BACKLOG = 4096  # the kernel caps it at net.core.somaxconn


@cli.command(help="Serve the web console, the API, the player and Socket.IO.")
@click.option("--bind", help="HOST:PORT (default: SIGNAGE_BIND or 127.0.0.1:8000)")
def serve(bind: str | None) -> None:
    _serve(bind)


def _serve(bind: str | None, banner: str = "") -> None:
    from signage.app import create_app
    from signage.config import ConfigError, parse_bind
    from signage.realtime import socketio

    settings = _settings()
    try:
        host, port = parse_bind(bind or settings.bind)
    except ConfigError as exc:
        raise click.BadParameter(str(exc), param_hint="--bind") from exc
    # gevent's own access log prints client addresses; the app logs requests without them.
    configure_logging(settings.log_format)
    _remove_upload_leftovers(settings)
    app = create_app(settings)
    if settings.run_jobs:
        _start_jobs_in_server(app, settings)
    socketio.start_background_task(_flush_buffers, app)
    click.echo(f"serving on http://{host}:{port}/ (Ctrl+C stops)")
    if banner:
        click.echo(banner)
    # A fleet reconnecting after a restart knocks all at once: gevent's default queue of
    # 128 unaccepted connections drops the rest, and each dropped kiosk waits out TCP's
    # SYN retransmission (1 s, 3 s, 7 s…) on top of its own backoff.
    socketio.run(app, host=host, port=port, log_output=False, backlog=LISTEN_BACKLOG)


def _remove_upload_leftovers(settings: Any) -> None:
    """A server killed while receiving a file leaves its temporary file; the next start
    removes those old enough to belong to no upload in flight."""
    import time

    from signage.content.media_store import remove_leftovers

    removed = remove_leftovers(settings.media_dir, time.time())
    if removed:
        logging.getLogger(__name__).info("removed %d unfinished upload files", removed)


def _flush_buffers(app: Any) -> None:
    """Heartbeats, alert receipts and plays are written in batches as more arrive; this
    writes the last of a burst too, so a console sees a kiosk's status and an alert's
    receipts within a second or two even when all is quiet. Plays still waiting when the
    server stops are written on the way out."""
    import atexit

    from signage.realtime import socketio
    from signage.web import flush_heartbeats, flush_plays, flush_receipts

    def last_plays() -> None:
        with app.app_context():
            flush_plays(force=True)

    atexit.register(last_plays)
    while True:
        socketio.sleep(0.5)
        try:
            with app.app_context():
                flush_receipts()
                flush_heartbeats()
                flush_plays()
        except Exception:
            logging.getLogger(__name__).exception("writing heartbeats, receipts or plays failed")


def _sweeps(settings: Any, notifier: Any) -> Any:
    from datetime import timedelta

    from signage.content.renditions import RenditionWorker
    from signage.feeds.jobs import FeedRefresher
    from signage.net import fetch
    from signage.realtime import manifest_publisher, public_pages_publisher
    from signage.retention import Retention
    from signage.scheduling.jobs import Sweeps
    from signage.scheduling.propagator import Propagator

    database = _database(settings)
    fetch.configure(settings.fetch)
    propagator = Propagator(
        database,
        settings.timezone,
        settings.language,
        manifest_publisher(notifier),
        rebuilt=public_pages_publisher(notifier),
    )
    return Sweeps(
        propagator,
        RenditionWorker(database, settings.media_dir, notifier, settings.media.workers),
        timedelta(hours=settings.media.grace_hours),
        notifier,
        outage_after=timedelta(minutes=settings.offline_notify_minutes),
        smtp=settings.smtp,
        play_retention=timedelta(days=settings.play_retention_days),
        retention=Retention(
            audit=timedelta(days=settings.audit_retention_days),
            notifications=timedelta(days=settings.notification_retention_days),
        ),
        feeds=FeedRefresher(
            database,
            propagator.clock,
            settings.timezone,
            settings.language,
            settings.cap_areas,
            settings.fetch,
            notifier,
        ),
    )


def _start_jobs_in_server(app: Any, settings: Any) -> None:
    """The embedded default: the jobs run in a worker process of this server (resolving
    is CPU work that must not hold the gevent hub), started and stopped with it; the
    manifest events it prints are relayed onto this server's sockets."""
    import signal
    import sys

    import gevent
    from gevent import subprocess as gevent_subprocess

    from signage.realtime import SocketIONotifier, relay

    command = [sys.executable, "-m", "signage", "scheduler", "--events", "stdout"]
    state: dict[str, Any] = {"process": None, "stopping": False}

    def supervise() -> None:
        while not state["stopping"]:
            process = gevent_subprocess.Popen(command, stdout=gevent_subprocess.PIPE, text=True)
            state["process"] = process
            relay(process.stdout, SocketIONotifier())
            process.wait()
            if not state["stopping"]:
                logging.getLogger(__name__).error(
                    "the jobs worker exited with %s; restarting it", process.returncode
                )
                gevent.sleep(WORKER_RESTART_DELAY_S)

    def stop(*_: Any) -> None:
        state["stopping"] = True
        if state["process"] is not None and state["process"].poll() is None:
            state["process"].terminate()
        raise SystemExit(0)

    for signum in (signal.SIGTERM, signal.SIGINT):
        gevent.signal_handler(signum, stop)
    gevent.spawn(supervise)


WORKER_RESTART_DELAY_S = 2
PARENT_CHECK_EVERY_S = 2


STANDBY_RETRY_S = 2  # a standby scheduler tries the lock this often
LOCK_CHECK_EVERY_S = 5


@cli.command(help="Run the periodic jobs and the propagator (one per deployment).")
@click.option(
    "--events",
    type=click.Choice(["redis", "stdout"]),
    default="redis",
    help="where manifest events go: Redis (scaled) or stdout (the server's worker)",
)
def scheduler(events: str) -> None:
    import signal

    from signage.scheduling.lock import scheduler_lock

    settings = _settings()
    configure_logging(settings.log_format)
    logging.getLogger("apscheduler").setLevel(logging.WARNING)  # not a line a second
    signal.signal(signal.SIGTERM, _exit_cleanly)
    notifier = _scheduler_notifier(settings, events)
    lock = scheduler_lock(settings.database_url)
    try:
        _take_lock(lock)
        logging.getLogger(__name__).info("running the jobs (Ctrl+C stops)")
        _run_jobs(settings, _sweeps(settings, notifier), lock)
        if not lock.is_held():
            raise click.ClickException("lost the scheduler lock; exiting so none runs twice")
    except KeyboardInterrupt:
        pass
    finally:
        lock.release()


def _exit_cleanly(*_: Any) -> None:
    raise SystemExit(0)


def _scheduler_notifier(settings: Any, events: str) -> Any:
    from signage.cluster import socketio_channel
    from signage.realtime import ExternalNotifier, PipeNotifier, RecordingNotifier

    if events == "stdout":
        _exit_with_parent()
        return PipeNotifier(sys.stdout)
    if settings.redis_url:
        return ExternalNotifier(settings.redis_url, socketio_channel(settings.redis_prefix))
    logging.getLogger(__name__).warning(
        "SIGNAGE_REDIS_URL is not set: manifests are stored, but no server is told"
    )
    return RecordingNotifier()


def _take_lock(lock: Any) -> None:
    """One scheduler runs the jobs; another stands by until the lock is free (its
    holder died or stopped), then takes over."""
    import time

    from signage.scheduling.lock import describe

    log = logging.getLogger(__name__)
    if lock.acquire():
        log.info("holding the scheduler lock (%s)", describe(lock))
        return
    log.info("another scheduler holds the lock (%s); standing by", describe(lock))
    while not lock.acquire():
        time.sleep(STANDBY_RETRY_S)
    log.info("took over the scheduler lock (%s)", describe(lock))


def _run_jobs(settings: Any, sweeps: Any, lock: Any) -> None:
    """The sweeps on a blocking scheduler, until stopped or until the lock is lost.
    With Redis, propagation is woken by the writers instead of polling every second."""
    import threading

    from apscheduler.schedulers.blocking import BlockingScheduler

    from signage.cluster import Wakeups, changes_channel
    from signage.scheduling.jobs import propagate_when_woken, schedule_sweeps

    blocking = BlockingScheduler()
    stopping = threading.Event()
    woken = bool(settings.redis_url)
    schedule_sweeps(blocking, sweeps, propagate=not woken)
    if woken:
        wakeups = Wakeups(settings.redis_url, changes_channel(settings.redis_prefix))
        threading.Thread(
            target=propagate_when_woken,
            args=(sweeps, wakeups, stopping),
            name="propagator",
            daemon=True,
        ).start()
    watch = threading.Thread(
        target=_watch_lock, args=(lock, blocking, stopping), name="lock-watch", daemon=True
    )
    watch.start()
    try:
        blocking.start()
    finally:
        stopping.set()
        watch.join(LOCK_CHECK_EVERY_S)  # it must not use the lock's connection as it closes
        if blocking.running:
            blocking.shutdown(wait=False)
        sweeps.renditions.close()


def _watch_lock(lock: Any, blocking: Any, stopping: Any) -> None:
    """Stop the jobs when the lock is gone (its connection to the database broke):
    a standby scheduler may hold it by now."""
    while not stopping.wait(LOCK_CHECK_EVERY_S):
        if not lock.is_held():
            logging.getLogger(__name__).error("lost the scheduler lock; stopping the jobs")
            if blocking.running:
                blocking.shutdown(wait=False)
            return


def _exit_with_parent() -> None:
    """A server's jobs worker ends when its server does, even if the server was killed."""
    import os
    import threading
    import time

    parent = os.getppid()

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(PARENT_CHECK_EVERY_S)
        os._exit(0)

    threading.Thread(target=watch, name="parent-watch", daemon=True).start()


@cli.command(help="Create the instance, load the demo content, create an admin and serve.")
@click.option("--bind", help="HOST:PORT (default: SIGNAGE_BIND or 127.0.0.1:8000)")
@click.option(
    "--content",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    help="folder with displays/ and playlists/ (default: the bundled demo)",
)
def demo(bind: str | None, content: Path | None) -> None:
    from signage.app import resource_dir
    from signage.config import parse_bind
    from signage.migrate import upgrade

    settings = _settings()
    upgrade(_database(settings).engine)
    folder = content or resource_dir("playlists").parent
    click.echo(_import(folder))
    password = _demo_admin(settings)
    host, port = parse_bind(bind or settings.bind)
    base = f"http://{host}:{port}"
    banner = "\n".join(
        [
            f"console: {base}/console",
            f"login:   {DEMO_ADMIN_EMAIL} / {password}",
            f"kiosk:   {base}/player?token={_demo_kiosk_token(settings)}  (the town hall foyer)",
            f"pairing: {base}/player  (a new screen: pair it from the console)",
            f"public:  {base}/public/raadhuset  (the foyer's public slides, for everyone)",
        ]
    )
    _serve(bind, banner)


def _demo_kiosk_token(settings: Any) -> str:
    """A device token for the demo's foyer screen, so one kiosk plays at once. Each run
    issues a new one; the one before is revoked."""
    from sqlalchemy import select

    from signage.accounts.services import system_principal
    from signage.screens.models import Display
    from signage.screens.services import DisplayService

    with _database(settings).transaction() as session:
        foyer = session.scalar(select(Display).where(Display.name == DEMO_KIOSK).limit(1))
        if foyer is None:
            foyer = session.scalar(select(Display).order_by(Display.id).limit(1))
        if foyer is None:
            return "(no display in the demo content)"
        return DisplayService().issue_token(session, system_principal(session), foyer)


DEMO_KIOSK = "Foyer"


def _demo_admin(settings: Any) -> str:
    """Create the demo admin once; its password is kept in the instance folder."""
    from sqlalchemy import select

    from signage.accounts.models import User
    from signage.accounts.services import UserService, system_principal

    login_file = settings.instance_dir / DEMO_LOGIN_FILE
    with _database(settings).transaction() as session:
        existing = session.scalar(select(User).where(User.email == DEMO_ADMIN_EMAIL))
        if existing is not None and login_file.exists():
            return login_file.read_text().strip()
        password = secrets.token_urlsafe(12)
        principal = system_principal(session)
        if existing is None:
            created = UserService().create(
                session,
                principal,
                {"email": DEMO_ADMIN_EMAIL, "name": "Demo-administrator", "password": password},
            )
            _grant(session, principal, created.id, "admin", None)
        else:
            UserService().update(session, principal, existing, {"password": password})
    login_file.touch(mode=0o600)
    login_file.write_text(password + "\n")
    return password


if __name__ == "__main__":
    main()
