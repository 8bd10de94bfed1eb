"""What every webhook delivery carries around its event: sender, repository, organisation, installation."""

from __future__ import annotations

from typing import Any

from tests.github_double.double import GitHubDouble
from tests.github_double.shapes import account_json, repository_json
from tests.github_double.state import Account, Repo


def sender_json(double: GitHubDouble, login: str) -> dict[str, Any]:
    """The ``sender`` of a delivery: a user, or a bot account when ``login`` ends in ``[bot]``."""
    body = account_json(double.base_url, double.state.user(login))
    if not login.endswith("[bot]"):
        return body
    return body | {"html_url": f"https://github.com/apps/{login.removesuffix('[bot]')}"}


def app_bot(double: GitHubDouble) -> str:
    """The login the registered App acts under: ``<slug>[bot]``."""
    assert double.state.app is not None
    return f"{double.state.app.slug}[bot]"


def envelope(double: GitHubDouble, repo: Repo, sender: str) -> dict[str, Any]:
    """``repository``, ``sender`` and, where they apply, ``organization`` and ``installation``."""
    repository = repository_json(double.base_url, repo, full=False)
    repository["has_discussions"] = False
    return {"repository": repository} | org_envelope(double, repo.owner, sender)


def org_envelope(double: GitHubDouble, owner: Account, sender: str) -> dict[str, Any]:
    """``sender``, and ``organization`` and ``installation`` where they apply, for an account's event."""
    installation = double.state.installation_for(owner)
    body: dict[str, Any] = {"sender": sender_json(double, sender)}
    if owner.type == "Organization":
        body["organization"] = organization_json(double, owner)
    if installation is not None:
        body["installation"] = {
            "id": installation.id,
            "node_id": f"MDIzOkludGVncmF0aW9uSW5zdGFsbGF0aW9u{installation.id}",
        }
    return body


def organization_json(double: GitHubDouble, org: Account) -> dict[str, Any]:
    api, login = double.base_url, org.login
    return {
        "login": login,
        "id": org.id,
        "node_id": f"MDEyOk9yZ2FuaXphdGlvbj{org.id}",
        "url": f"{api}/orgs/{login}",
        "repos_url": f"{api}/orgs/{login}/repos",
        "events_url": f"{api}/orgs/{login}/events",
        "hooks_url": f"{api}/orgs/{login}/hooks",
        "issues_url": f"{api}/orgs/{login}/issues",
        "members_url": f"{api}/orgs/{login}/members{{/member}}",
        "public_members_url": f"{api}/orgs/{login}/public_members{{/member}}",
        "avatar_url": f"https://avatars.githubusercontent.com/u/{org.id}?v=4",
        "description": None,
    }
