"""A raw-HTTP caller for the double's own tests, independent of ``guard.github``."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
import requests

from guard.github import make_app_jwt
from tests.github_double import GitHubDouble
from tests.github_double.fixtures import TestApp


@dataclass
class Caller:
    """Sends requests to the double as the App (``as_app=True``) or with an installation token."""

    double: GitHubDouble
    app: TestApp
    session: requests.Session
    token: str | None = None

    def jwt(self) -> str:
        return make_app_jwt(str(self.app.app_id), self.app.private_key_pem, self.double.now())

    def mint(self, installation_id: int, body: Any = None) -> requests.Response:
        url = f"{self.double.base_url}/app/installations/{installation_id}/access_tokens"
        answer = self.session.post(
            url, json=body, headers={"Authorization": f"Bearer {self.jwt()}"}, timeout=5
        )
        if answer.status_code == 201:
            self.token = answer.json()["token"]
        return answer

    def call(
        self,
        method: str,
        path: str,
        body: Any = None,
        *,
        as_app: bool = False,
        headers: dict[str, str] | None = None,
    ) -> requests.Response:
        credential = self.jwt() if as_app else self.token
        sent = {"Authorization": f"Bearer {credential}"} if credential else {}
        return self.session.request(
            method, self.double.base_url + path, json=body, headers=sent | (headers or {}), timeout=5
        )


@pytest.fixture
def caller(github_double: GitHubDouble, github_app: TestApp) -> Iterator[Caller]:
    with requests.Session() as session:
        yield Caller(github_double, github_app, session)


@pytest.fixture
def acme(github_double: GitHubDouble, caller: Caller) -> int:
    """The App on ``acme`` with ``acme/widgets`` (a workflow, a README, pull request #1 by octocat, ``main``
    protected and governed by a ruleset, ``feature`` unprotected, a running and a finished workflow run,
    environments ``production`` guarded by the App and ``staging``), team ``reviewers`` (``reviewer``, who
    may write, and maintainer ``lead``); a token minted."""
    permissions = {
        "administration": "write",
        "checks": "write",
        "contents": "write",
        "issues": "write",
        "members": "read",
        "metadata": "read",
        "pull_requests": "write",
        "actions": "write",
        "deployments": "write",
        "environments": "read",
    }
    installation = github_double.add_installation("acme", permissions=permissions)
    github_double.add_repo(
        "acme/widgets", files={"README.md": "# widgets\n", ".github/workflows/ci.yml": "on: push\n"}
    )
    github_double.put_file("acme/widgets", "feature", ".github/workflows/ci.yml", "on: pull_request\n")
    github_double.open_pull("acme/widgets", "feature", user="octocat")
    github_double.protect("acme/widgets", "main")
    github_double.add_ruleset("acme/widgets", "main", [{"type": "deletion"}, {"type": "non_fast_forward"}])
    github_double.add_team("acme", "security", ["octocat"])
    github_double.add_member("acme", "octocat")
    github_double.add_team("acme", "reviewers", members=["reviewer"], maintainers=["lead"])
    github_double.set_role("acme/widgets", "reviewer", "write")
    github_double.start_run("acme/widgets", ".github/workflows/ci.yml", pull=1, event="pull_request")
    github_double.start_run("acme/widgets", ".github/workflows/ci.yml", status="completed")
    github_double.add_environment("acme/widgets", "production", secrets=("DEPLOY_KEY",), guarded=True)
    github_double.add_environment("acme/widgets", "staging")
    assert caller.mint(installation.id).status_code == 201
    return installation.id
