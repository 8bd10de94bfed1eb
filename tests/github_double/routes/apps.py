"""The App (JWT) endpoints and the installation's own repository list."""

from __future__ import annotations

from typing import Any

from tests.github_double.credentials import issue_token
from tests.github_double.routing import LEVELS, Reply, Request, Router, paginated
from tests.github_double.shapes import installation_json, integration_json, repository_json, token_json
from tests.github_double.state import Installation, Repo

NOT_ACCESSIBLE = (
    "There is at least one repository that does not exist or is not accessible to the parent installation."
)


def get_app(request: Request) -> Reply:
    return Reply(200, integration_json(request.api, request.app()))


def list_installations(request: Request) -> Reply:
    app = request.app()
    installations = sorted(request.state.installations.values(), key=lambda i: i.id)
    return paginated(request, [installation_json(request.api, app, i) for i in installations])


def _narrowed_permissions(
    request: Request, installation: Installation, wanted: dict[str, str] | None
) -> None:
    for name, level in (wanted or {}).items():
        granted = installation.permissions.get(name)
        if granted is None or LEVELS[level] > LEVELS[granted]:
            raise request.error(422, "The permissions requested are not granted to this installation.")


def _narrowed_repos(request: Request, installation: Installation, body: dict[str, Any]) -> list[Repo] | None:
    names, ids = body.get("repositories"), body.get("repository_ids")
    if names is None and ids is None:
        return None
    state = request.state
    found = [state.repo(f"{installation.account.login}/{n}") for n in names or []]
    found += [state.repo_by_id(i) for i in ids or []]
    repos: list[Repo] = []
    for repo in found:
        visible = (
            repo is not None
            and repo.owner.id == installation.account.id
            and (installation.repository_selection == "all" or repo.id in installation.repository_ids)
        )
        if repo is None or not visible:
            raise request.error(422, NOT_ACCESSIBLE)
        if repo not in repos:
            repos.append(repo)
    return repos


def create_token(request: Request) -> Reply:
    request.app()
    installation = request.state.installations.get(request.int_param("installation_id"))
    if installation is None:
        raise request.error(404, "Not Found")
    if installation.suspended:
        raise request.error(403, "This installation has been suspended")
    body = request.body or {}
    _narrowed_permissions(request, installation, body.get("permissions"))
    repos = _narrowed_repos(request, installation, body)
    repo_ids = None if repos is None else frozenset(r.id for r in repos)
    token = issue_token(request.state, installation, request.double.now(), body.get("permissions"), repo_ids)
    return Reply(201, token_json(request.api, token, repos))


def list_repositories(request: Request) -> Reply:
    installation = request.installation()
    repos = sorted((r for r in request.state.repos.values() if request.can_see(r)), key=lambda r: r.id)
    items = [repository_json(request.api, r, full=False) for r in repos]
    return paginated(
        request, items, key="repositories", repository_selection=installation.repository_selection
    )


def get_repo_installation(request: Request) -> Reply:
    app = request.app()
    repo = request.state.repo(f"{request.params['owner']}/{request.params['repo']}")
    installation = request.state.installation_for(repo.owner) if repo else None
    visible = (
        installation is not None
        and repo is not None
        and (installation.repository_selection == "all" or repo.id in installation.repository_ids)
    )
    if installation is None or not visible:
        raise request.error(404, "Not Found")
    return Reply(200, installation_json(request.api, app, installation))


def get_org_installation(request: Request) -> Reply:
    app = request.app()
    account = request.state.accounts.get(request.params["org"].lower())
    installation = request.state.installation_for(account) if account else None
    if installation is None:
        raise request.error(404, "Not Found")
    return Reply(200, installation_json(request.api, app, installation))


def register(router: Router) -> None:
    router.add("apps/get-authenticated", get_app, auth="app")
    router.add("apps/list-installations", list_installations, auth="app")
    router.add("apps/create-installation-access-token", create_token, auth="app")
    router.add("apps/list-repos-accessible-to-installation", list_repositories)
    router.add("apps/get-repo-installation", get_repo_installation, auth="app")
    router.add("apps/get-org-installation", get_org_installation, auth="app")
