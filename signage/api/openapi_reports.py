"""OpenAPI paths of the reports: proof of play and display uptime."""

from __future__ import annotations

from typing import Any

from signage.api.openapi import BOOL, ERRORS, INT, STR, TIME, answer, array, nullable, shape
from signage.reports.services import GROUP_BYS

NUMBER: dict[str, Any] = {"type": "number"}
KEY = {"anyOf": [INT, STR, {"type": "null"}]}
FIGURES = shape(plays=INT, seconds=NUMBER)
PERIOD_PARAMS = [
    {
        "name": name,
        "in": "query",
        "description": f"{what}: a date (local midnight in SIGNAGE_TIMEZONE) or an ISO "
        "8601 instant with its offset on a whole hour",
        "schema": STR,
    }
    for name, what in (
        ("from", "Start (default: 30 days before `to`)"),
        ("to", "End, exclusive (default: tomorrow's midnight)"),
    )
]
PLAY_LINE = {
    "type": "object",
    "properties": {
        "key": KEY,
        "label": nullable(STR),
        "plays": INT,
        "seconds": NUMBER,
        "alert_plays": INT,
        "alert_seconds": NUMBER,
    },
    "required": ["key", "label", "plays", "seconds"],
}
PLAY_REPORT = shape(
    **{"from": TIME, "to": TIME},
    timezone=STR,
    group_by={"enum": list(GROUP_BYS)},
    items=array(PLAY_LINE),
    total=FIGURES,
    alerts=FIGURES,
    next={"type": "null"},
)
AVAILABILITY = shape(
    display=shape(id=INT, name=STR, location=STR),
    seen=BOOL,
    uptime=nullable(NUMBER),
    watched_seconds=NUMBER,
    offline_seconds=NUMBER,
    outages=array(shape(start=TIME, end=nullable(TIME))),
)
UPTIME_REPORT = shape(
    **{"from": TIME, "to": TIME}, items=array(AVAILABILITY), next={"type": "null"}
)


def report_paths() -> dict[str, Any]:
    return {
        "/api/v1/reports/plays": {
            "get": {
                "summary": "Plays and screen time by slide, annual theme, location, display or "
                "day, from the hourly and daily roll-ups (at most a minute behind) of the "
                "displays inside the caller's grants. Alerts' screen time is apart: per line "
                "when grouped by location, display or day, and in `alerts` always. A line "
                "with key null is a deleted slide, or slides without a theme",
                "operationId": "reports_plays",
                "parameters": [
                    *PERIOD_PARAMS,
                    {"name": "group_by", "in": "query", "schema": {"enum": list(GROUP_BYS)}},
                ],
                "responses": {"200": answer("The report", PLAY_REPORT), **ERRORS},
            }
        },
        "/api/v1/reports/uptime": {
            "get": {
                "summary": "Uptime and offline periods of each display inside the caller's "
                "grants (the latest 200 outages listed per display; all counted)",
                "operationId": "reports_uptime",
                "parameters": PERIOD_PARAMS,
                "responses": {"200": answer("The report", UPTIME_REPORT), **ERRORS},
            }
        },
    }
