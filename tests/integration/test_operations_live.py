"""Operations against a running `signage serve` whose jobs run in their own worker
process: /metrics of the web process shows what the jobs did (manifest pushes, sweeps)
and what a real kiosk did (connected, acknowledged an alert); with
SIGNAGE_LOG_FORMAT=json every log line is a JSON object with no personal data beyond a
user id."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from sqlalchemy import select

from signage.accounts.services import system_principal
from signage.screens.models import Display, Location
from signage.screens.services import DisplayService
from tests.databases import instance_database
from tests.integration.test_metrics import Samples, parse, value
from tests.integration.test_player_socket import Server, kiosk
from tests.processes import demo_instance, running, signage

pytestmark = pytest.mark.slow
WAIT_S = 20
EMAIL = "kommunikation@gladsaxe.dk"


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Server, str, Path]]:
    """The server, a metrics:read token, and the file its log goes to."""
    root = tmp_path_factory.mktemp("operations")
    instance = root / "instance"
    demo_instance(instance)
    role = ("--role", "communicator", "--password", "correct horse battery staple")
    assert signage(instance, "user", "add", EMAIL, *role).returncode == 0
    api_token = signage(instance, "token", "add", EMAIL).stdout.strip()
    scraper = signage(instance, "token", "add", EMAIL, "--scope", "metrics:read")
    assert scraper.returncode == 0, scraper.stderr
    database = instance_database(instance)
    with database.transaction() as session:
        foyer = session.scalar(
            select(Display)
            .join(Location)
            .where(Location.slug == "raadhuset", Display.name == "Foyer")
        )
        assert foyer is not None
        token = DisplayService().issue_token(session, system_principal(session), foyer)
        display_id = foyer.id
    database.dispose()
    with running(instance, root, "serve", env={"SIGNAGE_LOG_FORMAT": "json"}) as (base, out):
        server = Server(base, token, "", display_id, api_token, out, instance)
        yield server, scraper.stdout.strip(), root / "stderr.txt"


def scrape(base: str, token: str) -> Samples:
    response = requests.get(
        f"{base}/metrics", headers={"Authorization": f"Bearer {token}"}, timeout=10
    )
    assert response.status_code == 200, response.text
    return parse(response.text)


def eventually(check: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + WAIT_S
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"not within {WAIT_S} s: {what}")
        time.sleep(0.2)


def test_the_web_process_reports_what_the_jobs_worker_did(
    live: tuple[Server, str, Path],
) -> None:
    server, token, _log = live
    # The worker's first propagation gives every display a manifest.
    eventually(
        lambda: value(scrape(server.base, token), "signage_manifest_pushes_total") >= 6,
        "the demo's six displays got their manifests",
    )
    before = scrape(server.base, token)
    assert value(before, "signage_job_sweeps_total", job="propagate") >= 1
    renamed = server.api("PATCH", f"displays/{server.display_id}", json={"languages": ["da"]})
    assert renamed.status_code == 200, renamed.text
    eventually(
        lambda: (
            value(scrape(server.base, token), "signage_manifest_pushes_total")
            > value(before, "signage_manifest_pushes_total")
        ),
        "the changed display's new manifest was pushed",
    )
    after = scrape(server.base, token)
    assert value(after, "signage_job_sweeps_total", job="propagate") > value(
        before, "signage_job_sweeps_total", job="propagate"
    )


def test_a_real_kiosk_is_counted_and_its_acknowledgement_too(
    live: tuple[Server, str, Path],
) -> None:
    server, token, _log = live
    before = scrape(server.base, token)
    found = kiosk(server, server.token)
    try:
        assert value(scrape(server.base, token), "signage_kiosk_connections") == 1
        sent = server.api(
            "POST",
            "alerts",
            json={"title": "Vandskade", "severity": "warning", "targets": {"all": True}},
        )
        assert sent.status_code == 201, sent.text
        alert_id = sent.json()["id"]
        found.wait_for("alert", lambda alert: alert["id"] == alert_id)
        assert found.client.call("ack", {"alert_id": alert_id}, namespace="/player") is None
        acks = "signage_alert_acknowledgements_total"
        eventually(
            lambda: value(scrape(server.base, token), acks) == value(before, acks) + 1,
            "the acknowledgement was counted",
        )
        sent_total = "signage_alerts_sent_total"
        after = scrape(server.base, token)
        assert value(after, sent_total, severity="warning") == (
            value(before, sent_total, severity="warning") + 1
        )
        server.api("POST", f"alerts/{alert_id}/clear")
    finally:
        found.client.disconnect()
    eventually(
        lambda: value(scrape(server.base, token), "signage_kiosk_connections") == 0,
        "the kiosk's disconnect was counted",
    )


def test_metrics_without_a_token_are_refused_by_the_live_server(
    live: tuple[Server, str, Path],
) -> None:
    server, _token, _log = live
    assert requests.get(f"{server.base}/metrics", timeout=10).status_code == 401
    wrong = {"Authorization": f"Bearer {server.api_token}"}  # a communicator, not the scope
    assert requests.get(f"{server.base}/metrics", headers=wrong, timeout=10).status_code == 403


def test_every_log_line_is_json_and_names_users_only_by_id(
    live: tuple[Server, str, Path],
) -> None:
    server, _token, log = live
    assert server.api("GET", "displays").status_code == 200
    with_token = f"{server.base}/player?token={server.token}"
    assert requests.get(with_token, timeout=10).status_code == 200

    def request_lines() -> list[dict[str, Any]]:
        lines = [line for line in log.read_text().splitlines() if line.strip()]
        records = [json.loads(line) for line in lines]  # every line parses
        return [record for record in records if record.get("path") == "/api/v1/displays"]

    eventually(lambda: bool(request_lines()), "the API request was logged")
    (record,) = request_lines()[-1:]
    assert record["level"] == "INFO"
    assert record["method"] == "GET"
    assert record["status"] == 200
    assert isinstance(record["user_id"], int)
    assert "time" in record
    text = log.read_text()
    assert EMAIL not in text
    assert server.token not in text  # the kiosk's token came in the query string
    assert "127.0.0.1" not in text.replace(server.base, "")  # no client address
