"""Webhook payloads built from the double's state are valid deliveries the guard's event parser reads."""

from __future__ import annotations

from guard.events import (
    CheckRunEvent,
    MergeGroupEvent,
    PullRequestEvent,
    PullRequestReviewEvent,
    PushEvent,
    parse_event,
)
from tests.github_double import webhooks
from tests.github_double.double import GitHubDouble
from tests.github_double_tests.conftest import Caller


def test_a_push_lists_each_commits_files_and_parses_as_a_push_event(
    github_double: GitHubDouble, acme: int
) -> None:
    before = github_double.head("acme/widgets")
    github_double.put_file("acme/widgets", "main", ".github/guard.yml", "pipeline_review: {}\n")
    after = github_double.delete_file("acme/widgets", "main", "README.md")
    event = parse_event(
        "push", webhooks.push(github_double, "acme/widgets", "refs/heads/main", before, after)
    )
    assert isinstance(event, PushEvent)
    assert (event.installation_id, event.branch, event.after) == (acme, "main", after)
    assert [(c.added, c.removed) for c in event.commits] == [
        ((".github/guard.yml",), ()),
        ((), ("README.md",)),
    ]


def test_a_pull_request_delivery_matches_the_doubles_pull_request(
    github_double: GitHubDouble, acme: int
) -> None:
    before = github_double.pull("acme/widgets", 1).head_sha
    after = github_double.push_to_pull("acme/widgets", 1, "README.md", "# new\n")
    payload = webhooks.pull_request(
        github_double, "acme/widgets", 1, "synchronize", sender="octocat", before=before, after=after
    )
    event = parse_event("pull_request", payload)
    assert isinstance(event, PullRequestEvent)
    assert event.pull_request.head.sha == github_double.pull("acme/widgets", 1).head_sha
    assert (event.pull_request.user.login, event.sender.login) == ("octocat", "octocat")


def test_a_review_delivery_carries_the_review_in_lower_case_and_parses(
    github_double: GitHubDouble, acme: int
) -> None:
    review = github_double.review_pull("acme/widgets", 1, "reviewer")
    github_double.dismiss_review("acme/widgets", 1, review)
    event = parse_event(
        "pull_request_review",
        webhooks.pull_request_review(github_double, "acme/widgets", 1, review, "dismissed", sender="lead"),
    )
    assert isinstance(event, PullRequestReviewEvent)
    assert (event.review.id, event.review.state, event.sender.login) == (review, "dismissed", "lead")
    assert event.review.user is not None
    assert event.review.user.login == "reviewer"
    assert event.review.commit_id == github_double.pull("acme/widgets", 1).head_sha


def test_an_edited_review_needs_its_changes(github_double: GitHubDouble, acme: int) -> None:
    review = github_double.review_pull("acme/widgets", 1, "reviewer", "COMMENTED", body="ok")
    payload = webhooks.pull_request_review(
        github_double, "acme/widgets", 1, review, "edited", changes={"body": {"from": "hm"}}
    )
    assert (payload["sender"]["login"], payload["changes"]) == ("reviewer", {"body": {"from": "hm"}})


def test_a_retarget_delivery_names_the_old_base(github_double: GitHubDouble, acme: int) -> None:
    old = github_double.pull("acme/widgets", 1)
    old_ref, old_sha = old.base_ref, old.base_sha
    github_double.create_branch("acme/widgets", "release")
    github_double.put_file("acme/widgets", "release", "notes.md", "v2\n")
    github_double.retarget_pull("acme/widgets", 1, "release")
    changes = {"base": {"ref": {"from": old_ref}, "sha": {"from": old_sha}}}
    event = parse_event(
        "pull_request", webhooks.pull_request(github_double, "acme/widgets", 1, "edited", changes=changes)
    )
    assert isinstance(event, PullRequestEvent)
    assert (event.previous_base_ref, event.previous_base_sha) == ("main", old_sha)
    assert event.pull_request.base.ref == "release"


def test_a_merged_pull_request_closes_with_who_merged_it(github_double: GitHubDouble, acme: int) -> None:
    github_double.merge_pull("acme/widgets", 1, by="admin")
    event = parse_event("pull_request", webhooks.pull_request(github_double, "acme/widgets", 1, "closed"))
    assert isinstance(event, PullRequestEvent)
    assert event.pull_request.merged
    assert event.pull_request.merged_by is not None
    assert event.pull_request.merged_by.login == "admin"


def test_a_check_run_request_lists_the_pull_request_and_the_button(
    github_double: GitHubDouble, caller: Caller, acme: int
) -> None:
    head = github_double.pull("acme/widgets", 1).head_sha
    run = caller.call("POST", "/repos/acme/widgets/check-runs", {"name": "review", "head_sha": head}).json()
    payload = webhooks.check_run(
        github_double, "acme/widgets", run["id"], "requested_action", identifier="reevaluate", sender="lead"
    )
    event = parse_event("check_run", payload)
    assert isinstance(event, CheckRunEvent)
    assert (event.requested_action, event.sender.login) == ("reevaluate", "lead")
    assert [p.number for p in event.check_run.pull_requests] == [1]
    rerequested = parse_event("check_run", webhooks.check_run(github_double, "acme/widgets", run["id"]))
    assert isinstance(rerequested, CheckRunEvent)
    assert rerequested.requested_action is None


def test_a_merge_group_names_its_last_pull_request_and_holds_every_queued_change(
    github_double: GitHubDouble, caller: Caller, acme: int
) -> None:
    github_double.put_file("acme/widgets", "docs", "docs/guide.md", "# guide\n")
    github_double.open_pull("acme/widgets", "docs")
    base = github_double.head("acme/widgets", "main")
    head_sha, head_ref = github_double.open_merge_group("acme/widgets", [1, 2])
    assert head_ref.startswith("refs/heads/gh-readonly-queue/main/pr-2-")
    event = parse_event(
        "merge_group", webhooks.merge_group(github_double, "acme/widgets", head_sha, head_ref, "main")
    )
    assert isinstance(event, MergeGroupEvent)
    assert (event.merge_group.head_sha, event.merge_group.base_ref) == (head_sha, "refs/heads/main")
    assert head_ref.endswith(event.merge_group.base_sha)
    branch = head_ref.removeprefix("refs/heads/")
    compared = caller.call("GET", f"/repos/acme/widgets/compare/{base}...{branch}").json()
    assert compared["commits"][-1]["sha"] == head_sha
    assert [f["filename"] for f in compared["files"]] == [".github/workflows/ci.yml", "docs/guide.md"]
    assert (
        caller.call("GET", f"/repos/acme/widgets/git/ref/{head_ref.removeprefix('refs/')}").status_code == 200
    )


def test_membership_and_team_deliveries_name_the_team_and_organisation(
    github_double: GitHubDouble, acme: int
) -> None:
    github_double.set_team_members("acme", "reviewers", ["lead"])
    removed = webhooks.membership(github_double, "acme", "reviewers", "reviewer", "removed")
    assert (removed["member"]["login"], removed["team"]["slug"]) == ("reviewer", "reviewers")
    assert removed["installation"]["id"] == acme
    edited = webhooks.team(github_double, "acme", "reviewers", changes={"name": {"from": "Old"}})
    assert (edited["organization"]["login"], edited["changes"]) == ("acme", {"name": {"from": "Old"}})
