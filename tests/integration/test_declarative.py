"""`signage import` / `signage export` on real, migrated SQLite files: the demo content,
idempotence, the round trip, edits, prune, media, and every kind of bad input."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PIL import Image
from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

import signage.models  # noqa: F401 - registers every table with the metadata
from signage.accounts.services import system_principal
from signage.api import serializers
from signage.config import Settings
from signage.content.media_store import original_path, sha256_of
from signage.content.models import Media, Playlist, Slide
from signage.content.services import PlaylistService, SlideService
from signage.db import Base, Database
from signage.declarative.exporter import ExportReport, export_folder
from signage.declarative.importer import ImportReport, import_folder
from signage.declarative.loader import ImportProblem
from signage.scheduling.models import Change, Schedule
from signage.screens.models import Display, Group, Location
from tests.databases import DATABASES

REPO = Path(__file__).resolve().parents[2]

SMALL_LOCATIONS = """\
location: {slug: kommune, name: Kommune, public: true}
groups:
  - {slug: alle, name: Alle skærme, tag: public}
"""
SMALL_RAADHUS = """\
location: {slug: raadhus, name: Rådhus, parent: kommune}
displays:
  - name: Foyer
    tags: [public]
"""
SMALL_PLAYLIST = """\
slug: info
name: Info
location: raadhus
slides:
  - key: info.hej
    title: Hej
    template: text
    duration: 10
    fields: {heading: Hej, body: Velkommen}
schedules:
  - target: {location: raadhus}
    rrule: "FREQ=WEEKLY;BYDAY=MO"
    window: ["07:00", "18:00"]
"""
# Valid additions that sort before the bad files, so a failure comes after real writes.
NEW_LOCATION = "location: {slug: aa-ny, name: Ny, parent: kommune}\n"
NEW_PLAYLIST = """\
slug: aa-ny
name: Ny
location: aa-ny
slides:
  - {key: aa-ny.hej, title: Hej, fields: {heading: Hej}}
schedules:
  - target: {location: aa-ny}
