"""Deployment environments: list them, their custom protection rules (enable one), their secrets' names."""

from __future__ import annotations

from tests.github_double.actions_shapes import environment_json, protection_rule_json
from tests.github_double.actions_state import Environment
from tests.github_double.routing import Reply, Request, Router, paginated
from tests.github_double.shapes import iso

MAX_RULES = 6  # GitHub enables at most six custom rules per environment


def _environment(request: Request) -> Environment:
    repo = request.repo()
    environment = request.state.actions.environments.get((repo.id, request.params["environment_name"]))
    if environment is None:
        raise request.error(404, "Not Found")
    return environment


def list_environments(request: Request) -> Reply:
    repo = request.repo()
    request.require("actions", "read")
    found = [
        e for (repo_id, _), e in sorted(request.state.actions.environments.items()) if repo_id == repo.id
    ]
    return paginated(request, [environment_json(request.api, repo, e) for e in found], key="environments")


def _rules(request: Request, environment: Environment) -> list[dict[str, object]]:
    app = request.app()
    return [
        protection_rule_json(request.api, app, rule)
        for rule, owner in environment.rule_apps.items()
        if owner == app.id
    ]


def list_rules(request: Request) -> Reply:
    request.require("actions", "read")
    environment = _environment(request)
    rules = _rules(request, environment)
    return Reply(200, {"total_count": len(rules), "custom_deployment_protection_rules": rules})


def create_rule(request: Request) -> Reply:
    request.require("administration", "write")
    environment = _environment(request)
    app_id = int(request.body["integration_id"])
    if app_id in environment.rule_apps.values():
        raise request.error(422, "Validation Failed", errors=[{"message": "Integration already enabled"}])
    if len(environment.rule_apps) >= MAX_RULES:
        raise request.error(422, "Validation Failed", errors=[{"message": "Maximum rules reached"}])
    rule_id = request.state.next_id()
    environment.rule_apps[rule_id] = app_id
    return Reply(201, protection_rule_json(request.api, request.app(), rule_id))


def list_secrets(request: Request) -> Reply:
    request.require("environments", "read")
    environment = _environment(request)
    secrets = [{"name": n, "created_at": iso(0), "updated_at": iso(0)} for n in environment.secrets]
    return paginated(request, secrets, key="secrets")


def register(router: Router) -> None:
    router.add("repos/get-all-environments", list_environments)
    router.add("repos/get-all-deployment-protection-rules", list_rules)
    router.add("repos/create-deployment-protection-rule", create_rule)
    router.add("actions/list-environment-secrets", list_secrets)
