"""The administration hub: the sections the signed-in user may open."""

from __future__ import annotations

from flask import render_template

from signage.console.admin.sections import SECTIONS
from signage.console.base import me, page
from signage.policy import MANAGER


@page("/console/admin", MANAGER)
def admin() -> str:
    principal = me()
    shown = [section for section in SECTIONS if section.opens(principal)]
    return render_template("console/admin/hub.html", sections=shown)
