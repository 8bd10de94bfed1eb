"""Settings of the fork-secrets policy: the JSON Schema, with every key's default and meaning.

The defaults are the ``default`` values in ``SCHEMA``; ``policies.config`` layers the organisation's and the
repository's ``guard.yml`` over them and hands the policy a ``ForkSecretsSettings``.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from policies.base import Mode, Severity
from policies.patterns import MAX_ENTRIES, match_ref


class CancelMethod(enum.StrEnum):
    """How a run is stopped: ``cancel`` lets ``always()`` steps finish, ``force-cancel`` stops them too."""

    CANCEL = "cancel"
    FORCE_CANCEL = "force-cancel"


_ENVIRONMENT: dict[str, Any] = {
    "type": "object",
    "additionalProperties": False,
    "properties": {
        "allowed_refs": {
            "type": "array",
            "x-merge": "replace",
            "uniqueItems": True,
            "maxItems": MAX_ENTRIES,
            "default": ["~default"],
            "items": {"type": "string", "format": "ref-pattern", "maxLength": 255},
            "description": "Refs whose runs may deploy to this environment: branch patterns (`main`, "
            "`release/*`, `~default`) or full refs (`refs/tags/v*`). A grant: a level "
            "that sets it replaces the inherited list.",
        },
    },
}

SCHEMA: dict[str, Any] = {
    "type": "object",
    "additionalProperties": False,
    "description": "Keeps workflow runs started from forks away from secrets and write tokens: flags "
    "dangerous workflows, cancels risky fork runs and rejects their deployments.",
    "properties": {
        "mode": {
            "type": "string",
            "enum": [m.value for m in Mode],
            "default": Mode.ENFORCE.value,
            "description": "`off` does nothing, `observe` reports risky workflows and fork runs, `enforce` "
            "also cancels those runs and rejects their deployments.",
        },
        "fail_severity": {
            "type": "string",
            "enum": [s.label for s in Severity if s >= Severity.LOW],
            "default": "high",
            "description": "Workflow findings at or above this severity fail the check run and, in "
            "`enforce`, cancel fork runs of that workflow.",
        },
        "cancel_method": {
            "type": "string",
            "enum": [c.value for c in CancelMethod],
            "default": CancelMethod.CANCEL.value,
            "description": "`cancel` lets steps guarded by `always()` finish; `force-cancel` stops them too.",
        },
        "environments": {
            "type": "object",
            "default": {},
            "additionalProperties": _ENVIRONMENT,
            "maxProperties": MAX_ENTRIES,
            "propertyNames": {"format": "environment-name"},
            "description": "Deployment environments the guard's deployment protection rule judges, by "
            "name. Runs from forks never deploy; other runs deploy only from `allowed_refs`.",
        },
        "force_cancel_after": {
            "type": "integer",
            "minimum": 5,
            "maximum": 300,
            "default": 30,
            "description": "Seconds to wait after cancelling a risky fork run before force-cancelling it "
            "if it is still running (steps guarded by `always()` ignore a plain cancel).",
        },
        "github_hosted_labels": {
            "type": "array",
            "x-merge": "add",
            "uniqueItems": True,
            "maxItems": MAX_ENTRIES,
            "default": [],
            "items": {"type": "string", "format": "label-pattern", "maxLength": 100},
            "description": "Runner labels (globs) of GitHub-hosted larger runners you configured, besides "
            "`ubuntu-*`, `windows-*` and `macos-*`; any other label counts as a self-hosted runner.",
        },
        "self_hosted_labels": {
            "type": "array",
            "x-merge": "add",
            "uniqueItems": True,
            "maxItems": MAX_ENTRIES,
            "default": [],
            "items": {"type": "string", "format": "label-pattern", "maxLength": 100},
            "description": "Runner labels (globs) that mean a self-hosted runner, besides `self-hosted`; "
            "jobs reachable from fork pull requests must not run on them.",
        },
        "trusted_action_owners": {
            "type": "array",
            "x-merge": "replace",
            "uniqueItems": True,
            "maxItems": MAX_ENTRIES,
            "default": [],
            "items": {"type": "string", "format": "github-login"},
            "description": "Owners whose actions the workflow analyser trusts not to run code from a "
            "pull request, besides its built-in list. A grant: a level that sets it "
            "replaces the inherited list.",
        },
    },
}


@dataclass(frozen=True)
class Environment:
    name: str
    allowed_refs: tuple[str, ...]

    def allows(self, ref: str, default_branch: str) -> bool:
        """True when a run on ``ref`` (a full ref) may deploy here."""
        return any(match_ref(pattern, ref, default_branch) for pattern in self.allowed_refs)


@dataclass(frozen=True)
class ForkSecretsSettings:
    mode: Mode
    fail_severity: Severity
    cancel_method: CancelMethod
    environments: Mapping[str, Environment]
    self_hosted_labels: tuple[str, ...]
    trusted_action_owners: tuple[str, ...]
    force_cancel_after: int = 30
    github_hosted_labels: tuple[str, ...] = ()


def from_data(data: Mapping[str, Any]) -> ForkSecretsSettings:
    """Typed settings from merged, validated data (every key present)."""
    return ForkSecretsSettings(
        mode=Mode(data["mode"]),
        fail_severity=Severity.parse(data["fail_severity"]),
        cancel_method=CancelMethod(data["cancel_method"]),
        environments={
            name: Environment(name, tuple(env["allowed_refs"])) for name, env in data["environments"].items()
        },
        self_hosted_labels=tuple(data["self_hosted_labels"]),
        trusted_action_owners=tuple(data["trusted_action_owners"]),
        force_cancel_after=int(data["force_cancel_after"]),
        github_hosted_labels=tuple(data["github_hosted_labels"]),
    )
