"""Fork safety, the maintainer override, end to end: one run of one exact head commit, voided by a push."""

from __future__ import annotations

from tests.github_double import actions_webhooks, webhooks
from tests.handlers.fork_world import DEPLOY, FORK, REPO, RERUN, World


def _press_allow(world: World, sender: str) -> None:
    [check] = world.fork_checks()
    payload = webhooks.check_run(
        world.double, REPO, check.id, "requested_action", identifier="allow-run", sender=sender
    )
    world.guard.handle("check_run", payload)


def _finish(world: World, run_id: int) -> None:
    world.double.run(run_id).status = "completed"
    world.double.run(run_id).conclusion = "failure"


def test_a_maintainer_allowance_approves_that_sha_only_and_a_new_push_voids_it(world: World) -> None:
    run = world.fork_run(DEPLOY)
    world.deploy(run)
    _finish(world, run.id)
    head = world.double.pull(REPO, world.pull).head_sha

    _press_allow(world, "maintainer")
    [allowed] = world.alerts("maintainer-allowance")
    assert (allowed["actor"], allowed["action_taken"]) == (
        "maintainer",
        f"allowance recorded; run {run.id} is re-run",
    )
    assert head in allowed["details"]
    [rerun] = world.double.calls_to(*RERUN)
    assert rerun.path.endswith(f"/actions/runs/{run.id}/rerun")
    world.deploy(run)
    assert world.verdicts() == [(run.id, "rejected"), (run.id, "approved")]
    assert world.double.deployment_reviews(REPO)[-1].comment == (
        f"Approved by Pipeline Guard: maintainer allowed one run of {head[:12]} "
        f"(pull request #{world.pull}); the run is untrusted "
        "(its head is in mallory/widgets, not in acme/widgets)"
    )

    other = world.fork_run(DEPLOY)
    world.deploy(other)
    assert world.verdicts()[-1] == (other.id, "rejected")

    new_head = world.double.push_to_pull(REPO, world.pull, "src/index.js", "steal(more)\n")
    payload = webhooks.pull_request(
        world.double, REPO, world.pull, "synchronize", before=head, after=new_head
    )
    world.guard.handle("pull_request", payload)
    [voided] = world.alerts("allowance-voided")
    assert voided["action_taken"] == "allowance voided"
    world.double.run(run.id).status = "queued"
    world.deploy(run)
    assert world.verdicts()[-1] == (run.id, "rejected")


def test_the_pull_requests_author_cannot_allow_its_runs(world: World) -> None:
    world.double.set_role(REPO, "mallory", "write")
    run = world.fork_run(DEPLOY)
    world.deploy(run)
    _finish(world, run.id)

    _press_allow(world, "mallory")

    assert world.alerts("maintainer-allowance") == []
    assert world.double.calls_to(*RERUN) == []


def test_a_maintainer_who_pushed_to_the_pull_request_cannot_allow_it(world: World) -> None:
    head = world.double.push_to_pull(REPO, world.pull, "src/extra.js", "more()\n", author="maintainer")
    run = world.fork_run(DEPLOY)
    world.deploy(run)

    comment = f"/guard allow {head}"
    world.guard.handle(
        "issue_comment",
        actions_webhooks.issue_comment(world.double, REPO, world.pull, comment, sender="maintainer"),
    )

    assert world.alerts("maintainer-allowance") == []
    [reply] = world.double.comments(REPO, world.pull)
    assert "maintainer pushed commits to pull request #1; someone else must allow its runs" in reply.body


def test_a_maintainer_who_pushed_someone_elses_commits_to_the_pull_request_cannot_allow_it(
    world: World,
) -> None:
    before = world.double.pull(REPO, world.pull).head_sha
    head = world.double.push_to_pull(REPO, world.pull, "src/extra.js", "more()\n", author="mallory")
    payload = webhooks.pull_request(
        world.double, REPO, world.pull, "synchronize", sender="maintainer", before=before, after=head
    )
    world.guard.handle("pull_request", payload)

    comment = f"/guard allow {head}"
    world.guard.handle(
        "issue_comment",
        actions_webhooks.issue_comment(world.double, REPO, world.pull, comment, sender="maintainer"),
    )

    assert world.alerts("maintainer-allowance") == []
    [reply] = world.double.comments(REPO, world.pull)
    assert "maintainer pushed commits to pull request #1" in reply.body


def test_someone_without_write_access_cannot_allow_a_run(world: World) -> None:
    head = world.double.pull(REPO, world.pull).head_sha
    world.guard.handle(
        "issue_comment",
        actions_webhooks.issue_comment(
            world.double, REPO, world.pull, f"/guard allow {head}", sender="stranger"
        ),
    )

    assert world.alerts("maintainer-allowance") == []
    [reply] = world.double.comments(REPO, world.pull)
    assert "stranger cannot write to acme/widgets" in reply.body


def test_a_guard_allow_comment_must_name_the_current_head(world: World) -> None:
    head = world.double.pull(REPO, world.pull).head_sha
    world.guard.handle(
        "issue_comment",
        actions_webhooks.issue_comment(world.double, REPO, world.pull, "/guard allow", sender="maintainer"),
    )
    [reply] = world.double.comments(REPO, world.pull)
    assert f"/guard allow {head}" in reply.body

    run = world.fork_run(DEPLOY)
    world.guard.handle(
        "issue_comment",
        actions_webhooks.issue_comment(
            world.double, REPO, world.pull, f"/guard allow {head[:10]}", sender="maintainer"
        ),
    )
    [allowed] = world.alerts("maintainer-allowance")
    assert allowed["subject"] == f"allow:{world.pull}:{head}"
    assert world.double.comments(REPO, world.pull)[-1].body == (
        f"Pipeline Guard: maintainer allowed one run of `{head}`; the next run of it may proceed. "
        "A new push voids it."
    )
    world.deploy(run)
    assert world.verdicts() == [(run.id, "approved")]


def test_an_allowance_covers_one_run_only(world: World) -> None:
    head = world.double.pull(REPO, world.pull).head_sha
    world.guard.handle(
        "issue_comment",
        actions_webhooks.issue_comment(
            world.double, REPO, world.pull, f"/guard allow {head}", sender="maintainer"
        ),
    )
    first, second = world.fork_run(DEPLOY), world.fork_run(DEPLOY)
    world.deploy(first)
    world.deploy(second)

    assert world.verdicts() == [(first.id, "approved"), (second.id, "rejected")]
    assert FORK in (world.double.deployment_reviews(REPO)[-1].comment or "")
