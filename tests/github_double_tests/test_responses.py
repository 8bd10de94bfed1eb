"""Every route answers in GitHub's documented shape, and like the exchanges recorded against GitHub."""

from __future__ import annotations

import base64
from dataclasses import dataclass
from typing import Any

import pytest

from tests.github_double import GitHubDouble
from tests.github_double.fixtures import TEST_APP_ID
from tests.github_double.schema import openapi, validate_response
from tests.github_double.shapes import recorded
from tests.github_double_tests.conftest import Caller


@dataclass(frozen=True)
class Exchange:
    """A request (``{sha}``, ``{run}``, ``{installation}`` filled in per test) and its expected status."""

    operation: str
    request: str
    status: int
    body: Any = None
    as_app: bool = False
    as_user: str | None = None


EXCHANGES = [
    Exchange("apps/get-authenticated", "GET /app", 200, as_app=True),
    Exchange("apps/list-installations", "GET /app/installations", 200, as_app=True),
    Exchange(
        "apps/create-installation-access-token",
        "POST /app/installations/{installation}/access_tokens",
        201,
        {"repositories": ["widgets"], "permissions": {"checks": "write"}},
        as_app=True,
    ),
    Exchange(
        "apps/create-installation-access-token",
        "POST /app/installations/999999/access_tokens",
        404,
        as_app=True,
    ),
    Exchange("apps/list-repos-accessible-to-installation", "GET /installation/repositories", 200),
    Exchange("apps/get-repo-installation", "GET /repos/acme/widgets/installation", 200, as_app=True),
    Exchange("apps/get-repo-installation", "GET /repos/acme/missing/installation", 404, as_app=True),
    Exchange("repos/get", "GET /repos/acme/widgets", 200),
    Exchange("repos/get", "GET /repos/acme/missing", 404),
    Exchange("repos/get-content", "GET /repos/acme/widgets/contents/README.md", 200),
    Exchange("repos/get-content", "GET /repos/acme/widgets/contents/.github?ref=main", 200),
    Exchange("repos/get-content", "GET /repos/acme/widgets/contents/nope.txt", 404),
    Exchange("repos/get-content", "GET /repos/acme/widgets/contents/README.md?ref=no-such-branch", 404),
    Exchange("git/get-ref", "GET /repos/acme/widgets/git/ref/heads/main", 200),
    Exchange("git/get-ref", "GET /repos/acme/widgets/git/ref/heads/nope", 404),
    Exchange(
        "git/create-ref",
        "POST /repos/acme/widgets/git/refs",
        201,
        {"ref": "refs/heads/guard", "sha": "{sha}"},
    ),
    Exchange(
        "git/create-ref", "POST /repos/acme/widgets/git/refs", 422, {"ref": "refs/heads/main", "sha": "{sha}"}
    ),
    Exchange(
        "checks/create", "POST /repos/acme/widgets/check-runs", 201, {"name": "guard", "head_sha": "{sha}"}
    ),
    Exchange(
        "checks/create", "POST /repos/acme/widgets/check-runs", 422, {"name": "guard", "head_sha": "f" * 40}
    ),
    Exchange(
        "checks/update",
        "PATCH /repos/acme/widgets/check-runs/{run}",
        200,
        {"conclusion": "failure", "output": {"title": "t", "summary": "s"}},
    ),
    Exchange("checks/update", "PATCH /repos/acme/widgets/check-runs/1", 404, {"status": "in_progress"}),
    Exchange("checks/list-for-ref", "GET /repos/acme/widgets/commits/main/check-runs", 200),
    Exchange(
        "repos/get-collaborator-permission-level",
        "GET /repos/acme/widgets/collaborators/octocat/permission",
        200,
    ),
    Exchange("pulls/get", "GET /repos/acme/widgets/pulls/1", 200),
    Exchange("pulls/get", "GET /repos/acme/widgets/pulls/99", 404),
    Exchange("pulls/list-files", "GET /repos/acme/widgets/pulls/1/files", 200),
    Exchange("apps/list-webhook-deliveries", "GET /app/hook/deliveries?per_page=2", 200, as_app=True),
    Exchange("apps/redeliver-webhook-delivery", "POST /app/hook/deliveries/99999/attempts", 404, as_app=True),
    Exchange("rate-limit/get", "GET /rate_limit", 200),
    Exchange("users/get-authenticated", "GET /user", 200, as_user="octocat"),
    Exchange("apps/delete-token", "DELETE /applications/{client_id}/token", 204, {"access_token": "{user}"}),
    Exchange("apps/delete-token", "DELETE /applications/{client_id}/token", 404, {"access_token": "ghu_x"}),
    Exchange("users/get-authenticated", "GET /user", 401),
    Exchange(
        "teams/get-membership-for-user-in-org", "GET /orgs/acme/teams/security/memberships/octocat", 200
    ),
    Exchange("teams/get-membership-for-user-in-org", "GET /orgs/acme/teams/security/memberships/hubot", 404),
    Exchange("orgs/get-membership-for-user", "GET /orgs/acme/memberships/octocat", 200),
    Exchange("orgs/get-membership-for-user", "GET /orgs/acme/memberships/hubot", 404),
    Exchange("apps/create-from-manifest", "POST /app-manifests/{code}/conversions", 201),
    Exchange("apps/create-from-manifest", "POST /app-manifests/0123abcd/conversions", 404),
    Exchange("repos/list-branches", "GET /repos/acme/widgets/branches?protected=true", 200),
    Exchange("repos/get-branch-protection", "GET /repos/acme/widgets/branches/main/protection", 200),
    Exchange("repos/get-branch-protection", "GET /repos/acme/widgets/branches/feature/protection", 404),
    Exchange("repos/get-branch-protection", "GET /repos/acme/widgets/branches/nope/protection", 404),
    Exchange(
        "repos/update-branch-protection",
        "PUT /repos/acme/widgets/branches/feature/protection",
        200,
        {
            "required_status_checks": {"strict": True, "checks": [{"context": "ci", "app_id": 15368}]},
            "enforce_admins": True,
            "required_pull_request_reviews": {
                "dismissal_restrictions": {"users": ["octocat"], "teams": ["core"]},
                "required_approving_review_count": 2,
                "bypass_pull_request_allowances": {"users": ["octocat"], "teams": []},
            },
            "restrictions": {"users": ["octocat"], "teams": ["core"], "apps": []},
            "required_linear_history": True,
        },
    ),
    Exchange(
        "repos/update-branch-protection",
        "PUT /repos/acme/widgets/branches/main/protection",
        422,
        {
            "required_status_checks": {"strict": True, "contexts": ["ci"], "checks": [{"context": "ci"}]},
            "enforce_admins": None,
            "required_pull_request_reviews": None,
            "restrictions": None,
        },
    ),
    Exchange("repos/delete-branch-protection", "DELETE /repos/acme/widgets/branches/main/protection", 204),
    Exchange(
        "repos/create-commit-signature-protection",
        "POST /repos/acme/widgets/branches/main/protection/required_signatures",
        200,
    ),
    Exchange(
        "repos/create-commit-signature-protection",
        "POST /repos/acme/widgets/branches/feature/protection/required_signatures",
        404,
    ),
    Exchange(
        "repos/delete-commit-signature-protection",
        "DELETE /repos/acme/widgets/branches/main/protection/required_signatures",
        204,
    ),
    Exchange("repos/get-branch-rules", "GET /repos/acme/widgets/rules/branches/main", 200),
    Exchange("repos/get-repo-ruleset", "GET /repos/acme/widgets/rulesets/{ruleset}", 200),
    Exchange("repos/get-repo-ruleset", "GET /repos/acme/widgets/rulesets/1", 404),
    Exchange(
        "repos/list-pull-requests-associated-with-commit", "GET /repos/acme/widgets/commits/{sha}/pulls", 200
    ),
    Exchange(
        "repos/list-pull-requests-associated-with-commit",
        "GET /repos/acme/widgets/commits/" + "f" * 40 + "/pulls",
        422,
    ),
    Exchange("git/get-commit", "GET /repos/acme/widgets/git/commits/{sha}", 200),
    Exchange("git/get-commit", "GET /repos/acme/widgets/git/commits/" + "f" * 40, 404),
    Exchange("apps/get-org-installation", "GET /orgs/acme/installation", 200, as_app=True),
    Exchange("apps/get-org-installation", "GET /orgs/nobody/installation", 404, as_app=True),
    Exchange("actions/get-workflow-run", "GET /repos/acme/widgets/actions/runs/{running}", 200),
    Exchange("actions/get-workflow-run", "GET /repos/acme/widgets/actions/runs/1", 404),
    Exchange(
        "actions/list-jobs-for-workflow-run", "GET /repos/acme/widgets/actions/runs/{running}/jobs", 200
    ),
    Exchange("actions/cancel-workflow-run", "POST /repos/acme/widgets/actions/runs/{running}/cancel", 202),
    Exchange("actions/cancel-workflow-run", "POST /repos/acme/widgets/actions/runs/{finished}/cancel", 409),
    Exchange(
        "actions/force-cancel-workflow-run",
        "POST /repos/acme/widgets/actions/runs/{running}/force-cancel",
        202,
    ),
    Exchange(
        "actions/force-cancel-workflow-run",
        "POST /repos/acme/widgets/actions/runs/{finished}/force-cancel",
        409,
    ),
    Exchange("actions/re-run-workflow", "POST /repos/acme/widgets/actions/runs/{finished}/rerun", 201),
    Exchange(
        "actions/review-custom-gates-for-run",
        "POST /repos/acme/widgets/actions/runs/{running}/deployment_protection_rule",
        204,
        {"environment_name": "production", "state": "rejected", "comment": "from a fork"},
    ),
    Exchange(
        "actions/review-custom-gates-for-run",
        "POST /repos/acme/widgets/actions/runs/{running}/deployment_protection_rule",
        422,
        {"environment_name": "staging", "state": "approved"},
    ),
    Exchange("repos/get-all-environments", "GET /repos/acme/widgets/environments", 200),
    Exchange(
        "repos/get-all-deployment-protection-rules",
        "GET /repos/acme/widgets/environments/production/deployment_protection_rules",
        200,
    ),
    Exchange(
        "repos/create-deployment-protection-rule",
        "POST /repos/acme/widgets/environments/staging/deployment_protection_rules",
        201,
        {"integration_id": TEST_APP_ID},
    ),
    Exchange(
        "actions/list-environment-secrets", "GET /repos/acme/widgets/environments/production/secrets", 200
    ),
    Exchange(
        "actions/get-fork-pr-contributor-approval-permissions-repository",
        "GET /repos/acme/widgets/actions/permissions/fork-pr-contributor-approval",
        200,
    ),
    Exchange(
        "actions/get-private-repo-fork-pr-workflows-settings-repository",
        "GET /repos/acme/widgets/actions/permissions/fork-pr-workflows-private-repos",
        200,
    ),
    Exchange(
        "actions/get-github-actions-default-workflow-permissions-repository",
        "GET /repos/acme/widgets/actions/permissions/workflow",
        200,
    ),
    Exchange("issues/create-comment", "POST /repos/acme/widgets/issues/1/comments", 201, {"body": "Hello"}),
    Exchange("issues/create-comment", "POST /repos/acme/widgets/issues/99/comments", 404, {"body": "Hello"}),
    Exchange("pulls/list", "GET /repos/acme/widgets/pulls?state=all&base=main", 200),
    Exchange("pulls/list", "GET /repos/acme/widgets/pulls?state=merged", 422),
    Exchange("pulls/list-commits", "GET /repos/acme/widgets/pulls/1/commits", 200),
    Exchange("pulls/list-commits", "GET /repos/acme/widgets/pulls/99/commits", 404),
    Exchange("pulls/list-reviews", "GET /repos/acme/widgets/pulls/1/reviews", 200),
    Exchange("pulls/get-review", "GET /repos/acme/widgets/pulls/1/reviews/{review}", 200),
    Exchange("pulls/get-review", "GET /repos/acme/widgets/pulls/1/reviews/1", 404),
    Exchange(
        "pulls/request-reviewers",
        "POST /repos/acme/widgets/pulls/1/requested_reviewers",
        201,
        {"reviewers": ["reviewer"], "team_reviewers": ["reviewers"]},
    ),
    Exchange(
        "pulls/request-reviewers",
        "POST /repos/acme/widgets/pulls/1/requested_reviewers",
        422,
        {"reviewers": ["octocat"]},
    ),
    Exchange("issues/add-labels", "POST /repos/acme/widgets/issues/1/labels", 200, {"labels": ["ci"]}),
    Exchange("issues/add-labels", "POST /repos/acme/widgets/issues/99/labels", 404, {"labels": ["ci"]}),
    Exchange("repos/compare-commits-with-basehead", "GET /repos/acme/widgets/compare/main...feature", 200),
    Exchange(
        "repos/compare-commits-with-basehead",
        "GET /repos/acme/widgets/compare/main..." + "f" * 40,
        404,
    ),
    Exchange(
        "teams/get-membership-for-user-in-org", "GET /orgs/acme/teams/reviewers/memberships/reviewer", 200
    ),
    Exchange(
        "teams/get-membership-for-user-in-org", "GET /orgs/acme/teams/reviewers/memberships/octocat", 404
    ),
    Exchange("teams/list-members-in-org", "GET /orgs/acme/teams/reviewers/members", 200),
    Exchange("teams/list-members-in-org", "GET /orgs/acme/teams/nobody/members", 404),
]
MANIFEST = {
    "name": "Guard Test",
    "url": "https://guard.example.com",
    "hook_attributes": {"url": "https://guard.example.com/hook"},
}


