"""The signed-in user's notifications: screens of theirs that went offline inside their
power windows and came back (`signage.monitoring.notices` writes them). The menu shows
how many are unread."""

from __future__ import annotations

from datetime import datetime

from flask import flash, redirect, render_template, url_for
from flask_babel import format_datetime
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from signage.console.base import me, page
from signage.db import utcnow
from signage.monitoring import notices
from signage.policy import MANAGER
from signage.web import db_session

SHOWN = 200  # the newest; older ones stay in the database until their user goes


def when(at: datetime) -> str:
    return str(format_datetime(at, "short"))


@page("/console/notifications", MANAGER)
def notifications() -> str:
    user_id = me().user_id
    listed = notices.listed(db_session(), user_id, SHOWN) if user_id else []
    shown = [(item, notices.describe(item.facts, _, when)) for item in listed]
    return render_template("console/notifications.html", shown=shown)


@page("/console/notifications/read", MANAGER, methods=("POST",))
def notifications_read() -> Response:
    user_id = me().user_id
    session = db_session()
    if user_id:
        notices.mark_read(session, user_id, utcnow())
        session.commit()
    flash(_("Every notification is marked as read."), "success")
    return redirect(url_for("console.notifications"))
