"""Counters, outages and the audit log page on PostgreSQL: the upserts and queries that
differ by database."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from signage.app import create_app
from signage.db import Database, utcnow
from signage.migrate import upgrade
from signage.monitoring.models import DisplayOutage, Notification
from signage.scheduling.jobs import Sweeps
from signage.scheduling.propagator import Propagator
from signage.screens.models import Display
from tests.conftest import Api, make_settings
from tests.factories import build_world
from tests.integration.test_metrics import parse, value

pytestmark = pytest.mark.services


def test_counters_outages_and_the_audit_page_work_on_postgres(
    postgres_url: str, tmp_path: Path
) -> None:
    app = create_app(make_settings(tmp_path / "instance", postgres_url))
    database: Database = app.extensions["signage.db"]
    upgrade(database.engine)
    world = build_world(database)
    admin = Api(app.test_client(), world.tokens["admin"])
    for _ in range(2):  # the second bumps the row the first inserted
        sent = admin.post("alerts", {"title": "Test", "severity": "info", "targets": {"all": True}})
        assert sent.status_code == 201, sent.get_json()
    with database.transaction() as session:
        display = session.get(Display, world.displays["bibliotek"])
        assert display is not None
        display.token_hash = "1" * 64
        display.last_seen_at = utcnow() - timedelta(hours=1)
    sweeps = Sweeps(Propagator(database, "Europe/Copenhagen", "da"))
    sweeps.propagate()
    sweeps.watch_outages()
    sweeps.watch_outages()

    samples = parse(admin.get("/metrics").get_data(as_text=True))
    assert value(samples, "signage_alerts_sent_total", severity="info") == 2
    assert value(samples, "signage_manifest_pushes_total") == len(world.displays)
    assert value(samples, "signage_job_sweeps_total", job="watch_outages") == 2
    assert value(samples, "signage_display_outages_open") == 1
    with database.sessions() as session:
        assert session.scalar(select(func.count()).select_from(DisplayOutage)) == 1
        assert session.scalar(select(func.count()).select_from(Notification)) == 1
    # A wildcard in "who" is matched literally (escaped in ILIKE on PostgreSQL too).
    page = admin.get("/console/admin/audit", query_string={"who": "%", "what": "alert"})
    assert page.status_code == 200
    assert "Ingen hændelser passer til filteret." in page.get_data(as_text=True)
    everyone = admin.get("/console/admin/audit", query_string={"who": "ADMIN@", "what": "alert"})
    assert everyone.get_data(as_text=True).count("alert.send") == 2
    database.dispose()
