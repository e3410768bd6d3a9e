"""Prometheus metrics at /metrics: refused without a token that may read them, parsed
with prometheus_client's own text parser, and counters that move when a real alert is
sent and acknowledged, a manifest is pushed and a sweep runs."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from prometheus_client.parser import text_string_to_metric_families

from signage.accounts.models import User
from signage.accounts.services import create_token
from signage.db import Database, utcnow
from signage.realtime import socketio
from signage.scheduling.jobs import Sweeps
from signage.scheduling.propagator import Propagator
from tests.factories import World
from tests.integration.test_kiosks import paired  # noqa: F401 - a fixture

Samples = dict[str, dict[tuple[tuple[str, str], ...], float]]


def parse(text: str) -> Samples:
    """sample name → labels → value, as Prometheus reads the page."""
    found: Samples = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            labels = tuple(sorted(sample.labels.items()))
            found.setdefault(sample.name, {})[labels] = sample.value
    return found


def scrape(client: FlaskClient, token: str) -> Samples:
    response = client.get("/metrics", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.content_type.startswith("text/plain")
    return parse(response.get_data(as_text=True))


def value(samples: Samples, name: str, **labels: str) -> float:
    return samples.get(name, {}).get(tuple(sorted(labels.items())), 0.0)


@pytest.fixture
def metrics_token(database: Database, world: World) -> str:
    """What a Prometheus scraper holds: a token of scope metrics:read."""
    with database.transaction() as session:
        user = session.get(User, world.users["viewer"])
        assert user is not None
        return create_token(session, user, scope="metrics:read", name="prometheus")


# -- who may read them -------------------------------------------------------------------
@pytest.mark.parametrize("accept", ["*/*", "text/plain", "application/openmetrics-text"])
def test_metrics_without_a_token_are_refused_with_401_not_a_login_page(
    client: FlaskClient, world: World, accept: str
) -> None:
    response = client.get("/metrics", headers={"Accept": accept})
    assert response.status_code == 401
    assert response.get_json()["error"]["code"] == "unauthorized"
    assert b"signage_" not in response.data


def test_an_unknown_token_is_refused(client: FlaskClient, world: World) -> None:
    response = client.get("/metrics", headers={"Authorization": "Bearer not-a-token"})
    assert response.status_code == 401


@pytest.mark.parametrize("name", ["viewer", "editor", "manager", "communicator"])
def test_staff_tokens_without_the_scope_are_refused_with_403(
    client: FlaskClient, world: World, name: str
) -> None:
    response = client.get("/metrics", headers={"Authorization": f"Bearer {world.tokens[name]}"})
    assert response.status_code == 403
    assert b"signage_" not in response.data


def test_a_metrics_token_and_an_admin_read_the_metrics(
    client: FlaskClient, world: World, metrics_token: str
) -> None:
    for token in (metrics_token, world.tokens["admin"]):
        samples = scrape(client, token)
        assert "signage_alerts_sent_total" in samples
        assert "signage_http_request_duration_seconds_bucket" in samples


def test_a_metrics_token_reads_nothing_else(
    client: FlaskClient, world: World, metrics_token: str
) -> None:
    headers = {"Authorization": f"Bearer {metrics_token}"}
    assert client.get("/api/v1/displays", headers=headers).status_code == 403
    assert client.get("/api/v1/audit", headers=headers).status_code == 403


# -- what they say ---------------------------------------------------------------------
def test_sending_an_alert_counts_it_by_severity(
    client: FlaskClient, as_user: Any, world: World, metrics_token: str
) -> None:
    before = scrape(client, metrics_token)
    sent = as_user("communicator").post(
        "alerts", {"title": "Strømsvigt", "severity": "critical", "targets": {"all": True}}
    )
    assert sent.status_code == 201, sent.get_json()
    after = scrape(client, metrics_token)
    name = "signage_alerts_sent_total"
    assert value(after, name, severity="critical") == value(before, name, severity="critical") + 1
    assert value(after, name, severity="warning") == value(before, name, severity="warning")


@pytest.fixture
def kiosk(app: Flask, paired: tuple[int, str]) -> Iterator[Any]:  # noqa: F811 - the fixture imported above
    """The paired kiosk connected to /player with its device token."""
    client = socketio.test_client(app, namespace="/player", auth={"token": paired[1]})
    assert client.is_connected("/player")
    yield client
    if client.is_connected("/player"):
        client.disconnect("/player")


def test_a_kiosk_acknowledging_an_alert_is_counted_once(
    app: Flask,
    client: FlaskClient,
    as_user: Any,
    database: Database,
    metrics_token: str,
    kiosk: Any,
    world: World,
) -> None:
    before = scrape(client, metrics_token)
    sent = as_user("manager").post(
        "alerts",
        {
            "title": "Vandskade",
            "severity": "warning",
            "targets": {"location_ids": [world.locations["bibliotek"]]},
        },
    )
    alert_id = sent.get_json()["id"]
    for _ in range(2):  # a kiosk resends its ack after a reconnect
        answer = kiosk.emit("ack", {"alert_id": alert_id}, namespace="/player", callback=True)
        assert answer == []  # no refusal
        with database.transaction() as session:
            app.extensions["signage.receipts"].flush(session)
    after = scrape(client, metrics_token)
    name = "signage_alert_acknowledgements_total"
    assert value(after, name) == value(before, name) + 1


def test_connected_kiosks_are_counted_while_connected(
    client: FlaskClient, metrics_token: str, kiosk: Any
) -> None:
    assert value(scrape(client, metrics_token), "signage_kiosk_connections") == 1
    kiosk.disconnect("/player")
    assert value(scrape(client, metrics_token), "signage_kiosk_connections") == 0


def test_manifest_pushes_and_sweeps_are_counted(
    client: FlaskClient, database: Database, world: World, metrics_token: str
) -> None:
    before = scrape(client, metrics_token)
    sweeps = Sweeps(Propagator(database, "Europe/Copenhagen", "da"))
    sweeps.propagate()  # the first run gives every display a manifest
    sweeps.propagate()  # nothing changed since: nothing pushed
    after = scrape(client, metrics_token)
    pushes = "signage_manifest_pushes_total"
    assert value(after, pushes) == value(before, pushes) + len(world.displays)
    runs = "signage_job_sweeps_total"
    assert value(after, runs, job="propagate") == value(before, runs, job="propagate") + 2
    assert value(after, "signage_job_last_run_ok", job="propagate") == 1
    last = value(after, "signage_job_last_run_timestamp_seconds", job="propagate")
    assert abs(last - utcnow().timestamp()) < timedelta(minutes=1).total_seconds()


def test_a_failing_sweep_is_counted_as_a_failure(
    client: FlaskClient, database: Database, world: World, metrics_token: str
) -> None:
    sweeps = Sweeps(Propagator(database, "Europe/Copenhagen", "da"))

    def broken() -> str:
        raise RuntimeError("the disk is full")

    sweeps._record("broken", broken)
    samples = scrape(client, metrics_token)
    assert value(samples, "signage_job_sweep_failures_total", job="broken") == 1
    assert value(samples, "signage_job_last_run_ok", job="broken") == 0


def test_request_latencies_are_a_histogram_by_blueprint_with_few_labels(
    client: FlaskClient, world: World, metrics_token: str
) -> None:
    headers = {"Authorization": f"Bearer {world.tokens['viewer']}"}
    before = scrape(client, metrics_token)
    assert client.get("/api/v1/displays", headers=headers).status_code == 200
    client.open("/api/v1/displays", method="BREW", headers=headers)  # an invented method
    client.get("/no/such/page")
    after = scrape(client, metrics_token)
    count = "signage_http_request_duration_seconds_count"
    ok = {"blueprint": "api", "method": "GET", "status": "2xx"}
    assert value(after, count, **ok) == value(before, count, **ok) + 1
    # Matched no route (405, 404): no blueprint; the invented method is not a label.
    assert value(after, count, blueprint="none", method="other", status="4xx") >= 1
    assert value(after, count, blueprint="none", method="GET", status="4xx") >= 1
    label_sets = set(after.get(count, {}))
    assert all(dict(labels).keys() == {"blueprint", "method", "status"} for labels in label_sets)
    assert not any("/api/v1/displays" in str(labels) for labels in label_sets)


def test_displays_are_counted_by_state(
    client: FlaskClient,
    metrics_token: str,
    paired: tuple[int, str],  # noqa: F811
) -> None:
    headers = {"Authorization": f"Bearer {paired[1]}"}
    assert client.post("/player/api/heartbeat", json={}, headers=headers).status_code == 204
    samples = scrape(client, metrics_token)
    assert value(samples, "signage_displays", state="online") == 1
    assert value(samples, "signage_displays", state="offline") == 2  # never seen
