"""Webhook deliveries about GitHub Actions, built from the double's state and checked against GitHub's
webhook schemas: ``workflow_run``, ``workflow_job``, ``deployment_protection_rule``, the check run button
(``check_run.requested_action``) and ``issue_comment`` on a pull request."""

from __future__ import annotations

from typing import Any

from tests.github_double.actions_shapes import job_json, workflow_run_json
from tests.github_double.double import GitHubDouble
from tests.github_double.pull_shapes import pull_request_json
from tests.github_double.schema import validate_webhook
from tests.github_double.shapes import WEB, iso
from tests.github_double.state import Repo, node_id
from tests.github_double.webhook_envelope import envelope, sender_json


def _workflow(double: GitHubDouble, repo_name: str, run_id: int) -> dict[str, Any]:
    run = double.run(run_id)
    api = f"{double.base_url}/repos/{repo_name}/actions/workflows/{run.workflow_id}"
    return {
        "badge_url": f"{WEB}/{repo_name}/workflows/{run.name}/badge.svg",
        "created_at": iso(0),
        "html_url": f"{WEB}/{repo_name}/blob/main/{run.path}",
        "id": run.workflow_id,
        "name": run.name,
        "node_id": node_id("Workflow", run.workflow_id),
        "path": run.path,
        "state": "active",
        "updated_at": iso(0),
        "url": api,
    }


def _webhook_run(double: GitHubDouble, run_id: int) -> dict[str, Any]:
    """The run as a webhook carries it: the REST object with webhook-sized repositories."""
    body = workflow_run_json(double.base_url, double.state, double.run(run_id))
    for side in ("repository", "head_repository"):
        body[side] = {k: v for k, v in body[side].items() if k in _REPOSITORY_LITE}
    return body


_REPOSITORY_LITE = frozenset(
    [
        "archive_url",
        "assignees_url",
        "blobs_url",
        "branches_url",
        "collaborators_url",
        "comments_url",
        "commits_url",
        "compare_url",
        "contents_url",
        "contributors_url",
        "deployments_url",
        "description",
        "downloads_url",
        "events_url",
        "fork",
        "forks_url",
        "full_name",
        "git_commits_url",
        "git_refs_url",
        "git_tags_url",
        "hooks_url",
        "html_url",
        "id",
        "issue_comment_url",
        "issue_events_url",
        "issues_url",
        "keys_url",
        "labels_url",
        "languages_url",
        "merges_url",
        "milestones_url",
        "name",
        "node_id",
        "notifications_url",
        "owner",
        "private",
        "pulls_url",
        "releases_url",
        "stargazers_url",
        "statuses_url",
        "subscribers_url",
        "subscription_url",
        "tags_url",
        "teams_url",
        "trees_url",
        "url",
    ]
)


def workflow_run(double: GitHubDouble, run_id: int, action: str) -> dict[str, Any]:
    """``workflow_run`` (``requested``, ``in_progress``, ``completed``) for the run as it is now."""
    with double.state.lock:
        run = double.run(run_id)
        repo = double.state.repo_by_id(run.repo_id)
        assert repo is not None
        payload = {
            "action": action,
            "workflow": _workflow(double, repo.full_name, run_id),
            "workflow_run": _webhook_run(double, run_id),
            **envelope(double, repo, run.triggering_actor),
        }
    validate_webhook("workflow_run", action, payload)
    return payload


def workflow_job(double: GitHubDouble, job_id: int, action: str = "queued") -> dict[str, Any]:
    """``workflow_job``: the job only (no event, no head repository), as GitHub sends it."""
    with double.state.lock:
        job = double.state.actions.jobs[job_id]
        run = double.run(job.run_id)
        repo = double.state.repo_by_id(run.repo_id)
        assert repo is not None
        body = job_json(double.base_url, double.state, job)
        payload = {"action": action, "workflow_job": body, **envelope(double, repo, run.triggering_actor)}
    validate_webhook("workflow_job", action, payload)
    return payload


