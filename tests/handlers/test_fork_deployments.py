"""Fork safety, the deployment gate, end to end: the guard answers as the environment's protection rule."""

from __future__ import annotations

import re

from tests.handlers.fork_world import CI, DEPLOY, GET_RUN, RELEASE, REPO, REVIEW, World


def test_a_deployment_to_production_from_a_fork_run_is_rejected_with_a_comment(world: World) -> None:
    run = world.fork_run(DEPLOY)
    world.deploy(run)

    [review] = world.double.deployment_reviews(REPO)
    assert (review.run_id, review.environment, review.state) == (run.id, "production", "rejected")
    assert review.comment is not None
    assert review.comment.startswith("Rejected by Pipeline Guard (fork-deployment): runs that are untrusted")
    assert "mallory/widgets" in review.comment
    [check] = world.fork_checks()
    assert check.conclusion == "failure"
    assert check.output["title"] == "Deployment to production from a fork run rejected"
    [alert] = world.alerts("fork-deployment")
    assert alert["action_taken"] == "deployment rejected"


def test_a_pull_request_from_a_fork_named_by_the_delivery_is_enough_to_reject(world: World) -> None:
    run = world.fork_run(DEPLOY)
    world.double.run(run.id).head_repo_id = world.double._repo(REPO).id
    world.deploy(run, pull=world.pull)

    [review] = world.double.deployment_reviews(REPO)
    assert review.state == "rejected"
    assert f"it runs for pull request #{world.pull} from a fork" in (review.comment or "")


def test_a_deployment_to_production_from_main_is_approved(world: World) -> None:
    run = world.double.start_run(REPO, DEPLOY, event="push", actor="octocat")
    world.deploy(run, ref="refs/heads/main")

    [review] = world.double.deployment_reviews(REPO)
    assert (review.run_id, review.state) == (run.id, "approved")
    assert review.comment == (
        "Approved by Pipeline Guard: a push run from acme/widgets itself; the ref may deploy to production"
    )
    assert world.fork_checks() == []
    assert world.alerts("fork-deployment") == []


def test_a_deployment_from_a_branch_outside_allowed_refs_is_rejected(world: World) -> None:
    world.double.create_branch(REPO, "experiment")
    run = world.double.start_run(REPO, DEPLOY, event="push", actor="octocat")
    world.deploy(run, ref="refs/heads/experiment")

    assert world.verdicts() == [(run.id, "rejected")]
    [alert] = world.alerts("ref-not-allowed")
    assert "refs/heads/experiment is not in production's allowed_refs (main)" in alert["details"]


def test_an_environment_the_configuration_does_not_list_still_rejects_fork_runs(world: World) -> None:
    world.double.add_environment(REPO, "preview", guarded=True)
    trusted = world.double.start_run(REPO, DEPLOY, event="push", actor="octocat")
    world.double.create_branch(REPO, "topic")
    world.deploy(trusted, "preview", ref="refs/heads/topic")
    forked = world.fork_run(DEPLOY)
    world.deploy(forked, "preview")

    assert world.verdicts() == [(trusted.id, "approved"), (forked.id, "rejected")]


def test_an_api_failure_while_deciding_gives_no_approval_and_an_alert_then_decides_after_recovery(
    world: World,
) -> None:
    run = world.fork_run(DEPLOY)
    world.double.fail(*GET_RUN, status=502, times=None)
    delivery = world.deploy(run)

    assert world.double.calls_to(*REVIEW) == []
    [alert] = world.alerts("deployment-undecided")
    assert alert["action_taken"] == "no approval given; decision retried"
    assert "fails closed" in alert["details"]
    assert world.guard.delivery(delivery)["state"] == "queued"

    world.double.faults.clear()
    world.later(10)
    world.guard.process()
    assert world.verdicts() == [(run.id, "rejected")]
    assert world.guard.delivery(delivery)["state"] == "done"


