"""Sending a queued ``guard_notify`` delivery to its endpoint; a failure is a ``system`` alert and a retry."""

from __future__ import annotations

import json
import time
from collections.abc import Callable

import requests
import structlog

from guard.alerts import AlertStore
from guard.decision_log import Evaluated
from guard.errors import NotificationFailed
from guard.inbox import Claimed
from guard.notifications import FAILURE_RULE, Endpoint, request_for
from guard.redact import redact
from policies.base import AlertSpec, Decision, Severity

log = structlog.get_logger("guard.notify")
TIMEOUT = (3.05, 10.0)  # connect, read: a slow endpoint holds one worker briefly, never a policy


class Notifier:
    """Posts notifications and reports what happened as a decision of the ``system`` policy."""

    def __init__(
        self,
        endpoints: tuple[Endpoint, ...],
        alerts: AlertStore,
        public_url: str | None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.endpoints = {endpoint.name: endpoint for endpoint in endpoints}
        self.alerts = alerts
        self.public_url = public_url
        self.clock = clock

    def deliver(self, claimed: Claimed) -> list[Evaluated]:
        """Send one notification; raises NotificationFailed (after raising an alert) when it is refused."""
        payload = json.loads(claimed.payload)
        endpoint = self.endpoints.get(payload["endpoint"])
        alert_id = payload["alert"]["id"]
        if endpoint is None:
            summary = f"alert {alert_id} not sent: endpoint {payload['endpoint']} is no longer configured"
            return [Evaluated(Decision("system", summary), ())]
        body, headers = request_for(endpoint, payload, claimed.delivery_id, self.public_url, self.clock())
        problem = _post(endpoint, body, headers)
        if problem is not None:
            self._alert_failure(endpoint, claimed, problem)
            raise NotificationFailed(f"{endpoint.name} ({endpoint.host}): {problem}")
        log.info("notification sent", endpoint=endpoint.name, alert_id=alert_id)
        return [
            Evaluated(Decision("system", f"alert {alert_id} sent to {endpoint.name} ({endpoint.host})"), ())
        ]

    def _alert_failure(self, endpoint: Endpoint, claimed: Claimed, problem: str) -> None:
        details = (
            f"The {endpoint.name} notification endpoint at `{endpoint.host}` did not take a notification "
            f"(delivery `{claimed.delivery_id}`, attempt {claimed.attempts}): {problem}.\n\n"
            "Alerts are still recorded here, but the people who rely on that endpoint are not being told. "
            "The guard retries with backoff; check the endpoint's URL and secret settings."
        )
        spec = AlertSpec(
            severity=Severity.HIGH,
            policy="system",
            rule=FAILURE_RULE,
            title=f"Notifications to {endpoint.name} are failing",
            details=details,
            subject=endpoint.failure_subject,
        )
        self.alerts.raise_alert(spec)


def _post(endpoint: Endpoint, body: bytes, headers: dict[str, str]) -> str | None:
    """None when the endpoint answered 2xx, else what went wrong (without the URL, which may be secret)."""
    try:
        answer = requests.post(
            endpoint.url, data=body, headers=headers, timeout=TIMEOUT, allow_redirects=False
        )
    except requests.RequestException as exc:
        return f"the request failed: {type(exc).__name__}"
    if 200 <= answer.status_code < 300:
        return None
    return redact(f"it answered HTTP {answer.status_code}: {answer.text[:200]!r}")
