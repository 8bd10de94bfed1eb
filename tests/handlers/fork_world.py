"""A repository with fork-safety configured, a fork with a pull request, and helpers the fork tests share."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from tests.github_double import actions_webhooks
from tests.github_double.actions_state import WorkflowRun
from tests.github_double.double import DEFAULT_PERMISSIONS, GitHubDouble
from tests.support.scenario import Scenario

REPO, FORK = "acme/widgets", "mallory/widgets"
PERMISSIONS = {
    **DEFAULT_PERMISSIONS,
    "actions": "write",
    "deployments": "write",
    "issues": "write",
    "environments": "read",
}
BUILD = ".github/workflows/build.yml"
CI = ".github/workflows/ci.yml"
DEPLOY = ".github/workflows/deploy.yml"
RELEASE = ".github/workflows/release.yml"
# pull_request_target that checks out the pull request's head and builds it: a pwn request.
BUILD_WORKFLOW = """\
name: build
on: pull_request_target
permissions:
  contents: read
jobs:
  build:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
        with:
          ref: ${{ github.event.pull_request.head.sha }}
      - run: npm ci && npm test
        env:
          NPM_TOKEN: ${{ secrets.NPM_TOKEN }}
"""
CI_WORKFLOW = BUILD_WORKFLOW.replace("pull_request_target", "pull_request").replace("name: build", "name: ci")
DEPLOY_WORKFLOW = """\
name: deploy
on: [push, pull_request_target]
permissions:
  contents: read
jobs:
  deploy:
    runs-on: ubuntu-latest
    environment: production
    steps:
      - run: ./deploy.sh
"""
# Started by the ci workflow's runs; deploys with the repository's token and production's secrets.
RELEASE_WORKFLOW = """\
name: release
on:
  workflow_run:
    workflows: [ci]
    types: [completed]
permissions:
  contents: read
jobs:
  release:
    runs-on: ubuntu-latest
    environment: production
    steps:
      - run: ./release.sh
"""
GUARD_YML = """\
fork_secrets:
  mode: enforce
  environments:
    production:
      allowed_refs: [main]
"""
CANCEL = ("POST", "/repos/{owner}/{repo}/actions/runs/{run_id}/cancel")
FORCE_CANCEL = ("POST", "/repos/{owner}/{repo}/actions/runs/{run_id}/force-cancel")
RERUN = ("POST", "/repos/{owner}/{repo}/actions/runs/{run_id}/rerun")
REVIEW = ("POST", "/repos/{owner}/{repo}/actions/runs/{run_id}/deployment_protection_rule")
GET_RUN = ("GET", "/repos/{owner}/{repo}/actions/runs/{run_id}")


@dataclass
class World:
    """The guard, the double, and a fork pull request (``pull``) from ``mallory``."""

    guard: Scenario
    double: GitHubDouble
    pull: int
    installation: int

    def fork_run(self, path: str = BUILD, event: str = "pull_request_target", **extra: Any) -> WorkflowRun:
        return self.double.start_run(REPO, path, event=event, pull=self.pull, actor="mallory", **extra)

    def run_event(self, run: WorkflowRun, action: str = "requested") -> str:
        return self.guard.handle("workflow_run", actions_webhooks.workflow_run(self.double, run.id, action))

    def deploy(
        self,
        run: WorkflowRun,
        environment: str = "production",
        ref: str | None = None,
        pull: int | None = None,
    ) -> str:
        payload = actions_webhooks.deployment_protection_rule(
            self.double, run.id, environment, ref=ref, pull=pull
        )
        return self.guard.handle("deployment_protection_rule", payload)

    def verdicts(self) -> list[tuple[int, str | None]]:
        return [(r.run_id, r.state) for r in self.double.deployment_reviews(REPO)]

    def alerts(self, rule: str) -> list[dict[str, Any]]:
        return [a for a in self.guard.alerts() if a["policy"] == "fork_secrets" and a["rule"] == rule]

    def fork_checks(self) -> list[Any]:
        return [r for r in self.double.check_runs(REPO) if r.name == "Pipeline Guard / fork safety"]

    def later(self, seconds: float) -> None:
        """Move every clock on: GitHub's, the guard's, and the inbox's (retries and follow-ups fall due)."""
        self.double.clock.advance(seconds)  # type: ignore[attr-defined]


@pytest.fixture
def world(guard_app: Scenario, github_double: GitHubDouble) -> World:
    installation = github_double.add_installation("acme", permissions=PERMISSIONS)
    files = {
        BUILD: BUILD_WORKFLOW,
        CI: CI_WORKFLOW,
        DEPLOY: DEPLOY_WORKFLOW,
        RELEASE: RELEASE_WORKFLOW,
        ".github/guard.yml": GUARD_YML,
    }
    github_double.add_repo(REPO, visibility="public", files=files)
    github_double.add_repo(FORK, visibility="public", fork=True, installed=False, files=files)
    github_double.put_file(FORK, "patch", "src/index.js", "steal(process.env)\n")
    pull = github_double.open_pull(REPO, "patch", head_repo=FORK, user="mallory", title="Fix typo").number
    github_double.add_environment(REPO, "production", secrets=("DEPLOY_KEY",), guarded=True)
    github_double.set_role(REPO, "maintainer", "write")
    github_double.set_role(REPO, "octocat", "admin")
    guard_app.services.inbox.clock = github_double.clock
    return World(guard_app, github_double, pull, installation.id)
