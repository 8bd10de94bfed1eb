"""Branch protection end to end: declared, applied, drift restored in enforce mode, nothing else reset."""

from __future__ import annotations

from typing import Any

from tests.github_double import webhooks
from tests.github_double.double import GitHubDouble
from tests.github_double.fixtures import TEST_APP_ID
from tests.support.scenario import Scenario

PROTECTION = "/repos/{owner}/{repo}/branches/{branch}/protection"
PERMISSIONS = {
    "administration": "write",
    "checks": "write",
    "contents": "write",
    "metadata": "read",
    "pull_requests": "read",
}
ORG_FILE = """\
branch_protection:
  mode: {mode}
  semantics: {semantics}
  branches:
    - pattern: ~default
      required_approvals: 2
"""
GUARD_CHECK = {"context": "Pipeline Guard / review", "app_id": TEST_APP_ID}
DECLARED_BODY = {
    "required_status_checks": {"strict": False, "checks": [GUARD_CHECK]},
    "enforce_admins": False,
    "required_pull_request_reviews": {
        "dismiss_stale_reviews": True,
        "require_code_owner_reviews": False,
        "required_approving_review_count": 2,
        "require_last_push_approval": True,
    },
    "restrictions": None,
    "required_linear_history": False,
    "allow_force_pushes": False,
    "allow_deletions": False,
    "required_conversation_resolution": False,
    "block_creations": False,
    "lock_branch": False,
    "allow_fork_syncing": False,
}


def install(double: GitHubDouble, mode: str = "enforce", semantics: str = "floor") -> int:
    """The App on acme, whose organisation file declares two approvals on every default branch."""
    installation = double.add_installation("acme", permissions=PERMISSIONS)
    double.add_repo("acme/.github", files={"guard.yml": ORG_FILE.format(mode=mode, semantics=semantics)})
    double.add_repo("acme/widgets", files={"README.md": "# widgets\n"})
    return installation.id


def protected(
    guard_app: Scenario, double: GitHubDouble, mode: str = "enforce", semantics: str = "floor"
) -> None:
    """Installed, declared protection applied by the guard; calls and alerts so far forgotten."""
    installation = install(double, mode, semantics)
    double.protect("acme/widgets", "main", DECLARED_BODY)
    double.protect("acme/.github", "main", DECLARED_BODY)
    guard_app.handle("installation", webhooks.installation(double, installation))
    double.clear_calls()


def weaken(double: GitHubDouble, **changes: Any) -> None:
    reviews = {**DECLARED_BODY["required_pull_request_reviews"], **changes}
    double.protect("acme/widgets", "main", {**DECLARED_BODY, "required_pull_request_reviews": reviews})


def edited(double: GitHubDouble, sender: str, **changes: Any) -> dict[str, Any]:
    return webhooks.branch_protection_rule(
        double, "acme/widgets", "main", "edited", sender=sender, changes=changes
    )


def puts(double: GitHubDouble) -> list[Any]:
    return [c for c in double.calls_to("PUT", PROTECTION) if c.path.startswith("/repos/acme/widgets/")]


def test_installation_applies_the_declared_protection_with_the_complete_body(
    guard_app: Scenario, github_double: GitHubDouble
) -> None:
    installation = install(github_double)
    guard_app.handle("installation", webhooks.installation(github_double, installation))
    [put] = puts(github_double)
    assert put.body == DECLARED_BODY
    shown = github_double.protection("acme/widgets", "main")
    assert shown is not None
    assert shown["required_pull_request_reviews"]["required_approving_review_count"] == 2
    assert shown["required_status_checks"]["checks"] == [GUARD_CHECK]
    assert guard_app.alerts() == []


def test_lowered_approvals_are_restored_in_enforce_mode_with_an_alert_naming_sender_and_diff(
    guard_app: Scenario, github_double: GitHubDouble
) -> None:
    protected(guard_app, github_double)
    weaken(github_double, required_approving_review_count=1)
    guard_app.handle(
        "branch_protection_rule",
        edited(github_double, "mallory", required_approving_review_count={"from": 2}),
    )
    [put] = puts(github_double)
    assert put.body == DECLARED_BODY
    assert (
        github_double.protection("acme/widgets", "main")["required_pull_request_reviews"][  # type: ignore[index]
            "required_approving_review_count"
        ]
        == 2
    )
    [alert] = guard_app.alerts()
    assert alert["title"] == "Protection of main in acme/widgets weakened by mallory"
    assert (alert["severity"], alert["actor"], alert["policy"]) == (3, "mallory", "branch_protection")
    assert "| `required_approvals` | 2 | 1 |" in alert["details"]
    assert alert["action_result"] == "wrote the complete protection of main"


