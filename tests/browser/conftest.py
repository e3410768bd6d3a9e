"""Kiosk journeys in Debian's Chromium against a real `signage serve`.

Each test gets its own instance with a small municipality: one location whose displays
all play a playlist of short text slides, a group of those displays (by tag), and a
facility manager with an API token. Kiosks are real browser pages: they pair, fetch,
cache and play exactly as a screen would.
"""

from __future__ import annotations

import dataclasses
import shutil
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import requests
from playwright.sync_api import Browser, BrowserContext, Page, sync_playwright

from tests import processes
from tests.databases import DATABASES, SQLITE_FILE, instance_database
from tests.processes import PASSWORD, running, signage

CHROMIUM = Path("/usr/bin/chromium")
MANAGER = "leder@testby.dk"
EDITOR = "redaktoer@testby.dk"
COMMUNICATOR = "kommunikation@testby.dk"  # critical alerts need this role
ADMIN = "admin@testby.dk"
AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
SLIDE_S = 3  # long enough to read a slide, short enough to watch several

ROOT = """\
location: {slug: testby, name: Testby Kommune, timezone: Europe/Copenhagen, public: true}
"""
LOCATION = """\
location: {slug: testhus, name: Testhuset, parent: testby}
displays:
  - name: Reception
    orientation: landscape
    resolution: [1920, 1080]
    languages: [da]
    tags: [kiosktest]
  - name: Kantine
    orientation: landscape
    resolution: [1920, 1080]
    languages: [da]
    tags: [kiosktest]
groups:
  - {slug: testskaerme, name: Testskærme, tag: kiosktest}
"""

PLAYLIST = f"""\
slug: testliste
name: Testliste
location: testhus
slides:
  - key: test.en
    title: Første
    template: text
    duration: {2 * SLIDE_S}
    pictogram: info
    fields: {{heading: "Første dias", body: "Et"}}
  - key: test.to
    title: Andet
    template: text
    duration: {SLIDE_S}
    pictogram: clock
    fields: {{heading: "Andet dias", body: "To"}}
  - key: test.tre
    title: Tredje
    template: clock
    duration: {SLIDE_S}
    fields: {{heading: "Klokken er"}}
schedules:
  - target: {{location: testhus}}
    tier: normal
"""


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    if CHROMIUM.exists():
        return
    skip = pytest.mark.skip(reason=f"{CHROMIUM} is missing (`make test` installs it)")
    for item in items:
        if "browser" in item.keywords:
            item.add_marker(skip)


@dataclass
class Instance:
    path: Path
    content: Path  # the YAML it was imported from: edit and import again to change it
    manager_token: str
    editor_token: str
    communicator_token: str
    admin_token: str


@dataclass
class Server:
    base: str
    instance: Instance

    def api(
        self, method: str, path: str, json: Any = None, token: str | None = None
    ) -> requests.Response:
        return requests.request(
            method,
            f"{self.base}/api/v1{path}",
            json=json,
            headers={"Authorization": f"Bearer {token or self.instance.manager_token}"},
            timeout=20,
        )

    def location_id(self) -> int:
        items = self.api("GET", "/locations?limit=500").json()["items"]
        return int(next(loc["id"] for loc in items if loc["slug"] == "testhus"))

    def display_id(self, name: str) -> int:
        items = self.api("GET", "/displays?limit=500").json()["items"]
        return int(next(d["id"] for d in items if d["name"] == name))

    def slide_id(self, title: str) -> int:
        items = self.api("GET", "/slides?limit=500").json()["items"]
        return int(next(s["id"] for s in items if s["title"] == title))


@pytest.fixture(scope="session")
def instance_template(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Instance]:
    """A migrated instance with the test content; a facility manager and an editor of
    the displays' location, and a communicator and an admin of the municipality (every
    user's password is `PASSWORD`). Made once per run through the CLI, as an operator
    would; each test gets a copy (`instance`)."""
    root = tmp_path_factory.mktemp("browser-template")
    path = root / "instance"
    content = root / "content"
    (content / "displays").mkdir(parents=True)
    (content / "playlists").mkdir(parents=True)
    (content / "displays" / "testby.yaml").write_text(ROOT)
    (content / "displays" / "testhus.yaml").write_text(LOCATION)
    (content / "playlists" / "testliste.yaml").write_text(PLAYLIST)
    DATABASES.create(path, keep=True)
    for args in (("db", "upgrade"), ("import", str(content))):
        done = signage(path, *args)
        assert done.returncode == 0, done.stderr
    tokens = []
    for email, role, location in (
        (MANAGER, "facility_manager", "testhus"),
        (EDITOR, "editor", "testhus"),
        (COMMUNICATOR, "communicator", "testby"),
        (ADMIN, "admin", "testby"),
    ):
        added = signage(
            path, "user", "add", email, "--role", role, "--location", location,
            "--password", PASSWORD,
        )  # fmt: skip
        assert added.returncode == 0, added.stderr
        made = signage(path, "token", "add", email)
        assert made.returncode == 0, made.stderr
        tokens.append(made.stdout.strip())
    database = instance_database(path)
    DATABASES.seal(database)
    database.dispose()
    yield Instance(path, content, *tokens)
    DATABASES.drop(path)