"""


# -- helpers ------------------------------------------------------------------------------
def run_import(
    database: Database, folder: Path, media_dir: Path, *, prune: bool = False
) -> ImportReport:
    with database.transaction() as session:
        return import_folder(session, folder, media_dir, prune=prune)


def run_export(database: Database, folder: Path, media_dir: Path) -> ExportReport:
    with database.transaction() as session:
        return export_folder(session, folder, media_dir)


def row_counts(database: Database) -> dict[str, int]:
    with database.engine.connect() as connection:
        return {
            table.name: connection.scalar(select(func.count()).select_from(table)) or 0
            for table in Base.metadata.sorted_tables
        }


def files_of(folder: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()
    }


def write(folder: Path, relative: str, content: str) -> Path:
    path = folder / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(content, encoding="utf-8")
    return path


def copy_demo(target: Path) -> Path:
    for name in ("displays", "playlists"):
        shutil.copytree(REPO / name, target / name)
    return target


def small_folder(folder: Path) -> Path:
    write(folder, "displays/kommune.yaml", SMALL_LOCATIONS)
    write(folder, "displays/raadhus.yaml", SMALL_RAADHUS)
    write(folder, "playlists/info.yaml", SMALL_PLAYLIST)
    return folder


def make_jpeg(path: Path, color: str = "red") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.new("RGB", (32, 24), color).save(path, "JPEG")
    return path


VOLATILE = {"id", "created_at", "decided_at", "last_seen_at", "revision_id"}


def snapshot(session: Session) -> dict[str, Any]:
    """Every declarative entity as the API serialises it, with database ids replaced by
    the natural keys the files use, so two databases can be compared."""
    locations = {o.id: o.slug for o in session.scalars(select(Location))}
    displays = {
        o.id: f"{locations[o.location_id]}/{o.name}" for o in session.scalars(select(Display))
    }
    groups = {o.id: o.slug for o in session.scalars(select(Group))}
    slides = {o.id: o.key for o in session.scalars(select(Slide))}
    playlists = {o.id: o.slug for o in session.scalars(select(Playlist))}
    media = {o.id: o.sha256 for o in session.scalars(select(Media))}
    natural = {
        "location_id": locations,
        "parent_id": locations,
        "display_id": displays,
        "group_id": groups,
        "slide_id": slides,
        "playlist_id": playlists,
        "media_id": media,
    }

    def swap(data: dict[str, Any]) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for key, value in data.items():
            if key in VOLATILE:
                continue
            if key in natural and value is not None:
                out[key] = natural[key][value]
            elif key == "display_ids":
                out[key] = sorted(displays[i] for i in value)
            elif isinstance(value, dict):
                out[key] = swap(value)
            elif isinstance(value, list):
                out[key] = [swap(v) if isinstance(v, dict) else v for v in value]
            else:
                out[key] = value
        return out

    return {
        "locations": {
            o.slug: swap(serializers.location(o)) for o in session.scalars(select(Location))
        },
        "displays": {
            displays[o.id]: swap(serializers.display(o)) for o in session.scalars(select(Display))
        },
        "groups": {o.slug: swap(serializers.group(o)) for o in session.scalars(select(Group))},
        "slides": {o.key: swap(serializers.slide(o)) for o in session.scalars(select(Slide))},
        "playlists": {
            o.slug: swap(serializers.playlist(o)) for o in session.scalars(select(Playlist))
        },
        "schedules": {
            o.key: swap(serializers.schedule(o)) for o in session.scalars(select(Schedule))
        },
        "media": sorted(media.values()),
    }


@pytest.fixture
def media_dir(settings: Settings) -> Path:
    return settings.media_dir


@pytest.fixture
def fresh_database(tmp_path: Path, migrated_template: Path) -> Iterator[Database]:
    """A second empty, migrated database, as on another machine."""
    instance = tmp_path / "fresh-instance"
    database = Database(DATABASES.create(instance, migrated_template))
    yield database
    database.dispose()
    DATABASES.drop(instance)


# -- the demo content ---------------------------------------------------------------------
def test_importing_the_demo_content_creates_the_municipality_approved_and_scheduled(
    database: Database,
    media_dir: Path,
) -> None:
    report = run_import(database, REPO, media_dir)

    assert report.created == {
        "location": 8,
        "display": 6,
        "group": 3,
        "playlist": 6,
        "slide": 18,
        "schedule": 8,
    }
    with database.transaction() as session:
        tree = {o.slug: o for o in session.scalars(select(Location))}
        assert tree["gladsaxe"].parent_id is None
        assert tree["gladsaxe"].timezone == "Europe/Copenhagen"
        assert tree["raadhuset"].parent_id == tree["borgerservice-og-kultur"].id
        assert tree["vejdepotet"].public is False
        foyer = session.scalar(select(Display).where(Display.name == "Foyer"))
        assert foyer is not None
        assert (foyer.location_id, foyer.width, foyer.height) == (tree["raadhuset"].id, 1920, 1080)
        assert foyer.power == [
            {"window": ["06:30", "22:00"], "rrule": None, "holidays": None, "exdates": []}
        ]
        depot = session.scalar(select(Group).where(Group.slug == "vejdepot-skaerme"))
        assert depot is not None
        assert sorted(
            session.get(Display, m.display_id).name  # type: ignore[union-attr]
            for m in depot.members
        ) == ["Garderobe", "Mødelokale"]
        for slide in session.scalars(select(Slide)):
            assert len(slide.revisions) == 1
            assert slide.live_revision is slide.latest
            assert slide.latest.status == "approved"
        night = session.scalar(select(Schedule).where(Schedule.key == "job-og-personale#2"))
        assert night is not None
        assert (night.target_kind, night.target_id) == (
            "location",
            tree["plejecenter-egegaarden"].id,
        )
        assert (night.window_start, night.window_end, night.weight) == ("22:00", "06:00", 3)
        campaign = session.scalar(select(Schedule).where(Schedule.key == "kampagne-sundhed#1"))
        assert campaign is not None
        assert (campaign.target_kind, campaign.tier) == ("all", "campaign")
        assert (campaign.starts, campaign.ends) == ("2026-11-30", "2026-12-07")
        assert campaign.location_id == tree["gladsaxe"].id
        entrance = session.scalar(select(Display).where(Display.name == "Indgang"))
        assert entrance is not None
        assert entrance.layout == "main-ticker"
        ticker = session.scalar(select(Schedule).where(Schedule.key == "nyhedsbaand#1"))
        assert ticker is not None
        assert (ticker.region, ticker.target_kind, ticker.target_id) == (
            "ticker",
            "display",
            entrance.id,
        )


def test_importing_the_same_folder_twice_changes_nothing(
    database: Database,
    media_dir: Path,
) -> None:
    run_import(database, REPO, media_dir)
    before = row_counts(database)

    report = run_import(database, REPO, media_dir)

    assert report.summary() == "nothing changed"
    assert row_counts(database) == before  # no changes, audit events or slide revisions


# -- export and the round trip ----------------------------------------------------------
def test_export_then_import_into_an_empty_database_round_trips_files_and_content(
    database: Database,
    fresh_database: Database,
    media_dir: Path,
    tmp_path: Path,
) -> None:
    run_import(database, REPO, media_dir)
    run_export(database, tmp_path / "first", media_dir)

    report = run_import(fresh_database, tmp_path / "first", tmp_path / "other-media")
    run_export(fresh_database, tmp_path / "second", tmp_path / "other-media")

    assert report.created["slide"] == 18
    assert files_of(tmp_path / "first") == files_of(tmp_path / "second")
    with database.transaction() as one, fresh_database.transaction() as two:
        assert snapshot(one) == snapshot(two)


def test_reimporting_an_export_into_its_own_database_changes_nothing(
    database: Database,
    media_dir: Path,
    tmp_path: Path,
) -> None:
    run_import(database, REPO, media_dir)
    run_export(database, tmp_path / "out", media_dir)
    before = row_counts(database)

    report = run_import(database, tmp_path / "out", media_dir)

    assert report.summary() == "nothing changed"
    assert row_counts(database) == before


def test_export_writes_one_file_per_location_and_playlist_and_keeps_the_database(
    database: Database,
    media_dir: Path,
    tmp_path: Path,
) -> None:
    run_import(database, REPO, media_dir)
    before = row_counts(database)

    report = run_export(database, tmp_path / "out", media_dir)

    names = sorted(str(p.relative_to(tmp_path / "out")) for p in report.files)
    assert names == sorted(
        str(p.relative_to(REPO))
        for p in [*(REPO / "displays").glob("*.yaml"), *(REPO / "playlists").glob("*.yaml")]
    )
    assert report.skipped_slides == []
    assert row_counts(database) == before


# -- editing and pruning ----------------------------------------------------------------
def test_editing_one_slide_makes_exactly_one_new_approved_revision_and_a_change(
    database: Database,
    media_dir: Path,
    tmp_path: Path,
) -> None:
    folder = copy_demo(tmp_path / "content")
    run_import(database, folder, media_dir)
    before = row_counts(database)
    with database.transaction() as session:
        last_change = session.scalar(select(func.max(Change.id))) or 0
    playlist = folder / "playlists" / "velkommen.yaml"
    text_before = playlist.read_text(encoding="utf-8")
    playlist.write_text(
        text_before.replace("Torsdag: kl. 10.00–17.30", "Torsdag: kl. 10.00–18.00"),
        encoding="utf-8",
    )

    report = run_import(database, folder, media_dir)

    assert report.summary() == "updated 1 slide"
    after = row_counts(database)
    assert after["slide_revisions"] == before["slide_revisions"] + 1
    assert after["slides"] == before["slides"]
    with database.transaction() as session:
        slide = session.scalar(select(Slide).where(Slide.key == "velkommen.borgerservice"))
        assert slide is not None
        assert [r.number for r in slide.revisions] == [1, 2]
        assert slide.live_revision is slide.latest
        assert slide.latest.status == "approved"
        assert "Torsdag: kl. 10.00–18.00" in slide.latest.fields["body"]
        assert slide.revisions[0].status == "approved"  # history stays as it was
        new_changes = session.execute(
            select(Change.kind, Change.entity_id).where(Change.id > last_change)
        ).all()
        assert ("slide", slide.id) in new_changes


def test_prune_deletes_a_playlist_and_a_schedule_removed_from_the_folder(
    database: Database,
    media_dir: Path,
    tmp_path: Path,
) -> None:
    folder = copy_demo(tmp_path / "content")
    run_import(database, folder, media_dir)
    before = row_counts(database)
    (folder / "playlists" / "kampagne-sundhed.yaml").unlink()
    velkommen = folder / "playlists" / "velkommen.yaml"
    content = velkommen.read_text(encoding="utf-8")
    fallback = content.index("  # Reserve uden for åbningstid")
    velkommen.write_text(content[:fallback], encoding="utf-8")

    without_prune = run_import(database, folder, media_dir)

    assert without_prune.deleted == {}
    assert row_counts(database) == before

    pruned = run_import(database, folder, media_dir, prune=True)

    assert pruned.deleted == {"playlist": 1, "schedule": 2, "slide": 2}
    with database.transaction() as session:
        assert session.scalar(select(Playlist).where(Playlist.slug == "kampagne-sundhed")) is None
        keys = set(session.scalars(select(Schedule.key)))
        assert "velkommen#2" not in keys
        assert "kampagne-sundhed#1" not in keys
        assert "velkommen#1" in keys
        assert session.scalar(select(func.count()).select_from(Location)) == 8


# -- media --------------------------------------------------------------------------------
def test_a_media_file_is_stored_once_by_content_and_exported_into_media(
    database: Database,
    fresh_database: Database,
    media_dir: Path,
    tmp_path: Path,
) -> None:
    folder = small_folder(tmp_path / "content")
    photo = make_jpeg(folder / "media" / "raadhus.jpg")
    write(
        folder,
        "playlists/fotos.yaml",
        """\
