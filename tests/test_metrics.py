"""``/metrics``: Prometheus text that moves as deliveries flow through the real receiver and worker."""

from __future__ import annotations

import socket
import time
from collections.abc import Iterable
from typing import Any

import pytest
import requests
from flask.testing import FlaskClient

from guard.access import Access
from guard.engine import Context, Engine
from guard.github import GitHub
from guard.metrics_export import EXTENSION, serve_port
from guard.routing import Router
from guard.services import Services, build_services
from guard.settings import Settings
from guard.tokens import TokenStore
from guard.web import create_app
from guard.worker import Worker
from policies.base import Decision
from tests.conftest import encode, signed_headers
from tests.github_double import GitHubDouble
from tests.support.metrics import Samples, parse, value
from tests.test_worker import PUSH, alert_decision

ALLOWED = Access(metrics=lambda: True)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def scrape(client: FlaskClient) -> Samples:
    answer = client.get("/metrics")
    assert answer.status_code == 200
    assert answer.mimetype == "text/plain"
    return parse(answer.get_data(as_text=True))


def deliver(client: FlaskClient, delivery_id: str, payload: dict[str, Any] = PUSH) -> int:
    body = encode(payload)
    return client.post(
        "/api/github/webhooks", data=body, headers=signed_headers(body, "push", delivery_id)
    ).status_code


def watching_router() -> Router:
    """A policy that reads the repository from GitHub, then raises an alert."""
    router = Router()

    @router.on("push", policy="branch_protection")
    def check(event: object, ctx: Context) -> Iterable[Decision]:
        if ctx.github is not None:
            ctx.github.get("/repos/acme/widgets")
        return [alert_decision("branch_protection")]

    return router


@pytest.fixture
def pipeline(settings: Settings, github: GitHub, github_double: GitHubDouble) -> tuple[FlaskClient, Worker]:
    github_double.add_installation("acme", installation_id=77)
    github_double.add_repo("acme/widgets")
    services = build_services(settings, router=watching_router(), github=github)
    return create_app(services=services, access=ALLOWED).test_client(), Worker(Engine(services))


def test_metrics_are_refused_without_a_token(client: FlaskClient) -> None:
    answer = client.get("/metrics")
    assert answer.status_code == 401
    assert answer.headers["WWW-Authenticate"] == 'Bearer realm="pipeline-guard"'
    assert "GUARD_METRICS_PORT" in answer.get_json()["error"]


def test_metrics_need_a_live_api_token(client: FlaskClient, services: Services) -> None:
    tokens = TokenStore(services.db)
    raw = tokens.create("prometheus")
    answer = client.get("/metrics", headers={"Authorization": f"Bearer {raw}"})
    assert answer.status_code == 200
    assert value(parse(answer.get_data(as_text=True)), "guard_database_up") == 1
    for wrong in (raw[:-1] + ("A" if raw[-1] != "A" else "B"), "pgt_" + "x" * 43, ""):
        assert client.get("/metrics", headers={"Authorization": f"Bearer {wrong}"}).status_code == 401
    assert client.get("/metrics", headers={"Authorization": f"Basic {raw}"}).status_code == 401
    assert tokens.revoke("prometheus")
    assert client.get("/metrics", headers={"Authorization": f"Bearer {raw}"}).status_code == 401


def test_metrics_move_as_a_delivery_is_received_and_processed(pipeline: tuple[FlaskClient, Worker]) -> None:
    client, worker = pipeline
    before = scrape(client)
    assert deliver(client, "m-1") == 202
    received = scrape(client)
    accepted = {"event": "push", "outcome": "accepted"}
    assert (
        value(received, "guard_deliveries_received_total", **accepted)
        == value(before, "guard_deliveries_received_total", **accepted) + 1
    )
    assert value(received, "guard_inbox_depth") == 1
    assert value(received, "guard_database_up") == 1

    assert worker.run_once()
    after = scrape(client)
    for name, labels in [
        ("guard_deliveries_processed_total", {"event": "push"}),
        ("guard_delivery_processing_seconds_count", {"event": "push"}),
        ("guard_delivery_lag_seconds_count", {}),
        ("guard_actions_total", {"policy": "branch_protection", "kind": "raise_alert", "outcome": "done"}),
    ]:
        assert value(after, name, **labels) == value(before, name, **labels) + 1, name
    github_calls = {"method": "GET", "status": "200"}
    assert value(after, "guard_github_requests_total", **github_calls) > value(
        before, "guard_github_requests_total", **github_calls
    )
    assert value(after, "guard_github_rate_limit_remaining", installation="77", resource="core") > 0
    assert value(after, "guard_inbox_depth") == 0


def test_failed_and_dead_deliveries_are_counted(
    make_settings: Any, database_url: str, github: GitHub
) -> None:
    settings = make_settings(DATABASE_URL=database_url, GUARD_MAX_ATTEMPTS="2")
    router = Router()

    @router.on("push", policy="broken")
    def broken(event: object, ctx: Context) -> Iterable[Decision]:
        raise RuntimeError("boom")

    services: Services = build_services(settings, router=router)
    client = create_app(services=services, access=ALLOWED).test_client()
    worker = Worker(Engine(services, github))
    before = scrape(client)
    deliver(client, "m-2")
    worker.run_once()
    services.inbox.clock = lambda: time.time() + 3600  # the retry's backoff has passed
    worker.run_once()
    after = scrape(client)
    for name in ("guard_deliveries_failed_total", "guard_deliveries_dead_total"):
        assert value(after, name, event="push") == value(before, name, event="push") + 1, name
    assert value(after, "guard_deliveries_dead_stored") == 1
    services.db.dispose()


def test_a_refused_delivery_is_counted_without_trusting_its_event_header(services: Services) -> None:
    app_client = create_app(services=services, access=ALLOWED).test_client()
    labels = {"event": "-", "outcome": "bad_signature"}
    before = value(scrape(app_client), "guard_deliveries_received_total", **labels)
    body = encode(PUSH)
    headers = signed_headers(body, "made_up_event", "m-3") | {"X-Hub-Signature-256": "sha256=" + "0" * 64}
    assert app_client.post("/api/github/webhooks", data=body, headers=headers).status_code == 401
    after = scrape(app_client)
    assert value(after, "guard_deliveries_received_total", **labels) == before + 1
    assert not any(dict(key[1]).get("event") == "made_up_event" for key in after)


def test_with_a_metrics_port_the_web_port_has_no_metrics(make_settings: Any, database_url: str) -> None:
    port = free_port()
    settings = make_settings(DATABASE_URL=database_url, GUARD_METRICS_PORT=str(port))
    services = build_services(settings, router=Router())
    app = create_app(services=services, access=ALLOWED)
    assert app.test_client().get("/metrics").status_code == 404
    server = serve_port(settings, app.extensions[EXTENSION])
    try:
        deliver(app.test_client(), "m-4")
        answer = requests.get(f"http://127.0.0.1:{port}/metrics", timeout=5)
        samples = parse(answer.text)
        assert value(samples, "guard_inbox_depth") == 0  # ignored: no policy routes push
        assert value(samples, "guard_deliveries_received_total", event="push", outcome="ignored") >= 1
    finally:
        server.shutdown()
        services.db.dispose()
