"""``GET /healthz`` (the process is alive) and ``GET /readyz`` (database reachable, inbox below its limit)."""

from __future__ import annotations

from flask import Blueprint, Response, current_app, jsonify

from guard.db import DatabaseUnavailable
from guard.services import Services

blueprint = Blueprint("health", __name__)


@blueprint.get("/healthz")
def healthz() -> Response:
    return jsonify({"status": "ok"})


@blueprint.get("/readyz")
def readyz() -> tuple[Response, int]:
    services: Services = current_app.extensions["guard"]
    try:
        depth = services.inbox.depth()
    except DatabaseUnavailable:
        return jsonify({"status": "unavailable", "database": "unreachable"}), 503
    limit = services.inbox.limit
    ready = depth < limit
    body = {
        "status": "ok" if ready else "unavailable",
        "database": "ok",
        "inbox_depth": depth,
        "inbox_limit": limit,
    }
    return jsonify(body), 200 if ready else 503
