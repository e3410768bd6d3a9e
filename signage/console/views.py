"""The staff console: sign-in, sign-out, language choice and the start page.

Server-rendered; Danish by default. Pages stay thin and call domain services.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import (
    Response,
    make_response,
    redirect,
    render_template,
    request,
    send_from_directory,
    url_for,
)
from flask import session as cookie_session
from flask_babel import gettext as _
from flask_login import login_user, logout_user
from sqlalchemy import func, select
from werkzeug.wrappers import Response as WerkzeugResponse

from signage.accounts.services import authenticate
from signage.console.base import me, page
from signage.console.forms import LoginForm
from signage.content.models import Slide, SlideRevision
from signage.errors import NotFound
from signage.player.version import node_modules
from signage.policy import LOGIN, PUBLIC
from signage.screens.models import Display, Location
from signage.web import db_session

LANGUAGES = ("da", "en")
# Served name → path inside node_modules (package.json pins the packages).
LIBRARIES = {
    "htmx.min.js": "htmx.org/dist/htmx.min.js",
    "Sortable.min.js": "sortablejs/Sortable.min.js",
    "socket.io.min.js": "socket.io-client/dist/socket.io.min.js",
}
LANGUAGE_COOKIE = "signage_lang"


@page("/", PUBLIC)
def root() -> WerkzeugResponse:
    return redirect(url_for("console.index"))


@page("/login", PUBLIC, methods=("GET", "POST"))
def login() -> str | WerkzeugResponse:
    form = LoginForm()
    error = None
    if form.validate_on_submit():
        session = db_session()
        user = authenticate(session, form.email.data or "", form.password.data or "")
        if user is not None:
            session.commit()
            cookie_session.clear()  # a fresh session (and CSRF token) for the signed-in user
            login_user(user)
            return redirect(_safe_next(request.args.get("next")))
        error = _("Wrong email or password.")
        status = 401
    elif request.method == "POST":
        # The CSRF token was checked before the view; a field is empty, too long or odd.
        error = _("Enter your email and password.")
        status = 400
    else:
        status = 200
    return render_template("console/login.html", form=form, error=error), status  # type: ignore[return-value]


@page("/logout", LOGIN, methods=("POST",))
def logout() -> WerkzeugResponse:
    logout_user()
    return redirect(url_for("console.login"))


@page("/language", PUBLIC, methods=("POST",))
def set_language() -> Response:
    language = request.form.get("language", "")
    target = _safe_next(request.form.get("next"))
    response = make_response(redirect(target))
    if language in LANGUAGES:
        response.set_cookie(
            LANGUAGE_COOKIE, language, max_age=365 * 24 * 3600, samesite="Lax", httponly=True
        )
    return response


@page("/console/lib/<name>", PUBLIC)
def library(name: str) -> Response:
    """A whitelisted browser library from node_modules (installed by `make install`)."""
    path = LIBRARIES.get(name)
    if path is None or not (node_modules() / path).is_file():
        raise NotFound("there is no such console library (has `npm ci` run?)")
    response = send_from_directory(node_modules(), path, mimetype="text/javascript")
    response.headers["Cache-Control"] = "public, max-age=3600"
    return response


@page("/console", LOGIN)
def index() -> str:
    session = db_session()
    principal = me()
    readable = principal.readable()
    displays = session.scalar(
        select(func.count()).select_from(Display).where(Display.location_id.in_(readable))
    )
    pending = session.scalar(
        select(func.count(func.distinct(Slide.id)))
        .join(SlideRevision, SlideRevision.slide_id == Slide.id)
        .where(Slide.location_id.in_(readable), SlideRevision.status == "pending")
    )
    locations = list(
        session.scalars(select(Location).where(Location.id.in_(readable)).order_by(Location.name))
    )
    return render_template(
        "console/index.html",
        principal=principal,
        displays=displays,
        pending=pending,
        locations=locations,
    )


def _safe_next(target: str | None) -> str:
    """Only same-site paths: an open redirect would make phishing links look like ours.

    Browsers read `/\\evil.example` as `//evil.example` and drop tabs and newlines from
    addresses, so a backslash or any control character or space anywhere is refused too."""
    if (
        target
        and target.startswith("/")
        and not target.startswith("//")
        and not any(ch == "\\" or ch.isspace() or not ch.isprintable() for ch in target)
    ):
        parts = urlsplit(target)
        if not parts.scheme and not parts.netloc:
            return target
    return url_for("console.index")
