"""Configuration as code, end to end: default-branch files only, cached, previewed on pull requests."""

from __future__ import annotations

from typing import Any

import pytest

from guard.config_store import ConfigStore
from tests.github_double import webhooks
from tests.github_double.double import GitHubDouble
from tests.support.scenario import Scenario

ORG_FILE = """\
pipeline_review:
  reviewers: {teams: [security]}
  required_approvals: 2
locked: [pipeline_review.required_approvals]
"""
CONTENTS = ("GET", "/repos/{owner}/{repo}/contents/{path}")


@pytest.fixture
def acme(github_double: GitHubDouble) -> int:
    installation = github_double.add_installation("acme")
    github_double.add_repo("acme/.github", files={"guard.yml": ORG_FILE})
    github_double.add_repo("acme/widgets", files={".github/guard.yml": "fork_secrets:\n  mode: observe\n"})
    return installation.id


def effective(guard_app: Scenario, installation: int, repository: str = "acme/widgets") -> object:
    store = ConfigStore(guard_app.worker.engine.state, None)
    return store.effective(guard_app.services.github.installation(installation), repository)  # type: ignore[union-attr]


def push(double: GitHubDouble, repo: str, path: str, content: str) -> dict[str, object]:
    before = double.head(repo)
    after = double.put_file(repo, "main", path, content)
    return webhooks.push(double, repo, "refs/heads/main", before, after)


def test_the_effective_configuration_layers_org_and_repo_files_and_costs_no_call_once_cached(
    guard_app: Scenario, github_double: GitHubDouble, acme: int
) -> None:
    config = guard_app.worker.engine.configs.effective(
        guard_app.services.github.installation(acme), "acme/widgets"
    )  # type: ignore[union-attr]
    assert (config.pipeline_review.required_approvals, config.fork_secrets.mode.value) == (2, "observe")
    assert config.setting("pipeline_review.required_approvals").source.file == "guard.yml"
    reads = len(github_double.calls_to(*CONTENTS))
    assert reads == 2
    guard_app.worker.engine.configs.effective(guard_app.services.github.installation(acme), "acme/widgets")  # type: ignore[union-attr]
    assert len(github_double.calls_to(*CONTENTS)) == reads


def test_a_push_that_breaks_the_file_keeps_the_last_valid_configuration_and_alerts_with_the_position(
    guard_app: Scenario, github_double: GitHubDouble, acme: int
) -> None:
    guard_app.handle(
        "push", push(github_double, "acme/widgets", ".github/guard.yml", "fork_secrets:\n  mode: observe\n")
    )
    delivery = guard_app.handle(
        "push", push(github_double, "acme/widgets", ".github/guard.yml", "fork_secrets:\n  mode: sometimes\n")
    )
    [decision] = [d for d in guard_app.decisions(delivery) if d["policy"] == "config"]
    assert decision["summary"].endswith("is invalid; the last valid version stays in force")
    [alert] = [a for a in guard_app.alerts() if a["rule"] == "invalid-config"]
    assert alert["repository"] == "acme/widgets"
    assert ".github/guard.yml:2:9:" in alert["details"]
    assert effective(guard_app, acme).fork_secrets.mode.value == "observe"  # type: ignore[attr-defined]


def test_a_valid_push_is_applied_and_a_locked_key_is_ignored_with_an_alert(
    guard_app: Scenario, github_double: GitHubDouble, acme: int
) -> None:
    loosened = "pipeline_review:\n  required_approvals: 1\nfork_secrets:\n  mode: enforce\n"
    guard_app.handle("push", push(github_double, "acme/widgets", ".github/guard.yml", loosened))
    config = effective(guard_app, acme)
    assert config.fork_secrets.mode.value == "enforce"  # type: ignore[attr-defined]
    assert config.pipeline_review.required_approvals == 2  # type: ignore[attr-defined]
    [alert] = [a for a in guard_app.alerts() if a["rule"] == "locked-setting-changed"]
    assert "pipeline_review.required_approvals" in alert["title"] + alert["details"]


def config_checks(github_double: GitHubDouble) -> list[Any]:
    """The config preview's check runs (the review gate posts its own beside them)."""
    return [run for run in github_double.check_runs("acme/widgets") if run.name == "Pipeline Guard / config"]


def test_a_pull_request_changing_guard_yml_gets_a_preview_check_and_changes_nothing(
    guard_app: Scenario, github_double: GitHubDouble, acme: int
) -> None:
    github_double.put_file("acme/widgets", "loosen", ".github/guard.yml", "fork_secrets:\n  mode: off\n")
    number = github_double.open_pull("acme/widgets", "loosen", user="mallory").number
    guard_app.handle("pull_request", webhooks.pull_request(github_double, "acme/widgets", number, "opened"))
    [run] = config_checks(github_double)
    assert (run.name, run.conclusion) == ("Pipeline Guard / config", "success")
    assert run.output["title"] == ".github/guard.yml is valid; 1 setting change"
    assert "Nothing is applied until this change lands on the default branch." in run.output["summary"]
    assert effective(guard_app, acme).fork_secrets.mode.value == "observe"  # type: ignore[attr-defined]


def test_a_pull_request_with_a_broken_guard_yml_fails_its_check_with_annotations(
    guard_app: Scenario, github_double: GitHubDouble, acme: int
) -> None:
    github_double.put_file("acme/widgets", "typo", ".github/guard.yml", "fork_secret:\n  mode: observe\n")
    number = github_double.open_pull("acme/widgets", "typo").number
    guard_app.handle("pull_request", webhooks.pull_request(github_double, "acme/widgets", number, "opened"))
    [run] = config_checks(github_double)
    assert run.conclusion == "failure"
    assert run.output["title"] == ".github/guard.yml has 1 error"
    [annotation] = run.annotations
    assert (annotation["path"], annotation["start_line"], annotation["annotation_level"]) == (
        ".github/guard.yml",
        1,
        "failure",
    )


def test_a_pull_request_that_does_not_touch_guard_yml_gets_no_config_check(
    guard_app: Scenario, github_double: GitHubDouble, acme: int
) -> None:
    github_double.put_file("acme/widgets", "docs", "README.md", "# docs\n")
    number = github_double.open_pull("acme/widgets", "docs").number
    guard_app.handle("pull_request", webhooks.pull_request(github_double, "acme/widgets", number, "opened"))
    assert config_checks(github_double) == []
