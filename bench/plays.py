"""Proof-of-play ingestion benchmark (issue 10): 10,000 kiosks each send a batch of 10
plays, through the path the HTTP route and the socket event share, against a baseline
that writes one INSERT per play, in the same run.

    python -m bench.plays [--kiosks 10000] [--plays 10] [--resend 0.1]
                          [--database-url postgresql+psycopg://postgres@127.0.0.1/postgres]

Ours: `signage.web.accept_plays` in an app context (each play checked, the good ones
kept in the PlayBuffer and written by INSERT … ON CONFLICT DO NOTHING once a second as
they arrive, with the (display, hour) marks the roll-up sweep needs), and one forced
write of what is left at the end. Baseline: the same check (`take_plays`), then each
play written by its own INSERT … ON CONFLICT DO NOTHING and committed, as a handler that
stores every play when it arrives does. A share of the kiosks (`--resend`) send their
batch again, as after a reconnect: both sides must end with exactly kiosks × plays rows.
Each side gets its own freshly migrated database with the same displays and slides.

Throughput is plays taken per second of wall time; database time is the time spent in
the writes (statements and commits). Target: batching spends at most a tenth of the
baseline's database time (>= 10x), as medians of --rounds rounds (the machine is shared:
the sides take turns going first). Exits non-zero when the target is missed.
"""

from __future__ import annotations

import argparse
import random
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from flask import Flask
from sqlalchemy import create_engine, func, insert, select, text
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import make_url

from signage.app import create_app
from signage.config import Settings
from signage.content.models import Slide, SlideRevision
from signage.db import Database
from signage.migrate import upgrade
from signage.reports.ingest import PLAY_KEY, Catalogue, PlayBuffer, take_plays
from signage.reports.models import PlayEvent
from signage.screens.models import Display, Location

RATIO_TARGET = 10.0
SLIDES = 20
NOW = datetime.now(UTC).replace(microsecond=0)
KEEP = timedelta(days=89)


@dataclass
class Side:
    name: str
    wall_s: float
    database_s: float
    rows: int
    writes: int  # transactions that wrote plays

    @property
    def plays_per_s(self) -> float:
        return self.rows / self.wall_s


# -- the fleet ------------------------------------------------------------------------------
def batches(
    displays: list[int], slides: dict[int, int], plays: int, resend: float, seed: int
) -> list[tuple[int, list[dict[str, Any]]]]:
    """(display, batch) in arrival order: every kiosk once, some a second time."""
    rng = random.Random(seed)
    ids = sorted(slides)
    sent = []
    for display in displays:
        batch = []
        for n in range(plays):
            slide = rng.choice(ids)
            start = NOW - timedelta(seconds=rng.randint(60, 3600))
            batch.append(
                {
                    "id": f"k{display}-p{n:04d}-{rng.getrandbits(32):08x}",
                    "slide": slide,
                    "revision": slides[slide],
                    "language": "da",
                    "started_at": start.isoformat(),
                    "duration_ms": rng.randint(5_000, 15_000),
                }
            )
        sent.append((display, batch))
    again = rng.sample(sent, int(len(sent) * resend))
    return sent + again


# -- databases ------------------------------------------------------------------------------
def seed(database: Database, kiosks: int) -> tuple[list[int], dict[int, int]]:
    """A location with `kiosks` displays and SLIDES approved slides, written directly."""
    with database.transaction() as session:
        location = session.execute(
            insert(Location).returning(Location.id), {"slug": "bench", "name": "Bench"}
        ).scalar_one()
        session.execute(
            insert(Display),
            [{"location_id": location, "name": f"Skærm {n:05d}"} for n in range(kiosks)],
        )
        slide_ids = [
            session.execute(
                insert(Slide).returning(Slide.id),
                {"location_id": location, "title": f"Dias {n}", "key": f"bench-{n}"},
            ).scalar_one()
            for n in range(SLIDES)
        ]
        slides = {}
        for slide in slide_ids:
            slides[slide] = session.execute(
                insert(SlideRevision).returning(SlideRevision.id),
                {
                    "slide_id": slide,
                    "number": 1,
                    "status": "approved",
                    "kind": "text",
                    "fields": {"heading": "x"},
                },
            ).scalar_one()
        displays = list(session.scalars(select(Display.id).order_by(Display.id)))
    return displays, slides


