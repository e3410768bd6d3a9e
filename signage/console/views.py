"""The staff console: sign-in, sign-out, language choice and the start page.

Server-rendered; Danish by default. Pages stay thin and call domain services.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, Response, make_response, redirect, render_template, request, url_for
from flask import session as cookie_session
from flask_babel import gettext as _
from flask_login import login_user, logout_user
from sqlalchemy import func, select
from werkzeug.wrappers import Response as WerkzeugResponse

from signage.accounts.services import authenticate
from signage.console.forms import LoginForm
from signage.content.models import Slide, SlideRevision
from signage.screens.models import Display, Location
from signage.web import current_principal, db_session

bp = Blueprint("console", __name__)
LANGUAGES = ("da", "en")
LANGUAGE_COOKIE = "signage_lang"


@bp.get("/")
def root() -> WerkzeugResponse:
    return redirect(url_for("console.index"))


@bp.route("/login", methods=["GET", "POST"])
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


@bp.post("/logout")
def logout() -> WerkzeugResponse:
    logout_user()
    return redirect(url_for("console.login"))


@bp.post("/language")
def set_language() -> Response:
    language = request.form.get("language", "")
    target = _safe_next(request.form.get("next"))
    response = make_response(redirect(target))
    if language in LANGUAGES:
        response.set_cookie(
            LANGUAGE_COOKIE, language, max_age=365 * 24 * 3600, samesite="Lax", httponly=True
        )
    return response


@bp.get("/console")
def index() -> str:
    session = db_session()
    principal = current_principal()
    assert principal is not None  # noqa: S101 - the authorisation table requires a login
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
