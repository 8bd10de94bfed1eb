"""The restoring write: one complete PUT body GitHub accepts, which changes only what the guard manages."""

from __future__ import annotations

from policies.branch_protection.body import restoring_write
from policies.branch_protection.model import Check, Protection, declared, from_classic
from policies.branch_protection.settings import Semantics
from tests.github_double.schema import validate_request
from tests.policies.branch_protection.test_model import recorded_protection, rule

UPDATE = "repos/update-branch-protection"


def test_floor_raises_what_is_weaker_and_keeps_everything_else_in_githubs_write_shape() -> None:
    current = recorded_protection()
    wanted = declared([rule(required_approvals=2, linear_history=True)], 99)
    write = restoring_write(current, wanted, from_classic(current), Semantics.FLOOR)
    validate_request(UPDATE, write.body)
    assert write.body == {
        "required_status_checks": {
            "strict": True,
            "checks": [
                {"context": "Pipeline Guard / review", "app_id": 99},
                {"context": "foo/bar", "app_id": -1},
            ],
        },
        "enforce_admins": True,
        "required_pull_request_reviews": {
            "dismiss_stale_reviews": True,
            "require_code_owner_reviews": False,
            "required_approving_review_count": 2,
            "require_last_push_approval": True,
            "dismissal_restrictions": {"users": ["octokit-fixture-user-a"], "teams": [], "apps": []},
        },
        "restrictions": {"users": ["octokit-fixture-user-a"], "teams": ["a-team"], "apps": []},
        "required_linear_history": True,
        "allow_force_pushes": False,
        "allow_deletions": False,
        "required_conversation_resolution": False,
        "block_creations": False,
        "lock_branch": False,
        "allow_fork_syncing": False,
    }
    assert write.signatures is None


def test_exact_sets_the_declared_values_even_where_protection_was_stricter() -> None:
    current = recorded_protection()
    wanted = declared([rule(require_guard_check=False, dismiss_stale_reviews=False)], None)
    write = restoring_write(current, wanted, from_classic(current), Semantics.EXACT)
    validate_request(UPDATE, write.body)
    assert write.body["required_status_checks"] is None
    assert write.body["enforce_admins"] is False
    assert write.body["required_pull_request_reviews"]["dismiss_stale_reviews"] is False
    assert write.body["restrictions"] == {
        "users": ["octokit-fixture-user-a"],
        "teams": ["a-team"],
        "apps": [],
    }


def test_protection_written_from_nothing_is_a_valid_complete_body() -> None:
    wanted = declared([rule(signed_commits=True)], 99)
    write = restoring_write(None, wanted, Protection(), Semantics.FLOOR)
    validate_request(UPDATE, write.body)
    assert write.body["restrictions"] is None
    assert write.signatures is True


def test_signatures_a_ruleset_already_requires_are_not_written_again() -> None:
    wanted = declared([rule(signed_commits=True)], 99)
    write = restoring_write(None, wanted, Protection(signed_commits=True), Semantics.FLOOR)
    assert write.signatures is None


def test_a_declared_pin_replaces_an_unpinned_check_of_the_same_name() -> None:
    current = {
        "required_status_checks": {
            "strict": False,
            "contexts": ["ci"],
            "checks": [{"context": "ci", "app_id": None}],
        }
    }
    wanted = Protection(required_status_checks=(Check("ci", 15368),))
    write = restoring_write(current, wanted, from_classic(current), Semantics.FLOOR)
    assert write.body["required_status_checks"]["checks"] == [{"context": "ci", "app_id": 15368}]
