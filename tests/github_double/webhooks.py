"""Webhook payloads built from the double's state and checked against GitHub's webhook schemas.

Scenario tests post these through the guard's receiver, so the event the guard sees and the state
the double answers with always agree. Every builder validates its payload before returning it. The
review gate's builders live in ``review_webhooks`` and are offered here too.
"""

from __future__ import annotations

import zlib
from typing import Any

from tests.github_double.double import GitHubDouble
from tests.github_double.protection_shapes import ruleset_json
from tests.github_double.protection_state import ClassicProtection
from tests.github_double.pull_shapes import pull_request_json
from tests.github_double.review_webhooks import check_run, membership, merge_group, pull_request_review, team
from tests.github_double.schema import validate_webhook
from tests.github_double.shapes import installation_json
from tests.github_double.state import Repo, node_id
from tests.github_double.webhook_envelope import app_bot, envelope, sender_json

__all__ = [
    "app_bot",
    "branch_protection_configuration",
    "branch_protection_rule",
    "check_run",
    "installation",
    "installation_repositories",
    "membership",
    "merge_group",
    "pull_request",
    "pull_request_review",
    "push",
    "repository",
    "repository_ruleset",
    "sender_json",
    "team",
]


def pull_request(
    double: GitHubDouble, repo: str, number: int, action: str, *, sender: str | None = None, **extra: Any
) -> dict[str, Any]:
    """A ``pull_request`` delivery for the pull request as the double holds it now.

    ``synchronize`` needs ``before=`` and ``after=`` (the sender is who pushed); ``edited`` after
    ``retarget_pull`` needs ``changes={"base": {"ref": {"from": old}, "sha": {"from": old_sha}}}``;
    ``closed`` after ``merge_pull`` shows ``merged`` and ``merged_by``.
    """
    with double.state.lock:
        target = double._repo(repo)
        pull = double.pull(target, number)
        body = envelope(double, target, sender or pull.user.login)
        pr = pull_request_json(double.base_url, double.state, target, pull)
    for side in ("head", "base"):
        pr[side]["repo"]["has_discussions"] = False
    payload = {"action": action, "number": number, "pull_request": pr, **body, **extra}
    validate_webhook("pull_request", action, payload)
    return payload


def push(
    double: GitHubDouble,
    repo: str,
    ref: str,
    before: str,
    after: str,
    *,
    pusher: str = "octocat",
    forced: bool = False,
) -> dict[str, Any]:
    """A ``push`` delivery moving ``ref`` from ``before`` to ``after`` (``"0" * 40`` creates or deletes)."""
    zero = "0" * 40
    with double.state.lock:
        target = double._repo(repo)
        commits = [] if after == zero else _commits_between(double, target, before, after)
        body = envelope(double, target, pusher)
    payload = {
        "ref": ref,
        "before": before,
        "after": after,
        "created": before == zero,
        "deleted": after == zero,
        "forced": forced,
        "base_ref": None,
        "compare": f"https://github.com/{repo}/compare/{before[:12]}...{after[:12]}",
        "commits": commits,
        "head_commit": commits[-1] if commits else None,
        "pusher": {"name": pusher, "email": f"{pusher}@users.noreply.github.com"},
        **body,
    }
    validate_webhook("push", None, payload)
    return payload


def _commits_between(double: GitHubDouble, repo: Repo, before: str, after: str) -> list[dict[str, Any]]:
    """The commits reachable from ``after`` but not ``before``, oldest first, with their file lists."""
    chain, sha = [], after
    while sha and sha != before and sha in repo.commits:
        commit = repo.commits[sha]
        chain.append(commit)
        sha = commit.parents[0] if commit.parents else ""
    entries = []
    for commit in reversed(chain):
        parent = repo.commits[commit.parents[0]].tree if commit.parents else {}
        entries.append(
            {
                "id": commit.sha,
                "tree_id": commit.sha,
                "distinct": True,
                "message": commit.message,
                "timestamp": "2026-01-02T03:04:05Z",
                "url": f"https://github.com/{repo.full_name}/commit/{commit.sha}",
                "author": {"name": "Octo Cat", "email": "octocat@github.com", "username": "octocat"},
                "committer": {"name": "GitHub", "email": "noreply@github.com", "username": "web-flow"},
                "added": sorted(p for p in commit.tree if p not in parent),
                "removed": sorted(p for p in parent if p not in commit.tree),
                "modified": sorted(
                    p for p, b in commit.tree.items() if p in parent and parent[p].sha != b.sha
                ),
            }
        )
    return entries


_LEVEL = {True: "non_admins", False: "off"}


