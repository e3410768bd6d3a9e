"""Liveness and readiness probes."""

from __future__ import annotations

from flask import Blueprint, Response, jsonify
from sqlalchemy import func, select, text

from signage.api.serializers import iso
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