@pytest.fixture
def instance(instance_template: Instance, tmp_path: Path) -> Iterator[Instance]:
    """The test's own copy of the template instance: its folder (secret key and all),
    its database and the YAML it was imported from."""
    path = tmp_path / "instance"
    content = tmp_path / "content"
    shutil.copytree(instance_template.content, content)
    shutil.copytree(instance_template.path, path, ignore=shutil.ignore_patterns(SQLITE_FILE + "*"))
    DATABASES.create(path, instance_template.path)
    yield dataclasses.replace(instance_template, path=path, content=content)
    DATABASES.drop(path)


class Servers:
    """`signage serve` on one instance, started and stopped at will, always on the same
    port: a kiosk's storage and service worker belong to its origin, so a restarted
    server must come back where its kiosks left it."""

    def __init__(self, instance: Instance, logs: Path, port: int) -> None:
        self.instance, self.logs, self.port = instance, logs, port
        self._running: list[Any] = []

    def start(self) -> Server:
        logs = self.logs / f"serve-{len(self._running)}-{time.monotonic_ns()}"
        logs.mkdir()
        manager = running(self.instance.path, logs, "serve")
        base, _ = manager.__enter__()
        self._running.append(manager)
        return Server(base, self.instance)

    def stop(self) -> None:
        self._running.pop().__exit__(None, None, None)

    def stop_all(self) -> None:
        while self._running:
            self.stop()


@pytest.fixture
def app_port() -> int:
    """The port of the test's `signage serve` (a module may share one among its tests,
    e.g. for an identity provider that knows the app's address)."""
    return processes.free_port()


@pytest.fixture
def servers(
    instance: Instance, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, app_port: int
) -> Iterator[Servers]:
    found = Servers(instance, tmp_path, app_port)
    # `running` binds a port from free_port(); give it the same one every time.
    monkeypatch.setattr(processes, "free_port", lambda: found.port)
    yield found
    found.stop_all()


@pytest.fixture
def server(servers: Servers) -> Server:
    return servers.start()


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM),
            args=["--no-sandbox", "--disable-gpu", "--autoplay-policy=no-user-gesture-required"],
        )
        yield browser
        browser.close()


@pytest.fixture
def kiosk_context(browser: Browser) -> Iterator[Callable[[], BrowserContext]]:
    """New browser profiles (one per kiosk), closed after the test."""
    made: list[BrowserContext] = []

    def make() -> BrowserContext:
        context = browser.new_context(viewport={"width": 960, "height": 540})
        made.append(context)
        return context

    yield make
    for context in made:
        context.close()


def wait_for(condition: Callable[[], Any], within_s: float, what: str) -> Any:
    """Poll until `condition()` is truthy; fail naming `what` after `within_s`."""
    deadline = time.monotonic() + within_s
    while True:
        try:
            value = condition()
        except Exception:  # a page mid-reload answers nothing for a moment
            value = None
        if value:
            return value
        if time.monotonic() > deadline:
            pytest.fail(f"{what}: not within {within_s} s")
        time.sleep(0.1)


def shown_slide(page: Page) -> str | None:
    """The slide on the visible layer (a slide id, or `brand` / `blank`)."""
    return page.evaluate("document.getElementById('stage').dataset.slideId || null")  # type: ignore[no-any-return]


def shown_heading(page: Page) -> str:
    return page.evaluate(  # type: ignore[no-any-return]
        "(() => { const h = document.querySelector('.layer.visible .heading');"
        " return h ? h.textContent : ''; })()"
    )


def open_kiosk(context: BrowserContext, base: str, query: str = "") -> Page:
    page = context.new_page()
    page.goto(f"{base}/player{query}")
    return page


def pairing_code(page: Page) -> str:
    return wait_for(  # type: ignore[no-any-return]
        lambda: page.evaluate("document.getElementById('pairing-code').dataset.code || ''"),
        10,
        "the kiosk shows a pairing code",
    )


def pair(page: Page, server: Server, name: str) -> int:
    """Pair the kiosk on `page` as the existing display `name`; returns its id."""
    display_id = server.display_id(name)
    answer = server.api(
        "POST", "/displays/pair", {"code": pairing_code(page), "display_id": display_id}
    )
    assert answer.status_code in {200, 201}, answer.text
    return display_id


def playing(page: Page, within_s: float = 10) -> str:
    """Wait until the kiosk shows a slide; returns its id."""
    return wait_for(  # type: ignore[no-any-return]
        lambda: (shown_slide(page) or "").isdigit() and shown_slide(page),
        within_s,
        "the kiosk plays a slide",
    )


