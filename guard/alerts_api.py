"""The alert feed's JSON API under ``/api/alerts``, described in ``docs/alerts-api.yaml``."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, current_app, g, jsonify, request, url_for

from guard.alert_queries import QueryError, get_alert, list_alerts, parse_filter, parse_limit
from guard.alerts import AlertStore, StateConflict
from guard.api_auth import token_required, unavailable
from guard.db import DatabaseUnavailable
from guard.services import Services

blueprint = Blueprint("alerts_api", __name__)


def _services() -> Services:
    services: Services = current_app.extensions["guard"]
    return services


def _error(status: int, message: str) -> tuple[Response, int]:
    return jsonify(error=message), status


@blueprint.errorhandler(DatabaseUnavailable)
def _database_unavailable(_exc: DatabaseUnavailable) -> tuple[Response, int]:
    return unavailable()


@blueprint.after_request
def _not_cached(response: Response) -> Response:
    response.headers["Cache-Control"] = "no-store"
    return response


@blueprint.get("/api/alerts")
@token_required()
def list_view() -> Any:
    try:
        wanted = parse_filter(request.args)
        limit = parse_limit(request.args.get("limit"))
        page = list_alerts(_services().db, wanted, request.args.get("cursor") or None, limit)
    except QueryError as exc:
        return _error(400, str(exc))
    answer = jsonify(alerts=[alert.as_json() for alert in page.alerts], next_cursor=page.next_cursor)
    if page.next_cursor is not None:
        following: dict[str, Any] = {**wanted.as_query(), "cursor": page.next_cursor, "limit": limit}
        answer.headers["Link"] = f'<{url_for(".list_view", **following)}>; rel="next"'
    return answer


@blueprint.get("/api/alerts/<int:alert_id>")
@token_required()
def detail_view(alert_id: int) -> Any:
    alert = get_alert(_services().db, alert_id)
    if alert is None:
        return _error(404, f"no alert {alert_id}")
    return jsonify(alert.as_json())


@blueprint.post("/api/alerts/<int:alert_id>/<any(acknowledge, resolve):change>")
@token_required()
def change_view(alert_id: int, change: str) -> Any:
    note, problem = _note()
    if problem is not None:
        return _error(400, problem)
    store = AlertStore(_services().db)
    act = store.acknowledge if change == "acknowledge" else store.resolve
    try:
        alert = act(alert_id, f"token:{g.token_name}", note)
    except StateConflict as exc:
        return _error(409, str(exc))
    except ValueError as exc:
        return _error(400, str(exc))
    if alert is None:
        return _error(404, f"no alert {alert_id}")
    return jsonify(alert.as_json())


def _note() -> tuple[str | None, str | None]:
    """The optional ``note`` of a state change's JSON body, or the reason the body is refused."""
    if not request.get_data():
        return None, None
    body = request.get_json(silent=True)
    if not isinstance(body, dict) or set(body) - {"note"}:
        return None, 'the body must be a JSON object with at most a "note" string'
    note = body.get("note")
    if note is not None and not isinstance(note, str):
        return None, '"note" must be a string'
    return note, None
