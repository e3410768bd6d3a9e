"""Administration (journey 5): a hub linking to users and grants, locations, groups of
screens, the brand, the annual themes and the audit log. Each section opens to the roles
whose services let them write it; the pages only read forms and call those services."""

from signage.console.admin import (  # noqa: F401 - importing registers the pages
    audit,
    brand,
    groups,
    hub,
    locations,
    themes,
    users,
)
