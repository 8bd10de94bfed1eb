"""Protection normalised from GitHub's shapes, combined at its strictest, compared with the declaration."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from policies.branch_protection.compare import Difference, stricter, weaker
from policies.branch_protection.model import (
    UNPROTECTED,
    Check,
    Protection,
    combine,
    declared,
    from_classic,
    from_rules,
)
from policies.branch_protection.settings import GUARD_CHECK, BranchRule, StatusCheck

RECORDED = Path(__file__).resolve().parents[2] / "data" / "github" / "recorded" / "branch-protection.json"


def recorded_protection() -> dict[str, Any]:
    """The read shape api.github.com answered to a PUT with checks, reviews, restrictions and admins."""
    exchanges = json.loads(RECORDED.read_text(encoding="utf-8"))
    answer: dict[str, Any] = exchanges[2]["response"]
    return answer


def rule(**overrides: Any) -> BranchRule:
    values: dict[str, Any] = {
        "pattern": "~default",
        "require_pull_request": True,
        "required_approvals": 1,
        "dismiss_stale_reviews": True,
        "require_code_owner_reviews": False,
        "require_last_push_approval": True,
        "required_status_checks": (),
        "require_guard_check": True,
        "strict": False,
        "enforce_admins": False,
        "linear_history": False,
        "signed_commits": False,
        "conversation_resolution": False,
        "allow_force_pushes": False,
        "allow_deletions": False,
    }
    return BranchRule(**(values | overrides))


def test_githubs_read_shape_of_classic_protection_is_understood() -> None:
    found = from_classic(recorded_protection())
    assert found == Protection(
        require_pull_request=True,
        required_approvals=1,
        dismiss_stale_reviews=True,
        required_status_checks=(Check("foo/bar"),),
        strict=True,
        enforce_admins=True,
        allow_force_pushes=False,
        allow_deletions=False,
    )


def test_no_classic_protection_is_no_protection_at_all() -> None:
    assert from_classic(None) == UNPROTECTED
    assert UNPROTECTED.allow_force_pushes
    assert UNPROTECTED.allow_deletions


def test_ruleset_rules_give_the_protection_they_describe() -> None:
    rules = [
        {
            "type": "pull_request",
            "ruleset_id": 7,
            "parameters": {
                "required_approving_review_count": 2,
                "dismiss_stale_reviews_on_push": True,
                "require_code_owner_review": True,
                "require_last_push_approval": False,
                "required_review_thread_resolution": True,
            },
        },
        {
            "type": "required_status_checks",
            "ruleset_id": 8,
            "parameters": {
                "strict_required_status_checks_policy": True,
                "required_status_checks": [{"context": "ci", "integration_id": 15368}, {"context": "lint"}],
            },
        },
        {"type": "non_fast_forward", "ruleset_id": 8},
        {"type": "deletion", "ruleset_id": 8},
        {"type": "required_signatures", "ruleset_id": 8},
        {"type": "creation", "ruleset_id": 8},
    ]
    found = from_rules(rules)
    assert found == Protection(
        require_pull_request=True,
        required_approvals=2,
        dismiss_stale_reviews=True,
        require_code_owner_reviews=True,
        conversation_resolution=True,
        required_status_checks=(Check("ci", 15368), Check("lint")),
        strict=True,
        signed_commits=True,
        allow_force_pushes=False,
        allow_deletions=False,
    )
    assert not found.enforce_admins
    assert from_rules(rules, binding_admins=frozenset({7})).enforce_admins
    assert not from_rules(rules, binding_admins=frozenset({8})).enforce_admins


def test_sources_combine_at_their_strictest() -> None:
    classic = Protection(require_pull_request=True, required_approvals=1, allow_force_pushes=False)
    ruleset = Protection(required_approvals=3, allow_deletions=False, required_status_checks=(Check("ci"),))
    assert combine(classic, ruleset) == Protection(
        require_pull_request=True,
        required_approvals=3,
        required_status_checks=(Check("ci"),),
        allow_force_pushes=False,
        allow_deletions=False,
    )


def test_the_guards_own_check_is_declared_pinned_to_its_app() -> None:
    found = declared([rule()], guard_app_id=99)
    assert found.required_status_checks == (Check(GUARD_CHECK, 99),)
    assert declared([rule(require_guard_check=False)], 99).required_status_checks == ()


def test_several_matching_rules_add_up() -> None:
    found = declared(
        [rule(required_approvals=2), rule(pattern="main", signed_commits=True, allow_force_pushes=True)], None
    )
    assert (found.required_approvals, found.signed_commits, found.allow_force_pushes) == (2, True, False)


def test_without_required_pull_requests_review_settings_mean_nothing() -> None:
    found = declared([rule(require_pull_request=False, required_approvals=3)], None)
    assert (found.require_pull_request, found.required_approvals, found.dismiss_stale_reviews) == (
        False,
        0,
        False,
    )


def test_weaker_lists_what_protection_lacks_and_stricter_what_it_adds() -> None:
    wanted = declared([rule(required_approvals=2)], 99)
    live = Protection(
        require_pull_request=True,
        required_approvals=3,
        dismiss_stale_reviews=True,
        require_last_push_approval=True,
        required_status_checks=(Check(GUARD_CHECK), Check("extra")),
        allow_force_pushes=True,
        allow_deletions=False,
    )
    assert weaker(wanted, live) == (
        Difference("allow_force_pushes", "false", "true", weaker=True),
        Difference(
            "required_status_checks", f"`{GUARD_CHECK}` from App 99", f"`{GUARD_CHECK}` from any app", True
        ),
    )
    assert stricter(wanted, live) == (
        Difference("required_approvals", "2", "3", weaker=False),
        Difference("required_status_checks", "not required", "`extra` from any app", weaker=False),
    )


def test_a_check_from_any_app_does_not_satisfy_one_pinned_to_an_app() -> None:
    assert not Check("ci").satisfies(Check("ci", 15368))
    assert Check("ci", 15368).satisfies(Check("ci"))
    assert declared(
        [rule(required_status_checks=(StatusCheck("ci", 15368),))], None
    ).required_status_checks == (
        Check(GUARD_CHECK),
        Check("ci", 15368),
    )


def test_protection_survives_its_json_form() -> None:
    found = from_classic(recorded_protection())
    assert Protection.from_json(json.loads(json.dumps(found.to_json()))) == found