def test_observe_mode_only_alerts(guard_app: Scenario, github_double: GitHubDouble) -> None:
    protected(guard_app, github_double, mode="observe")
    weaken(github_double, required_approving_review_count=1)
    guard_app.handle("branch_protection_rule", edited(github_double, "mallory"))
    assert puts(github_double) == []
    [alert] = guard_app.alerts()
    assert alert["action_taken"] == "not restored: branch_protection.mode is observe"
    assert "| `required_approvals` | 2 | 1 |" in alert["details"]


def test_deleted_protection_is_restored_and_reported_critical(
    guard_app: Scenario, github_double: GitHubDouble
) -> None:
    protected(guard_app, github_double)
    payload = webhooks.branch_protection_rule(
        github_double, "acme/widgets", "main", "deleted", sender="mallory"
    )
    github_double.unprotect("acme/widgets", "main")
    guard_app.handle("branch_protection_rule", payload)
    [put] = puts(github_double)
    assert put.body == DECLARED_BODY
    assert github_double.protection("acme/widgets", "main") is not None
    [alert] = guard_app.alerts()
    assert alert["title"] == "Protection of main in acme/widgets removed by mallory"
    assert alert["severity"] == 4


def test_a_branch_protected_only_by_a_ruleset_raises_no_alert(
    guard_app: Scenario, github_double: GitHubDouble
) -> None:
    installation = install(github_double)
    ruleset = github_double.add_ruleset(
        "acme/widgets",
        "main protection",
        [
            {
                "type": "pull_request",
                "parameters": {
                    "required_approving_review_count": 2,
                    "dismiss_stale_reviews_on_push": True,
                    "require_code_owner_review": False,
                    "require_last_push_approval": True,
                    "required_review_thread_resolution": False,
                },
            },
            {
                "type": "required_status_checks",
                "parameters": {
                    "strict_required_status_checks_policy": False,
                    "required_status_checks": [
                        {"context": "Pipeline Guard / review", "integration_id": TEST_APP_ID}
                    ],
                },
            },
            {"type": "non_fast_forward"},
            {"type": "deletion"},
        ],
    )
    github_double.protect("acme/.github", "main", DECLARED_BODY)
    guard_app.handle("installation", webhooks.installation(github_double, installation))
    guard_app.handle(
        "repository_ruleset",
        webhooks.repository_ruleset(github_double, "acme/widgets", ruleset.id, "created"),
    )
    assert github_double.calls_to("PUT", PROTECTION) == []
    assert github_double.protection("acme/widgets", "main") is None
    assert guard_app.alerts() == []


def test_the_guards_own_change_is_not_answered(guard_app: Scenario, github_double: GitHubDouble) -> None:
    protected(guard_app, github_double)
    weaken(github_double, required_approving_review_count=1)
    guard_app.handle("branch_protection_rule", edited(github_double, "mallory"))
    github_double.clear_calls()
    delivery = guard_app.handle(
        "branch_protection_rule", edited(github_double, webhooks.app_bot(github_double))
    )
    assert puts(github_double) == []
    assert len(guard_app.alerts()) == 1
    [decision] = guard_app.decisions(delivery)
    assert decision["summary"] == "main in acme/widgets is protected as declared (the guard's own change)"


def test_another_bot_that_weakens_protection_is_answered_like_a_person(
    guard_app: Scenario, github_double: GitHubDouble
) -> None:
    protected(guard_app, github_double)
    weaken(github_double, require_last_push_approval=False)
    guard_app.handle("branch_protection_rule", edited(github_double, "settings-sync[bot]"))
    [put] = puts(github_double)
    assert put.body == DECLARED_BODY
    [alert] = guard_app.alerts()
    assert alert["actor"] == "settings-sync[bot]"
    assert "**settings-sync[bot]** (Bot) changed the protection" in alert["details"]


