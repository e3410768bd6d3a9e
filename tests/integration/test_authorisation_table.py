"""Every route the app registers is in the one authorisation table."""

from __future__ import annotations

from flask import Flask

from signage.policy import PUBLIC, ROUTES


def registered_routes(app: Flask) -> set[tuple[str, str]]:
    found = set()
    for rule in app.url_map.iter_rules():
        for method in rule.methods or ():
            if method not in {"HEAD", "OPTIONS"}:
                found.add((rule.endpoint, method))
    return found


def test_every_registered_route_is_in_the_authorisation_table(app: Flask) -> None:
    missing = registered_routes(app) - ROUTES.keys()
    assert not missing, f"add these to signage.policy.ROUTES: {sorted(missing)}"


def test_the_table_names_no_route_that_does_not_exist(app: Flask) -> None:
    stale = ROUTES.keys() - registered_routes(app)
    assert not stale, f"remove these from signage.policy.ROUTES: {sorted(stale)}"


def test_a_route_missing_from_the_table_is_refused(app: Flask) -> None:
    app.add_url_rule("/api/v1/unlisted", "api.unlisted", lambda: "secret")
    response = app.test_client().get("/api/v1/unlisted")
    assert response.status_code == 403
    assert response.get_json()["error"]["code"] == "forbidden"
    assert b"secret" not in response.data


# Every route anyone may call without signing in. A route added here is a decision that
# the whole internet may read it: the public mirror shows only public slides of public
# locations (tests/integration/test_public.py).
OPEN_TO_ANYONE = {
    ("static", "GET"),
    ("health.healthz", "GET"),
    ("health.readyz", "GET"),
    ("api_docs.openapi", "GET"),
    ("assets.media", "GET"),
    ("player.register", "POST"),
    ("player.claim", "POST"),
    ("feeds.cap_feed", "GET"),
    ("kiosk.page", "GET"),
    ("kiosk.service_worker", "GET"),
    ("kiosk.library", "GET"),
    ("kiosk.icon", "GET"),
    ("console.root", "GET"),
    ("console.login", "GET"),
    ("console.login", "POST"),
    ("console.set_language", "POST"),
    ("console.library", "GET"),
    ("console.sso_start", "GET"),
    ("console.sso_callback", "GET"),
    ("public.index", "GET"),
    ("public.location", "GET"),
    ("public.live", "GET"),
    ("public.feed_xml", "GET"),
    ("public.brand_css", "GET"),
}


def test_only_the_listed_routes_are_open_to_anyone(app: Flask) -> None:
    assert {route for route, access in ROUTES.items() if access == PUBLIC} == OPEN_TO_ANYONE


def test_the_public_mirror_answers_without_signing_in(app: Flask) -> None:
    client = app.test_client()
    for path in ("/public/", "/public/brand.css"):
        assert client.get(path).status_code == 200, path
    for path in ("/public/nowhere", "/public/nowhere/live", "/public/nowhere/feed.xml"):
        assert client.get(path).status_code == 404, path  # not 401: no sign-in asked for
