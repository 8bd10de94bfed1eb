"""The App's webhook as GitHub runs it: deliver signed payloads to a URL, keep every attempt, redeliver.

``HookMixin`` gives ``GitHubDouble`` ``set_hook(url, secret)`` and ``send_webhook(event, payload)``, which
POSTs like GitHub does (signature, delivery GUID, event header) and records the attempt whatever the
outcome, including "failed to connect" while the guard is down; ``apps/list-webhook-deliveries`` and
``apps/redeliver-webhook-delivery`` read and replay those attempts.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
import time
import uuid
from dataclasses import dataclass, field
from typing import Any, Protocol

import requests

from tests.github_double.state import State


@dataclass
class HookAttempt:
    """One delivery attempt; every attempt of one event shares its ``guid``."""

    id: int
    guid: str
    event: str
    action: str | None
    installation_id: int | None
    repository_id: int | None
    payload: dict[str, Any]
    delivered_at: float
    redelivery: bool = False
    status_code: int = 0
    status: str = "pending"
    duration: float = 0.0


@dataclass
class Hook:
    url: str | None = None
    secret: str = ""
    attempts: list[HookAttempt] = field(default_factory=list)


class _Double(Protocol):
    state: State
    hook: Hook

    def now(self) -> float: ...


class HookMixin:
    """Methods ``GitHubDouble`` gains for its App webhook."""

    def set_hook(self: _Double, url: str | None, secret: str) -> None:
        """Point the App's webhook at ``url`` (None: nothing listens, every delivery fails to connect)."""
        self.hook.url, self.hook.secret = url, secret

    def send_webhook(
        self: _Double, event: str, payload: dict[str, Any], *, url: str | None = None
    ) -> HookAttempt:
        """Deliver a new event the way GitHub does, recording the attempt and its outcome.

        ``url`` sends this one delivery elsewhere than the hook's URL (a load balancer's choice)."""
        attempt = _attempt(self, uuid.uuid4().hex, event, payload, redelivery=False)
        _post(self.hook, attempt, url)
        return attempt

    def hook_attempts(self: _Double) -> list[HookAttempt]:
        with self.state.lock:
            return list(self.hook.attempts)


def _attempt(
    double: _Double, guid: str, event: str, payload: dict[str, Any], *, redelivery: bool
) -> HookAttempt:
    repository = payload.get("repository") or {}
    with double.state.lock:
        attempt = HookAttempt(
            id=double.state.next_id(),
            guid=guid,
            event=event,
            action=payload.get("action"),
            installation_id=(payload.get("installation") or {}).get("id"),
            repository_id=repository.get("id"),
            payload=payload,
            delivered_at=double.now(),
            redelivery=redelivery,
        )
        double.hook.attempts.append(attempt)
    return attempt


def _post(hook: Hook, attempt: HookAttempt, url: str | None = None) -> None:
    body = json.dumps(attempt.payload).encode()
    headers = {
        "Content-Type": "application/json",
        "User-Agent": "GitHub-Hookshot/double",
        "X-GitHub-Event": attempt.event,
        "X-GitHub-Delivery": attempt.guid,
        "X-GitHub-Hook-ID": "1",
        "X-Hub-Signature-256": "sha256=" + hmac.new(hook.secret.encode(), body, hashlib.sha256).hexdigest(),
    }
    started = time.monotonic()
    target = url or hook.url
    if target is None:
        attempt.status_code, attempt.status = 0, "failed to connect"
        return
    try:
        answer = requests.post(target, data=body, headers=headers, timeout=10)
        attempt.status_code, attempt.status = (
            answer.status_code,
            "OK" if answer.ok else "Invalid HTTP Response",
        )
    except requests.RequestException:
        attempt.status_code, attempt.status = 0, "failed to connect"
    attempt.duration = round(time.monotonic() - started, 3)


def redeliver(double: _Double, attempt_id: int) -> bool:
    """Start a redelivery of an attempt (in the background, as GitHub does); False if unknown."""
    with double.state.lock:
        original = next((a for a in double.hook.attempts if a.id == attempt_id), None)
    if original is None:
        return False
    again = _attempt(double, original.guid, original.event, original.payload, redelivery=True)
    threading.Thread(target=_post, args=(double.hook, again), daemon=True).start()
    return True
