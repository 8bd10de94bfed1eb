"""The double's routes, one module per API area. To serve a new area, add a module with
``register(router)`` here (and vendor its operations with ``scripts/vendor_github_openapi.py``)."""

from __future__ import annotations

from tests.github_double.routes import (
    actions,
    actions_permissions,
    app_manifests,
    app_tokens,
    apps,
    branches,
    checks,
    collaborators,
    comments,
    commits,
    compare,
    contents,
    environments,
    git,
    hook_deliveries,
    issues,
    orgs,
    pulls,
    rate_limit,
    repos,
    reviews,
    teams,
    users,
)
from tests.github_double.routing import Router
from tests.github_double.schema import OpenApi

MODULES = (
    apps,
    app_manifests,
    hook_deliveries,
    repos,
    contents,
    git,
    checks,
    pulls,
    collaborators,
    branches,
    commits,
    rate_limit,
    reviews,
    compare,
    issues,
    teams,
    orgs,
    users,
    app_tokens,
    actions,
    environments,
    actions_permissions,
    comments,
)


def build_router(api: OpenApi) -> Router:
    router = Router(api)
    for module in MODULES:
        module.register(router)
    return router
