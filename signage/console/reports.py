"""Reports in the console: plays and screen time by slide, theme, location, screen or
day, and screen uptime with offline periods; each with a bar chart drawn here as SVG
(no script: the table beside it holds the same figures for screen readers) and a CSV
export for Danish Excel. The figures and their scope come from `signage.reports`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from zoneinfo import ZoneInfo

from flask import Response, current_app, render_template, request
from flask_babel import format_decimal
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from signage.console.base import me, page
from signage.db import utcnow
from signage.policy import VIEWER
from signage.reports.export import Cell, csv_bytes
from signage.reports.services import (
    DEFAULT_DAYS,
    MAX_DAYS,
    BadPeriod,
    Line,
    Period,
    PlayReport,
    parse_period,
    play_report,
)
from signage.reports.uptime import uptime_report
from signage.web import db_session

GROUPS = (
    ("slide", _l("Slide")),
    ("theme", _l("Annual theme")),
    ("location", _l("Location")),
    ("display", _l("Screen")),
    ("day", _l("Day")),
)
CHART_ROWS = 31
CHART_WIDTH, LABEL_WIDTH, BAR_WIDTH, ROW_HEIGHT = 640, 210, 330, 26
LABEL_CHARS = 28


# -- the period form ------------------------------------------------------------------------
@dataclass(frozen=True)
class Choice:
    """What the form asked for: local dates, both included, and a grouping."""

    first: date
    last: date
    group_by: str
    problem: str | None = None

    def args(self, **change: str) -> dict[str, str]:
        found = {"from": self.first.isoformat(), "to": self.last.isoformat()}
        found["group_by"] = self.group_by
        return found | change


def zone() -> ZoneInfo:
    return ZoneInfo(current_app.config["SIGNAGE"].timezone)


def choice(args: Mapping[str, str]) -> tuple[Choice, Period]:
    """The form's dates as a period; a date that cannot be read, or a period too long or
    backwards, gives the last 30 days and says why."""
    today = utcnow().astimezone(zone()).date()
    group_by = args.get("group_by", "slide")
    if group_by not in dict(GROUPS):
        group_by = "slide"
    try:
        first = date.fromisoformat(args.get("from") or str(today - timedelta(DEFAULT_DAYS - 1)))
        last = date.fromisoformat(args.get("to") or str(today))
        span = parse_period(str(first), str(last + timedelta(days=1)), zone(), utcnow())
    except (ValueError, BadPeriod):
        first, last = today - timedelta(days=DEFAULT_DAYS - 1), today
        span = parse_period(str(first), str(last + timedelta(days=1)), zone(), utcnow())
        problem = _("Choose a first and a last day, at most %(days)s days apart.", days=MAX_DAYS)
        return Choice(first, last, group_by, problem), span
    return Choice(first, last, group_by), span


# -- the chart ------------------------------------------------------------------------------
@dataclass(frozen=True)
class Bar:
    label: str
    text: str  # the value as shown beside the bar
    y: int
    width: float

    @property
    def value_x(self) -> float:
        return LABEL_WIDTH + self.width + 6


@dataclass(frozen=True)
class Chart:
    """Geometry in SVG user units; the SVG scales to the page's width."""

    bars: list[Bar]
    width: int
    height: int
    shown: int
    of: int
    label_x = LABEL_WIDTH - 8
    bar_x = LABEL_WIDTH
    bar_height = ROW_HEIGHT - 8
    text_y = ROW_HEIGHT // 2 + 5


def bar_chart(values: list[tuple[str, float, str]]) -> Chart:
    """Horizontal bars, the largest value full width; at most CHART_ROWS of them."""
    shown = values[:CHART_ROWS]
    top = max((value for _, value, _ in shown), default=0) or 1
    bars = [
        Bar(_short(label), text, index * ROW_HEIGHT, max(value / top * BAR_WIDTH, 0.0))
        for index, (label, value, text) in enumerate(shown)
    ]
    return Chart(bars, CHART_WIDTH, max(len(bars), 1) * ROW_HEIGHT, len(bars), len(values))


def _short(label: str) -> str:
    return label if len(label) <= LABEL_CHARS else label[: LABEL_CHARS - 1] + "…"


def minutes(ms: int) -> str:
    return str(format_decimal(ms / 60_000, format="#,##0.0"))


