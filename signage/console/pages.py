"""Every console page module, imported once so their routes join the blueprint."""

from signage.console import (  # noqa: F401 - importing registers the pages
    admin,
    alerts,
    dashboard,
    feeds,
    library,
    moderation,
    notifications,
    planning,
    reports,
    slides,
    sso,
    views,
)
from signage.console.base import bp

__all__ = ["bp"]
