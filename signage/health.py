"""Liveness and readiness probes, and the Prometheus metrics."""

from __future__ import annotations

from flask import Blueprint, Response, jsonify
from prometheus_client import CONTENT_TYPE_LATEST
from sqlalchemy import func, select, text

from signage.api.serializers import iso
from signage.monitoring.metrics import exposition
from signage.scheduling.models import JobRun
from signage.web import db_session

bp = Blueprint("health", __name__)


@bp.get("/healthz")
def healthz() -> Response:
    return jsonify({"status": "ok"})


@bp.get("/readyz")
def readyz() -> tuple[Response, int]:
    try:
        session = db_session()
        session.execute(text("SELECT 1"))
        last_sweep = session.scalar(select(func.max(JobRun.last_run_at)))
    except Exception:  # whatever the database raises, the answer is "not ready"
        return jsonify({"status": "unavailable", "database": "unreachable"}), 503
    return jsonify({"status": "ok", "database": "ok", "last_sweep": iso(last_sweep)}), 200


@bp.get("/metrics")
def metrics() -> Response:
    return Response(exposition(db_session()), headers={"Content-Type": CONTENT_TYPE_LATEST})
