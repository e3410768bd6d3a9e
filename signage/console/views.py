"""The staff console: sign-in, sign-out, language choice and the start page.

Server-rendered; Danish by default. Pages stay thin and call domain services.
"""

from __future__ import annotations

import math
from urllib.parse import urlsplit

from flask import (
    Response,
    current_app,
    make_response,
    redirect,
    render_template,
    request,
    send_from_directory,
    url_for,
)
from flask import session as cookie_session
from flask_babel import gettext as _
from flask_login import logout_user
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from werkzeug.wrappers import Response as WerkzeugResponse

from signage import audit
from signage.accounts.models import User
from signage.accounts.permissions import Role
from signage.accounts.services import authenticate, principal_for_user
from signage.accounts.sso import record_failed_login
from signage.config import Settings
from signage.console.base import me, page
from signage.console.forms import LoginForm
from signage.content.models import Slide, SlideRevision
from signage.errors import NotFound
from signage.player.version import node_modules
from signage.policy import LOGIN, PUBLIC
from signage.screens.models import Display, Location
from signage.web import (
    cookie_secure,
    count_failure,
    db_session,
    seconds_to_wait,
    sign_in_limits,
)

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
    from signage.console.sso import start_session

    settings: Settings = current_app.config["SIGNAGE"]
    form = LoginForm()
    error = None
    headers: dict[str, str] = {}
    limits = sign_in_limits(form.email.data or "")
    if request.method == "POST" and settings.password_login == "off":  # noqa: S105 - a mode
        error = _("Sign-in with a password is turned off. Use your organisation's account.")
        status = 403
    elif (valid := form.validate_on_submit()) and (wait := seconds_to_wait(limits)):
        # Asked before the password is checked: a right guess must not show through.
        error = _(
            "Too many failed sign-ins for this account or from this address. "
            "Try again in %(minutes)d minutes.",
            minutes=math.ceil(wait / 60),
        )
        status, headers = 429, {"Retry-After": str(wait)}
    elif valid:
        session = db_session()
        user = authenticate(session, form.email.data or "", form.password.data or "")
        if user is not None and may_use_password(session, user, settings.password_login):
            audit.record(
                session, principal_for_user(session, user), "login", "user", user.id,
                details={"method": "password"},
            )  # fmt: skip
            session.commit()
            start_session(user)
            return redirect(_safe_next(request.args.get("next")))
        session.rollback()
        record_failed_login(session, "password", "wrong_credentials", user.id if user else None)
        session.commit()
        count_failure(limits)
        error = _("Wrong email or password.")
        status = 401
    elif request.method == "POST":
        # The CSRF token was checked before the view; a field is empty, too long or odd.
        error = _("Enter your email and password.")
        status = 400
    else:
        status = 200
    return (
        render_template(  # type: ignore[return-value]
            "console/login.html",
            form=form,
            error=error,
            sso=settings.oidc is not None,
            password_login=settings.password_login,
            next=request.args.get("next", ""),
        ),
        status,
        headers,
    )


def may_use_password(session: Session, user: User, mode: str) -> bool:
    """With `admins`, passwords are only for break-glass admins of a whole tree."""
    if mode == "all":
        return True
    return mode == "admins" and principal_for_user(session, user).covers_whole_tree(Role.ADMIN)


@page("/logout", LOGIN, methods=("POST",))
def logout() -> WerkzeugResponse:
    from signage.console.sso import ID_TOKEN_KEY, provider_logout_url

    id_token = cookie_session.get(ID_TOKEN_KEY)
    logout_user()
    cookie_session.clear()
    if id_token:
        target = provider_logout_url(id_token)
        if target:
            return redirect(target)
    return redirect(url_for("console.login"))


@page("/language", PUBLIC, methods=("POST",))
def set_language() -> Response:
    language = request.form.get("language", "")
    target = _safe_next(request.form.get("next"))
    response = make_response(redirect(target))
    if language in LANGUAGES:
        response.set_cookie(
            LANGUAGE_COOKIE,
            language,
            max_age=365 * 24 * 3600,
            samesite="Lax",
            httponly=True,
            secure=cookie_secure(),
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
