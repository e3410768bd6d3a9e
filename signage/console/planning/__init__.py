"""Screens, playlists and schedules: the facility manager's pages (journey 3)."""

from __future__ import annotations

from flask import render_template

from signage.console.base import me, page
from signage.policy import VIEWER
from signage.screens.services import DisplayService
from signage.web import db_session


@page("/console/displays/<int:display_id>", VIEWER)
def display(display_id: int) -> str:
    """One screen: where it is and what it shows."""
    shown = DisplayService().get(db_session(), me(), display_id)
    return render_template("console/planning/display.html", display=shown)