# -- plays ----------------------------------------------------------------------------------
def label_of(report: PlayReport, line: Line) -> str:
    if line.label is not None:
        return line.label
    return {
        "slide": _("Deleted slide"),
        "theme": _("No theme"),
    }.get(report.group_by, _("Deleted"))


@page("/console/reports", VIEWER)
def reports() -> tuple[str, int]:
    chosen, span = choice(request.args)
    report = play_report(db_session(), me(), span, chosen.group_by)
    lines = report.lines
    if chosen.group_by == "day":
        lines = lines[-CHART_ROWS:]  # the latest days, in order
    chart = bar_chart(
        [(label_of(report, line), line.duration_ms, minutes(line.duration_ms)) for line in lines]
    )
    return render_template(
        "console/reports/plays.html",
        chosen=chosen,
        groups=GROUPS,
        report=report,
        chart=chart,
        label_of=label_of,
        minutes=minutes,
    ), 400 if chosen.problem else 200


@page("/console/reports/plays.csv", VIEWER)
def reports_plays_csv() -> Response:
    chosen, span = choice(request.args)
    report = play_report(db_session(), me(), span, chosen.group_by)
    header = [str(dict(GROUPS)[chosen.group_by]), _("Plays"), _("Screen time (seconds)")]
    if report.with_alerts:
        header += [_("Alerts shown"), _("Alert screen time (seconds)")]
    rows: list[list[Cell]] = []
    for line in report.lines:
        row: list[Cell] = [label_of(report, line), line.plays, line.seconds]
        if report.with_alerts:
            row += [line.alert_plays, line.alert_seconds]
        rows.append(row)
    if not report.with_alerts:
        rows.append([_("Alerts (kept apart)"), report.alerts.plays, report.alerts.seconds])
    return _csv(header, rows, f"{_('plays')}-{chosen.group_by}", chosen)


# -- uptime ---------------------------------------------------------------------------------
def percent(share: float | None) -> str:
    return "–" if share is None else str(format_decimal(share * 100, format="#,##0.0")) + " %"


@page("/console/reports/uptime", VIEWER)
def reports_uptime() -> tuple[str, int]:
    chosen, span = choice(request.args)
    found = uptime_report(db_session(), me(), span, utcnow())
    seen = [item for item in found if item.uptime is not None]
    chart = bar_chart([(item.name, item.uptime or 0.0, percent(item.uptime)) for item in seen])
    outages = sorted(
        ((item, outage) for item in found for outage in item.outages),
        key=lambda pair: pair[1].started_at,
        reverse=True,
    )
    return render_template(
        "console/reports/uptime.html",
        chosen=chosen,
        items=found,
        chart=chart,
        outages=outages[:200],
        outage_count=len(outages),
        percent=percent,
        hours=lambda seconds: str(format_decimal(seconds / 3600, format="#,##0.0")),
        span_end=min(span.end, utcnow()),
    ), 400 if chosen.problem else 200


@page("/console/reports/uptime.csv", VIEWER)
def reports_uptime_csv() -> Response:
    chosen, span = choice(request.args)
    found = uptime_report(db_session(), me(), span, utcnow())
    header = [
        _("Screen"),
        _("Location"),
        _("Uptime (%)"),
        _("Offline (hours)"),
        _("Outages"),
    ]
    rows: list[list[Cell]] = [
        [
            item.name,
            item.location,
            None if item.uptime is None else item.uptime * 100,
            item.offline_s / 3600,
            len(item.outages),
        ]
        for item in found
    ]
    return _csv(header, rows, _("uptime"), chosen)


@page("/console/reports/outages.csv", VIEWER)
def reports_outages_csv() -> Response:
    chosen, span = choice(request.args)
    found = uptime_report(db_session(), me(), span, utcnow())
    header = [_("Screen"), _("Location"), _("Offline from"), _("Online again")]
    rows: list[list[Cell]] = [
        [item.name, item.location, outage.started_at, outage.ended_at]
        for item in found
        for outage in item.outages
    ]
    return _csv(header, rows, _("outages"), chosen)


def _csv(header: list[str], rows: list[list[Cell]], name: str, chosen: Choice) -> Response:
    body = csv_bytes(header, rows, zone())
    filename = f"{name}-{chosen.first.isoformat()}-{chosen.last.isoformat()}.csv"
    return Response(
        body,
        mimetype="text/csv",
        headers={
            "Content-Type": "text/csv; charset=utf-8",
            "Content-Disposition": f'attachment; filename="{filename}"',
        },
    )
