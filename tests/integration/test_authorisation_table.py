"""Every route the app registers is in the one authorisation table."""

from __future__ import annotations

from flask import Flask

from signage.policy import ROUTES


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
