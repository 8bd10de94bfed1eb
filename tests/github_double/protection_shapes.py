"""Branch protection, repository rules and rulesets in GitHub's read shapes, from the double's state.

The read shape of a protection follows the exchanges recorded against api.github.com
(``recorded/branch-protection.json``): settings wrapped as ``{"enabled": ...}``, users and teams as objects,
both ``contexts`` and ``checks`` listed.
"""

from __future__ import annotations

import zlib
from typing import Any

from tests.github_double.protection_state import Actors, ClassicProtection, Reviews, Ruleset
from tests.github_double.shapes import WEB, account_json, integration_json
from tests.github_double.state import Repo, State, node_id

_CREATED = "2024-01-02T03:04:05Z"


def team_json(api: str, org: str, slug: str) -> dict[str, Any]:
    """A ``team`` object for a team slug of ``org`` (its id derived from the names)."""
    team_id = zlib.crc32(f"{org}/{slug}".encode())
    url = f"{api}/organizations/{org}/team/{team_id}"
    return {
        "id": team_id,
        "node_id": node_id("Team", team_id),
        "url": url,
        "html_url": f"{WEB}/orgs/{org}/teams/{slug}",
        "name": slug,
        "slug": slug,
        "description": None,
        "privacy": "closed",
        "notification_setting": "notifications_enabled",
        "permission": "pull",
        "members_url": f"{url}/members{{/member}}",
        "repositories_url": f"{url}/repos",
        "parent": None,
        "type": "organization",
    }


def _actors(api: str, state: State, repo: Repo, actors: Actors, base: str) -> dict[str, Any]:
    app = state.app
    return {
        "url": base,
        "users_url": f"{base}/users",
        "teams_url": f"{base}/teams",
        "users": [account_json(api, state.account(login, "User")) for login in actors.users],
        "teams": [team_json(api, repo.owner.login, slug) for slug in actors.teams],
        "apps": [integration_json(api, app) for slug in actors.apps if app is not None and slug == app.slug],
    }


def _reviews(api: str, state: State, repo: Repo, reviews: Reviews, base: str) -> dict[str, Any]:
    body: dict[str, Any] = {
        "url": f"{base}/required_pull_request_reviews",
        "dismiss_stale_reviews": reviews.dismiss_stale,
        "require_code_owner_reviews": reviews.code_owners,
        "required_approving_review_count": reviews.approvals,
        "require_last_push_approval": reviews.last_push,
    }
    if reviews.dismissal is not None:
        body["dismissal_restrictions"] = _actors(
            api, state, repo, reviews.dismissal, f"{base}/dismissal_restrictions"
        )
    if reviews.bypass is not None:
        allowances = _actors(api, state, repo, reviews.bypass, base)
        body["bypass_pull_request_allowances"] = {k: allowances[k] for k in ("users", "teams", "apps")}
    return body


def protection_json(
    api: str, state: State, repo: Repo, branch: str, found: ClassicProtection
) -> dict[str, Any]:
    """A ``branch-protection`` object (the same body answers a PUT)."""
    base = f"{api}/repos/{repo.full_name}/branches/{branch}/protection"
    body: dict[str, Any] = {"url": base}
    if found.checks is not None:
        body["required_status_checks"] = {
            "url": f"{base}/required_status_checks",
            "strict": found.strict,
            "contexts": [context for context, _ in found.checks],
            "contexts_url": f"{base}/required_status_checks/contexts",
            "checks": [{"context": context, "app_id": app_id} for context, app_id in found.checks],
        }
    if found.restrictions is not None:
        body["restrictions"] = _actors(api, state, repo, found.restrictions, f"{base}/restrictions") | {
            "apps_url": f"{base}/restrictions/apps"
        }
    if found.reviews is not None:
        body["required_pull_request_reviews"] = _reviews(api, state, repo, found.reviews, base)
    body["required_signatures"] = {"url": f"{base}/required_signatures", "enabled": found.signatures}
    body["enforce_admins"] = {"url": f"{base}/enforce_admins", "enabled": found.enforce_admins}
    for key, value in (
        ("required_linear_history", found.linear_history),
        ("allow_force_pushes", found.allow_force_pushes),
        ("allow_deletions", found.allow_deletions),
        ("block_creations", found.block_creations),
        ("required_conversation_resolution", found.conversation_resolution),
        ("lock_branch", found.lock_branch),
        ("allow_fork_syncing", found.allow_fork_syncing),
    ):
        body[key] = {"enabled": value}
    return body


def branch_rules_json(ruleset: Ruleset) -> list[dict[str, Any]]:
    """The rules of one ruleset as ``GET /repos/{owner}/{repo}/rules/branches/{branch}`` lists them."""
    info = {
        "ruleset_source_type": ruleset.source_type,
        "ruleset_source": ruleset.source,
        "ruleset_id": ruleset.id,
    }
    return [dict(rule) | info for rule in ruleset.rules]


def ruleset_json(api: str, repo: Repo, ruleset: Ruleset) -> dict[str, Any]:
    """A ``repository-ruleset`` object, read through the repository (parents included)."""
    if ruleset.repo_id is None:
        self_url = f"{api}/orgs/{repo.owner.login}/rulesets/{ruleset.id}"
        html = f"{WEB}/organizations/{repo.owner.login}/settings/rules/{ruleset.id}"
    else:
        self_url = f"{api}/repos/{repo.full_name}/rulesets/{ruleset.id}"
        html = f"{WEB}/{repo.full_name}/rules/{ruleset.id}"
    return {
        "id": ruleset.id,
        "name": ruleset.name,
        "target": "branch",
        "source_type": ruleset.source_type,
        "source": ruleset.source,
        "enforcement": ruleset.enforcement,
        "bypass_actors": [dict(actor) for actor in ruleset.bypass_actors],
        "current_user_can_bypass": "never",
        "node_id": node_id("RepositoryRuleset", ruleset.id),
        "_links": {"self": {"href": self_url}, "html": {"href": html}},
        "conditions": {"ref_name": {"include": list(ruleset.include), "exclude": list(ruleset.exclude)}},
        "rules": [dict(rule) for rule in ruleset.rules],
        "created_at": _CREATED,
        "updated_at": _CREATED,
    }
