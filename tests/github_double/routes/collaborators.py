"""A user's permission on a repository, as GitHub reports it (legacy ``permission`` and ``role_name``)."""

from __future__ import annotations

from tests.github_double.routing import Reply, Request, Router
from tests.github_double.shapes import account_json

# GitHub folds the newer roles into the legacy permission field: maintain -> write, triage -> read.
LEGACY = {"admin": "admin", "maintain": "write", "write": "write", "triage": "read", "read": "read"}
PERMISSIONS = {
    "admin": ("admin", "maintain", "push", "triage", "pull"),
    "maintain": ("maintain", "push", "triage", "pull"),
    "write": ("push", "triage", "pull"),
    "triage": ("triage", "pull"),
    "read": ("pull",),
}


def get_permission(request: Request) -> Reply:
    repo = request.repo()
    login = request.params["username"]
    role = repo.roles.get(login.lower()) or ("read" if repo.visibility == "public" else None)
    user = account_json(request.api, request.state.account(login, "User"))
    flags = PERMISSIONS.get(role or "", ())
    user |= {
        "site_admin": False,
        "role_name": role or "none",
        "permissions": {name: name in flags for name in ("admin", "maintain", "push", "triage", "pull")},
    }
    body = {"permission": LEGACY.get(role or "", "none"), "role_name": role or "none", "user": user}
    return Reply(200, body)


def register(router: Router) -> None:
    router.add("repos/get-collaborator-permission-level", get_permission)
