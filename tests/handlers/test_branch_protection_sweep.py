"""The periodic sweep: it restores what a lost delivery hid, and costs nothing when nothing changed."""

from __future__ import annotations

from typing import Any

from guard.scheduler import Scheduler
from tests.github_double.double import GitHubDouble
from tests.github_double.shapes import repository_json
from tests.handlers.test_branch_protection import DECLARED_BODY, PROTECTION, install, protected, weaken
from tests.support.scenario import Scenario


def sweep(
    double: GitHubDouble, repo: str = "acme/widgets", name: str = "branch_protection"
) -> dict[str, Any]:
    """The internal delivery the scheduler enqueues for one repository and sweep."""
    target = double.state.repo(repo)
    assert target is not None
    installation = double.state.installation_for(target.owner)
    assert installation is not None
    return {
        "action": name,
        "installation": {"id": installation.id},
        "repository": repository_json(double.base_url, target, full=False),
        "sweep": {"started_at": double.now()},
    }


def test_a_sweep_restores_a_change_whose_delivery_was_lost(
    guard_app: Scenario, github_double: GitHubDouble
) -> None:
    protected(guard_app, github_double)
    weaken(github_double, required_approving_review_count=0)
    guard_app.sweep(sweep(github_double))
    [put] = github_double.calls_to("PUT", PROTECTION)
    assert put.body == DECLARED_BODY
    [alert] = guard_app.alerts()
    assert alert["title"] == "main in acme/widgets is not protected as declared (found by the periodic sweep)"
    assert alert["actor"] is None


def test_a_sweep_of_an_unchanged_repository_costs_no_rate_limit(
    guard_app: Scenario, github_double: GitHubDouble
) -> None:
    installation = install(github_double)
    github_double.protect("acme/widgets", "main", DECLARED_BODY)
    guard_app.sweep(sweep(github_double))
    spent = github_double.rate_limit(installation).remaining
    github_double.clear_calls()
    delivery = guard_app.sweep(sweep(github_double))
    assert {(c.method, c.status) for c in github_double.calls} == {("GET", 304)}
    assert len(github_double.calls) == 2
    assert github_double.rate_limit(installation).remaining == spent
    [decision] = guard_app.decisions(delivery)
    assert decision["summary"] == "main in acme/widgets is protected as declared"


def test_the_scheduler_sweeps_branch_protection_every_hour_and_finds_what_a_lost_delivery_hid(
    guard_app: Scenario, github_double: GitHubDouble
) -> None:
    protected(guard_app, github_double)
    weaken(github_double, required_approving_review_count=0)
    now = github_double.now() // 3600 * 3600 + 1.0  # early in an hour, so a minute later is the same period
    assert Scheduler(guard_app.services, clock=lambda: now).run_once() == {
        "branch_protection": 2,
        "pipeline_review": 2,
        "fork_secrets_settings": 2,
    }
    assert Scheduler(guard_app.services, clock=lambda: now + 60).run_once() == {}
    guard_app.services.inbox.clock = lambda: now + 3600
    guard_app.process()
    [put] = github_double.calls_to("PUT", PROTECTION)
    assert put.body == DECLARED_BODY
    [alert] = guard_app.alerts()
    assert alert["title"] == "main in acme/widgets is not protected as declared (found by the periodic sweep)"
    assert Scheduler(guard_app.services, clock=lambda: now + 3600).run_once()["branch_protection"] == 2
