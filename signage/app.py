"""The application factory: wiring only (settings, extensions, blueprints, error
handlers). Nothing here opens a connection at import time."""

from __future__ import annotations

import errno
from typing import Any
from urllib.parse import urlsplit

from flask import Flask, Response, current_app, request
from flask.sessions import SecureCookieSessionInterface
from flask_babel import Babel
from flask_login import LoginManager
from flask_wtf.csrf import CSRFError, CSRFProtect
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from werkzeug.exceptions import HTTPException, NotFound
from werkzeug.middleware.proxy_fix import ProxyFix

from signage.cluster import change_signal, socketio_channel
from signage.config import Settings
from signage.db import Database
from signage.errors import SignageError
from signage.net import fetch
from signage.resources import resource_dir
from signage.schemas import MAX_ID

MAX_REQUEST_BYTES = 8 * 1024 * 1024  # JSON and forms; media uploads get their own limit
SOCKET_MESSAGE_MAX_BYTES = 512 * 1024  # a larger Socket.IO message closes its connection
# Browsers that reached us over HTTPS keep to HTTPS for a year (not for subdomains: a
# municipality's other hosts are not ours to decide for).
STRICT_TRANSPORT_SECURITY = "max-age=31536000"
# How long a caller is asked to wait when the database does not answer for a moment.
DATABASE_RETRY_AFTER_S = 5
# The disk (or the quota, or the file size limit) is full: no upload can be stored.
STORAGE_FULL_ERRNOS = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EFBIG})

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data: blob:",
        "media-src 'self' blob:",
        "connect-src 'self' ws: wss:",
        "font-src 'self'",
        "frame-src 'self' https:",
        "frame-ancestors 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "object-src 'none'",
    ]
)


class SessionCookies(SecureCookieSessionInterface):
    """The session cookie is Secure whenever the request came over HTTPS (directly or
    through a trusted proxy, SIGNAGE_PROXIES), and always with SIGNAGE_SECURE_COOKIES."""

    def get_cookie_secure(self, app: Flask) -> bool:
        from signage.web import cookie_secure

        return cookie_secure()


def content_security_policy(settings: Settings) -> str:
    """The policy above; with an identity provider, signing out (a form posted to us)
    redirects to the provider's end-session page, which form-action must allow."""
    if settings.oidc is None:
        return CONTENT_SECURITY_POLICY
    parts = urlsplit(settings.oidc.issuer)
    return CONTENT_SECURITY_POLICY.replace(
        "form-action 'self'", f"form-action 'self' {parts.scheme}://{parts.netloc}"
    )


csrf = CSRFProtect()
babel = Babel()
login_manager = LoginManager()


def create_app(settings: Settings | None = None, **overrides: Any) -> Flask:
    settings = settings or Settings.from_env()
    if overrides:
        settings = settings.with_overrides(**overrides)
    app = Flask(__name__, static_folder=str(resource_dir("static")), static_url_path="/static")
    app.config.update(
        SECRET_KEY=settings.secret_key,
        SIGNAGE=settings,
        MAX_CONTENT_LENGTH=MAX_REQUEST_BYTES,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=settings.secure_cookies,
        REMEMBER_COOKIE_HTTPONLY=True,
        REMEMBER_COOKIE_SECURE=settings.secure_cookies,
        BABEL_DEFAULT_LOCALE=settings.language,
        BABEL_DEFAULT_TIMEZONE=settings.timezone,
        WTF_CSRF_TIME_LIMIT=None,
        TESTING=settings.testing,
        JSON_SORT_KEYS=False,
        PERMANENT_SESSION_LIFETIME=settings.session_lifetime_minutes * 60,
        SIGNAGE_CSP=content_security_policy(settings),
    )
    app.json.sort_keys = False  # type: ignore[attr-defined]
    app.session_interface = SessionCookies()
    fetch.configure(settings.fetch)  # web page slides are checked with the same rules
    app.extensions["signage.db"] = Database(
        settings.database_url, on_change=change_signal(settings)
    )
    _init_extensions(app)
    _register_blueprints(app)
    _register_hooks(app)
    if settings.proxies:
        # Outside the Socket.IO middleware, so kiosks' sockets see the client too.
        app.wsgi_app = ProxyFix(  # type: ignore[method-assign]
            app.wsgi_app,
            x_for=settings.proxies,
            x_proto=settings.proxies,
            x_host=settings.proxies,
            x_port=settings.proxies,
        )
    return app


def _init_extensions(app: Flask) -> None:
    from signage.realtime import socketio
    from signage.web import load_user

    csrf.init_app(app)
    babel.init_app(app, locale_selector=_select_locale)
    login_manager.init_app(app)
    login_manager.login_view = "console.login"
    login_manager.user_loader(load_user)
    settings: Settings = app.config["SIGNAGE"]
    if settings.oidc is not None:
        from signage.console.sso import init_oidc

        init_oidc(app, settings.oidc)
    import signage.console.sockets
    import signage.player.sockets
    import signage.public.sockets  # noqa: F401 - these register their namespaces

    # Flask-SocketIO keeps the options of the last init_app, its message queue among
    # them: an app without Redis must not inherit the queue of one made before it.
    socketio.server_options.pop("client_manager", None)
    socketio.init_app(
        app,
        async_mode=app.config.get("SOCKETIO_ASYNC_MODE", "gevent"),
        message_queue=settings.redis_url,
        channel=socketio_channel(settings.redis_prefix),
        transports=["websocket"],
        cors_allowed_origins=[],
        max_http_buffer_size=SOCKET_MESSAGE_MAX_BYTES,
    )