# -- the console ------------------------------------------------------------------------
@pytest.fixture
def staff_context(browser: Browser) -> Iterator[Callable[..., BrowserContext]]:
    """New browser profiles for staff (desktop size unless told), closed after the test."""
    made: list[BrowserContext] = []

    def make(width: int = 1280, height: int = 900) -> BrowserContext:
        context = browser.new_context(viewport={"width": width, "height": height})
        made.append(context)
        return context

    yield make
    for context in made:
        context.close()


def sign_in(context: BrowserContext, base: str, email: str, password: str = PASSWORD) -> Page:
    """A console page signed in as `email` (the login form, as a person uses it)."""
    page = context.new_page()
    page.goto(f"{base}/login")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", password)
    page.click("form.login button[type=submit]")
    page.wait_for_url(f"{base}/console")
    return page


def live(page: Page, within_s: float = 10) -> None:
    """Wait until the page's /console socket is connected (live updates flow)."""
    wait_for(
        lambda: page.evaluate("document.body.dataset.socket") == "connected",
        within_s,
        "the console page's live connection",
    )


def axe_violations(page: Page) -> list[dict[str, Any]]:
    """Serious and critical accessibility problems axe-core finds on the page as it is.
    axe is evaluated through the DevTools protocol, which the page's CSP does not block
    (an injected <script> would be, rightly)."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.evaluate(AXE.read_text(encoding="utf-8"))
    result = page.evaluate(
        "axe.run(document, {runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', "
        "'wcag21aa', 'best-practice']}}).then(r => r.violations.map(v => ({id: v.id, "
        "impact: v.impact, help: v.help, nodes: v.nodes.slice(0, 3).map(n => n.target)})))"
    )
    return [v for v in result if v["impact"] in ("serious", "critical")]


def assert_accessible(page: Page) -> None:
    found = axe_violations(page)
    assert not found, f"{page.url}: axe finds serious or critical problems: {found}"


def inline_scripts(page: Page) -> list[str]:
    """Inline script on the page: <script> without src, on* handler attributes, and
    javascript: addresses (our CSP would block each; none may be there at all)."""
    return page.evaluate(  # type: ignore[no-any-return]
        r"""(() => {
          const found = [];
          document.querySelectorAll('script:not([src])').forEach(s => {
            if ((s.type || 'text/javascript') !== 'application/json')
              found.push(s.outerHTML.slice(0, 80));
          });
          document.querySelectorAll('*').forEach(el => {
            for (const a of el.attributes) {
              if (a.name.startsWith('on')) found.push(el.tagName + ' ' + a.name);
              if (/^\s*javascript:/i.test(a.value))
                found.push(el.tagName + ' ' + a.name + '=javascript:');
            }
          });
          return found;
        })()"""
    )


# -- reports ------------------------------------------------------------------------------
def seed_reports(instance: Instance, days: int = 3) -> None:
    """Proof of play and an outage in the instance's database, through the same writes
    and sweep the server uses, so the report pages have figures and charts to show (the
    server rolls plays up once a minute: too slow to wait for in a test)."""
    from datetime import timedelta
    from zoneinfo import ZoneInfo

    from sqlalchemy import select

    from signage.content.models import Slide
    from signage.db import microseconds, utcnow
    from signage.monitoring.models import DisplayOutage
    from signage.reports.ingest import write_plays
    from signage.reports.rollups import roll_up
    from signage.screens.models import Display

    database = instance_database(instance.path)
    now = utcnow()
    with database.transaction() as session:
        displays = list(session.scalars(select(Display).order_by(Display.id)))
        slides = list(session.scalars(select(Slide).where(Slide.live_revision_id.is_not(None))))
        rows = []
        for day in range(days):
            for display in displays:
                for index, slide in enumerate(slides):
                    for repeat in range(index + 1):
                        rows.append(
                            {
                                "display_id": display.id,
                                "client_id": f"seed-{day}-{slide.id}-{repeat}",
                                "slide_id": slide.id,
                                "revision_id": slide.live_revision_id,
                                "alert_id": None,
                                "language": "da",
                                "started_at": microseconds(
                                    now - timedelta(days=day, hours=1, minutes=repeat)
                                ),
                                "duration_ms": SLIDE_S * 1000 * (index + 1),
                                "region": "main",
                            }
                        )
            display_ago = timedelta(days=days)
            for display in displays:
                display.last_seen_at, display.created_at = now, now - display_ago
        write_plays(session, rows)
        roll_up(session, ZoneInfo("Europe/Copenhagen"), now, timedelta(days=90))
        session.add(
            DisplayOutage(
                display_id=displays[-1].id,
                last_seen_at=now - timedelta(hours=5),
                detected_at=now - timedelta(hours=4, minutes=55),
                ended_at=now - timedelta(hours=4),
            )
        )
    database.dispose()