def deployment_protection_rule(
    double: GitHubDouble, run_id: int, environment: str, *, ref: str | None = None, pull: int | None = None
) -> dict[str, Any]:
    """A job of the run waits for ``environment``: GitHub asks the App at the run's callback URL (listing
    pull request ``pull``, when given, as it does for pull request events)."""
    with double.state.lock:
        run = double.run(run_id)
        repo = double.state.repo_by_id(run.repo_id)
        assert repo is not None
        around = envelope(double, repo, run.triggering_actor)
        callback = (
            f"{double.base_url}/repos/{repo.full_name}/actions/runs/{run.id}/deployment_protection_rule"
        )
        payload = {
            "action": "requested",
            "environment": environment,
            "event": run.event,
            "ref": ref or f"refs/heads/{run.head_branch}",
            "sha": run.head_sha,
            "deployment_callback_url": callback,
            "pull_requests": [] if pull is None else [_pull_json(double, repo, pull)],
            **around,
        }
    validate_webhook("deployment_protection_rule", "requested", payload)
    return payload


def _pull_json(double: GitHubDouble, repo: Repo, number: int) -> dict[str, Any]:
    body = pull_request_json(double.base_url, double.state, repo, double.pull(repo, number))
    for side in ("head", "base"):
        body[side]["repo"]["has_discussions"] = False
    return body


def issue_comment(
    double: GitHubDouble, repo_name: str, number: int, body: str, *, sender: str
) -> dict[str, Any]:
    """``issue_comment.created`` on pull request ``number``."""
    with double.state.lock:
        repo = double._repo(repo_name)
        pull = double.pull(repo, number)
        comment_id = double.state.next_id()
        api = f"{double.base_url}/repos/{repo.full_name}"
        issue = {
            "url": f"{api}/issues/{number}",
            "repository_url": api,
            "labels_url": f"{api}/issues/{number}/labels{{/name}}",
            "comments_url": f"{api}/issues/{number}/comments",
            "events_url": f"{api}/issues/{number}/events",
            "html_url": f"{WEB}/{repo.full_name}/pull/{number}",
            "id": repo.id * 1000 + number,
            "node_id": node_id("Issue", repo.id * 1000 + number),
            "number": number,
            "title": pull.title,
            "user": sender_json(double, pull.user.login),
            "labels": [],
            "state": pull.state,
            "locked": False,
            "assignee": None,
            "assignees": [],
            "milestone": None,
            "comments": 1,
            "created_at": iso(pull.created_at),
            "updated_at": iso(pull.created_at),
            "closed_at": None,
            "author_association": "CONTRIBUTOR",
            "active_lock_reason": None,
            "body": None,
            "reactions": _reactions(f"{api}/issues/{number}/reactions"),
            "timeline_url": f"{api}/issues/{number}/timeline",
            "performed_via_github_app": None,
            "pull_request": {
                "url": f"{api}/pulls/{number}",
                "html_url": f"{WEB}/{repo.full_name}/pull/{number}",
                "diff_url": f"{WEB}/{repo.full_name}/pull/{number}.diff",
                "patch_url": f"{WEB}/{repo.full_name}/pull/{number}.patch",
            },
        }
        comment = {
            "url": f"{api}/issues/comments/{comment_id}",
            "html_url": f"{WEB}/{repo.full_name}/pull/{number}#issuecomment-{comment_id}",
            "issue_url": f"{api}/issues/{number}",
            "id": comment_id,
            "node_id": node_id("IssueComment", comment_id),
            "user": sender_json(double, sender),
            "created_at": iso(double.now()),
            "updated_at": iso(double.now()),
            "author_association": "MEMBER",
            "body": body,
            "reactions": _reactions(f"{api}/issues/comments/{comment_id}/reactions"),
            "performed_via_github_app": None,
        }
        payload = {"action": "created", "issue": issue, "comment": comment, **envelope(double, repo, sender)}
    validate_webhook("issue_comment", "created", payload)
    return payload


def _reactions(url: str) -> dict[str, Any]:
    counts = dict.fromkeys(("+1", "-1", "laugh", "hooray", "confused", "heart", "rocket", "eyes"), 0)
    return {"url": url, "total_count": 0, **counts}
