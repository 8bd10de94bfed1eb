"""Fork safety, the backstop, end to end: fork-originated runs of dangerous workflows are cancelled."""

from __future__ import annotations

import re

from tests.github_double import actions_webhooks
from tests.handlers.fork_world import (
    BUILD,
    CANCEL,
    CI,
    FORCE_CANCEL,
    GET_RUN,
    REPO,
    World,
)


def test_a_fork_pull_request_target_run_that_builds_the_head_is_cancelled_and_explained(world: World) -> None:
    run = world.fork_run(BUILD)
    delivery = world.run_event(run)

    [cancel] = world.double.calls_to(*CANCEL)
    assert cancel.path.endswith(f"/actions/runs/{run.id}/cancel")
    assert world.double.run(run.id).conclusion == "cancelled"
    [check] = world.fork_checks()
    assert (check.head_sha, check.conclusion) == (world.double.pull(REPO, world.pull).head_sha, "failure")
    assert check.output["title"] == f"Fork run {run.id} cancelled: dangerous workflow"
    assert "untrusted-checkout-exec" in check.output["summary"]
    assert "its head is in mallory/widgets, not in acme/widgets" in check.output["summary"]
    assert "/guard allow" in check.output["summary"]
    assert {(a["path"], a["start_line"]) for a in check.annotations} >= {(BUILD, 9)}
    assert [b["identifier"] for b in check.actions] == ["allow-run"]
    [alert] = world.alerts("risky-fork-run")
    assert (alert["severity"], alert["action_taken"], alert["actor"]) == (4, "run cancelled", "mallory")
    assert "untrusted-checkout-exec" in alert["details"]
    [cancelled] = [
        a for d in world.guard.decisions(delivery) for a in d["actions"] if a["kind"] == "cancel_run"
    ]
    assert re.match(
        rf"cancel of run {run.id} requested \d+ ms after the delivery arrived;", cancelled["detail"]
    )


def test_a_same_repository_pull_request_run_is_not_cancelled(world: World) -> None:
    world.double.put_file(REPO, "feature", "src/index.js", "ok()\n")
    number = world.double.open_pull(REPO, "feature", user="octocat").number
    run = world.double.start_run(REPO, BUILD, event="pull_request_target", pull=number, actor="octocat")
    delivery = world.run_event(run)

    assert world.double.calls_to(*CANCEL) == []
    assert world.fork_checks() == []
    summaries = [d["summary"] for d in world.guard.decisions(delivery) if d["policy"] == "fork_secrets"]
    assert f"run {run.id}: a pull_request_target run from {REPO} itself" in summaries


def test_a_fork_run_on_plain_pull_request_is_not_cancelled(world: World) -> None:
    run = world.fork_run(CI, event="pull_request")
    delivery = world.run_event(run)

    assert world.double.calls_to(*CANCEL) == []
    assert world.fork_checks() == []
    assert world.alerts("risky-fork-run") == []
    [decision] = [
        d
        for d in world.guard.decisions(delivery)
        if d["policy"] == "fork_secrets" and "not cancelled" in d["summary"]
    ]
    assert "has no finding at or above high" in decision["summary"]


def test_a_re_run_of_a_fork_run_by_a_maintainer_is_still_a_fork_run(world: World) -> None:
    run = world.fork_run(BUILD)
    world.double.run(run.id).run_attempt = 2
    world.double.run(run.id).triggering_actor = "octocat"
    [job] = world.double.jobs(run.id)
    world.guard.handle("workflow_job", actions_webhooks.workflow_job(world.double, job.id, "queued"))

    assert len(world.double.calls_to(*CANCEL)) == 1
    assert world.double.run(run.id).conclusion == "cancelled"


def test_a_run_that_ignores_its_cancel_is_force_cancelled_after_the_bounded_wait(world: World) -> None:
    run = world.fork_run(BUILD, ignores_cancel=True)
    world.run_event(run)
    assert len(world.double.calls_to(*CANCEL)) == 1
    assert world.double.run(run.id).status == "queued"
    assert world.double.calls_to(*FORCE_CANCEL) == []

    world.later(29)
    world.guard.process()
    assert world.double.calls_to(*FORCE_CANCEL) == []
    world.later(2)
    world.guard.process()

    [force] = world.double.calls_to(*FORCE_CANCEL)
    assert force.path.endswith(f"/actions/runs/{run.id}/force-cancel")
    assert world.double.run(run.id).conclusion == "cancelled"
    [alert] = world.alerts("cancel-ignored")
    assert alert["action_taken"] == "force-cancel requested"


def test_a_run_that_stops_on_its_cancel_is_not_force_cancelled(world: World) -> None:
    run = world.fork_run(BUILD)
    world.run_event(run)
    world.later(31)
    world.guard.process()

    assert world.double.calls_to(*FORCE_CANCEL) == []


def test_several_deliveries_about_one_run_cancel_it_once(world: World) -> None:
    run = world.fork_run(BUILD, ignores_cancel=True)
    world.run_event(run, "requested")
    world.run_event(run, "in_progress")
    [job] = world.double.jobs(run.id)
    world.guard.handle("workflow_job", actions_webhooks.workflow_job(world.double, job.id, "queued"))

    assert len(world.double.calls_to(*CANCEL)) == 1


def test_a_fork_job_queued_on_a_self_hosted_runner_is_cancelled(world: World) -> None:
    run = world.fork_run(CI, event="pull_request", jobs=(("build", ("self-hosted", "linux")),))
    [job] = world.double.jobs(run.id)
    world.guard.handle("workflow_job", actions_webhooks.workflow_job(world.double, job.id, "queued"))

    assert len(world.double.calls_to(*CANCEL)) == 1
    [check] = world.fork_checks()
    assert check.output["title"] == f"Fork run {run.id} cancelled: job on a self-hosted runner"
    assert "'self-hosted'" in check.output["summary"]


def test_in_observe_mode_a_dangerous_fork_run_is_reported_not_cancelled(world: World) -> None:
    world.double.put_file(REPO, "main", ".github/guard.yml", "fork_secrets:\n  mode: observe\n")
    run = world.fork_run(BUILD)
    world.run_event(run)

    assert world.double.calls_to(*CANCEL) == []
    [check] = world.fork_checks()
    assert (check.conclusion, check.output["title"]) == (
        "neutral",
        f"Fork run {run.id} would be cancelled: dangerous workflow",
    )
    [alert] = world.alerts("risky-fork-run")
    assert alert["action_taken"] == "none: fork_secrets is in observe mode"


def test_with_cancel_method_force_cancel_the_run_is_force_cancelled_at_once(world: World) -> None:
    world.double.put_file(REPO, "main", ".github/guard.yml", "fork_secrets:\n  cancel_method: force-cancel\n")
    run = world.fork_run(BUILD, ignores_cancel=True)
    world.run_event(run)

    assert world.double.calls_to(*CANCEL) == []
    assert len(world.double.calls_to(*FORCE_CANCEL)) == 1
    assert world.double.run(run.id).conclusion == "cancelled"


def test_a_job_of_a_run_already_seen_as_trusted_costs_no_api_call(world: World) -> None:
    run = world.double.start_run(REPO, BUILD, event="push", actor="octocat")
    world.run_event(run)
    [job] = world.double.jobs(run.id)
    world.double.clear_calls()
    world.guard.handle("workflow_job", actions_webhooks.workflow_job(world.double, job.id, "queued"))

    assert world.double.calls_to(*GET_RUN) == []
    assert world.double.calls_to(*CANCEL) == []