def test_in_observe_mode_a_fork_deployment_is_approved_and_alerted(world: World) -> None:
    world.double.put_file(REPO, "main", ".github/guard.yml", "fork_secrets:\n  mode: observe\n")
    run = world.fork_run(DEPLOY)
    world.deploy(run)

    [review] = world.double.deployment_reviews(REPO)
    assert review.state == "approved"
    assert review.comment is not None
    assert review.comment.startswith("Approved in observe mode by Pipeline Guard (fork-deployment)")
    [alert] = world.alerts("fork-deployment")
    assert alert["action_taken"] == "deployment approved (observe mode; enforce would reject it)"


def _release(world: World) -> tuple[int, str | None]:
    """A release run (started by ci's runs) asks for production; its verdict."""
    downstream = world.double.start_run(REPO, RELEASE, event="workflow_run", actor="octocat")
    world.deploy(downstream, ref="refs/heads/main")
    review = world.double.deployment_reviews(REPO)[-1]
    assert review.run_id == downstream.id
    return downstream.id, review.comment if review.state == "rejected" else None


def _ci_finished(world: World, *, fork: bool) -> None:
    if fork:
        run = world.fork_run(CI, event="pull_request")
    else:
        run = world.double.start_run(REPO, CI, event="push", actor="octocat")
    world.run_event(run, "completed")


def test_a_workflow_run_descending_from_a_fork_run_cannot_deploy(world: World) -> None:
    _ci_finished(world, fork=True)
    _, rejected = _release(world)

    assert rejected is not None
    assert "started by an untrusted run (its head is in mallory/widgets, not in acme/widgets)" in rejected


def test_a_workflow_run_of_unknown_ancestry_cannot_deploy(world: World) -> None:
    _, rejected = _release(world)

    assert rejected is not None
    assert "started by a workflow run the guard has not seen" in rejected


def test_a_workflow_run_descending_from_a_trusted_push_run_deploys(world: World) -> None:
    _ci_finished(world, fork=False)

    assert _release(world)[1] is None


def test_a_workflow_run_that_may_descend_from_a_fork_run_cannot_deploy(world: World) -> None:
    _ci_finished(world, fork=False)
    _ci_finished(world, fork=True)

    assert _release(world)[1] is not None


def test_fork_runs_of_other_workflows_and_old_ones_do_not_count_as_upstreams(world: World) -> None:
    _ci_finished(world, fork=True)
    world.later(31 * 60)
    world.run_event(world.fork_run(DEPLOY), "completed")
    _ci_finished(world, fork=False)

    assert _release(world)[1] is None


def test_an_issue_comment_run_caused_by_an_outsider_cannot_deploy(world: World) -> None:
    run = world.double.start_run(REPO, DEPLOY, event="issue_comment", actor="stranger")
    world.deploy(run, ref="refs/heads/main")
    writer = world.double.start_run(REPO, DEPLOY, event="issue_comment", actor="maintainer")
    world.deploy(writer, ref="refs/heads/main")

    assert world.verdicts() == [(run.id, "rejected"), (writer.id, "approved")]


def test_a_verdict_github_refuses_is_alerted_because_the_job_keeps_waiting(world: World) -> None:
    world.double.add_environment(REPO, "qa")
    run = world.double.start_run(REPO, DEPLOY, event="push", actor="octocat")
    delivery = world.deploy(run, "qa", ref="refs/heads/main")

    assert world.verdicts() == []
    [alert] = world.alerts("deployment-verdict-undelivered")
    assert alert["action_taken"] == "no verdict delivered"
    assert "guard env enrol" in alert["details"]
    [review] = [
        a for d in world.guard.decisions(delivery) for a in d["actions"] if a["kind"] == "review_deployment"
    ]
    assert review["outcome"] == "failed"


def test_the_verdict_records_how_long_after_the_delivery_it_went_out(world: World) -> None:
    run = world.double.start_run(REPO, DEPLOY, event="push", actor="octocat")
    delivery = world.deploy(run, ref="refs/heads/main")

    [review] = [
        a for d in world.guard.decisions(delivery) for a in d["actions"] if a["kind"] == "review_deployment"
    ]
    assert re.fullmatch(
        rf"deployment of run {run.id} to production approved \d+ ms after the delivery arrived",
        review["detail"],
    )
