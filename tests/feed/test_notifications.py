"""Notifications: alerts at or above the threshold reach Slack and the signed webhook through the inbox,
repeats do not flood, a failing endpoint is a ``system`` alert and is retried, policy work never waits.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterable
from typing import Any

import pytest
import sqlalchemy as sa
from flask.testing import FlaskClient

from guard.db import alerts, deliveries
from guard.engine import Context, Engine
from guard.github import GitHub
from guard.routing import Router
from guard.services import Services, build_services
from guard.settings import SettingsError
from guard.web import create_app
from guard.worker import Worker
from policies.base import AlertSpec, Decision, RaiseAlert, Severity
from tests.conftest import encode, signed_headers
from tests.github_double import GitHubDouble
from tests.support.endpoints import Endpoint
from tests.support.waiting import wait_for
from tests.test_worker import PUSH

SLACK_PATH = "/services/T000/B000/slack-path-secret"
HOOK_PATH = "/hooks/guard"
SECRET = "notification-secret-0123456789"
HOSTILE_TITLE = "<!channel> force push <https://evil.example|click here> & more"


def push_alert(title: str = "main was force-pushed", severity: Severity = Severity.CRITICAL) -> AlertSpec:
    return AlertSpec(
        severity,
        "branch_protection",
        "force-push",
        title,
        "details",
        repository="acme/widgets",
        subject="refs/heads/main",
        actor="mallory",
    )


def alerting_router() -> Router:
    router = Router()

    @router.on("push", policy="branch_protection")
    def check(event: object, ctx: Context) -> Iterable[Decision]:
        return [Decision("branch_protection", "force push", (), (RaiseAlert(push_alert(HOSTILE_TITLE)),))]

    return router


class Guard:
    def __init__(self, services: Services) -> None:
        self.services = services
        self.engine = Engine(services)
        self.worker = Worker(self.engine)
        self.client: FlaskClient = create_app(services=services).test_client()

    def push(self) -> None:
        body = encode(PUSH)
        answer = self.client.post(
            "/api/github/webhooks", data=body, headers=signed_headers(body, "push", "d-1")
        )
        assert answer.status_code == 202

    def process(self) -> int:
        count = 0
        while self.worker.run_once():
            count += 1
        return count

    def notifications(self) -> list[dict[str, Any]]:
        query = sa.select(deliveries).where(deliveries.c.event == "guard_notify").order_by(deliveries.c.id)
        with self.services.db.read() as conn:
            return [dict(row) for row in conn.execute(query).mappings()]


@pytest.fixture
def guard(
    make_settings: Any, database_url: str, endpoint: Endpoint, github: GitHub, github_double: GitHubDouble
) -> Iterable[Guard]:
    github_double.add_installation("acme", installation_id=77)
    github_double.add_repo("acme/widgets")
    settings = make_settings(
        DATABASE_URL=database_url,
        GUARD_NOTIFY_SLACK_URL=endpoint.url + SLACK_PATH,
        GUARD_NOTIFY_WEBHOOK_URL=endpoint.url + HOOK_PATH,
        GUARD_NOTIFY_WEBHOOK_SECRET=SECRET,
        GUARD_PUBLIC_URL="https://guard.example",
    )
    services = build_services(settings, router=alerting_router(), github=github)
    yield Guard(services)
    services.db.dispose()


def test_a_policy_alert_reaches_slack_and_the_signed_webhook(guard: Guard, endpoint: Endpoint) -> None:
    guard.push()
    assert guard.process() == 3  # the push, then one notification per endpoint
    [slack] = endpoint.bodies(SLACK_PATH)
    text = slack["blocks"][0]["text"]["text"]
    assert text.startswith(
        "*[CRITICAL] &lt;!channel&gt; force push &lt;https://evil.example|click here&gt; &amp;"
    )
    assert "<!channel>" not in slack["text"]
    assert "<https://guard.example/alerts/1|Alert 1 in Pipeline Guard>" in text
    [hook] = [item for item in endpoint.received if item.path == HOOK_PATH]
    expected = "sha256=" + hmac.new(SECRET.encode(), hook.body, hashlib.sha256).hexdigest()
    assert hook.headers["X-Guard-Signature-256"] == expected
    [body] = endpoint.bodies(HOOK_PATH)
    assert (body["event"], body["alert"]["id"], body["alert"]["title"]) == ("alert.raised", 1, HOSTILE_TITLE)
    assert body["delivery"] == hook.headers["X-Guard-Delivery"]
    assert [n["state"] for n in guard.notifications()] == ["done", "done"]


def test_repeats_do_not_notify_again_but_a_rise_across_the_threshold_does(
    guard: Guard, endpoint: Endpoint
) -> None:
    store = guard.engine.alerts
    store.raise_alert(push_alert(severity=Severity.MEDIUM))
    assert guard.notifications() == []
    store.raise_alert(push_alert(severity=Severity.HIGH))
    store.raise_alert(push_alert(severity=Severity.CRITICAL))
    guard.process()
    assert [body["event"] for body in endpoint.bodies(HOOK_PATH)] == ["alert.escalated"]
    assert endpoint.bodies(HOOK_PATH)[0]["alert"]["severity"] == "high"


def test_a_failing_endpoint_raises_a_system_alert_and_is_retried(guard: Guard, endpoint: Endpoint) -> None:
    endpoint.statuses[HOOK_PATH] = 404
    guard.engine.alerts.raise_alert(push_alert())
    guard.process()
    failing = [a for a in _alerts(guard) if a["policy"] == "system"]
    assert [(a["rule"], a["title"], a["subject"]) for a in failing] == [
        ("notification-failed", "Notifications to webhook are failing", "notification/webhook")
    ]
    assert "HTTP 404" in failing[0]["details"]
    assert "/hooks/guard" not in failing[0]["details"]
    slack_titles = [body["text"] for body in endpoint.bodies(SLACK_PATH)]
    assert slack_titles == [
        "[CRITICAL] main was force-pushed (acme/widgets · refs/heads/main · mallory)",
        "[HIGH] Notifications to webhook are failing (notification/webhook)",
    ]
    webhook = next(n for n in guard.notifications() if n["action"] == "webhook")
    assert (webhook["state"], webhook["attempts"]) == ("queued", 1)
    assert "404" in webhook["last_error"]
    endpoint.statuses[HOOK_PATH] = 200

    def delivered() -> bool:
        guard.process()
        return len(endpoint.bodies(HOOK_PATH)) == 2

    wait_for(delivered, timeout=10)
    assert [body["alert"]["title"] for body in endpoint.bodies(HOOK_PATH)][-1] == "main was force-pushed"
    assert all(body["alert"]["rule"] != "notification-failed" for body in endpoint.bodies(HOOK_PATH))


def test_policy_work_finishes_while_every_endpoint_is_down(
    make_settings: Any, database_url: str, github: GitHub, github_double: GitHubDouble
) -> None:
    github_double.add_installation("acme", installation_id=77)
    github_double.add_repo("acme/widgets")
    closed = "http://127.0.0.1:9"  # the discard port: nothing listens
    settings = make_settings(
        DATABASE_URL=database_url,
        GUARD_NOTIFY_SLACK_URL=closed + SLACK_PATH,
        GUARD_NOTIFY_WEBHOOK_URL=closed + HOOK_PATH,
        GUARD_NOTIFY_WEBHOOK_SECRET=SECRET,
    )
    services = build_services(settings, router=alerting_router(), github=github)
    guard = Guard(services)
    guard.push()
    assert guard.worker.run_once()
    with services.db.read() as conn:
        push_state = conn.execute(
            sa.select(deliveries.c.state).where(deliveries.c.delivery_id == "d-1")
        ).scalar_one()
    assert push_state == "done"
    assert [a["title"] for a in _alerts(guard)] == [HOSTILE_TITLE]
    guard.process()
    titles = sorted(a["title"] for a in _alerts(guard) if a["policy"] == "system")
    assert titles == ["Notifications to slack are failing", "Notifications to webhook are failing"]
    services.db.dispose()


def _alerts(guard: Guard) -> list[dict[str, Any]]:
    with guard.services.db.read() as conn:
        return [dict(row) for row in conn.execute(sa.select(alerts).order_by(alerts.c.id)).mappings()]


@pytest.mark.parametrize(
    ("env", "problem"),
    [
        ({"GUARD_NOTIFY_WEBHOOK_URL": "https://hooks.example/x"}, "needs GUARD_NOTIFY_WEBHOOK_SECRET"),
        ({"GUARD_NOTIFY_WEBHOOK_SECRET": SECRET}, "without GUARD_NOTIFY_WEBHOOK_URL"),
        (
            {"GUARD_NOTIFY_WEBHOOK_URL": "https://hooks.example/x", "GUARD_NOTIFY_WEBHOOK_SECRET": "short"},
            "shorter",
        ),
        ({"GUARD_NOTIFY_SLACK_URL": "hooks.slack.example"}, "must be an http(s) URL"),
        ({"GUARD_NOTIFY_MIN_SEVERITY": "urgent"}, "GUARD_NOTIFY_MIN_SEVERITY must be one of"),
    ],
)
def test_notification_settings_are_validated(make_settings: Any, env: dict[str, str], problem: str) -> None:
    with pytest.raises(SettingsError, match="NOTIFY") as raised:
        make_settings(**env)
    assert any(problem in line for line in raised.value.problems)
