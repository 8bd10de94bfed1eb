"""Teams of an organisation: one user's membership, and the members (needs ``members: read``)."""

from __future__ import annotations

from tests.github_double.review_state import Team
from tests.github_double.routing import Reply, Request, Router, paginated
from tests.github_double.shapes import account_json

ROLES = ("member", "maintainer", "all")


def _team(request: Request) -> Team:
    """The path's team; 404 unless the installation is on its organisation."""
    org = request.state.accounts.get(request.params["org"].lower())
    token = request.identity.token
    installation = request.state.installations[token.installation_id] if token else None
    if org is None or installation is None or installation.account.id != org.id:
        raise request.error(404, "Not Found")
    request.require("members", "read")
    team = request.state.teams.get((org.id, request.params["team_slug"].lower()))
    if team is None:
        raise request.error(404, "Not Found")
    return team


def get_membership(request: Request) -> Reply:
    team = _team(request)
    login = request.params["username"]
    invited = login.lower() in team.pending
    role = "member" if invited else team.role_of(login)
    if role is None:
        raise request.error(404, "Not Found")
    url = f"{request.api}/organizations/{team.org_id}/team/{team.id}/memberships/{login}"
    return Reply(200, {"url": url, "role": role, "state": "pending" if invited else "active"})


def list_members(request: Request) -> Reply:
    team = _team(request)
    wanted = request.query.get("role", "all")
    if wanted not in ROLES:
        raise request.error(422, "Validation Failed")
    logins = sorted((login for login, role in team.members.items() if wanted in ("all", role)), key=str.lower)
    return paginated(request, [account_json(request.api, request.state.user(login)) for login in logins])


def register(router: Router) -> None:
    router.add("teams/get-membership-for-user-in-org", get_membership)
    router.add("teams/list-members-in-org", list_members)
