"""The double's branch protection, rules, commit associations and signatures behave like GitHub's."""

from __future__ import annotations

from typing import Any

from guard.events import (
    BranchProtectionRuleEvent,
    InstallationEvent,
    InstallationRepositoriesEvent,
    RepositoryEvent,
    RepositoryRulesetEvent,
    parse_event,
)
from tests.github_double import GitHubDouble, webhooks
from tests.github_double.shapes import recorded
from tests.github_double_tests.conftest import Caller

PROTECTION = "/repos/acme/widgets/branches/feature/protection"
MINIMAL = {
    "required_status_checks": None,
    "enforce_admins": None,
    "required_pull_request_reviews": None,
    "restrictions": None,
}


def keys(value: Any) -> Any:
    """The nested key structure of a JSON value (lists by their first item)."""
    if isinstance(value, dict):
        return {
            k: keys(v) for k, v in value.items() if k not in ("url", "users_url", "teams_url", "apps_url")
        }
    if isinstance(value, list):
        return [keys(value[0])] if value else []
    return None


def test_a_put_answers_with_the_shape_github_recorded(caller: Caller, acme: int) -> None:
    exchange = recorded("branch-protection")[2]
    answer = caller.call("PUT", PROTECTION, exchange["request"])
    assert answer.status_code == 200
    ours, real = answer.json(), exchange["response"]
    for section in (
        "required_status_checks",
        "enforce_admins",
        "required_linear_history",
        "required_signatures",
    ):
        assert set(ours[section]) == set(real[section])
    assert set(ours["required_pull_request_reviews"]) >= set(real["required_pull_request_reviews"])
    assert keys(ours["restrictions"]["users"]) == keys(real["restrictions"]["users"])
    assert set(ours) >= set(real)


def test_an_unprotected_branch_answers_githubs_404(caller: Caller, acme: int) -> None:
    real = recorded("branch-protection")[0]
    answer = caller.call("GET", PROTECTION)
    assert (answer.status_code, answer.json()["message"]) == (real["status"], real["response"]["message"])


def test_a_put_replaces_the_whole_protection(caller: Caller, acme: int) -> None:
    caller.call("PUT", PROTECTION, {**MINIMAL, "required_linear_history": True, "allow_deletions": True})
    answer = caller.call("PUT", PROTECTION, MINIMAL).json()
    assert (answer["required_linear_history"], answer["allow_deletions"]) == (
        {"enabled": False},
        {"enabled": False},
    )
    assert "required_pull_request_reviews" not in answer


def test_required_checks_take_contexts_or_checks_never_both(caller: Caller, acme: int) -> None:
    both = {"strict": True, "contexts": ["ci"], "checks": [{"context": "ci"}]}
    answer = caller.call("PUT", PROTECTION, {**MINIMAL, "required_status_checks": both})
    assert answer.status_code == 422
    assert 'No subschema in "anyOf" matched.' in answer.json()["message"]
    neither = caller.call("PUT", PROTECTION, {**MINIMAL, "required_status_checks": {"strict": True}})
    assert neither.status_code == 422


def test_the_signature_requirement_survives_a_put(caller: Caller, acme: int) -> None:
    caller.call("PUT", PROTECTION, MINIMAL)
    caller.call("POST", f"{PROTECTION}/required_signatures")
    assert caller.call("PUT", PROTECTION, MINIMAL).json()["required_signatures"]["enabled"] is True


