"""`signage import DIR`: upsert locations, displays, groups, slides, playlists and
schedules by key, in one transaction, through the same services as the API.

Import is trusted (command line only): slides land approved unless a file says otherwise.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from pydantic import BaseModel
from pydantic import ValidationError as PydanticError
from sqlalchemy import select
from sqlalchemy.orm import Session

from signage.accounts.permissions import Principal
from signage.accounts.services import system_principal
from signage.api.http import describe
from signage.config import MediaLimits
from signage.content.media import register_file
from signage.content.models import Playlist, Slide
from signage.content.schemas import PlaylistIn, SlideIn
from signage.content.services import PlaylistService, SlideService, mark_approved
from signage.crud import CHANGED, CrudService
from signage.declarative.loader import ImportProblem, Node, load_yaml, require_node, yaml_files
from signage.errors import SignageError
from signage.scheduling.models import Schedule
from signage.scheduling.schemas import ScheduleIn
from signage.scheduling.services import ScheduleService
from signage.screens.models import Display, Group, Location
from signage.screens.schemas import DisplayIn, GroupIn, LocationIn
from signage.screens.services import DisplayService, GroupService, LocationService

LOCATION_KEYS = {"slug", "name", "parent", "timezone", "public", "layout"}
DISPLAY_KEYS = {
    "name",
    "orientation",
    "resolution",
    "rotation",
    "timezone",
    "languages",
    "tags",
    "power",
    "layout",
}
GROUP_KEYS = {"slug", "name", "tag", "displays", "layout"}
SLIDE_KEYS = {
    "key",
    "title",
    "template",
    "duration",
    "pictogram",
    "fields",
    "variants",
    "alt",
    "media",
    "public",
    "valid_from",
    "valid_until",
    "orientation",
    "status",
    "location",
}
SCHEDULE_KEYS = {
    "key",
    "target",
    "rrule",
    "window",
    "starts",
    "ends",
    "exdates",
    "holidays",
    "tier",
    "weight",
    "region",
}
PLAYLIST_KEYS = {"slug", "name", "location", "slides", "schedules"}
# A slide that only names a slide defined in another playlist file.
REFERENCE_KEYS = {"key", "duration"}
STATUSES = {"draft", "pending", "approved"}


@dataclass
class ImportReport:
    created: dict[str, int] = field(default_factory=dict)
    updated: dict[str, int] = field(default_factory=dict)
    deleted: dict[str, int] = field(default_factory=dict)

    def count(self, bucket: dict[str, int], kind: str) -> None:
        bucket[kind] = bucket.get(kind, 0) + 1

    def summary(self) -> str:
        parts = []
        for label, bucket in (
            ("created", self.created),
            ("updated", self.updated),
            ("deleted", self.deleted),
        ):
            if bucket:
                parts.append(label + " " + ", ".join(f"{n} {k}" for k, n in sorted(bucket.items())))
        return "; ".join(parts) or "nothing changed"


def _check_keys(node: Node, allowed: set[str], what: str) -> None:
    unknown = sorted(set(node) - allowed)
    if unknown:
        raise node.problem(
            f"{what} has unknown key(s) {', '.join(unknown)}; "
            f"known keys: {', '.join(sorted(allowed))}"
        )


def _items(node: Node, key: str, what: str) -> list[Any]:
    value = node.get(key)
    if value is None:
        return []
    if not isinstance(value, list):
        raise node.problem(f"{what} must be a list (lines starting with '- ')")
    return value


def _plain(value: Any) -> Any:
    """YAML turns 2026-01-05 into a date; payloads want the ISO text."""
    if isinstance(value, datetime):
        return value.replace(tzinfo=None).isoformat(timespec="minutes")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    return value


def _validated(schema: type[BaseModel], payload: dict[str, Any], node: Node) -> dict[str, Any]:
    try:
        return schema.model_validate(_plain(payload)).model_dump()
    except PydanticError as exc:
        problems = [describe(e) for e in exc.errors(include_url=False, include_input=False)]
        raise node.problem("; ".join(problems)) from exc


class Importer:
    def __init__(self, session: Session, root: Path, media_dir: Path) -> None:
        self.session, self.root, self.media_dir = session, root.resolve(), media_dir
        self.report = ImportReport()
        self.seen: dict[str, set[Any]] = {
            k: set() for k in ("location", "display", "group", "slide", "playlist", "schedule")
        }

    @property
    def principal(self) -> Principal:
        # Rebuilt on each use: the location tree grows while locations are imported.
        return system_principal(self.session)

    # -- the steps ---------------------------------------------------------------------
    def run(self, *, prune: bool) -> ImportReport:
        if not (self.root / "displays").is_dir() and not (self.root / "playlists").is_dir():
            raise ImportProblem(self.root, None, "has neither a displays/ nor a playlists/ folder")
        location_docs = [self._document(p, "displays") for p in yaml_files(self.root / "displays")]
        playlist_docs = [
            self._document(p, "playlists") for p in yaml_files(self.root / "playlists")
        ]
        self._import_locations(location_docs)
        for doc in location_docs:
            self._import_screens(doc)
        for doc in playlist_docs:
            self._import_slides(doc)
        for doc in playlist_docs:
            self._import_playlist(doc)
        if prune:
            self._prune()
        self.session.flush()
        return self.report

    def _see(self, kind: str, key: Any, what: str, node: Node) -> None:
        """Remember what the folder describes; the same thing twice is a mistake."""
        if key in self.seen[kind]:
            raise node.problem(f"{what} is defined twice")
        self.seen[kind].add(key)

    def _document(self, path: Path, folder: str) -> Node:
        return require_node(load_yaml(path), path, f"a file in {folder}/")

    def _upsert(
        self, service: CrudService[Any], kind: str, existing: Any, data: dict[str, Any], node: Node
    ) -> Any:
        try:
            if existing is None:
                obj = service.create(self.session, self.principal, data)
                self.report.count(self.report.created, kind)
                return obj
            changed = service.update(self.session, self.principal, existing, data)
            if self.session.info.pop(CHANGED, False):
                self.report.count(self.report.updated, kind)
            return changed
        except SignageError as exc:
            raise node.problem(exc.message) from exc

    def _import_locations(self, docs: list[Node]) -> None:
        nodes: dict[str, Node] = {}
        for doc in docs:
            _check_keys(doc, {"location", "displays", "groups"}, "a displays/ file")
            node = require_node(doc.get("location"), doc, "location")
            _check_keys(node, LOCATION_KEYS, "location")
            slug = node.get("slug")
            if not isinstance(slug, str) or slug in nodes:
                raise node.problem("location needs a slug that no other file uses")
            nodes[slug] = node
        done: set[str] = set()
        # Parents first, wherever their files sort.
        while len(done) < len(nodes):
            ready = [
                s
                for s, n in nodes.items()
                if s not in done
                and (
                    n.get("parent") is None
                    or n.get("parent") in done
                    or (n.get("parent") not in nodes and self._location(n.get("parent")))
                )
            ]
            if not ready:
                pending = next(n for s, n in nodes.items() if s not in done)
                raise pending.problem(f"unknown parent location {pending.get('parent')!r}")
            for slug in ready:
                self._import_location(nodes[slug])
                done.add(slug)

    def _import_location(self, node: Node) -> None:
        parent = node.get("parent")
        payload = {
            k: node[k] for k in ("slug", "name", "timezone", "public", "layout") if k in node
        }
        parent_location = self._location(parent) if parent else None
        if parent and parent_location is None:
            raise node.problem(f"unknown parent location {parent!r}")
        payload["parent_id"] = parent_location.id if parent_location else None
        data = _validated(LocationIn, payload, node)
        self.seen["location"].add(data["slug"])
        self._upsert(LocationService(), "location", self._location(data["slug"]), data, node)

    def _location(self, slug: Any) -> Location | None:
        if not isinstance(slug, str):
            return None
        return self.session.scalar(select(Location).where(Location.slug == slug))

    def _import_screens(self, doc: Node) -> None:
        location = self._location(doc["location"]["slug"])
        assert location is not None  # noqa: S101 - imported just before
        for raw in _items(doc, "displays", "displays"):
            node = require_node(raw, doc, "each display")
            _check_keys(node, DISPLAY_KEYS, "display")
            data = _validated(DisplayIn, {**node, "location_id": location.id}, node)
            data.pop("provision")
            existing = self.session.scalar(
                select(Display).where(
                    Display.location_id == location.id, Display.name == data["name"]
                )
            )
            self._see("display", (location.id, data["name"]), f"display {data['name']!r}", node)
            self._upsert(DisplayService(), "display", existing, data, node)
        for raw in _items(doc, "groups", "groups"):
            node = require_node(raw, doc, "each group")
            _check_keys(node, GROUP_KEYS, "group")
            payload = {k: v for k, v in node.items() if k != "displays"}
            payload["location_id"] = location.id
            # Members are a set; sorted ids match the stored order, so re-importing an
            # export (which lists names alphabetically) changes nothing.
            payload["display_ids"] = sorted(
                {
                    self._display_id(location, name, node)
                    for name in _items(node, "displays", "displays")
                }
            )
            data = _validated(GroupIn, payload, node)
            group = self.session.scalar(select(Group).where(Group.slug == data["slug"]))
            self._see("group", data["slug"], f"group slug {data['slug']!r}", node)
            self._upsert(GroupService(), "group", group, data, node)

    def _display_id(self, location: Location, name: Any, node: Node) -> int:
        found = self.session.scalar(
            select(Display.id).where(Display.location_id == location.id, Display.name == name)
        )
        if found is None:
            raise node.problem(f"unknown display {name!r} at location {location.slug!r}")
        return found

    # -- slides and playlists ------------------------------------------------------------
    def _import_slides(self, doc: Node) -> None:
        _check_keys(doc, PLAYLIST_KEYS, "a playlists/ file")
        location = self._location(doc.get("location"))
        if location is None:
            raise doc.problem(f"unknown location {doc.get('location')!r}")
        for raw in _items(doc, "slides", "slides"):
            node = require_node(raw, doc, "each slide")
            if "title" not in node:
                _check_keys(
                    node,
                    REFERENCE_KEYS,
                    "a slide without a title reuses a slide defined elsewhere; it",
                )
                continue  # a reference to a slide defined elsewhere
            _check_keys(node, SLIDE_KEYS, "slide")
            self._import_slide(node, location)

    def _import_slide(self, node: Node, location: Location) -> None:
        if not node.get("key"):
            raise node.problem("each slide needs a key: import finds it again by its key")
        payload = {
            k: v for k, v in node.items() if k not in {"template", "media", "status", "location"}
        }
        payload["kind"] = node.get("template", "text")
        if "location" in node:  # a slide owned elsewhere than its playlist
            owner = self._location(node["location"])
            if owner is None:
                raise node.problem(f"unknown location {node['location']!r}")
            location = owner
        payload["location_id"] = location.id
        if node.get("media"):
            payload["media_id"] = self._media(node, location)
        status = node.get("status", "approved")
        if status not in STATUSES:
            raise node.problem(f"status must be one of {', '.join(sorted(STATUSES))}")
        data = _validated(SlideIn, payload, node)
        self._see("slide", data["key"], f"slide key {data['key']!r}", node)
        existing = self.session.scalar(select(Slide).where(Slide.key == data["key"]))
        slide = self._upsert(SlideService(), "slide", existing, data, node)
        latest = slide.latest
        if status == "approved" and latest.status != "approved":
            mark_approved(latest, None)
        elif status == "pending" and latest.status == "draft":
            latest.status = "pending"

    def _media(self, node: Node, location: Location) -> int:
        relative = str(node["media"])
        path = (self.root / relative).resolve()
        if not path.is_relative_to(self.root) or not path.is_file():
            raise node.problem(f"media file {relative!r} is not a file inside the imported folder")
        try:
            media, created = register_file(
                self.session, self.media_dir, MediaLimits(), path, path.name, location.id
            )
        except SignageError as exc:
            raise node.problem(f"media file {relative!r}: {exc.message}") from exc
        if created:
            self.report.count(self.report.created, "media")
        return media.id

    def _import_playlist(self, doc: Node) -> None:
        location = self._location(doc.get("location"))
        assert location is not None  # noqa: S101 - checked in _import_slides
        items = []
        for raw in _items(doc, "slides", "slides"):
            node = require_node(raw, doc, "each slide")
            slide = self.session.scalar(select(Slide).where(Slide.key == node.get("key")))
            if slide is None:
                raise node.problem(f"unknown slide key {node.get('key')!r}")
            duration = node.get("duration") if "title" not in node else None
            items.append({"slide_id": slide.id, "duration": duration})
        payload = {
            "slug": doc.get("slug"),
            "name": doc.get("name"),
            "location_id": location.id,
            "items": items,
        }
        data = _validated(PlaylistIn, payload, doc)
        self._see("playlist", data["slug"], f"playlist slug {data['slug']!r}", doc)
        existing = self.session.scalar(select(Playlist).where(Playlist.slug == data["slug"]))
        playlist = self._upsert(PlaylistService(), "playlist", existing, data, doc)
        for index, raw in enumerate(_items(doc, "schedules", "schedules")):
            node = require_node(raw, doc, "each schedule")
            _check_keys(node, SCHEDULE_KEYS, "schedule")
            self._import_schedule(node, playlist, index)

    def _import_schedule(self, node: Node, playlist: Playlist, index: int) -> None:
        payload = {k: v for k, v in node.items() if k != "target"}
        payload.setdefault("key", f"{playlist.slug}#{index + 1}")
        payload["playlist_id"] = playlist.id
        payload["target"] = self._target(require_node(node.get("target"), node, "target"))
        data = _validated(ScheduleIn, payload, node)
        data["target"] = {k: v for k, v in data["target"].items() if v is not None}
        self._see("schedule", data["key"], f"schedule key {data['key']!r}", node)
        existing = self.session.scalar(select(Schedule).where(Schedule.key == data["key"]))
        data["location_id"] = (
            existing.location_id
            if existing and data["location_id"] is None
            else data["location_id"]
        )
        self._upsert(ScheduleService(), "schedule", existing, data, node)

    def _target(self, node: Node) -> dict[str, Any]:
        if node.get("all") is True and len(node) == 1:
            return {"all": True}
        if len(node) != 1:
            raise node.problem("target names exactly one of location, group, display, all")
        ((kind, name),) = node.items()
        if kind == "location":
            location = self._location(name)
            if location is not None:
                return {"location_id": location.id}
        elif kind == "group":
            group_id = self.session.scalar(select(Group.id).where(Group.slug == name))
            if group_id is not None:
                return {"group_id": group_id}
        elif kind == "display":
            if not isinstance(name, str) or "/" not in name:
                raise node.problem(
                    f"display target {name!r} must be written 'location-slug/Display name'"
                )
            location_slug, _, display_name = name.partition("/")
            location = self._location(location_slug)
            if location is not None:
                return {"display_id": self._display_id(location, display_name, node)}
            raise node.problem(f"unknown location {location_slug!r} in display target {name!r}")
        else:
            raise node.problem(
                f"unknown target kind {kind!r}: use location, group, display "
                "(as 'location-slug/Display name') or all"
            )
        raise node.problem(f"unknown {kind} {name!r}")

    # -- prune -----------------------------------------------------------------------------
    def _prune(self) -> None:
        steps: list[tuple[str, CrudService[Any], Any, Any]] = [
            ("schedule", ScheduleService(), Schedule, lambda o: o.key),
            ("playlist", PlaylistService(), Playlist, lambda o: o.slug),
            ("slide", SlideService(), Slide, lambda o: o.key),
            ("group", GroupService(), Group, lambda o: o.slug),
            ("display", DisplayService(), Display, lambda o: (o.location_id, o.name)),
        ]
        for kind, service, model, key in steps:
            for obj in list(self.session.scalars(select(model))):
                if key(obj) not in self.seen[kind]:
                    self._delete(service, kind, obj, key(obj))
        # Locations leaf first, so a parent is never deleted before its children.
        while True:
            leaves = [
                loc
                for loc in self.session.scalars(select(Location))
                if loc.slug not in self.seen["location"]
                and not self.session.scalar(
                    select(Location.id).where(Location.parent_id == loc.id).limit(1)
                )
            ]
            if not leaves:
                break
            for location in leaves:
                self._delete(LocationService(), "location", location, location.slug)

    def _delete(self, service: CrudService[Any], kind: str, obj: Any, key: Any) -> None:
        try:
            service.delete(self.session, self.principal, obj)
        except SignageError as exc:
            raise ImportProblem(
                self.root, None, f"--prune cannot delete {kind} {key!r}: {exc.message}"
            ) from exc
        self.report.count(self.report.deleted, kind)


def import_folder(
    session: Session, root: Path, media_dir: Path, *, prune: bool = False
) -> ImportReport:
    return Importer(session, root, media_dir).run(prune=prune)