def _select_locale() -> str:
    from flask_login import current_user

    from signage.console.views import LANGUAGE_COOKIE, LANGUAGES

    # Public pages take the language from the address too (`?lang=en`): a link to the
    # English page stays English, and citizens get no cookie.
    asked = request.args.get("lang") if request.blueprint == "public" else None
    if asked in LANGUAGES:
        return str(asked)
    language = getattr(current_user, "language", None) if current_user else None
    if language in LANGUAGES:
        return str(language)
    cookie = request.cookies.get(LANGUAGE_COOKIE)
    if cookie in LANGUAGES:
        return str(cookie)
    return str(current_app.config["BABEL_DEFAULT_LOCALE"])


def _register_blueprints(app: Flask) -> None:
    import signage.api.alerts
    import signage.api.feeds
    import signage.api.media
    import signage.api.reports  # noqa: F401 - these add their routes to the API blueprint
    from signage.api.alerts import feeds as feeds_bp
    from signage.api.views import bp as api_bp
    from signage.api.views import docs as api_docs_bp
    from signage.console.pages import bp as console_bp
    from signage.health import bp as health_bp
    from signage.player.assets import bp as assets_bp
    from signage.player.page import bp as kiosk_bp
    from signage.player.views import bp as player_bp
    from signage.public.views import bp as public_bp

    csrf.exempt(api_bp)  # the API checks CSRF itself for cookie sessions (signage.policy)
    csrf.exempt(player_bp)  # kiosks authenticate with a bearer device token, not a cookie
    blueprints = (
        api_bp, api_docs_bp, console_bp, health_bp, player_bp, assets_bp, kiosk_bp, feeds_bp,
        public_bp,
    )  # fmt: skip
    for blueprint in blueprints:
        app.register_blueprint(blueprint)


def _register_hooks(app: Flask) -> None:
    from signage import policy
    from signage.monitoring import metrics
    from signage.web import close_session, expire_session

    app.url_value_preprocessor(_ids_in_range)
    app.before_request(expire_session)
    app.before_request(policy.enforce)
    app.teardown_appcontext(close_session)
    app.after_request(_secure_headers)
    app.after_request(_log_request)
    metrics.init_app(app)  # last: its timer starts before every other hook
    app.register_error_handler(SignageError, _signage_error)
    app.register_error_handler(CSRFError, _csrf_error)
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(IntegrityError, _integrity_error)
    app.register_error_handler(OperationalError, _database_unavailable)
    app.register_error_handler(PoolTimeout, _database_unavailable)
    app.register_error_handler(OSError, _os_error)
    app.register_error_handler(Exception, _unexpected_error)

    @app.context_processor
    def _language() -> dict[str, Any]:
        from flask_babel import get_locale

        return {"current_language": str(get_locale() or "da")}


def _ids_in_range(_endpoint: str | None, values: dict[str, Any] | None) -> None:
    """An id in a path outside 1..MAX_ID is a 404 for every method, before any lookup: a
    huge number would overflow the database driver. (A converter with min/max would not
    do: Werkzeug answers 405 instead of 404 when the same path has a rule for another
    method.)"""
    for value in (values or {}).values():
        if isinstance(value, int) and not 1 <= value <= MAX_ID:
            raise NotFound()


def _wants_json() -> bool:
    return (
        request.path.startswith(("/api/", "/player/api/", "/metrics"))
        or request.accept_mimetypes.best == "application/json"
    )


def _console_page() -> bool:
    """A console page or fragment: its errors are pages in the user's language."""
    return request.path.startswith("/console") and not _wants_json()


def _console_error(status: int, message: str | None = None) -> tuple[str, int]:
    from flask import render_template

    from signage.console.base import ERROR_SENTENCES

    sentence = message or str(ERROR_SENTENCES.get(status, ERROR_SENTENCES[400]))
    fragment = request.headers.get("HX-Request") == "true"
    return render_template(
        "console/error.html", status=status, message=sentence, fragment=fragment
    ), status


def _signage_error(error: SignageError) -> tuple[Response, int] | Any:
    from flask import redirect, url_for

    from signage.api.http import error_response
    from signage.errors import Unauthorized

    if isinstance(error, Unauthorized) and not _wants_json():
        return redirect(url_for("console.login", next=request.full_path.rstrip("?")))
    if _console_page():
        from signage.console.base import error_sentence

        return _console_error(error.status, error_sentence(error))
    return error_response(error)


