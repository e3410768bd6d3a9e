"""`signage backup` and `signage restore`: the database and the media folder in one
tar.gz archive.

The database goes in as JSON lines, one file a table, in dependency order, read from one
consistent snapshot (SQLite: a copy made with the sqlite3 backup API; PostgreSQL: one
REPEATABLE READ transaction). The same archive restores into SQLite or PostgreSQL at the
same migration revision. `manifest.json` says which revision, when, and how many rows
and files it holds.
"""

from __future__ import annotations

import base64
import itertools
import json
import os
import shutil
import sqlite3
import tarfile
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime, time
from pathlib import Path, PurePosixPath
from typing import IO, Any

from sqlalchemy import Column, Connection, Engine, Table, create_engine, func, select
from sqlalchemy import inspect as inspect_schema
from sqlalchemy import text as sql
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DataError, IntegrityError
from sqlalchemy.types import Date, DateTime, LargeBinary, Time

from signage.db import Base, Database, utcnow
from signage.migrate import upgrade

FORMAT = 1
MANIFEST = "manifest.json"
DATABASE_DIR = "database"
MEDIA_DIR = "media"
# What an interrupted upload leaves in the media folder is not media.
SKIPPED_MEDIA = ("incoming",)
STAGING_PREFIX = ".restoring-"  # a restore's media, inside the media folder until done
BATCH_ROWS = 1000


class BackupProblem(Exception):
    """The archive cannot be made or restored; the message says why, for the operator."""


@dataclass(frozen=True)
class Summary:
    revision: str
    tables: dict[str, int]
    media_files: int

    def describe(self) -> str:
        rows = sum(self.tables.values())
        return (
            f"{rows} rows in {len(self.tables)} tables and {self.media_files} media files "
            f"(schema revision {self.revision})"
        )


def tables() -> list[Table]:
    """Every table of the schema, parents before children."""
    import signage.models  # noqa: F401 - registers every table on Base.metadata

    return list(Base.metadata.sorted_tables)


def code_revision() -> str:
    """The migration revision this version of Infotavle creates (Alembic's head)."""
    from alembic.script import ScriptDirectory

    from signage.migrate import alembic_config

    head = ScriptDirectory.from_config(alembic_config("sqlite://")).get_current_head()
    if head is None:  # pragma: no cover - the package always carries its migrations
        raise BackupProblem("no migrations found")
    return str(head)


def database_revision(connection: Connection) -> str | None:
    if not inspect_schema(connection).has_table("alembic_version"):
        return None
    found = connection.execute(sql("SELECT version_num FROM alembic_version")).scalar()
    return str(found) if found is not None else None


# ---------- backup ----------