slug: fotos
name: Fotos
location: raadhus
slides:
  - {key: fotos.a, title: Foto A, template: image, media: media/raadhus.jpg, alt: Rådhuset}
  - {key: fotos.b, title: Foto B, template: image, media: media/raadhus.jpg, alt: Igen}
""",
    )
    digest = sha256_of(photo)

    report = run_import(database, folder, media_dir)

    assert report.created["media"] == 1
    stored = original_path(media_dir, digest)
    assert stored.read_bytes() == photo.read_bytes()
    assert list((media_dir / "originals").rglob("*")) == [stored.parent, stored]
    with database.transaction() as session:
        media = session.scalars(select(Media)).one()
        assert (media.sha256, media.mime, media.width, media.height) == (
            digest,
            "image/jpeg",
            32,
            24,
        )
        media_ids = {
            s.latest.media_id
            for s in session.scalars(select(Slide).where(Slide.key.in_(["fotos.a", "fotos.b"])))
        }
        assert media_ids == {media.id}

    out = tmp_path / "out"
    run_export(database, out, media_dir)

    assert (out / "media" / f"{digest}.jpg").read_bytes() == photo.read_bytes()
    assert f"media: media/{digest}.jpg" in (out / "playlists" / "fotos.yaml").read_text()
    run_import(fresh_database, out, tmp_path / "other-media")
    run_export(fresh_database, tmp_path / "again", tmp_path / "other-media")
    assert files_of(out) == files_of(tmp_path / "again")


def test_layouts_and_regions_round_trip_through_export_and_import(
    database: Database,
    fresh_database: Database,
    media_dir: Path,
    tmp_path: Path,
) -> None:
    folder = small_folder(tmp_path / "content")
    write(
        folder,
        "displays/kommune.yaml",
        "location: {slug: kommune, name: Kommune, public: true, layout: main-side}\n"
        "groups:\n  - {slug: alle, name: Alle skærme, tag: public, layout: main-ticker}\n",
    )
    write(
        folder,
        "displays/raadhus.yaml",
        "location: {slug: raadhus, name: Rådhus, parent: kommune}\n"
        "displays:\n  - {name: Foyer, tags: [public], layout: main-side-ticker}\n"
        "  - {name: Gang}\n",
    )
    write(
        folder,
        "playlists/info.yaml",
        SMALL_PLAYLIST + "  - {target: {display: raadhus/Foyer}, region: side}\n",
    )
    run_import(database, folder, media_dir)
    run_export(database, tmp_path / "first", media_dir)

    run_import(fresh_database, tmp_path / "first", tmp_path / "other-media")
    run_export(fresh_database, tmp_path / "second", tmp_path / "other-media")

    exported = (tmp_path / "first" / "displays" / "raadhus.yaml").read_text()
    assert "layout: main-side-ticker" in exported
    assert "region: side" in (tmp_path / "first" / "playlists" / "info.yaml").read_text()
    assert files_of(tmp_path / "first") == files_of(tmp_path / "second")
    with fresh_database.transaction() as session:
        assert session.scalar(select(Location.layout).where(Location.slug == "kommune")) == (
            "main-side"
        )
        assert session.scalar(select(Group.layout).where(Group.slug == "alle")) == "main-ticker"
        layouts = dict(session.execute(select(Display.name, Display.layout)).all())
        assert layouts == {"Foyer": "main-side-ticker", "Gang": None}  # Gang inherits
        regions = sorted(session.scalars(select(Schedule.region)))
        assert regions == ["main", "side"]
    with database.transaction() as one, fresh_database.transaction() as two:
        assert snapshot(one) == snapshot(two)


# -- bad input ----------------------------------------------------------------------------
BAD_PLAYLIST_HEAD = "slug: zz\nname: ZZ\nlocation: raadhus\nslides:\n"

BAD_INPUTS = [
    pytest.param(
        "playlists/zz.yaml",
        "slug: zz\nname: [unclosed\nlocation: raadhus\n",
        3,
        "not valid YAML",
        id="malformed-yaml",
    ),
    pytest.param(
        "playlists/zz.yaml",
        "slug: zz\nname: A\nname: B\n",
        3,
        "key 'name' appears twice",
        id="duplicate-key",
    ),
    pytest.param(
        "displays/zz.yaml",
        "# nothing above\nlocation: {slug: zz, name: Z, parent: nowhere}\n",
        2,
        "unknown parent location 'nowhere'",
        id="unknown-parent",
    ),
    pytest.param(
        "playlists/zz.yaml",
        BAD_PLAYLIST_HEAD
        + "  - {key: zz.a, title: A, fields: {heading: A}}\n"
        + "schedules:\n  - target: {group: nope}\n",
        7,
        "unknown group 'nope'",
        id="unknown-group-target",
    ),
    pytest.param(
        "playlists/zz.yaml",
        BAD_PLAYLIST_HEAD
        + "  - {key: zz.a, title: A, fields: {heading: A}}\n"
        + "schedules:\n  - target: {location: nope}\n",
        7,
        "unknown location 'nope'",
        id="unknown-location-target",
    ),
    pytest.param(
        "playlists/zz.yaml",
        BAD_PLAYLIST_HEAD
        + "  - {key: zz.a, title: A, fields: {heading: A}}\n"
        + "schedules:\n  - target: {display: raadhus/Kælder}\n",
        7,
        "unknown display 'Kælder' at location 'raadhus'",
        id="unknown-display-target",
    ),
    pytest.param(
        "playlists/zz.yaml",
        BAD_PLAYLIST_HEAD
        + "  - {key: zz.a, title: A, fields: {heading: A}}\n"
        + "schedules:\n  - target: {display: Foyer}\n",
        7,
        "must be written 'location-slug/Display name'",
        id="display-target-without-location",
    ),
    pytest.param(
        "playlists/zz.yaml",
        BAD_PLAYLIST_HEAD + "  - key: zz.a\n    title: A\n    fields: {heading: A, colour: red}\n",
        5,
        "template 'text' has no field 'colour'",
        id="unknown-template-field",
    ),
    pytest.param(
        "playlists/zz.yaml",
        BAD_PLAYLIST_HEAD
        + "  - {key: zz.a, title: A, fields: {heading: A}}\nschedules:\n"
        + "  - target: {location: raadhus}\n    rrule: FREQ=DAILY;BYHOUR=7\n",
        7,
        "rrule may not use BYHOUR",
        id="rrule-with-byhour",
    ),
    pytest.param(
        "playlists/zz.yaml",
        BAD_PLAYLIST_HEAD
        + "  - {key: zz.a, title: A, fields: {heading: A}}\nschedules:\n"
        + "  - target: {location: raadhus}\n    window: ['07:00', '07:00']\n",
        7,
        "starts and ends at the same time",
        id="empty-window",
    ),
    pytest.param(
        "playlists/zz.yaml",
        BAD_PLAYLIST_HEAD
        + "  - {key: zz.a, title: A, fields: {heading: A}}\nschedules:\n"
        + "  - target: {location: raadhus}\n    weight: 11\n",
        7,
        "weight: Input should be less than or equal to 10",
        id="weight-11",
    ),
    pytest.param(
        "playlists/zz.yaml",
        BAD_PLAYLIST_HEAD
        + "  - {key: zz.a, title: A, fields: {heading: A}}\n"
        + "  - {key: zz.a, title: B, fields: {heading: B}}\n",
        6,
        "slide key 'zz.a' is defined twice",
        id="slide-key-twice",
    ),
    pytest.param(
        "playlists/zz.yaml",
        BAD_PLAYLIST_HEAD + "  - {key: zz.a, title: A, template: image, media: ../outside.jpg}\n",
        5,
        "media file '../outside.jpg' is not a file inside the imported folder",
        id="media-outside-folder",
    ),
    pytest.param(
        "playlists/zz.yaml",
        BAD_PLAYLIST_HEAD + "  - {key: zz.a, title: A, template: image, media: media/notes.jpg}\n",
        5,
        "media file 'media/notes.jpg': the file is not a type we accept",
        id="media-not-an-image",
    ),
    pytest.param(
        "playlists/zz.yaml",
        BAD_PLAYLIST_HEAD + "  - {key: zz.a, title: A, template: slideshow}\n",
        5,
        "kind: Input should be",
        id="unknown-template",
    ),
    pytest.param(
        "playlists/zz.yaml",
        BAD_PLAYLIST_HEAD + "  - {key: info.hej, durtion: 5}\n",
        5,
        "unknown key(s) durtion",
        id="misspelt-key-in-slide-reference",
    ),
    pytest.param(
        "displays/zz.yaml",
        "location: {slug: zz, name: Z, parent: kommune}\ndisplays: Foyer\n",
        1,
        "displays must be a list",
        id="displays-not-a-list",
    ),
    pytest.param(
        "playlists/zz.yaml",
        BAD_PLAYLIST_HEAD + "  - {title: A, fields: {heading: A}}\n",
        5,
        "each slide needs a key",
        id="slide-without-key",
    ),
    pytest.param(
        "playlists/zz.yaml",
        "slug: info\nname: Igen\nlocation: raadhus\n",
        1,
        "playlist slug 'info' is defined twice",
        id="playlist-slug-twice",
    ),
    pytest.param(
        "displays/zz.yaml",
        "location: {slug: zz, name: Z, parent: kommune}\n"
        "displays:\n  - name: Skærm\n  - name: Skærm\n",
        4,
        "display 'Skærm' is defined twice",
        id="display-twice",
    ),
    pytest.param(
        "playlists/zz.yaml",
        BAD_PLAYLIST_HEAD
        + "  - {key: zz.a, title: A, fields: {heading: A}}\nschedules:\n"
        + "  - {key: info#1, target: {location: raadhus}}\n",
        7,
        "schedule key 'info#1' is defined twice",
        id="schedule-key-twice",
    ),
    pytest.param(
        "displays/zz.yaml",
        "location: {slug: zz, name: Z, parent: kommune}\n"
        "displays:\n  - name: Skærm\n    layout: split-screen\n",
        3,
        "unknown layout 'split-screen' (use one of full, main-ticker, main-side, main-side-ticker)",
        id="unknown-layout",
    ),
    pytest.param(
        "playlists/zz.yaml",
        BAD_PLAYLIST_HEAD
        + "  - {key: zz.a, title: A, fields: {heading: A}}\nschedules:\n"
        + "  - {target: {location: raadhus}, region: banner}\n",
        7,
        "unknown region 'banner' (use one of main, side, ticker)",
        id="unknown-region",
    ),
]


@pytest.mark.parametrize(("relative", "content", "line", "reason"), BAD_INPUTS)
def test_bad_input_names_file_and_line_and_leaves_the_database_unchanged(
    database: Database,
    media_dir: Path,
    tmp_path: Path,
    relative: str,
    content: str,
    line: int,
    reason: str,
) -> None:
    folder = small_folder(tmp_path / "content")
    run_import(database, folder, media_dir)
    write(folder, "displays/aa-ny.yaml", NEW_LOCATION)
    write(folder, "playlists/aa-ny.yaml", NEW_PLAYLIST)
    make_jpeg(tmp_path / "outside.jpg")
    write(folder, "media/notes.jpg", "these are notes, not a photo\n")
    bad = write(folder, relative, content)
    before = row_counts(database)

    with pytest.raises(ImportProblem) as caught:
        run_import(database, folder, media_dir)

    message = str(caught.value)
    assert message.startswith(f"{bad}:{line}: "), message
    assert reason in message
    assert (caught.value.path, caught.value.line) == (str(bad), line)
    assert row_counts(database) == before


def test_a_folder_without_displays_or_playlists_is_refused(
    database: Database,
    media_dir: Path,
    tmp_path: Path,
) -> None:
    with pytest.raises(ImportProblem, match="neither a displays/ nor a playlists/ folder"):
        run_import(database, tmp_path, media_dir)
    assert row_counts(database)["locations"] == 0


def test_a_failed_import_leaves_no_half_written_rows_behind(
    database: Database,
    media_dir: Path,
    tmp_path: Path,
) -> None:
    folder = small_folder(tmp_path / "content")
    write(folder, "playlists/zz.yaml", BAD_PLAYLIST_HEAD + "  - {key: zz.a, title: A, weight: 3}\n")
    before = row_counts(database)

    with pytest.raises(ImportProblem, match="unknown key"):
        run_import(database, folder, media_dir)

    assert row_counts(database) == before
    with database.engine.connect() as connection:
        assert connection.scalar(text("SELECT count(*) FROM changes")) == 0


def test_a_slide_without_key_or_approval_exports_under_a_made_up_key_as_a_draft(
    database: Database,
    fresh_database: Database,
    media_dir: Path,
    tmp_path: Path,
) -> None:
    run_import(database, small_folder(tmp_path / "content"), media_dir)
    with database.transaction() as session:
        system = system_principal(session)
        raadhus = session.scalars(select(Location).where(Location.slug == "raadhus")).one()
        slide = SlideService().create(
            session,
            system,
            {
                "title": "Uden nøgle",
                "location_id": raadhus.id,
                "kind": "text",
                "fields": {"heading": "Uden nøgle"},
            },
        )
        SlideService().submit(session, system, slide)
        SlideService().reject(session, system, slide, "ikke endnu")
        playlist = session.scalars(select(Playlist).where(Playlist.slug == "info")).one()
        items = [{"slide_id": i.slide_id, "duration": i.duration} for i in playlist.items]
        items += [{"slide_id": slide.id, "duration": None}, {"slide_id": slide.id, "duration": 5}]
        PlaylistService().update(session, system, playlist, {"items": items})
        made_up = f"slide-{slide.id}"

    run_export(database, tmp_path / "out", media_dir)
    report = run_import(fresh_database, tmp_path / "out", media_dir)

    assert report.created["slide"] == 2
    with database.transaction() as session:
        assert (
            session.scalar(select(func.count()).select_from(Slide).where(Slide.key.is_(None))) == 1
        )  # the export did not write its made-up key back
    with fresh_database.transaction() as session:
        copy = session.scalars(select(Slide).where(Slide.key == made_up)).one()
        assert (copy.latest.status, copy.live_revision) == ("draft", None)
        playlist = session.scalars(select(Playlist).where(Playlist.slug == "info")).one()
        assert [(i.slide_id, i.duration) for i in playlist.items][1:] == [
            (copy.id, None),
            (copy.id, 5),
        ]


def test_prune_that_cannot_delete_a_location_still_in_use_is_refused_as_a_whole(
    database: Database,
    media_dir: Path,
    tmp_path: Path,
) -> None:
    folder = small_folder(tmp_path / "content")
    make_jpeg(folder / "media" / "foto.jpg")
    write(
        folder,
        "playlists/info.yaml",
        SMALL_PLAYLIST.replace(
            "slides:\n",
            "slides:\n  - {key: info.foto, title: Foto, template: image, media: media/foto.jpg}\n",
        ),
    )
    run_import(database, folder, media_dir)
    (folder / "displays" / "raadhus.yaml").unlink()
    (folder / "playlists" / "info.yaml").unlink()
    before = row_counts(database)

    with pytest.raises(ImportProblem, match="--prune cannot delete location 'raadhus'") as caught:
        run_import(database, folder, media_dir, prune=True)

    assert caught.value.path == str(folder)
    assert row_counts(database) == before
