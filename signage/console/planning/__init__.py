"""Screens, playlists and schedules: the facility manager's pages (journey 3).

Importing the package registers its pages on the console blueprint.
"""

from signage.console.planning import displays, playlists, schedules, weeks

__all__ = ["displays", "playlists", "schedules", "weeks"]
