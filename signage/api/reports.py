"""Report routes of the JSON API: proof of play and display uptime, within the caller's
locations."""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

from flask import Response, current_app, jsonify, request

from signage.api.views import bp, principal
from signage.db import utcnow
from signage.reports.services import Line, Period, parse_period, play_report
from signage.reports.uptime import Availability, uptime_report
from signage.web import db_session

MAX_OUTAGES_LISTED = 200  # per display; the offline time counts them all


def period() -> Period:
    zone = ZoneInfo(current_app.config["SIGNAGE"].timezone)
    return parse_period(request.args.get("from"), request.args.get("to"), zone, utcnow())


def figures(line: Line, *, alerts: bool) -> dict[str, Any]:
    found: dict[str, Any] = {"plays": line.plays, "seconds": line.seconds}
    if alerts:
        found |= {"alert_plays": line.alert_plays, "alert_seconds": line.alert_seconds}
    return found


@bp.get("/reports/plays")
def reports_plays() -> Response:
    span = period()
    report = play_report(db_session(), principal(), span, request.args.get("group_by", "slide"))
    return jsonify(
        {
            "from": span.start.isoformat(),
            "to": span.end.isoformat(),
            "timezone": span.zone.key,
            "group_by": report.group_by,
            "items": [
                {"key": line.key, "label": line.label} | figures(line, alerts=report.with_alerts)
                for line in report.lines
            ],
            "total": figures(report.total, alerts=False),
            "alerts": figures(report.alerts, alerts=False),
            "next": None,
        }
    )


def availability(found: Availability) -> dict[str, Any]:
    return {
        "display": {"id": found.display_id, "name": found.name, "location": found.location},
        "seen": found.seen,
        "uptime": found.uptime,
        "watched_seconds": found.watched_s,
        "offline_seconds": found.offline_s,
        "outages": [
            {
                "start": outage.started_at.isoformat(),
                "end": outage.ended_at.isoformat() if outage.ended_at else None,
            }
            for outage in found.outages[-MAX_OUTAGES_LISTED:]
        ],
    }


@bp.get("/reports/uptime")
def reports_uptime() -> Response:
    span = period()
    items = uptime_report(db_session(), principal(), span, utcnow())
    return jsonify(
        {
            "from": span.start.isoformat(),
            "to": span.end.isoformat(),
            "items": [availability(found) for found in items],
            "next": None,
        }
    )
