"""A person's membership of an organisation, as an installation with ``members: read`` sees it."""

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


def get_org_membership(request: Request) -> Reply:
    org = _organisation(request)
    username = request.params["username"]
    role = request.state.org_roles.get(org.login.lower(), {}).get(username.lower())
    if role is None:
        raise request.error(404, "Not Found")
    user = account_json(request.api, request.state.account(username, "User"))
    return Reply(200, org_membership_json(request.api, org, user, role))


def register(router: Router) -> None:
    router.add("orgs/get-membership-for-user", get_org_membership)