def test_a_restoration_keeps_settings_the_guard_does_not_manage(
    guard_app: Scenario, github_double: GitHubDouble
) -> None:
    protected(guard_app, github_double)
    reviews = {
        **DECLARED_BODY["required_pull_request_reviews"],
        "required_approving_review_count": 1,
        "dismissal_restrictions": {"users": ["lead"], "teams": ["core"]},
        "bypass_pull_request_allowances": {"users": ["release-bot"], "teams": []},
    }
    github_double.protect(
        "acme/widgets",
        "main",
        {
            **DECLARED_BODY,
            "required_pull_request_reviews": reviews,
            "restrictions": {"users": ["lead"], "teams": ["core"], "apps": []},
            "required_linear_history": True,
            "lock_branch": True,
            "required_status_checks": {
                "strict": True,
                "checks": [GUARD_CHECK, {"context": "build", "app_id": 15368}],
            },
        },
    )
    guard_app.handle("branch_protection_rule", edited(github_double, "mallory"))
    [put] = puts(github_double)
    assert put.body["restrictions"] == {"users": ["lead"], "teams": ["core"], "apps": []}
    assert put.body["required_pull_request_reviews"]["dismissal_restrictions"] == {
        "users": ["lead"],
        "teams": ["core"],
        "apps": [],
    }
    assert put.body["required_pull_request_reviews"]["bypass_pull_request_allowances"]["users"] == [
        "release-bot"
    ]
    assert put.body["required_pull_request_reviews"]["required_approving_review_count"] == 2
    assert (put.body["required_linear_history"], put.body["lock_branch"]) == (True, True)
    assert put.body["required_status_checks"] == {
        "strict": True,
        "checks": [GUARD_CHECK, {"context": "build", "app_id": 15368}],
    }


def test_floor_semantics_leaves_a_stricter_setting_alone(
    guard_app: Scenario, github_double: GitHubDouble
) -> None:
    protected(guard_app, github_double)
    weaken(github_double, required_approving_review_count=4)
    guard_app.handle("branch_protection_rule", edited(github_double, "lead"))
    assert puts(github_double) == []
    assert guard_app.alerts() == []


def test_exact_semantics_restores_a_stricter_setting_with_a_low_alert(
    guard_app: Scenario, github_double: GitHubDouble
) -> None:
    protected(guard_app, github_double, semantics="exact")
    weaken(github_double, required_approving_review_count=4)
    guard_app.handle("branch_protection_rule", edited(github_double, "lead"))
    [put] = puts(github_double)
    assert put.body["required_pull_request_reviews"]["required_approving_review_count"] == 2
    [alert] = guard_app.alerts()
    assert (alert["rule"], alert["severity"]) == ("protection-stricter", 1)


def test_a_refused_restoration_says_so_in_the_alert(guard_app: Scenario, github_double: GitHubDouble) -> None:
    protected(guard_app, github_double)
    weaken(github_double, required_approving_review_count=1)
    github_double.fail(
        "PUT", PROTECTION, status=403, body={"message": "Resource not accessible by integration"}
    )
    delivery = guard_app.handle("branch_protection_rule", edited(github_double, "mallory"))
    [alert] = guard_app.alerts()
    assert alert["action_taken"] == "restoring the declared protection failed"
    assert alert["action_result"] == "failed: GitHub answered 403: Resource not accessible by integration"
    [decision] = guard_app.decisions(delivery)
    assert decision["actions"][0]["outcome"] == "failed"


def test_a_new_default_branch_gets_the_declared_protection(
    guard_app: Scenario, github_double: GitHubDouble
) -> None:
    protected(guard_app, github_double)
    github_double.create_branch("acme/widgets", "trunk")
    github_double.state.repo("acme/widgets").default_branch = "trunk"  # type: ignore[union-attr]
    payload = webhooks.repository(
        github_double, "acme/widgets", "edited", sender="lead", changes={"default_branch": {"from": "main"}}
    )
    guard_app.handle("repository", payload)
    [put] = puts(github_double)
    assert put.path == "/repos/acme/widgets/branches/trunk/protection"
    assert put.body == DECLARED_BODY


