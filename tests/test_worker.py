"""Workers and the engine: decisions recorded once, policies isolated, retries that never act twice."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterable
from typing import Any

import pytest
import sqlalchemy as sa
from flask.testing import FlaskClient
from structlog.testing import capture_logs

from guard import decision_log
from guard.db import action_runs, alerts, deliveries
from guard.engine import Context, Engine
from guard.github import GitHub, RateLimited
from guard.logs import configure_logging
from guard.routing import Router
from guard.services import Services, build_services
from guard.settings import Settings
from guard.web import create_app
from guard.worker import Worker
from policies.base import AlertSpec, Decision, Finding, RaiseAlert, SaveState, Severity
from tests.conftest import encode, signed_headers
from tests.support.waiting import wait_for

PUSH = {
    "ref": "refs/heads/main",
    "before": "a" * 40,
    "after": "b" * 40,
    "created": False,
    "deleted": False,
    "forced": True,
    "pusher": {"name": "mallory", "email": "m@example.com"},
    "commits": [],
    "installation": {"id": 77},
    "repository": {
        "id": 1,
        "name": "widgets",
        "full_name": "acme/widgets",
        "owner": {"login": "acme", "id": 2, "type": "Organization"},
        "private": True,
        "fork": False,
        "archived": False,
        "default_branch": "main",
    },
    "sender": {"login": "mallory", "id": 3, "type": "User"},
}


def alert_decision(policy: str) -> Decision:
    spec = AlertSpec(
        Severity.CRITICAL,
        policy,
        "force-push",
        f"{policy} saw a force push",
        "details",
        repository="acme/widgets",
        subject="refs/heads/main",
        actor="mallory",
    )
    finding = Finding("force-push", Severity.CRITICAL, "main was force-pushed")
    return Decision(
        policy, "force push on main", (finding,), (RaiseAlert(spec), SaveState(policy, "seen", 1))
    )


class Flaky:
    """A handler that fails its first ``failures`` calls with ``error``."""

    def __init__(self, failures: int, error: Exception) -> None:
        self.failures = failures
        self.error = error
        self.calls = 0

    def __call__(self, event: object, ctx: Context) -> Iterable[Decision]:
        self.calls += 1
        if self.calls <= self.failures:
            raise self.error
        return [alert_decision("flaky")]


def pipeline(settings: Settings, router: Router, github: GitHub) -> tuple[FlaskClient, Worker]:
    services = build_services(settings, router=router, github=github)
    return create_app(services=services).test_client(), Worker(Engine(services, services.github))


def deliver(client: FlaskClient, delivery_id: str, payload: dict[str, Any] = PUSH) -> None:
    body = encode(payload)
    assert (
        client.post(
            "/api/github/webhooks", data=body, headers=signed_headers(body, "push", delivery_id)
        ).status_code
        == 202
    )


def rows(services: Services, table: sa.Table) -> list[dict[str, Any]]:
    with services.db.read() as conn:
        return [
            dict(r._mapping)
            for r in conn.execute(sa.select(table).order_by(table.c[next(iter(table.c.keys()))]))
        ]


def test_a_delivery_is_processed_once_with_its_decisions_and_alert_recorded(
    settings: Settings, github: GitHub
) -> None:
    router = Router()
    router.on("push", policy="branch_protection")(lambda event, ctx: [alert_decision("branch_protection")])
    client, worker = pipeline(settings, router, github)
    deliver(client, "d-1")
    assert worker.run_once()
    assert not worker.run_once()
    services = worker.engine.services
    [recorded] = decision_log.for_delivery(services.db, "d-1")
    assert recorded["summary"] == "force push on main"
    assert [a["outcome"] for a in recorded["actions"]] == ["done", "done"]
    [alert] = rows(services, alerts)
    assert (alert["severity"], alert["title"], alert["delivery_id"]) == (
        4,
        "branch_protection saw a force push",
        "d-1",
    )
    assert rows(services, deliveries)[0]["state"] == "done"
    assert worker.engine.state.get("branch_protection", "seen") == 1


def test_one_failing_policy_does_not_stop_another_and_the_retry_acts_only_once(
    settings: Settings, github: GitHub
) -> None:
    flaky = Flaky(1, RuntimeError("bug in a policy"))
    router = Router()
    router.on("push", policy="steady")(lambda event, ctx: [alert_decision("steady")])
    router.on("push", policy="flaky")(flaky)
    client, worker = pipeline(settings, router, github)
    worker.inbox.clock = lambda: 2_000_000_000.0
    deliver(client, "d-2")
    worker.run_once()
    services = worker.engine.services
    [delivery] = rows(services, deliveries)
    assert delivery["state"] == "queued"
    assert "flaky: RuntimeError: bug in a policy" in delivery["last_error"]
    assert [a["title"] for a in rows(services, alerts)] == ["steady saw a force push"]
    worker.inbox.clock = lambda: 2_000_010_000.0
    assert worker.run_once()
    assert sorted((a["title"], a["count"]) for a in rows(services, alerts)) == [
        ("flaky saw a force push", 1),
        ("steady saw a force push", 1),
    ]
    assert len(rows(services, action_runs)) == 4
    assert [d["policy"] for d in decision_log.for_delivery(services.db, "d-2")] == ["steady", "flaky"]


def test_a_rate_limited_delivery_waits_for_githubs_reset(settings: Settings, github: GitHub) -> None:
    router = Router()
    router.on("push", policy="flaky")(
        Flaky(1, RateLimited(403, "API rate limit exceeded", None, retry_at=2_000_000_900.0, kind="primary"))
    )
    client, worker = pipeline(settings, router, github)
    worker.inbox.clock = lambda: 2_000_000_000.0
    deliver(client, "d-3")
    worker.run_once()
    [delivery] = rows(worker.engine.services, deliveries)
    assert delivery["state"] == "queued"
    assert delivery["available_at"] >= 2_000_000_900.0


def test_a_malformed_payload_is_dead_at_once_and_raises_a_system_alert(
    settings: Settings, github: GitHub
) -> None:
    router = Router()
    router.on("push", policy="branch_protection")(lambda event, ctx: [])
    client, worker = pipeline(settings, router, github)
    deliver(client, "d-4", {k: v for k, v in PUSH.items() if k != "ref"})
    worker.run_once()
    services = worker.engine.services
    [delivery] = rows(services, deliveries)
    assert (delivery["state"], delivery["attempts"]) == ("dead", 1)
    assert "'ref' is missing" in delivery["last_error"]
    [alert] = rows(services, alerts)
    assert (alert["policy"], alert["rule"], alert["severity"]) == ("system", "delivery-dead", 3)
    assert "guard requeue d-4" in alert["details"]


def test_a_dry_run_plans_actions_and_writes_nothing(settings: Settings, github: GitHub) -> None:
    router = Router()
    router.on("push", policy="branch_protection")(lambda event, ctx: [alert_decision("branch_protection")])
    client, worker = pipeline(settings, router, github)
    deliver(client, "d-5")
    services = worker.engine.services
    claimed = services.inbox.claim("replayer")
    assert claimed is not None
    evaluated = Engine(services, github, dry_run=True).process(claimed)
    assert [o.status for o in evaluated[0].outcomes] == ["planned", "planned"]
    assert rows(services, alerts) == []
    assert rows(services, action_runs) == []


def test_without_app_credentials_each_policy_is_reported_as_not_evaluated(settings: Settings) -> None:
    router = Router()
    router.on("push", policy="branch_protection")(lambda event, ctx: [alert_decision("branch_protection")])
    services = build_services(settings, router=router)
    client = create_app(services=services).test_client()
    worker = Worker(Engine(services, None))
    deliver(client, "d-6")
    worker.run_once()
    [recorded] = decision_log.for_delivery(services.db, "d-6")
    assert recorded["summary"] == "not evaluated: the guard has no App credentials, so GitHub cannot be read"
    assert recorded["actions"] == []
    assert rows(services, alerts) == []


def test_secrets_never_reach_a_log_line_even_from_a_failing_policy(
    settings: Settings, github: GitHub, github_app: Any, capfd: pytest.CaptureFixture[str]
) -> None:
    token = "ghs_" + "T0kenValueThatMustNotLeak" * 2

    def leaky(event: object, ctx: Context) -> Iterable[Decision]:
        private_key = github_app.private_key_pem  # noqa: F841 - a local in the failing frame
        webhook_secret = settings.webhook_secrets[0]
        raise RuntimeError(f"failed with token {token} and secret {webhook_secret}")

    router = Router()
    router.on("push", policy="leaky")(leaky)
    configure_logging("json")
    secret_settings = Settings(
        **{**settings.__dict__, "private_key": github_app.private_key_pem, "app_id": "1"}
    )
    client, worker = pipeline(secret_settings, router, github)
    deliver(client, "d-7")
    worker.run_once()
    output = capfd.readouterr()
    logged = output.out + output.err
    assert "policy failed" in logged
    for secret in (
        token,
        settings.webhook_secrets[0],
        "BEGIN PRIVATE KEY",
        github_app.private_key_pem[40:80],
    ):
        assert secret not in logged
    for line in logged.splitlines():
        if line.startswith("{"):
            json.loads(line)
    [delivery] = rows(worker.engine.services, deliveries)
    assert token not in delivery["last_error"]
    assert settings.webhook_secrets[0] not in delivery["last_error"]


def test_a_worker_that_finishes_a_delivery_does_not_report_its_lease_lost(
    make_settings: Any, database_url: str
) -> None:
    router = Router()
    router.on("push", policy="branch_protection")(lambda event, ctx: [alert_decision("branch_protection")])
    services = build_services(
        make_settings(DATABASE_URL=database_url, GUARD_LEASE_SECONDS="5"), router=router
    )
    client = create_app(services=services).test_client()
    worker = Worker(Engine(services, None), idle_seconds=0.05)
    finish = services.inbox.finish

    def finish_then_linger(*args: Any, **kwargs: Any) -> None:
        finish(*args, **kwargs)
        time.sleep(2.2)  # past the heartbeat (every 5/3 s), before the worker lets the delivery go

    services.inbox.finish = finish_then_linger  # type: ignore[method-assign]
    deliver(client, "d-lease")
    stop = threading.Event()
    running = threading.Thread(target=worker.run, args=(stop,))
    with capture_logs() as logs:
        running.start()
        try:
            wait_for(lambda: rows(services, deliveries)[0]["state"] == "done", timeout=10)
            time.sleep(2.3)
        finally:
            stop.set()
            running.join(timeout=10)
    assert [line["event"] for line in logs if line["log_level"] == "warning"] == []
