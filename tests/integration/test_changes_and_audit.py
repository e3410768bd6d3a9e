"""Every write that can affect a display appends to `changes` in the same transaction,
and every write is in the audit log."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from signage.accounts.models import AuditEvent
from signage.db import Database
from signage.scheduling.models import Change
from tests.factories import World


def changes_since(database: Database, after: int) -> list[tuple[str, int | None]]:
    with database.sessions() as session:
        rows = session.execute(
            select(Change.kind, Change.entity_id).where(Change.id > after).order_by(Change.id)
        ).all()
    return [(row.kind, row.entity_id) for row in rows]


def last_change(database: Database) -> int:
    with database.sessions() as session:
        return session.scalar(select(func.max(Change.id))) or 0


def test_api_writes_append_changes(as_user: Any, world: World, database: Database) -> None:
    start = last_change(database)
    playlist = (
        as_user("manager")
        .post("playlists", {"slug": "p", "name": "P", "location_id": world.locations["bibliotek"]})
        .get_json()
    )
    schedule = (
        as_user("manager")
        .post(
            "schedules",
            {"playlist_id": playlist["id"], "target": {"display_id": world.displays["bibliotek"]}},
        )
        .get_json()
    )
    as_user("manager").patch(f"displays/{world.displays['bibliotek']}", {"rotation": 180})
    assert changes_since(database, start) == [
        ("playlist", playlist["id"]),
        ("schedule", schedule["id"]),
        ("display", world.displays["bibliotek"]),
    ]


def test_a_refused_write_appends_no_change(as_user: Any, world: World, database: Database) -> None:
    start = last_change(database)
    as_user("manager").post("displays", {"name": "X", "location_id": world.locations["plejehjem"]})
    as_user("manager").patch(f"displays/{world.displays['bibliotek']}", {"orientation": "sideways"})
    assert changes_since(database, start) == []


def test_an_update_that_changes_nothing_appends_nothing(
    as_user: Any, world: World, database: Database
) -> None:
    start = last_change(database)
    as_user("manager").patch(f"displays/{world.displays['bibliotek']}", {"name": "Indgang"})
    assert changes_since(database, start) == []


def test_writes_are_audited_with_the_actor(as_user: Any, world: World, database: Database) -> None:
    theme = (
        as_user("communicator")
        .post("themes", {"slug": "t", "name": "T", "location_id": world.locations["kommune"]})
        .get_json()
    )
    with database.sessions() as session:
        event = session.scalars(select(AuditEvent).order_by(AuditEvent.id.desc())).first()
    assert event is not None
    assert (event.action, event.entity_id, event.actor_label) == (
        "theme.create",
        theme["id"],
        "communicator@example.dk",
    )
    audit = as_user("admin").get("audit", query_string={"limit": 500}).get_json()["items"]
    assert audit[-1]["action"] == "theme.create"
    assert as_user("communicator").get("audit").status_code == 403


def test_deleting_a_user_keeps_their_audit_trail_under_a_pseudonym(
    as_user: Any, world: World, database: Database
) -> None:
    as_user("editor").post(
        "slides",
        {
            "title": "S",
            "location_id": world.locations["bibliotek"],
            "kind": "text",
            "fields": {"heading": "S"},
        },
    )
    assert as_user("admin").delete(f"users/{world.users['editor']}").status_code == 204
    with database.sessions() as session:
        labels = set(
            session.scalars(
                select(AuditEvent.actor_label).where(AuditEvent.action == "slide.create")
            )
        )
    assert "editor@example.dk" not in labels
    assert any(label.startswith("deleted-user-") for label in labels)
