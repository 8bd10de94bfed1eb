"""Outbound notifications of alerts: a Slack-compatible message and a generic HMAC-signed JSON webhook.

An alert raised at or above ``GUARD_NOTIFY_MIN_SEVERITY`` (or raised to it by a repeat) queues one
internal ``guard_notify`` delivery per endpoint, in the same transaction as the alert, so the policy that
raised it never waits for an endpoint. Workers send them like any delivery, with the inbox's retries and
backoff; a failing endpoint raises a ``system`` alert (and is never notified of its own failure).
Delivery is at least once: receivers should drop repeats of one ``X-Guard-Delivery``.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import urllib.parse
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.engine import Connection

from guard.alert_queries import Alert
from guard.inbox import Inbox, IncomingDelivery
from guard.settings import Settings
from policies.base import Severity

NOTIFY_EVENT = "guard_notify"
NOTIFY_SOURCE = "notify"
FAILURE_RULE = "notification-failed"
SLACK, WEBHOOK = "slack", "webhook"
SIGNATURE_HEADER = "X-Guard-Signature-256"


@dataclass(frozen=True)
class Endpoint:
    """Where notifications go; the URL of a Slack webhook is itself a secret."""

    name: str
    url: str = field(repr=False)
    secret: str | None = field(default=None, repr=False)

    @property
    def host(self) -> str:
        """What may be shown of the URL (never its path or query)."""
        return urllib.parse.urlsplit(self.url).netloc

    @property
    def failure_subject(self) -> str:
        return f"notification/{self.name}"

    def delivery_prefix(self) -> str:
        return f"notify-{self.name}-"

    def concerns(self, alert: Alert) -> bool:
        """Whether ``alert`` is about this endpoint failing (it is not told, so failures cannot loop)."""
        subject = alert.subject or ""
        return subject == self.failure_subject or subject.startswith(f"delivery/{self.delivery_prefix()}")


def configured_endpoints(settings: Settings) -> tuple[Endpoint, ...]:
    found = []
    if settings.notify_slack_url:
        found.append(Endpoint(SLACK, settings.notify_slack_url))
    if settings.notify_webhook_url:
        found.append(Endpoint(WEBHOOK, settings.notify_webhook_url, settings.notify_webhook_secret))
    return tuple(found)


class Outbox:
    """Queues notifications of alert changes inside the transaction that makes the change."""

    def __init__(self, inbox: Inbox, endpoints: tuple[Endpoint, ...], minimum: Severity) -> None:
        self.inbox = inbox
        self.endpoints = endpoints
        self.minimum = minimum

    @classmethod
    def from_settings(cls, inbox: Inbox, settings: Settings) -> Outbox | None:
        endpoints = configured_endpoints(settings)
        return cls(inbox, endpoints, Severity.parse(settings.notify_min_severity)) if endpoints else None

    def worth_telling(self, before: Severity | None, after: Severity) -> bool:
        """A new alert at or above the minimum, or one a repeat raised across it."""
        return after >= self.minimum and (before is None or before < self.minimum)

    def enqueue(self, conn: Connection, alert: Alert, change: str, link: str) -> None:
        """One ``guard_notify`` delivery per endpoint, named by the alert's chain link (so never twice)."""
        for endpoint in self.endpoints:
            if endpoint.concerns(alert):
                continue
            payload = {"endpoint": endpoint.name, "change": change, "alert": alert.as_json()}
            incoming = IncomingDelivery(
                delivery_id=f"{endpoint.delivery_prefix()}{link[:32]}",
                event=NOTIFY_EVENT,
                payload=json.dumps(payload),
                action=endpoint.name,
                source=NOTIFY_SOURCE,
            )
            self.inbox.put_in(conn, incoming)


def _slack_escape(text: str) -> str:
    """Slack's mrkdwn treats ``<...>`` as links and mentions; alert text must not ping or link."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def slack_message(alert: dict[str, Any], change: str, public_url: str | None) -> dict[str, Any]:
    """A Slack incoming-webhook message: a plain ``text`` fallback and one mrkdwn section."""
    severity = str(alert["severity"]).upper()
    title = _slack_escape(str(alert["title"]))
    where = " · ".join(
        _slack_escape(str(alert[key])) for key in ("repository", "subject", "actor") if alert.get(key)
    )
    headline = f"[{severity}] {title}" + (" (severity raised)" if change == "escalated" else "")
    lines = [
        f"*{headline}*",
        f"{alert['policy']}/{_slack_escape(str(alert['rule']))}" + (f" · {where}" if where else ""),
    ]
    if public_url:
        lines.append(f"<{public_url.rstrip('/')}/alerts/{alert['id']}|Alert {alert['id']} in Pipeline Guard>")
    else:
        lines.append(f"Alert {alert['id']} in Pipeline Guard")
    fallback = f"[{severity}] {title}" + (f" ({where})" if where else "")
    return {
        "text": fallback,
        "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": "\n".join(lines)}}],
    }


def signature(secret: str, body: bytes) -> str:
    """``sha256=<hex HMAC-SHA256 of the body>``, as GitHub signs its webhooks."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def request_for(
    endpoint: Endpoint, payload: dict[str, Any], delivery_id: str, public_url: str | None, now: float
) -> tuple[bytes, dict[str, str]]:
    """The body and headers to POST to ``endpoint`` for one queued notification."""
    headers = {"Content-Type": "application/json", "User-Agent": "Pipeline-Guard-Notifier"}
    if endpoint.name == SLACK:
        message = slack_message(payload["alert"], payload["change"], public_url)
        return json.dumps(message).encode(), headers
    sent_at = datetime.fromtimestamp(now, UTC).isoformat(timespec="seconds").replace("+00:00", "Z")
    body = json.dumps(
        {
            "event": f"alert.{payload['change']}",
            "delivery": delivery_id,
            "sent_at": sent_at,
            "alert": payload["alert"],
        }
    ).encode()
    assert endpoint.secret is not None, "settings refuse a generic webhook without its secret"
    headers |= {"X-Guard-Delivery": delivery_id, SIGNATURE_HEADER: signature(endpoint.secret, body)}
    return body, headers
