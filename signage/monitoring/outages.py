"""Which displays are out: silent past a threshold while their power windows say they
should be on. A display switched off for the night is not out; one that has not come
back a few minutes after its window opened is.

`powered_since` and `is_out` are rules on the resolver's own display specs; `sweep`
records outages opening and closing. What staff are told is `signage.monitoring.notices`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from signage.core.model import DisplaySpec
from signage.core.occurrences import merge, occurrences
from signage.monitoring.models import DisplayOutage
from signage.scheduling.snapshot import display_specs, holiday_dates
from signage.screens.models import Display

OFFLINE = "display_offline"
ONLINE = "display_online"
ALWAYS_ON = datetime.min.replace(tzinfo=UTC)  # a display without power windows
# A window that started before this many local days ago still counts from its start.
LOOK_BACK_DAYS = 2


@dataclass(frozen=True)
class OutageEvent:
    """An outage began (`OFFLINE`) or ended (`ONLINE`); announced once each."""

    kind: str
    outage: DisplayOutage


def powered_since(
    spec: DisplaySpec, now: datetime, holidays: Mapping[str, frozenset[date]]
) -> datetime | None:
    """When the power window that `now` lies in began; None outside every window."""
    if not spec.power:
        return ALWAYS_ON
    zone = ZoneInfo(spec.timezone)
    today = now.astimezone(zone).date()
    first = today - timedelta(days=LOOK_BACK_DAYS)
    spans = [
        span
        for recurrence in spec.power
        for span in occurrences(recurrence, zone, first, today, holidays)
    ]
    return next((start for start, end in merge(spans) if start <= now < end), None)


def is_out(
    spec: DisplaySpec,
    last_seen: datetime,
    now: datetime,
    threshold: timedelta,
    holidays: Mapping[str, frozenset[date]],
) -> bool:
    """Silent for `threshold` of the time it should have been on: counted from its last
    heartbeat, or from the start of the current window when that is later (a kiosk
    switched on at 06:30 has until 06:35 to report)."""
    since = powered_since(spec, now, holidays)
    return since is not None and now - max(last_seen, since) >= threshold


def sweep(
    session: Session, now: datetime, threshold: timedelta, default_timezone: str
) -> list[OutageEvent]:
    """Close the outages of displays heard from again, open those of displays now out."""
    return [*_close_ended(session), *_open_new(session, now, threshold, default_timezone)]


def _close_ended(session: Session) -> list[OutageEvent]:
    rows = session.execute(
        select(DisplayOutage, Display.last_seen_at)
        .join(Display, Display.id == DisplayOutage.display_id)
        .where(
            DisplayOutage.ended_at.is_(None),
            Display.last_seen_at > DisplayOutage.last_seen_at,
        )
        .order_by(DisplayOutage.id)
    ).all()
    for outage, seen in rows:
        outage.ended_at = seen
    return [OutageEvent(ONLINE, outage) for outage, _seen in rows]


def _open_new(
    session: Session, now: datetime, threshold: timedelta, default_timezone: str
) -> list[OutageEvent]:
    still_out = select(DisplayOutage.display_id).where(DisplayOutage.ended_at.is_(None))
    # Only kiosks that have reported at all and still hold a token can go missing.
    rows = session.execute(
        select(Display.id, Display.last_seen_at).where(
            Display.token_hash.is_not(None),
            Display.last_seen_at.is_not(None),
            Display.last_seen_at <= now - threshold,
            Display.id.not_in(still_out),
        )
    )
    silent = {row.id: row.last_seen_at for row in rows}
    if not silent:
        return []
    specs = display_specs(session, default_timezone, set(silent))
    holidays = holiday_dates(range(now.year - 1, now.year + 1))
    opened = [
        DisplayOutage(display_id=display_id, last_seen_at=seen, detected_at=now)
        for display_id, seen in sorted(silent.items())
        if seen is not None and is_out(specs[display_id], seen, now, threshold, holidays)
    ]
    session.add_all(opened)
    session.flush()
    return [OutageEvent(OFFLINE, outage) for outage in opened]
