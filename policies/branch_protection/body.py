"""The one write that restores protection: a complete PUT body, merged from what is there and what is wanted.

A PUT of classic protection replaces all of it, and omitted optional settings reset to ``false``; a body
built from the declared settings alone would silently drop push restrictions, bypass allowances, dismissal
restrictions, branch locks and any setting the guard does not manage. So the body starts from the
protection as read (converted from GitHub's read shape to its write shape) and changes only what the
guard manages: raised where weaker (``floor``) or set to the declared value (``exact``). The signature
requirement has an endpoint of its own and travels separately.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from policies.branch_protection.model import Check, Protection, combine, from_classic
from policies.branch_protection.settings import Semantics

ANY_APP = -1  # GitHub's app_id for "any source may report this check"
_KEPT_FLAGS = ("block_creations", "lock_branch", "allow_fork_syncing")


@dataclass(frozen=True)
class Write:
    """A full PUT body; ``signatures`` True or False to change the signature requirement, None to leave it."""

    body: Mapping[str, Any]
    signatures: bool | None


def _names(listed: Any, key: str) -> list[str]:
    return [str(item[key]) for item in listed or () if isinstance(item, Mapping) and key in item]


def _actors(read: Mapping[str, Any] | None) -> dict[str, list[str]] | None:
    """Users, teams and apps from the read shape (objects) to the write shape (logins and slugs)."""
    if read is None:
        return None
    return {
        "users": _names(read.get("users"), "login"),
        "teams": _names(read.get("teams"), "slug"),
        "apps": _names(read.get("apps"), "slug"),
    }


def _checks(current: Protection, declared: Protection, semantics: Semantics) -> list[Check]:
    """Declared checks, and under ``floor`` the existing ones too; a pinned app beats "any app"."""
    chosen: dict[str, Check] = (
        {c.context: c for c in current.required_status_checks} if semantics is Semantics.FLOOR else {}
    )
    for wanted in declared.required_status_checks:
        existing = chosen.get(wanted.context)
        if existing is None or wanted.app_id is not None or semantics is Semantics.EXACT:
            chosen[wanted.context] = wanted
    return sorted(chosen.values())


def _status_body(checks: list[Check], strict: bool) -> dict[str, Any] | None:
    if not checks and not strict:
        return None
    listed = [{"context": c.context, "app_id": c.app_id if c.app_id is not None else ANY_APP} for c in checks]
    return {"strict": strict, "checks": listed}


def _reviews_body(target: Protection, read: Mapping[str, Any] | None) -> dict[str, Any] | None:
    if not target.require_pull_request:
        return None
    body: dict[str, Any] = {
        "dismiss_stale_reviews": target.dismiss_stale_reviews,
        "require_code_owner_reviews": target.require_code_owner_reviews,
        "required_approving_review_count": target.required_approvals,
        "require_last_push_approval": target.require_last_push_approval,
    }
    for key in ("dismissal_restrictions", "bypass_pull_request_allowances"):
        kept = _actors((read or {}).get(key))
        if kept is not None:
            body[key] = kept
    return body


def _enabled(read: Mapping[str, Any], key: str) -> bool:
    value = read.get(key)
    return bool(value.get("enabled")) if isinstance(value, Mapping) else False


def restoring_write(
    current: Mapping[str, Any] | None, declared: Protection, effective: Protection, semantics: Semantics
) -> Write:
    """The write that makes classic protection (read shape ``current``, None if absent) what is declared."""
    read = current or {}
    classic = from_classic(current)
    target = combine(classic, declared) if semantics is Semantics.FLOOR else declared
    body: dict[str, Any] = {
        "required_status_checks": _status_body(_checks(classic, declared, semantics), target.strict),
        "enforce_admins": target.enforce_admins,
        "required_pull_request_reviews": _reviews_body(target, read.get("required_pull_request_reviews")),
        "restrictions": _actors(read.get("restrictions")),
        "required_linear_history": target.linear_history,
        "allow_force_pushes": target.allow_force_pushes,
        "allow_deletions": target.allow_deletions,
        "required_conversation_resolution": target.conversation_resolution,
    }
    body.update({key: _enabled(read, key) for key in _KEPT_FLAGS})
    if semantics is Semantics.FLOOR:
        signatures = True if declared.signed_commits and not effective.signed_commits else None
    else:
        signatures = declared.signed_commits if declared.signed_commits != classic.signed_commits else None
    return Write(body, signatures)
