"""Deliveries GitHub failed to deliver are recovered: asked for again once, then shown as recovered."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

import pytest
import sqlalchemy as sa
from werkzeug.serving import BaseWSGIServer, make_server

from guard.db import deliveries
from guard.github import GitHubUnavailable
from guard.recovery import Recovery
from guard.services import Services
from guard.web import create_app
from tests.conftest import WEBHOOK_SECRET
from tests.github_double.double import GitHubDouble
from tests.support.scenario import Scenario


@pytest.fixture
def live_receiver(guard_app: Scenario) -> Iterator[str]:
    """The guard's receiver on a real port, so the double's webhook can reach it."""
    server: BaseWSGIServer = make_server(
        "127.0.0.1", 0, create_app(services=guard_app.services), threaded=True
    )
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/api/github/webhooks"
    server.shutdown()


def ping(n: int) -> dict[str, Any]:
    return {"zen": f"zen {n}", "hook_id": 1, "installation": {"id": 1}}


def stored(services: Services) -> dict[str, str]:
    with services.db.read() as conn:
        return dict(conn.execute(sa.select(deliveries.c.delivery_id, deliveries.c.source)).all())


def wait_for(condition: Any, timeout: float = 5.0) -> None:
    pause = threading.Event()
    for _ in range(int(timeout / 0.05)):
        if condition():
            return
        pause.wait(0.05)
    raise AssertionError("condition not met in time")


def test_a_delivery_github_failed_while_the_guard_was_down_is_recovered_after_restart(
    guard_app: Scenario, github_double: GitHubDouble, live_receiver: str
) -> None:
    github_double.set_hook(None, WEBHOOK_SECRET)
    lost = github_double.send_webhook("ping", ping(1))
    assert lost.status == "failed to connect"
    github_double.set_hook(live_receiver, WEBHOOK_SECRET)
    delivered = github_double.send_webhook("ping", ping(2))
    assert delivered.status_code == 200
    assert guard_app.services.github is not None
    report = Recovery(guard_app.services, guard_app.services.github.app()).run()
    assert (report.failed_events, report.redelivered, report.complete) == (1, [lost.guid], True)
    wait_for(lambda: lost.guid in stored(guard_app.services))
    Recovery(guard_app.services, guard_app.services.github.app()).run()
    assert stored(guard_app.services) == {lost.guid: "recovered", delivered.guid: "webhook"}


def test_an_event_is_asked_for_again_only_once(guard_app: Scenario, github_double: GitHubDouble) -> None:
    github_double.set_hook(None, WEBHOOK_SECRET)
    github_double.send_webhook("ping", ping(1))
    app = guard_app.services.github.app()  # type: ignore[union-attr]
    assert len(Recovery(guard_app.services, app).run().redelivered) == 1
    assert Recovery(guard_app.services, app).run().redelivered == []
    redeliveries = github_double.calls_to("POST", "/app/hook/deliveries/{delivery_id}/attempts")
    assert len(redeliveries) == 1


def test_a_walk_cut_short_by_an_outage_starts_again_from_the_same_point(
    guard_app: Scenario, github_double: GitHubDouble
) -> None:
    github_double.set_hook(None, WEBHOOK_SECRET)
    for n in range(3):
        github_double.send_webhook("ping", ping(n))
    github_double.fail("POST", "/app/hook/deliveries/{delivery_id}/attempts", status=502, times=None)
    app = guard_app.services.github.app()  # type: ignore[union-attr]
    with pytest.raises(GitHubUnavailable):
        Recovery(guard_app.services, app).run()
    github_double.faults.clear()
    assert len(Recovery(guard_app.services, app).run().redelivered) == 3
