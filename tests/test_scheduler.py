"""Periodic sweeps: one delivery per repository and period, shared safely by several guard instances."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import pytest
import sqlalchemy as sa

from guard.db import deliveries
from guard.engine import Context, Engine
from guard.github import GitHub
from guard.routing import Router
from guard.scheduler import LEASE_SECONDS, SPREAD, Scheduler
from guard.services import Services, build_services
from guard.worker import Worker
from policies.base import Decision
from tests.conftest import encode, signed_headers
from tests.github_double.double import GitHubDouble
from tests.github_double.fixtures import TestApp

HOUR = 3600.0


def swept(event: Any, ctx: Context) -> Iterable[Decision]:
    return [Decision("demo", f"swept {event.repository.full_name}")]


@pytest.fixture
def router() -> Router:
    router = Router()
    router.sweep("demo", every=HOUR, policy="demo")(swept)
    return router


@pytest.fixture
def make_services(
    make_settings: Any,
    database_url: str,
    github_double: GitHubDouble,
    github_app: TestApp,
    github: GitHub,
    router: Router,
) -> Any:
    github_double.add_installation("acme")
    github_double.add_repo("acme/widgets")
    github_double.add_repo("acme/gadgets")
    github_double.add_repo("acme/attic", archived=True)

    def make(**env: str) -> Services:
        settings = make_settings(
            DATABASE_URL=database_url,
            GITHUB_API_URL=github_double.base_url,
            APP_ID=str(github_app.app_id),
            PRIVATE_KEY=github_app.private_key_pem,
            **env,
        )
        return build_services(settings, router=router, github=github)

    return make


def queued(services: Services) -> list[dict[str, Any]]:
    with services.db.read() as conn:
        query = sa.select(deliveries).where(deliveries.c.event == "guard_sweep").order_by(deliveries.c.id)
        return [dict(r._mapping) for r in conn.execute(query)]


def test_each_unarchived_repository_is_swept_once_per_period_even_by_two_instances(
    make_services: Any,
) -> None:
    first, second = make_services(), make_services()
    now = 1_800_000_000.0
    assert Scheduler(first, clock=lambda: now).run_once() == {"demo": 2}
    assert Scheduler(second, clock=lambda: now + 5).run_once() == {}
    rows = queued(first)
    assert sorted(r["repository"] for r in rows) == ["acme/gadgets", "acme/widgets"]
    assert {r["source"] for r in rows} == {"sweep"}
    assert Scheduler(second, clock=lambda: now + HOUR).run_once() == {"demo": 2}
    assert len(queued(first)) == 4


def test_sweep_deliveries_are_spread_over_the_first_tenth_of_the_period(make_services: Any) -> None:
    services = make_services()
    Scheduler(services).run_once()
    offsets = sorted(row["available_at"] - row["received_at"] for row in queued(services))
    assert offsets[0] <= 1.0
    assert max(offsets) < HOUR * SPREAD


def test_a_sweep_delivery_is_processed_by_the_routed_handler(make_services: Any) -> None:
    services = make_services()
    Scheduler(services).run_once()
    worker = Worker(Engine(services, services.github))
    services.inbox.clock = lambda: 2_000_000_000.0
    while worker.run_once():
        pass
    assert sorted(row["state"] for row in queued(services)) == ["done", "done"]


def test_organisations_outside_guard_allowed_orgs_are_not_swept(make_services: Any) -> None:
    services = make_services(GUARD_ALLOWED_ORGS="someone-else")
    assert Scheduler(services).run_once() == {"demo": 0}


def test_a_sweep_waits_for_the_reset_instead_of_spending_the_last_of_the_rate_limit(
    make_services: Any, github_double: GitHubDouble
) -> None:
    services = make_services()
    installation = github_double.state.installation_for(github_double.state.account("acme"))
    assert installation is not None
    github_double.set_rate_limit(installation.id, remaining=200, reset_in=1800)
    Scheduler(services).run_once()
    services.inbox.clock = lambda: 2_000_000_000.0
    Worker(Engine(services, services.github)).run_once()
    deferred = [row for row in queued(services) if row["last_error"]]
    assert deferred
    assert "sweep deferred to keep rate-limit headroom" in deferred[0]["last_error"]
    assert deferred[0]["state"] == "queued"


def test_the_receiver_refuses_internal_event_names_from_outside(make_services: Any) -> None:
    from guard.web import create_app

    client = create_app(services=make_services()).test_client()
    body = encode({"action": "demo"})
    answer = client.post(
        "/api/github/webhooks", data=body, headers=signed_headers(body, "guard_sweep", "x-1")
    )
    assert answer.status_code == 400
    assert answer.get_json() == {"error": "X-GitHub-Event names an event the guard reserves for itself"}


def test_a_period_taken_by_an_instance_that_died_is_finished_by_another_after_the_lease(
    make_services: Any,
) -> None:
    first, second = make_services(), make_services()
    now = 1_800_000_000.0
    assert Scheduler(first, clock=lambda: now)._claim("demo", 500_000)  # took the period, then died
    assert Scheduler(second, clock=lambda: now + 10).run_once() == {}
    later = now + LEASE_SECONDS + 1
    assert Scheduler(second, clock=lambda: later).run_once() == {"demo": 2}
    assert Scheduler(first, clock=lambda: later + 1).run_once() == {}


def test_an_installation_github_cannot_list_now_does_not_stop_the_others(
    make_services: Any, github_double: GitHubDouble
) -> None:
    other = github_double.add_installation("globex")
    github_double.add_repo("globex/engine")
    services = make_services()
    github_double.fail("GET", "/installation/repositories", status=502, times=3)  # the first installation
    now = 1_800_000_000.0
    assert Scheduler(services, clock=lambda: now).run_once() == {"demo": 1}
    assert [r["repository"] for r in queued(services)] == ["globex/engine"]
    assert other.id
    assert Scheduler(services, clock=lambda: now + 30).run_once() == {"demo": 3}
    assert sorted(r["repository"] for r in queued(services)) == [
        "acme/gadgets",
        "acme/widgets",
        "globex/engine",
    ]


def test_a_sweep_stops_calling_github_before_it_spends_the_reserved_headroom(
    make_settings: Any, database_url: str, github_double: GitHubDouble, github_app: TestApp, github: GitHub
) -> None:
    def greedy(event: Any, ctx: Context) -> Iterable[Decision]:
        for n in range(200):  # distinct URLs: a 304 would cost nothing
            ctx.github.get(f"/repos/{event.repository.full_name}", {"n": n})
        return [Decision("demo", "read a lot")]

    router = Router()
    router.sweep("greedy", every=HOUR, policy="demo")(greedy)
    installation = github_double.add_installation("acme")
    github_double.add_repo("acme/widgets")
    settings = make_settings(
        DATABASE_URL=database_url,
        GITHUB_API_URL=github_double.base_url,
        APP_ID=str(github_app.app_id),
        PRIVATE_KEY=github_app.private_key_pem,
    )
    services = build_services(settings, router=router, github=github)
    github_double.set_rate_limit(installation.id, remaining=1100, limit=5000, reset_in=1800)
    Scheduler(services).run_once()
    services.inbox.clock = lambda: 2_000_000_000.0
    Worker(Engine(services, services.github)).run_once()
    assert 999 <= github_double.rate_limit(installation.id).remaining < 1001
    [row] = queued(services)
    assert (row["state"], row["attempts"]) == ("queued", 0)
    assert "to keep 20% of the rate limit for webhooks" in row["last_error"]