def _fill(text: Any, values: dict[str, str]) -> Any:
    if isinstance(text, str):
        for name, value in values.items():
            text = text.replace("{" + name + "}", value)
        return text
    if isinstance(text, dict):
        return {k: _fill(v, values) for k, v in text.items()}
    return text


@pytest.mark.parametrize("exchange", EXCHANGES, ids=lambda e: f"{e.request} {e.status}")
def test_answers_match_the_documented_response_schema(
    github_double: GitHubDouble, caller: Caller, acme: int, exchange: Exchange
) -> None:
    sha = github_double.head("acme/widgets")
    setup = caller.call("POST", "/repos/acme/widgets/check-runs", {"name": "setup", "head_sha": sha})
    code = github_double.manifest_code(MANIFEST)
    ruleset = str(min(github_double.state.rulesets))
    review = github_double.review_pull("acme/widgets", 1, "reviewer")
    app = github_double.state.app
    assert app is not None
    values = {
        "review": str(review),
        "sha": sha,
        "run": str(setup.json()["id"]),
        "installation": str(acme),
        "code": code,
        "ruleset": ruleset,
        "running": str(min(github_double.state.actions.runs)),
        "finished": str(max(github_double.state.actions.runs)),
        "client_id": app.client_id,
        "user": github_double.user_token("octocat"),
    }
    method, path = exchange.request.split(" ", 1)
    headers = None
    if exchange.operation == "users/get-authenticated":
        token = github_double.user_token(exchange.as_user) if exchange.as_user else "ghu_not-a-token"
        headers = {"Authorization": f"Bearer {token}"}
    if exchange.operation == "apps/delete-token":
        basic = base64.b64encode(f"{app.client_id}:{app.client_secret}".encode()).decode()
        headers = {"Authorization": f"Basic {basic}"}
    answer = caller.call(
        method, _fill(path, values), _fill(exchange.body, values), as_app=exchange.as_app, headers=headers
    )
    assert answer.status_code == exchange.status, answer.text
    assert github_double.calls[-1].operation_id == exchange.operation
    validate_response(exchange.operation, exchange.status, answer.json() if answer.content else None)


