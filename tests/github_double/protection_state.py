"""Branch protection and rulesets as the double stores them, and GitHub's rules for reading a PUT body.

A classic protection is kept in one normalised form; ``protection_shapes`` renders GitHub's read shape
from it (``{"enabled": ...}`` wrappers, user and team objects), which differs from the write shape a PUT
takes (plain booleans, logins and slugs). Omitted optional booleans of a PUT reset to ``false``, as GitHub
documents, and a PUT leaves the separately managed signature requirement alone.
"""

from __future__ import annotations

import fnmatch
import json
from dataclasses import dataclass, field
from typing import Any

BOTH_OR_NEITHER = (
    'Invalid request.\n\nNo subschema in "anyOf" matched.\nMore than one subschema in "oneOf" matched.\n'
    "Not all subschemas of \"allOf\" matched.\nFor 'anyOf/1', {value} is not a null."
)


@dataclass
class Actors:
    """Users (logins), teams (slugs) and apps (slugs) named by a restriction or an allowance."""

    users: list[str] = field(default_factory=list)
    teams: list[str] = field(default_factory=list)
    apps: list[str] = field(default_factory=list)

    @classmethod
    def from_body(cls, body: dict[str, Any] | None) -> Actors | None:
        if body is None:
            return None
        return cls(list(body.get("users", [])), list(body.get("teams", [])), list(body.get("apps", [])))


@dataclass
class Reviews:
    """Required pull request reviews."""

    approvals: int
    dismiss_stale: bool
    code_owners: bool
    last_push: bool
    dismissal: Actors | None
    bypass: Actors | None


@dataclass
class ClassicProtection:
    """One branch's classic protection; ``checks`` None means status checks are not required."""

    checks: list[tuple[str, int | None]] | None
    strict: bool
    enforce_admins: bool
    reviews: Reviews | None
    restrictions: Actors | None
    linear_history: bool = False
    allow_force_pushes: bool = False
    allow_deletions: bool = False
    block_creations: bool = False
    conversation_resolution: bool = False
    lock_branch: bool = False
    allow_fork_syncing: bool = False
    signatures: bool = False


@dataclass
class Ruleset:
    """A ruleset of a repository (``repo_id``) or of an organisation (``repo_id`` None, ``owner_id``)."""

    id: int
    owner_id: int
    repo_id: int | None
    name: str
    source: str
    enforcement: str
    include: list[str]
    exclude: list[str]
    rules: list[dict[str, Any]]
    bypass_actors: list[dict[str, Any]]

    @property
    def source_type(self) -> str:
        return "Repository" if self.repo_id is not None else "Organization"

    def applies_to(self, repo_id: int, owner_id: int, branch: str, default_branch: str) -> bool:
        """Whether this active ruleset governs ``branch`` of the repository."""
        mine = self.repo_id == repo_id if self.repo_id is not None else self.owner_id == owner_id
        if not mine or self.enforcement != "active":
            return False
        ref = f"refs/heads/{branch}"

        def hit(pattern: str) -> bool:
            if pattern == "~ALL":
                return True
            if pattern == "~DEFAULT_BRANCH":
                return branch == default_branch
            return fnmatch.fnmatchcase(ref, pattern)

        return any(map(hit, self.include)) and not any(map(hit, self.exclude))


def protection_from_body(body: dict[str, Any], previous: ClassicProtection | None) -> ClassicProtection:
    """The protection a valid PUT body sets; raises ValueError for GitHub's "exactly one of" rule."""
    status = body["required_status_checks"]
    checks: list[tuple[str, int | None]] | None = None
    if status is not None:
        if ("contexts" in status) == ("checks" in status):
            raise ValueError(BOTH_OR_NEITHER.format(value=json.dumps(status)))
        if "checks" in status:
            checks = [(c["context"], _app(c.get("app_id"))) for c in status["checks"]]
        else:
            checks = [(context, None) for context in status["contexts"]]
    return ClassicProtection(
        checks=checks,
        strict=bool(status and status.get("strict")),
        enforce_admins=bool(body["enforce_admins"]),
        reviews=_reviews(body["required_pull_request_reviews"]),
        restrictions=Actors.from_body(body["restrictions"]),
        linear_history=bool(body.get("required_linear_history")),
        allow_force_pushes=bool(body.get("allow_force_pushes")),
        allow_deletions=bool(body.get("allow_deletions")),
        block_creations=bool(body.get("block_creations")),
        conversation_resolution=bool(body.get("required_conversation_resolution")),
        lock_branch=bool(body.get("lock_branch")),
        allow_fork_syncing=bool(body.get("allow_fork_syncing")),
        signatures=previous.signatures if previous else False,
    )


def _app(app_id: int | None) -> int | None:
    """``-1`` (any app) and an omitted app are both stored as "any source"."""
    return None if app_id is None or app_id < 0 else app_id


def _reviews(body: dict[str, Any] | None) -> Reviews | None:
    if body is None:
        return None
    dismissal = body.get("dismissal_restrictions")
    return Reviews(
        approvals=int(body.get("required_approving_review_count", 1)),
        dismiss_stale=bool(body.get("dismiss_stale_reviews")),
        code_owners=bool(body.get("require_code_owner_reviews")),
        last_push=bool(body.get("require_last_push_approval")),
        dismissal=Actors.from_body(dismissal) if dismissal else None,
        bypass=Actors.from_body(body.get("bypass_pull_request_allowances")),
    )