@contextmanager
def fresh_database(base_url: str | None, folder: Path, name: str) -> Iterator[str]:
    """A migrated, empty database: an SQLite file, or a PostgreSQL database created for
    the run and dropped after it."""
    if base_url is None:
        yield f"sqlite:///{folder / f'{name}.db'}"
        return
    url = make_url(base_url)
    database_name = f"bench_plays_{name}"
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{database_name}"'))
        connection.execute(text(f'CREATE DATABASE "{database_name}"'))
    try:
        yield url.set(database=database_name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{database_name}" WITH (FORCE)'))
        admin.dispose()


def prepare(url: str, kiosks: int) -> tuple[Database, list[int], dict[int, int]]:
    database = Database(url)
    upgrade(database.engine)
    displays, slides = seed(database, kiosks)
    return database, displays, slides


def stored(database: Database) -> int:
    with database.sessions() as session:
        return int(session.scalar(select(func.count()).select_from(PlayEvent)) or 0)


# -- the two sides --------------------------------------------------------------------------
class TimedBuffer(PlayBuffer):
    """The app's PlayBuffer, timing each write it makes (statements and commit)."""

    database_s = 0.0
    writes = 0

    def flush_if_due(self, database: Database, *, force: bool = False) -> int:
        started = time.perf_counter()
        written = super().flush_if_due(database, force=force)
        if written:
            self.database_s += time.perf_counter() - started
            self.writes += 1
        return written


def run_ours(app: Flask, sent: list[tuple[int, list[dict[str, Any]]]]) -> Side:
    from signage.web import accept_plays, flush_plays

    buffer = TimedBuffer()
    app.extensions["signage.plays"] = buffer
    with app.app_context():
        started = time.perf_counter()
        for display, batch in sent:
            intake = accept_plays(batch, display)
            if intake.refused:
                raise RuntimeError(f"refused: {intake.refused[:3]}")
        flush_plays(force=True)
        wall = time.perf_counter() - started
    return Side("batched (ours)", wall, buffer.database_s, stored(app.extensions["signage.db"]),
                buffer.writes)  # fmt: skip


def run_baseline(database: Database, sent: list[tuple[int, list[dict[str, Any]]]]) -> Side:
    catalogue = Catalogue()
    dialect = database.engine.dialect.name
    statement = (pg_insert if dialect == "postgresql" else sqlite_insert)(
        PlayEvent
    ).on_conflict_do_nothing(index_elements=PLAY_KEY)
    database_s, writes = 0.0, 0
    started = time.perf_counter()
    with database.engine.connect() as connection:
        for display, batch in sent:
            intake, rows = take_plays(batch, display, datetime.now(UTC), KEEP, database, catalogue)
            if intake.refused:
                raise RuntimeError(f"refused: {intake.refused[:3]}")
            for row in rows:
                began = time.perf_counter()
                connection.execute(statement, row)
                connection.commit()
                database_s += time.perf_counter() - began
                writes += 1
    wall = time.perf_counter() - started
    return Side("one INSERT per play", wall, database_s, stored(database), writes)


def one_round(args: argparse.Namespace, folder: Path, number: int) -> tuple[Side, Side, int]:
    """Both sides on fresh databases seeded alike; the side that goes first alternates."""
    with (
        fresh_database(args.database_url, folder, f"ours{number}") as ours_url,
        fresh_database(args.database_url, folder, f"base{number}") as base_url,
    ):
        database, displays, slides = prepare(ours_url, args.kiosks)
        database.dispose()
        baseline_db, base_displays, base_slides = prepare(base_url, args.kiosks)
        if (base_displays, base_slides) != (displays, slides):
            raise RuntimeError("the two databases were not seeded alike")
        sent = batches(displays, slides, args.plays, args.resend, args.seed)
        settings = Settings(
            instance_dir=folder,
            database_url=ours_url,
            media_dir=folder / "media",
            secret_key="bench",  # noqa: S106 - a throwaway instance
            testing=True,
        )
        app = create_app(settings)
        try:
            if number % 2:
                base = run_baseline(baseline_db, sent)
                ours = run_ours(app, sent)
            else:
                ours = run_ours(app, sent)
                base = run_baseline(baseline_db, sent)
        finally:
            app.extensions["signage.db"].dispose()
            baseline_db.dispose()
    print(
        f"round {number + 1}: ours {ours.database_s:.2f} s in the database, baseline "
        f"{base.database_s:.2f} s ({base.database_s / ours.database_s:.1f}x)",
        flush=True,
    )
    return ours, base, len(sent)


def median_side(sides: list[Side]) -> Side:
    return Side(
        sides[0].name,
        statistics.median(s.wall_s for s in sides),
        statistics.median(s.database_s for s in sides),
        min(s.rows for s in sides),
        int(statistics.median(s.writes for s in sides)),
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--kiosks", type=int, default=10_000)
    parser.add_argument("--plays", type=int, default=10)
    parser.add_argument("--resend", type=float, default=0.1)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seed", type=int, default=20261127)
    parser.add_argument("--database-url", help="a PostgreSQL server to run on (default: SQLite)")
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="bench-plays-"))
    try:
        runs = [one_round(args, folder, number) for number in range(args.rounds)]
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    ours = median_side([run[0] for run in runs])
    base = median_side([run[1] for run in runs])
    sent = runs[0][2]

    expected = args.kiosks * args.plays
    engine = "PostgreSQL" if args.database_url else "SQLite"
    print(
        f"{args.kiosks} kiosks × {args.plays} plays on {engine}, {sent - args.kiosks} batches "
        f"sent twice: {sent * args.plays} plays sent, {expected} distinct; medians of "
        f"{args.rounds} rounds"
    )
    print(
        f"{'side':22} {'stored':>8} {'writes':>8} {'wall s':>8} {'plays/s':>9} {'db s':>8} "
        f"{'db µs/play':>11}"
    )
    for side in (ours, base):
        print(
            f"{side.name:22} {side.rows:8d} {side.writes:8d} {side.wall_s:8.2f} "
            f"{side.plays_per_s:9.0f} {side.database_s:8.2f} "
            f"{side.database_s / side.rows * 1e6:11.1f}"
        )
    db_ratio = base.database_s / ours.database_s
    wall_ratio = base.wall_s / ours.wall_s
    stored_ok = all(run[0].rows == run[1].rows == expected for run in runs)
    ok = db_ratio >= RATIO_TARGET and stored_ok
    print(
        f"database time: {db_ratio:.1f}x less than the baseline (target >= {RATIO_TARGET:.0f}x); "
        f"throughput {wall_ratio:.1f}x the baseline's (checking each play costs both sides "
        f"the same) → {'ok' if ok else 'MISSED'}"
    )
    if not stored_ok:
        print(f"a side did not store exactly {expected} rows: MISSED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
