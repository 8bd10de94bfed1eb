"""Deliveries GitHub failed to deliver are recovered: asked for again once, then shown as recovered."""

from __future__ import annotations

import threading
import time
from typing import Any

import pytest
import sqlalchemy as sa

from guard.db import deliveries
from guard.recovery import MAX_ASKS, Recovery
from guard.services import Services
from tests.conftest import WEBHOOK_SECRET
from tests.github_double.double import GitHubDouble
from tests.support.scenario import Scenario
from tests.support.waiting import wait_for


def ping(n: int) -> dict[str, Any]:
    return {"zen": f"zen {n}", "hook_id": 1, "installation": {"id": 1}}


def stored(services: Services) -> dict[str, str]:
    with services.db.read() as conn:
        return dict(conn.execute(sa.select(deliveries.c.delivery_id, deliveries.c.source)).all())


def recovery(scenario: Scenario, **options: Any) -> Recovery:
    """A recovery run as the scheduler makes it, without the pause between redeliveries."""
    assert scenario.services.github is not None
    return Recovery(scenario.services, scenario.services.github.app(), pause=0.0, **options)


def redelivery_requests(double: GitHubDouble) -> list[Any]:
    return double.calls_to("POST", "/app/hook/deliveries/{delivery_id}/attempts")


def test_a_delivery_github_failed_while_the_guard_was_down_is_recovered_and_shown_as_recovered(
    guard_app: Scenario, github_double: GitHubDouble, live_receiver: str
) -> None:
    github_double.set_hook(None, WEBHOOK_SECRET)
    lost = github_double.send_webhook("ping", ping(1))
    assert lost.status == "failed to connect"
    github_double.set_hook(live_receiver, WEBHOOK_SECRET)
    delivered = github_double.send_webhook("ping", ping(2))
    assert delivered.status_code == 200
    report = recovery(guard_app).run()
    assert (report.failed_events, report.redelivered, report.complete) == (1, [lost.guid], True)
    wait_for(lambda: lost.guid in stored(guard_app.services))
    assert stored(guard_app.services) == {lost.guid: "recovered", delivered.guid: "webhook"}


def test_an_event_redelivered_successfully_is_not_asked_for_again(
    guard_app: Scenario, github_double: GitHubDouble, live_receiver: str
) -> None:
    github_double.set_hook(None, WEBHOOK_SECRET)
    github_double.send_webhook("ping", ping(1))
    github_double.set_hook(live_receiver, WEBHOOK_SECRET)
    assert len(recovery(guard_app).run().redelivered) == 1
    wait_for(lambda: github_double.hook_attempts()[-1].status_code == 200)
    github_double.clock.advance(60)  # type: ignore[attr-defined]
    assert recovery(guard_app).run().redelivered == []
    assert len(redelivery_requests(github_double)) == 1


def test_an_event_whose_redelivery_failed_too_is_asked_for_again_a_few_times_at_most(
    guard_app: Scenario, github_double: GitHubDouble
) -> None:
    github_double.set_hook(None, WEBHOOK_SECRET)
    github_double.send_webhook("ping", ping(1))
    for _ in range(5):
        recovery(guard_app).run()
        wait_for(lambda: all(a.status != "pending" for a in github_double.hook_attempts()))
        github_double.clock.advance(60)  # type: ignore[attr-defined]
    assert len(redelivery_requests(github_double)) == MAX_ASKS


