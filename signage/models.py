"""Every model of the domain, imported in one place for Alembic and `create_all`."""

from signage.accounts.models import ApiToken, AuditEvent, Grant, Setting, User
from signage.alerts.models import Alert, AlertDelivery
from signage.content.models import (
    Media,
    Playlist,
    PlaylistItem,
    Rendition,
    Slide,
    SlideRevision,
    Theme,
)
from signage.db import Base
from signage.feeds.models import Feed
from signage.monitoring.models import Counter, DisplayOutage, Notification, OutgoingMail
from signage.reports.models import PlayDay, PlayEvent, PlayHour, PlayMark
from signage.scheduling.models import Change, JobRun, Manifest, PropagatorState, Schedule
from signage.screens.models import (
    Display,
    Group,
    GroupMember,
    Location,
    Pairing,
    RevokedToken,
)

__all__ = [
    "Alert",
    "AlertDelivery",
    "ApiToken",
    "AuditEvent",
    "Base",
    "Change",
    "Counter",
    "Display",
    "DisplayOutage",
    "Feed",
    "Grant",
    "Group",
    "GroupMember",
    "JobRun",
    "Location",
    "Manifest",
    "Media",
    "Notification",
    "OutgoingMail",
    "Pairing",
    "PlayDay",
    "PlayEvent",
    "PlayHour",
    "PlayMark",
    "Playlist",
    "PlaylistItem",
    "PropagatorState",
    "Rendition",
    "RevokedToken",
    "Schedule",
    "Setting",
    "Slide",
    "SlideRevision",
    "Theme",
    "User",
]

# Registers the session hook that appends to `changes` on every relevant write.
import signage.scheduling.changes  # noqa: F401