def _rule_json(repo: Repo, branch: str, found: ClassicProtection | None) -> dict[str, Any]:
    """The ``rule`` of a ``branch_protection_rule`` delivery: GitHub's webhook shape, not the REST one."""
    found = found or ClassicProtection(None, False, False, None, None)
    reviews, admins = found.reviews, found.enforce_admins

    def level(on: bool) -> str:
        return "everyone" if on and admins else _LEVEL[on]

    return {
        "id": zlib.crc32(f"{repo.id}/{branch}".encode()),
        "repository_id": repo.id,
        "name": branch,
        "created_at": "2026-01-02T03:04:05Z",
        "updated_at": "2026-01-02T03:04:05Z",
        "pull_request_reviews_enforcement_level": level(reviews is not None),
        "required_approving_review_count": reviews.approvals if reviews else 0,
        "dismiss_stale_reviews_on_push": bool(reviews and reviews.dismiss_stale),
        "require_code_owner_review": bool(reviews and reviews.code_owners),
        "require_last_push_approval": bool(reviews and reviews.last_push),
        "authorized_dismissal_actors_only": bool(reviews and reviews.dismissal),
        "ignore_approvals_from_contributors": False,
        "required_status_checks": [context for context, _ in found.checks or []],
        "required_status_checks_enforcement_level": level(found.checks is not None),
        "strict_required_status_checks_policy": found.strict,
        "signature_requirement_enforcement_level": level(found.signatures),
        "linear_history_requirement_enforcement_level": level(found.linear_history),
        "lock_branch_enforcement_level": level(found.lock_branch),
        "admin_enforced": admins,
        "allow_force_pushes_enforcement_level": level(found.allow_force_pushes),
        "allow_deletions_enforcement_level": level(found.allow_deletions),
        "merge_queue_enforcement_level": "off",
        "required_deployments_enforcement_level": "off",
        "required_conversation_resolution_level": level(found.conversation_resolution),
        "authorized_actors_only": found.restrictions is not None,
        "authorized_actor_names": list(found.restrictions.users) if found.restrictions else [],
    }


def branch_protection_rule(
    double: GitHubDouble,
    repo: str,
    branch: str,
    action: str,
    *,
    sender: str = "octocat",
    changes: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """A ``branch_protection_rule`` delivery for the branch's protection as the double holds it now.

    ``edited`` needs ``changes`` (``{"required_approving_review_count": {"from": 2}}``); a bot
    ``sender`` is written ``name[bot]``.
    """
    with double.state.lock:
        target = double._repo(repo)
        rule = _rule_json(target, branch, double.state.protections.get((target.id, branch)))
        body = envelope(double, target, sender)
    payload = {"action": action, "rule": rule, **body}
    if action == "edited":
        payload["changes"] = changes or {}
    validate_webhook("branch_protection_rule", action, payload)
    return payload


def branch_protection_configuration(
    double: GitHubDouble, repo: str, action: str, *, sender: str = "octocat"
) -> dict[str, Any]:
    """``branch_protection_configuration``: ``enabled`` or ``disabled`` for the whole repository."""
    with double.state.lock:
        payload = {"action": action, **envelope(double, double._repo(repo), sender)}
    validate_webhook("branch_protection_configuration", action, payload)
    return payload


def repository_ruleset(
    double: GitHubDouble, repo: str, ruleset_id: int, action: str, *, sender: str = "octocat"
) -> dict[str, Any]:
    """A ``repository_ruleset`` delivery; an organisation's ruleset comes without ``repository``."""
    with double.state.lock:
        target = double._repo(repo)
        ruleset = double.state.rulesets[ruleset_id]
        body = envelope(double, target, sender)
        shown = ruleset_json(double.base_url, target, ruleset)
    shown.pop("current_user_can_bypass")
    if ruleset.repo_id is None:
        body.pop("repository")
    payload = {"action": action, "repository_ruleset": shown, **body}
    validate_webhook("repository_ruleset", action, payload)
    return payload


def repository(
    double: GitHubDouble, repo: str, action: str, *, sender: str = "octocat", **extra: Any
) -> dict[str, Any]:
    """A ``repository`` delivery (``created``, ``edited`` with ``changes=`` ...) for the repository now."""
    with double.state.lock:
        payload = {"action": action, **envelope(double, double._repo(repo), sender), **extra}
    validate_webhook("repository", action, payload)
    return payload


def _installation_json(double: GitHubDouble, installation_id: int) -> dict[str, Any]:
    app = double.state.app
    assert app is not None
    return installation_json(double.base_url, app, double.state.installations[installation_id])


def _listed(double: GitHubDouble, repo: Repo) -> dict[str, Any]:
    return {
        "id": repo.id,
        "node_id": node_id("Repository", repo.id),
        "name": repo.name,
        "full_name": repo.full_name,
        "private": repo.visibility != "public",
    }


def installation(
    double: GitHubDouble, installation_id: int, action: str = "created", *, sender: str = "octocat"
) -> dict[str, Any]:
    """An ``installation`` delivery listing every repository the installation can see."""
    with double.state.lock:
        found = double.state.installations[installation_id]
        repos = sorted(
            (
                r
                for r in double.state.repos.values()
                if r.owner.id == found.account.id
                and (found.repository_selection == "all" or r.id in found.repository_ids)
            ),
            key=lambda r: r.id,
        )
        payload = {
            "action": action,
            "installation": _installation_json(double, installation_id),
            "repositories": [_listed(double, r) for r in repos],
            "requester": None,
            "sender": sender_json(double, sender),
        }
    validate_webhook("installation", action, payload)
    return payload


def installation_repositories(
    double: GitHubDouble, installation_id: int, added: list[str], *, sender: str = "octocat"
) -> dict[str, Any]:
    """An ``installation_repositories.added`` delivery for repositories (full names) just selected."""
    with double.state.lock:
        repos = [double._repo(name) for name in added]
        payload = {
            "action": "added",
            "installation": _installation_json(double, installation_id),
            "repository_selection": double.state.installations[installation_id].repository_selection,
            "repositories_added": [_listed(double, r) for r in repos],
            "repositories_removed": [],
            "requester": None,
            "sender": sender_json(double, sender),
        }
    validate_webhook("installation_repositories", "added", payload)
    return payload
