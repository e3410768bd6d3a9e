"""Prometheus metrics for /metrics.

Two kinds. This process's own, in prometheus_client's default registry: request
latencies by blueprint and the kiosk sockets connected here (sum them over the web
processes). And the instance's, read from the database at each scrape: counters that
every process bumps in the transaction of the event they count (alerts sent and
acknowledged, manifest pushes, sweeps), displays online, open outages and each sweep's
last run (the same on every web process: aggregate them with max, not sum).
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass

from flask import Flask, Response, g, request
from prometheus_client import REGISTRY, Gauge, Histogram, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from signage.monitoring import counters
from signage.monitoring.mail import MAX_ATTEMPTS
from signage.monitoring.models import DisplayOutage, OutgoingMail
from signage.realtime import PLAYER_NAMESPACE
from signage.scheduling.models import JobRun
from signage.screens.models import Display

# Labels come from fixed sets only: a label per path or per client would make a series
# per address that anyone can invent.
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
SECONDS_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)

REQUEST_SECONDS = Histogram(
    "signage_http_request_duration_seconds",
    "Time to answer an HTTP request, by blueprint (api, console, player …), method and "
    "status class",
    ("blueprint", "method", "status"),
    buckets=SECONDS_BUCKETS,
)
KIOSK_CONNECTIONS = Gauge(
    "signage_kiosk_connections", "Kiosk sockets connected to this web process"
)


def connected_kiosks() -> int:
    from signage.realtime import socketio

    server = getattr(socketio, "server", None)
    if server is None:
        return 0
    return len(server.manager.rooms.get(PLAYER_NAMESPACE, {}).get(None, {}))


KIOSK_CONNECTIONS.set_function(connected_kiosks)


def init_app(app: Flask) -> None:
    """Time every request. The timer starts before any other hook, so refusals by the
    authorisation table are timed too."""
    app.before_request_funcs.setdefault(None, []).insert(0, _start_timer)
    app.after_request(_observe)


def _start_timer() -> None:
    g.request_started = time.perf_counter()


def _observe(response: Response) -> Response:
    started = g.pop("request_started", None)
    if started is not None:
        blueprint = request.blueprint or ("static" if request.endpoint == "static" else "none")
        method = request.method if request.method in METHODS else "other"
        status = f"{response.status_code // 100}xx"
        REQUEST_SECONDS.labels(blueprint, method, status).observe(time.perf_counter() - started)
    return response


# -- the instance's figures, from the database ------------------------------------------
@dataclass(frozen=True)
class CounterSpec:
    name: str  # in the counters table
    metric: str
    help: str
    label: str | None = None
    always: tuple[str, ...] = ()  # label values shown at 0 before their first event


COUNTERS = (
    CounterSpec(
        counters.ALERTS_SENT,
        "signage_alerts_sent",
        "Alerts sent (console, API and CAP), by severity",
        "severity",
        ("info", "warning", "critical"),
    ),
    CounterSpec(
        counters.ALERT_ACKNOWLEDGEMENTS,
        "signage_alert_acknowledgements",
        "Alerts acknowledged as shown, once per alert and display",
    ),
    CounterSpec(
        counters.MANIFEST_PUSHES,
        "signage_manifest_pushes",
        "New manifest versions stored and pushed to kiosks",
    ),
    CounterSpec(counters.JOB_SWEEPS, "signage_job_sweeps", "Runs of each periodic sweep", "job"),
    CounterSpec(
        counters.JOB_SWEEP_FAILURES,
        "signage_job_sweep_failures",
        "Runs of each periodic sweep that failed",
        "job",
    ),
    CounterSpec(
        counters.NOTIFICATION_EMAILS,
        "signage_notification_emails_sent",
        "Notification emails the SMTP server accepted, by kind",
        "kind",
    ),
)


class InstanceCollector(Collector):
    """Collects the instance-wide figures with one session, at scrape time."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def collect(self) -> Iterator[Metric]:
        yield from self._counters()
        yield from self._displays()
        yield from self._jobs()

    def _counters(self) -> Iterator[Metric]:
        values = counters.read_all(self.session)
        for spec in COUNTERS:
            labels = [spec.label] if spec.label else []
            family = CounterMetricFamily(spec.metric, spec.help, labels=labels)
            if spec.label is None:
                family.add_metric([], values.get((spec.name, ""), 0))
            else:
                seen = {label for name, label in values if name == spec.name}
                for label in sorted(seen | set(spec.always)):
                    family.add_metric([label], values.get((spec.name, label), 0))
            yield family

    def _displays(self) -> Iterator[Metric]:
        counted = select(Display.online, func.count().label("n")).group_by(Display.online)
        by_state = {row.online: row.n for row in self.session.execute(counted)}
        displays = GaugeMetricFamily(
            "signage_displays", "Displays by the state of their last heartbeat", labels=["state"]
        )
        displays.add_metric(["online"], by_state.get(True, 0))
        displays.add_metric(["offline"], by_state.get(False, 0))
        yield displays
        outages = self.session.scalar(select(func.count()).where(DisplayOutage.ended_at.is_(None)))
        yield GaugeMetricFamily(
            "signage_display_outages_open",
            "Displays silent past the threshold inside their power windows",
            value=outages or 0,
        )
        waiting = self.session.scalar(
            select(func.count()).where(
                OutgoingMail.sent_at.is_(None), OutgoingMail.attempts < MAX_ATTEMPTS
            )
        )
        yield GaugeMetricFamily(
            "signage_notification_emails_waiting",
            "Notification emails not yet accepted by the SMTP server",
            value=waiting or 0,
        )

    def _jobs(self) -> Iterator[Metric]:
        last = GaugeMetricFamily(
            "signage_job_last_run_timestamp_seconds",
            "When each sweep last ran (Unix time)",
            labels=["job"],
        )
        ok = GaugeMetricFamily(
            "signage_job_last_run_ok", "1 when the sweep's last run succeeded", labels=["job"]
        )
        for run in self.session.scalars(select(JobRun).order_by(JobRun.name)):
            last.add_metric([run.name], run.last_run_at.timestamp())
            ok.add_metric([run.name], 1 if run.ok else 0)
        yield last
        yield ok


def exposition(session: Session) -> bytes:
    """The text exposition: this process's metrics, then the instance's."""
    return generate_latest(REGISTRY) + generate_latest(InstanceCollector(session))