def test_branch_rules_list_active_rulesets_of_the_repository_and_its_organisation(
    github_double: GitHubDouble, caller: Caller, acme: int
) -> None:
    github_double.add_ruleset(
        "acme/widgets", "trial", [{"type": "required_linear_history"}], enforcement="evaluate"
    )
    github_double.add_ruleset(
        "acme/widgets", "org", [{"type": "required_signatures"}], include=["~ALL"], organisation=True
    )
    github_double.add_ruleset(
        "acme/widgets", "other", [{"type": "creation"}], include=["refs/heads/release/*"]
    )
    types = [
        (r["type"], r["ruleset_source_type"])
        for r in caller.call("GET", "/repos/acme/widgets/rules/branches/main").json()
    ]
    assert types == [
        ("deletion", "Repository"),
        ("non_fast_forward", "Repository"),
        ("required_signatures", "Organization"),
    ]
    assert [r["type"] for r in caller.call("GET", "/repos/acme/widgets/rules/branches/feature").json()] == [
        "required_signatures"
    ]


def test_a_merge_commit_is_associated_with_its_merged_pull_request(
    github_double: GitHubDouble, caller: Caller, acme: int
) -> None:
    merged = github_double.merge_pull("acme/widgets", 1)
    [pull] = caller.call("GET", f"/repos/acme/widgets/commits/{merged}/pulls").json()
    assert (pull["number"], pull["merge_commit_sha"], pull["base"]["ref"]) == (1, merged, "main")
    assert pull["merged_at"] is not None
    assert "merged" not in pull


def test_commit_verification_follows_the_signature(
    github_double: GitHubDouble, caller: Caller, acme: int
) -> None:
    sha = github_double.head("acme/widgets")
    assert (
        caller.call("GET", f"/repos/acme/widgets/git/commits/{sha}").json()["verification"]["verified"]
        is False
    )
    github_double.sign(sha)
    verification = caller.call("GET", f"/repos/acme/widgets/git/commits/{sha}").json()["verification"]
    assert (verification["verified"], verification["reason"]) == (True, "valid")


def test_protection_webhooks_come_from_the_double_state_and_name_bot_senders(
    github_double: GitHubDouble, acme: int
) -> None:
    payload = webhooks.branch_protection_rule(
        github_double, "acme/widgets", "main", "edited", sender=webhooks.app_bot(github_double)
    )
    assert payload["sender"]["type"] == "Bot"
    assert payload["sender"]["login"] == "pipeline-guard[bot]"
    assert payload["rule"]["required_approving_review_count"] == 1
    assert payload["rule"]["allow_force_pushes_enforcement_level"] == "off"


def test_the_new_deliveries_parse_into_the_guards_typed_events(
    github_double: GitHubDouble, acme: int
) -> None:
    org_ruleset = github_double.add_ruleset("acme/widgets", "org", [{"type": "deletion"}], organisation=True)
    rule = parse_event(
        "branch_protection_rule",
        webhooks.branch_protection_rule(github_double, "acme/widgets", "main", "deleted"),
    )
    assert isinstance(rule, BranchProtectionRuleEvent)
    assert (rule.rule.name, rule.repository and rule.repository.full_name) == ("main", "acme/widgets")
    ruleset = parse_event(
        "repository_ruleset",
        webhooks.repository_ruleset(github_double, "acme/widgets", org_ruleset.id, "deleted"),
    )
    assert isinstance(ruleset, RepositoryRulesetEvent)
    assert (ruleset.repository, ruleset.ruleset.source_type) == (None, "Organization")
    renamed = parse_event(
        "repository",
        webhooks.repository(
            github_double, "acme/widgets", "edited", changes={"default_branch": {"from": "master"}}
        ),
    )
    assert isinstance(renamed, RepositoryEvent)
    assert renamed.previous_default_branch == "master"
    installed = parse_event("installation", webhooks.installation(github_double, acme))
    assert isinstance(installed, InstallationEvent)
    assert [r.full_name for r in installed.repositories] == ["acme/widgets"]
    added = parse_event(
        "installation_repositories", webhooks.installation_repositories(github_double, acme, ["acme/widgets"])
    )
    assert isinstance(added, InstallationRepositoriesEvent)
    configuration = parse_event(
        "branch_protection_configuration",
        webhooks.branch_protection_configuration(github_double, "acme/widgets", "disabled"),
    )
    assert configuration.repository is not None
