"""Organisation and team memberships, as an installation with ``members: read`` sees them."""

from __future__ import annotations

from tests.github_double.routing import Reply, Request, Router
from tests.github_double.shapes import account_json, org_membership_json
from tests.github_double.state import Account


def _organisation(request: Request) -> Account:
    """The ``{org}`` of the path; 404 unless the calling installation is on it."""
    installation = request.installation()
    if installation.account.login.lower() != request.params["org"].lower():
        raise request.error(404, "Not Found")
    request.require("members", "read")
    return installation.account


def get_team_membership(request: Request) -> Reply:
    org = _organisation(request)
    team = request.state.teams.get((org.login.lower(), request.params["team_slug"].lower()))
    username = request.params["username"]
    member = team.members.get(username.lower()) if team else None
    if team is None or member is None:
        return Reply(404, None)  # GitHub's description gives this 404 no body
    _, role, state = member
    url = f"{request.api}/organizations/{org.id}/team/{team.id}/memberships/{member[0]}"
    return Reply(200, {"url": url, "role": role, "state": state})


def get_org_membership(request: Request) -> Reply:
    org = _organisation(request)
    username = request.params["username"]
    role = request.state.org_roles.get(org.login.lower(), {}).get(username.lower())
    if role is None:
        raise request.error(404, "Not Found")
    user = account_json(request.api, request.state.account(username, "User"))
    return Reply(200, org_membership_json(request.api, org, user, role))


def register(router: Router) -> None:
    router.add("teams/get-membership-for-user-in-org", get_team_membership)
    router.add("orgs/get-membership-for-user", get_org_membership)
