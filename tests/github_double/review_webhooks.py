"""Webhook payloads for the review gate: reviews, check run requests, merge groups, team changes.

Each is built from the double's state and validated against GitHub's webhook schema before it is
returned, like the builders in ``webhooks``.
"""

from __future__ import annotations

from typing import Any

from tests.github_double.double import GitHubDouble
from tests.github_double.pull_shapes import pull_request_json
from tests.github_double.review_shapes import review_json, team_json
from tests.github_double.schema import validate_webhook
from tests.github_double.shapes import check_run_json, iso
from tests.github_double.state import Account, PullRequest, Repo
from tests.github_double.webhook_envelope import envelope, org_envelope, sender_json


def _pull_json(double: GitHubDouble, repo: Repo, pull: PullRequest) -> dict[str, Any]:
    body = pull_request_json(double.base_url, double.state, repo, pull)
    for side in ("head", "base"):
        body[side]["repo"]["has_discussions"] = False
    return body


def pull_request_review(
    double: GitHubDouble,
    repo: str,
    number: int,
    review_id: int,
    action: str = "submitted",
    *,
    sender: str | None = None,
    changes: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """A ``pull_request_review`` delivery (``submitted``, ``edited`` with ``changes``, ``dismissed``);
    the sender defaults to the reviewer for ``submitted``/``edited``."""
    with double.state.lock:
        target = double._repo(repo)
        review = double.state.reviews[review_id]
        shown = review_json(double.base_url, double.state, target, review)
        shown["state"] = review.state.lower()
        payload: dict[str, Any] = {
            "action": action,
            "review": shown,
            "pull_request": _pull_json(double, target, double.pull(target, number)),
            **envelope(double, target, sender or review.user),
        }
    if action == "edited":
        payload["changes"] = changes or {}
    validate_webhook("pull_request_review", action, payload)
    return payload


def _minimal_pull(repo: Repo, pull: PullRequest, api: str) -> dict[str, Any]:
    """A ``pull-request-minimal``, as check runs and suites list their pull requests."""
    side = {"id": repo.id, "url": f"{api}/repos/{repo.full_name}", "name": repo.name}
    return {
        "id": repo.id * 100_000 + pull.number,
        "number": pull.number,
        "url": f"{api}/repos/{repo.full_name}/pulls/{pull.number}",
        "head": {"ref": pull.head_ref, "sha": pull.head_sha, "repo": side},
        "base": {"ref": pull.base_ref, "sha": pull.base_sha, "repo": side},
    }


def check_run(
    double: GitHubDouble,
    repo: str,
    run_id: int,
    action: str = "rerequested",
    *,
    identifier: str | None = None,
    sender: str = "octocat",
) -> dict[str, Any]:
    """A ``check_run`` delivery for one of the App's runs: ``rerequested``, or ``requested_action`` for
    the button whose ``identifier`` is given; lists the open pull requests whose head the run is on."""
    with double.state.lock:
        target = double._repo(repo)
        run, app = double.state.check_runs[run_id], double.state.app
        assert app is not None
        pulls = [
            _minimal_pull(target, p, double.base_url)
            for (repo_id, _), p in sorted(double.state.pulls.items())
            if repo_id == target.id and p.state == "open" and p.head_sha == run.head_sha
        ]
        shown = check_run_json(double.base_url, app, target, run) | {"pull_requests": pulls}
        shown["check_suite"] |= {
            "head_sha": run.head_sha,
            "head_branch": next((p["head"]["ref"] for p in pulls), None),
            "status": run.status,
            "conclusion": run.conclusion,
            "pull_requests": pulls,
        }
        payload = {"action": action, "check_run": shown, **envelope(double, target, sender)}
    if action == "requested_action":
        payload["requested_action"] = {"identifier": identifier or ""}
    validate_webhook("check_run", action, payload)
    return payload


def merge_group(
    double: GitHubDouble,
    repo: str,
    head_sha: str,
    head_ref: str,
    base_ref: str,
    action: str = "checks_requested",
    *,
    sender: str = "octocat",
) -> dict[str, Any]:
    """A ``merge_group`` delivery for a group ``open_merge_group`` made (``base_ref``: ``main`` or full)."""
    with double.state.lock:
        target = double._repo(repo)
        head = target.commits[head_sha]
        people = {
            "author": {"name": head.author or "", "email": head.author_email},
            "committer": {"name": head.committer or "", "email": head.committer_email},
        }
        group = {
            "head_sha": head.sha,
            "head_ref": head_ref,
            "base_sha": head.parents[0],
            "base_ref": f"refs/heads/{base_ref.removeprefix('refs/heads/')}",
            "head_commit": {
                "id": head.sha,
                "tree_id": head.sha,
                "message": head.message,
                "timestamp": iso(head.date),
                **people,
            },
        }
        payload = {"action": action, "merge_group": group, **envelope(double, target, sender)}
    validate_webhook("merge_group", action, payload)
    return payload


def _team_json(double: GitHubDouble, org: Account, slug: str) -> dict[str, Any]:
    team = double.state.teams[(org.id, slug.lower())]
    return team_json(double.base_url, org, team)


def membership(
    double: GitHubDouble,
    org: str,
    team_slug: str,
    member: str,
    action: str = "added",
    *,
    sender: str = "octocat",
) -> dict[str, Any]:
    """A ``membership`` delivery: ``member`` was ``added`` to or ``removed`` from the team."""
    with double.state.lock:
        owner = double.state.account(org)
        payload = {
            "action": action,
            "scope": "team",
            "member": sender_json(double, member),
            "team": _team_json(double, owner, team_slug),
            **org_envelope(double, owner, sender),
        }
    validate_webhook("membership", action, payload)
    return payload


def team(
    double: GitHubDouble,
    org: str,
    team_slug: str,
    action: str = "edited",
    *,
    sender: str = "octocat",
    changes: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """A ``team`` delivery (``edited`` carries ``changes``, e.g. ``{"name": {"from": "Old"}}``)."""
    with double.state.lock:
        owner = double.state.account(org)
        payload = {
            "action": action,
            "team": _team_json(double, owner, team_slug),
            **org_envelope(double, owner, sender),
        }
    if action == "edited":
        payload["changes"] = changes or {}
    validate_webhook("team", action, payload)
    return payload