def test_every_vendored_operation_is_routed_and_exercised(github_double: GitHubDouble) -> None:
    routed = {route.operation.operation_id for route in github_double.router.routes}
    assert routed == set(openapi().operations)
    assert {exchange.operation for exchange in EXCHANGES} == routed


def test_a_repository_has_the_fields_github_really_sends(caller: Caller, acme: int) -> None:
    real = recorded("get-repository")[0]["response"]
    ours = caller.call("GET", "/repos/acme/widgets").json()
    assert set(ours) == set(real) | {"has_discussions"}
    assert set(ours["owner"]) == set(real["owner"])
    assert ours["full_name"] == "acme/widgets"
    assert ours["url"].startswith(caller.double.base_url)


def test_git_refs_and_directory_listings_have_githubs_fields(
    github_double: GitHubDouble, caller: Caller, acme: int
) -> None:
    real_ref = recorded("git-refs")[1]["response"]
    ours = caller.call(
        "POST",
        "/repos/acme/widgets/git/refs",
        {"ref": "refs/heads/test", "sha": github_double.head("acme/widgets")},
    ).json()
    assert set(ours) == set(real_ref)
    assert set(ours["object"]) == set(real_ref["object"])
    real_entry = recorded("get-content")[0]["response"][0]
    (entry,) = caller.call("GET", "/repos/acme/widgets/contents/.github/workflows").json()
    assert set(entry) == set(real_entry)
    assert set(entry["_links"]) == set(real_entry["_links"])


def test_error_answers_carry_githubs_error_fields(
    github_double: GitHubDouble, caller: Caller, acme: int
) -> None:
    real = recorded("errors")[0]
    answer = caller.call("POST", "/repos/acme/widgets/git/refs", {"ref": "refs/heads/main", "sha": "0" * 40})
    assert answer.status_code == real["status"]
    assert {"message", "documentation_url"} <= set(answer.json()) <= set(real["response"]) | {"status"}
    assert answer.headers["content-type"] == real["headers"]["content-type"]


def test_every_answer_carries_githubs_rate_limit_headers(caller: Caller, acme: int) -> None:
    real = recorded("get-repository")[0]["headers"]
    answer = caller.call("GET", "/repos/acme/widgets")
    wanted = {name for name in real if name.startswith("x-ratelimit-")}
    assert wanted <= {name.lower() for name in answer.headers}
    assert answer.headers["x-ratelimit-resource"] == "core"
