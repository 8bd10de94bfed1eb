"""Review, team and label bodies in GitHub's shapes (``pull-request-review``, ``team``, ``label``)."""

from __future__ import annotations

import urllib.parse
from typing import Any

from tests.github_double.review_state import Label, Review, Team
from tests.github_double.shapes import WEB, account_json, iso
from tests.github_double.state import Account, Repo, State, node_id


def review_json(api: str, state: State, repo: Repo, review: Review) -> dict[str, Any]:
    """A ``pull-request-review`` as the REST API returns it (``state`` upper case)."""
    pull_url = f"{api}/repos/{repo.full_name}/pulls/{review.number}"
    html = f"{WEB}/{repo.full_name}/pull/{review.number}#pullrequestreview-{review.id}"
    return {
        "id": review.id,
        "node_id": node_id("PullRequestReview", review.id),
        "user": account_json(api, state.user(review.user)),
        "body": review.body,
        "state": review.state,
        "html_url": html,
        "pull_request_url": pull_url,
        "_links": {"html": {"href": html}, "pull_request": {"href": pull_url}},
        "submitted_at": iso(review.submitted_at),
        "commit_id": review.commit_id,
        "author_association": author_association(repo, review.user),
    }


def author_association(repo: Repo, login: str) -> str:
    """How GitHub labels a user's relation to the repository in reviews and pull requests."""
    if login.lower() == repo.owner.login.lower():
        return "OWNER"
    return "COLLABORATOR" if login.lower() in repo.roles else "CONTRIBUTOR"


def team_json(api: str, org: Account, team: Team) -> dict[str, Any]:
    """A ``team`` object (no parent team: the double's teams are flat)."""
    url = f"{api}/organizations/{org.id}/team/{team.id}"
    return {
        "id": team.id,
        "node_id": node_id("Team", team.id),
        "url": url,
        "html_url": f"{WEB}/orgs/{org.login}/teams/{team.slug}",
        "name": team.name,
        "slug": team.slug,
        "description": None,
        "privacy": "closed",
        "notification_setting": "notifications_enabled",
        "permission": "pull",
        "members_url": f"{url}/members{{/member}}",
        "repositories_url": f"{url}/repos",
        "parent": None,
        "type": "organization",
        "organization_id": org.id,
    }


def label_json(api: str, repo: Repo, label: Label) -> dict[str, Any]:
    """A ``label`` object."""
    return {
        "id": label.id,
        "node_id": node_id("Label", label.id),
        "url": f"{api}/repos/{repo.full_name}/labels/{urllib.parse.quote(label.name)}",
        "name": label.name,
        "description": None,
        "color": label.color,
        "default": False,
    }


def pull_labels_json(api: str, state: State, repo: Repo, names: list[str]) -> list[dict[str, Any]]:
    return [label_json(api, repo, state.labels[(repo.id, name.lower())]) for name in names]


def requested_teams_json(api: str, state: State, repo: Repo, slugs: list[str]) -> list[dict[str, Any]]:
    return [team_json(api, repo.owner, state.teams[(repo.owner.id, slug.lower())]) for slug in slugs]
