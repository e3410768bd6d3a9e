"""`signage export DIR`: the database as `displays/`, `playlists/` and `media/`, in the
form `signage import` reads, so that export → import round-trips."""

from __future__ import annotations

import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy import select
from sqlalchemy.orm import Session

from signage.content.filetypes import BY_MIME
from signage.content.media_store import original_path
from signage.content.models import Media, Playlist, Slide, SlideRevision
from signage.scheduling.models import Schedule
from signage.screens.models import Display, Group, Location


@dataclass
class ExportReport:
    files: list[Path] = field(default_factory=list)
    skipped_slides: list[str] = field(default_factory=list)


class _Dumper(yaml.SafeDumper):
    pass


def _flow_short_lists(dumper: yaml.SafeDumper, data: list[Any]) -> yaml.Node:
    flow = all(not isinstance(v, dict | list) for v in data) and len(data) <= 12
    return dumper.represent_sequence("tag:yaml.org,2002:seq", data, flow_style=flow)


_Dumper.add_representer(list, _flow_short_lists)


def _write(path: Path, document: dict[str, Any]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(
        yaml.dump(document, Dumper=_Dumper, allow_unicode=True, sort_keys=False, width=100),
        encoding="utf-8",
    )
    return path


def _key(slide: Slide) -> str:
    # Import needs a key; one made up from the id is written out, never stored.
    return slide.key or f"slide-{slide.id}"


def _status(status: str) -> str | None:
    """Approved is what import assumes; a rejected revision comes back as a draft,
    since import only knows draft, pending and approved."""
    if status == "approved":
        return None
    return "draft" if status == "rejected" else status


def _drop_empty(mapping: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in mapping.items() if v not in (None, [], {}, "")}


class Exporter:
    def __init__(self, session: Session, root: Path, media_dir: Path) -> None:
        self.session, self.root, self.media_dir = session, root, media_dir
        self.report = ExportReport()
        self.locations = {loc.id: loc for loc in session.scalars(select(Location))}

    def run(self) -> ExportReport:
        for location in sorted(self.locations.values(), key=lambda loc: loc.slug):
            self.report.files.append(self._location_file(location))
        written: set[int] = set()
        for playlist in self.session.scalars(select(Playlist).order_by(Playlist.slug)):
            self.report.files.append(self._playlist_file(playlist, written))
        for slide in self.session.scalars(select(Slide).order_by(Slide.id)):
            if slide.id not in written:
                self.report.skipped_slides.append(slide.key or f"#{slide.id}")
        return self.report

    def _location_file(self, location: Location) -> Path:
        parent = self.locations.get(location.parent_id) if location.parent_id else None
        document: dict[str, Any] = {
            "location": _drop_empty(
                {
                    "slug": location.slug,
                    "name": location.name,
                    "parent": parent.slug if parent else None,
                    "timezone": location.timezone,
                    "public": location.public or None,
                    "layout": location.layout,
                }
            )
        }
        displays = list(
            self.session.scalars(
                select(Display).where(Display.location_id == location.id).order_by(Display.name)
            )
        )
        names = {d.id: d.name for d in displays}
        if displays:
            document["displays"] = [
                _drop_empty(
                    {
                        "name": d.name,
                        "orientation": d.orientation,
                        "resolution": [d.width, d.height],
                        "rotation": d.rotation or None,
                        "timezone": d.timezone,
                        "languages": d.languages,
                        "tags": d.tags,
                        "power": [_drop_empty(p) for p in d.power],
                        "layout": d.layout,
                    }
                )
                for d in displays
            ]
        groups = list(
            self.session.scalars(
                select(Group).where(Group.location_id == location.id).order_by(Group.slug)
            )
        )
        if groups:
            document["groups"] = [
                _drop_empty(
                    {
                        "slug": g.slug,
                        "name": g.name,
                        "tag": g.tag,
                        "layout": g.layout,
                        # Members are a set: sorted names keep the file stable across instances.
                        "displays": sorted(
                            names[m.display_id] for m in g.members if m.display_id in names
                        ),
                    }
                )
                for g in groups
            ]
        return _write(self.root / "displays" / f"{location.slug}.yaml", document)

    def _playlist_file(self, playlist: Playlist, written: set[int]) -> Path:
        slides: list[dict[str, Any]] = []
        for item in playlist.items:
            slide = self.session.get(Slide, item.slide_id)
            assert slide is not None  # noqa: S101 - the foreign key guarantees it
            if slide.id in written:
                slides.append(_drop_empty({"key": _key(slide), "duration": item.duration}))
                continue
            written.add(slide.id)
            slides.append(self._slide(slide, playlist))
        document: dict[str, Any] = {
            "slug": playlist.slug,
            "name": playlist.name,
            "location": self.locations[playlist.location_id].slug,
            "slides": slides,
        }
        schedules = list(
            self.session.scalars(
                select(Schedule).where(Schedule.playlist_id == playlist.id).order_by(Schedule.id)
            )
        )
        if schedules:
            document["schedules"] = [self._schedule(s) for s in schedules]
        return _write(self.root / "playlists" / f"{playlist.slug}.yaml", document)

    def _slide(self, slide: Slide, playlist: Playlist) -> dict[str, Any]:
        revision: SlideRevision = slide.latest
        owner = self.locations[slide.location_id].slug
        return _drop_empty(
            {
                "key": _key(slide),
                "title": slide.title,
                "template": revision.kind,
                "location": owner if slide.location_id != playlist.location_id else None,
                "duration": revision.duration,
                "pictogram": revision.pictogram,
                "fields": revision.fields,
                "variants": revision.variants,
                "alt": revision.alt,
                "media": self._media(revision.media_id),
                "orientation": slide.orientation if slide.orientation != "any" else None,
                "valid_from": slide.valid_from,
                "valid_until": slide.valid_until,
                "public": slide.public or None,
                "status": _status(revision.status),
            }
        )

    def _media(self, media_id: int | None) -> str | None:
        if media_id is None:
            return None
        media = self.session.get(Media, media_id)
        assert media is not None  # noqa: S101 - the foreign key guarantees it
        name = f"media/{media.sha256}.{BY_MIME[media.mime].ext}"
        target = self.root / name
        if not target.exists():
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(original_path(self.media_dir, media.sha256), target)
        return name

    def _schedule(self, schedule: Schedule) -> dict[str, Any]:
        return _drop_empty(
            {
                "key": schedule.key,
                "target": self._target(schedule),
                "region": schedule.region if schedule.region != "main" else None,
                "rrule": schedule.rrule,
                "window": [schedule.window_start, schedule.window_end]
                if schedule.window_start
                else None,
                "starts": schedule.starts,
                "ends": schedule.ends,
                "exdates": schedule.exdates,
                "holidays": schedule.holidays,
                "tier": schedule.tier,
                "weight": schedule.weight,
            }
        )

    def _target(self, schedule: Schedule) -> dict[str, Any]:
        if schedule.target_kind == "location":
            return {"location": self.locations[schedule.target_id].slug}  # type: ignore[index]
        if schedule.target_kind == "group":
            group = self.session.get(Group, schedule.target_id)
            return {"group": group.slug if group else None}
        if schedule.target_kind == "display":
            display = self.session.get(Display, schedule.target_id)
            assert display is not None  # noqa: S101 - deleting a display deletes its schedules
            return {"display": f"{self.locations[display.location_id].slug}/{display.name}"}
        return {"all": True}


def export_folder(session: Session, root: Path, media_dir: Path) -> ExportReport:
    return Exporter(session, root, media_dir).run()