def _csrf_error(error: CSRFError) -> tuple[Response, int] | tuple[str, int]:
    from flask_babel import gettext

    from signage.api.http import plain_error

    if _console_page():
        return _console_error(400, gettext("The form has expired. Reload the page and try again."))
    return plain_error(
        400,
        "csrf_failed",
        "the form expired or lacks its CSRF token; reload the page and try again",
    )


def _http_error(error: HTTPException) -> tuple[Response, int] | tuple[str, int]:
    from signage.api.http import plain_error

    status = error.code or 500
    if _console_page() and 400 <= status < 500 and status != 405:
        return _console_error(status)
    code = (error.name or "error").lower().replace(" ", "_")
    messages = {
        404: "there is nothing at this address",
        405: f"{request.method} is not allowed here",
        413: f"the request is larger than {_request_limit() // (1024 * 1024)} MB",
    }
    response, status = plain_error(status, code, messages.get(status, error.description or code))
    for name, value in error.get_headers():  # e.g. Allow on a 405, Retry-After on a 429
        if name.lower() != "content-type":
            response.headers[name] = value
    return response, status


def _request_limit() -> int:
    return int(request.max_content_length or MAX_REQUEST_BYTES)


def _integrity_error(error: IntegrityError) -> tuple[Response, int]:
    """A constraint the services did not foresee: the client's data clashes, not a crash."""
    from signage.api.http import plain_error

    current_app.logger.warning(
        "integrity error on %s %s: %s", request.method, request.path, error.orig
    )
    return plain_error(409, "conflict", "this conflicts with existing data")


def _database_unavailable(error: Exception) -> tuple[Response, int] | tuple[str, int]:
    """The database did not answer (a restart, a lost connection, a SQLite file locked
    past the busy timeout): 503 with Retry-After, never a 401. A kiosk keeps its token
    and plays what it has until the database is back."""
    from flask_babel import gettext

    from signage.api.http import plain_error

    orig = getattr(error, "orig", None)
    if getattr(orig, "sqlite_errorname", None) == "SQLITE_ERROR":
        return _unexpected_error(error)  # SQLite's own mistakes (no such table), not absence
    current_app.logger.warning(
        "database unavailable on %s %s: %s", request.method, request.path, orig or error
    )
    if _console_page():
        from flask import g

        # The page is drawn without looking the user up (that needs the database too);
        # the session is left as it is, so the user is still signed in afterwards.
        g._login_user = login_manager.anonymous_user()
        answer: tuple[Response, int] | tuple[str, int] = _console_error(
            503, gettext("The database is not answering right now. Try again in a moment.")
        )
    else:
        answer = plain_error(
            503, "database_unavailable", "the database is briefly unavailable; try again shortly"
        )
    return _with_headers(answer, {"Retry-After": str(DATABASE_RETRY_AFTER_S)})


def _with_headers(
    answer: tuple[Response, int] | tuple[str, int], headers: dict[str, str]
) -> tuple[Response, int] | tuple[str, int]:
    body, status = answer
    response = current_app.make_response(body)
    response.headers.update(headers)
    return response, status


def _os_error(error: OSError) -> tuple[Response, int] | tuple[str, int]:
    """A full disk (or quota, or file size limit) while receiving or storing a file is
    the server's storage problem, said plainly; any other OSError is unexpected."""
    if error.errno not in STORAGE_FULL_ERRNOS:
        return _unexpected_error(error)
    from flask_babel import gettext

    from signage.api.http import plain_error

    current_app.logger.error("storage full on %s %s: %s", request.method, request.path, error)
    if _console_page():
        return _console_error(
            507,
            gettext(
                "The server's storage is full, so the file was not saved. Tell the administrator."
            ),
        )
    return plain_error(
        507,
        "storage_full",
        "the server's storage is full; nothing was stored. Tell the server's administrator",
    )


def _unexpected_error(error: Exception) -> tuple[Response, int]:
    from signage.api.http import plain_error

    current_app.logger.exception("unhandled error on %s %s", request.method, request.path)
    return plain_error(
        500, "internal_error", "something went wrong on the server; it has been logged"
    )


def _log_request(response: Response) -> Response:
    """One line a request with no client address: logs carry no personal data beyond a
    user id (DESIGN.md, Personal data)."""
    from flask import g

    principal = g.get("principal")
    user_id = principal.user_id if principal is not None else None
    who = f"user={user_id}" if user_id else "-"
    fields = {
        "method": request.method,
        "path": request.path,
        "status": response.status_code,
        "user_id": user_id,
    }
    current_app.logger.info(
        "%s %s %s %s", request.method, request.path, response.status_code, who, extra=fields
    )
    return response


def _secure_headers(response: Response) -> Response:
    response.headers.setdefault("Content-Security-Policy", current_app.config["SIGNAGE_CSP"])
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("X-Frame-Options", "DENY")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    response.headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
    if request.is_secure:
        response.headers.setdefault("Strict-Transport-Security", STRICT_TRANSPORT_SECURITY)
    response.headers.pop("Server", None)  # no server name or version to look up flaws by
    return response
