"""Branch protection in one normal form, whatever it came from: declared rules, classic protection, rulesets.

GitHub describes protection in several shapes: the classic rule's read shape (``{"enabled": ...}``
wrappers, ``contexts`` beside ``checks``), its write shape, and ruleset rules. ``Protection`` is what the
policy compares; ``combine`` gives what GitHub enforces when several sources govern one branch (the most
restrictive value of each setting wins).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, fields, replace
from typing import Any

from policies.branch_protection.settings import GUARD_CHECK, BranchRule


@dataclass(frozen=True, order=True)
class Check:
    """A required status check; ``app_id`` None means any app or user may report it."""

    context: str
    app_id: int | None = None

    def satisfies(self, wanted: Check) -> bool:
        """Whether this required check gives what ``wanted`` asks (same name, and the app when pinned)."""
        return self.context == wanted.context and (wanted.app_id is None or self.app_id == wanted.app_id)

    def describe(self) -> str:
        source = f"from App {self.app_id}" if self.app_id is not None else "from any app"
        return f"`{self.context}` {source}"


@dataclass(frozen=True)
class Protection:
    """One branch's protection; the field names are the ``guard.yml`` keys. The defaults are no protection."""

    require_pull_request: bool = False
    required_approvals: int = 0
    dismiss_stale_reviews: bool = False
    require_code_owner_reviews: bool = False
    require_last_push_approval: bool = False
    required_status_checks: tuple[Check, ...] = ()
    strict: bool = False
    enforce_admins: bool = False
    linear_history: bool = False
    signed_commits: bool = False
    conversation_resolution: bool = False
    allow_force_pushes: bool = True
    allow_deletions: bool = True

    def to_json(self) -> dict[str, Any]:
        data = {f.name: getattr(self, f.name) for f in fields(self)}
        data["required_status_checks"] = [[c.context, c.app_id] for c in self.required_status_checks]
        return data

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Protection:
        checks = tuple(Check(context, app_id) for context, app_id in data["required_status_checks"])
        return cls(**{**data, "required_status_checks": checks})


UNPROTECTED = Protection()
# Settings where ``True`` is the weaker value.
PERMISSIONS = frozenset({"allow_force_pushes", "allow_deletions"})
REVIEW_SETTINGS = (
    "required_approvals",
    "dismiss_stale_reviews",
    "require_code_owner_reviews",
    "require_last_push_approval",
)


def combine(*found: Protection) -> Protection:
    """What GitHub enforces when several sources govern a branch: each setting at its strictest."""
    result = UNPROTECTED
    for protection in found:
        values: dict[str, Any] = {}
        for f in fields(Protection):
            mine, theirs = getattr(result, f.name), getattr(protection, f.name)
            if f.name == "required_status_checks":
                values[f.name] = _union(mine, theirs)
            elif f.name in PERMISSIONS:
                values[f.name] = mine and theirs
            elif f.name == "required_approvals":
                values[f.name] = max(mine, theirs)
            else:
                values[f.name] = mine or theirs
        result = Protection(**values)
    return result


def _union(first: Iterable[Check], second: Iterable[Check]) -> tuple[Check, ...]:
    return tuple(sorted(set(first) | set(second), key=lambda c: (c.context, c.app_id or 0)))


def declared(rules: Sequence[BranchRule], guard_app_id: int | None) -> Protection:
    """The protection a branch must have: every matching rule, combined at its strictest."""
    return combine(*(_from_rule(rule, guard_app_id) for rule in rules))


def _from_rule(rule: BranchRule, guard_app_id: int | None) -> Protection:
    checks = [Check(c.context, c.app_id) for c in rule.required_status_checks]
    if rule.require_guard_check and not any(c.context == GUARD_CHECK for c in checks):
        checks.append(Check(GUARD_CHECK, guard_app_id))
    found = Protection(
        require_pull_request=rule.require_pull_request,
        required_approvals=rule.required_approvals,
        dismiss_stale_reviews=rule.dismiss_stale_reviews,
        require_code_owner_reviews=rule.require_code_owner_reviews,
        require_last_push_approval=rule.require_last_push_approval,
        required_status_checks=_union(checks, ()),
        strict=rule.strict,
        enforce_admins=rule.enforce_admins,
        linear_history=rule.linear_history,
        signed_commits=rule.signed_commits,
        conversation_resolution=rule.conversation_resolution,
        allow_force_pushes=rule.allow_force_pushes,
        allow_deletions=rule.allow_deletions,
    )
    return found if found.require_pull_request else _without_reviews(found)


