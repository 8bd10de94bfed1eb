"""Webhook payloads built from the double's state are valid deliveries the guard's event parser reads."""

from __future__ import annotations

from guard.events import PullRequestEvent, PushEvent, parse_event
from tests.github_double import webhooks
from tests.github_double.double import GitHubDouble


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
