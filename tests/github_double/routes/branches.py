"""Branches, classic branch protection (with the signature requirement), repository rules and rulesets."""

from __future__ import annotations

from tests.github_double.protection_shapes import branch_rules_json, protection_json, ruleset_json
from tests.github_double.protection_state import ClassicProtection, protection_from_body
from tests.github_double.routing import Reply, Request, Router, paginated
from tests.github_double.state import Repo


def _branch(request: Request, repo: Repo) -> str:
    branch = request.params["branch"]
    if f"refs/heads/{branch}" not in repo.refs:
        raise request.error(404, "Branch not found")
    return branch


def _protected(request: Request, repo: Repo, branch: str) -> ClassicProtection:
    found = request.state.protections.get((repo.id, branch))
    if found is None:
        raise request.error(404, "Branch not protected")
    return found


def get_protection(request: Request) -> Reply:
    repo = request.repo()
    request.require("administration", "read")
    branch = _branch(request, repo)
    found = _protected(request, repo, branch)
    return Reply(200, protection_json(request.api, request.state, repo, branch, found))


def update_protection(request: Request) -> Reply:
    repo = request.repo()
    request.require("administration", "write")
    branch = _branch(request, repo)
    previous = request.state.protections.get((repo.id, branch))
    try:
        found = protection_from_body(request.body, previous)
    except ValueError as exc:
        raise request.error(422, str(exc)) from None
    request.state.protections[(repo.id, branch)] = found
    return Reply(200, protection_json(request.api, request.state, repo, branch, found))


def delete_protection(request: Request) -> Reply:
    repo = request.repo()
    request.require("administration", "write")
    branch = _branch(request, repo)
    _protected(request, repo, branch)
    del request.state.protections[(repo.id, branch)]
    return Reply(204)


def require_signatures(request: Request) -> Reply:
    repo = request.repo()
    request.require("administration", "write")
    branch = _branch(request, repo)
    found = _protected(request, repo, branch)
    found.signatures = True
    url = f"{request.api}/repos/{repo.full_name}/branches/{branch}/protection/required_signatures"
    return Reply(200, {"url": url, "enabled": True})


def stop_requiring_signatures(request: Request) -> Reply:
    repo = request.repo()
    request.require("administration", "write")
    branch = _branch(request, repo)
    _protected(request, repo, branch).signatures = False
    return Reply(204)


def branch_rules(request: Request) -> Reply:
    """The rules of active rulesets that govern the branch, repository and organisation ones alike."""
    repo = request.repo()
    branch = request.params["branch"]
    rules = [
        rule
        for ruleset in sorted(request.state.rulesets.values(), key=lambda r: r.id)
        if ruleset.applies_to(repo.id, repo.owner.id, branch, repo.default_branch)
        for rule in branch_rules_json(ruleset)
    ]
    return paginated(request, rules)


def get_ruleset(request: Request) -> Reply:
    repo = request.repo()
    ruleset = request.state.rulesets.get(request.int_param("ruleset_id"))
    visible = ruleset is not None and (
        ruleset.repo_id == repo.id or (ruleset.repo_id is None and ruleset.owner_id == repo.owner.id)
    )
    if ruleset is None or not visible:
        raise request.error(404, "Not Found")
    return Reply(200, ruleset_json(request.api, repo, ruleset))


def list_branches(request: Request) -> Reply:
    repo = request.repo()
    wanted = request.query.get("protected")
    items = []
    for ref, sha in sorted(repo.refs.items()):
        if not ref.startswith("refs/heads/"):
            continue
        name = ref.removeprefix("refs/heads/")
        protected = (repo.id, name) in request.state.protections
        if wanted is not None and protected != (wanted == "true"):
            continue
        url = f"{request.api}/repos/{repo.full_name}/commits/{sha}"
        items.append({"name": name, "commit": {"sha": sha, "url": url}, "protected": protected})
    return paginated(request, items)


def register(router: Router) -> None:
    router.add("repos/get-branch-protection", get_protection)
    router.add("repos/update-branch-protection", update_protection)
    router.add("repos/delete-branch-protection", delete_protection)
    router.add("repos/create-commit-signature-protection", require_signatures)
    router.add("repos/delete-commit-signature-protection", stop_requiring_signatures)
    router.add("repos/get-branch-rules", branch_rules)
    router.add("repos/get-repo-ruleset", get_ruleset)
    router.add("repos/list-branches", list_branches)
