"""Propagation: changes reach exactly the displays they can affect, manifests are stored
with a content-hash version, and kiosks fetch them with ETags."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.exc import OperationalError

from signage.db import Database
from signage.scheduling import propagator as propagation
from signage.scheduling.models import Change, Manifest, PropagatorState
from signage.scheduling.propagator import Built, Propagator
from tests.factories import World, add_display

NOW = datetime(2026, 11, 26, 11, 0, tzinfo=UTC)  # a Thursday


@pytest.fixture
def published() -> list[tuple[int, str]]:
    return []


@pytest.fixture
def propagator(database: Database, published: list[tuple[int, str]]) -> Propagator:
    return Propagator(
        database,
        "Europe/Copenhagen",
        "da",
        publish=lambda d, v: published.append((d, v)),
        clock=lambda: NOW,
    )


def approved_slide(as_user: Any, world: World, location: str, heading: str) -> int:
    slide = (
        as_user("admin")
        .post(
            "slides",
            {
                "title": heading,
                "location_id": world.locations[location],
                "kind": "text",
                "fields": {"heading": heading},
            },
        )
        .get_json()
    )
    as_user("admin").post(f"slides/{slide['id']}/submit")
    assert as_user("admin").post(f"slides/{slide['id']}/approve").status_code == 200
    return slide["id"]  # type: ignore[no-any-return]


def playlist_on(as_user: Any, world: World, location: str, slide_id: int, slug: str) -> int:
    playlist = (
        as_user("admin")
        .post(
            "playlists",
            {
                "slug": slug,
                "name": slug,
                "location_id": world.locations[location],
                "items": [{"slide_id": slide_id}],
            },
        )
        .get_json()
    )
    schedule = as_user("admin").post(
        "schedules",
        {"playlist_id": playlist["id"], "target": {"location_id": world.locations[location]}},
    )
    assert schedule.status_code == 201, schedule.get_json()
    return playlist["id"]  # type: ignore[no-any-return]


def test_the_first_run_builds_every_manifest_and_the_next_builds_none(
    world: World, propagator: Propagator, published: list[tuple[int, str]]
) -> None:
    propagator.run_once()
    assert {d for d, _ in published} == set(world.displays.values())
    published.clear()
    assert propagator.run_once() == []


def test_a_schedule_change_on_a_workplace_republishes_only_its_displays(
    as_user: Any, world: World, propagator: Propagator, published: list[tuple[int, str]]
) -> None:
    propagator.run_once()
    published.clear()
    slide = approved_slide(as_user, world, "bibliotek", "Lektiecafé")
    playlist_on(as_user, world, "bibliotek", slide, "bib")
    propagator.run_once()
    assert [d for d, _ in published] == [world.displays["bibliotek"]]


def test_a_municipality_wide_schedule_reaches_every_display(
    as_user: Any, world: World, propagator: Propagator, published: list[tuple[int, str]]
) -> None:
    propagator.run_once()
    published.clear()
    slide = approved_slide(as_user, world, "kommune", "Trivsel")
    playlist_on(as_user, world, "kommune", slide, "central")
    propagator.run_once()
    assert {d for d, _ in published} == set(world.displays.values())


def test_an_approved_edit_republishes_and_a_pending_one_does_not(
    as_user: Any, world: World, propagator: Propagator, published: list[tuple[int, str]]
) -> None:
    slide = approved_slide(as_user, world, "bibliotek", "Åbent 10–17")
    playlist_on(as_user, world, "bibliotek", slide, "bib")
    propagator.run_once()
    published.clear()
    as_user("editor").patch(f"slides/{slide}", {"fields": {"heading": "Åbent 10–18"}})
    as_user("editor").post(f"slides/{slide}/submit")
    propagator.run_once()
    assert published == []  # the approved revision still plays: nothing changed on screen
    as_user("manager").post(f"slides/{slide}/approve")
    propagator.run_once()
    assert [d for d, _ in published] == [world.displays["bibliotek"]]


def test_deleting_a_schedule_republishes_the_displays_it_reached(
    as_user: Any, world: World, propagator: Propagator, published: list[tuple[int, str]]
) -> None:
    slide = approved_slide(as_user, world, "plejehjem", "Nattevagt")
    playlist = playlist_on(as_user, world, "plejehjem", slide, "nat")
    propagator.run_once()
    published.clear()
    schedules = as_user("admin").get("schedules", query_string={"playlist_id": playlist})
    schedule_id = schedules.get_json()["items"][0]["id"]
    assert as_user("admin").delete(f"schedules/{schedule_id}").status_code == 204
    propagator.run_once()
    assert [d for d, _ in published] == [world.displays["plejehjem"]]


def test_the_manifest_version_is_the_hash_of_its_body_without_server_time(
    as_user: Any, world: World, client: Any, propagator: Propagator
) -> None:
    slide = approved_slide(as_user, world, "bibliotek", "Lektiecafé")
    playlist_on(as_user, world, "bibliotek", slide, "bib")
    token = as_user("manager").post(f"displays/{world.displays['bibliotek']}/token").get_json()
    propagator.run_once()
    response = client.get(
        "/player/api/manifest", headers={"Authorization": f"Bearer {token['token']}"}
    )
    assert response.status_code == 200
    body = response.get_json()
    assert response.headers["ETag"] == f'"{body["version"]}"'
    version = body.pop("version")
    body.pop("server_time")
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    assert hashlib.sha256(canonical.encode()).hexdigest() == version
    assert body["display"] == world.displays["bibliotek"]
    assert str(slide) in body["slides"]
    assert any(entry["slide"] == slide for s in body["segments"] for entry in s["loop"])

    again = client.get(
        "/player/api/manifest",
        headers={"Authorization": f"Bearer {token['token']}", "If-None-Match": f'"{version}"'},
    )
    assert again.status_code == 304
    assert again.data == b""


def test_the_manifest_needs_a_device_token(client: Any, world: World, as_user: Any) -> None:
    assert client.get("/player/api/manifest").status_code == 401
    user_token = {"Authorization": f"Bearer {world.tokens['admin']}"}
    assert client.get("/player/api/manifest", headers=user_token).status_code == 401


def test_a_display_without_a_stored_manifest_gets_one_built_on_request(
    as_user: Any, world: World, client: Any
) -> None:
    token = as_user("manager").post(f"displays/{world.displays['bibliotek']}/token").get_json()
    response = client.get(
        "/player/api/manifest", headers={"Authorization": f"Bearer {token['token']}"}
    )
    assert response.status_code == 200
    assert response.get_json()["segments"]


def test_schedule_changes_on_the_warm_snapshot_give_what_a_cold_rebuild_gives(
    as_user: Any,
    world: World,
    database: Database,
    propagator: Propagator,
    published: list[tuple[int, str]],
) -> None:
    slide = approved_slide(as_user, world, "bibliotek", "Lektiecafé")
    playlist = playlist_on(as_user, world, "bibliotek", slide, "bib")
    propagator.run_once()
    schedule = as_user("admin").get("schedules", query_string={"playlist_id": playlist})
    schedule_id = schedule.get_json()["items"][0]["id"]
    published.clear()
    changed = as_user("manager").patch(f"schedules/{schedule_id}", {"window": ["09:00", "12:00"]})
    assert changed.status_code == 200
    moved = as_user("admin").post(
        "schedules",
        {
            "playlist_id": playlist,
            "target": {"location_id": world.locations["plejehjem"]},
            "window": ["22:00", "06:00"],
        },
    )
    assert moved.status_code == 201
    assert propagator._is_warm_for(pending_changes(database, propagator))
    propagator.run_once()
    assert sorted(d for d, _ in published) == sorted(world.displays.values())

    cold = Propagator(database, "Europe/Copenhagen", "da", clock=lambda: NOW)
    with database.sessions() as session:
        expected = {b.display_id: b.version for b in cold.compute(session, None)}
        stored = dict(session.execute(select(Manifest.display_id, Manifest.version)).all())
    assert stored == expected


def pending_changes(database: Database, propagator: Propagator) -> list[Change]:
    with database.sessions() as session:
        state = session.get(PropagatorState, "manifests")
        after = state.last_change_id if state else 0
        return list(session.scalars(select(Change).where(Change.id > after)))


def test_a_playlist_made_while_no_schedule_reaches_it_plays_once_it_is_scheduled(
    as_user: Any, world: World, database: Database, propagator: Propagator
) -> None:
    propagator.run_once()  # warm: the next schedule change is applied to this snapshot
    slide = approved_slide(as_user, world, "bibliotek", "Lektiecafé")
    playlist = as_user("admin").post(
        "playlists",
        {
            "slug": "ny",
            "name": "Ny",
            "location_id": world.locations["bibliotek"],
            "items": [{"slide_id": slide}],
        },
    )
    assert propagator.run_once() == []  # no display shows the playlist yet
    scheduled = as_user("admin").post(
        "schedules",
        {
            "playlist_id": playlist.get_json()["id"],
            "target": {"location_id": world.locations["bibliotek"]},
        },
    )
    assert scheduled.status_code == 201
    propagator.run_once()

    with database.sessions() as session:
        manifest = session.get(Manifest, world.displays["bibliotek"])
        assert manifest is not None
        body = json.loads(manifest.body)
    assert any(entry["slide"] == slide for s in body["segments"] for entry in s["loop"])


def test_a_run_cut_short_between_batches_is_finished_by_the_next_and_none_published_twice(
    world: World,
    database: Database,
    propagator: Propagator,
    published: list[tuple[int, str]],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Manifests are stored a batch at a time and published as each batch commits; the
    change log moves only with the last batch."""
    monkeypatch.setattr(propagation, "STORE_BATCH", 2)
    with database.transaction() as session:
        added = {add_display(session, world.locations["bibliotek"], n) for n in "ABC"}
    fleet = set(world.displays.values()) | added  # five displays: batches of 2, 2 and 1
    store = Propagator._store
    batches: list[list[int]] = []

    def store_until_the_database_goes(
        self: Propagator, batch: list[Built], last_change_id: int | None
    ) -> list[tuple[int, str]]:
        batches.append([b.display_id for b in batch])
        if len(batches) == 2:
            raise OperationalError("UPDATE manifests", {}, Exception("database is locked"))
        return store(self, batch, last_change_id)

    monkeypatch.setattr(Propagator, "_store", store_until_the_database_goes)
    with pytest.raises(OperationalError):
        propagator.run_once()
    first = {d for d, _ in published}
    assert first == set(batches[0])
    assert len(first) == 2
    with database.sessions() as session:
        assert session.get(PropagatorState, "manifests") is None  # the log did not move
        assert set(session.scalars(select(Manifest.display_id))) == first

    monkeypatch.setattr(Propagator, "_store", store)
    published.clear()
    propagator.run_once()
    assert sorted(d for d, _ in published) == sorted(fleet - first)
    with database.sessions() as session:
        assert set(session.scalars(select(Manifest.display_id))) == fleet
    assert propagator.run_once() == []  # the log moved past the changes with the last batch
