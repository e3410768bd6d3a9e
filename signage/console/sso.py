"""Sign-in with the municipality's identity provider over OpenID Connect (Authlib):
authorization code flow with PKCE (S256), `state` and `nonce` checked, the ID token's
signature checked against the provider's JWKS (fetched again when a token names an
unknown key) and its claims validated. What the claims mean is `signage.accounts.sso`.
"""

from __future__ import annotations

import logging
import time
from typing import Any, cast
from urllib.parse import urlencode

from authlib.common.errors import AuthlibBaseError
from authlib.integrations.flask_client import OAuth
from flask import Flask, current_app, redirect, render_template, request, url_for
from flask import session as cookie_session
from flask_babel import gettext as _
from flask_login import login_user
from joserfc.errors import JoseError
from requests import RequestException
from werkzeug.wrappers import Response as WerkzeugResponse

from signage.accounts.models import User
from signage.accounts.sso import ClaimsRefused, record_failed_login, sign_in_with_claims
from signage.config import OidcSettings, Settings
from signage.console.base import page
from signage.errors import NotFound
from signage.policy import PUBLIC
from signage.web import SEEN_AT_KEY, SIGNED_IN_AT_KEY, db_session

log = logging.getLogger(__name__)

CLIENT = "signage.oidc"
NEXT_KEY = "sso_next"
ID_TOKEN_KEY = "sso_id_token"  # noqa: S105 - a session key name; the token is kept for the provider's logout (id_token_hint)


def init_oidc(app: Flask, oidc: OidcSettings) -> None:
    """One Authlib client per app (tests run apps against different providers)."""
    registry = OAuth(app)
    client = registry.register(
        "oidc",
        client_id=oidc.client_id,
        client_secret=oidc.client_secret,
        server_metadata_url=oidc.metadata_url,
        client_kwargs={"scope": oidc.scope, "code_challenge_method": "S256", "timeout": 10},
    )
    app.extensions[CLIENT] = client


def oidc_client() -> Any | None:
    return current_app.extensions.get(CLIENT)


def oidc_settings() -> OidcSettings:
    settings: Settings = current_app.config["SIGNAGE"]
    if settings.oidc is None:
        raise NotFound("sign-in with an identity provider is not set up")
    return settings.oidc


def start_session(user: User, id_token: str | None = None) -> None:
    """A fresh cookie session (and CSRF token) for the signed-in user, with the clock
    that `signage.web.expire_session` reads."""
    cookie_session.clear()
    cookie_session.permanent = True
    now = int(time.time())
    cookie_session[SIGNED_IN_AT_KEY] = now
    cookie_session[SEEN_AT_KEY] = now
    if id_token:
        cookie_session[ID_TOKEN_KEY] = id_token
    login_user(user)


@page("/login/sso", PUBLIC)
def sso_start() -> tuple[str, int] | WerkzeugResponse:
    oidc_settings()
    cookie_session[NEXT_KEY] = request.args.get("next", "")
    client = oidc_client()
    try:
        return cast(
            WerkzeugResponse,
            client.authorize_redirect(url_for("console.sso_callback", _external=True)),  # type: ignore[union-attr]
        )
    except (RequestException, AuthlibBaseError) as exc:
        log.warning("the identity provider cannot be reached: %s", exc)
        return _refused("provider_unreachable", 502)


@page("/login/sso/callback", PUBLIC)
def sso_callback() -> tuple[str, int] | WerkzeugResponse:
    from signage.console.views import _safe_next

    settings = oidc_settings()
    session = db_session()
    if "error" in request.args:
        return _refused(f"provider: {request.args['error'][:60]}", 401)
    try:
        # Checks and spends the state (a replay finds none), swaps the code with the PKCE
        # verifier, and validates the ID token: signature, iss, aud, exp, iat, nonce.
        token = oidc_client().authorize_access_token()  # type: ignore[union-attr]
        claims = token.get("userinfo") or {}
        result = sign_in_with_claims(session, claims, settings.groups_claim, settings.groups)
    except (AuthlibBaseError, JoseError, ValueError) as exc:
        reason = type(exc).__name__ if not isinstance(exc, ClaimsRefused) else str(exc)
        log.warning("an OpenID Connect sign-in was refused: %s", reason)
        return _refused(reason, 401)
    except RequestException as exc:
        log.warning("the identity provider cannot be reached: %s", exc)
        return _refused("provider_unreachable", 502)
    if not result.has_access:
        session.commit()  # the user and the removed grants are remembered; no session given
        cookie_session.clear()
        return render_template("console/sso/no_access.html"), 403
    session.commit()
    target = _safe_next(cookie_session.get(NEXT_KEY))
    start_session(result.user, token.get("id_token"))
    return redirect(target)


def _refused(reason: str, status: int) -> tuple[str, int]:
    session = db_session()
    session.rollback()
    record_failed_login(session, "oidc", reason[:120])
    session.commit()
    message = (
        _("The identity provider cannot be reached just now. Try again in a moment.")
        if status == 502
        else _("Sign-in with your organisation's account failed. Try again.")
    )
    return render_template("console/sso/failed.html", message=message), status


def provider_logout_url(id_token: str | None) -> str | None:
    """The provider's end-session address when it offers one (RP-initiated logout)."""
    client = oidc_client()
    if client is None:
        return None
    try:
        metadata = client.load_server_metadata()
    except (RequestException, AuthlibBaseError, ValueError):
        return None
    endpoint = metadata.get("end_session_endpoint")
    if not endpoint:
        return None
    query = {
        "client_id": oidc_settings().client_id,
        "post_logout_redirect_uri": url_for("console.login", _external=True),
    }
    if id_token:
        query["id_token_hint"] = id_token
    separator = "&" if "?" in endpoint else "?"
    return f"{endpoint}{separator}{urlencode(query)}"