def backup(database_url: str, media_dir: Path, target: Path) -> Summary:
    """Write the archive to `target` (through a temporary file beside it, renamed when
    whole: a failed backup never leaves a file that looks complete)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, partial = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}-")
    os.close(fd)
    try:
        with tempfile.TemporaryDirectory(prefix="signage-backup-") as scratch:
            folder = Path(scratch)
            with _snapshot(database_url, folder) as engine, engine.connect() as connection:
                if connection.dialect.name == "postgresql":
                    connection.execute(
                        sql("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
                    )
                revision = database_revision(connection)
                if revision is None:
                    raise BackupProblem("the database has no schema yet: nothing to back up")
                if revision != code_revision():
                    raise BackupProblem(
                        f"the database is at revision {revision}, this version of Infotavle "
                        f"at {code_revision()}: run 'signage db upgrade' first"
                    )
                counts = _dump_tables(connection, folder / DATABASE_DIR)
            with tarfile.open(partial, "w:gz") as archive:
                media_files = _add_media(archive, media_dir)
                archive.add(folder / DATABASE_DIR, arcname=DATABASE_DIR)
                summary = Summary(revision, counts, media_files)
                manifest = {
                    "format": FORMAT,
                    "revision": revision,
                    "created_at": utcnow().isoformat(),
                    "engine": make_url(database_url).get_backend_name(),
                    "tables": counts,
                    "media_files": media_files,
                }
                _add_bytes(archive, MANIFEST, json.dumps(manifest, indent=2).encode())
        Path(partial).replace(target)
    except BaseException:
        Path(partial).unlink(missing_ok=True)
        raise
    return summary


@contextmanager
def _snapshot(database_url: str, scratch: Path) -> Iterator[Engine]:
    """An engine on a consistent view of the database: for SQLite a copy made with the
    backup API (writers may go on meanwhile); PostgreSQL reads in one transaction."""
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite":
        if not url.database or not Path(url.database).is_file():
            raise BackupProblem(f"there is no database file at {url.database!r}")
        copy = scratch / "snapshot.db"
        source = sqlite3.connect(url.database, timeout=30)
        destination = sqlite3.connect(copy)
        try:
            source.backup(destination)
        finally:
            destination.close()
            source.close()
        engine = create_engine(f"sqlite:///{copy}")
    else:
        engine = Database(database_url).engine
    try:
        yield engine
    finally:
        engine.dispose()


def _dump_tables(connection: Connection, folder: Path) -> dict[str, int]:
    folder.mkdir(parents=True)
    counts: dict[str, int] = {}
    for table in tables():
        count = 0
        order = list(table.primary_key.columns)
        with (folder / f"{table.name}.jsonl").open("w", encoding="utf-8") as out:
            result = connection.execution_options(stream_results=True).execute(
                select(table).order_by(*order)
            )
            for row in result.mappings():
                out.write(json.dumps(dict(row), default=_encode, ensure_ascii=False) + "\n")
                count += 1
        counts[table.name] = count
    return counts


def _encode(value: Any) -> Any:
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    if isinstance(value, bytes | memoryview):
        return base64.b64encode(bytes(value)).decode("ascii")
    raise TypeError(f"cannot write {type(value).__name__} to a backup")


def _add_media(archive: tarfile.TarFile, media_dir: Path) -> int:
    if not media_dir.is_dir():
        return 0
    count = 0
    for path in sorted(media_dir.rglob("*")):
        relative = path.relative_to(media_dir)
        if (
            relative.parts[0] in SKIPPED_MEDIA
            or relative.parts[0].startswith(STAGING_PREFIX)
            or path.name.startswith(".incoming-")
        ):
            continue
        if path.is_file() and not path.is_symlink():
            try:
                archive.add(path, arcname=str(PurePosixPath(MEDIA_DIR, *relative.parts)))
            except FileNotFoundError:
                continue  # removed meanwhile (an orphan collected by the jobs)
            count += 1
    return count


def _add_bytes(archive: tarfile.TarFile, name: str, data: bytes) -> None:
    import io

    info = tarfile.TarInfo(name)
    info.size = len(data)
    info.mtime = int(utcnow().timestamp())
    info.mode = 0o644
    archive.addfile(info, io.BytesIO(data))


# ---------- restore ----------


def read_manifest(archive: tarfile.TarFile) -> dict[str, Any]:
    try:
        member = archive.getmember(MANIFEST)
    except KeyError:
        raise BackupProblem(f"not a backup of Infotavle: it has no {MANIFEST}") from None
    handle = archive.extractfile(member)
    if handle is None:
        raise BackupProblem(f"{MANIFEST} is not a file")
    try:
        manifest = json.loads(handle.read())
    except ValueError as exc:
        raise BackupProblem(f"{MANIFEST} is not JSON: {exc}") from exc
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise BackupProblem(f"unknown backup format (this version reads format {FORMAT})")
    return manifest


def occupied(database: Database, media_dir: Path) -> list[str]:
    """What the instance already holds: tables with rows, media files."""
    found = []
    with database.engine.connect() as connection:
        existing = set(inspect_schema(connection).get_table_names())
        for table in tables():
            if table.name in existing:
                rows = connection.execute(select(func.count()).select_from(table)).scalar()
                if rows:
                    found.append(f"{rows} rows in {table.name}")
    if media_dir.is_dir() and any(path.is_file() for path in media_dir.rglob("*")):
        found.append(f"files in {media_dir}")
    return found


def restore(database_url: str, media_dir: Path, source: Path, *, force: bool = False) -> Summary:
    """Put the archive's database and media into this instance. Refuses an instance that
    holds anything unless `force` (which replaces what it holds)."""
    try:
        archive = tarfile.open(source, "r:gz")  # noqa: SIM115 - closed by the with below
    except (OSError, tarfile.TarError) as exc:
        raise BackupProblem(f"cannot read {source}: {exc}") from exc
    with archive:
        manifest = read_manifest(archive)
        revision = str(manifest.get("revision"))
        if revision != code_revision():
            raise BackupProblem(
                f"the backup is at schema revision {revision}, this version of Infotavle at "
                f"{code_revision()}: restore it with the version that made it, then upgrade"
            )
        database = Database(database_url)
        try:
            with database.engine.connect() as connection:
                current = database_revision(connection)
            if current is not None and current != revision:
                raise BackupProblem(
                    f"this instance's database is at revision {current}, the backup at "
                    f"{revision}: run 'signage db upgrade' here first"
                )
            holds = occupied(database, media_dir)
            if holds and not force:
                raise BackupProblem(
                    "this instance is not empty (" + ", ".join(holds[:5]) + "); "
                    "restore into an empty one, or add --force to replace what it holds"
                )
            upgrade(database.engine)
            # The media are unpacked beside the old ones (same file system, even on a
            # mounted volume) and only put in place once the database is committed: a
            # restore that fails part-way leaves the instance as it was.
            media_dir.mkdir(parents=True, exist_ok=True)
            staging = Path(tempfile.mkdtemp(dir=media_dir, prefix=STAGING_PREFIX))
            try:
                media_files = _extract_media(archive, staging)
                try:
                    with database.engine.begin() as connection:
                        if holds:
                            _empty_tables(connection)
                        counts = _load_tables(connection, archive)
                except (IntegrityError, DataError) as exc:
                    raise BackupProblem(f"the backup's rows do not fit: {exc.orig}") from exc
                _replace_contents(media_dir, staging)
            finally:
                shutil.rmtree(staging, ignore_errors=True)
        finally:
            database.dispose()
    return Summary(revision, counts, media_files)


def _deferred_columns(table: Table, later: set[str]) -> list[Column[Any]]:
    """Columns pointing at a table loaded after this one (slides → their live
    revision): loaded empty, then filled once every table is in."""
    return [
        column
        for column in table.columns
        if any(fk.column.table.name in later for fk in column.foreign_keys)
    ]


def _empty_tables(connection: Connection) -> None:
    ordered = tables()
    for index, table in enumerate(ordered):
        # SQLite checks a table's references to itself row by row while deleting.
        deferred = _deferred_columns(table, {t.name for t in ordered[index:]})
        if deferred:
            connection.execute(table.update().values({column.name: None for column in deferred}))
    for table in reversed(ordered):
        connection.execute(table.delete())


def _load_tables(connection: Connection, archive: tarfile.TarFile) -> dict[str, int]:
    ordered = tables()
    counts: dict[str, int] = {}
    fill_later: list[tuple[Table, list[Column[Any]], list[dict[str, Any]]]] = []
    for index, table in enumerate(ordered):
        deferred = _deferred_columns(table, {t.name for t in ordered[index + 1 :]})
        rows: Iterator[dict[str, Any]] = (
            _decode_row(table, row) for row in _table_lines(archive, table.name)
        )
        if deferred or _self_references(table):
            # Small tables (locations, slides): held whole to order or to fill in later.
            whole = _parents_first(table, list(rows))
            if deferred:
                fill_later.append((table, deferred, [dict(row) for row in whole]))
                for row in whole:
                    row.update({column.name: None for column in deferred})
            rows = iter(whole)
        counts[table.name] = 0
        while batch := list(itertools.islice(rows, BATCH_ROWS)):
            connection.execute(table.insert(), batch)
            counts[table.name] += len(batch)
    for table, deferred, kept in fill_later:
        keys = list(table.primary_key.columns)
        for row in kept:
            values = {column.name: row[column.name] for column in deferred}
            if any(value is not None for value in values.values()):
                condition = [key == row[key.name] for key in keys]
                connection.execute(table.update().where(*condition).values(values))
    if connection.dialect.name == "postgresql":
        _advance_sequences(connection, ordered)
    return counts


def _table_lines(archive: tarfile.TarFile, name: str) -> Iterator[dict[str, Any]]:
    try:
        member = archive.getmember(f"{DATABASE_DIR}/{name}.jsonl")
    except KeyError:
        raise BackupProblem(f"the backup lacks the table {name}") from None
    handle: IO[bytes] | None = archive.extractfile(member)
    if handle is None:
        raise BackupProblem(f"the backup's table {name} is not a file")
    for number, line in enumerate(handle, start=1):
        try:
            row = json.loads(line)
        except ValueError as exc:
            raise BackupProblem(f"{name}, line {number}: {exc}") from exc
        if not isinstance(row, dict):
            raise BackupProblem(f"{name}, line {number}: not a row")
        yield row


def _decode_row(table: Table, row: dict[str, Any]) -> dict[str, Any]:
    decoded: dict[str, Any] = {}
    for column in table.columns:
        value = row.get(column.name)
        if value is not None:
            kind = getattr(column.type, "impl", column.type)  # UTCDateTime is a DateTime
            if isinstance(kind, DateTime):
                value = datetime.fromisoformat(value)
            elif isinstance(kind, Date):
                value = date.fromisoformat(value)
            elif isinstance(kind, Time):
                value = time.fromisoformat(value)
            elif isinstance(kind, LargeBinary):
                value = base64.b64decode(value)
        decoded[column.name] = value
    return decoded


def _self_references(table: Table) -> list[tuple[str, str]]:
    """(child column, parent column) of each reference a table makes to itself."""
    return [
        (fk.parent.name, fk.column.name) for fk in table.foreign_keys if fk.column.table is table
    ]


def _parents_first(table: Table, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Rows of a table that refers to itself (locations under locations) in an order
    that puts each parent before its children."""
    own = _self_references(table)
    if not own:
        return rows
    ordered: list[dict[str, Any]] = []
    placed: set[tuple[str, Any]] = set()
    waiting = rows
    while waiting:
        still = []
        for row in waiting:
            if all(row[child] is None or (parent, row[child]) in placed for child, parent in own):
                ordered.append(row)
                placed.update((parent, row[parent]) for _, parent in own)
            else:
                still.append(row)
        if len(still) == len(waiting):
            raise BackupProblem(f"{table.name}: rows refer to rows the backup lacks")
        waiting = still
    return ordered