def _without_reviews(found: Protection) -> Protection:
    """Review settings mean nothing without required pull requests."""
    return replace(
        found,
        required_approvals=0,
        dismiss_stale_reviews=False,
        require_code_owner_reviews=False,
        require_last_push_approval=False,
    )


def _enabled(data: Mapping[str, Any], key: str) -> bool:
    value = data.get(key)
    return bool(value.get("enabled")) if isinstance(value, Mapping) else bool(value)


def from_classic(data: Mapping[str, Any] | None) -> Protection:
    """A classic protection in GitHub's read shape (``GET .../branches/{branch}/protection``); None: none."""
    if data is None:
        return UNPROTECTED
    reviews = data.get("required_pull_request_reviews")
    status = data.get("required_status_checks")
    found = Protection(
        require_pull_request=reviews is not None,
        required_status_checks=_classic_checks(status),
        strict=bool(status and status.get("strict")),
        enforce_admins=_enabled(data, "enforce_admins"),
        linear_history=_enabled(data, "required_linear_history"),
        signed_commits=_enabled(data, "required_signatures"),
        conversation_resolution=_enabled(data, "required_conversation_resolution"),
        allow_force_pushes=_enabled(data, "allow_force_pushes"),
        allow_deletions=_enabled(data, "allow_deletions"),
    )
    if reviews is None:
        return found
    return replace(
        found,
        required_approvals=int(reviews.get("required_approving_review_count") or 0),
        dismiss_stale_reviews=bool(reviews.get("dismiss_stale_reviews")),
        require_code_owner_reviews=bool(reviews.get("require_code_owner_reviews")),
        require_last_push_approval=bool(reviews.get("require_last_push_approval")),
    )


def _classic_checks(status: Mapping[str, Any] | None) -> tuple[Check, ...]:
    """``checks`` when GitHub lists them (``app_id`` null or -1: any app), else the older ``contexts``."""
    if not status:
        return ()
    if status.get("checks") is not None:
        listed = [Check(c["context"], _pinned(c.get("app_id"))) for c in status["checks"]]
    else:
        listed = [Check(context) for context in status.get("contexts") or ()]
    return _union(listed, ())


def _pinned(app_id: Any) -> int | None:
    return app_id if isinstance(app_id, int) and app_id > 0 else None


def from_rules(
    rules: Iterable[Mapping[str, Any]], binding_admins: frozenset[int] = frozenset()
) -> Protection:
    """The protection active ruleset rules give (``GET .../rules/branches/{branch}``).

    ``binding_admins`` holds the ids of rulesets nobody may bypass: their pull request rule binds
    administrators too, so it counts towards ``enforce_admins``.
    """
    return combine(*(_from_ruleset_rule(rule, binding_admins) for rule in rules))


def _from_ruleset_rule(rule: Mapping[str, Any], binding_admins: frozenset[int]) -> Protection:
    kind, parameters = rule.get("type"), rule.get("parameters") or {}
    found = _RULE_READERS.get(str(kind), _nothing)(parameters)
    if kind == "pull_request" and rule.get("ruleset_id") in binding_admins:
        found = replace(found, enforce_admins=True)
    return found


def _nothing(_: Mapping[str, Any]) -> Protection:
    return UNPROTECTED


def _pull_request_rule(p: Mapping[str, Any]) -> Protection:
    return Protection(
        require_pull_request=True,
        required_approvals=int(p.get("required_approving_review_count") or 0),
        dismiss_stale_reviews=bool(p.get("dismiss_stale_reviews_on_push")),
        require_code_owner_reviews=bool(p.get("require_code_owner_review")),
        require_last_push_approval=bool(p.get("require_last_push_approval")),
        conversation_resolution=bool(p.get("required_review_thread_resolution")),
    )


def _status_checks_rule(p: Mapping[str, Any]) -> Protection:
    configured = p.get("required_status_checks") or ()
    listed = [Check(c["context"], _pinned(c.get("integration_id"))) for c in configured]
    return Protection(
        required_status_checks=_union(listed, ()),
        strict=bool(p.get("strict_required_status_checks_policy")),
    )


def _fixed(found: Protection) -> Callable[[Mapping[str, Any]], Protection]:
    """A reader for a rule without parameters."""
    return lambda _: found


_RULE_READERS: dict[str, Callable[[Mapping[str, Any]], Protection]] = {
    "pull_request": _pull_request_rule,
    "required_status_checks": _status_checks_rule,
    "non_fast_forward": _fixed(Protection(allow_force_pushes=False)),
    "deletion": _fixed(Protection(allow_deletions=False)),
    "required_linear_history": _fixed(Protection(linear_history=True)),
    "required_signatures": _fixed(Protection(signed_commits=True)),
}
