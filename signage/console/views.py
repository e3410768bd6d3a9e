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
from flask_babel import lazy_gettext as _l
from flask_login import login_user, logout_user
from sqlalchemy import func, select
from werkzeug.wrappers import Response as WerkzeugResponse

from signage.accounts.permissions import Role
from signage.accounts.services import authenticate
from signage.console.base import me, page
from signage.console.forms import LoginForm, PairForm
from signage.content.models import Slide, SlideRevision
from signage.db import utcnow
from signage.errors import NotFound, SignageError
from signage.player.version import node_modules
from signage.policy import LOGIN, MANAGER, PUBLIC
from signage.screens import devices
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


@page("/console/displays/pair", MANAGER, methods=("GET", "POST"))
def pair_display() -> tuple[str, int]:
    """Where a kiosk's QR code leads: the code filled in, a name and a place to give."""
    session = db_session()
    principal = me()
    form = PairForm(code=request.args.get("code", "").upper())
    places = principal.writable(Role.FACILITY_MANAGER)
    form.location_id.choices = [
        (loc.id, loc.name)
        for loc in session.scalars(
            select(Location).where(Location.id.in_(places)).order_by(Location.name)
        )
    ]
    paired, error, status = None, None, 200
    if form.validate_on_submit():
        data = {"name": form.name.data, "location_id": form.location_id.data}
        try:
            paired, _created = devices.pair(
                session, principal, form.code.data or "", data, utcnow()
            )
            session.commit()
        except SignageError as exc:
            session.rollback()
            error, status = (
                PAIRING_ERRORS.get(exc.status, _("The screen could not be paired.")),
                exc.status,
            )
    elif request.method == "POST":
        error, status = _("Fill in the code, a name and a location."), 400
    page = render_template("console/pair.html", form=form, paired=paired, error=error)
    return page, status


PAIRING_ERRORS = {
    404: _l("No screen shows this code. Check it, or wait for the screen to show a new one."),
    409: _l("This code has been used. Wait for the screen to show a new one."),
    403: _l("You may not place screens at this location."),
    422: _l("The name or location is not valid."),
}


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
