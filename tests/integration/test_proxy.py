"""Behind nginx (`SIGNAGE_PROXIES=1`) the server sees the client nginx saw: its address
for rate limits and its scheme for the addresses it hands out (the identity provider's
return address must be https). Without the setting, the headers are a client's claim
and are ignored."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from flask import Flask, url_for

from signage import policy
from signage.app import create_app
from signage.config import ConfigError, Settings
from signage.screens import devices

FROM_NGINX = {"REMOTE_ADDR": "10.0.0.2"}  # every request arrives from the proxy


def register_from(app: Flask, forwarded_for: str) -> int:
    answer = app.test_client().post(
        "/player/api/register",
        json={},
        headers={"X-Forwarded-For": forwarded_for},
        environ_base=FROM_NGINX,
    )
    return answer.status_code


@pytest.fixture
def behind(settings: Settings) -> Iterator[Callable[[int], Flask]]:
    """Apps behind that many proxies, their databases closed after the test."""
    made: list[Flask] = []

    def make(proxies: int) -> Flask:
        made.append(create_app(settings.with_overrides(proxies=proxies)))
        return made[-1]

    yield make
    for app in made:
        app.extensions["signage.db"].dispose()


def test_behind_a_proxy_each_client_has_its_own_rate_limit(
    behind: Callable[[int], Flask],
) -> None:
    app = behind(1)
    first = [register_from(app, "192.0.2.10") for _ in range(devices.REGISTRATIONS_PER_WINDOW)]

    assert first == [201] * devices.REGISTRATIONS_PER_WINDOW
    assert register_from(app, "192.0.2.10") == 429
    assert register_from(app, "192.0.2.11") == 201  # another kiosk behind the same nginx


def test_without_the_setting_a_forged_header_does_not_escape_the_limit(
    behind: Callable[[int], Flask],
) -> None:
    app = behind(0)
    answers = [
        register_from(app, f"192.0.2.{n}") for n in range(devices.REGISTRATIONS_PER_WINDOW + 1)
    ]

    assert answers[-1] == 429


def test_behind_a_tls_proxy_the_addresses_handed_out_are_https(
    behind: Callable[[int], Flask], monkeypatch: pytest.MonkeyPatch
) -> None:
    app = behind(1)
    # What a handler sees, e.g. the sign-in that tells the identity provider where to
    # send the user back, through the whole WSGI stack.
    app.add_url_rule("/seen", "seen", lambda: url_for("console.login", _external=True))
    monkeypatch.setitem(policy.ROUTES, ("seen", "GET"), policy.PUBLIC)
    headers = {"X-Forwarded-Proto": "https", "X-Forwarded-Host": "skaerme.testby.dk"}

    seen = app.test_client().get("/seen", headers=headers, environ_base=FROM_NGINX)

    assert seen.text == "https://skaerme.testby.dk/login"


def test_the_setting_must_be_a_whole_number(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="SIGNAGE_PROXIES"):
        Settings.from_env({"SIGNAGE_INSTANCE_DIR": str(tmp_path), "SIGNAGE_PROXIES": "yes"})
