"""Factories for domain objects, and the seeded municipality most tests start from.

Everything is created through the real services, as the API would."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.orm import Session

from signage.accounts.models import User
from signage.accounts.services import GrantService, UserService, create_token, system_principal
from signage.content.services import SlideService, mark_approved
from signage.db import Database
from signage.screens.services import DisplayService, LocationService

PASSWORD = "correct horse battery"

# (user name, role, location slug)
USERS = [
    ("admin", "admin", "kommune"),
    ("communicator", "communicator", "kommune"),
    ("viewer", "viewer", "kommune"),
    ("manager", "facility_manager", "bibliotek"),
    ("editor", "editor", "bibliotek"),
    ("other_editor", "editor", "plejehjem"),
    ("other_manager", "facility_manager", "plejehjem"),
]


@dataclass
class World:
    locations: dict[str, int] = field(default_factory=dict)
    users: dict[str, int] = field(default_factory=dict)
    tokens: dict[str, str] = field(default_factory=dict)
    displays: dict[str, int] = field(default_factory=dict)


def add_location(session: Session, slug: str, parent: int | None = None, **extra: Any) -> int:
    data = {"slug": slug, "name": slug.title(), "parent_id": parent, **extra}
    return LocationService().create(session, system_principal(session), data).id


def add_user(session: Session, email: str, role: str, location_id: int) -> User:
    principal = system_principal(session)
    user = UserService().create(session, principal, {"email": email, "password": PASSWORD})
    GrantService().create(
        session, principal, {"user_id": user.id, "role": role, "location_id": location_id}
    )
    return user


def add_display(session: Session, location_id: int, name: str, **extra: Any) -> int:
    data = {"name": name, "location_id": location_id, **extra}
    return DisplayService().create(session, system_principal(session), data).id


def add_slide(session: Session, location_id: int, heading: str, approved: bool = True) -> int:
    slide = SlideService().create(
        session,
        system_principal(session),
        {
            "title": heading,
            "location_id": location_id,
            "kind": "text",
            "fields": {"heading": heading},
        },
    )
    if approved:
        mark_approved(slide.latest, None)
    session.flush()
    return slide.id


def build_world(database: Database) -> World:
    """kommune → kultur → bibliotek, kommune → social → plejehjem; a user per role."""
    world = World()
    with database.transaction() as session:
        kommune = add_location(session, "kommune", timezone="Europe/Copenhagen")
        kultur = add_location(session, "kultur", kommune)
        social = add_location(session, "social", kommune)
        world.locations = {
            "kommune": kommune,
            "kultur": kultur,
            "social": social,
            "bibliotek": add_location(session, "bibliotek", kultur),
            "plejehjem": add_location(session, "plejehjem", social),
        }
        for name, role, slug in USERS:
            user = add_user(session, f"{name}@example.dk", role, world.locations[slug])
            world.users[name] = user.id
            world.tokens[name] = create_token(session, user)
        world.displays = {
            "bibliotek": add_display(session, world.locations["bibliotek"], "Indgang"),
            "plejehjem": add_display(session, world.locations["plejehjem"], "Personalestue"),
        }
    return world
