"""Settings of the branch-protection policy: the JSON Schema, with every key's default and meaning.

The defaults are the ``default`` values in ``SCHEMA``; ``policies.config`` layers the organisation's and the
repository's ``guard.yml`` over them and hands the policy a ``BranchProtectionSettings``.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from policies.base import Mode
from policies.patterns import MAX_ENTRIES, match_branch

GUARD_CHECK = "Pipeline Guard / review"


class Semantics(enum.StrEnum):
    """``floor`` acts only when protection is weaker than configured; ``exact`` also undoes stricter edits."""

    FLOOR = "floor"
    EXACT = "exact"


_STATUS_CHECK: dict[str, Any] = {
    "type": "object",
    "additionalProperties": False,
    "required": ["context"],
    "properties": {
        "context": {
            "type": "string",
            "minLength": 1,
            "maxLength": 255,
            "description": "Name of the check run or commit status, as shown on the pull request.",
        },
        "app_id": {
            "type": "integer",
            "minimum": 1,
            "default": None,
            "description": "ID of the GitHub App that must report the check (15368 is GitHub Actions). "
            "Unset, any app or user with write access can satisfy the check by "
            "posting a status of that name, so pin every check you can.",
        },
    },
}

_RULE: dict[str, Any] = {
    "type": "object",
    "additionalProperties": False,
    "required": ["pattern"],
    "properties": {
        "pattern": {
            "type": "string",
            "format": "branch-pattern",
            "maxLength": 255,
            "description": "Branches this rule protects: `~default` (the default branch, following renames), "
            "an exact name such as `main`, or an fnmatch pattern such as `release/*`.",
        },
        "require_pull_request": {
            "type": "boolean",
            "default": True,
            "description": "Changes must arrive through a pull request. A push whose new head is not the "
            "merge commit of a pull request merged into the branch (merge queues included) raises a high "
            "alert, critical when it changes pipeline files.",
        },
        "required_approvals": {
            "type": "integer",
            "minimum": 0,
            "maximum": 6,
            "default": 1,
            "description": "Approving reviews a pull request needs before it can merge (GitHub allows 0-6).",
        },
        "dismiss_stale_reviews": {
            "type": "boolean",
            "default": True,
            "description": "New commits dismiss earlier approvals.",
        },
        "require_code_owner_reviews": {
            "type": "boolean",
            "default": False,
            "description": "Changes to files with a CODEOWNERS entry need an approval from an owner.",
        },
        "require_last_push_approval": {
            "type": "boolean",
            "default": True,
            "description": "Someone other than the person who pushed last must approve.",
        },
        "required_status_checks": {
            "type": "array",
            "x-merge": "keyed",
            "x-key": "context",
            "x-items": "checks",
            "default": [],
            "maxItems": MAX_ENTRIES,
            "items": _STATUS_CHECK,
            "description": "Checks that must pass before merging, each `{context, app_id}`.",
        },
        "require_guard_check": {
            "type": "boolean",
            "default": True,
            "description": f"The guard's own `{GUARD_CHECK}` check is required, pinned to the guard's App.",
        },
        "strict": {
            "type": "boolean",
            "default": False,
            "description": "Branches must be up to date with the base branch before merging.",
        },
        "enforce_admins": {
            "type": "boolean",
            "default": False,
            "description": "The rules bind repository administrators too; unset, admins can bypass them.",
        },
        "linear_history": {
            "type": "boolean",
            "default": False,
            "description": "Merge commits are refused; history stays linear.",
        },
        "signed_commits": {
            "type": "boolean",
            "default": False,
            "description": "Every commit must carry a verified signature; unsigned commits that still land "
            "raise an alert.",
        },
        "conversation_resolution": {
            "type": "boolean",
            "default": False,
            "description": "All review conversations must be resolved before merging.",
        },
        "allow_force_pushes": {
            "type": "boolean",
            "default": False,
            "description": "Force pushes are permitted (they rewrite history; leave off). When they are not, "
            "a force push raises a critical alert and the overwritten commit is kept in branch "
            "`guard/backup/<branch>/<first 12 of its sha>`.",
        },
        "allow_deletions": {
            "type": "boolean",
            "default": False,
            "description": "The branch may be deleted.",
        },
    },
}

SCHEMA: dict[str, Any] = {
    "type": "object",
    "additionalProperties": False,
    "description": "Keeps protected branches protected: reports (observe) or restores (enforce) weakened "
    "protection, and reports direct and force pushes.",
    "properties": {
        "mode": {
            "type": "string",
            "enum": [m.value for m in Mode],
            "default": Mode.OBSERVE.value,
            "description": "`off` does nothing, `observe` reports weakened protection and pushes that bypass "
            "it, `enforce` also restores the declared protection and recreates deleted protected branches. "
            "Either way a force push's overwritten commit is kept in a `guard/backup/...` branch.",
        },
        "semantics": {
            "type": "string",
            "enum": [s.value for s in Semantics],
            "default": Semantics.FLOOR.value,
            "description": "`floor`: act only when live protection is weaker than configured; `exact`: also "
            "undo settings that are stricter than configured.",
        },
        "branches": {
            "type": "array",
            "x-merge": "keyed",
            "x-key": "pattern",
            "x-items": "rules",
            "items": _RULE,
            "maxItems": MAX_ENTRIES,
            "default": [{"pattern": "~default"}],
            "description": "Protection rules, one per branch pattern. Rules add up across levels; a level "
            "that names an existing pattern changes only the keys it sets.",
        },
    },
}


@dataclass(frozen=True)
class StatusCheck:
    context: str
    app_id: int | None


@dataclass(frozen=True)
class BranchRule:
    """The protection one branch pattern must have."""

    pattern: str
    require_pull_request: bool
    required_approvals: int
    dismiss_stale_reviews: bool
    require_code_owner_reviews: bool
    require_last_push_approval: bool
    required_status_checks: tuple[StatusCheck, ...]
    require_guard_check: bool
    strict: bool
    enforce_admins: bool
    linear_history: bool
    signed_commits: bool
    conversation_resolution: bool
    allow_force_pushes: bool
    allow_deletions: bool

    def matches(self, branch: str, default_branch: str) -> bool:
        return match_branch(self.pattern, branch, default_branch)


@dataclass(frozen=True)
class BranchProtectionSettings:
    mode: Mode
    semantics: Semantics
    branches: tuple[BranchRule, ...]

    def rules_for(self, branch: str, default_branch: str) -> tuple[BranchRule, ...]:
        """Every rule whose pattern matches ``branch``; the policy combines them."""
        return tuple(rule for rule in self.branches if rule.matches(branch, default_branch))


def from_data(data: Mapping[str, Any]) -> BranchProtectionSettings:
    """Typed settings from merged, validated data (every key present)."""
    return BranchProtectionSettings(
        mode=Mode(data["mode"]),
        semantics=Semantics(data["semantics"]),
        branches=tuple(_rule(rule) for rule in data["branches"]),
    )


def _rule(data: Mapping[str, Any]) -> BranchRule:
    checks = tuple(StatusCheck(c["context"], c["app_id"]) for c in data["required_status_checks"])
    fields = {k: v for k, v in data.items() if k != "required_status_checks"}
    return BranchRule(required_status_checks=checks, **fields)
