"""``guard config show OWNER/REPO``: the configuration in force and the level that set each value."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from guard.cli import main
from tests.conftest import WEBHOOK_SECRET
from tests.github_double.double import GitHubDouble
from tests.github_double.fixtures import TestApp


@pytest.fixture
def app_environment(
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    github_double: GitHubDouble,
    github_app: TestApp,
    database_url: str,
) -> None:
    monkeypatch.chdir(tmp_path)
    for name, value in {
        "WEBHOOK_SECRET": WEBHOOK_SECRET,
        "APP_ID": str(github_app.app_id),
        "PRIVATE_KEY": github_app.private_key_pem,
        "GITHUB_API_URL": github_double.base_url,
        "DATABASE_URL": database_url,
    }.items():
        monkeypatch.setenv(name, value)
    github_double.add_installation("acme")
    github_double.add_repo("acme/.github", files={"guard.yml": "pipeline_review:\n  required_approvals: 2\n"})
    github_double.add_repo("acme/widgets", files={".github/guard.yml": "fork_secrets:\n  mode: observe\n"})


def test_show_prints_each_value_with_the_level_that_set_it(
    app_environment: None, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["config", "show", "acme/widgets", "--format", "json"]) == 0
    rows = {row["setting"]: row for row in json.loads(capsys.readouterr().out)}
    assert rows["pipeline_review.required_approvals"] == {
        "setting": "pipeline_review.required_approvals",
        "value": 2,
        "set_by": "org (guard.yml)",
    }
    assert rows["fork_secrets.mode"]["set_by"] == "repo (.github/guard.yml)"
    assert rows["branch_protection.mode"] == {
        "setting": "branch_protection.mode",
        "value": "observe",
        "set_by": "default",
    }


def test_show_says_when_the_app_is_not_installed(
    app_environment: None, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["config", "show", "someone/else"]) == 1
    assert "the App is not installed on someone/else" in capsys.readouterr().out


def test_show_without_credentials_says_what_is_missing(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("WEBHOOK_SECRET", WEBHOOK_SECRET)
    for name in ("APP_ID", "PRIVATE_KEY", "PRIVATE_KEY_PATH"):
        monkeypatch.delenv(name, raising=False)
    assert main(["config", "show", "acme/widgets"]) == 2
    assert "set APP_ID and PRIVATE_KEY" in capsys.readouterr().out
