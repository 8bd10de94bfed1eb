"""``guard protection status|suspend|resume``: the report, and a break-glass that expires by itself."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
import sqlalchemy as sa

from guard.cli import main
from guard.cli.protection import parse_duration
from guard.db import deliveries
from tests.conftest import WEBHOOK_SECRET
from tests.github_double.double import GitHubDouble
from tests.github_double.fixtures import TestApp
from tests.handlers.test_branch_protection import PROTECTION, edited, protected, weaken
from tests.support.scenario import Scenario


@pytest.fixture
def environment(
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


def test_break_glass_holds_restoration_until_it_expires(
    environment: None, guard_app: Scenario, github_double: GitHubDouble, capsys: pytest.CaptureFixture[str]
) -> None:
    protected(guard_app, github_double)
    command = [
        "protection",
        "suspend",
        "acme/widgets",
        "--for",
        "2h",
        "--reason",
        "moving CI",
        "--by",
        "alice",
    ]
    assert main(command) == 0
    assert "acme/widgets: restoration suspended until" in capsys.readouterr().out
    [started] = guard_app.alerts()
    assert (started["rule"], started["actor"]) == ("break-glass", "alice")
    assert "moving CI" in started["details"]

    weaken(github_double, required_approving_review_count=1)
    guard_app.handle("branch_protection_rule", edited(github_double, "alice"))
    assert github_double.calls_to("PUT", PROTECTION) == []
    drift = next(a for a in guard_app.alerts() if a["rule"] == "protection-weakened")
    assert drift["action_taken"].startswith("not restored: break-glass by alice until ")

    github_double.clock.advance(2 * 3600 + 60)  # type: ignore[attr-defined]
    with guard_app.services.db.write() as conn:
        [(available,)] = conn.execute(
            sa.select(deliveries.c.available_at).where(deliveries.c.event == "guard_sweep")
        ).all()
        assert 7100 < available - time.time() <= 7200
        conn.execute(deliveries.update().where(deliveries.c.event == "guard_sweep").values(available_at=0))
    guard_app.process()
    [put] = github_double.calls_to("PUT", PROTECTION)
    assert put.body["required_pull_request_reviews"]["required_approving_review_count"] == 2


def test_resume_ends_a_break_glass_early_and_records_it(
    environment: None, guard_app: Scenario, github_double: GitHubDouble, capsys: pytest.CaptureFixture[str]
) -> None:
    protected(guard_app, github_double)
    assert (
        main(["protection", "suspend", "acme/widgets", "--for", "30m", "--reason", "x", "--by", "alice"]) == 0
    )
    assert main(["protection", "resume", "acme/widgets", "--by", "bob"]) == 0
    [alert] = guard_app.alerts()
    assert (alert["title"], alert["count"]) == ("Break-glass of acme/widgets ended early by bob", 2)
    assert main(["protection", "resume", "acme/widgets"]) == 1
    assert "acme/widgets: no break-glass in force" in capsys.readouterr().out
    weaken(github_double, required_approving_review_count=1)
    guard_app.handle("branch_protection_rule", edited(github_double, "alice"))
    assert len(github_double.calls_to("PUT", PROTECTION)) == 1


@pytest.mark.parametrize(
    ("duration", "problem"),
    [("2 hours", "is not a duration"), ("25h", "at most 24h"), ("0m", "more than 0")],
)
def test_suspend_refuses_an_unclear_or_too_long_duration(duration: str, problem: str) -> None:
    with pytest.raises(ValueError, match=problem):
        parse_duration(duration)


def test_status_prints_declared_against_effective_and_exits_1_on_a_difference(
    environment: None, guard_app: Scenario, github_double: GitHubDouble, capsys: pytest.CaptureFixture[str]
) -> None:
    protected(guard_app, github_double)
    assert main(["protection", "status", "acme/widgets"]) == 0
    assert "protected as declared" in capsys.readouterr().out
    weaken(github_double, required_approving_review_count=1)
    github_double.add_ruleset("acme/widgets", "no deletions", [{"type": "deletion"}])
    assert main(["protection", "status", "acme/widgets"]) == 1
    text = capsys.readouterr().out
    assert "acme/widgets: branch_protection mode enforce, semantics floor" in text
    assert [line.split() for line in text.splitlines() if "required_approvals" in line] == [
        ["required_approvals", "2", "1", "<-", "weaker"]
    ]
    assert "enforced by: classic rule, ruleset #" in text
    assert main(["protection", "status", "acme/widgets", "--format", "json"]) == 1
    [branch] = json.loads(capsys.readouterr().out)["branches"]
    assert branch["differences"] == [
        {"setting": "required_approvals", "declared": "2", "effective": "1", "weaker": True}
    ]


def test_status_says_when_the_app_is_not_installed(
    environment: None, github_double: GitHubDouble, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["protection", "status", "someone/else"]) == 1
    assert "the App is not installed on someone/else" in capsys.readouterr().out