def test_a_new_branch_matching_a_pattern_is_protected_when_created(
    guard_app: Scenario, github_double: GitHubDouble
) -> None:
    github_double.add_installation("acme", permissions=PERMISSIONS)
    github_double.add_repo(
        "acme/.github",
        files={"guard.yml": "branch_protection:\n  mode: enforce\n  branches:\n    - pattern: release/*\n"},
    )
    github_double.add_repo("acme/widgets")
    github_double.protect("acme/widgets", "main", DECLARED_BODY)
    sha = github_double.create_branch("acme/widgets", "release/1.0")
    guard_app.handle(
        "push", webhooks.push(github_double, "acme/widgets", "refs/heads/release/1.0", "0" * 40, sha)
    )
    [put] = github_double.calls_to("PUT", PROTECTION)
    assert put.path == "/repos/acme/widgets/branches/release/1.0/protection"
    assert put.body["required_pull_request_reviews"]["required_approving_review_count"] == 1


def test_an_organisation_ruleset_deleted_checks_every_repository_and_one_failure_stops_none(
    guard_app: Scenario, github_double: GitHubDouble
) -> None:
    protected(guard_app, github_double)
    github_double.add_repo("acme/gadgets")
    ruleset = github_double.add_ruleset("acme/widgets", "org", [{"type": "deletion"}], organisation=True)
    github_double.fail("GET", "/repos/{owner}/{repo}", status=404, times=1)
    payload = webhooks.repository_ruleset(
        github_double, "acme/widgets", ruleset.id, "deleted", sender="owner"
    )
    delivery = guard_app.handle("repository_ruleset", payload)
    summaries = [d["summary"] for d in guard_app.decisions(delivery)]
    assert summaries[0].startswith("acme/.github: protection not checked: GitHub 404")
    assert "main in acme/widgets is protected as declared" in summaries
    assert [c.path for c in github_double.calls_to("PUT", PROTECTION)] == [
        "/repos/acme/gadgets/branches/main/protection"
    ]


def test_a_change_after_the_guards_own_write_is_restored_without_blaming_the_guard(
    guard_app: Scenario, github_double: GitHubDouble
) -> None:
    protected(guard_app, github_double)
    weaken(github_double, required_approving_review_count=1)
    guard_app.handle("branch_protection_rule", edited(github_double, webhooks.app_bot(github_double)))
    [put] = puts(github_double)
    assert put.body == DECLARED_BODY
    [alert] = guard_app.alerts()
    assert alert["actor"] is None
    assert alert["title"] == "Protection of main in acme/widgets weakened by someone"


def test_an_installation_payload_without_its_repositories_is_completed_from_github(
    guard_app: Scenario, github_double: GitHubDouble
) -> None:
    installation = install(github_double)
    payload = webhooks.installation(github_double, installation)
    del payload["repositories"]
    guard_app.handle("installation", payload)
    assert sorted(c.path for c in github_double.calls_to("PUT", PROTECTION)) == [
        "/repos/acme/.github/branches/main/protection",
        "/repos/acme/widgets/branches/main/protection",
    ]


def test_changes_by_different_people_are_separate_alerts(
    guard_app: Scenario, github_double: GitHubDouble
) -> None:
    protected(guard_app, github_double)
    for person in ("mallory", "trudy", "mallory"):
        weaken(github_double, required_approving_review_count=0)
        guard_app.handle("branch_protection_rule", edited(github_double, person))
    assert sorted((a["actor"], a["count"]) for a in guard_app.alerts()) == [("mallory", 2), ("trudy", 1)]


def test_a_pushed_organisation_file_that_declares_more_is_applied_everywhere(
    guard_app: Scenario, github_double: GitHubDouble
) -> None:
    protected(guard_app, github_double)
    before = github_double.head("acme/.github")
    raised = ORG_FILE.format(mode="enforce", semantics="floor").replace("approvals: 2", "approvals: 3")
    after = github_double.put_file("acme/.github", "main", "guard.yml", raised)
    guard_app.handle(
        "push", webhooks.push(github_double, "acme/.github", "refs/heads/main", before, after, pusher="admin")
    )
    bodies = {c.path: c.body for c in github_double.calls_to("PUT", PROTECTION)}
    assert sorted(bodies) == [
        "/repos/acme/.github/branches/main/protection",
        "/repos/acme/widgets/branches/main/protection",
    ]
    assert {
        b["required_pull_request_reviews"]["required_approving_review_count"] for b in bodies.values()
    } == {3}
