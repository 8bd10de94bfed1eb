"""``POST /api/github/webhooks``: verify, store in the inbox, answer. No policy work happens here.

Answers: 202 stored (or recorded as ignored), 200 duplicate or ping, 400 malformed, 401 bad signature,
413 too large, 415 not JSON, 503 inbox full or database unreachable (so GitHub records a failure that
can be redelivered: nothing unstored ever gets a 2xx).
"""

from __future__ import annotations

import json
import time
from collections.abc import Mapping
from typing import Any

import structlog
from flask import Blueprint, Response, current_app, jsonify, request

from guard import metrics
from guard.db import DatabaseUnavailable
from guard.inbox import DONE, IGNORED, InboxFull, IncomingDelivery, PutResult
from guard.logs import bind_delivery
from guard.services import Services
from guard.webhook import MAX_BODY_BYTES, Rejected, required_headers, summarise, verify_signature

log = structlog.get_logger("guard.receiver")
blueprint = Blueprint("receiver", __name__)
RETRY_AFTER_SECONDS = "30"
SERVER_LOGS_REQUESTS = "guard.server_logs_requests"  # app.config key, not a setting: see create_app
REFUSALS = {400: "malformed", 401: "bad_signature", 413: "too_large", 415: "not_json", 503: "unavailable"}


@blueprint.post("/api/github/webhooks")
def receive() -> tuple[Response, int]:
    started = time.perf_counter()
    services: Services = current_app.extensions["guard"]
    try:
        status, body = _receive(services)
    except Rejected as exc:
        status, body = exc.status, {"error": exc.reason}
    metrics.delivery_received(body.get("event"), body.get("status") or REFUSALS.get(status, str(status)))
    outcome = body.get("status") or body.get("error")
    if current_app.config.get(SERVER_LOGS_REQUESTS):
        structlog.contextvars.bind_contextvars(status=status, outcome=outcome)
    else:
        elapsed_ms = round((time.perf_counter() - started) * 1000, 2)
        log.info("delivery answered", status=status, outcome=outcome, ms=elapsed_ms)
    response = jsonify(body)
    if status == 503:
        response.headers["Retry-After"] = RETRY_AFTER_SECONDS
    return response, status


def _receive(services: Services) -> tuple[int, dict[str, Any]]:
    if (request.content_length or 0) > MAX_BODY_BYTES:
        raise Rejected(413, f"body larger than {MAX_BODY_BYTES} bytes")
    if request.mimetype != "application/json":
        raise Rejected(415, "content type must be application/json")
    raw = request.get_data(cache=False)
    if not verify_signature(
        raw, request.headers.get("X-Hub-Signature-256"), services.settings.webhook_secrets
    ):
        raise Rejected(401, "missing or invalid X-Hub-Signature-256")
    headers = request.headers
    event, delivery_id, hook_id = required_headers(
        headers.get("X-GitHub-Event"), headers.get("X-GitHub-Delivery"), headers.get("X-GitHub-Hook-ID")
    )
    incoming = _incoming(services, (event, delivery_id, hook_id), raw, _json_object(raw))
    bind_delivery(
        {
            "delivery_id": delivery_id,
            "github_event": event,
            "action": incoming.action,
            "installation": incoming.installation_id,
            "repository": incoming.repository,
        }
    )
    try:
        result = services.inbox.put(incoming)
    except InboxFull:
        return 503, {"error": "inbox full; redeliver later", "delivery": delivery_id, "event": event}
    except DatabaseUnavailable:
        return 503, {"error": "storage unavailable; redeliver later", "delivery": delivery_id, "event": event}
    answer = {"delivery": delivery_id, "event": event}
    if result is PutResult.DUPLICATE:
        return 200, {"status": "duplicate", **answer}
    if event == "ping":
        return 200, {"status": "pong", **answer}
    return 202, {"status": "ignored" if incoming.state == IGNORED else "accepted", **answer}


def _json_object(raw: bytes) -> Mapping[str, Any]:
    """The body as a JSON object; GitHub sends UTF-8 without a byte-order mark, so nothing else is read."""
    try:
        payload = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise Rejected(400, "body is not valid JSON") from None
    except RecursionError:
        raise Rejected(400, "body is nested too deeply to be a webhook payload") from None
    if not isinstance(payload, dict):
        raise Rejected(400, "body is not a JSON object")
    return payload


def _incoming(
    services: Services, headers: tuple[str, str, str | None], raw: bytes, payload: Mapping[str, Any]
) -> IncomingDelivery:
    event, delivery_id, hook_id = headers
    summary = summarise(payload)
    state, note = "queued", None
    if event == "ping":
        state, note = DONE, "ping"
    elif not services.settings.serves_org(summary.account):
        state, note = IGNORED, f"account {summary.account!r} is not in GUARD_ALLOWED_ORGS"
    elif not services.router.handles(event):
        state, note = IGNORED, f"no policy handles {event!r} events"
    return IncomingDelivery(
        delivery_id=delivery_id,
        event=event,
        payload=raw.decode("utf-8"),
        action=summary.action,
        installation_id=summary.installation_id,
        repository=summary.repository,
        hook_id=hook_id,
        state=state,
        note=note,
    )
