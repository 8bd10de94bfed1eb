"""Branch protection rule and repository ruleset events.

Both payloads are incomplete (no bypass allowances, no bypass-actor diff), so policies should
re-read the protection from the API and use these only as the trigger and for the alert text.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

from guard.events.common import (
    Actor,
    Event,
    Repository,
    envelope,
    previous_text,
    previous_values,
    read_actor,
    read_repository,
)
from guard.events.payload import Json, Node


@dataclass(frozen=True, slots=True, kw_only=True)
class BranchProtectionRule:
    """A classic protection rule; ``name`` is the branch pattern. Levels are ``off``, ``non_admins``
    or ``everyone``; ``None`` means the payload does not say."""

    id: int
    repository_id: int
    name: str
    admin_enforced: bool | None
    pull_request_reviews_enforcement_level: str | None
    required_approving_review_count: int | None
    dismiss_stale_reviews_on_push: bool | None
    require_code_owner_review: bool | None
    require_last_push_approval: bool | None
    required_status_checks: tuple[str, ...]
    required_status_checks_enforcement_level: str | None
    strict_required_status_checks_policy: bool | None
    allow_force_pushes_enforcement_level: str | None
    allow_deletions_enforcement_level: str | None
    signature_requirement_enforcement_level: str | None
    linear_history_requirement_enforcement_level: str | None
    lock_branch_enforcement_level: str | None


@dataclass(frozen=True, slots=True, kw_only=True)
class BranchProtectionRuleEvent(Event):
    """``branch_protection_rule``; ``changes`` maps each edited setting to its previous value."""

    repository: Repository
    sender: Actor
    rule: BranchProtectionRule
    changes: Mapping[str, Json]


@dataclass(frozen=True, slots=True, kw_only=True)
class BypassActor:
    """Who may bypass a ruleset: ``actor_type`` such as ``Team`` or ``Integration``, ``bypass_mode``
    ``always``, ``pull_request`` or ``exempt``."""

    actor_id: int | None
    actor_type: str
    bypass_mode: str | None


@dataclass(frozen=True, slots=True, kw_only=True)
class RulesetRule:
    """One rule of a ruleset, e.g. ``type="pull_request"`` with its parameters."""

    type: str
    parameters: Mapping[str, Json]


@dataclass(frozen=True, slots=True, kw_only=True)
class Ruleset:
    """A ruleset; ``source_type`` ``Organization`` or ``Enterprise`` means it is not the repository's own.

    ``ref_name_include``/``ref_name_exclude`` hold the ref conditions (``~DEFAULT_BRANCH``, ``~ALL``,
    fnmatch patterns); ``conditions`` keeps every condition as sent.
    """

    id: int
    name: str
    target: str | None
    source_type: str | None
    source: str
    enforcement: str
    bypass_actors: tuple[BypassActor, ...]
    ref_name_include: tuple[str, ...]
    ref_name_exclude: tuple[str, ...]
    conditions: Json
    rules: tuple[RulesetRule, ...]


@dataclass(frozen=True, slots=True, kw_only=True)
class RulesetChanges:
    """What an ``edited`` ruleset changed; empty for other actions. Bypass actor edits are not reported."""

    previous_name: str | None
    previous_enforcement: str | None
    rules_added: tuple[RulesetRule, ...]
    rules_deleted: tuple[RulesetRule, ...]
    rules_updated: tuple[RulesetRule, ...]
    conditions_changed: bool


@dataclass(frozen=True, slots=True, kw_only=True)
class RepositoryRulesetEvent(Event):
    """``repository_ruleset``: ``created``, ``edited`` or ``deleted``; no ``repository`` for org rulesets."""

    sender: Actor
    ruleset: Ruleset
    changes: RulesetChanges


def read_rule(node: Node) -> BranchProtectionRule:
    return BranchProtectionRule(
        id=node.integer("id"),
        repository_id=node.integer("repository_id"),
        name=node.text("name"),
        admin_enforced=node.opt_flag("admin_enforced"),
        pull_request_reviews_enforcement_level=node.opt_text("pull_request_reviews_enforcement_level"),
        required_approving_review_count=node.opt_integer("required_approving_review_count"),
        dismiss_stale_reviews_on_push=node.opt_flag("dismiss_stale_reviews_on_push"),
        require_code_owner_review=node.opt_flag("require_code_owner_review"),
        require_last_push_approval=node.opt_flag("require_last_push_approval"),
        required_status_checks=node.texts("required_status_checks", required=False),
        required_status_checks_enforcement_level=node.opt_text("required_status_checks_enforcement_level"),
        strict_required_status_checks_policy=node.opt_flag("strict_required_status_checks_policy"),
        allow_force_pushes_enforcement_level=node.opt_text("allow_force_pushes_enforcement_level"),
        allow_deletions_enforcement_level=node.opt_text("allow_deletions_enforcement_level"),
        signature_requirement_enforcement_level=node.opt_text("signature_requirement_enforcement_level"),
        linear_history_requirement_enforcement_level=node.opt_text(
            "linear_history_requirement_enforcement_level"
        ),
        lock_branch_enforcement_level=node.opt_text("lock_branch_enforcement_level"),
    )


def parse_branch_protection_rule(name: str, root: Node) -> BranchProtectionRuleEvent:
    return BranchProtectionRuleEvent(
        **envelope(name, root),
        repository=root.read("repository", read_repository),
        sender=root.read("sender", read_actor),
        rule=root.read("rule", read_rule),
        changes=previous_values(root.opt_child("changes")),
    )


def read_bypass_actor(node: Node) -> BypassActor:
    return BypassActor(
        actor_id=node.opt_integer("actor_id"),
        actor_type=node.text("actor_type"),
        bypass_mode=node.opt_text("bypass_mode"),
    )


def read_ruleset_rule(node: Node) -> RulesetRule:
    parameters = node.opt_child("parameters")
    return RulesetRule(
        type=node.text("type"),
        parameters=MappingProxyType({}) if parameters is None else parameters.data,
    )


def read_ruleset(node: Node) -> Ruleset:
    conditions = node.opt_child("conditions")
    ref_name = None if conditions is None else conditions.opt_child("ref_name")
    return Ruleset(
        id=node.integer("id"),
        name=node.text("name"),
        target=node.opt_text("target"),
        source_type=node.opt_text("source_type"),
        source=node.text("source"),
        enforcement=node.text("enforcement"),
        bypass_actors=node.each("bypass_actors", read_bypass_actor, required=False),
        ref_name_include=() if ref_name is None else ref_name.texts("include", required=False),
        ref_name_exclude=() if ref_name is None else ref_name.texts("exclude", required=False),
        conditions=node.value("conditions"),
        rules=node.each("rules", read_ruleset_rule, required=False),
    )


def read_ruleset_changes(node: Node | None) -> RulesetChanges:
    previous = previous_values(node)
    rules = (None if node is None else node.opt_child("rules")) or Node(MappingProxyType({}))
    conditions = None if node is None else node.opt_child("conditions")
    return RulesetChanges(
        previous_name=previous_text(previous, "name"),
        previous_enforcement=previous_text(previous, "enforcement"),
        rules_added=rules.each("added", read_ruleset_rule, required=False),
        rules_deleted=rules.each("deleted", read_ruleset_rule, required=False),
        rules_updated=rules.each("updated", _updated_rule, required=False),
        conditions_changed=conditions is not None and any(conditions.data.values()),
    )


def _updated_rule(node: Node) -> RulesetRule:
    return node.read("rule", read_ruleset_rule)


def parse_repository_ruleset(name: str, root: Node) -> RepositoryRulesetEvent:
    return RepositoryRulesetEvent(
        **envelope(name, root),
        repository=root.opt_read("repository", read_repository),
        sender=root.read("sender", read_actor),
        ruleset=root.read("repository_ruleset", read_ruleset),
        changes=read_ruleset_changes(root.opt_child("changes")),
    )
