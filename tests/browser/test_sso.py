"""Journey in Chromium with sign-in at a real OpenID Connect provider (tests/oidc): an
editor known only to the provider signs in with the button on the login page, makes and
submits a slide as in the console journeys, and signs out at the provider too."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from playwright.sync_api import BrowserContext, Page

from tests import media_files as files
from tests import processes
from tests.browser.conftest import Server, Servers, assert_accessible, inline_scripts
from tests.browser.test_console_content import make_slide, upload
from tests.oidc_provider import CLIENT_ID, CLIENT_SECRET, Provider, node_or_skip

pytestmark = pytest.mark.browser
SSO_EDITOR = "sso-redaktoer@testby.dk"
GROUPS_YAML = """\
groups:
  testhus-redaktoerer: [{role: editor, location: testhus}]
"""


@pytest.fixture
def provider(servers: Servers, tmp_path: Path) -> Iterator[Provider]:
    node = node_or_skip()
    running = Provider(
        control=tmp_path / "control.json",
        log=tmp_path / "provider.log",
        app_base=f"http://127.0.0.1:{servers.port}",
    )
    running.set_account("sso-redaktoer", SSO_EDITOR, ["testhus-redaktoerer"])
    running.start(node)
    yield running
    running.stop()


@pytest.fixture
def sso_server(
    servers: Servers, provider: Provider, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Server:
    groups = tmp_path / "groups.yaml"
    groups.write_text(GROUPS_YAML)
    plain = processes.environment

    def with_oidc(instance: Path) -> dict[str, str]:
        return {
            **plain(instance),
            "SIGNAGE_OIDC_ISSUER": provider.issuer,
            "SIGNAGE_OIDC_CLIENT_ID": CLIENT_ID,
            "SIGNAGE_OIDC_CLIENT_SECRET": CLIENT_SECRET,
            "SIGNAGE_OIDC_SCOPE": "openid email profile groups",
            "SIGNAGE_OIDC_GROUPS": str(groups),
            "SIGNAGE_PASSWORD_LOGIN": "admins",
        }

    monkeypatch.setattr(processes, "environment", with_oidc)
    return servers.start()


def sso_sign_in(context: BrowserContext, base: str, account: str) -> Page:
    page = context.new_page()
    page.goto(f"{base}/login")
    assert_accessible(page)
    assert inline_scripts(page) == []
    page.click("p.sso a.button")
    page.fill("input[name=login]", account)
    page.fill("input[name=password]", "any")
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/console")
    return page


def test_an_editor_signed_in_at_the_provider_makes_a_slide_and_signs_out(
    sso_server: Server,
    provider: Provider,
    staff_context: Callable[..., BrowserContext],
    tmp_path: Path,
) -> None:
    locations = sso_server.api("GET", "/locations?limit=500").json()["items"]
    root = next(loc["id"] for loc in locations if loc["slug"] == "testby")
    theme = sso_server.api(
        "POST",
        "/themes",
        {"slug": "trivsel", "name": "Trivsel", "location_id": root, "year": 2026},
        token=sso_server.instance.communicator_token,
    )
    assert theme.status_code == 201, theme.text
    picture = tmp_path / "indgang.jpg"
    picture.write_bytes(files.jpeg(1200, 800))

    page = sso_sign_in(staff_context(), sso_server.base, "sso-redaktoer")
    media_id = upload(page, picture)
    slide_id = make_slide(page, media_id, int(theme.json()["id"]))
    assert slide_id > 0

    page.click("form.logout button[type=submit]")
    page.wait_for_url(f"{provider.issuer}/session/end**")
    page.click("button[name=logout][value=yes]")  # the provider asks: sign out there too?
    page.wait_for_url(f"{sso_server.base}/login")
    page.goto(f"{sso_server.base}/console")
    page.wait_for_url(f"{sso_server.base}/login**")