def test_a_walk_cut_short_by_an_outage_keeps_what_it_asked_for_and_resumes(
    guard_app: Scenario, github_double: GitHubDouble, live_receiver: str
) -> None:
    github_double.set_hook(None, WEBHOOK_SECRET)
    for n in range(3):
        github_double.send_webhook("ping", ping(n))
    github_double.set_hook(live_receiver, WEBHOOK_SECRET)
    path = "/app/hook/deliveries/{delivery_id}/attempts"
    github_double.delay("POST", path, 0.0, times=2)  # the first two requests go through
    github_double.fail("POST", path, status=502, times=None)
    first = recovery(guard_app).run()
    assert (len(first.redelivered), first.complete) == (2, False)
    assert first.stopped == "GitHub 502: Server Error"
    github_double.faults.clear()
    wait_for(lambda: len(stored(guard_app.services)) == 2)
    second = recovery(guard_app).run()
    assert (len(second.redelivered), second.complete) == (1, True)
    assert len({c.path for c in redelivery_requests(github_double) if c.status == 202}) == 3


def test_a_walk_resumes_at_the_page_it_stopped_on_when_its_budget_is_spent(
    guard_app: Scenario, github_double: GitHubDouble, live_receiver: str
) -> None:
    github_double.set_hook(None, WEBHOOK_SECRET)
    for n in range(250):
        github_double.send_webhook("ping", ping(n))
    github_double.set_hook(live_receiver, WEBHOOK_SECRET)
    runs, first_pages = [], []
    for _ in range(3):
        github_double.clear_calls()
        runs.append(recovery(guard_app, max_redeliveries=120).run())
        first_pages.append(github_double.calls_to("GET", "/app/hook/deliveries")[0].query.get("cursor"))
    assert [len(r.redelivered) for r in runs] == [120, 120, 10]
    assert [r.complete for r in runs] == [False, False, True]
    assert first_pages[0] is None
    assert first_pages[1] is not None
    assert first_pages[2] is not None
    wait_for(lambda: len(stored(guard_app.services)) == 250, timeout=30)


def test_recovery_leaves_the_apps_rate_limit_headroom_alone(
    guard_app: Scenario, github_double: GitHubDouble
) -> None:
    github_double.set_hook(None, WEBHOOK_SECRET)
    for n in range(5):
        github_double.send_webhook("ping", ping(n))
    github_double.set_rate_limit("app", remaining=1003, limit=5000)
    report = recovery(guard_app).run()
    assert report.complete is False
    assert report.stopped is not None
    assert report.stopped.startswith("rate-limit headroom below 20%")
    assert github_double.rate_limit("app").remaining >= 999


def test_two_instances_recovering_at_once_ask_for_each_event_once(
    guard_app: Scenario, github_double: GitHubDouble
) -> None:
    github_double.set_hook(None, WEBHOOK_SECRET)
    for n in range(20):
        github_double.send_webhook("ping", ping(n))
    threads = [threading.Thread(target=recovery(guard_app).run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    paths = [c.path for c in redelivery_requests(github_double)]
    assert len(paths) == len(set(paths)) == 20


class _DiesBeforeSending:
    """The App client of a process killed just as it was about to ask GitHub for a redelivery."""

    def __init__(self, app: Any) -> None:
        self.app = app

    def __getattr__(self, name: str) -> Any:
        return getattr(self.app, name)

    def post(self, *args: Any, **kwargs: Any) -> Any:
        raise SystemExit("killed")


def test_an_ask_whose_process_died_before_sending_it_is_made_again_a_minute_later(
    guard_app: Scenario, github_double: GitHubDouble, live_receiver: str
) -> None:
    github_double.set_hook(None, WEBHOOK_SECRET)
    lost = github_double.send_webhook("ping", ping(1))
    github_double.set_hook(live_receiver, WEBHOOK_SECRET)
    assert guard_app.services.github is not None
    dying = Recovery(guard_app.services, _DiesBeforeSending(guard_app.services.github.app()), pause=0.0)
    with pytest.raises(SystemExit):
        dying.run()
    assert recovery(guard_app).run().redelivered == []  # within the minute the ask may still be going out
    later = recovery(guard_app, clock=lambda: time.time() + 61).run()
    assert later.redelivered == [lost.guid]
    wait_for(lambda: stored(guard_app.services).get(lost.guid) == "recovered")
    assert len(redelivery_requests(github_double)) == 1