def _advance_sequences(connection: Connection, ordered: list[Table]) -> None:
    """PostgreSQL hands out ids from sequences, which inserted ids do not move."""
    for table in ordered:
        keys = list(table.primary_key.columns)
        if len(keys) != 1 or keys[0].name != "id":
            continue
        sequence = connection.execute(
            sql("SELECT pg_get_serial_sequence(:table, 'id')"), {"table": table.name}
        ).scalar()
        if sequence:
            highest = f'SELECT MAX(id) FROM "{table.name}"'  # noqa: S608 - our own table names
            connection.execute(
                sql(f"SELECT setval(:sequence, COALESCE(({highest}), 0) + 1, false)"),
                {"sequence": sequence},
            )


def _replace_contents(folder: Path, staging: Path) -> None:
    """Make `folder` hold what `staging` (a folder inside it) holds, and nothing else."""
    for path in folder.iterdir():
        if path == staging:
            continue
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path)
        else:
            path.unlink()
    for path in staging.iterdir():
        path.replace(folder / path.name)


def _extract_media(archive: tarfile.TarFile, media_dir: Path) -> int:
    """The archive's media files into `media_dir`; nothing outside it, and only
    regular files (an archive is input like any other)."""
    count = 0
    root = media_dir.resolve()
    for member in archive.getmembers():
        parts = PurePosixPath(member.name).parts
        if not parts or parts[0] != MEDIA_DIR or not member.isfile():
            continue
        relative = parts[1:]
        if not relative or any(part in ("", ".", "..") for part in relative):
            raise BackupProblem(f"the backup holds a file outside its media folder: {member.name}")
        target = root.joinpath(*relative)
        if not target.resolve().is_relative_to(root):
            raise BackupProblem(f"the backup holds a file outside its media folder: {member.name}")
        target.parent.mkdir(parents=True, exist_ok=True)
        handle = archive.extractfile(member)
        if handle is None:
            continue
        with handle, target.open("wb") as out:
            shutil.copyfileobj(handle, out)
        count += 1
    return count
