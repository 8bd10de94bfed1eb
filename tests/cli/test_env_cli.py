"""``guard env enrol``: the guard becomes an environment's protection rule; unprotected secrets are named."""

from __future__ import annotations

from pathlib import Path

import pytest

from guard.cli import main
from tests.conftest import WEBHOOK_SECRET
from tests.github_double.double import GitHubDouble
from tests.github_double.fixtures import TestApp
from tests.handlers.fork_world import PERMISSIONS

CREATE_RULE = ("POST", "/repos/{owner}/{repo}/environments/{environment_name}/deployment_protection_rules")


@pytest.fixture
def environment(
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    github_double: GitHubDouble,
    github_app: TestApp,
    database_url: str,
) -> GitHubDouble:
    monkeypatch.chdir(tmp_path)
    for name, value in {
        "WEBHOOK_SECRET": WEBHOOK_SECRET,
        "APP_ID": str(github_app.app_id),
        "PRIVATE_KEY": github_app.private_key_pem,
        "GITHUB_API_URL": github_double.base_url,
        "DATABASE_URL": database_url,
    }.items():
        monkeypatch.setenv(name, value)
    github_double.add_installation("acme", permissions=PERMISSIONS)
    github_double.add_repo("acme/widgets")
    github_double.add_repo("acme/gadgets")
    return github_double


def test_enrol_adds_the_rule_and_names_other_environments_holding_secrets(
    environment: GitHubDouble, github_app: TestApp, capsys: pytest.CaptureFixture[str]
) -> None:
    environment.add_environment("acme/widgets", "production", secrets=("DEPLOY_KEY",))
    environment.add_environment("acme/widgets", "staging", secrets=("TOKEN", "KEY"))
    environment.add_environment("acme/widgets", "docs")

    assert main(["env", "enrol", "acme/widgets", "production"]) == 1

    [call] = environment.calls_to(*CREATE_RULE)
    assert call.body == {"integration_id": github_app.app_id}
    assert call.path.endswith("/environments/production/deployment_protection_rules")
    out = capsys.readouterr().out.splitlines()
    assert out == [
        "acme/widgets: production: the guard is now its deployment protection rule",
        "acme/widgets: staging holds 2 secret(s) without the guard's rule: "
        "guard env enrol acme/widgets staging",
    ]


def test_enrolling_twice_adds_one_rule_and_exits_0_once_nothing_is_left_unprotected(
    environment: GitHubDouble, capsys: pytest.CaptureFixture[str]
) -> None:
    environment.add_environment("acme/widgets", "production", secrets=("DEPLOY_KEY",))

    assert main(["env", "enrol", "acme/widgets", "production"]) == 0
    assert main(["env", "enrol", "acme/widgets", "production"]) == 0

    assert len(environment.calls_to(*CREATE_RULE)) == 1
    assert capsys.readouterr().out.splitlines()[-1] == (
        "acme/widgets: production: the guard is already its deployment protection rule"
    )


def test_enrol_for_an_organisation_covers_every_repository_with_that_environment(
    environment: GitHubDouble, capsys: pytest.CaptureFixture[str]
) -> None:
    environment.add_environment("acme/widgets", "production", secrets=("DEPLOY_KEY",))
    environment.add_environment("acme/gadgets", "production")
    environment.add_environment("acme/gadgets", "staging", secrets=("TOKEN",))

    assert main(["env", "enrol", "--org", "acme", "production"]) == 1

    assert sorted(c.path.split("/")[3] for c in environment.calls_to(*CREATE_RULE)) == ["gadgets", "widgets"]
    out = capsys.readouterr().out
    assert "acme/gadgets: staging holds 1 secret(s) without the guard's rule" in out


def test_enrol_names_a_missing_environment_and_refuses_bad_arguments(
    environment: GitHubDouble, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["env", "enrol", "acme/widgets", "production"]) == 0
    assert "acme/widgets: no environment named 'production'" in capsys.readouterr().out
    assert main(["env", "enrol", "widgets", "production"]) == 2
    assert main(["env", "enrol", "--org", "acme", "acme/widgets", "production"]) == 2
    assert main(["env", "enrol", "--org", "nobody", "production"]) == 1
    assert "the App is not installed on nobody" in capsys.readouterr().out
