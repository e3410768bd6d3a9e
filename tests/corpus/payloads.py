"""A valid body for every JSON operation of the API and the kiosk endpoints, aimed at the
objects `conftest.populate` made: the corpus changes one place of it at a time."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from signage.db import utcnow
from tests.corpus.conftest import Populated


def valid_bodies(populated: Populated) -> dict[str, Any]:
    world, ids = populated.world, populated.ids
    bibliotek = world.locations["bibliotek"]
    names = {
        "locations": {
            "slug": "ny-filial",
            "name": "Filial",
            "parent_id": world.locations["kultur"],
        },
        "displays": {"name": "Skranke", "location_id": bibliotek},
        "groups": {
            "slug": "ny-gruppe",
            "name": "Foyer",
            "location_id": bibliotek,
            "display_ids": [ids["displays"]],
        },
        "themes": {
            "slug": "ny-jul",
            "name": "Jul",
            "location_id": bibliotek,
            "year": 2030,
            "color": "#aa0000",
        },
        "users": {"email": "ny@example.dk", "name": "Ny", "password": "a long enough secret"},
        "grants": {"user_id": ids["users"], "role": "editor", "location_id": bibliotek},
        "slides": {
            "title": "Velkommen",
            "location_id": bibliotek,
            "fields": {"heading": "Hej", "body": "Åbent i dag"},
            "variants": {"en": {"heading": "Hello"}},
            "alt": "Et skilt",
        },
        "playlists": {
            "slug": "ny-morgen",
            "name": "Morgen",
            "location_id": bibliotek,
            "items": [{"slide_id": ids["slides"], "duration": 10}],
        },
        "schedules": {
            "playlist_id": ids["playlists"],
            "location_id": bibliotek,
            "target": {"display_id": ids["displays"]},
            "rrule": "FREQ=WEEKLY;BYDAY=MO",
            "window": ["08:00", "16:00"],
            "exdates": ["2030-01-01"],
        },
        "feeds": {"name": "Intranet", "location_id": bibliotek, "kind": "push"},
    }
    bodies: dict[str, Any] = {}
    for name, body in names.items():
        bodies[f"{name}_create"] = body
        bodies[f"{name}_update"] = {k: v for k, v in body.items() if k not in ("slug", "email")}
    bodies["grants_update"] = {"role": "viewer"}
    bodies["users_update"] = {"name": "Korpus"}
    bodies |= {
        "slides_approve": {"note": "Fint"},
        "slides_reject": {"note": "Ret stavefejl"},
        "displays_pair": {"code": "ACDEFGHJ", "name": "Ny skærm", "location_id": bibliotek},
        "displays_commands": {"action": "identify"},
        "alerts_create": {
            "title": "Brand",
            "body": "Forlad bygningen",
            "severity": "info",
            "targets": {"display_ids": [ids["displays"]]},
            "variants": {"en": {"title": "Fire", "body": "Leave the building"}},
        },
        "feeds_push": {
            "items": [
                {
                    "title": "Møde",
                    "summary": "Om budgettet",
                    "place": "Sal 1",
                    "starts": "2030-01-01T10:00:00+01:00",
                    "ends": "2030-01-01T11:00:00+01:00",
                }
            ]
        },
        "brand_update": {
            "name": "Kommunen",
            "palette": {"text": "#1a1a1a", "background": "#ffffff"},
            "font": "sans-serif",
        },
        # The kiosk's own endpoints (not in the API document; a device token, not a user's)
        "player_heartbeat": {
            "player_version": "p1",
            "version": "abc",
            "slide": 7,
            "screen": [1920, 1080],
            "clock_skew_ms": -250,
        },
        "player_claim": {"claim_secret": "not a secret anybody was given"},
        "player_plays": [
            {
                "id": "play-00000001",
                "slide": ids["slides"],
                "revision": 1,
                "language": "da",
                "started_at": (utcnow() - timedelta(minutes=5)).isoformat(),
                "duration_ms": 8000,
            }
        ],
    }
    return bodies


QUERY_VALUES = {
    "limit": "10",
    "from": "2030-01-01",
    "to": "2030-01-02",
    "at": "2030-01-01T10:00:00+01:00",
    "group_by": "slide",
    "region": "main",
}
