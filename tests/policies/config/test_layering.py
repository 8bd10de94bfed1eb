"""Layering: built-in defaults < organisation file < repository file, with the source of every value."""

from typing import Any

import pytest

from policies.base import Mode, Severity
from policies.config import Level, resolve

from .helpers import ORG_FILE, REPO_FILE, org_layer, repo_layer

RULE_MAIN_ORG = "branch_protection:\n  branches: [{pattern: main, required_approvals: 2}]\n"
RULE_MAIN_REPO = "branch_protection:\n  branches: [{pattern: main, signed_commits: true}]\n"
ENV_ORG = "fork_secrets:\n  environments:\n    production: {allowed_refs: [main, 'refs/tags/v*']}\n"
TEAMS_ORG = "pipeline_review: {reviewers: {teams: [security]}}"
ENFORCE = "branch_protection: {mode: enforce}"


@pytest.mark.parametrize(
    ("org", "repo", "path", "value", "level"),
    [
        (None, None, "branch_protection.mode", "observe", Level.DEFAULT),
        (None, None, "fork_secrets.mode", "enforce", Level.DEFAULT),
        (None, None, "pipeline_review.mode", "enforce", Level.DEFAULT),
        (None, None, "branch_protection.branches[~default].required_approvals", 1, Level.DEFAULT),
        (ENFORCE, None, "branch_protection.mode", "enforce", Level.ORG),
        (None, "branch_protection: {mode: off}", "branch_protection.mode", "off", Level.REPO),
        (ENFORCE, "branch_protection: {mode: off}", "branch_protection.mode", "off", Level.REPO),
        (ENFORCE, "fork_secrets: {mode: observe}", "branch_protection.mode", "enforce", Level.ORG),
        (
            "branch_protection: {branches: [{pattern: '~default', required_approvals: 2}]}",
            None,
            "branch_protection.branches[~default].required_approvals",
            2,
            Level.ORG,
        ),
        (RULE_MAIN_ORG, RULE_MAIN_REPO, "branch_protection.branches[main].required_approvals", 2, Level.ORG),
        (RULE_MAIN_ORG, RULE_MAIN_REPO, "branch_protection.branches[main].signed_commits", True, Level.REPO),
        (RULE_MAIN_ORG, RULE_MAIN_REPO, "branch_protection.branches[main].strict", False, Level.DEFAULT),
        (
            RULE_MAIN_ORG,
            RULE_MAIN_REPO,
            "branch_protection.branches[~default].required_approvals",
            1,
            Level.DEFAULT,
        ),
        (
            TEAMS_ORG,
            "pipeline_review: {reviewers: {users: [alice]}}",
            "pipeline_review.reviewers.teams",
            ["security"],
            Level.ORG,
        ),
        (
            TEAMS_ORG,
            "pipeline_review: {reviewers: {users: [alice]}}",
            "pipeline_review.reviewers.users",
            ["alice"],
            Level.REPO,
        ),
        (
            TEAMS_ORG,
            "pipeline_review: {reviewers: {teams: [platform]}}",
            "pipeline_review.reviewers.teams",
            ["platform"],
            Level.REPO,
        ),
        (
            ENV_ORG,
            "fork_secrets: {environments: {staging: {}}}",
            "fork_secrets.environments.production.allowed_refs",
            ["main", "refs/tags/v*"],
            Level.ORG,
        ),
        (
            ENV_ORG,
            "fork_secrets: {environments: {staging: {}}}",
            "fork_secrets.environments.staging.allowed_refs",
            ["~default"],
            Level.DEFAULT,
        ),
        (
            ENV_ORG,
            "fork_secrets: {environments: {production: {allowed_refs: [main]}}}",
            "fork_secrets.environments.production.allowed_refs",
            ["main"],
            Level.REPO,
        ),
        ("alerts: {readers: [security]}", None, "alerts.readers", ["security"], Level.ORG),
    ],
)
def test_the_nearest_level_that_sets_a_key_wins(
    org: str | None, repo: str | None, path: str, value: Any, level: Level
) -> None:
    setting = resolve(org_layer(org), repo_layer(repo)).config.setting(path)
    assert (setting.value, setting.source.level) == (value, level)


def test_sources_name_the_file_that_set_the_value() -> None:
    org, repo = org_layer("fork_secrets: {mode: observe}"), repo_layer("branch_protection: {mode: off}")
    config = resolve(org, repo).config
    assert str(config.setting("fork_secrets.mode").source) == f"org ({ORG_FILE})"
    assert str(config.setting("branch_protection.mode").source) == f"repo ({REPO_FILE})"
    assert str(config.setting("pipeline_review.mode").source) == "default"


@pytest.mark.parametrize(
    ("org", "repo", "path", "value", "levels"),
    [
        (
            "pipeline_review: {paths: ['scripts/ci/**']}",
            "pipeline_review: {paths: ['deploy/**']}",
            "pipeline_review.paths",
            ["scripts/ci/**", "deploy/**"],
            [Level.ORG, Level.REPO],
        ),
        (
            "pipeline_review: {paths: ['scripts/ci/**']}",
            "pipeline_review: {paths: []}",
            "pipeline_review.paths",
            ["scripts/ci/**"],
            [Level.ORG],
        ),
        (
            "pipeline_review: {paths: ['a/**', 'b/**']}",
            "pipeline_review: {paths: ['b/**', 'c/**']}",
            "pipeline_review.paths",
            ["a/**", "b/**", "c/**"],
            [Level.ORG, Level.ORG, Level.REPO],
        ),
        (
            "fork_secrets: {self_hosted_labels: ['gpu-*']}",
            "fork_secrets: {self_hosted_labels: ['arm64']}",
            "fork_secrets.self_hosted_labels",
            ["gpu-*", "arm64"],
            [Level.ORG, Level.REPO],
        ),
    ],
)
def test_lists_that_only_tighten_add_up_and_lose_nothing(
    org: str, repo: str, path: str, value: list[str], levels: list[Level]
) -> None:
    setting = resolve(org_layer(org), repo_layer(repo)).config.setting(path)
    assert setting.value == value
    assert [source.level for source in setting.item_sources] == levels


