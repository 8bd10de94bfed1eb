"""Scenario tests: the whole guard (receiver, inbox, worker, engine, policies) against the GitHub double.

``guard_app`` gives a ``Scenario`` whose ``deliver`` posts a signed delivery through the real receiver
and whose ``process`` runs a real worker until the inbox is idle; assertions then look at what users
see: the calls the double received, check runs, alerts in the feed, and the decision log.
"""

from __future__ import annotations

import json
import threading
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
import sqlalchemy as sa
from flask.testing import FlaskClient
from werkzeug.serving import BaseWSGIServer, make_server

from guard import decision_log
from guard.db import alerts, deliveries
from guard.engine import Engine
from guard.github import GitHub
from guard.inbox import IncomingDelivery
from guard.routing import SWEEP_EVENT
from guard.services import Services, build_services
from guard.settings import Settings
from guard.web import create_app
from guard.webhook import summarise
from guard.worker import Worker
from tests.conftest import encode, signed_headers
from tests.github_double.double import GitHubDouble
from tests.github_double.fixtures import TestApp


@dataclass
class Scenario:
    """One guard wired to the double, with helpers that read what a user would see."""

    double: GitHubDouble
    services: Services
    client: FlaskClient
    worker: Worker

    def deliver(self, event: str, payload: dict[str, Any], delivery_id: str | None = None) -> str:
        """Post a signed delivery through the receiver; returns its delivery id."""
        delivery_id = delivery_id or str(uuid.uuid4())
        body = encode(payload)
        answer = self.client.post(
            "/api/github/webhooks", data=body, headers=signed_headers(body, event, delivery_id)
        )
        assert answer.status_code in (200, 202), answer.get_data(as_text=True)
        return delivery_id

    def enqueue(self, event: str, payload: dict[str, Any], *, source: str = "sweep") -> str:
        """Store an internal delivery (a sweep, say) as the scheduler does; the receiver refuses these."""
        delivery_id = f"{source}-{uuid.uuid4()}"
        summary = summarise(payload)
        self.services.inbox.put(
            IncomingDelivery(
                delivery_id,
                event,
                json.dumps(payload),
                action=summary.action,
                installation_id=summary.installation_id,
                repository=summary.repository,
                source=source,
            )
        )
        return delivery_id

    def sweep(self, payload: dict[str, Any]) -> str:
        """Enqueue and process one ``guard_sweep`` delivery."""
        delivery_id = self.enqueue(SWEEP_EVENT, payload)
        self.process()
        return delivery_id

    def process(self, limit: int = 100) -> int:
        """Run the worker until nothing is ready; returns how many deliveries it processed."""
        count = 0
        while count < limit and self.worker.run_once():
            count += 1
        return count

    def handle(self, event: str, payload: dict[str, Any]) -> str:
        """Deliver and process one delivery."""
        delivery_id = self.deliver(event, payload)
        self.process()
        return delivery_id

    def alerts(self) -> list[dict[str, Any]]:
        with self.services.db.read() as conn:
            return [dict(r._mapping) for r in conn.execute(sa.select(alerts).order_by(alerts.c.id))]

    def decisions(self, delivery_id: str) -> list[dict[str, Any]]:
        return decision_log.for_delivery(self.services.db, delivery_id)

    def delivery(self, delivery_id: str) -> dict[str, Any]:
        with self.services.db.read() as conn:
            row = (
                conn.execute(sa.select(deliveries).where(deliveries.c.delivery_id == delivery_id))
                .mappings()
                .one()
            )
        return dict(row)


@pytest.fixture
def live_receiver(guard_app: Scenario) -> Iterator[str]:
    """The guard's receiver on a real port, so the double's webhook (``send_webhook``) can reach it."""
    server: BaseWSGIServer = make_server(
        "127.0.0.1", 0, create_app(services=guard_app.services), threaded=True
    )
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/api/github/webhooks"
    server.shutdown()


@pytest.fixture
def guard_app(
    make_settings: Any, database_url: str, github_double: GitHubDouble, github_app: TestApp, github: GitHub
) -> Iterator[Scenario]:
    """The guard against the double, with the App's credentials and writes on."""
    settings: Settings = make_settings(
        DATABASE_URL=database_url,
        GITHUB_API_URL=github_double.base_url,
        APP_ID=str(github_app.app_id),
        PRIVATE_KEY=github_app.private_key_pem,
    )
    services = build_services(settings, github=github)
    engine = Engine(services, services.github, clock=github_double.clock)
    yield Scenario(github_double, services, create_app(services=services).test_client(), Worker(engine))
    services.db.dispose()
