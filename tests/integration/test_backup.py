"""`signage backup` and `signage restore`, run as the real commands: a populated
instance round-trips into a fresh one row for row and file for file; a non-empty
instance is refused unless --force; an archive of another schema revision is refused."""

from __future__ import annotations

import io
import json
import tarfile
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from signage.backup import MANIFEST
from signage.config import Settings
from tests import media_files as files
from tests import processes
from tests.databases import DATABASES, every_row
from tests.factories import World


def table_rows(instance: Path) -> dict[str, list[dict[str, Any]]]:
    return every_row(DATABASES.url(instance))


def run(instance: Path, *args: str) -> Any:
    done = processes.signage(instance, *args)
    assert done.returncode == 0, done.stderr
    return done


@pytest.fixture
def populated(app: Flask, settings: Settings, world: World, as_user: Any) -> Path:
    """The seeded municipality, the demo content and two uploaded images."""
    editor = as_user("editor")
    for data, name in ((files.jpeg(), "foto.jpg"), (files.png_with_alpha(), "logo.png")):
        answer = editor.upload(data, name, world.locations["bibliotek"])
        assert answer.status_code == 201, answer.get_json()
    app.extensions["signage.db"].dispose()
    run(settings.instance_dir, "import", str(processes.REPO))
    return settings.instance_dir


def test_a_populated_instance_round_trips_into_a_fresh_one(populated: Path, tmp_path: Path) -> None:
    archive = tmp_path / "backups" / "infotavle.tar.gz"
    made = run(populated, "backup", str(archive))
    assert "backed up" in made.stdout
    with tarfile.open(archive) as opened:
        manifest = json.loads(opened.extractfile(MANIFEST).read())  # type: ignore[union-attr]
    before = table_rows(populated)
    assert manifest["tables"] == {name: len(rows) for name, rows in before.items()}
    assert manifest["media_files"] == len(files.stored_files(populated / "media"))
    assert manifest["media_files"] >= 2
    assert before["media"]
    assert before["locations"]
    assert before["slides"]

    fresh = tmp_path / "fresh"
    restored = run(fresh, "restore", str(archive))
    assert "restored" in restored.stdout
    assert table_rows(fresh) == before
    assert files.stored_files(fresh / "media") == files.stored_files(populated / "media")
    # The restored instance goes on: new rows get new ids (PostgreSQL's sequences moved).
    run(fresh, "user", "add", "ny@example.dk", "--role", "viewer", "--location", "kommune",
        "--password", "a long enough password")  # fmt: skip
    users = table_rows(fresh)["users"]
    assert len(users) == len(before["users"]) + 1
    assert len({user["id"] for user in users}) == len(users)


def test_a_non_empty_instance_is_refused_unless_forced(populated: Path, tmp_path: Path) -> None:
    archive = tmp_path / "infotavle.tar.gz"
    run(populated, "backup", str(archive))
    target = tmp_path / "target"
    run(target, "restore", str(archive))
    run(target, "user", "add", "ekstra@example.dk", "--role", "viewer", "--location", "kommune",
        "--password", "a long enough password")  # fmt: skip
    changed = table_rows(target)

    refused = processes.signage(target, "restore", str(archive))
    assert refused.returncode != 0
    assert "not empty" in refused.stderr
    assert "--force" in refused.stderr
    assert table_rows(target) == changed  # nothing was touched

    run(target, "restore", "--force", str(archive))
    assert table_rows(target) == table_rows(populated)
    assert files.stored_files(target / "media") == files.stored_files(populated / "media")


def test_an_archive_of_another_schema_revision_is_refused(populated: Path, tmp_path: Path) -> None:
    archive = tmp_path / "infotavle.tar.gz"
    run(populated, "backup", str(archive))
    with tarfile.open(archive) as opened:
        manifest = json.loads(opened.extractfile(MANIFEST).read())  # type: ignore[union-attr]
    manifest["revision"] = "0001"
    other = rewritten(archive, tmp_path / "other.tar.gz", MANIFEST, json.dumps(manifest).encode())
    fresh = tmp_path / "fresh"
    refused = processes.signage(fresh, "restore", str(other))
    assert refused.returncode != 0
    assert "revision 0001" in refused.stderr
    assert "nothing was restored" in refused.stderr


def test_a_file_that_is_no_backup_is_refused(tmp_path: Path) -> None:
    bogus = tmp_path / "bogus.tar.gz"
    with tarfile.open(bogus, "w:gz") as archive:
        info = tarfile.TarInfo("notes.txt")
        archive.addfile(info, io.BytesIO(b""))
    refused = processes.signage(tmp_path / "fresh", "restore", str(bogus))
    assert refused.returncode != 0
    assert "not a backup" in refused.stderr


def rewritten(archive: Path, target: Path, name: str, body: bytes) -> Path:
    """A copy of `archive` with the member `name` holding `body`."""
    with tarfile.open(archive) as source, tarfile.open(target, "w:gz") as copy:
        for member in source.getmembers():
            data = source.extractfile(member) if member.isfile() else None
            if member.name == name:
                member.size = len(body)
                data = io.BytesIO(body)
            copy.addfile(member, data)
    return target


def test_a_restore_that_fails_part_way_leaves_the_instance_as_it_was(
    populated: Path, tmp_path: Path
) -> None:
    archive = tmp_path / "infotavle.tar.gz"
    run(populated, "backup", str(archive))
    target = tmp_path / "target"
    run(target, "restore", str(archive))
    rows, stored = table_rows(target), files.stored_files(target / "media")
    # The last table but one refers to a slide that is not there.
    broken = rewritten(
        archive,
        tmp_path / "broken.tar.gz",
        "database/slide_revisions.jsonl",
        b'{"id": 999, "slide_id": 424242}\n',
    )
    refused = processes.signage(target, "restore", "--force", str(broken))
    assert refused.returncode != 0
    assert "nothing was restored" in refused.stderr
    assert table_rows(target) == rows
    assert files.stored_files(target / "media") == stored
    assert [p.name for p in (target / "media").iterdir() if p.name.startswith(".")] == []
