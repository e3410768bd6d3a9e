"""The console journeys in Chromium with staff who sign in at a real OpenID Connect
provider (tests/oidc): people known only to the provider, whose grants come from their
groups through `SIGNAGE_OIDC_GROUPS`. The journeys are the password journeys' own steps;
only the way in differs. The editor signs out at the provider too."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from playwright.sync_api import BrowserContext, Page

from tests import processes
from tests.browser.conftest import Server, Servers, assert_accessible, inline_scripts
from tests.browser.test_console_content import edit_approve_and_play
from tests.browser.test_console_dashboard import watch_filter_and_command
from tests.browser.test_console_planning import PHONE, pair_order_and_schedule
from tests.oidc_provider import CLIENT_ID, CLIENT_SECRET, Provider, node_or_skip

pytestmark = pytest.mark.browser


@dataclass(frozen=True)
class Person:
    """Someone at the provider, in one group that maps to one grant here."""

    account: str
    group: str
    role: str
    location: str  # slug

    @property
    def email(self) -> str:
        return f"{self.account}@testby.dk"


SSO_EDITOR = Person("sso-redaktoer", "testhus-redaktoerer", "editor", "testhus")
SSO_MANAGER = Person("sso-leder", "testhus-driftsledere", "facility_manager", "testhus")
SSO_COMMUNICATOR = Person("sso-kommunikation", "testby-kommunikation", "communicator", "testby")
PEOPLE = (SSO_EDITOR, SSO_MANAGER, SSO_COMMUNICATOR)
GROUPS_YAML = "groups:\n" + "".join(
    f"  {p.group}: [{{role: {p.role}, location: {p.location}}}]\n" for p in PEOPLE
)


@pytest.fixture(scope="module")
def app_port() -> int:
    """One port for the module's servers: the provider knows the app by its address."""
    return processes.free_port()


@pytest.fixture(scope="module")
def provider(app_port: int, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Provider]:
    node = node_or_skip()
    folder = tmp_path_factory.mktemp("oidc")
    running = Provider(
        control=folder / "control.json",
        log=folder / "provider.log",
        app_base=f"http://127.0.0.1:{app_port}",
    )
    for person in PEOPLE:
        running.set_account(person.account, person.email, [person.group])
    running.start(node)
    yield running
    running.stop()


@pytest.fixture
def server(
    servers: Servers, provider: Provider, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Server:
    """`signage serve` signing staff in at the provider; passwords only for admins."""
    groups = tmp_path / "groups.yaml"
    groups.write_text(GROUPS_YAML)
    plain = processes.environment
    oidc = {
        "SIGNAGE_OIDC_ISSUER": provider.issuer,
        "SIGNAGE_OIDC_CLIENT_ID": CLIENT_ID,
        "SIGNAGE_OIDC_CLIENT_SECRET": CLIENT_SECRET,
        "SIGNAGE_OIDC_SCOPE": "openid email profile groups",
        "SIGNAGE_OIDC_GROUPS": str(groups),
        "SIGNAGE_PASSWORD_LOGIN": "admins",
    }

    def with_oidc(instance: Path, extra: dict[str, str] | None = None) -> dict[str, str]:
        return plain(instance, {**oidc, **(extra or {})})

    monkeypatch.setattr(processes, "environment", with_oidc)
    return servers.start()


def sso_sign_in(context: BrowserContext, server: Server, person: Person) -> Page:
    """A console page signed in at the provider with the login page's button; the
    account made here holds exactly the grant the person's group maps to."""
    page = context.new_page()
    page.goto(f"{server.base}/login")
    page.click("p.sso a.button")
    page.fill("input[name=login]", person.account)
    page.fill("input[name=password]", "any")
    page.click("button[type=submit]")
    page.wait_for_url(f"{server.base}/console")
    assert granted(server, person.email) == {(person.role, person.location)}
    return page


def granted(server: Server, email: str) -> set[tuple[str, str]]:
    """The user's grants as (role, location slug), read by an admin through the API."""
    admin = server.instance.admin_token
    users = server.api("GET", "/users?limit=500", token=admin).json()["items"]
    locations = server.api("GET", "/locations?limit=500", token=admin).json()["items"]
    slugs = {loc["id"]: loc["slug"] for loc in locations}
    user = next(u for u in users if u["email"] == email)
    return {(g["role"], slugs[g["location_id"]]) for g in user["grants"]}


def sign_out_at_the_provider(page: Page, server: Server, provider: Provider) -> None:
    page.click("form.logout button[type=submit]")
    page.wait_for_url(f"{provider.issuer}/session/end**")
    page.click("button[name=logout][value=yes]")  # the provider asks: sign out there too?
    page.wait_for_url(f"{server.base}/login")
    assert_accessible(page)  # the login page, with the provider's button first
    assert inline_scripts(page) == []
    page.goto(f"{server.base}/console")
    page.wait_for_url(f"{server.base}/login**")


def test_journeys_1_and_2_with_an_editor_and_a_communicator_signed_in_at_the_provider(
    server: Server,
    provider: Provider,
    staff_context: Callable[..., BrowserContext],
    kiosk_context: Callable[[], BrowserContext],
    tmp_path: Path,
) -> None:
    editor = sso_sign_in(staff_context(), server, SSO_EDITOR)
    communicator = sso_sign_in(staff_context(), server, SSO_COMMUNICATOR)
    edit_approve_and_play(server, editor, communicator, kiosk_context, tmp_path)
    sign_out_at_the_provider(editor, server, provider)


def test_journey_3_on_a_phone_with_a_facility_manager_signed_in_at_the_provider(
    server: Server,
    staff_context: Callable[..., BrowserContext],
    kiosk_context: Callable[[], BrowserContext],
) -> None:
    phone = sso_sign_in(staff_context(*PHONE), server, SSO_MANAGER)
    pair_order_and_schedule(server, phone, kiosk_context)


def test_journey_4_with_a_facility_manager_signed_in_at_the_provider(
    server: Server,
    staff_context: Callable[..., BrowserContext],
    kiosk_context: Callable[[], BrowserContext],
) -> None:
    page = sso_sign_in(staff_context(), server, SSO_MANAGER)
    watch_filter_and_command(server, page, kiosk_context)