def test_status_checks_add_up_by_context_and_a_repository_cannot_unpin_one() -> None:
    rule = "branch_protection:\n  branches:\n    - pattern: main\n      required_status_checks: "
    org = rule + "[{context: ci, app_id: 15368}]\n"
    repo = rule + "[{context: ci}, {context: lint}]\n"
    main = resolve(org_layer(org), repo_layer(repo)).config.branch_protection.rules_for("main", "main")[1]
    checks = [(check.context, check.app_id) for check in main.required_status_checks]
    assert checks == [("ci", 15368), ("lint", None)]


def test_branch_rules_add_up_across_levels() -> None:
    repo = repo_layer("branch_protection: {branches: [{pattern: 'release/*'}]}")
    branches = resolve(org_layer(RULE_MAIN_ORG), repo).config.branch_protection.branches
    assert [rule.pattern for rule in branches] == ["~default", "main", "release/*"]


@pytest.mark.parametrize(
    ("locked", "repo", "ignored", "kept"),
    [
        (
            "[pipeline_review]",
            "pipeline_review: {mode: off, paths: ['x/**']}",
            ["pipeline_review.mode", "pipeline_review.paths"],
            {"pipeline_review.mode": "enforce", "pipeline_review.paths": []},
        ),
        (
            "[fork_secrets.mode]",
            "fork_secrets: {mode: observe, self_hosted_labels: [gpu]}",
            ["fork_secrets.mode"],
            {"fork_secrets.mode": "enforce", "fork_secrets.self_hosted_labels": ["gpu"]},
        ),
        ("[fork_secrets.mode]", "fork_secrets: {mode: enforce}", [], {"fork_secrets.mode": "enforce"}),
        ("[fork_secrets.mode]", ENFORCE, [], {"branch_protection.mode": "enforce"}),
        (
            "[fork_secrets.environments]",
            "fork_secrets: {environments: {staging: {}}}",
            ["fork_secrets.environments.staging"],
            {"fork_secrets.environments": {}},
        ),
        (
            "[pipeline_review.reviewers]",
            "pipeline_review: {reviewers: {users: [mallory]}}",
            ["pipeline_review.reviewers.users"],
            {"pipeline_review.reviewers.users": []},
        ),
        (
            "[branch_protection.branches]",
            "branch_protection: {branches: [{pattern: main}]}",
            ["branch_protection.branches"],
            {"branch_protection.branches[~default].required_approvals": 1},
        ),
        ("[branch_protection.branches]", "branch_protection: {branches: [{pattern: '~default'}]}", [], {}),
    ],
)
def test_a_repository_cannot_change_what_the_organisation_locks(
    locked: str, repo: str, ignored: list[str], kept: dict[str, Any]
) -> None:
    resolution = resolve(org_layer(f"locked: {locked}\n"), repo_layer(repo), repository="acme/api")
    assert [item.key for item in resolution.ignored] == ignored
    assert {path: resolution.config.setting(path).value for path in kept} == kept
    assert [alert.subject for alert in resolution.alerts] == [f"{REPO_FILE}:{key}" for key in ignored]


def test_a_locked_key_raises_an_alert_naming_the_file_line_and_key() -> None:
    repo = "pipeline_review:\n  required_approvals: 3\nfork_secrets:\n  mode: observe\n"
    resolution = resolve(org_layer("locked: [fork_secrets.mode]"), repo_layer(repo), repository="acme/api")
    (alert,) = resolution.alerts
    assert (alert.severity, alert.policy, alert.rule, alert.repository) == (
        Severity.MEDIUM,
        "config",
        "locked-setting-changed",
        "acme/api",
    )
    assert alert.title == f"{REPO_FILE} tries to change fork_secrets.mode, which the organisation locks"
    assert alert.details == (
        f"{REPO_FILE}:4:3: fork_secrets.mode is locked by the organisation; the "
        "repository's value is ignored. The organisation's value stays in force."
    )
    assert resolution.config.pipeline_review.required_approvals == 3


def test_policies_read_typed_settings() -> None:
    config = resolve(org_layer(ENV_ORG), repo_layer("fork_secrets: {mode: observe}")).config
    assert config.fork_secrets.mode is Mode.OBSERVE
    assert config.fork_secrets.environments["production"].allows("refs/tags/v1.0", "main")
    assert not config.fork_secrets.environments["production"].allows("refs/heads/feature", "main")
    assert config.branch_protection.rules_for("main", "main")[0].required_approvals == 1
    assert config.pipeline_review.required_approvals == 1


def test_resolve_refuses_layers_in_the_wrong_places() -> None:
    with pytest.raises(ValueError, match="organisation layer and a repository layer"):
        resolve(repo_layer("{}"), None)
